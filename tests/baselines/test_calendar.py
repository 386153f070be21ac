"""The Swedish calendar the simulated buildings follow."""

from __future__ import annotations

from datetime import date

import pytest

from baselines.calendar import (
    DayKind,
    day_kind,
    easter_sunday,
    public_holidays,
    school_breaks,
)


@pytest.mark.parametrize(
    ("year", "easter"),
    [(2000, date(2000, 4, 23)), (2019, date(2019, 4, 21)), (2024, date(2024, 3, 31)),
     (2025, date(2025, 4, 20)), (2026, date(2026, 4, 5)), (2038, date(2038, 4, 25))],
)  # fmt: skip
def test_easter_sunday_matches_the_almanac(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


def test_the_moving_holidays_of_2025_fall_on_their_almanac_days() -> None:
    holidays = public_holidays(2025)
    assert holidays[date(2025, 4, 18)] == "långfredagen"
    assert holidays[date(2025, 5, 29)] == "Kristi himmelfärdsdag"
    assert holidays[date(2025, 6, 20)] == "midsommarafton"
    assert holidays[date(2025, 11, 1)] == "alla helgons dag"
    assert len(holidays) == 16


def test_school_breaks_cover_summer_christmas_and_the_weekly_breaks() -> None:
    breaks = school_breaks(2026)
    summer = next(b for b in breaks if b[0].month == 6)
    assert summer[0].weekday() == 4
    assert date(2026, 6, 9) <= summer[0] <= date(2026, 6, 15)
    assert summer[1].weekday() == 6
    assert summer[1].month == 8
    assert (date(2026, 10, 26), date(2026, 11, 1)) in breaks  # week 44


@pytest.mark.parametrize(
    ("day", "kind"),
    [(date(2025, 12, 25), DayKind.HOLIDAY), (date(2025, 11, 22), DayKind.WEEKEND),
     (date(2025, 7, 15), DayKind.SUMMER), (date(2025, 10, 29), DayKind.SCHOOL_BREAK),
     (date(2025, 11, 19), DayKind.WORKDAY), (date(2026, 1, 5), DayKind.SCHOOL_BREAK)],
)  # fmt: skip
def test_each_day_has_the_kind_a_schedule_sees(day: date, kind: DayKind) -> None:
    assert day_kind(day) is kind
