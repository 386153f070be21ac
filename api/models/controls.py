"""The internkontrollplan's control points and their results."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from api.models.common import Answer


class ControlResultIn(BaseModel):
    """The result of a manual control, as the person who performed it records it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"performed_on": "2025-03-14", "ok": False,
                          "note": "Två mätare saknar kalibreringsintyg"}]
        },
    )  # fmt: skip

    performed_on: date
    ok: bool = Field(description="true: nothing found; false: a deviation found")
    note: str | None = Field(None, max_length=4000)


class ControlResultOut(Answer):
    id: int
    point: str
    performed_on: str
    ok: bool
    note: str | None
    recorded_by: str
    recorded_at: str


class ControlPointOut(Answer):
    id: str
    what: str
    risk: str
    owner: str
    method: str
    every_days: int
    performed_on: str | None = Field(description="the last result's date (today for automated)")
    ok: bool | None = Field(description="null: never performed")
    note: str | None
    due: str | None
    overdue: bool
    failing: list[str] = Field(description="automated: what the data show wrong")
    results_in_year: list[ControlResultOut]


class ControlPlanOut(Answer):
    year: int
    approved_by: str | None
    approved_on: str | None
    points: list[ControlPointOut]
