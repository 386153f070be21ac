"""The balanced scorecard of a review period (``scorecard:`` in the configuration)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.auth import require
from api.dependencies import Api, Lang, Period
from api.models.scorecard import Scorecard
from api.review import cached_evaluation
from api.scorecard import scorecard

router = APIRouter(dependencies=[Depends(require("read"))], tags=["review"])


@router.get(
    "/scorecard",
    summary="Balanced scorecard: indicators per perspective against their targets",
    description="Each perspective's indicators, drawn from the period's findings and compared "
    "with their targets, and every finding rolled up under its perspective by kind.",
)
async def card(api: Api, period: Period, locale: Lang) -> Scorecard:
    evaluation, _ = await cached_evaluation(api, period)
    return scorecard(api.config.scorecard, period, evaluation.findings, locale)
