"""The management review for a period, by the inputs of ISO 50001:2018 9.3."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from api.evidence import Evidence
from api.examples import REVIEW
from api.models.common import Answer, PluginRun
from api.models.enpis import EnpiFigures, EnpiYear
from api.models.register import DecisionOut, NonconformityOut, RecordedInputOut
from core.i18n import Language
from plugins.findings import Finding


class NotReportable(Answer):
    enpi: str
    reason: str


class LeftOut(Answer):
    enpi: str
    reason: str


class PerformanceSummary(Answer):
    """The headline: counts and totals over the reportable EnPIs, by the stated rules."""

    enpis: int = Field(description="EnPIs configured")
    enpis_reporting: int = Field(description="reportable EnPIs with reporting days")
    enpis_improved: int = Field(description="of those, improved beyond their uncertainty")
    enpis_no_significant_change: int
    enpis_worse: int = Field(description="used more than expected, beyond the uncertainty")
    not_reportable: list[NotReportable] = Field(
        description="EnPIs the data-quality gate refuses: in no count or total"
    )
    left_out_of_totals: list[LeftOut] = Field(
        description="reporting EnPIs whose boundaries overlap one the totals count"
    )
    expected_kwh: float
    actual_kwh: float
    avoided_kwh: float
    avoided_uncertainty_kwh_68pct: float | None = Field(
        description="root sum of squares of the counted EnPIs' uncertainties (independent)"
    )
    improvement_pct: float | None
    avoided_cost: float | None = Field(
        description="the avoided energy priced by the cost_co2 plugin, same EnPIs"
    )
    avoided_co2_t: float | None
    currency: str | None
    rules: list[str] = Field(description="how the counts and totals are made")


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
    recorded: list[RecordedInputOut] = Field(
        default_factory=list,
        description="what people recorded for this input (POST /reviews/{period}/inputs)",
    )


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


class EnpiYearsOf(Answer):
    enpi: str
    name: str
    years: list[EnpiYear]


class EnergyPerformance(InputFindings):
    summary: PerformanceSummary
    enpis: list[EnpiFigures]
    building_ranking: BuildingRanking
    complete_years: list[EnpiYearsOf] = Field(
        default_factory=list,
        description="each EnPI's complete calendar years, normal-year corrected where it has "
        "a normal year",
    )


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
    language: Language = Field(description="the language of every text: sv or en")
    generated_at: str
    evaluated_at: str
    measured_until: str = Field(
        description="the period's last day that can have readings: today where the period "
        "reaches past it (the figures cover the days up to it)"
    )
    plugins: list[PluginRun]
    summary: ReviewSummary
    inputs: ReviewInputs
    outputs: dict[str, list[DecisionOut]] = Field(description="decisions by output category")
    links: dict[str, str]
