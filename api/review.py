"""The management review for a period, structured by the inputs of ISO 50001:2018 9.3.

Inputs a) to e) and the energy-performance inputs f) to h) are filled from what enms knows:
earlier decisions still open (a), the findings of the evaluations by the input they feed (b to
f, h), and the EnPIs against their baselines with a kWh/m² ranking of the buildings (g). The
outputs are the decisions recorded for this period, by category. Every figure carries its
evidence: the data window, the baseline version and model, the query behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from api.enpi_figures import EnpiPeriod, enpi_periods
from api.evidence import Evidence, utc_text
from api.routes.nonconformities import nonconformity_dict
from api.state import ApiState
from daemon.consumption import consuming_meters, consumption
from daemon.nonconformities import Status
from daemon.review_decisions import DESCRIPTIONS, OutputCategory, ReviewDecision
from daemon.storage.buckets import local_days
from daemon.storage.points import Bucket
from plugins.context import ReviewPeriod
from plugins.findings import Finding, Kind, ReviewInput
from plugins.runner import Evaluation, evaluate_portfolio
from plugins.stored_findings import record_nonconformities

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

    document: dict[str, Any]
    enpis: list[EnpiPeriod]
    findings: list[Finding]


def decision_dict(decision: ReviewDecision) -> dict[str, Any]:
    return {
        "id": decision.id,
        "period": decision.period,
        "category": decision.category.value,
        "category_text": DESCRIPTIONS[decision.category],
        "decision": decision.decision,
        "owner": decision.owner,
        "due": decision.due.isoformat() if decision.due else None,
        "recorded_by": decision.recorded_by,
        "recorded_at": decision.recorded_at,
    }


async def building_ranking(api: ApiState, period: ReviewPeriod) -> dict[str, Any]:
    """Energy (every kWh carrier) per m² Atemp of each building over the period."""
    config = api.config
    start, end = local_days(period.first, period.last, config.portfolio.timezone)
    meters = [m for m in consuming_meters(config) if m[2].endswith("kwh")]
    found = await consumption(
        api.store, config, meters, start, end, bucket=Bucket.MONTH, group_by=("building",)
    )
    energy = {
        one.series.tags.get("building", ""): float(np.nansum(one.series.values))
        for one in found
        if one.unit == "kWh"
    }
    rows: list[dict[str, Any]] = []
    for _, building in config.buildings():
        kwh = energy.get(building.id)
        rows.append(
            {
                "building": building.id,
                "name": building.name,
                "category": building.category.value,
                "atemp_m2": building.atemp_m2,
                "kwh": kwh,
                "kwh_per_m2": kwh / building.atemp_m2 if kwh is not None else None,
            }
        )
    rows.sort(key=lambda row: -(row["kwh_per_m2"] or -1.0))
    evidence = Evidence(
        first=period.first,
        last=period.last,
        measurement="readings",
        query="energy_kwh registers of every kWh meter, summed per building and divided by "
        "its Atemp",
        links={"consumption": f"/api/v1/consumption?period={period.label}&bucket=month"},
    )
    return {"buildings": rows, "evidence": evidence.model_dump(mode="json")}


def _performance_summary(enpis: list[EnpiPeriod]) -> dict[str, Any]:
    """Totals over the EnPIs that have reporting days (not added across overlapping EnPIs)."""
    reporting = [
        e.figures["improvement"] for e in enpis if isinstance(e.figures.get("improvement"), dict)
    ]
    expected = sum(float(i["expected_kwh"]) for i in reporting)
    actual = sum(float(i["actual_kwh"]) for i in reporting)
    return {
        "enpis": len(enpis),
        "enpis_reporting": len(reporting),
        "enpis_improved": sum(1 for i in reporting if float(i["avoided_kwh"]) > 0),
        "expected_kwh": expected,
        "actual_kwh": actual,
        "avoided_kwh": expected - actual,
        "improvement_pct": 100 * (expected - actual) / expected if expected else None,
        "note": "sums over the reporting EnPIs; EnPIs whose boundaries overlap count twice",
    }


async def cached_evaluation(api: ApiState, period: ReviewPeriod) -> tuple[Evaluation, str]:
    """The plugins' evaluation of ``period`` and when it was made (kept ``api.cache_ttl_s``);
    the nonconformities it finds are recorded in the register."""

    async def evaluate() -> Evaluation:
        evaluation = await evaluate_portfolio(
            api.plugins, api.config, api.store, period, api.register
        )
        record_nonconformities(api.register, evaluation.findings)
        return evaluation

    evaluation, at = await api.cache.get(("evaluation", period.label), evaluate)
    return evaluation, utc_text(at)


async def build_review(api: ApiState, period: ReviewPeriod) -> Review:
    config = api.config
    enpis = await enpi_periods(
        api.store, api.register, config, config.enpis, period, cache=api.cache
    )
    evaluation, evaluated_at = await cached_evaluation(api, period)
    ranking, ranked_at = await api.cache.get(
        ("ranking", period.label), lambda: building_ranking(api, period)
    )
    ranking = {**ranking, "computed_at": utc_text(ranked_at)}
    by_input: dict[str, list[dict[str, Any]]] = {key: [] for key in INPUT_KEYS.values()}
    for finding in evaluation.findings:
        by_input[INPUT_KEYS[finding.review_input]].append(finding.model_dump(mode="json"))
    earlier = [
        decision_dict(d)
        for d in api.register.decisions()
        if d.period != period.label and (d.owner or d.due)
    ]
    decisions = api.register.decisions(period.label)
    outputs = {
        category.value: [decision_dict(d) for d in decisions if d.category is category]
        for category in OutputCategory
    }
    register_ncs = [
        nonconformity_dict(n)
        for n in api.register.nonconformities()
        if n.status is not Status.CLOSED or n.last_period == period.label
    ]
    inputs: dict[str, Any] = {
        "a_previous_actions": {"decisions": earlier, "findings": by_input["a_previous_actions"]},
        **{key: {"findings": value} for key, value in by_input.items() if key[0] in "bcdefh"},
        "c1_nonconformities_corrective_actions": {
            "findings": by_input["c1_nonconformities_corrective_actions"],
            "register": register_ncs,
        },
        "g_energy_performance": {
            "summary": _performance_summary(enpis),
            "enpis": [e.figures for e in enpis],
            "building_ranking": ranking,
            "findings": by_input["g_energy_performance"],
        },
    }
    nonconformities = [
        f for f in evaluation.findings if f.kind in (Kind.NONCONFORMITY, Kind.DEVIATION)
    ]
    document = {
        "period": period.label,
        "first": period.first.isoformat(),
        "last": period.last.isoformat(),
        "portfolio": config.portfolio.name,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "evaluated_at": evaluated_at,
        "plugins": [
            {"name": r.plugin, "status": r.status, "findings": r.findings, "error": r.error}
            for r in evaluation.runs
        ],
        "summary": {
            "findings": len(evaluation.findings),
            "nonconformities_and_deviations": len(nonconformities),
            "decisions": len(decisions),
        },
        "inputs": inputs,
        "outputs": outputs,
        "links": {
            "report": f"/api/v1/review/report?period={period.label}",
            "decisions": f"/api/v1/reviews/{period.label}/decisions",
        },
    }
    return Review(document, enpis, evaluation.findings)
