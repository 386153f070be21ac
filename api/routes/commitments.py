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
from plugins.builtin.commitments import covered, kept
from plugins.context import ReviewPeriod
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
    months = [
        ReviewPeriod.parse(f"{year}-{month:02d}")
        for month in range(1, 13)
        if (year, month) <= (today.year, today.month)
    ]
    found: list[CommitmentFollowUp] = []
    for commitment in api.config.commitments:
        per_building: dict[str, list[MonthKept]] = {}
        names = {}
        for period in months:
            measured = ReviewPeriod(period.label, period.first, period.measured_until(today))
            context = contexts(api.config, api.store, measured, api.register)("commitments")
            for building in covered(context, commitment):
                names[building.id] = building.name
                result = await kept(context, commitment, building)
                share = result.share if result.counted else None
                per_building.setdefault(building.id, []).append(
                    MonthKept(
                        month=period.label,
                        met=result.met,
                        counted=result.counted,
                        share=share,
                        kept=None if share is None else share >= commitment.kept_share,
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
                buildings=[
                    CommittedBuilding(
                        building=building,
                        name=names[building],
                        months=rows,
                        months_followed=sum(row.kept is not None for row in rows),
                        months_kept=sum(row.kept is True for row in rows),
                    )
                    for building, rows in per_building.items()
                ],
            )
        )
    return CommitmentList(year=year, commitments=found)
