"""EnPI figures for a period, from the daily series `enms baseline run` stored and the register.

Each figure names the baseline version it was computed against, and the model statistics and
validity behind it, so the management review sees how far a number can be trusted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from api.cache import TtlCache
from api.evidence import Evidence
from api.models.enpis import BaselineSummary, EnpiFigures, Improvement
from baselines.results import forecast_from_statistics
from baselines.versions import EnergyBaseline
from core.config.enpis import EnpiDefinition
from core.config.models import EnmsConfig
from core.schema import EnpiField, Measurement
from core.storage.contract import Store
from energy.enpi_run import boundary_area_m2, boundary_meters
from energy.enpi_series import DailySeries, daily_series_many
from energy.register import Register
from energy.totals import verdict
from plugins.context import ReviewPeriod

#: outdoor temperatures an energy signature's model line is drawn over, °C
SIGNATURE_GRID_C = np.arange(-25.0, 30.5, 0.5)


def signature_days(series: DailySeries) -> np.ndarray:
    """The days an energy signature shows: consumption, expectation and temperature known."""
    return series.known & np.isfinite(series[EnpiField.TEMPERATURE_C])


def model_line(baseline: EnergyBaseline) -> list[tuple[float, float]]:
    """The baseline model over ``SIGNATURE_GRID_C``: (outdoor °C, expected kWh per day), on an
    average day of the week for a model with weekday terms, and for a model on degree-hours a
    day whose every hour has that temperature."""
    expected = baseline.predict(SIGNATURE_GRID_C)
    return [(float(t), float(e)) for t, e in zip(SIGNATURE_GRID_C, expected, strict=True)]


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def baseline_summary(baseline: EnergyBaseline, superseded_at: str | None = None) -> BaselineSummary:
    stats = baseline.statistics
    return BaselineSummary.model_validate(
        {
            "version": baseline.version,
            "first": baseline.first.isoformat(),
            "last": baseline.last.isoformat(),
            "model": baseline.form.value,
            "heating_balance_c": baseline.heating_c,
            "cooling_balance_c": baseline.cooling_c,
            "balance_spread_c": baseline.spread_c,
            "weekday_terms": baseline.weekday_terms,
            "degree_hours": baseline.degree_hours,
            "coefficients": dict(baseline.coefficients),
            "variables": dict(baseline.variables),
            "adopted_at": baseline.adopted_at,
            "revision_trigger": baseline.trigger.value,
            "reason": baseline.reason,
            "valid": baseline.valid,
            "validity": baseline.validity.get("label"),
            "validity_reasons": baseline.validity.get("reasons", []),
            "validity_warnings": baseline.validity.get("warnings", []),
            "statistics": {
                key: stats.get(key) for key in ("n", "r2", "adj_r2", "cv_rmse", "nmbe", "rmse")
            },
            "adjustments": [
                {
                    "first": a.first.isoformat(),
                    "last": a.last.isoformat(),
                    "kwh": a.kwh,
                    "reason": a.reason,
                }
                for a in baseline.adjustments
            ],
            "static_factors": dict(baseline.static_factors),
            "superseded_at": superseded_at,
        }
    )


def period_figures(
    config: EnmsConfig,
    enpi: EnpiDefinition,
    baseline: EnergyBaseline | None,
    series: DailySeries | None,
    period: ReviewPeriod,
) -> EnpiFigures:
    """The EnPI over ``period``: consumption, kWh/m², and improvement on reporting days."""
    meters = boundary_meters(config, enpi)
    area = boundary_area_m2(config, meters, enpi)
    links = {
        "daily": f"/api/v1/enpis/{enpi.id}/daily?period={period.label}",
        "baselines": f"/api/v1/enpis/{enpi.id}/baselines",
        "signature": f"/api/v1/enpis/{enpi.id}/signature?period={period.label}",
    }
    head = EnpiFigures(
        id=enpi.id,
        name=enpi.name,
        medium=enpi.medium.value,
        building=enpi.building,
        seu=enpi.seu,
        area_m2=area,
        period=period.label,
        status="no baseline",
        detail="no baseline adopted yet: run `enms baseline run` (or the daemon)",
        evidence=Evidence(first=period.first, last=period.last, links=links),
    )
    if baseline is None or series is None:
        return head
    known = series.known
    actual, expected = series[EnpiField.ACTUAL_KWH], series[EnpiField.EXPECTED_KWH]
    reporting = known & np.array([day > baseline.last for day in series.days])
    in_baseline = known & ~reporting
    result = forecast_from_statistics(baseline.statistics, expected[reporting], actual[reporting])
    improvement: Improvement | None = None
    if reporting.any():
        improvement = Improvement(
            reporting_days=int(reporting.sum()),
            expected_kwh=result.expected_kwh,
            actual_kwh=result.actual_kwh,
            avoided_kwh=result.avoided_kwh,
            improvement_pct=_finite(100 * result.improvement),
            senpi=_finite(result.senpi),
            savings_uncertainty_kwh_68pct=_finite(result.uncertainty_kwh),
            fractional_savings_uncertainty=_finite(result.fsu),
            cusum_kwh=_finite(float(np.nan_to_num(series[EnpiField.CUSUM_KWH][reporting])[-1])),
            verdict=verdict(result.avoided_kwh, _finite(result.uncertainty_kwh)),
        )
    total = float(actual[known].sum())
    status = (
        "reporting" if reporting.any() else "baseline period" if in_baseline.any() else "no data"
    )
    return head.model_copy(
        update={
            "status": status,
            "detail": None,
            "days": period.days,
            "days_with_data": int(known.sum()),
            "actual_kwh": total,
            "kwh_per_m2": total / area if area > 0 else None,
            "improvement": improvement,
            "baseline": baseline_summary(baseline),
            "evidence": Evidence(
                first=period.first,
                last=period.last,
                measurement=Measurement.ENPI,
                query=f"{Measurement.ENPI} where enpi = {enpi.id} and baseline_version = "
                f"{baseline.version}; meters {', '.join(m.id for m in meters) or '(none)'}",
                baseline_version=baseline.version,
                model=baseline.form.value,
                links=links,
            ),
        }
    )


@dataclass(frozen=True)
class EnpiPeriod:
    """An EnPI over a period: its figures, and the baseline and days behind them."""

    figures: EnpiFigures
    baseline: EnergyBaseline | None
    series: DailySeries | None


async def enpi_periods(
    store: Store,
    register: Register,
    config: EnmsConfig,
    enpis: Sequence[EnpiDefinition],
    period: ReviewPeriod,
    *,
    cache: TtlCache | None = None,
) -> list[EnpiPeriod]:
    """Several EnPIs over ``period``, their stored days read together.

    With ``cache``, the days read are kept for its time to live under the period and the
    baseline versions: a revised baseline is read afresh at once. The figures are computed
    from them on every call, against the register as it is now (versions, adjustments).
    """
    baselines = {enpi.id: register.current(enpi.id) for enpi in enpis}
    versions = {key: b.version for key, b in baselines.items() if b is not None}

    async def read() -> dict[str, DailySeries]:
        return await daily_series_many(
            store, config, versions, first=period.first, last=period.last
        )

    series: dict[str, DailySeries] = {}
    if versions and cache is not None:
        key = ("enpi-days", period.label, tuple(sorted(versions.items())))
        series, _ = await cache.get(key, read)
    elif versions:
        series = await read()
    return [
        EnpiPeriod(
            period_figures(config, enpi, baselines[enpi.id], series.get(enpi.id), period),
            baselines[enpi.id],
            series.get(enpi.id),
        )
        for enpi in enpis
    ]
