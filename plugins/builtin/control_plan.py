"""The internkontrollplan's control points, each with its last result and whether it is due.

A manual point's results are what people recorded (``POST /api/v1/controls/{id}/results``); an
automated point is answered from the data when the evaluation runs:

- ``meters_read``: every configured meter has a reading in the last ``max_hours``;
- ``baselines_current``: every EnPI has a baseline valid for improvement claims whose period
  ended within ``max_years``;
- ``nonconformities_on_time``: no nonconformity open past its due date.

A manual control with no result within ``every_days`` (counted from its last result, or from
the plan's adoption) is overdue: a deviation, as is a control that found one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from core.config.controls import ControlMethod, ControlPoint
from core.i18n import N_, Message, message
from core.schema import Measurement
from energy.nonconformities import Status
from plugins.context import EvaluationContext
from plugins.findings import Finding, FindingMaker, Kind, Perspective, ReviewInput, Scope, Severity

FINDINGS = FindingMaker(
    "internal_control", Perspective.PROCESS, ("Kommunallagen 6 kap. 6 §", "ISO 50001:2018 9.1.1")
)
METHOD_TEXT = {
    ControlMethod.MANUAL: N_("manual"),
    ControlMethod.METERS_READ: N_("automated: every meter read"),
    ControlMethod.BASELINES_CURRENT: N_("automated: baselines current"),
    ControlMethod.NONCONFORMITIES_ON_TIME: N_("automated: nonconformities on time"),
}


@dataclass(frozen=True)
class PointStatus:
    """Where a control point stands: its last result, when the next is due, what failed."""

    point: ControlPoint
    performed_on: date | None
    ok: bool | None  # None: never performed
    note: str | None
    due: date | None
    overdue: bool
    failing: list[str] = field(default_factory=list)


async def status_of(context: EvaluationContext, point: ControlPoint) -> PointStatus:
    today = context.today
    if point.method is ControlMethod.MANUAL:
        results = context.control_results(point.id)
        adopted = context.config.internal_control_plan.approved_on
        if not results:
            due = adopted + timedelta(days=point.every_days) if adopted else today
            return PointStatus(point, None, None, None, due, today > due or adopted is None)
        last = results[-1]
        due = last.performed_on + timedelta(days=point.every_days)
        return PointStatus(point, last.performed_on, last.ok, last.note, due, today > due)
    failing = await _failing(context, point)
    return PointStatus(
        point, today, not failing, ", ".join(failing) or None,
        today + timedelta(days=point.every_days), False, failing,
    )  # fmt: skip


async def _failing(context: EvaluationContext, point: ControlPoint) -> list[str]:
    """What an automated control finds wrong (ids), nothing when it passes."""
    if point.method is ControlMethod.METERS_READ:
        since = context.now - timedelta(hours=point.max_hours)
        read = {
            found.tags.get("meter", "")
            for found in await context.store.latest(Measurement.READINGS, since)
        }
        return sorted(meter.id for _, meter in context.meters() if meter.id not in read)
    if point.method is ControlMethod.BASELINES_CURRENT:
        today = context.today
        failing = []
        for enpi in context.config.enpis:
            baseline = context.baseline(enpi)
            if (
                baseline is None
                or not baseline.valid
                or (today - baseline.last).days / 365.25 > point.max_years
            ):
                failing.append(enpi.id)
        return failing
    today = context.today
    return [
        str(nc.id)
        for nc in context.nonconformities()
        if nc.status is not Status.CLOSED and nc.due and date.fromisoformat(nc.due) < today
    ]


def finding_of(context: EvaluationContext, status: PointStatus) -> Finding:
    point = status.point
    common = {"what": point.what, "owner": point.owner}
    title: Message
    if status.overdue:
        title = message(
            "Control “{what}” ({owner}) overdue since {due:date}", due=status.due, **common
        )
        kind, severity = Kind.DEVIATION, Severity.MEDIUM
    elif status.ok is False:
        title = message(
            "Control “{what}” ({owner}) found a deviation on {day:date}: {note}",
            day=status.performed_on, note=status.note or "–", **common,
        )  # fmt: skip
        kind, severity = Kind.DEVIATION, Severity.MEDIUM
    else:
        title = message(
            "Control “{what}” ({owner}) performed {day:date}, nothing found; next by {due:date}",
            day=status.performed_on, due=status.due, **common,
        )  # fmt: skip
        kind, severity = Kind.OBSERVATION, Severity.INFO
    return FINDINGS.make(
        context.period,
        f"control.{point.id}",
        title,
        kind=kind,
        severity=severity,
        review_input=ReviewInput.COMPLIANCE,
        scope=Scope(level="portfolio"),
        metrics={
            "method": point.method.value,
            "risk": point.risk,
            "every_days": point.every_days,
            "performed_on": status.performed_on.isoformat() if status.performed_on else None,
            "ok": status.ok,
            "due": status.due.isoformat() if status.due else None,
            "overdue": status.overdue,
            "failing": status.failing,
        },
        measurement="register.control_results"
        if point.method is ControlMethod.MANUAL
        else Measurement.READINGS,
        query=f"internal_control_plan.{point.id} ({point.method.value})",
    )


async def plan_findings(context: EvaluationContext) -> list[Finding]:
    return [
        finding_of(context, await status_of(context, point))
        for point in context.config.internal_control_plan.points
    ]
