"""The management review: its inputs for a period, the printable report, and its decisions."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller, require
from api.errors import review_period
from api.examples import REVIEW, example
from api.report import render
from api.review import build_review, decision_dict
from api.state import ApiState, state
from daemon.review_decisions import OutputCategory
from plugins.runner import report_sections

read = APIRouter(dependencies=[Depends(require("read"))], tags=["management review"])
write = APIRouter(tags=["management review"])
PERIOD = Query(description="2025, 2025-03 or 2025-01-01..2025-03-31")


class DecisionIn(BaseModel):
    """A decision of the management review, as the review's minutes record it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "category": "objectives_targets_action_plans",
                    "decision": "Extend the ventilation schedule change to all schools by 2026-09.",
                    "owner": "Fastighetsavdelningen, driftchef",
                    "due": "2026-09-30",
                }
            ]
        },
    )

    category: OutputCategory
    decision: str = Field(min_length=3, max_length=4000)
    owner: str | None = Field(None, max_length=200, description="who carries it out")
    due: date | None = Field(None, description="when it is to be done")


@read.get(
    "/review",
    summary="The management review for a period, by the inputs of ISO 50001:2018 9.3",
    responses=example(REVIEW),
)
async def review(
    api: Annotated[ApiState, Depends(state)], period: Annotated[str, PERIOD]
) -> dict[str, Any]:
    chosen = review_period(period)
    await api.store.ping()
    return (await build_review(api, chosen)).document


@read.get(
    "/review/report",
    response_class=HTMLResponse,
    summary="The review as a printable HTML report with its charts",
    description="Actual against expected consumption, CUSUM and the energy signature of every "
    "EnPI, and the buildings ranked by kWh/m² Atemp, drawn as SVG on the server.",
)
async def report(
    api: Annotated[ApiState, Depends(state)], period: Annotated[str, PERIOD]
) -> HTMLResponse:
    chosen = review_period(period)
    await api.store.ping()
    review = await build_review(api, chosen)
    sections = await report_sections(api.plugins, api.config, api.store, chosen, api.register)
    return HTMLResponse(render(review, sections))


@read.get("/reviews/{period}/decisions", summary="The decisions recorded for a review period")
async def decisions(period: str, api: Annotated[ApiState, Depends(state)]) -> dict[str, Any]:
    chosen = review_period(period)
    return {
        "period": chosen.label,
        "decisions": [decision_dict(d) for d in api.register.decisions(chosen.label)],
    }


@write.post(
    "/reviews/{period}/decisions",
    status_code=status.HTTP_201_CREATED,
    summary="Record a decision of the management review (scope: write)",
)
async def record_decision(
    period: str,
    body: DecisionIn,
    request: Request,
    api: Annotated[ApiState, Depends(state)],
    caller: Annotated[Caller, Depends(require("write"))],
) -> dict[str, Any]:
    chosen = review_period(period)
    decision = api.register.add_decision(
        period=chosen.label,
        category=body.category,
        decision=body.decision,
        owner=body.owner,
        due=body.due,
        recorded_by=caller.name,
    )
    return decision_dict(decision)
