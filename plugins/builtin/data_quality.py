"""Data quality and meter coverage (ISO 50001:2018 6.6, 9.1.1).

For every configured meter in the review period: completeness (the share of the period covered
by readings no further apart than ``max_gap_h``, counting a counter's unusable intervals as not
covered), gaps, values stuck for ``stuck_h`` or longer, and counter resets, rollovers,
replacements and jumps (classified by ``baselines.counters``). An EnPI whose meters fall below
``completeness_min`` is reported as not reportable for the period.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from baselines.counters import IntervalFlag, counter_intervals
from core.config.models import Meter, ValueKind
from core.i18n import Message, message
from core.schema import Measurement
from core.storage.contract import as_ns
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

NAME = "data_quality"
FINDINGS = FindingMaker(NAME, Perspective.PROCESS, ("ISO 50001:2018 6.6", "ISO 50001:2018 9.1.1"))
NS_PER_H = 3_600_000_000_000
REFERENCES = ("ISO 50001:2018 6.6", "ISO 50001:2018 9.1.1")


class DataQualitySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    completeness_min: float = Field(0.95, gt=0, le=1, description="below this, a meter deviates")
    max_gap_h: float = Field(3.0, gt=0, description="readings further apart leave a gap")
    stuck_h: float = Field(48.0, gt=0, description="an unchanged value this long is stuck")
    submeter_coverage_min: float = Field(
        0.8, ge=0, le=1, description="share of a main meter's use its sub-meters should cover"
    )
    submeter_tolerance: float = Field(
        0.02, ge=0, le=1, description="how far sub-meters may sum above their main meter"
    )


@dataclass(frozen=True, slots=True)
class MeterQuality:
    readings: int
    completeness: float
    gaps: int
    longest_gap_h: float
    longest_stuck_h: float
    resets: int  # restarts from zero and rollovers: consumption still known
    breaks: int  # replacements and jumps: consumption over the interval unknown
    #: what the readings show was used (counters and interval meters), where it is known
    consumption: float | None = None


def assess(
    times_ns: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    start_ns: int,
    end_ns: int,
    *,
    kind: ValueKind,
    max_gap_h: float,
) -> MeterQuality:
    """The quality of one meter's readings over [start_ns, end_ns)."""
    counter = kind is ValueKind.COUNTER
    span = end_ns - start_ns
    keep = np.isfinite(values) & (times_ns >= start_ns) & (times_ns < end_ns)
    t, v = times_ns[keep], values[keep]
    if t.size == 0:
        return MeterQuality(0, 0.0, 1, span / NS_PER_H, 0.0, 0, 0)
    max_gap_ns = max_gap_h * NS_PER_H
    edges = np.concatenate(([start_ns], t, [end_ns]))
    lengths = np.diff(edges).astype(np.float64)
    usable = lengths <= max_gap_ns
    resets = breaks = 0
    unchanged = np.zeros(max(t.size - 1, 0), dtype=bool)
    consumption = float(np.sum(v)) if kind is ValueKind.INTERVAL else None
    if t.size >= 2:
        if counter:
            intervals = counter_intervals(t, v)
            flags = intervals.flags
            resets = int(np.sum((flags == IntervalFlag.RESET) | (flags == IntervalFlag.ROLLOVER)))
            breaks = int(np.sum((flags == IntervalFlag.REPLACED) | (flags == IntervalFlag.JUMP)))
            usable[1:-1] &= intervals.valid
            unchanged = (intervals.consumption == 0) & (flags == IntervalFlag.OK)
            consumption = float(np.nansum(intervals.consumption))
        else:
            unchanged = np.diff(v) == 0
    covered = float(np.sum(lengths[usable]))
    gap_lengths = lengths[lengths > max_gap_ns]
    return MeterQuality(
        readings=int(t.size),
        completeness=covered / span if span > 0 else 0.0,
        gaps=int(gap_lengths.size),
        longest_gap_h=float(gap_lengths.max()) / NS_PER_H if gap_lengths.size else 0.0,
        longest_stuck_h=_longest_run(unchanged, np.diff(t).astype(np.float64)) / NS_PER_H,
        resets=resets,
        breaks=breaks,
        consumption=consumption,
    )


def _longest_run(flags: npt.NDArray[np.bool_], lengths: npt.NDArray[np.float64]) -> float:
    """The longest total length of consecutive flagged intervals."""
    best = current = 0.0
    for flagged, length in zip(flags.tolist(), lengths.tolist(), strict=True):
        current = current + length if flagged else 0.0
        best = max(best, current)
    return best


def _finding(
    context: EvaluationContext,
    meter: Meter | None,
    key: str,
    title: Message,
    *,
    kind: Kind,
    severity: Severity,
    metrics: dict[str, object],
    review_input: ReviewInput = ReviewInput.MONITORING,
    scope: Scope | None = None,
) -> Finding:
    field = context.main_field(meter) if meter is not None else None
    return FINDINGS.make(
        context.period,
        f"{key}.{meter.id}" if meter is not None else key,
        title,
        kind=kind,
        severity=severity,
        review_input=review_input,
        scope=scope or (Scope(level="meter", id=meter.id) if meter else Scope(level="portfolio")),
        metrics=metrics,
        measurement=Measurement.READINGS,
        query=f"readings.{field} where meter = {meter.id}" if meter and field else None,
    )


def meter_findings(
    context: EvaluationContext, meter: Meter, quality: MeterQuality, settings: DataQualitySettings
) -> list[Finding]:
    label = meter.name or meter.id
    found: list[Finding] = []
    share = round(quality.completeness * 100, 2)
    if quality.readings == 0:
        found.append(
            _finding(
                context,
                meter,
                "no-readings",
                message("No readings from {meter}", meter=label),
                kind=Kind.DEVIATION,
                severity=Severity.HIGH,
                metrics={"readings": 0, "completeness_pct": 0.0},
            )
        )
        return found
    if quality.completeness < settings.completeness_min:
        found.append(
            _finding(
                context,
                meter,
                "completeness",
                message(
                    "{meter}: readings cover {share:pct1} of the period "
                    "(at least {least:pct1} expected)",
                    meter=label,
                    share=share,
                    least=settings.completeness_min * 100,
                ),
                kind=Kind.DEVIATION,
                severity=Severity.HIGH if quality.completeness < 0.5 else Severity.MEDIUM,
                metrics={
                    "completeness_pct": share,
                    "gaps": quality.gaps,
                    "longest_gap_h": round(quality.longest_gap_h, 2),
                    "readings": quality.readings,
                },
            )
        )
    elif quality.gaps:
        found.append(
            _finding(
                context,
                meter,
                "gaps",
                message(
                    "{meter}: gaps in the readings: {gaps:n0}, the longest {hours:n1} h",
                    meter=label,
                    gaps=quality.gaps,
                    hours=quality.longest_gap_h,
                ),
                kind=Kind.OBSERVATION,
                severity=Severity.LOW,
                metrics={
                    "gaps": quality.gaps,
                    "longest_gap_h": round(quality.longest_gap_h, 2),
                    "completeness_pct": share,
                },
            )
        )
    if quality.longest_stuck_h >= settings.stuck_h:
        found.append(
            _finding(
                context,
                meter,
                "stuck",
                message(
                    "{meter}: value unchanged for {hours:n0} h",
                    meter=label,
                    hours=quality.longest_stuck_h,
                ),
                kind=Kind.DEVIATION,
                severity=Severity.MEDIUM,
                metrics={
                    "longest_stuck_h": round(quality.longest_stuck_h, 2),
                    "stuck_h": settings.stuck_h,
                },
            )
        )
    if quality.breaks:
        found.append(
            _finding(
                context,
                meter,
                "counter-breaks",
                message(
                    "{meter}: counter replacements or jumps: {breaks:n0}; consumption over "
                    "those intervals is unknown",
                    meter=label,
                    breaks=quality.breaks,
                ),
                kind=Kind.DEVIATION,
                severity=Severity.MEDIUM,
                metrics={"breaks": quality.breaks},
            )
        )
    if quality.resets:
        found.append(
            _finding(
                context,
                meter,
                "counter-resets",
                message(
                    "{meter}: counter reset or rolled over, times: {resets:n0}",
                    meter=label,
                    resets=quality.resets,
                ),
                kind=Kind.OBSERVATION,
                severity=Severity.LOW,
                metrics={"resets": quality.resets},
            )
        )
    return found


def enpi_findings(
    context: EvaluationContext, qualities: dict[str, MeterQuality], settings: DataQualitySettings
) -> list[Finding]:
    """An EnPI is not reportable when a meter it is computed from is not complete enough."""
    found = []
    for enpi in context.config.enpis:
        meters = [m.id for m in context.enpi_meters(enpi)] + [enpi.temperature_meter]
        low = {
            m: qualities[m].completeness
            for m in meters
            if m in qualities and qualities[m].completeness < settings.completeness_min
        }
        if low:
            found.append(
                _finding(
                    context,
                    None,
                    f"enpi-not-reportable.{enpi.id}",
                    message(
                        "EnPI {enpi} is not reportable for {period}: {low:n0} of its meters "
                        "fall below {least:pct1} completeness",
                        enpi=enpi.id,
                        period=context.period.label,
                        low=len(low),
                        least=settings.completeness_min * 100,
                    ),
                    kind=Kind.DEVIATION,
                    severity=Severity.HIGH,
                    metrics={
                        "reportable": False,
                        "completeness_pct": {m: round(c * 100, 2) for m, c in sorted(low.items())},
                    },
                    review_input=ReviewInput.ENERGY_PERFORMANCE,
                    scope=Scope(level="enpi", id=enpi.id),
                )
            )
    return found


def submeter_coverage(
    context: EvaluationContext, qualities: dict[str, MeterQuality], settings: DataQualitySettings
) -> tuple[dict[str, float], list[Finding]]:
    """The share of each main meter's consumption its sub-meters measure, and what is wrong.

    Only meters complete enough are compared: a share computed from gappy data says nothing.
    A share below ``submeter_coverage_min`` leaves use unexplained (an observation); one above
    100 % plus ``submeter_tolerance`` means a meter measures wrongly (a deviation).
    """
    meters = {meter.id: meter for _, meter in context.meters()}
    children: dict[str, list[str]] = {}
    for meter in meters.values():
        if meter.parent is not None:
            children.setdefault(meter.parent, []).append(meter.id)
    shares: dict[str, float] = {}
    found: list[Finding] = []
    for main, subs in sorted(children.items()):
        involved = [qualities[m] for m in (main, *subs)]
        if any(
            q.completeness < settings.completeness_min or q.consumption is None for q in involved
        ):
            continue
        total = qualities[main].consumption or 0.0
        if total <= 0:
            continue
        share = sum(qualities[m].consumption or 0.0 for m in subs) / total
        shares[main] = round(share * 100, 2)
        metrics: dict[str, object] = {
            "submetered_pct": shares[main],
            "main_consumption": round(total, 3),
            "submeters": {m: round(qualities[m].consumption or 0.0, 3) for m in sorted(subs)},
        }
        label = meters[main].name or main
        if share > 1 + settings.submeter_tolerance:
            found.append(
                _finding(
                    context,
                    meters[main],
                    "submeters-exceed",
                    message(
                        "{meter}: its sub-meters measure {share:pct1} of what it measures",
                        meter=label,
                        share=share * 100,
                    ),
                    kind=Kind.DEVIATION,
                    severity=Severity.MEDIUM,
                    metrics=metrics,
                )
            )
        elif share < settings.submeter_coverage_min:
            found.append(
                _finding(
                    context,
                    meters[main],
                    "submeter-coverage",
                    message(
                        "{meter}: sub-meters cover {share:pct1} of its consumption "
                        "(at least {least:pct1} expected)",
                        meter=label,
                        share=share * 100,
                        least=settings.submeter_coverage_min * 100,
                    ),
                    kind=Kind.OBSERVATION,
                    severity=Severity.LOW,
                    metrics=metrics,
                    review_input=ReviewInput.OPPORTUNITIES,
                )
            )
    return shares, found


def summary(
    context: EvaluationContext,
    qualities: dict[str, MeterQuality],
    shares: dict[str, float],
    settings: DataQualitySettings,
) -> Finding:
    below = sum(q.completeness < settings.completeness_min for q in qualities.values())
    mean = float(np.mean([q.completeness for q in qualities.values()])) * 100
    return _finding(
        context,
        None,
        "summary",
        message(
            "{meters:n0} meters, mean completeness {mean:pct1}, {below:n0} below {least:pct1}",
            meters=len(qualities),
            mean=mean,
            below=below,
            least=settings.completeness_min * 100,
        ),
        kind=Kind.POSITIVE if below == 0 else Kind.OBSERVATION,
        severity=Severity.INFO,
        metrics={
            "meters": len(qualities),
            "mean_completeness_pct": round(mean, 2),
            "meters_below": below,
            "submetered_pct": shares,
        },
    )


@hookimpl
async def enms_evaluate(context: EvaluationContext) -> list[Finding]:
    settings = context.settings_as(DataQualitySettings)
    start, end = context.window()
    start_ns, end_ns = as_ns(start), as_ns(end)
    qualities: dict[str, MeterQuality] = {}
    found: list[Finding] = []
    for _, meter in context.meters():
        series = await context.meter_readings(meter)
        times = series.times_ns if series is not None else np.empty(0, np.int64)
        values = series.values if series is not None else np.empty(0)
        quality = assess(
            times, values, start_ns, end_ns, kind=meter.kind, max_gap_h=settings.max_gap_h
        )
        qualities[meter.id] = quality
        found += meter_findings(context, meter, quality, settings)
    if not qualities:
        return found
    found += enpi_findings(context, qualities, settings)
    shares, submeter_findings = submeter_coverage(context, qualities, settings)
    found += submeter_findings
    found.append(summary(context, qualities, shares, settings))
    return found
