"""Opportunities for improvement found in the data (ISO 50001:2018 9.3 d, 6.3).

Two kinds, each with the kWh at stake in the period, so the review can weigh them:

- **Use outside opening hours.** Per building and carrier (electricity, district heating):
  the mean power in the hours the building is closed against the mean in its opening hours
  (occupied hours as the indoor_climate plugin defines them, by category or building). Above
  ``electricity_outside_max`` (a base load: ventilation, lighting, servers left on) or
  ``heating_outside_max`` (no night or weekend setback) the excess is the kWh at stake.
- **Highest use per m² in its category.** Among buildings of one category, the one with the
  most kWh/m² Atemp against the category's median: its excess times its Atemp.

Buildings occupied around the clock (elderly care) have no closed hours and are not judged on
the first. Sub-meters are not added to their main meters (each kWh once).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from core.config.models import Building, Medium, Meter, Site, ValueKind
from core.i18n import message
from core.schema import Measurement, ReadingField, Tag
from core.storage.points import Bucket
from energy.consumption import consuming_meters, consumption, counted_once_fields
from plugins.builtin.indoor_climate import IndoorSettings, occupancy_for, occupied
from plugins.context import EvaluationContext
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

NAME = "opportunities"
FINDINGS = FindingMaker(NAME, Perspective.ECONOMY, ("ISO 50001:2018 6.3", "ISO 50001:2018 9.3 d"))
CARRIERS = (Medium.ELECTRICITY, Medium.DISTRICT_HEATING)


class OpportunitySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    electricity_outside_max: float = Field(
        0.35, gt=0, le=1, description="closed-hours mean power over opening-hours mean, at most"
    )
    heating_outside_max: float = Field(
        0.7, gt=0, le=1, description="the same for district heating (a setback saves)"
    )
    min_kwh: float = Field(500.0, ge=0, description="smaller opportunities are not reported")
    occupancy: IndoorSettings = Field(
        default_factory=IndoorSettings,
        description="opening hours by building id or category, as indoor_climate reads them",
    )


def _energy_meters(
    context: EvaluationContext, building: Building, medium: Medium
) -> list[tuple[Site, Meter, str]]:
    """The building's kWh counters of ``medium``, sub-meters of one of them left out."""
    return counted_once_fields(
        context.config,
        [
            (site, meter, field)
            for site, meter, field in consuming_meters(context.config)
            if meter.building == building.id
            and meter.medium is medium
            and meter.kind is ValueKind.COUNTER
            and field == ReadingField.ENERGY_KWH
        ],
    )


async def outside_hours(
    context: EvaluationContext, building: Building, medium: Medium, settings: OpportunitySettings
) -> tuple[Finding | None, float]:
    """The finding on use outside opening hours, and the building's kWh of ``medium``."""
    meters = _energy_meters(context, building, medium)
    start, end = context.window()
    if not meters or end <= start:
        return None, 0.0
    found = await consumption(
        context.store, context.config, meters, start, end, bucket=Bucket.HOUR, group_by=()
    )
    kwh = [one for one in found if one.unit == "kWh"]
    if not kwh:
        return None, 0.0
    series = kwh[0].series
    values = series.values
    known = np.isfinite(values)
    total = float(values[known].sum())
    open_hours = occupied(series.starts(), occupancy_for(building, settings.occupancy))
    inside, outside = values[known & open_hours], values[known & ~open_hours]
    if inside.size < 24 or outside.size < 24:  # always open, or too little data to judge
        return None, total
    limit = (
        settings.electricity_outside_max
        if medium is Medium.ELECTRICITY
        else settings.heating_outside_max
    )
    ratio = float(outside.mean() / inside.mean()) if inside.mean() > 0 else 0.0
    at_stake = float(np.clip(outside - limit * inside.mean(), 0, None).sum())
    if ratio <= limit or at_stake < settings.min_kwh:
        return None, total
    share = float(outside.sum()) / total if total > 0 else 0.0
    finding = FINDINGS.make(
        context.period,
        f"outside-hours.{building.id}.{medium.value}",
        message(
            "{building}: {carrier} outside opening hours at {ratio:pct0} of the opening-hours "
            "level ({share:pct0} of its use); {kwh:n0} kWh above {limit:pct0}",
            building=building.name,
            carrier=message(medium.text),
            ratio=100 * ratio,
            share=100 * share,
            kwh=at_stake,
            limit=100 * limit,
        ),
        kind=Kind.OPPORTUNITY,
        severity=Severity.MEDIUM if at_stake >= 10 * settings.min_kwh else Severity.LOW,
        review_input=ReviewInput.OPPORTUNITIES,
        scope=Scope(level="building", id=building.id),
        metrics={
            "kwh_at_stake": round(at_stake, 1),
            "outside_to_open_ratio": round(ratio, 3),
            "outside_share": round(share, 3),
            "limit": limit,
        },
        measurement=Measurement.READINGS,
        query=f"hourly consumption of {', '.join(m.id for _, m, _ in meters)}, closed hours "
        "against opening hours",
    )
    return finding, total


def per_m2_in_category(
    context: EvaluationContext, use: dict[str, float], settings: OpportunitySettings
) -> list[Finding]:
    """The building with the most kWh/m² in each category of two or more, against the median."""
    by_category: dict[str, list[Building]] = {}
    for _, building in context.config.buildings():
        if use.get(building.id, 0.0) > 0:
            by_category.setdefault(building.category.value, []).append(building)
    found = []
    for category, buildings in sorted(by_category.items()):
        if len(buildings) < 2:
            continue
        per_m2 = {b.id: use[b.id] / b.atemp_m2 for b in buildings}
        median = statistics.median(per_m2.values())
        worst = max(buildings, key=lambda b: per_m2[b.id])
        at_stake = (per_m2[worst.id] - median) * worst.atemp_m2
        if at_stake < settings.min_kwh:
            continue
        found.append(
            FINDINGS.make(
                context.period,
                f"highest-per-m2.{category}",
                message(
                    "{building}: {per_m2:n1} kWh/m² Atemp, the most among {count:n0} buildings "
                    "of category {category} (median {median:n1}); {kwh:n0} kWh above the median",
                    building=worst.name,
                    per_m2=per_m2[worst.id],
                    count=len(buildings),
                    category=category,
                    median=median,
                    kwh=at_stake,
                ),
                kind=Kind.OPPORTUNITY,
                severity=Severity.LOW,
                review_input=ReviewInput.OPPORTUNITIES,
                scope=Scope(level="building", id=worst.id),
                metrics={
                    "kwh_at_stake": round(at_stake, 1),
                    "kwh_per_m2": round(per_m2[worst.id], 2),
                    "category_median_kwh_per_m2": round(median, 2),
                    "buildings": len(buildings),
                },
                measurement=Measurement.READINGS,
                query=f"kWh of the main meters per building, {Tag.BUILDING} category {category}",
            )
        )
    return found


@hookimpl
async def enms_evaluate(context: EvaluationContext) -> list[Finding]:
    settings = context.settings_as(OpportunitySettings)
    found: list[Finding] = []
    use: dict[str, float] = {}
    buildings: Sequence[Building] = [b for _, b in context.config.buildings()]
    for building in buildings:
        for medium in CARRIERS:
            finding, kwh = await outside_hours(context, building, medium, settings)
            use[building.id] = use.get(building.id, 0.0) + kwh
            if finding is not None:
                found.append(finding)
    found += per_m2_in_category(context, use, settings)
    return found
