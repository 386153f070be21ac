"""Kvalitetsdeklarationer: the service commitments the board approved, as a register.

Each commitment states what users may expect in words they read (``text``), who approved it
and when, which buildings it covers, and the measured quantity that shows whether it was
kept: the ``commitments`` plugin checks every one against the data each period, and the API
follows each up month by month over a year.
"""

from __future__ import annotations

from datetime import date, time
from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from core.config.portfolio import BuildingCategory
from core.config.types import Identifier, StrictModel
from core.i18n import N_


class CommitmentKind(StrEnum):
    #: occupied hours with every indoor sensor's hourly mean in low_c..high_c
    INDOOR_TEMPERATURE = "indoor_temperature"
    #: hours with the hot-water temperature (circulation, taps) at least low_c (legionella)
    HOT_WATER_TEMPERATURE = "hot_water_temperature"
    #: occupied hours with the ventilation meters' mean power at least min_kw
    VENTILATION_RUNNING = "ventilation_running"
    #: fault reports (synpunkter) answered within within_days working days
    FEEDBACK_ANSWERED = "feedback_answered"

    @property
    def text(self) -> str:
        return KIND_TEXT[self]


KIND_TEXT = {
    CommitmentKind.INDOOR_TEMPERATURE: N_("indoor temperature in opening hours"),
    CommitmentKind.HOT_WATER_TEMPERATURE: N_("hot-water temperature"),
    CommitmentKind.VENTILATION_RUNNING: N_("ventilation running in opening hours"),
    CommitmentKind.FEEDBACK_ANSWERED: N_("fault reports answered in time"),
}


class Commitment(StrictModel):
    """A kvalitetsdeklaration: a promise to the users, approved by a board, checked in data."""

    id: Identifier
    text: str = Field(
        min_length=1,
        max_length=1000,
        description="the published wording, e.g. 'I våra skolor är det 20–23 °C under skoldagen'",
    )
    approved_by: str = Field(min_length=1, description="the board (nämnd) that approved it")
    approved_on: date = Field(description="the date of the board's decision")
    kind: CommitmentKind = Field(description="the measured quantity that shows it was kept")
    buildings: list[Identifier] = Field(
        default_factory=list, description="building ids it covers (with categories: either)"
    )
    categories: list[BuildingCategory] = Field(
        default_factory=list,
        description="building categories it covers; neither buildings nor categories: all",
    )
    low_c: float | None = Field(
        None, ge=-50, le=100, description="lowest temperature kept, °C (indoor, hot water)"
    )
    high_c: float | None = Field(None, ge=-50, le=100, description="highest, °C (indoor)")
    meters: list[Identifier] = Field(
        default_factory=list,
        description="the meters that show it: ventilation units' electricity meters, or "
        "hot-water sensors (default: every hot_water_temperature meter of the building)",
    )
    min_kw: float | None = Field(
        None, gt=0, description="ventilation: the mean power that means running, kW"
    )
    days: list[int] | None = Field(
        None,
        description="committed hours (indoor, ventilation): weekdays, 0 = Monday (default: "
        "the building's opening hours as the indoor_climate plugin defines them)",
    )
    start: time | None = Field(None, description="committed hours: from, e.g. 08:00")
    end: time | None = Field(None, description="committed hours: until, e.g. 16:00")
    within_days: int | None = Field(
        None, ge=1, le=90, description="fault reports: working days to an answer"
    )
    kept_share: float = Field(
        0.95,
        gt=0,
        le=1,
        description="share of the hours (or reports) that must meet it for the period to "
        "count as kept",
    )

    @model_validator(mode="after")
    def _what_the_kind_needs(self) -> Self:
        needed = {
            CommitmentKind.INDOOR_TEMPERATURE: ("low_c", "high_c"),
            CommitmentKind.HOT_WATER_TEMPERATURE: ("low_c",),
            CommitmentKind.VENTILATION_RUNNING: ("meters", "min_kw"),
            CommitmentKind.FEEDBACK_ANSWERED: ("within_days",),
        }[self.kind]
        missing = [name for name in needed if not getattr(self, name)]
        if missing:
            raise ValueError(f"a {self.kind.value} commitment needs {', '.join(missing)}")
        if self.low_c is not None and self.high_c is not None and self.low_c >= self.high_c:
            raise ValueError("low_c must be below high_c")
        hours = (self.days, self.start, self.end)
        if any(part is not None for part in hours) and None in (self.start, self.end):
            raise ValueError("committed hours need start and end (days default to Monday-Friday)")
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValueError("start must be before end")
        if any(not 0 <= day <= 6 for day in self.days or []):
            raise ValueError("days are 0 (Monday) to 6 (Sunday)")
        return self
