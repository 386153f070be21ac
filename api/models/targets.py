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
    resources: str | None
    verification: str | None
    assessment: Finding | None = Field(description="the targets plugin's finding on the plan")


class TargetStatus(Answer):
    id: str
    name: str
    objective: str | None
    enpi: str
    improvement_pct: float
    by: date
    assessment: Finding | None = Field(description="the targets plugin's finding on the target")
    action_plans: list[ActionPlanStatus]


class TargetList(Answer):
    period: str
    evaluated_at: str
    targets: list[TargetStatus]
