"""Kvalitetsdeklarationer: each commitment as approved, followed up month by month in a year.

The check of each month is the ``commitments`` plugin's (``plugins.builtin.commitments``), on
the same data the review reads; here it is run for every month of the year measured so far.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status

from api.auth import require
from api.dependencies import Api
from api.models.commitments import (
    CommitmentFollowUp,
    CommitmentList,
    CommittedBuilding,
    MonthKept,
)
from plugins.builtin.commitments import follow_up
from plugins.context import EvaluationContext, ReviewPeriod
from plugins.runner import contexts

router = APIRouter(dependencies=[Depends(require("read"))], tags=["commitments"])


@router.get(
    "/commitments",
    summary="Service commitments (kvalitetsdeklarationer) and how often each was kept",
    description="Every commitment with its approval and published text, and per building "
    "each month of the year measured so far: the share of hours (or fault reports) that met "
    "it, and whether that reached the promised share. A month without data is not followed "
    "up (kept: null).",
)
async def commitments(
    api: Api, year: Annotated[int, Query(ge=2000, le=2100, description="e.g. 2025")]
) -> CommitmentList:
    today = api.today()
    if year > today.year:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"{year} has not begun")
    names = {building.id: building.name for _, building in api.config.buildings()}

    def make_context(period: ReviewPeriod) -> EvaluationContext:
        return contexts(api.config, api.store, period, api.register)("commitments")

    found: list[CommitmentFollowUp] = []
    for commitment in api.config.commitments:
        months = await follow_up(make_context, commitment, year, today)
        buildings = []
        for building, rows in months.items():
            shown = [
                MonthKept(
                    month=row.month,
                    met=row.result.met,
                    counted=row.result.counted,
                    share=row.result.share if row.result.counted else None,
                    kept=row.kept(commitment),
                )
                for row in rows
            ]
            buildings.append(
                CommittedBuilding(
                    building=building,
                    name=names[building],
                    months=shown,
                    months_followed=sum(m.kept is not None for m in shown),
                    months_kept=sum(m.kept is True for m in shown),
                )
            )
        found.append(
            CommitmentFollowUp(
                id=commitment.id,
                text=commitment.text,
                kind=commitment.kind.value,
                approved_by=commitment.approved_by,
                approved_on=commitment.approved_on.isoformat(),
                kept_share=commitment.kept_share,
                buildings=buildings,
            )
        )
    return CommitmentList(year=year, commitments=found)
