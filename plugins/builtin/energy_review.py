"""The energy review (ISO 50001:2018 6.3): significant energy uses proposed from the data.

Each use the data show in the period (``energy.energy_review``: sub-meters, and the heating,
cooling and base load of each building's baseline) whose share of the portfolio's energy
reaches ``energy_review.significance_share`` is proposed as a significant energy use; until a
person decides on it (``POST /api/v1/energy-review/uses/{id}/decision``) the proposal is a
finding. A decision older than ``review_every_days`` is due for review: a deviation. The
printed review gets the ranked uses with their decisions, relevant variables and people.
"""

from __future__ import annotations

from core.i18n import N_, message
from energy.energy_review import UseReview, review_uses
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
from plugins.sections import Cell, ReportSection

NAME = "energy_review"
FINDINGS = FindingMaker(NAME, Perspective.PROCESS, ("ISO 50001:2018 6.3",), phase=Phase.PLAN)
SOURCE_TEXT = {
    "sub-meter": N_("sub-meter"),
    "heating": N_("heating"),
    "cooling": N_("cooling"),
    "base load": N_("base load"),
}


async def reviewed(context: EvaluationContext) -> tuple[list[UseReview], float]:
    if context.register is None:
        return [], 0.0
    return await review_uses(
        context.store, context.config, context.register, context.period.first, context.today,
        today=context.today,
    )  # fmt: skip


@hookimpl
async def enms_evaluate(context: EvaluationContext) -> list[Finding]:
    uses, _ = await reviewed(context)
    found = []
    for review in uses:
        use = review.use
        common = {
            "use": use.name, "source": message(SOURCE_TEXT[use.source]), "share": 100 * use.share,
            "kwh": use.kwh,
        }  # fmt: skip
        metrics = {
            "use": use.id, "source": use.source, "kwh": round(use.kwh, 1),
            "share": round(use.share, 4), "decided": review.decision is not None,
        }  # fmt: skip
        if review.overdue and review.review_due is not None:
            found.append(
                FINDINGS.make(
                    context.period, f"seu-review.{use.id}",
                    message("Significant energy use {use} ({source}): its decision is due for "
                            "review since {due:date}", due=review.review_due, **common),
                    kind=Kind.DEVIATION, severity=Severity.MEDIUM,
                    review_input=ReviewInput.ISSUES_RISKS,
                    scope=Scope(level="building", id=use.building),
                    metrics={**metrics, "review_due": review.review_due.isoformat()},
                )
            )  # fmt: skip
        elif review.proposed and review.decision is None:
            found.append(
                FINDINGS.make(
                    context.period, f"seu-proposed.{use.id}",
                    message("Proposed significant energy use: {use} ({source}), {share:pct1} "
                            "of the portfolio's energy ({kwh:n0} kWh); awaiting a decision",
                            **common),
                    kind=Kind.OPPORTUNITY, severity=Severity.LOW,
                    review_input=ReviewInput.ISSUES_RISKS,
                    scope=Scope(level="building", id=use.building), metrics=metrics,
                )
            )  # fmt: skip
    return found


@hookimpl
async def enms_report_sections(context: EvaluationContext) -> list[ReportSection]:
    uses, total = await reviewed(context)
    if not uses:
        return []
    locale = context.locale
    rows: list[dict[str, Cell]] = []
    for review in uses:
        use, decision = review.use, review.decision
        verdict = (
            N_("significant") if decision and decision.significant
            else N_("not significant") if decision
            else N_("proposed") if review.proposed
            else "–"
        )  # fmt: skip
        variables = ", ".join(decision.variables) if decision else ""
        people = ", ".join(decision.people) if decision else ""
        rows.append({
            locale.text(N_("energy use")): use.name,
            locale.text(N_("source")): locale.text(SOURCE_TEXT[use.source]),
            "kWh": locale.number(use.kwh, 0),
            locale.text(N_("share")): locale.percent(100 * use.share, 1),
            locale.text(N_("decision")): locale.text(verdict) if verdict != "–" else "–",
            locale.text(N_("relevant variables")): variables,
            locale.text(N_("people who affect it")): people,
        })  # fmt: skip
    return [
        ReportSection(
            title=locale.text(N_("Energy review: significant energy uses")),
            review_input=ReviewInput.ISSUES_RISKS,
            paragraphs=[
                locale.text(
                    N_(
                        "Uses of energy the data show, each kWh once, largest first, as a share "
                        "of the portfolio's {mwh:n0} MWh: sub-meters, and the heating, cooling "
                        "and base load of each building's baseline model. From {share:pct0} a "
                        "use is proposed as significant until someone decides."
                    ),
                    mwh=total / 1000,
                    share=100 * context.config.energy_review.significance_share,
                )
            ],
            table=rows,
        )
    ]
