"""Energy targets and action plans with what the evaluation found about them."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from api.models.common import Answer
from core.config.targets import ActionStatus
from plugins.findings import Finding


class ActionPlanStatus(Answer):
    id: str
    name: str
    responsible: str
    due: date
    status: ActionStatus
    completed: date | None
    expected_savings_kwh_per_year: float | None
    cost: float | None
    resources: str | None
    verification: str | None
    assessment: Finding | None = Field(description="the targets plugin's finding on the plan")
    pdca: str | None = Field(
        description="plan, do, check or act: derived from its status, completion and the data "
        "verifying its savings"
    )


class TargetStatus(Answer):
    id: str
    name: str
    objective: str | None
    enpi: str | None
    base_year: int | None
    improvement_pct: float
    by: date
    source: str = Field(description="configuration, or register (recorded through the API)")
    assessment: Finding | None = Field(description="the targets plugin's finding on the target")
    pdca: str | None = Field(description="plan, do, check or act: derived from its actions")
    action_plans: list[ActionPlanStatus]


class TargetList(Answer):
    period: str
    evaluated_at: str
    targets: list[TargetStatus]
