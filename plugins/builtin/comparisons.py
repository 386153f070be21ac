"""Jämförelser: each building's kWh/m² Atemp over the last twelve months against its category.

Over the twelve months up to the period's end (its last measured day), every building with
data in each of them is placed in its category (``energy.comparisons``): normal-year corrected
where the twelve months are a calendar year and its EnPIs have a normal year, ranked, against
the category median and the configured reference value (a yearly key figure). A building
above its reference is a deviation with the kWh at stake; one above the median of a category
of two or more, an observation with the same. A reference file that cannot be read is a
deviation of its own.
"""

from __future__ import annotations

from datetime import date, timedelta

from core.i18n import N_, message
from core.schema import Measurement
from energy.comparisons import Compared, compare, references_of
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

NAME = "comparisons"
FINDINGS = FindingMaker(NAME, Perspective.SOCIETY_ENVIRONMENT, ("ISO 50001:2018 6.3 b",))


def twelve_months(context: EvaluationContext) -> tuple[date, date]:
    """The twelve months ending on the period's last measured day."""
    last = context.today
    after = last + timedelta(days=1)
    try:
        first = after.replace(year=after.year - 1)
    except ValueError:  # 29 February
        first = after.replace(year=after.year - 1, day=28)
    return first, last


async def compared(
    context: EvaluationContext,
) -> tuple[tuple[date, date], list[Compared], list[str]]:
    references, problems = references_of(context.config)
    versions = context.baseline_versions()
    span = twelve_months(context)
    rows = await compare(
        context.store, context.config, *span, references=references, versions=versions
    )
    return span, rows, problems


def _finding(context: EvaluationContext, span: tuple[date, date], row: Compared) -> Finding | None:
    reference, median = row.at_stake_to_reference_kwh, row.at_stake_to_median_kwh
    common = {
        "building": row.name, "first": span[0], "last": span[1],
        "per_m2": row.corrected_kwh_per_m2,
        "rank": row.rank, "of": row.of, "category": message(row.category.text),
        "median": row.category_median,
    }  # fmt: skip
    if reference:
        assert row.reference is not None
        title = message(
            "{building} {first:date}–{last:date}: {per_m2:n1} kWh/m² Atemp, above the "
            "reference {reference:n1} for {category} ({source}); {kwh:n0} kWh at stake; "
            "{rank:n0} of {of:n0} in its category (median {median:n1})",
            reference=row.reference.kwh_per_m2, source=row.reference.source or "–",
            kwh=reference, **common,
        )  # fmt: skip
        kind, severity = Kind.DEVIATION, Severity.LOW
    elif row.of >= 2 and median > 0:
        title = message(
            "{building} {first:date}–{last:date}: {per_m2:n1} kWh/m² Atemp, {rank:n0} of {of:n0} "
            "in category "
            "{category} (median {median:n1}); {kwh:n0} kWh at stake at the median",
            kwh=median, **common,
        )  # fmt: skip
        kind, severity = Kind.OBSERVATION, Severity.INFO
    else:
        return None
    return FINDINGS.make(
        context.period,
        f"comparison.{row.building}",
        title,
        kind=kind,
        severity=severity,
        review_input=ReviewInput.ENERGY_PERFORMANCE,
        scope=Scope(level="building", id=row.building),
        metrics={
            "first": span[0].isoformat(),
            "last": span[1].isoformat(),
            "kwh_per_m2": round(row.kwh_per_m2, 2),
            "corrected_kwh_per_m2": round(row.corrected_kwh_per_m2, 2),
            "normal_year_corrected": row.corrected,
            "rank": row.rank,
            "of": row.of,
            "category_median": round(row.category_median, 2),
            "reference": row.reference.kwh_per_m2 if row.reference else None,
            "kwh_at_stake_to_reference": round(reference, 1) if reference is not None else None,
            "kwh_at_stake_to_median": round(median, 1),
        },
        measurement=Measurement.READINGS,
        query="kWh of every kWh carrier of the main meters per building and year, heating "
        "normal-year corrected by the EnPIs' enpi_year figures, over Atemp",
    )


@hookimpl
async def enms_evaluate(context: EvaluationContext) -> list[Finding]:
    span, rows, problems = await compared(context)
    found = [f for row in rows if (f := _finding(context, span, row)) is not None]
    for problem in problems:
        found.append(
            FINDINGS.make(
                context.period, "reference-file",
                message("Reference values could not be read: {problem}", problem=problem),
                kind=Kind.DEVIATION, severity=Severity.MEDIUM,
                review_input=ReviewInput.MONITORING, scope=Scope(level="portfolio"),
            )
        )  # fmt: skip
    return found


@hookimpl
async def enms_report_sections(context: EvaluationContext) -> list[ReportSection]:
    span, rows, _ = await compared(context)
    if not rows:
        return []
    locale = context.locale
    table: list[dict[str, Cell]] = []
    for row in rows:
        stake = row.at_stake_to_reference_kwh
        table.append({
            locale.text(N_("building")): row.name,
            locale.text(N_("category")): locale.text(row.category.text),
            locale.text(N_("kWh/m² Atemp")): locale.number(row.kwh_per_m2, 1),
            locale.text(N_("normal-year corrected")): (
                locale.number(row.corrected_kwh_per_m2, 1) if row.corrected else "–"
            ),
            locale.text(N_("rank in category")): f"{row.rank}/{row.of}",
            locale.text(N_("category median")): locale.number(row.category_median, 1),
            locale.text(N_("reference")): (
                locale.number(row.reference.kwh_per_m2, 1) if row.reference else "–"
            ),
            locale.text(N_("kWh at stake")): (
                locale.number(stake, 0) if stake is not None
                else locale.number(row.at_stake_to_median_kwh, 0)
            ),
        })  # fmt: skip
    return [
        ReportSection(
            title=locale.text(
                N_("Comparisons (jämförelser) {first:date}–{last:date}"),
                first=span[0],
                last=span[1],
            ),
            review_input=ReviewInput.ENERGY_PERFORMANCE,
            paragraphs=[
                locale.text(
                    N_(
                        "Each building's energy per m² Atemp over the last twelve months, "
                        "heating normal-year corrected where they are a calendar year and its "
                        "EnPIs have a normal year, "
                        "against the other buildings of its category and the reference value; "
                        "the kWh at stake is what it would save at the reference (else at "
                        "the category's median)."
                    )
                )
            ],
            table=table,
        )
    ]
