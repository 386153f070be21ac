"""When Grafana's provisioned alert rules fire (scripts/build_dashboards.py writes them from
these settings into dashboards/provisioning/alerting/)."""

from __future__ import annotations

from pydantic import Field

from core.config.types import StrictModel


class AlertSettings(StrictModel):
    """Thresholds of the alert rules; where they notify is the site's Grafana contact point."""

    meter_offline_after_min: int = Field(
        60,
        ge=5,
        le=7 * 24 * 60,
        description="minutes without a successful read before a meter or topic is alerted as "
        "offline",
    )
    spool_growing_for_min: int = Field(
        30,
        ge=5,
        le=24 * 60,
        description="minutes over which a growing spool (readings the store did not take) alerts",
    )
