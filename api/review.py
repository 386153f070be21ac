"""The management review for a period, structured by the inputs of ISO 50001:2018 9.3.

Inputs a) to e) and the energy-performance inputs f) to h) are filled from what enms knows:
earlier decisions still open (a), the findings of the evaluations by the input they feed (b to
f, h), and the EnPIs against their baselines with a kWh/m² ranking of the buildings (g). The
outputs are the decisions recorded for this period, by category. Every figure carries its
evidence: the data window, the baseline version and model, the query behind it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from api.enpi_figures import EnpiPeriod, enpi_periods
from api.evidence import Evidence, utc_text
from api.models.common import PluginRun
from api.models.enpis import EnpiYear
from api.models.findings import EvaluationRecorded
from api.models.register import DecisionOut, NonconformityOut, RecordedInputOut
from api.models.review import (
    BuildingRanking,
    EnergyPerformance,
    EnpiYearsOf,
    InputFindings,
    LeftOut,
    NonconformityInput,
    NotReportable,
    PerformanceSummary,
    PreviousActions,
    RankedBuilding,
    ReviewDocument,
    ReviewInputs,
    ReviewSummary,
)
from api.state import ApiState
from core.config.models import EnmsConfig
from core.i18n import N_, Locale
from core.schema import Measurement
from core.storage.buckets import local_days
from energy.comparisons import building_kwh
from energy.enpi_series import enpi_years
from energy.nonconformities import Status
from energy.review_decisions import OutputCategory
from energy.totals import ADDITIVE_RULE, SIGNIFICANCE_RULE, Verdict, additive_enpis
from plugins.context import ReviewPeriod
from plugins.findings import Finding, Kind, ReviewInput
from plugins.recording import record
from plugins.runner import Evaluation, evaluate_portfolio

INPUT_KEYS = {
    ReviewInput.PREVIOUS_ACTIONS: "a_previous_actions",
    ReviewInput.ISSUES_RISKS: "b_issues_risks_opportunities",
    ReviewInput.NONCONFORMITIES: "c1_nonconformities_corrective_actions",
    ReviewInput.MONITORING: "c2_monitoring_measurement",
    ReviewInput.AUDITS: "c3_audits",
    ReviewInput.COMPLIANCE: "c4_compliance",
    ReviewInput.OPPORTUNITIES: "d_continual_improvement",
    ReviewInput.POLICY: "e_energy_policy",
    ReviewInput.OBJECTIVES: "f_objectives_targets",
    ReviewInput.ENERGY_PERFORMANCE: "g_energy_performance",
    ReviewInput.ACTION_PLANS: "h_action_plans",
}


@dataclass(frozen=True)
class Review:
    """The review document, and the EnPI data the report draws its charts from."""

    document: ReviewDocument
    enpis: list[EnpiPeriod]
    findings: list[Finding]


def plugin_runs(evaluation: Evaluation) -> list[PluginRun]:
    return [
        PluginRun(name=r.plugin, status=r.status, findings=r.findings, error=r.error)
        for r in evaluation.runs
    ]


async def building_ranking(api: ApiState, period: ReviewPeriod) -> BuildingRanking:
    """Energy (every kWh carrier) per m² Atemp of each building over the period."""
    config = api.config
    start, end = local_days(period.first, period.last, config.portfolio.timezone)
    energy = await building_kwh(api.store, config, start, end)
    rows: list[RankedBuilding] = []
    for _, building in config.buildings():
        kwh = energy.get(building.id)
        rows.append(
            RankedBuilding(
                building=building.id,
                name=building.name,
                category=building.category.value,
                atemp_m2=building.atemp_m2,
                kwh=kwh,
                kwh_per_m2=kwh / building.atemp_m2 if kwh is not None else None,
            )
        )
    rows.sort(key=lambda row: -(row.kwh_per_m2 or -1.0))
    evidence = Evidence(
        first=period.first,
        last=period.last,
        measurement=Measurement.READINGS,
        query="energy_kwh registers of every kWh meter but sub-meters of a meter also summed, "
        "per building, divided by its Atemp",
        links={"consumption": f"/api/v1/consumption?period={period.label}&bucket=month"},
    )
    return BuildingRanking(buildings=rows, evidence=evidence, computed_at="")


REPORTABLE_RULE = N_(
    "an EnPI a plugin finds not reportable (the data-quality gate) is shown with the reason and "
    "left out of every count and total"
)


def not_reportable(findings: Sequence[Finding]) -> dict[str, str]:
    """EnPI id -> why, from the findings that say an EnPI is not reportable (``metrics``
    ``reportable: false``, as the data_quality plugin's gate gives them)."""
    return {
        f.scope.id: f.title
        for f in findings
        if f.scope.level == "enpi" and f.scope.id and f.metrics.get("reportable") is False
    }


def gated(enpis: Sequence[EnpiPeriod], refused: dict[str, str]) -> list[EnpiPeriod]:
    """The EnPIs, those refused marked not reportable with the reason."""
    return [
        replace(
            e,
            figures=e.figures.model_copy(
                update={"reportable": False, "not_reportable": refused[e.figures.id]}
            ),
        )
        if e.figures.id in refused
        else e
        for e in enpis
    ]


def _avoided_cost(
    findings: Sequence[Finding], counted: Sequence[str]
) -> tuple[float | None, float | None, str | None]:
    """Cost and CO2 of the counted EnPIs' avoided energy, from the cost_co2 plugin's
    per-EnPI pricing of the same days; None where it did not price one of them."""
    priced = next(
        (f.metrics for f in findings if f.plugin == "cost_co2" and f.id == "avoided"), None
    )
    if priced is None or not counted:
        return None, None, None
    per_enpi = priced.get("enpis") or {}

    def total(key: str) -> float | None:
        values = [(per_enpi.get(enpi) or {}).get(key) for enpi in counted]
        known = [float(v) for v in values if isinstance(v, int | float)]
        return sum(known) if len(known) == len(values) else None

    currency = priced.get("currency")
    return total("cost"), total("co2_t"), str(currency) if currency else None


def _performance_summary(
    config: EnmsConfig, enpis: Sequence[EnpiPeriod], findings: Sequence[Finding], locale: Locale
) -> PerformanceSummary:
    """The headline over the reportable EnPIs with reporting days (``REPORTABLE_RULE``,
    ``SIGNIFICANCE_RULE``), totals added by ``ADDITIVE_RULE``."""
    reporting = {
        e.figures.id: e.figures.improvement
        for e in enpis
        if e.figures.reportable and e.figures.improvement is not None
    }
    verdicts = Counter(i.verdict for i in reporting.values())
    definitions = [enpi for enpi in config.enpis if enpi.id in reporting]
    additivity = additive_enpis(config, definitions)
    counted = [reporting[enpi] for enpi in additivity.counted]
    expected = sum(i.expected_kwh for i in counted)
    actual = sum(i.actual_kwh for i in counted)
    spreads = [i.savings_uncertainty_kwh_68pct for i in counted]
    cost, co2, currency = _avoided_cost(findings, additivity.counted)
    return PerformanceSummary(
        enpis=len(enpis),
        enpis_reporting=len(reporting),
        enpis_improved=verdicts[Verdict.IMPROVED],
        enpis_no_significant_change=verdicts[Verdict.NO_SIGNIFICANT_CHANGE],
        enpis_worse=verdicts[Verdict.WORSE],
        not_reportable=[
            NotReportable(enpi=e.figures.id, reason=e.figures.not_reportable or "")
            for e in enpis
            if not e.figures.reportable
        ],
        left_out_of_totals=[
            LeftOut(enpi=enpi, reason=reason.render(locale))
            for enpi, reason in additivity.left_out.items()
        ],
        expected_kwh=expected,
        actual_kwh=actual,
        avoided_kwh=expected - actual,
        avoided_uncertainty_kwh_68pct=(
            math.sqrt(sum(s * s for s in spreads if s is not None))
            if counted and all(s is not None for s in spreads)
            else None
        ),
        improvement_pct=100 * (expected - actual) / expected if expected else None,
        avoided_cost=cost,
        avoided_co2_t=co2,
        currency=currency,
        rules=[locale.text(rule) for rule in (REPORTABLE_RULE, SIGNIFICANCE_RULE, ADDITIVE_RULE)],
    )


async def complete_years(api: ApiState, enpis: Sequence[EnpiPeriod]) -> list[EnpiYearsOf]:
    """Each EnPI's complete calendar years against its current baseline."""
    versions = {e.figures.id: e.baseline.version for e in enpis if e.baseline is not None}
    by_enpi = await enpi_years(api.store, api.config, versions)
    found = []
    for enpi in enpis:
        years = by_enpi.get(enpi.figures.id)
        if years:
            found.append(
                EnpiYearsOf(
                    enpi=enpi.figures.id,
                    name=enpi.figures.name,
                    years=[EnpiYear.model_validate({"year": y, **f}) for y, f in years.items()],
                )
            )
    return found


async def cached_evaluation(api: ApiState, period: ReviewPeriod) -> tuple[Evaluation, str]:
    """The plugins' evaluation of ``period`` and when it was made (kept ``api.cache_ttl_s``).

    Reading changes nothing: the nonconformities it finds are recorded in the register only
    by ``record_evaluation`` (``POST /evaluations``), ``enms evaluate`` and the daemon.
    """

    async def evaluate() -> Evaluation:
        return await evaluate_portfolio(api.plugins, api.config, api.store, period, api.register)

    evaluation, at = await api.cache.get(("evaluation", period.label), evaluate)
    return evaluation, utc_text(at)


async def record_evaluation(api: ApiState, period: ReviewPeriod) -> EvaluationRecorded:
    """Evaluate ``period`` afresh and record its nonconformities in the register."""
    api.cache.forget(("evaluation", period.label))
    evaluation, evaluated_at = await cached_evaluation(api, period)
    recorded = await record(
        api.plugins, api.config, api.store, api.register, evaluation, today=api.today()
    )
    return EvaluationRecorded(
        period=period.label,
        evaluated_at=evaluated_at,
        plugins=plugin_runs(evaluation),
        findings=len(evaluation.findings),
        nonconformities=recorded.ids,
    )


async def build_review(api: ApiState, period: ReviewPeriod, locale: Locale) -> Review:
    """The review of ``period``, every text in ``locale``'s language."""
    config = api.config
    evaluation, evaluated_at = await cached_evaluation(api, period)
    evaluated = [finding.localized(locale) for finding in evaluation.findings]
    enpis = gated(
        await enpi_periods(api.store, api.register, config, config.enpis, period, cache=api.cache),
        not_reportable(evaluated),
    )
    ranking, ranked_at = await api.cache.get(
        ("ranking", period.label), lambda: building_ranking(api, period)
    )
    by_input: dict[ReviewInput, list[Finding]] = {key: [] for key in INPUT_KEYS}
    for finding in evaluated:
        by_input[finding.review_input].append(finding)
    earlier = [
        DecisionOut.of(d)
        for d in api.register.decisions()
        if d.period != period.label and (d.owner or d.due)
    ]
    decisions = api.register.decisions(period.label)
    register = [
        NonconformityOut.of(n)
        for n in api.register.nonconformities()
        if n.status is not Status.CLOSED or n.last_period == period.label
    ]

    recorded: dict[str, list[RecordedInputOut]] = {}
    for entry in api.register.review_inputs(period.label):
        recorded.setdefault(entry.input.value, []).append(RecordedInputOut.of(entry))

    def findings(which: ReviewInput) -> InputFindings:
        return InputFindings(findings=by_input[which], recorded=recorded.get(INPUT_KEYS[which], []))

    inputs = ReviewInputs(
        a_previous_actions=PreviousActions(
            decisions=earlier, findings=by_input[ReviewInput.PREVIOUS_ACTIONS]
        ),
        b_issues_risks_opportunities=findings(ReviewInput.ISSUES_RISKS),
        c1_nonconformities_corrective_actions=NonconformityInput(
            findings=by_input[ReviewInput.NONCONFORMITIES], register=register
        ),
        c2_monitoring_measurement=findings(ReviewInput.MONITORING),
        c3_audits=findings(ReviewInput.AUDITS),
        c4_compliance=findings(ReviewInput.COMPLIANCE),
        d_continual_improvement=findings(ReviewInput.OPPORTUNITIES),
        e_energy_policy=findings(ReviewInput.POLICY),
        f_objectives_targets=findings(ReviewInput.OBJECTIVES),
        g_energy_performance=EnergyPerformance(
            summary=_performance_summary(config, enpis, evaluated, locale),
            enpis=[e.figures for e in enpis],
            building_ranking=ranking.model_copy(update={"computed_at": utc_text(ranked_at)}),
            complete_years=await complete_years(api, enpis),
            findings=by_input[ReviewInput.ENERGY_PERFORMANCE],
        ),
        h_action_plans=findings(ReviewInput.ACTION_PLANS),
    )
    nonconformities = [f for f in evaluated if f.kind in (Kind.NONCONFORMITY, Kind.DEVIATION)]
    document = ReviewDocument(
        period=period.label,
        first=period.first.isoformat(),
        last=period.last.isoformat(),
        portfolio=config.portfolio.name,
        language=locale.language,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        evaluated_at=evaluated_at,
        measured_until=period.measured_until(api.today()).isoformat(),
        plugins=plugin_runs(evaluation),
        summary=ReviewSummary(
            findings=len(evaluation.findings),
            nonconformities_and_deviations=len(nonconformities),
            decisions=len(decisions),
        ),
        inputs=inputs,
        outputs={
            category.value: [DecisionOut.of(d) for d in decisions if d.category is category]
            for category in OutputCategory
        },
        links={
            "report": f"/api/v1/review/report?period={period.label}",
            "decisions": f"/api/v1/reviews/{period.label}/decisions",
        },
    )
    return Review(document, enpis, evaluated)
