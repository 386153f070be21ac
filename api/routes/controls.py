"""Internkontrollplan: the control points with their results, and manual results recorded.

Where each point stands is the ``internal_control`` plugin's reading (``plugins.builtin.
control_plan``), here as of today or the end of the year asked for.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status

from api.auth import Caller, require
from api.dependencies import Api
from api.errors import not_found
from api.models.controls import ControlPlanOut, ControlPointOut, ControlResultIn, ControlResultOut
from core.config.controls import ControlMethod, ControlPoint
from energy.control_records import ControlResult
from energy.register import now_text
from plugins.builtin.control_plan import status_of
from plugins.context import ReviewPeriod
from plugins.runner import contexts

read = APIRouter(dependencies=[Depends(require("read"))], tags=["internal control"])
write = APIRouter(tags=["internal control"])
PointId = Annotated[str, Path(max_length=64, description="a control point's id")]


def _point(api: Api, point_id: str) -> ControlPoint:
    points = api.config.internal_control_plan.points
    for point in points:
        if point.id == point_id:
            return point
    raise not_found("control point", point_id, [p.id for p in points])


def _result(result: ControlResult) -> ControlResultOut:
    return ControlResultOut(
        id=result.id,
        point=result.point,
        performed_on=result.performed_on.isoformat(),
        ok=result.ok,
        note=result.note,
        recorded_by=result.recorded_by,
        recorded_at=result.recorded_at,
    )


@read.get(
    "/controls",
    summary="The internal control plan: each control point's last result and when it is due",
)
async def plan(
    api: Api, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
) -> ControlPlanOut:
    today = api.today()
    chosen = year or today.year
    if chosen > today.year:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"{chosen} has not begun")
    last = min(today, date(chosen, 12, 31))
    period = ReviewPeriod(str(chosen), date(chosen, 1, 1), last)
    context = contexts(api.config, api.store, period, api.register)("internal_control")
    config = api.config.internal_control_plan
    points = []
    for point in config.points:
        found = await status_of(context, point)
        results = [
            _result(r)
            for r in api.register.control_results(point.id, until=last)
            if r.performed_on.year == chosen
        ]
        points.append(
            ControlPointOut(
                id=point.id, what=point.what, risk=point.risk, owner=point.owner,
                method=point.method.value, every_days=point.every_days,
                performed_on=found.performed_on.isoformat() if found.performed_on else None,
                ok=found.ok, note=found.note, due=found.due.isoformat() if found.due else None,
                overdue=found.overdue, failing=found.failing, results_in_year=results,
            )
        )  # fmt: skip
    return ControlPlanOut(
        year=chosen,
        approved_by=config.approved_by,
        approved_on=config.approved_on.isoformat() if config.approved_on else None,
        points=points,
    )


@write.post(
    "/controls/{point_id}/results",
    status_code=status.HTTP_201_CREATED,
    summary="Record the result of a manual control (scope: write)",
    description="Automated controls are answered from the data: recording one is 409.",
)
async def record(
    point_id: PointId,
    body: ControlResultIn,
    api: Api,
    caller: Annotated[Caller, Depends(require("write"))],
) -> ControlResultOut:
    point = _point(api, point_id)
    if point.method is not ControlMethod.MANUAL:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"{point_id} is an automated control ({point.method.value}): the data answer it",
        )
    if body.performed_on > api.today():
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "performed_on is in the future")
    return _result(
        api.register.add_control_result(
            point.id, performed_on=body.performed_on, ok=body.ok, note=body.note,
            recorded_by=caller.name, recorded_at=now_text(),
        )
    )  # fmt: skip
