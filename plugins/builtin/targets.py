"""Energy targets and action plans: are we on the way, and did the measures deliver?

For each configured target (ISO 50001:2018 6.2) the improvement of its EnPI against the
baseline over the review period is compared with the target and with a straight path to it,
from nothing at the end of the baseline period to the target on its date: achieved, on track
or behind (9.3 f). The year-to-date improvement is the year-end forecast, on the assumption
that it holds.

For each action plan (9.3 h): its status; overdue when not done by its due date; and, once
done, the savings verified on its EnPI since completion -- the share saved, times a baseline
year's consumption -- against what the plan expected. Plans sharing an EnPI share its
verified savings, which the finding says.

Each target and plan gets its PDCA phase from its records and the data, never typed by hand
(``action_phase``, ``target_phase``): the finding's ``phase`` and ``metrics.pdca``. Targets are
the configuration's and those recorded through the API (``context.targets()``).
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field

from core.config.enpis import EnpiDefinition
from core.config.targets import ActionPlan, EnergyTarget
from core.i18n import N_, Message, message
from core.schema import Measurement
from energy.comparisons import compare
from plugins.context import EvaluationContext
from plugins.findings import (
    Finding,
    FindingMaker,
    Kind,
    Perspective,
    Phase,
    ReviewInput,
    Scope,
    Severity,
)
from plugins.hookspecs import hookimpl

NAME = "targets"
FINDINGS = FindingMaker(
    NAME,
    Perspective.SOCIETY_ENVIRONMENT,
    ("ISO 50001:2018 6.2", "ISO 50001:2018 9.1.1", "ISO 50001:2018 9.3"),
)
PLAN_STATUS_TEXT = {
    "planned": N_("planned"),
    "in_progress": N_("in progress"),
    "done": N_("done"),
    "cancelled": N_("cancelled"),
}


#: a done plan's savings count as verified once a whole year of data follows its completion
VERIFIED_AFTER_DAYS = 365


def action_phase(plan: ActionPlan, verified_days: int | None) -> Phase:
    """Plan while planned, do while in progress; once done, check while its savings are being
    measured and act once a year of data has verified them (standardise, or correct a
    shortfall)."""
    if plan.status == "planned":
        return Phase.PLAN
    if plan.status == "in_progress":
        return Phase.DO
    if verified_days is not None and verified_days >= VERIFIED_AFTER_DAYS:
        return Phase.ACT
    return Phase.CHECK


def target_phase(target: EnergyTarget, plans: list[Phase], today: date) -> Phase:
    """Act once the target's date has passed (achieved or not: decide what next); before
    that plan while no action has started, do while any is planned or under way, check when
    every action is done and the EnPI is being followed."""
    if today > target.by:
        return Phase.ACT
    if not plans or all(phase is Phase.PLAN for phase in plans):
        return Phase.PLAN
    if any(phase in (Phase.PLAN, Phase.DO) for phase in plans):
        return Phase.DO
    return Phase.CHECK


class TargetSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    realised_min: float = Field(
        0.5, ge=0, le=1, description="verified savings below this share of expected: a deviation"
    )


def _finding(
    context: EvaluationContext,
    key: str,
    title: Message,
    *,
    kind: Kind,
    severity: Severity,
    review_input: ReviewInput,
    scope: Scope,
    metrics: dict[str, object],
    enpi: EnpiDefinition | None,
    phase: Phase | None = None,
) -> Finding:
    if phase is not None:
        metrics = {**metrics, "pdca": phase.value}
    return FINDINGS.make(
        context.period,
        key,
        title,
        kind=kind,
        severity=severity,
        review_input=review_input,
        scope=scope,
        metrics=metrics,
        measurement=Measurement.ENPI,
        query=(
            f"{Measurement.ENPI}: 1 - sum(actual_kwh) / sum(expected_kwh) where enpi = "
            f"{enpi.id}, days after its baseline period"
            if enpi is not None
            else "kWh/m² Atemp of every building, normal-year corrected, against the base year"
        ),
        phase=phase,
    )


async def _savings(
    context: EvaluationContext, enpi: EnpiDefinition, first: date, last: date
) -> tuple[float, float, int] | None:
    """(expected kWh, avoided kWh, days) of the EnPI's reporting days in [first, last]."""
    days = await context.enpi_reporting_days(enpi, first, last)
    if days is None:
        return None
    expected, actual, known = days.totals()
    return expected, expected - actual, known


async def _baseline_year_kwh(context: EvaluationContext, enpi: EnpiDefinition) -> float | None:
    """What the EnPI's baseline period used per year: the scale of a year's savings."""
    days = await context.enpi_days(enpi, enpi.baseline.first, enpi.baseline.last)
    if days is None:
        return None
    _, actual, known = days.totals()
    return actual * 365 / known if known else None


async def judge_target(
    context: EvaluationContext, target: EnergyTarget, enpi: EnpiDefinition, phase: Phase
) -> list[Finding]:
    period = context.period
    last = context.today
    scope = Scope(level="enpi", id=enpi.id)
    found = await _savings(context, enpi, period.first, last)
    if found is None or found[0] <= 0:
        return [
            _finding(
                context, f"target-not-assessed.{target.id}",
                message("Target {target}: no reporting days of {enpi} in the period yet",
                        target=target.name, enpi=enpi.name),
                kind=Kind.OBSERVATION, severity=Severity.INFO,
                review_input=ReviewInput.OBJECTIVES, scope=scope,
                metrics={"target_pct": target.improvement_pct, "by": target.by.isoformat()},
                enpi=enpi, phase=phase,
            )
        ]  # fmt: skip
    expected, avoided, days = found
    improvement = 100 * avoided / expected
    start = enpi.baseline.last
    share = min(max((last - start).days / max((target.by - start).days, 1), 0.0), 1.0)
    path = target.improvement_pct * share
    metrics: dict[str, object] = {
        "target_pct": target.improvement_pct,
        "by": target.by.isoformat(),
        "improvement_pct": round(improvement, 2),
        "path_pct": round(path, 2),
        "avoided_kwh": round(avoided, 1),
        "expected_kwh": round(expected, 1),
        "days": days,
    }
    year = await _savings(context, enpi, date(last.year, 1, 1), last)
    if year is not None and year[0] > 0:
        metrics["year_to_date_pct"] = round(100 * year[1] / year[0], 2)
        metrics["forecast_year_end_pct"] = metrics["year_to_date_pct"]
    if improvement >= target.improvement_pct:
        kind, severity, status = Kind.POSITIVE, Severity.INFO, N_("achieved")
    elif improvement >= path:
        kind, severity, status = Kind.OBSERVATION, Severity.INFO, N_("on track")
    else:
        late = last >= target.by or improvement < path / 2
        kind, severity = Kind.DEVIATION, Severity.HIGH if late else Severity.MEDIUM
        status = N_("behind")
    metrics["status"] = status
    return [
        _finding(
            context, f"target.{target.id}",
            message(
                "Target {target}: {improvement:pct1} of {goal:pct1} ({status}; the path is at "
                "{path:pct1})",
                target=target.name, improvement=improvement, goal=target.improvement_pct,
                status=message(status), path=path,
            ),
            kind=kind, severity=severity, review_input=ReviewInput.OBJECTIVES, scope=scope,
            metrics=metrics, enpi=enpi, phase=phase,
        )
    ]  # fmt: skip


async def judge_plan(
    context: EvaluationContext,
    target: EnergyTarget,
    plan: ActionPlan,
    enpi: EnpiDefinition | None,
    *,
    sharing: int,
    settings: TargetSettings,
) -> Finding:
    """A plan's status and, under an EnPI's target, its savings verified on that EnPI (a
    portfolio target's plans are not attributable to one EnPI: status and phase only)."""
    today = context.today
    scope = Scope(level="enpi", id=enpi.id) if enpi else Scope(level="portfolio")
    metrics: dict[str, object] = {
        "target": target.id,
        "status": plan.status,
        "responsible": plan.responsible,
        "due": plan.due.isoformat(),
        "expected_savings_kwh_per_year": plan.expected_savings_kwh_per_year,
    }
    key = f"action-plan.{target.id}.{plan.id}"
    kind, severity = Kind.OBSERVATION, Severity.INFO
    status = message(PLAN_STATUS_TEXT[plan.status])
    title = message(
        "Action plan {plan}: {status}, due {due:date}",
        plan=plan.name,
        status=status,
        due=plan.due.isoformat(),
    )
    if plan.status in ("planned", "in_progress") and plan.due < today:
        kind, severity = Kind.DEVIATION, Severity.MEDIUM
        metrics["days_overdue"] = (today - plan.due).days
        title = message(
            "Action plan {plan} is overdue: due {due:date}, {status}",
            plan=plan.name,
            status=status,
            due=plan.due.isoformat(),
        )
    if plan.status == "done" and plan.completed is not None:
        metrics["completed"] = plan.completed.isoformat()
    if plan.status == "done" and plan.completed is not None and enpi is not None:
        found = await _savings(context, enpi, plan.completed + timedelta(days=1), today)
        yearly = await _baseline_year_kwh(context, enpi)
        if found is not None and found[2] >= 30 and yearly:
            expected, avoided, days = found
            # the share saved, applied to a baseline year: a winter's days avoid more kWh
            # than a summer's, so days are not simply scaled up to a year
            verified = avoided / expected * yearly
            metrics.update(
                verified_savings_kwh_per_year=round(verified, 0),
                verified_share_pct=round(100 * avoided / expected, 2),
                verified_over_days=days,
                plans_sharing_the_enpi=sharing,
            )
            title = message(
                "Action plan {plan}: done; {kwh:n0} kWh/year verified on {enpi}",
                plan=plan.name,
                kwh=verified,
                enpi=enpi.name,
            )
            if plan.expected_savings_kwh_per_year:
                ratio = verified / plan.expected_savings_kwh_per_year
                metrics["realised_share"] = round(ratio, 2)
                title = message(
                    "Action plan {plan}: done; {kwh:n0} kWh/year verified on {enpi} against "
                    "{expected:n0} expected",
                    plan=plan.name,
                    kwh=verified,
                    enpi=enpi.name,
                    expected=plan.expected_savings_kwh_per_year,
                )
                if ratio < settings.realised_min:
                    kind, severity = Kind.DEVIATION, Severity.MEDIUM
        else:
            title = message(
                "Action plan {plan}: done; too few days since to verify its savings",
                plan=plan.name,
            )
    verified_days = metrics.get("verified_over_days")
    phase = action_phase(plan, verified_days if isinstance(verified_days, int) else None)
    return _finding(
        context, key, title, kind=kind, severity=severity,
        review_input=ReviewInput.ACTION_PLANS, scope=scope, metrics=metrics, enpi=enpi,
        phase=phase,
    )  # fmt: skip


async def judge_portfolio_target(
    context: EvaluationContext, target: EnergyTarget, phase: Phase
) -> Finding:
    """The portfolio's kWh/m² Atemp (normal-year corrected) of the last complete year against
    the base year's, over the buildings measured in both, against the target and its path."""
    assert target.base_year is not None
    today = context.today
    year = today.year if (today.month, today.day) == (12, 31) else today.year - 1
    scope = Scope(level="portfolio")
    metrics: dict[str, object] = {
        "target_pct": target.improvement_pct, "by": target.by.isoformat(),
        "base_year": target.base_year, "year": year,
    }  # fmt: skip
    base = await _portfolio_year(context, target.base_year)
    now = await _portfolio_year(context, year) if year > target.base_year else {}
    shared = sorted(set(base) & set(now))
    if not shared:
        return _finding(
            context, f"target-not-assessed.{target.id}",
            message("Target {target}: no complete year after {base} measured for the same "
                    "buildings yet", target=target.name, base=str(target.base_year)),
            kind=Kind.OBSERVATION, severity=Severity.INFO, review_input=ReviewInput.OBJECTIVES,
            scope=scope, metrics=metrics, enpi=None, phase=phase,
        )  # fmt: skip
    area = sum(base[b][1] for b in shared)
    before = sum(base[b][0] for b in shared) / area
    after = sum(now[b][0] for b in shared) / area
    improvement = 100 * (1 - after / before)
    share = min((year - target.base_year) / max(target.by.year - target.base_year, 1), 1.0)
    path = target.improvement_pct * share
    metrics.update(
        base_kwh_per_m2=round(before, 2), kwh_per_m2=round(after, 2), buildings=len(shared),
        improvement_pct=round(improvement, 2), path_pct=round(path, 2),
    )  # fmt: skip
    if improvement >= target.improvement_pct:
        kind, severity, status = Kind.POSITIVE, Severity.INFO, N_("achieved")
    elif improvement >= path:
        kind, severity, status = Kind.OBSERVATION, Severity.INFO, N_("on track")
    else:
        kind, severity, status = Kind.DEVIATION, Severity.MEDIUM, N_("behind")
    metrics["status"] = status
    return _finding(
        context, f"target.{target.id}",
        message(
            "Target {target}: {after:n1} kWh/m² Atemp in {year} against {before:n1} in {base}, "
            "{improvement:pct1} of {goal:pct1} ({status}; the path is at {path:pct1})",
            target=target.name, after=after, year=str(year), before=before,
            base=str(target.base_year), improvement=improvement, goal=target.improvement_pct,
            status=message(status), path=path,
        ),
        kind=kind, severity=severity, review_input=ReviewInput.OBJECTIVES, scope=scope,
        metrics=metrics, enpi=None, phase=phase,
    )  # fmt: skip


async def _portfolio_year(context: EvaluationContext, year: int) -> dict[str, tuple[float, float]]:
    """Each building measured the whole ``year``: (normal-year corrected kWh, Atemp)."""
    versions = context.baseline_versions()
    rows = await compare(
        context.store, context.config, date(year, 1, 1), date(year, 12, 31),
        references={}, versions=versions,
    )  # fmt: skip
    return {r.building: (r.corrected_kwh_per_m2 * r.atemp_m2, r.atemp_m2) for r in rows}


@hookimpl
async def enms_evaluate(context: EvaluationContext) -> list[Finding]:
    settings = context.settings_as(TargetSettings)
    enpis = {enpi.id: enpi for enpi in context.config.enpis}
    every = context.targets()
    targets = [t for t in every if t.enpi is None or t.enpi in enpis]
    today = context.today
    sharing: dict[str, int] = {}
    for target in targets:
        key = target.enpi or ""
        sharing[key] = sharing.get(key, 0) + len(target.action_plans)
    found: list[Finding] = [
        FINDINGS.make(  # recorded through the API, its EnPI since removed from the configuration
            context.period, f"target-without-enpi.{t.id}",
            message("Target {target}: its EnPI {enpi} is no longer configured", target=t.name,
                    enpi=t.enpi or "–"),
            kind=Kind.DEVIATION, severity=Severity.MEDIUM, review_input=ReviewInput.OBJECTIVES,
            scope=Scope(level="portfolio"), metrics={"enpi": t.enpi},
        )
        for t in every
        if t not in targets
    ]  # fmt: skip
    for target in targets:
        enpi = enpis[target.enpi] if target.enpi is not None else None
        plans = [
            await judge_plan(
                context, target, plan, enpi, sharing=sharing[target.enpi or ""],
                settings=settings,
            )
            for plan in target.action_plans
            if plan.status != "cancelled"
        ]  # fmt: skip
        phase = target_phase(target, [plan.phase for plan in plans], today)
        if enpi is None:
            found.append(await judge_portfolio_target(context, target, phase))
        else:
            found += await judge_target(context, target, enpi, phase)
        found += plans
    return found
