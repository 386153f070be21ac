"""Kvalitetsdeklarationer followed up over a year."""

from __future__ import annotations

from pydantic import Field

from api.models.common import Answer


class MonthKept(Answer):
    month: str
    met: int = Field(description="hours (or fault reports) that met the commitment")
    counted: int
    share: float | None
    kept: bool | None = Field(description="share at least the promised one; null: no data")


class CommittedBuilding(Answer):
    building: str
    name: str
    months: list[MonthKept]
    months_followed: int
    months_kept: int


class CommitmentFollowUp(Answer):
    id: str
    text: str = Field(description="the published wording")
    kind: str
    approved_by: str
    approved_on: str
    kept_share: float
    buildings: list[CommittedBuilding]


class CommitmentList(Answer):
    year: int
    commitments: list[CommitmentFollowUp]
