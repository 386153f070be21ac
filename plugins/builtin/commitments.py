"""Kvalitetsdeklarationer kept or broken, in the data (``commitments:`` in the configuration).

Each service commitment the board approved is followed up per building it covers, over the
period, as the share of what it promises that the data show was met:

- ``indoor_temperature``: sensor-hours in the committed hours (``days``/``start``/``end``, or
  the opening hours as ``indoor_climate`` defines them) whose hourly mean lies in
  ``low_c``..``high_c``;
- ``hot_water_temperature``: sensor-hours at ``low_c`` or warmer, day and night (legionella);
- ``ventilation_running``: meter-hours in the committed hours whose mean power reached
  ``min_kw``;
- ``feedback_answered``: fault reports whose answer was due in the period, answered within
  ``within_days`` working days.

At least ``kept_share`` of them: kept (an observation). Less: broken -- a nonconformity, since
a promise to the users is a requirement the organisation took on. No data to show it: a
low-severity deviation, because a commitment nobody can follow up is not under control.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from core.config.commitments import Commitment, CommitmentKind
from core.config.models import Building, Medium, Meter
from core.i18n import N_, message
from core.schema import Measurement, ReadingField
from core.storage.points import Aggregate, Bucket, SeriesSelector
from energy.consumption import consuming_meters, consumption
from energy.feedback import Category, working_days
from plugins.builtin.feedback import indoor_band
from plugins.builtin.indoor_climate import Occupancy, occupancy_for, occupied
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
from plugins.sections import Cell, ReportSection

NAME = "commitments"
FINDINGS = FindingMaker(NAME, Perspective.CUSTOMER, ("ISO 9001:2015 8.2.2", "ISO 50001:2018 9.1.2"))
#: what is counted, per kind, as people read it
UNITS = {
    CommitmentKind.INDOOR_TEMPERATURE: N_("occupied sensor-hours"),
    CommitmentKind.HOT_WATER_TEMPERATURE: N_("sensor-hours"),
    CommitmentKind.VENTILATION_RUNNING: N_("occupied meter-hours"),
    CommitmentKind.FEEDBACK_ANSWERED: N_("fault reports due"),
}


@dataclass(frozen=True)
class Kept:
    """How much of what a commitment promises was met: ``met`` of ``counted``."""

    met: int
    counted: int

    @property
    def share(self) -> float:
        return self.met / self.counted if self.counted else float("nan")


def covered(context: EvaluationContext, commitment: Commitment) -> list[Building]:
    """The buildings a commitment covers: those named, those of its categories, or all."""
    every = [building for _, building in context.config.buildings()]
    if not commitment.buildings and not commitment.categories:
        return every
    return [b for b in every if b.id in commitment.buildings or b.category in commitment.categories]


def _sensors(
    context: EvaluationContext, building: Building, medium: Medium, named: list[str]
) -> list[Meter]:
    return [
        meter
        for _, meter in context.meters()
        if meter.building == building.id
        and meter.medium is medium
        and (not named or meter.id in named)
    ]


async def _hourly_means(
    context: EvaluationContext, sensors: list[Meter]
) -> list[tuple[list[datetime], np.ndarray]]:
    """Each sensor's hourly means over the period, with the hours' local starts."""
    start, end = context.window()
    selector = SeriesSelector(
        Measurement.READINGS, ReadingField.TEMPERATURE_C, {"meter": [m.id for m in sensors]}
    )
    found = await context.store.aggregate(
        selector, start, end, Bucket.HOUR, Aggregate.MEAN,
        tz=context.config.portfolio.timezone, group_by=("meter",),
    )  # fmt: skip
    return [(one.starts(), one.values) for one in found]


def committed_hours(
    context: EvaluationContext, commitment: Commitment, building: Building
) -> Occupancy:
    """The commitment's own hours, or the building's opening hours (indoor_climate's)."""
    if commitment.start is not None and commitment.end is not None:
        days = tuple(commitment.days) if commitment.days is not None else (0, 1, 2, 3, 4)
        return Occupancy(days=days, start=commitment.start, end=commitment.end)
    return occupancy_for(building, indoor_band(context))


async def kept(context: EvaluationContext, commitment: Commitment, building: Building) -> Kept:
    """What the data show of ``commitment`` in ``building`` over the context's period."""
    kind = commitment.kind
    if kind is CommitmentKind.FEEDBACK_ANSWERED:
        return _answered(context, commitment, building)
    if kind is CommitmentKind.VENTILATION_RUNNING:
        return await _running(context, commitment, building)
    medium = (
        Medium.INDOOR_TEMPERATURE
        if kind is CommitmentKind.INDOOR_TEMPERATURE
        else Medium.HOT_WATER_TEMPERATURE
    )
    sensors = _sensors(context, building, medium, commitment.meters)
    if not sensors:
        return Kept(0, 0)
    low = commitment.low_c if commitment.low_c is not None else -np.inf
    high = commitment.high_c if commitment.high_c is not None else np.inf
    occupancy = committed_hours(context, commitment, building)
    met = counted = 0
    for starts, values in await _hourly_means(context, sensors):
        mask = np.isfinite(values)
        if kind is CommitmentKind.INDOOR_TEMPERATURE:
            mask &= occupied(starts, occupancy)
        counted += int(mask.sum())
        met += int(((values >= low) & (values <= high) & mask).sum())
    return Kept(met, counted)


async def _running(context: EvaluationContext, commitment: Commitment, building: Building) -> Kept:
    meters = [
        entry
        for entry in consuming_meters(context.config)
        if entry[1].building == building.id and entry[1].id in commitment.meters
    ]
    if not meters:
        return Kept(0, 0)
    start, end = context.window()
    occupancy = committed_hours(context, commitment, building)
    met = counted = 0
    for one in await consumption(
        context.store, context.config, meters, start, end, bucket=Bucket.HOUR, group_by=("meter",)
    ):
        if one.unit != "kWh":
            continue
        values = one.series.values  # kWh in an hour: the mean power in kW
        mask = np.isfinite(values) & occupied(one.series.starts(), occupancy)
        counted += int(mask.sum())
        met += int(((values >= (commitment.min_kw or 0.0)) & mask).sum())
    return Kept(met, counted)


def _answered(context: EvaluationContext, commitment: Commitment, building: Building) -> Kept:
    """Fault reports whose answer fell due in the period (or by today), and how many were
    answered in time."""
    limit = commitment.within_days or 0
    today = context.today
    met = counted = 0
    for report in context.feedback():
        if report.building != building.id or report.category is not Category.FAULT_REPORT:
            continue
        received = report.received_at.astimezone(context.zone).date()
        days = report.days_to_answer()
        if days is None and working_days(received, today) <= limit:
            continue  # not due yet
        counted += 1
        met += days is not None and days <= limit
    return Kept(met, counted)


def _finding(
    context: EvaluationContext, commitment: Commitment, building: Building, result: Kept
) -> Finding:
    what = message(UNITS[commitment.kind])
    common = {
        "commitment": commitment.id, "building": building.name,
        "kind": message(commitment.kind.text), "target": 100 * commitment.kept_share,
    }  # fmt: skip
    metrics: dict[str, object] = {
        "met": result.met,
        "counted": result.counted,
        "kept_share": commitment.kept_share,
        "approved_by": commitment.approved_by,
        "approved_on": commitment.approved_on.isoformat(),
    }
    if result.counted == 0 and commitment.kind is CommitmentKind.FEEDBACK_ANSWERED:
        title = message("{commitment} ({kind}), {building}: no fault report fell due", **common)
        kind, severity = Kind.OBSERVATION, Severity.INFO
    elif result.counted == 0:
        title = message("{commitment} ({kind}), {building}: no data to follow it up", **common)
        kind, severity = Kind.DEVIATION, Severity.LOW
    elif result.share >= commitment.kept_share:
        title = message(
            "{commitment} ({kind}), {building}: kept in {share:pct1} of {count:n0} {what} "
            "(promised: at least {target:pct0})",
            share=100 * result.share, count=result.counted, what=what, **common,
        )  # fmt: skip
        kind, severity = Kind.OBSERVATION, Severity.INFO
        metrics["share"] = round(result.share, 4)
    else:
        title = message(
            "{commitment} ({kind}), {building}: broken, kept in only {share:pct1} of "
            "{count:n0} {what} (promised: at least {target:pct0})",
            share=100 * result.share, count=result.counted, what=what, **common,
        )  # fmt: skip
        kind, severity = Kind.NONCONFORMITY, Severity.MEDIUM
        metrics["share"] = round(result.share, 4)
    return FINDINGS.make(
        context.period,
        f"commitment.{commitment.id}.{building.id}",
        title,
        kind=kind,
        severity=severity,
        review_input=ReviewInput.COMPLIANCE,
        scope=Scope(level="building", id=building.id),
        metrics=metrics,
        measurement=(
            "register.feedback"
            if commitment.kind is CommitmentKind.FEEDBACK_ANSWERED
            else Measurement.READINGS
        ),
        query=f"commitments.{commitment.id}: {commitment.kind.value}",
        notes=commitment.text,
    )


@dataclass(frozen=True)
class MonthResult:
    month: str  # 2025-03
    result: Kept

    def kept(self, commitment: Commitment) -> bool | None:
        """Whether the month reached the promised share; None without data."""
        if self.result.counted == 0:
            return None
        return self.result.share >= commitment.kept_share


async def follow_up(
    make_context: Callable[[ReviewPeriod], EvaluationContext],
    commitment: Commitment,
    year: int,
    today: date,
) -> dict[str, list[MonthResult]]:
    """Each building's months of ``year`` measured by ``today``, as the plugin judges them:
    the board's yearly follow-up of how often the commitment was kept."""
    found: dict[str, list[MonthResult]] = {}
    for month in range(1, 13):
        if (year, month) > (today.year, today.month):
            break
        period = ReviewPeriod.parse(f"{year}-{month:02d}")
        measured = ReviewPeriod(period.label, period.first, period.measured_until(today))
        context = make_context(measured)
        for building in covered(context, commitment):
            result = await kept(context, commitment, building)
            found.setdefault(building.id, []).append(MonthResult(period.label, result))
    return found


async def findings_of(context: EvaluationContext) -> list[tuple[Commitment, Building, Finding]]:
    found = []
    for commitment in context.config.commitments:
        for building in covered(context, commitment):
            result = await kept(context, commitment, building)
            found.append((commitment, building, _finding(context, commitment, building, result)))
    return found


@hookimpl
async def enms_evaluate(context: EvaluationContext) -> list[Finding]:
    return [finding for _, _, finding in await findings_of(context)]


@hookimpl
async def enms_report_sections(context: EvaluationContext) -> list[ReportSection]:
    """The commitments as the board approved them, and whether each was kept."""
    if not context.config.commitments:
        return []
    locale = context.locale
    rows: list[dict[str, Cell]] = []
    for commitment, building, finding in await findings_of(context):
        share = finding.metrics.get("share")
        rows.append({
            locale.text(N_("commitment")): commitment.text,
            locale.text(N_("building")): building.name,
            locale.text(N_("approved")): f"{commitment.approved_by}, "
            f"{locale.date(commitment.approved_on, 'short')}",
            locale.text(N_("kept")): locale.percent(100 * share, 1) if share is not None else "–",
            locale.text(N_("promised")): locale.percent(100 * commitment.kept_share, 0),
            locale.text(N_("result")): locale.text(
                {Kind.NONCONFORMITY: N_("broken"), Kind.OBSERVATION: N_("kept")}.get(
                    finding.kind, N_("not followed up")
                )
            ),
        })  # fmt: skip
    return [
        ReportSection(
            title=locale.text(N_("Service commitments (kvalitetsdeklarationer)")),
            review_input=ReviewInput.COMPLIANCE,
            paragraphs=[
                locale.text(
                    N_(
                        "Each commitment the board approved, followed up in the measured data "
                        "of the period: the share of hours (or fault reports) that met it."
                    )
                )
            ],
            table=rows,
        )
    ]
