"""The Swedish calendar: public holidays, school breaks and the kind of each day.

Public holidays as the law on general holidays (1989:253) sets them, plus the eves that are
de facto days off (midsummer, Christmas and New Year's Eve). School breaks follow a typical
municipality in central Sweden: sports break in week 9, Easter break in the week after Easter,
summer from the Friday closest to 12 June to the Monday closest to 18 August, autumn break
in week 44 and the Christmas break from 21 December to 7 January. The simulated buildings
follow it, and the ``calendar`` plugin makes relevant variables of it (workdays, school days).
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import Enum
from functools import cache


def easter_sunday(year: int) -> date:
    """Easter Sunday of the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _weekday_between(first: date, last: date, weekday: int) -> date:
    """The one day of ``weekday`` (0 is Monday) from ``first`` to ``last``, a week apart."""
    return first + timedelta(days=(weekday - first.weekday()) % 7)


@cache
def public_holidays(year: int) -> dict[date, str]:
    """The year's days off: general holidays and the eves kept as such."""
    easter = easter_sunday(year)
    midsummer_eve = _weekday_between(date(year, 6, 19), date(year, 6, 25), 4)
    all_saints = _weekday_between(date(year, 10, 31), date(year, 11, 6), 5)
    return {
        date(year, 1, 1): "nyårsdagen",
        date(year, 1, 6): "trettondedag jul",
        easter - timedelta(days=2): "långfredagen",
        easter: "påskdagen",
        easter + timedelta(days=1): "annandag påsk",
        date(year, 5, 1): "första maj",
        easter + timedelta(days=39): "Kristi himmelfärdsdag",
        easter + timedelta(days=49): "pingstdagen",
        date(year, 6, 6): "Sveriges nationaldag",
        midsummer_eve: "midsommarafton",
        midsummer_eve + timedelta(days=1): "midsommardagen",
        all_saints: "alla helgons dag",
        date(year, 12, 24): "julafton",
        date(year, 12, 25): "juldagen",
        date(year, 12, 26): "annandag jul",
        date(year, 12, 31): "nyårsafton",
    }


def _iso_week(year: int, week: int) -> tuple[date, date]:
    monday = date.fromisocalendar(year, week, 1)
    return monday, monday + timedelta(days=6)


@cache
def school_breaks(year: int) -> tuple[tuple[date, date], ...]:
    """The school breaks that fall in ``year``, as (first, last) days."""
    easter = easter_sunday(year)
    summer_first = date(year, 6, 12) + timedelta(days=(4 - date(year, 6, 12).weekday() + 3) % 7 - 3)
    summer_last = date(year, 8, 18) + timedelta(days=(0 - date(year, 8, 18).weekday() + 3) % 7 - 3)
    return (
        (date(year, 1, 1), date(year, 1, 7)),
        _iso_week(year, 9),
        (easter + timedelta(days=1), easter + timedelta(days=7)),
        (summer_first, summer_last - timedelta(days=1)),
        _iso_week(year, 44),
        (date(year, 12, 21), date(year, 12, 31)),
    )


class DayKind(Enum):
    """What kind of day a building's schedule sees."""

    WORKDAY = "workday"
    SCHOOL_BREAK = "school_break"  # a workday without pupils
    SUMMER = "summer"  # a workday in the summer holiday weeks (July)
    WEEKEND = "weekend"
    HOLIDAY = "holiday"


def day_kind(day: date) -> DayKind:
    if day in public_holidays(day.year):
        return DayKind.HOLIDAY
    if day.weekday() >= 5:
        return DayKind.WEEKEND
    if day.month == 7:
        return DayKind.SUMMER
    if any(first <= day <= last for first, last in school_breaks(day.year)):
        return DayKind.SCHOOL_BREAK
    return DayKind.WORKDAY
