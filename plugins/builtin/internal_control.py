"""Internal control (kommunallagen 6 kap. 6 §) of the energy work, and the EnMS's own checks.

The municipality's internal control plan asks for risks assessed by likelihood and
consequence, and for checks that what has been promised is kept. For the energy management
system this plugin reports:

- the risk register of the settings, each risk scored likelihood × consequence (1-5 each) and
  graded low (< 8), medium (8-14) or high (>= 15) -- input b) to the review;
- the age of the last energy review (ISO 50001:2018 6.3): overdue past ``energy_review_months``;
- each EnPI's energy baseline (6.5): not valid for improvement claims, or older than
  ``baseline_max_years`` (the predetermined revision method);
- nonconformities in the register that have stayed open longer than ``nonconformity_max_days``;
- each control point of the configuration's ``internal_control_plan``: its last result, and a
  deviation when it found one or is overdue (``plugins.builtin.control_plan``); the printed
  review gets the plan as a table, the report to the board.

Service commitments (kvalitetsdeklarationer) are the configuration's own register and the
``commitments`` plugin's.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.i18n import N_, Message, message
from energy.nonconformities import Status
from plugins.builtin.control_plan import METHOD_TEXT, plan_findings, status_of
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
from plugins.sections import Cell, ReportSection

NAME = "internal_control"
FINDINGS = FindingMaker(NAME, Perspective.PROCESS)


class Risk(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    description: str
    likelihood: int = Field(ge=1, le=5)
    consequence: int = Field(ge=1, le=5)
    owner: str | None = None
    treatment: str | None = Field(None, description="what is done about it")


class InternalControlSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    energy_review_done: date | None = Field(None, description="date of the last energy review")
    energy_review_months: int = Field(12, ge=1, le=60)
    baseline_max_years: float = Field(3.0, gt=0, le=20)
    nonconformity_max_days: int = Field(90, ge=1)
    risks: list[Risk] = Field(default_factory=list)
    commitments: list[Any] = Field(
        default_factory=list, description="moved: see the configuration's commitments:"
    )

    @field_validator("commitments")
    @classmethod
    def _moved(cls, value: list[Any]) -> list[Any]:
        if value:
            raise ValueError(
                "service commitments are now the configuration's own register: move them to "
                "the top-level commitments: (kvalitetsdeklarationer, see the README), with "
                "kind: indoor_temperature and the wording as text"
            )
        return value


def risk_findings(context: EvaluationContext, risks: list[Risk]) -> list[Finding]:
    found = []
    for risk in risks:
        score = risk.likelihood * risk.consequence
        level, severity = (
            ("high", Severity.HIGH) if score >= 15
            else ("medium", Severity.MEDIUM) if score >= 8
            else ("low", Severity.LOW)
        )  # fmt: skip
        level_text = {"high": N_("high"), "medium": N_("medium"), "low": N_("low")}[level]
        found.append(
            FINDINGS.make(
                context.period, f"risk.{risk.id}",
                message(
                    "Risk {risk}: {likelihood} × {consequence} = {score} ({level})",
                    risk=risk.description, likelihood=risk.likelihood,
                    consequence=risk.consequence, score=score, level=message(level_text),
                ),
                kind=Kind.OBSERVATION, severity=severity,
                review_input=ReviewInput.ISSUES_RISKS, scope=Scope(level="portfolio"),
                references=("ISO 50001:2018 6.1", "Kommunallagen 6 kap. 6 §"),
                metrics={"likelihood": risk.likelihood, "consequence": risk.consequence,
                         "score": score, "level": level, "owner": risk.owner,
                         "treatment": risk.treatment},
            )
        )  # fmt: skip
    return found


def _months_between(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month - (last.day < first.day)


def enms_checks(context: EvaluationContext, settings: InternalControlSettings) -> list[Finding]:
    today = context.today
    found = []
    done = settings.energy_review_done
    age = _months_between(done, today) if done else None
    late = age is None or age > settings.energy_review_months
    found.append(
        FINDINGS.make(
            context.period, "energy-review-age",
            message("No energy review date recorded") if done is None
            else message("Energy review last done {done:date} ({age:n0} months ago)",
                         done=done.isoformat(), age=age),
            kind=Kind.DEVIATION if late else Kind.OBSERVATION,
            severity=Severity.MEDIUM if late else Severity.INFO,
            review_input=ReviewInput.COMPLIANCE, scope=Scope(level="portfolio"),
            references=("ISO 50001:2018 6.3",),
            metrics={"done": done.isoformat() if done else None, "age_months": age,
                     "max_months": settings.energy_review_months},
        )
    )  # fmt: skip
    for enpi in context.config.enpis:
        baseline = context.baseline(enpi)
        if baseline is None:
            continue
        years = (today - baseline.last).days / 365.25
        problems: list[Message] = []
        if not baseline.valid:
            problems.append(message("not valid for improvement claims"))
        if years > settings.baseline_max_years:
            problems.append(
                message("{years:n1} years old (revise after {most:n1})", years=years,
                        most=settings.baseline_max_years)
            )  # fmt: skip
        if problems:
            found.append(
                FINDINGS.make(
                    context.period, f"baseline-revision.{enpi.id}",
                    message(
                        "Energy baseline v{version} of {enpi}: {problems}",
                        version=baseline.version, enpi=enpi.name,
                        problems=problems[0] if len(problems) == 1 else message(
                            "{first}; {second}", first=problems[0], second=problems[1]
                        ),
                    ),
                    kind=Kind.DEVIATION, severity=Severity.MEDIUM,
                    review_input=ReviewInput.MONITORING, scope=Scope(level="enpi", id=enpi.id),
                    references=("ISO 50001:2018 6.5",),
                    metrics={"version": baseline.version, "age_years": round(years, 2),
                             "valid": baseline.valid, "validity": baseline.validity.get("label")},
                )
            )  # fmt: skip
    now = context.now
    for nc in context.nonconformities():
        if nc.status is Status.CLOSED:
            continue
        days = (now - datetime.fromisoformat(nc.opened_at)).days
        if days > settings.nonconformity_max_days:
            found.append(
                FINDINGS.make(
                    context.period, f"nonconformity-overdue.{nc.id}",
                    message(
                        "Nonconformity {id} open for {days:n0} days ({status}): {title}",
                        id=nc.id, days=days, status=message(nc.status.text), title=nc.title,
                    ),
                    kind=Kind.DEVIATION, severity=Severity.MEDIUM,
                    review_input=ReviewInput.NONCONFORMITIES,
                    scope=Scope(level=nc.scope_level, id=nc.scope_id),
                    references=("ISO 50001:2018 10.1",),
                    metrics={"nonconformity": nc.id, "days_open": days, "status": nc.status.value,
                             "max_days": settings.nonconformity_max_days},
                )
            )  # fmt: skip
    return found


@hookimpl
async def enms_evaluate(context: EvaluationContext) -> list[Finding]:
    settings = context.settings_as(InternalControlSettings)
    found = risk_findings(context, settings.risks)
    found += enms_checks(context, settings)
    found += await plan_findings(context)
    return found


@hookimpl
async def enms_report_sections(context: EvaluationContext) -> list[ReportSection]:
    """The internal control plan as the board follows it up: every point, its last result."""
    plan = context.config.internal_control_plan
    if not plan.points:
        return []
    locale = context.locale
    rows: list[dict[str, Cell]] = []
    for point in plan.points:
        status = await status_of(context, point)
        result = (
            N_("overdue") if status.overdue
            else N_("not performed") if status.ok is None
            else N_("nothing found") if status.ok
            else N_("deviation found")
        )  # fmt: skip
        rows.append({
            locale.text(N_("control")): point.what,
            locale.text(N_("risk")): point.risk,
            locale.text(N_("owner")): point.owner,
            locale.text(N_("method")): locale.text(METHOD_TEXT[point.method]),
            locale.text(N_("every (days)")): point.every_days,
            locale.text(N_("last performed")): (
                locale.date(status.performed_on, "short") if status.performed_on else "–"
            ),
            locale.text(N_("result")): locale.text(result),
            locale.text(N_("next due")): locale.date(status.due, "short") if status.due else "–",
        })  # fmt: skip
    approval = (
        locale.text(
            N_("Adopted by {board} on {day:date}."), board=plan.approved_by, day=plan.approved_on
        )
        if plan.approved_by and plan.approved_on
        else locale.text(N_("The plan's adoption is not recorded."))
    )
    return [
        ReportSection(
            title=locale.text(N_("Internal control plan (internkontrollplan)")),
            review_input=ReviewInput.COMPLIANCE,
            paragraphs=[approval],
            table=rows,
        )
    ]
