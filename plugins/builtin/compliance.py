"""The compliance register (ISO 50001:2018 9.1.2): energy declarations and legal requirements.

- An energy declaration is valid ten years: expired, a nonconformity (a legal requirement not
  met); expiring within ``compliance.remind_days``, a deviation to act on.
- Each declaration's primärenergital is computed from the twelve months up to the period's
  end (``energy.compliance``) and compared with the declared one: above it by more than
  ``declared_tolerance``, a deviation (the building has drifted, or the declaration was
  optimistic); otherwise an observation with both numbers.
- Every other legal requirement not reviewed within its ``review_every_days``: a deviation.
"""

from __future__ import annotations

from datetime import date, timedelta

from core.config.compliance import EnergyDeclaration
from core.i18n import N_, message
from energy.compliance import PrimaryEnergy, primary_energy
from plugins.builtin.comparisons import twelve_months
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

NAME = "compliance"
FINDINGS = FindingMaker(
    NAME, Perspective.SOCIETY_ENVIRONMENT, ("ISO 50001:2018 9.1.2", "Lag (2006:985)")
)
VALID_YEARS = 10


def expires(declaration: EnergyDeclaration) -> date:
    day = declaration.declared_on
    try:
        return day.replace(year=day.year + VALID_YEARS)
    except ValueError:  # 29 February
        return day.replace(year=day.year + VALID_YEARS, day=28)


async def measured(
    context: EvaluationContext, declaration: EnergyDeclaration
) -> PrimaryEnergy | None:
    if context.register is None:
        return None
    first, last = twelve_months(context)
    return await primary_energy(
        context.store, context.config, context.register, declaration, first=first, last=last
    )


async def declaration_findings(
    context: EvaluationContext, declaration: EnergyDeclaration, today: date
) -> list[Finding]:
    settings = context.config.compliance
    names = {b.id: b.name for _, b in context.config.buildings()}
    name = names.get(declaration.building, declaration.building)
    scope = Scope(level="building", id=declaration.building)
    until = expires(declaration)
    found = []
    metrics: dict[str, object] = {
        "declared_on": declaration.declared_on.isoformat(), "expires": until.isoformat(),
        "declared": declaration.primary_energy_number, "fgeo": declaration.fgeo,
    }  # fmt: skip
    if until < today:
        found.append(FINDINGS.make(
            context.period, f"declaration-expired.{declaration.building}",
            message("{building}: the energy declaration expired on {day:date}; a new one is "
                    "required", building=name, day=until),
            kind=Kind.NONCONFORMITY, severity=Severity.MEDIUM,
            review_input=ReviewInput.COMPLIANCE, scope=scope, metrics=metrics,
        ))  # fmt: skip
    elif until <= today + timedelta(days=settings.remind_days):
        found.append(FINDINGS.make(
            context.period, f"declaration-expiring.{declaration.building}",
            message("{building}: the energy declaration expires on {day:date}", building=name,
                    day=until),
            kind=Kind.DEVIATION, severity=Severity.LOW,
            review_input=ReviewInput.COMPLIANCE, scope=scope, metrics=metrics,
        ))  # fmt: skip
    result = await measured(context, declaration)
    if result is not None:
        above = result.value > declaration.primary_energy_number * (1 + settings.declared_tolerance)
        found.append(FINDINGS.make(
            context.period, f"primary-energy.{declaration.building}",
            message(
                "{building}: primärenergital {value:n0} kWh/m² measured over "
                "{first:date}–{last:date} against {declared:n0} declared",
                building=name, value=result.value, first=result.first, last=result.last,
                declared=declaration.primary_energy_number,
            ),
            kind=Kind.DEVIATION if above else Kind.OBSERVATION,
            severity=Severity.LOW if above else Severity.INFO,
            review_input=ReviewInput.COMPLIANCE, scope=scope,
            metrics={**metrics, "measured": round(result.value, 1),
                     "weighted_kwh": {k: round(v, 1) for k, v in result.weighted_kwh.items()},
                     "split_by_model": result.split_by_model,
                     "normal_year_corrected": result.normal_year_corrected},
            notes="BBR 9:2 weighting factors; heating separated by the baseline model and "
            "divided by the declaration's Fgeo; electricity from the property meters named",
        ))  # fmt: skip
    return found


@hookimpl
async def enms_evaluate(context: EvaluationContext) -> list[Finding]:
    settings = context.config.compliance
    today = context.today
    found: list[Finding] = []
    for declaration in settings.energy_declarations:
        found += await declaration_findings(context, declaration, today)
    for requirement in settings.requirements:
        due = requirement.last_reviewed + timedelta(days=requirement.review_every_days)
        if due < today:
            found.append(FINDINGS.make(
                context.period, f"requirement.{requirement.id}",
                message("Legal requirement {title} ({law}): review overdue since {day:date} "
                        "({owner})", title=requirement.title, law=requirement.law or "–",
                        day=due, owner=requirement.owner),
                kind=Kind.DEVIATION, severity=Severity.MEDIUM,
                review_input=ReviewInput.COMPLIANCE, scope=Scope(level="portfolio"),
                metrics={"last_reviewed": requirement.last_reviewed.isoformat(),
                         "due": due.isoformat()},
            ))  # fmt: skip
    return found


@hookimpl
async def enms_report_sections(context: EvaluationContext) -> list[ReportSection]:
    settings = context.config.compliance
    if not settings.energy_declarations and not settings.requirements:
        return []
    locale = context.locale
    names = {b.id: b.name for _, b in context.config.buildings()}
    rows: list[dict[str, Cell]] = []
    for declaration in settings.energy_declarations:
        result = await measured(context, declaration)
        rows.append({
            locale.text(N_("requirement")): locale.text(N_("Energy declaration")),
            locale.text(N_("about")): names.get(declaration.building, declaration.building),
            locale.text(N_("valid until")): locale.date(expires(declaration), "short"),
            locale.text(N_("declared")): locale.number(declaration.primary_energy_number, 0),
            locale.text(N_("measured")): locale.number(result.value, 0) if result else "–",
        })  # fmt: skip
    for requirement in settings.requirements:
        due = requirement.last_reviewed + timedelta(days=requirement.review_every_days)
        rows.append({
            locale.text(N_("requirement")): requirement.title,
            locale.text(N_("about")): requirement.law,
            locale.text(N_("valid until")): locale.date(due, "short"),
            locale.text(N_("declared")): "",
            locale.text(N_("measured")): "",
        })  # fmt: skip
    return [
        ReportSection(
            title=locale.text(N_("Compliance register")),
            review_input=ReviewInput.COMPLIANCE,
            paragraphs=[
                locale.text(
                    N_(
                        "Energy declarations with their expiry and the primärenergital "
                        "measured over the last twelve months (kWh/m² Atemp and year) beside "
                        "the declared one; other legal requirements with the date of their "
                        "next review."
                    )
                )
            ],
            table=rows,
        )
    ]
