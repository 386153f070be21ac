"""The management review for a period, by the inputs of ISO 50001:2018 9.3."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from api.evidence import Evidence
from api.examples import REVIEW
from api.models.common import Answer, PluginRun
from api.models.enpis import EnpiFigures
from api.models.register import DecisionOut, NonconformityOut
from plugins.findings import Finding


class PerformanceSummary(Answer):
    enpis: int
    enpis_reporting: int
    enpis_improved: int
    expected_kwh: float
    actual_kwh: float
    avoided_kwh: float
    improvement_pct: float | None
    note: str


class RankedBuilding(Answer):
    building: str
    name: str
    category: str
    atemp_m2: float
    kwh: float | None
    kwh_per_m2: float | None


class BuildingRanking(Answer):
    buildings: list[RankedBuilding]
    evidence: Evidence
    computed_at: str


class InputFindings(Answer):
    findings: list[Finding]


class PreviousActions(InputFindings):
    decisions: list[DecisionOut] = Field(
        description="earlier decisions with an owner or a due date"
    )


class NonconformityInput(InputFindings):
    # named "register" in JSON; BaseModel has a method of that name
    in_register: list[NonconformityOut] = Field(
        alias="register",
        description="the register's nonconformities still open, or closed in this period",
    )


class EnergyPerformance(InputFindings):
    summary: PerformanceSummary
    enpis: list[EnpiFigures]
    building_ranking: BuildingRanking


class ReviewInputs(Answer):
    a_previous_actions: PreviousActions
    b_issues_risks_opportunities: InputFindings
    c1_nonconformities_corrective_actions: NonconformityInput
    c2_monitoring_measurement: InputFindings
    c3_audits: InputFindings
    c4_compliance: InputFindings
    d_continual_improvement: InputFindings
    e_energy_policy: InputFindings
    f_objectives_targets: InputFindings
    g_energy_performance: EnergyPerformance
    h_action_plans: InputFindings


class ReviewSummary(Answer):
    findings: int
    nonconformities_and_deviations: int
    decisions: int


class ReviewDocument(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [REVIEW]})

    period: str
    first: str
    last: str
    portfolio: str
    generated_at: str
    evaluated_at: str
    plugins: list[PluginRun]
    summary: ReviewSummary
    inputs: ReviewInputs
    outputs: dict[str, list[DecisionOut]] = Field(description="decisions by output category")
    links: dict[str, str]
