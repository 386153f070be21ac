"""Energy targets and action plans with their status for a period (ISO 50001:2018 6.2, 9.3).

Targets adopted in the configuration are read here; others the energy team records through
the API (``POST /targets``, ``PUT /targets/{id}/action-plans/{plan}``), kept in the register
and evaluated alike. Each target's and plan's PDCA phase is derived by the ``targets``
plugin from the records and the data.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, status

from api.auth import Caller, require
from api.dependencies import Api, Period
from api.errors import not_found
from api.models.targets import ActionPlanStatus, TargetList, TargetStatus
from api.review import cached_evaluation
from core.config.targets import ActionPlan, EnergyTarget
from energy.register import now_text
from energy.target_records import all_targets

router = APIRouter(dependencies=[Depends(require("read"))], tags=["targets"])
write = APIRouter(tags=["targets"])
Ident = Annotated[str, Path(max_length=64)]


@router.get(
    "/targets",
    summary="Energy targets and their action plans, with their status in a period",
    description="Each target (configured or recorded through the API), with what the "
    "`targets` plugin found for the period: the improvement of its EnPI against the target "
    "and the straight path to it, the year-end forecast, its PDCA phase, and per action plan "
    "its status, PDCA phase, overdue days and verified savings.",
)
async def targets(api: Api, period: Period) -> TargetList:
    evaluation, evaluated_at = await cached_evaluation(api, period)
    found = {f.id: f for f in evaluation.findings if f.plugin == "targets"}
    configured = {target.id for target in api.config.targets}
    result = []
    for target in all_targets(api.config, api.register.recorded_targets()):
        judged = found.get(f"target.{target.id}") or found.get(f"target-not-assessed.{target.id}")
        plans = []
        for plan in target.action_plans:
            plan_finding = found.get(f"action-plan.{target.id}.{plan.id}")
            plans.append(
                ActionPlanStatus(
                    **plan.model_dump(),
                    assessment=plan_finding,
                    pdca=plan_finding.phase.value if plan_finding else None,
                )
            )
        result.append(
            TargetStatus(
                **target.model_dump(exclude={"action_plans"}),
                source="configuration" if target.id in configured else "register",
                assessment=judged,
                pdca=judged.phase.value if judged else None,
                action_plans=plans,
            )
        )
    return TargetList(period=period.label, evaluated_at=evaluated_at, targets=result)


@write.post(
    "/targets",
    status_code=status.HTTP_201_CREATED,
    summary="Record an energy target with its action plans (scope: write)",
    description="Measured by one of the configured EnPIs, or -- with base_year -- the whole "
    "portfolio's kWh/m² Atemp, normal-year corrected, against that year. An id already used "
    "-- in the configuration or the register -- is 409.",
)
async def record(
    body: EnergyTarget, api: Api, caller: Annotated[Caller, Depends(require("write"))]
) -> EnergyTarget:
    enpis = [enpi.id for enpi in api.config.enpis]
    if body.enpi is not None and body.enpi not in enpis:
        raise not_found("EnPI", body.enpi, enpis)
    if body.id in {target.id for target in api.config.targets}:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"target {body.id} is adopted in the configuration"
        )
    if not api.register.add_target(body, by=caller.name, at=now_text()):
        raise HTTPException(status.HTTP_409_CONFLICT, f"target {body.id} is recorded already")
    api.cache.clear()
    return body


@write.put(
    "/targets/{target_id}/action-plans/{plan_id}",
    summary="Add or replace an action plan of a recorded target (scope: write)",
    description="Its status, completion, cost and expected saving as the energy team updates "
    "them. A target adopted in the configuration is changed there (409).",
)
async def put_plan(
    target_id: Ident,
    plan_id: Ident,
    body: ActionPlan,
    api: Api,
    caller: Annotated[Caller, Depends(require("write"))],
) -> EnergyTarget:
    if body.id != plan_id:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, f"the plan's id {body.id} is not {plan_id}"
        )
    if target_id in {target.id for target in api.config.targets}:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"target {target_id} is adopted in the configuration: change it there",
        )
    changed = api.register.put_action_plan(target_id, body, by=caller.name, at=now_text())
    if changed is None:
        raise not_found("target", target_id, [t.id for t in api.register.recorded_targets()])
    api.cache.clear()
    return changed
