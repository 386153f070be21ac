"""Cost and CO2 per energy carrier, and progress on the EU public-sector line.

For ekonomi and samhälle och miljö: the period's consumption of every energy carrier (main
meters only, so sub-meters are not counted twice) priced with the tariff and weighted with the
emission factor of each month's year, both from the plugin's settings. With a reference year,
a calendar year's total is compared with the line of the Energy Efficiency Directive (EU)
2023/1791 art. 5: 1.9 % less final energy each year from the reference year. The energy
avoided against the EnPIs' baselines -- each meter's energy once, as the review's headline
adds it -- is priced and weighted the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from core.config.meter_tree import counted_once
from core.config.models import Medium, Meter, ValueKind
from core.i18n import N_, Message, message
from core.schema import Measurement, ReadingField
from core.storage.points import Bucket, SeriesSelector
from energy.totals import ADDITIVE_RULE, additive_enpis
from plugins.context import EvaluationContext, ReviewPeriod
from plugins.findings import (
    Finding,
    FindingMaker,
    Kind,
    Perspective,
    ReviewInput,
    Scope,
    Severity,
)
from plugins.hookspecs import hookimpl

NAME = "cost_co2"
FINDINGS = FindingMaker(NAME, Perspective.ECONOMY, ("ISO 50001:2018 6.3", "ISO 50001:2018 9.1.1"))
MISSING_TEXT = {
    ("price",): N_("price"),
    ("emission factor",): N_("emission factor"),
    ("price", "emission factor"): N_("price or emission factor"),
}
CARRIERS = (
    Medium.ELECTRICITY,
    Medium.DISTRICT_HEATING,
    Medium.DISTRICT_COOLING,
    Medium.GAS,
    Medium.OIL,
    Medium.BIOFUEL,
)
#: below this share of the period measured, a total is reported but not compared
COVERAGE_MIN = 0.95


class CarrierFactors(BaseModel):
    model_config = ConfigDict(extra="forbid")

    price_per_kwh: dict[int, float] = Field(default_factory=dict, description="year -> price")
    co2_g_per_kwh: dict[int, float] = Field(default_factory=dict, description="year -> g CO2e")


class CostCo2Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: str = "SEK"
    carriers: dict[Medium, CarrierFactors] = Field(default_factory=dict)
    reference_year: int | None = Field(None, ge=2000, le=2100)
    reduction_per_year: float = Field(0.019, ge=0, lt=1)


@dataclass(frozen=True, slots=True)
class CarrierUse:
    """One carrier's consumption in a period: kWh per year of the months it falls in."""

    medium: Medium
    kwh_by_year: dict[int, float]
    coverage: float
    meters: list[str]

    @property
    def kwh(self) -> float:
        return sum(self.kwh_by_year.values())


def main_energy_meters(context: EvaluationContext, medium: Medium) -> list[Meter]:
    """Counters in kWh of a carrier, each kWh once (sub-meters of a summed meter left out)."""
    return counted_once(
        context.config,
        (
            meter
            for _, meter in context.meters()
            if meter.medium is medium
            and meter.kind is ValueKind.COUNTER
            and context.main_field(meter) == ReadingField.ENERGY_KWH
        ),
    )


async def carrier_use(
    context: EvaluationContext, medium: Medium, period: ReviewPeriod
) -> CarrierUse | None:
    meters = main_energy_meters(context, medium)
    if not meters:
        return None
    start, end = context.window(period)
    selector = SeriesSelector(Measurement.READINGS, "energy_kwh", {"meter": [m.id for m in meters]})
    groups = await context.store.counter_consumption(
        selector, start, end, Bucket.MONTH, tz=context.config.portfolio.timezone
    )
    by_year: dict[int, float] = {}
    coverage = 0.0
    if groups:
        group = groups[0]
        for month_start, kwh in zip(group.starts(), group.values.tolist(), strict=True):
            if np.isfinite(kwh):
                by_year[month_start.year] = by_year.get(month_start.year, 0.0) + kwh
        if group.coverage is not None and group.coverage.size:
            coverage = float(np.mean(group.coverage))
    return CarrierUse(medium, by_year, coverage, [m.id for m in meters])


def _finding(
    context: EvaluationContext,
    key: str,
    title: Message,
    *,
    kind: Kind,
    severity: Severity,
    perspective: Perspective,
    review_input: ReviewInput,
    metrics: dict[str, object],
    references: tuple[str, ...] | None = None,
) -> Finding:
    return FINDINGS.make(
        context.period,
        key,
        title,
        kind=kind,
        severity=severity,
        review_input=review_input,
        scope=Scope(level="portfolio"),
        metrics=metrics,
        perspective=perspective,
        references=references,
        measurement=Measurement.READINGS,
        query="readings.energy_kwh of the main meters of each carrier, per local month",
    )


def priced(
    context: EvaluationContext, use: CarrierUse, factors: CarrierFactors | None
) -> tuple[float | None, float | None, list[Finding]]:
    """(cost, tonnes CO2e, findings about missing factors) of one carrier's use."""
    found: list[Finding] = []
    cost: float | None = 0.0
    co2: float | None = 0.0
    for year, kwh in sorted(use.kwh_by_year.items()):
        price = factors.price_per_kwh.get(year) if factors else None
        grams = factors.co2_g_per_kwh.get(year) if factors else None
        missing = [
            what for what, value in (("price", price), ("emission factor", grams)) if value is None
        ]
        if missing:
            found.append(
                _finding(
                    context,
                    f"missing-factor.{use.medium.value}.{year}",
                    message(
                        "No {what} for {carrier} in {year}: set {setting}",
                        what=message(MISSING_TEXT[tuple(missing)]),
                        carrier=message(use.medium.text),
                        year=str(year),
                        setting=f"plugins.settings.{NAME}.carriers.{use.medium.value}",
                    ),
                    kind=Kind.OBSERVATION,
                    severity=Severity.LOW,
                    perspective=Perspective.PROCESS,
                    review_input=ReviewInput.MONITORING,
                    metrics={"kwh": round(kwh, 1), "missing": missing},
                )
            )
        cost = cost + kwh * price if cost is not None and price is not None else None
        co2 = co2 + kwh * grams / 1e6 if co2 is not None and grams is not None else None
    return cost, co2, found


async def eu_line(
    context: EvaluationContext, settings: CostCo2Settings, total_kwh: float, coverage: float
) -> list[Finding]:
    """A calendar year's final energy against the reference year minus 1.9 % a year."""
    period, reference = context.period, settings.reference_year
    full_year = period.first == period.first.replace(month=1, day=1) and period.last == (
        period.first.replace(month=12, day=31)
    )
    if reference is None or not full_year or period.first.year <= reference:
        return []
    base = ReviewPeriod.parse(str(reference))
    uses = [u for m in CARRIERS if (u := await carrier_use(context, m, base)) is not None]
    base_kwh = sum(u.kwh for u in uses)
    base_coverage = min((u.coverage for u in uses), default=0.0)
    if base_coverage < COVERAGE_MIN or coverage < COVERAGE_MIN or base_kwh <= 0:
        return [
            _finding(
                context,
                "eu-line.not-comparable",
                message(
                    "{period} cannot be compared with the reference year {reference}: "
                    "the stored readings do not cover both years",
                    period=period.label,
                    reference=str(reference),
                ),
                kind=Kind.OBSERVATION,
                severity=Severity.MEDIUM,
                perspective=Perspective.SOCIETY_ENVIRONMENT,
                review_input=ReviewInput.OBJECTIVES,
                metrics={
                    "coverage_pct": round(coverage * 100, 1),
                    "reference_coverage_pct": round(base_coverage * 100, 1),
                },
            )
        ]
    years = period.first.year - reference
    line = base_kwh * (1 - settings.reduction_per_year) ** years
    change = total_kwh / base_kwh - 1
    above = total_kwh > line
    return [
        _finding(
            context,
            "eu-line",
            message(
                "Final energy {period}: {change:spct1} against {reference}; the line asks for "
                "{line:spct1} ({where})",
                period=period.label,
                change=change * 100,
                reference=str(reference),
                line=((1 - settings.reduction_per_year) ** years - 1) * 100,
                where=message("above the line") if above else message("on or below the line"),
            ),
            kind=Kind.DEVIATION if above else Kind.POSITIVE,
            severity=Severity.MEDIUM if above else Severity.INFO,
            perspective=Perspective.SOCIETY_ENVIRONMENT,
            review_input=ReviewInput.OBJECTIVES,
            references=("EU 2023/1791 art. 5", "ISO 50001:2018 6.2"),
            metrics={
                "kwh": round(total_kwh, 1),
                "reference_kwh": round(base_kwh, 1),
                "line_kwh": round(line, 1),
                "change_pct": round(change * 100, 2),
                "reduction_per_year": settings.reduction_per_year,
            },
        )
    ]


@hookimpl
async def enms_evaluate(context: EvaluationContext) -> list[Finding]:
    settings = context.settings_as(CostCo2Settings)
    found: list[Finding] = []
    total_kwh, total_co2, coverages = 0.0, 0.0, []
    complete_co2 = True
    for medium in CARRIERS:
        use = await carrier_use(context, medium, context.period)
        if use is None:
            continue
        cost, co2, missing = priced(context, use, settings.carriers.get(medium))
        found += missing
        total_kwh += use.kwh
        coverages.append(use.coverage)
        if co2 is None:
            complete_co2 = False
        else:
            total_co2 += co2
        cost_text = (
            message("{cost:money}", cost={"amount": cost, "currency": settings.currency})
            if cost is not None
            else message("cost unknown")
        )
        co2_text = (
            message("{co2:n1} t CO2e", co2=co2) if co2 is not None else message("CO2 unknown")
        )
        found.append(
            _finding(
                context,
                f"carrier.{medium.value}",
                message(
                    "{carrier} {period}: {mwh:n1} MWh, {cost}, {co2}",
                    carrier=message(medium.text),
                    period=context.period.label,
                    mwh=use.kwh / 1000,
                    cost=cost_text,
                    co2=co2_text,
                ),
                kind=Kind.OBSERVATION,
                severity=Severity.INFO,
                perspective=Perspective.ECONOMY,
                review_input=ReviewInput.ENERGY_PERFORMANCE,
                metrics={
                    "kwh": round(use.kwh, 1),
                    "cost": round(cost, 2) if cost is not None else None,
                    "currency": settings.currency,
                    "co2_t": round(co2, 3) if co2 is not None else None,
                    "coverage_pct": round(use.coverage * 100, 1),
                    "meters": use.meters,
                },
            )
        )
    if not coverages:
        return found
    found.append(
        _finding(
            context,
            "co2-total",
            message(
                "Emissions {period}: {co2:n1} t CO2e", period=context.period.label, co2=total_co2
            )
            if complete_co2
            else message(
                "Emissions {period}: incomplete (factors missing)", period=context.period.label
            ),
            kind=Kind.OBSERVATION,
            severity=Severity.INFO,
            perspective=Perspective.SOCIETY_ENVIRONMENT,
            review_input=ReviewInput.ENERGY_PERFORMANCE,
            metrics={
                "co2_t": round(total_co2, 3) if complete_co2 else None,
                "kwh": round(total_kwh, 1),
            },
        )
    )
    found += await eu_line(context, settings, total_kwh, min(coverages))
    found += await avoided(context, settings)
    return found


async def avoided(context: EvaluationContext, settings: CostCo2Settings) -> list[Finding]:
    """Energy, cost and emissions avoided against the EnPIs' baselines.

    The EnPIs are added by the review's rule (``energy.totals.ADDITIVE_RULE``: each meter's
    energy once), so this finding prices the same kWh as the review's headline. Each
    reporting day's avoided kWh is priced with the factors of its year.
    """
    per_enpi: dict[str, dict[str, object]] = {}
    kwh_total, cost_total, co2_total = 0.0, 0.0, 0.0
    priced_fully = True
    reporting = {}
    for enpi in context.config.enpis:
        if enpi.medium not in CARRIERS:
            continue
        days = await context.enpi_reporting_days(enpi)
        if days is not None:
            reporting[enpi.id] = (enpi, days)
    additivity = additive_enpis(context.config, [enpi for enpi, _ in reporting.values()])
    for enpi_id in additivity.counted:
        enpi, days = reporting[enpi_id]
        factors = settings.carriers.get(enpi.medium)
        saved = days["expected_kwh"] - days["actual_kwh"]
        by_year: dict[int, float] = {}
        for day, kwh in zip(days.days, saved.tolist(), strict=True):
            if np.isfinite(kwh):
                by_year[day.year] = by_year.get(day.year, 0.0) + kwh
        cost: float | None = 0.0
        co2: float | None = 0.0
        for year, kwh in by_year.items():
            price = factors.price_per_kwh.get(year) if factors else None
            grams = factors.co2_g_per_kwh.get(year) if factors else None
            cost = cost + kwh * price if cost is not None and price is not None else None
            co2 = co2 + kwh * grams / 1e6 if co2 is not None and grams is not None else None
        kwh = sum(by_year.values())
        kwh_total += kwh
        if cost is None or co2 is None:
            priced_fully = False
        cost_total += cost or 0.0
        co2_total += co2 or 0.0
        per_enpi[enpi.id] = {
            "kwh": round(kwh, 1),
            "cost": round(cost, 2) if cost is not None else None,
            "co2_t": round(co2, 3) if co2 is not None else None,
        }
    if not per_enpi:
        return []
    cost_text = (
        message("{cost:money}", cost={"amount": cost_total, "currency": settings.currency})
        if priced_fully
        else message("cost incomplete")
    )
    co2_text = (
        message("{co2:n1} t CO2e", co2=co2_total) if priced_fully else message("CO2 incomplete")
    )
    return [
        _finding(
            context,
            "avoided",
            message(
                "Avoided against the baselines {period}: {mwh:n1} MWh, {cost}, {co2}",
                period=context.period.label,
                mwh=kwh_total / 1000,
                cost=cost_text,
                co2=co2_text,
            ),
            kind=Kind.POSITIVE if kwh_total > 0 else Kind.OBSERVATION,
            severity=Severity.INFO,
            perspective=Perspective.ECONOMY,
            review_input=ReviewInput.ENERGY_PERFORMANCE,
            metrics={
                "kwh": round(kwh_total, 1),
                "cost": round(cost_total, 2) if priced_fully else None,
                "currency": settings.currency,
                "co2_t": round(co2_total, 3) if priced_fully else None,
                "enpis": per_enpi,
                "left_out": {e: str(why) for e, why in additivity.left_out.items()},
                "rule": ADDITIVE_RULE,
            },
            references=("ISO 50001:2018 6.4", "ISO 50006:2023 7", "ISO 50001:2018 9.1.1"),
        )
    ]
