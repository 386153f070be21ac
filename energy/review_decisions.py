"""Decisions of the management review, by the output categories of ISO 50001:2018 9.3.

The review's outputs are documented information the organisation retains; enms keeps them in
the register with who recorded them and when, and shows earlier decisions that carry an
owner or a due date as input a) to the next review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from core.i18n import N_


class OutputCategory(StrEnum):
    """What a decision of the management review is about (ISO 50001:2018 9.3, outputs)."""

    CONTINUAL_IMPROVEMENT = "continual_improvement"
    ENMS_CHANGES = "enms_changes"
    ENERGY_PERFORMANCE = "energy_performance"
    ENPIS_AND_BASELINES = "enpis_and_baselines"
    ENERGY_POLICY = "energy_policy"
    OBJECTIVES_TARGETS_ACTION_PLANS = "objectives_targets_action_plans"
    BUSINESS_INTEGRATION = "business_integration"
    RESOURCES = "resources"
    COMPETENCE_AWARENESS_COMMUNICATION = "competence_awareness_communication"


DESCRIPTIONS = {
    OutputCategory.CONTINUAL_IMPROVEMENT: N_("opportunities for continual improvement"),
    OutputCategory.ENMS_CHANGES: N_("changes to the EnMS"),
    OutputCategory.ENERGY_PERFORMANCE: N_("opportunities to improve energy performance"),
    OutputCategory.ENPIS_AND_BASELINES: N_("EnPIs and energy baselines"),
    OutputCategory.ENERGY_POLICY: N_("the energy policy"),
    OutputCategory.OBJECTIVES_TARGETS_ACTION_PLANS: N_(
        "objectives, energy targets and action plans"
    ),
    OutputCategory.BUSINESS_INTEGRATION: N_("integration with business processes"),
    OutputCategory.RESOURCES: N_("allocation of resources"),
    OutputCategory.COMPETENCE_AWARENESS_COMMUNICATION: N_(
        "competence, awareness and communication"
    ),
}


@dataclass(frozen=True)
class ReviewDecision:
    id: int
    period: str
    category: OutputCategory
    decision: str
    owner: str | None
    due: date | None
    recorded_by: str
    recorded_at: str


class RecordedInput(StrEnum):
    """The inputs of ISO 50001:2018 9.3 that are not measured but recorded by people: audit
    results, compliance with legal requirements, the energy policy's review, issues and risks,
    and opportunities someone found. Named like the review document's inputs."""

    ISSUES_RISKS = "b_issues_risks_opportunities"
    AUDITS = "c3_audits"
    COMPLIANCE = "c4_compliance"
    OPPORTUNITIES = "d_continual_improvement"
    POLICY = "e_energy_policy"


@dataclass(frozen=True)
class ReviewInputRecord:
    """One recorded input of a review period, e.g. an internal audit's result."""

    id: int
    period: str
    input: RecordedInput
    title: str
    text: str
    recorded_by: str
    recorded_at: str
