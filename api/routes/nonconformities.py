"""Nonconformities in the register and their lifecycle (ISO 50001:2018 10.1)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller, require
from api.dependencies import Api
from api.errors import not_found
from api.models.register import NonconformityList, NonconformityOut
from api.tables import Table
from energy.nonconformities import LifecycleError, Status

#: a register number: SQLite's integers are 64-bit
Ident = Annotated[int, Path(ge=1, le=2**63 - 1, description="the nonconformity's number")]
read = APIRouter(dependencies=[Depends(require("read"))], tags=["nonconformities"])
write = APIRouter(tags=["nonconformities"])


class LifecycleUpdate(BaseModel):
    """One step of a nonconformity's lifecycle."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"status": "cause_identified", "note": "Heating valve VS1 stuck open"},
                {"status": "effectiveness_checked", "effective": True,
                 "note": "On the baseline for 30 days after the valve was replaced"},
            ]
        },
    )  # fmt: skip

    status: Status = Field(
        description="cause_identified, action_taken, effectiveness_checked or closed, in order"
    )
    note: str | None = Field(
        None, max_length=4000, description="the cause, the action, or the check's result"
    )
    effective: bool | None = Field(
        None,
        description="with effectiveness_checked: did the action work? false asks for "
        "another action",
    )


@read.get(
    "/nonconformities",
    summary="Nonconformities in the register, with their lifecycle",
    response_model=NonconformityList,
)
async def nonconformities(
    api: Api,
    table: Table,
    status_is: Annotated[Status | None, Query(alias="status")] = None,
) -> NonconformityList | Response:
    found = api.register.nonconformities(status=status_is)
    if table.wanted:
        rows = [
            NonconformityOut.of(n).model_dump(mode="json", exclude={"events"})
            | {"metrics": str(n.metrics), "events": len(n.events)}
            for n in found
        ]
        return table.csv(rows, "nonconformities")
    return NonconformityList(nonconformities=[NonconformityOut.of(n) for n in found])


@read.get("/nonconformities/{ident}", summary="One nonconformity and every step it went through")
async def nonconformity(ident: Ident, api: Api) -> NonconformityOut:
    found = api.register.nonconformity(ident)
    if found is None:
        raise not_found(
            "nonconformity", str(ident), [str(n.id) for n in api.register.nonconformities()]
        )
    return NonconformityOut.of(found)


@write.patch(
    "/nonconformities/{ident}",
    summary="Take a nonconformity one step along its lifecycle (scope: write)",
    description="open → cause_identified → action_taken → effectiveness_checked → closed. An "
    "effectiveness check with effective: false returns it to cause_identified; one with "
    "effective: true needs the data to show it: a recorded evaluation at least "
    "nonconformities.verify_days after the action, and none finding it since. A step out of "
    "order, or an effect the data do not show yet, is 409 and says why.",
)
async def update(
    ident: Ident,
    body: LifecycleUpdate,
    api: Api,
    caller: Annotated[Caller, Depends(require("write"))],
) -> NonconformityOut:
    try:
        found = api.register.update_nonconformity(
            ident,
            status=body.status,
            note=body.note,
            effective=body.effective,
            by=caller.name,
            verify_days=api.config.nonconformities.verify_days,
        )
    except KeyError:
        raise not_found(
            "nonconformity", str(ident), [str(n.id) for n in api.register.nonconformities()]
        ) from None
    except LifecycleError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return NonconformityOut.of(found)


class Assignment(BaseModel):
    """Who answers for a nonconformity's correction, by when, within which action plan."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"owner": "Driftchef, fastighetsavdelningen", "due": "2026-03-31",
                          "action_plan": "rebalance"}]
        },
    )  # fmt: skip

    owner: str | None = Field(None, max_length=200)
    due: date | None = None
    action_plan: str | None = Field(
        None, max_length=64, description="id of an action plan under targets:"
    )


@write.put(
    "/nonconformities/{ident}/assignment",
    summary="Set a nonconformity's owner, due date and action plan (scope: write)",
)
async def assign(
    ident: Ident,
    body: Assignment,
    api: Api,
    caller: Annotated[Caller, Depends(require("write"))],
) -> NonconformityOut:
    plans = {plan.id for target in api.config.targets for plan in target.action_plans}
    if body.action_plan is not None and body.action_plan not in plans:
        raise not_found("action plan", body.action_plan, sorted(plans))
    try:
        found = api.register.assign_nonconformity(
            ident,
            owner=body.owner,
            due=body.due.isoformat() if body.due else None,
            action_plan=body.action_plan,
            by=caller.name,
        )
    except KeyError:
        raise not_found(
            "nonconformity", str(ident), [str(n.id) for n in api.register.nonconformities()]
        ) from None
    return NonconformityOut.of(found)
