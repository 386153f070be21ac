"""The management review: its inputs for a period, the printable report, and its decisions."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller, require
from api.dependencies import Api, Lang, Period
from api.errors import review_period
from api.models.register import (
    DecisionList,
    DecisionOut,
    RecordedInputList,
    RecordedInputOut,
)
from api.models.review import ReviewDocument
from api.report import report_html
from api.review import build_review
from energy.review_decisions import OutputCategory, RecordedInput

read = APIRouter(dependencies=[Depends(require("read"))], tags=["management review"])
write = APIRouter(tags=["management review"])


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
)
async def review(api: Api, period: Period, locale: Lang) -> ReviewDocument:
    await api.store.ping()
    return (await build_review(api, period, locale)).document


@read.get(
    "/review/report",
    response_class=HTMLResponse,
    summary="The review as a printable HTML report with its charts",
    description="Actual against expected consumption, CUSUM and the energy signature of every "
    "EnPI, and the buildings ranked by kWh/m² Atemp, drawn as SVG on the server.",
)
async def report(api: Api, period: Period, locale: Lang) -> HTMLResponse:
    await api.store.ping()
    return HTMLResponse(await report_html(api, period, locale))


@read.get("/reviews/{period}/decisions", summary="The decisions recorded for a review period")
async def decisions(period: str, api: Api) -> DecisionList:
    chosen = review_period(period)
    return DecisionList(
        period=chosen.label,
        decisions=[DecisionOut.of(d) for d in api.register.decisions(chosen.label)],
    )


class InputIn(BaseModel):
    """An input of the review that is recorded, not measured (ISO 50001:2018 9.3 b, c 3,
    c 4, d, e)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"input": "c3_audits", "title": "Internal audit of the EnMS, 2026-10",
                 "text": "Two minor nonconformities (calibration records, training log)."},
                {"input": "e_energy_policy", "title": "Energy policy reviewed",
                 "text": "Unchanged; the 2030 target is kept."},
            ]
        },
    )  # fmt: skip

    input: RecordedInput
    title: str = Field(min_length=3, max_length=200)
    text: str = Field(max_length=8000)


@read.get("/reviews/{period}/inputs", summary="The inputs recorded for a review period")
async def inputs(period: str, api: Api) -> RecordedInputList:
    chosen = review_period(period)
    return RecordedInputList(
        period=chosen.label,
        inputs=[RecordedInputOut.of(r) for r in api.register.review_inputs(chosen.label)],
    )


@write.post(
    "/reviews/{period}/inputs",
    status_code=status.HTTP_201_CREATED,
    summary="Record an input of the review: audit results, compliance, policy (scope: write)",
    description="The inputs of 9.3 that are not measured: b) issues, risks and opportunities, "
    "c 3) audit results, c 4) compliance with legal and other requirements, d) opportunities "
    "someone found, e) the energy policy's review. They appear in the review under their input.",
)
async def record_input(
    period: str,
    body: InputIn,
    api: Api,
    caller: Annotated[Caller, Depends(require("write"))],
) -> RecordedInputOut:
    chosen = review_period(period)
    record = api.register.add_review_input(
        period=chosen.label, kind=body.input, title=body.title, text=body.text,
        recorded_by=caller.name,
    )  # fmt: skip
    return RecordedInputOut.of(record)


@write.post(
    "/reviews/{period}/decisions",
    status_code=status.HTTP_201_CREATED,
    summary="Record a decision of the management review (scope: write)",
)
async def record_decision(
    period: str,
    body: DecisionIn,
    request: Request,
    api: Api,
    caller: Annotated[Caller, Depends(require("write"))],
) -> DecisionOut:
    chosen = review_period(period)
    decision = api.register.add_decision(
        period=chosen.label,
        category=body.category,
        decision=body.decision,
        owner=body.owner,
        due=body.due,
        recorded_by=caller.name,
    )
    return DecisionOut.of(decision)
