"""Energy targets and action plans with their status for a period (ISO 50001:2018 6.2, 9.3)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.auth import require
from api.errors import review_period
from api.review import cached_evaluation
from api.state import ApiState, state

router = APIRouter(dependencies=[Depends(require("read"))], tags=["targets"])


@router.get(
    "/targets",
    summary="Energy targets and their action plans, with their status in a period",
    description="Each target as configured, with what the `targets` plugin found for the "
    "period: the improvement of its EnPI against the target and the straight path to it, the "
    "year-end forecast, and per action plan its status, overdue days and verified savings.",
)
async def targets(
    api: Annotated[ApiState, Depends(state)],
    period: Annotated[str, Query(description="2025, 2025-03 or 2025-01-01..2025-03-31")],
) -> dict[str, Any]:
    chosen = review_period(period)
    evaluation, evaluated_at = await cached_evaluation(api, chosen)
    found = {f.id: f for f in evaluation.findings if f.plugin == "targets"}
    result = []
    for target in api.config.targets:
        judged = found.get(f"target.{target.id}") or found.get(f"target-not-assessed.{target.id}")
        plans = []
        for plan in target.action_plans:
            plan_finding = found.get(f"action-plan.{target.id}.{plan.id}")
            plans.append(
                {
                    **plan.model_dump(mode="json"),
                    "assessment": plan_finding.model_dump(mode="json") if plan_finding else None,
                }
            )
        result.append(
            {
                **target.model_dump(mode="json", exclude={"action_plans"}),
                "assessment": judged.model_dump(mode="json") if judged else None,
                "action_plans": plans,
            }
        )
    return {"period": chosen.label, "evaluated_at": evaluated_at, "targets": result}
