"""The balanced scorecard of a review period."""

from __future__ import annotations

from pydantic import Field

from api.models.common import Answer


class IndicatorOut(Answer):
    id: str
    name: str
    value: float | None = Field(description="in the indicator's unit; null without data")
    unit: str
    target: float | None
    better: str = Field(description="higher or lower")
    status: str = Field(description="met, not met, no target or no data")
    findings: int = Field(description="how many findings it was drawn from")


class PerspectiveOut(Answer):
    perspective: str = Field(description="the findings' perspective it rolls up")
    name: str
    indicators: list[IndicatorOut]
    findings_by_kind: dict[str, int]
    most_severe: list[str] = Field(description="titles of up to three, most severe first")


class Scorecard(Answer):
    period: str
    perspectives: list[PerspectiveOut]
