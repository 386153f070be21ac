"""Night load: the share of each electricity meter's use between 22:00 and 06:00 local time.

A school or an office that uses much of its electricity at night has ventilation, lighting or
heating running outside its hours: an opportunity for the management review (ISO 50001 9.3 d).
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import numpy as np

from enms.plugin import (
    EvaluationContext,
    Evidence,
    Finding,
    Kind,
    Medium,
    Meter,
    Perspective,
    Phase,
    RelevantVariable,
    ReportSection,
    ReviewInput,
    Scope,
    Severity,
    ValueKind,
    VariableContext,
    hookimpl,
)

NIGHT_HOURS = {22, 23, 0, 1, 2, 3, 4, 5}
HOUR_NS = 3_600_000_000_000


async def night_shares(context: EvaluationContext) -> list[tuple[Meter, float]]:
    """Each electricity counter's share of its use between 22:00 and 06:00 in the period."""
    shares = []
    for _, meter in context.meters():
        if meter.medium is not Medium.ELECTRICITY or meter.kind is not ValueKind.COUNTER:
            continue
        series = await context.meter_readings(meter)
        if series is None or series.values.size < 2:
            continue
        used = np.diff(series.values)
        # only intervals of an hour or less can be put in an hour of the day
        ok = np.isfinite(used) & (used >= 0) & (np.diff(series.times_ns) <= HOUR_NS)
        hours = np.array(
            [datetime.fromtimestamp(t / 1e9, context.zone).hour for t in series.times_ns[:-1]]
        )
        night = np.isin(hours, list(NIGHT_HOURS)) & ok
        total = float(used[ok].sum())
        if total > 0:
            shares.append((meter, float(used[night].sum()) / total))
    return shares


@hookimpl
async def enms_evaluate(context: EvaluationContext) -> list[Finding]:
    limit = float(context.settings.get("night_share_max", 0.35))
    findings = []
    for meter, share in await night_shares(context):
        if share > limit:
            label = meter.name or meter.id
            findings.append(
                Finding(
                    id=f"night-load.{meter.id}",
                    plugin="night_load",
                    title=f"{label}: {share * 100:.0f} % of the electricity is used at night",
                    kind=Kind.OPPORTUNITY,
                    severity=Severity.LOW,
                    scope=Scope(level="meter", id=meter.id),
                    period=context.period.label,
                    references=("ISO 50001:2018 6.3", "ISO 50001:2018 9.3 d)"),
                    perspective=Perspective.ECONOMY,
                    phase=Phase.ACT,
                    review_input=ReviewInput.OPPORTUNITIES,
                    metrics={"night_share": round(share, 3), "night_share_max": limit},
                    evidence=Evidence(
                        first=context.period.first,
                        last=context.period.last,
                        measurement="readings",
                    ),
                )
            )
    return findings


@hookimpl
async def enms_report_sections(context: EvaluationContext) -> list[ReportSection]:
    """A table for the printed review: every electricity meter's night share."""
    rows = [
        {"meter": meter.id, "name": meter.name or meter.id, "night share %": round(100 * share, 1)}
        for meter, share in await night_shares(context)
    ]
    return [
        ReportSection(
            title="Electricity used at night (22:00-06:00)",
            review_input=ReviewInput.OPPORTUNITIES,
            paragraphs=["Use at night is ventilation, lighting or heating running out of hours."],
            table=rows,
        )
    ]


def dark_hours(first: date, last: date, latitude: float = 59.3) -> dict[date, float]:
    """Hours without daylight per day (sunrise to sunset, no twilight) at ``latitude``."""
    found = {}
    for i in range((last - first).days + 1):
        day = first + timedelta(days=i)
        n = day.timetuple().tm_yday
        declination = math.radians(23.44) * math.sin(2 * math.pi * (284 + n) / 365)
        cos_hour_angle = -math.tan(math.radians(latitude)) * math.tan(declination)
        hour_angle = math.degrees(math.acos(max(-1.0, min(1.0, cos_hour_angle))))
        found[day] = round(24 - 2 * hour_angle / 15, 2)
    return found


@hookimpl
def enms_relevant_variables(context: VariableContext) -> list[RelevantVariable]:
    """Lighting follows the dark: a relevant variable for electricity EnPIs."""
    latitude = float(context.settings.get("latitude", 59.3))
    return [
        RelevantVariable(
            "dark_hours",
            "hours between sunset and sunrise",
            "h",
            lambda first, last: dark_hours(first, last, latitude),
        )
    ]
