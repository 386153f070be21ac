"""The running daemon: in-memory queue, durable spool, metrics and health reporting."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from baselines.analysis import Period
from core.config.types import StrictModel

#: evaluation periods relative to the day the daemon evaluates
RELATIVE_PERIODS = ("this_year", "last_month")


class SpoolSettings(StrictModel):
    """The durable spool for readings the store cannot take yet."""

    path: Path = Field(
        Path("var/spool.sqlite"), description="spool file; relative to the configuration file"
    )
    max_mb: int = Field(1024, ge=1, le=1_000_000, description="largest size of the spool file")
    when_full: Literal["refuse", "drop_oldest"] = Field(
        "refuse",
        description="refuse: keep what is spooled, hold new readings in memory up to "
        "daemon.max_queue and count the rest as dropped (loudly); drop_oldest: discard the "
        "oldest spooled readings to make room",
    )


class MetricsSettings(StrictModel):
    """The daemon's own metrics in Prometheus text format."""

    host: str = Field("127.0.0.1", description="address to listen on")
    port: int | None = Field(
        9108,
        ge=0,
        le=65535,
        description="port of GET /metrics (0: any free port); leave empty to turn it off",
    )


class DaemonSettings(StrictModel):
    """The running daemon: queue, spool, metrics, health reporting."""

    spool: SpoolSettings = Field(default_factory=SpoolSettings)
    register_path: Path = Field(
        Path("var/register.sqlite"),
        description="the management-system register (baseline versions); relative to the "
        "configuration file",
    )
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    max_queue: int = Field(
        200_000, ge=1000, le=10_000_000, description="readings held in memory at most"
    )
    enpi_interval_s: float = Field(
        3600.0,
        ge=10,
        le=7 * 86400,
        description="how often the configured EnPIs are computed (up to yesterday)",
    )
    consumption_interval_s: float = Field(
        300.0,
        ge=10,
        le=86400,
        description="how often hourly consumption per meter is derived and stored "
        "(the consumption measurement Grafana reads)",
    )
    consumption_lookback_h: int = Field(
        24,
        ge=1,
        le=24 * 31,
        description="hours re-derived on each pass, so readings that arrive late (from a "
        "gateway's buffer or the spool) are counted",
    )
    health_interval_s: float = Field(
        60.0, ge=1, le=3600, description="how often health and daemon metrics are stored"
    )
    evaluation_interval_s: float = Field(
        86400.0,
        ge=60,
        le=31 * 86400,
        description="how often the plugins evaluate the evaluation_periods, as `enms evaluate "
        "--store` does: findings stored for Grafana, nonconformities recorded in the register "
        "(the API only reads them)",
    )
    evaluation_periods: list[str] = Field(
        default_factory=lambda: list(RELATIVE_PERIODS),
        max_length=12,
        description="this_year (to date), last_month, or fixed periods (2025, 2025-03, "
        "2025-01-01..2025-06-30)",
    )

    @field_validator("evaluation_periods")
    @classmethod
    def _known_periods(cls, periods: list[str]) -> list[str]:
        for text in periods:
            if text not in RELATIVE_PERIODS:
                Period.parse(text)  # its ValueError names the period and what is accepted
        return periods

    shutdown_timeout_s: float = Field(
        10.0,
        ge=0,
        le=600,
        description="time to write queued readings at shutdown; the rest is spooled",
    )
