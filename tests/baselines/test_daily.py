"""Series aligned to local days: a row of hourly readings per day, DST days included."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest

from baselines.daily import hours_by_day


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
