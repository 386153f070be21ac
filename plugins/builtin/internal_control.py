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
- service commitments checked against the data, such as "classrooms 20-23 °C during school
  hours": the share of the committed hours the sensors kept, input c 4) compliance.
"""

from __future__ import annotations

from datetime import date, datetime, time

from pydantic import BaseModel, ConfigDict, Field

from core.config.models import Medium, Meter
from core.i18n import N_, Message, message
from energy.nonconformities import Status
from plugins.builtin.indoor_climate import IndoorSettings, Occupancy, band_share
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


class Commitment(BaseModel):
    """A service commitment on indoor temperature in given hours and buildings."""

    model_config = ConfigDict(extra="forbid")

    id: str
    description: str
    category: str | None = Field(None, description="buildings of this category")
    buildings: list[str] = Field(default_factory=list, description="or these buildings")
    low_c: float = 20.0
    high_c: float = 23.0
    days: tuple[int, ...] = (0, 1, 2, 3, 4)
    start: time = time(8, 0)
    end: time = time(16, 0)
    min_share: float = Field(0.95, ge=0, le=1)


class InternalControlSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    energy_review_done: date | None = Field(None, description="date of the last energy review")
    energy_review_months: int = Field(12, ge=1, le=60)
    baseline_max_years: float = Field(3.0, gt=0, le=20)
    nonconformity_max_days: int = Field(90, ge=1)
    risks: list[Risk] = Field(default_factory=list)
    commitments: list[Commitment] = Field(default_factory=list)


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
    today = min(context.period.last, context.now.astimezone(context.zone).date())
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


async def commitment_findings(context: EvaluationContext, commitment: Commitment) -> list[Finding]:
    buildings = [
        b
        for _, b in context.config.buildings()
        if b.id in commitment.buildings or b.category.value == commitment.category
    ]
    sensors: list[Meter] = [
        m
        for _, m in context.meters()
        if m.medium is Medium.INDOOR_TEMPERATURE and m.building in {b.id for b in buildings}
    ]
    band = IndoorSettings(low_c=commitment.low_c, high_c=commitment.high_c)
    hours = Occupancy(days=commitment.days, start=commitment.start, end=commitment.end)
    kept = await band_share(context, sensors, context.period, hours, band) if sensors else None
    scope = Scope(level="portfolio")
    references = ("ISO 50001:2018 9.1.2", "Kommunallagen 6 kap. 6 §")
    if kept is None:
        return [
            FINDINGS.make(
                context.period, f"commitment.{commitment.id}",
                message("Commitment {commitment}: no sensor data to check it",
                        commitment=commitment.description),
                kind=Kind.DEVIATION, severity=Severity.MEDIUM,
                review_input=ReviewInput.COMPLIANCE, scope=scope, references=references,
                metrics={"buildings": [b.id for b in buildings], "sensors": len(sensors)},
            )
        ]  # fmt: skip
    share, sensor_hours, below = kept
    met = share >= commitment.min_share
    return [
        FINDINGS.make(
            context.period, f"commitment.{commitment.id}",
            message(
                "Commitment {commitment}: kept {share:pct1} of the committed hours "
                "(promised {promised:pct1})",
                commitment=commitment.description, share=100 * share,
                promised=100 * commitment.min_share,
            ),
            kind=Kind.POSITIVE if met else Kind.DEVIATION,
            severity=Severity.INFO if met else Severity.HIGH,
            review_input=ReviewInput.COMPLIANCE, scope=scope, references=references,
            metrics={"share_kept": round(share, 4), "share_below": round(below, 4),
                     "sensor_hours": sensor_hours, "min_share": commitment.min_share,
                     "buildings": [b.id for b in buildings],
                     "sensors": [m.id for m in sensors]},
            query="readings.temperature_c, hourly mean per sensor, committed hours",
        )
    ]  # fmt: skip


@hookimpl
async def enms_evaluate(context: EvaluationContext) -> list[Finding]:
    settings = context.settings_as(InternalControlSettings)
    found = risk_findings(context, settings.risks)
    found += enms_checks(context, settings)
    for commitment in settings.commitments:
        found += await commitment_findings(context, commitment)
    return found
