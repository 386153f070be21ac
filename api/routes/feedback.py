"""Synpunkter: feedback recorded, imported from the case system, answered, and listed.

Whether the sensors confirm a complaint is the ``feedback`` plugin's evaluation: its findings
are in ``/findings`` and the review, one per piece of indoor-climate feedback.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from fastapi.responses import Response

from api.auth import Caller, require
from api.dependencies import Api, Period
from api.errors import not_found
from api.models.feedback import (
    AnswerIn,
    FeedbackIn,
    FeedbackList,
    FeedbackOut,
    ImportProblem,
    ImportResult,
)
from api.tables import Table
from energy.feedback_import import parse_feedback_csv
from energy.feedback_records import FeedbackError
from energy.register import now_text

Ident = Annotated[int, Path(ge=1, le=2**63 - 1, description="the feedback's number")]
#: the largest CSV an import takes (a year of a large municipality's cases is far less)
MAX_IMPORT_BYTES = 5_000_000
#: a request whose content cannot be recorded (Starlette renamed its constant)
UNPROCESSABLE = 422
read = APIRouter(dependencies=[Depends(require("read"))], tags=["feedback"])
write = APIRouter(tags=["feedback"])


def _buildings(api: Api) -> set[str]:
    return {building.id for _, building in api.config.buildings()}


@read.get(
    "/feedback",
    summary="Feedback (synpunkter) received in a period",
    response_model=FeedbackList,
)
async def listed(
    api: Api,
    period: Period,
    table: Table,
    building: Annotated[str | None, Query(max_length=64)] = None,
) -> FeedbackList | Response:
    zone = api.config.portfolio.timezone
    found = api.register.feedback(period.first, period.last, zone=zone, building=building)
    rows = [FeedbackOut.of(f, zone) for f in found]
    if table.wanted:
        return table.csv([row.model_dump(mode="json") for row in rows], "feedback")
    return FeedbackList(period=period.label, feedback=rows)


@write.post(
    "/feedback",
    status_code=status.HTTP_201_CREATED,
    summary="Record a piece of feedback (scope: write)",
    description="A case_ref already recorded returns that record with 200, unchanged.",
)
async def record(
    body: FeedbackIn,
    api: Api,
    caller: Annotated[Caller, Depends(require("write"))],
    response: Response,
) -> FeedbackOut:
    if body.building not in _buildings(api):
        raise not_found("building", body.building, sorted(_buildings(api)))
    try:
        found, new = api.register.add_feedback(
            **body.model_dump(), recorded_by=caller.name, recorded_at=now_text()
        )
    except FeedbackError as exc:
        raise HTTPException(UNPROCESSABLE, str(exc)) from None
    if not new:
        response.status_code = status.HTTP_200_OK
    return FeedbackOut.of(found, api.config.portfolio.timezone)


@write.post(
    "/feedback/import",
    summary="Import feedback from the case system's CSV export (scope: write)",
    description="Columns received_at, building, category, text and optionally case_ref, "
    "zone, channel, answered_at (or their Swedish names: inkommen, byggnad, kategori, "
    "synpunkt, ärende, rum, kanal, besvarad), separated by ; or ,. Rows already recorded "
    "(same case_ref) are counted, not recorded again; a row that cannot be read is listed "
    "with its line and why, and the others are recorded.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
async def import_csv(
    request: Request, api: Api, caller: Annotated[Caller, Depends(require("write"))]
) -> ImportResult:
    body = await request.body()
    if len(body) > MAX_IMPORT_BYTES:
        raise HTTPException(
            status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, f"at most {MAX_IMPORT_BYTES} bytes"
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(UNPROCESSABLE, "the CSV is not UTF-8 text") from None
    rows, problems = parse_feedback_csv(
        text, zone=api.config.portfolio.timezone, buildings=_buildings(api)
    )
    recorded = already = 0
    for row in rows:
        _, new = api.register.add_feedback(
            building=row.building, category=row.category, received_at=row.received_at,
            text=row.text, zone=row.zone, channel=row.channel, case_ref=row.case_ref,
            answered_at=row.answered_at, recorded_by=caller.name, recorded_at=now_text(),
        )  # fmt: skip
        recorded += new
        already += not new
    return ImportResult(
        recorded=recorded,
        already_recorded=already,
        refused=[ImportProblem(line=line, problem=problem) for line, problem in problems],
    )


@write.patch(
    "/feedback/{ident}",
    summary="Note when a piece of feedback was answered (scope: write)",
)
async def answer(
    ident: Ident, body: AnswerIn, api: Api, _: Annotated[Caller, Depends(require("write"))]
) -> FeedbackOut:
    try:
        found = api.register.answer_feedback(ident, body.answered_at)
    except FeedbackError as exc:
        if api.register.one_feedback(ident) is None:
            raise not_found("feedback", str(ident), []) from None
        raise HTTPException(UNPROCESSABLE, str(exc)) from None
    return FeedbackOut.of(found, api.config.portfolio.timezone)
