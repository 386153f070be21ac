"""Monthly EnPI points: each local calendar month's kWh beside the same days a year earlier and
in the baseline period, for year-over-year bars (Grafana's InfluxQL has no calendar months).

A comparison is only written where it is like for like: ``last_year_kwh`` sums the same days of
the same month one year earlier and is left out unless every one of them is known, and
``baseline_year_kwh`` does the same for the month's latest occurrence in the baseline period. A
month still running is thus compared with the same first days, not with a whole month.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from core.schema import EnpiMonthField, Measurement
from core.storage.points import Point

Month = tuple[int, int]  # (year, month)


def _same_days(kwh_by_day: Mapping[int, float], days: Sequence[int], month: Month) -> float | None:
    """The kWh of ``days`` of ``month`` (those it has: no 29 February in a common year), or
    None unless every one of them is known."""
    length = calendar.monthrange(*month)[1]
    wanted = [day for day in days if day <= length]
    if not wanted or any(day not in kwh_by_day for day in wanted):
        return None
    return sum(kwh_by_day[day] for day in wanted)


def month_points(
    days: Sequence[date],
    energy: npt.NDArray[np.float64],
    known: npt.NDArray[np.bool_],
    *,
    baseline: tuple[date, date],
    tags: Mapping[str, str],
    zone: ZoneInfo,
) -> list[Point]:
    """One point per local month with known days, stamped at the month's first local midnight."""
    months: dict[Month, dict[int, float]] = {}
    for i in np.flatnonzero(known):
        day = days[int(i)]
        months.setdefault((day.year, day.month), {})[day.day] = float(energy[i])
    first, last = baseline
    in_baseline: dict[int, Month] = {}  # calendar month -> its latest month in the baseline
    for year, month in sorted(months):
        length = calendar.monthrange(year, month)[1]
        if date(year, month, 1) <= last and date(year, month, length) >= first:
            in_baseline[month] = (year, month)
    points = []
    for (year, month), kwh_by_day in sorted(months.items()):
        present = sorted(kwh_by_day)
        fields: dict[str, float | int | bool | str] = {
            EnpiMonthField.ACTUAL_KWH: sum(kwh_by_day.values()),
            EnpiMonthField.DAYS: len(present),
        }
        last_year = _same_days(months.get((year - 1, month), {}), present, (year - 1, month))
        if last_year is not None:
            fields[EnpiMonthField.LAST_YEAR_KWH] = last_year
        reference = in_baseline.get(month)
        if reference is not None:
            baseline_kwh = _same_days(months[reference], present, reference)
            if baseline_kwh is not None:
                fields[EnpiMonthField.BASELINE_YEAR_KWH] = baseline_kwh
        start_ns = int(datetime(year, month, 1, tzinfo=zone).timestamp()) * 1_000_000_000
        points.append(Point(Measurement.ENPI_MONTH, dict(tags), fields, start_ns))
    return points
