"""Synpunkter: what the buildings' users say -- complaints, fault reports, praise -- as records.

Each piece of feedback names a building (and a room or zone where the sender gave one), when it
was received, what it is about and, once answered, when. The ``feedback`` plugin checks the
indoor-climate ones against the building's sensors (was it actually cold, and since when?);
this module only keeps what was said. Categories a sensor can judge are ``CHECKABLE``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from core.i18n import N_


class Category(StrEnum):
    TOO_COLD = "too_cold"
    TOO_HOT = "too_hot"
    DRAUGHT = "draught"
    AIR_QUALITY = "air_quality"
    FAULT_REPORT = "fault_report"
    PRAISE = "praise"
    OTHER = "other"

    @property
    def text(self) -> str:
        """The category in words, marked for the catalogue (core/locale)."""
        return CATEGORY_TEXT[self]


CATEGORY_TEXT = {
    Category.TOO_COLD: N_("too cold"),
    Category.TOO_HOT: N_("too hot"),
    Category.DRAUGHT: N_("draught"),
    Category.AIR_QUALITY: N_("air quality"),
    Category.FAULT_REPORT: N_("fault report"),
    Category.PRAISE: N_("praise"),
    Category.OTHER: N_("other"),
}
#: the categories an indoor temperature sensor can confirm or not
CHECKABLE = frozenset({Category.TOO_COLD, Category.TOO_HOT})


@dataclass(frozen=True)
class Feedback:
    id: int
    building: str
    category: Category
    received_at: datetime  # aware
    text: str
    zone: str | None = None  # room or zone, as the sender named it
    channel: str | None = None  # e-mail, phone, web form, the case system ...
    case_ref: str | None = None  # the case system's id: an import never records it twice
    answered_at: datetime | None = None
    recorded_by: str = ""
    recorded_at: str = ""

    def days_to_answer(self) -> int | None:
        """Working days (Monday-Friday) from receipt to answer; None while unanswered."""
        if self.answered_at is None:
            return None
        return working_days(self.received_at.date(), self.answered_at.date())


def working_days(first: date, last: date) -> int:
    """Monday-Friday days after ``first`` up to and including ``last`` (0 the same day)."""
    if last <= first:
        return 0
    whole, rest = divmod((last - first).days, 7)
    count = whole * 5
    day = first + timedelta(days=7 * whole)
    for _ in range(rest):
        day += timedelta(days=1)
        count += day.weekday() < 5
    return count
