"""Energy targets and action plans with their status for a period (ISO 50001:2018 6.2, 9.3)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.auth import require
from api.dependencies import Api, Period
from api.models.targets import ActionPlanStatus, TargetList, TargetStatus
from api.review import cached_evaluation

router = APIRouter(dependencies=[Depends(require("read"))], tags=["targets"])


@router.get(
    "/targets",
    summary="Energy targets and their action plans, with their status in a period",
    description="Each target as configured, with what the `targets` plugin found for the "
    "period: the improvement of its EnPI against the target and the straight path to it, the "
    "year-end forecast, and per action plan its status, overdue days and verified savings.",
)
async def targets(
    api: Api,
    period: Period,
) -> TargetList:
    evaluation, evaluated_at = await cached_evaluation(api, period)
    found = {f.id: f for f in evaluation.findings if f.plugin == "targets"}
    result = []
    for target in api.config.targets:
        judged = found.get(f"target.{target.id}") or found.get(f"target-not-assessed.{target.id}")
        plans = []
        for plan in target.action_plans:
            plan_finding = found.get(f"action-plan.{target.id}.{plan.id}")
            plans.append(ActionPlanStatus(**plan.model_dump(), assessment=plan_finding))
        result.append(
            TargetStatus(
                **target.model_dump(exclude={"action_plans"}),
                assessment=judged,
                action_plans=plans,
            )
        )
    return TargetList(period=period.label, evaluated_at=evaluated_at, targets=result)
