"""Relevant variables from the Swedish calendar: workdays and school days.

Schools, preschools and offices use energy by the calendar: ventilation, lighting and hot
water follow the days people are there. An EnPI of such a building names ``school_days`` or
``workdays`` among its ``variables`` and its baseline model gets a coefficient for them, so a
reporting period with more holidays is not mistaken for a saving (ISO 50006 relevant
variables).

- ``workdays``: 1 on Monday to Friday unless a Swedish public holiday or eve, else 0;
- ``school_days``: 1 on workdays outside the school breaks and July, else 0.
"""

from __future__ import annotations

from datetime import date, timedelta

from baselines.calendar import DayKind, day_kind
from energy.variables import RelevantVariable, VariableContext
from plugins.hookspecs import hookimpl

NAME = "calendar"


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def workdays(first: date, last: date) -> dict[date, float]:
    open_kinds = (DayKind.WORKDAY, DayKind.SCHOOL_BREAK, DayKind.SUMMER)
    return {day: float(day_kind(day) in open_kinds) for day in _days(first, last)}


def school_days(first: date, last: date) -> dict[date, float]:
    return {day: float(day_kind(day) is DayKind.WORKDAY) for day in _days(first, last)}


@hookimpl
def enms_relevant_variables(context: VariableContext) -> list[RelevantVariable]:
    return [
        RelevantVariable(
            "workdays", "Monday to Friday, not a Swedish public holiday or eve", "day", workdays
        ),
        RelevantVariable(
            "school_days", "workdays outside the school breaks and July", "day", school_days
        ),
    ]
