"""Series aligned to local days: a row of hourly readings per day, DST days included."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest

from baselines.daily import daily, hours_by_day


def test_hours_by_day_gives_each_local_day_its_hours() -> None:
    """A row per local day: 23 hours on the spring DST day, 25 on the autumn one."""
    zone = "Europe/Stockholm"
    first, last = date(2026, 3, 28), date(2026, 10, 26)
    start = int(datetime(2026, 3, 27, 23, tzinfo=UTC).timestamp())  # local midnight, Mar 28
    times = (start + 1800 * np.arange(2 * 24 * 215)) * 1_000_000_000  # half-hourly readings
    values = np.arange(times.size, dtype=float)
    rows = hours_by_day(times, values, first=first, last=last, tz=zone)
    counts = np.isfinite(rows).sum(axis=1)
    assert rows.shape == ((last - first).days + 1, 25)
    assert counts[0] == 24
    assert counts[1] == 23  # 2026-03-29: clocks forward
    assert counts[(date(2026, 10, 25) - first).days] == 25  # clocks back
    assert rows[0, 0] == pytest.approx(0.5)  # the mean of the hour's two readings
    assert rows[1, 2] == pytest.approx(52.5)  # the day's third hour is 03:00 local


def test_a_day_counts_only_when_its_readings_cover_enough_of_it() -> None:
    """Hourly readings: 24 make a day, 8 do not (counted in ``partial_days``); a DST day's 23
    are all of it; a register's difference needs the whole day as before."""
    zone = "Europe/Stockholm"
    first, last = date(2026, 3, 27), date(2026, 3, 30)
    start = int(datetime(2026, 3, 26, 23, tzinfo=UTC).timestamp())  # local midnight, Mar 27
    times = (start + 3600 * np.arange(4 * 24 - 1)) * 1_000_000_000  # Mar 29 has 23 hours
    values = np.ones(times.size)
    keep = np.ones(times.size, dtype=bool)
    keep[24 + 8 : 48] = False  # Mar 28: only its first 8 hours
    series = daily(times[keep], values[keep], first=first, last=last, tz=zone, how="sum")
    assert series.values[0] == 24
    assert np.isnan(series.values[1])
    assert series.values[2] == 23  # the spring-forward day is whole with 23 hours
    assert series.partial_days == 1
    lenient = daily(
        times[keep], values[keep], first=first, last=last, tz=zone, how="sum", min_coverage=0.3
    )
    assert lenient.values[1] == 8
    assert lenient.partial_days == 0
    one_a_day = daily(
        times[::24], np.full(times[::24].size, 5.0), first=first, last=last, tz=zone, how="sum"
    )
    assert one_a_day.partial_days == 0  # one reading per day stands for its whole day
    assert one_a_day.values[0] == 5
