"""Local-calendar buckets: DST-length days, ISO weeks, calendar months, exact reductions."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.storage.buckets import NS, PARTIALS, bucket_grid, reduce_sorted, roll_up
from core.storage.points import Aggregate, Bucket

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def ns(*args: int) -> int:
    return int(datetime(*args, tzinfo=STOCKHOLM).timestamp()) * NS


def hours(bounds: np.ndarray) -> list[float]:
    return list(np.diff(bounds) / 3600 / NS)


def test_spring_forward_day_has_23_hours_and_autumn_day_25() -> None:
    grid = bucket_grid(ns(2024, 3, 30), ns(2024, 4, 2), Bucket.DAY, "Europe/Stockholm")
    assert hours(grid) == [24, 23, 24]
    grid = bucket_grid(ns(2024, 10, 26), ns(2024, 10, 29), Bucket.DAY, "Europe/Stockholm")
    assert hours(grid) == [24, 25, 24]


def test_hour_buckets_include_the_repeated_autumn_hour_and_skip_the_missing_spring_hour() -> None:
    autumn = bucket_grid(ns(2024, 10, 27), ns(2024, 10, 28), Bucket.HOUR, "Europe/Stockholm")
    assert len(autumn) - 1 == 25
    spring = bucket_grid(ns(2024, 3, 31), ns(2024, 4, 1), Bucket.HOUR, "Europe/Stockholm")
    assert len(spring) - 1 == 23
    labels = [datetime.fromtimestamp(b / NS, STOCKHOLM).hour for b in spring[:-1]]
    assert 2 not in labels  # 02:00-03:00 does not exist on that day


def test_weeks_start_on_monday_and_months_on_the_first_local_midnight() -> None:
    weeks = bucket_grid(ns(2024, 1, 3, 12), ns(2024, 1, 20), Bucket.WEEK, "Europe/Stockholm")
    starts = [datetime.fromtimestamp(b / NS, STOCKHOLM) for b in weeks]
    assert [d.date().isoformat() for d in starts] == [
        "2024-01-01",
        "2024-01-08",
        "2024-01-15",
        "2024-01-22",
    ]
    assert all(d.weekday() == 0 and d.hour == 0 for d in starts)
    months = bucket_grid(ns(2023, 12, 15), ns(2024, 4, 1), Bucket.MONTH, "Europe/Stockholm")
    labels = [datetime.fromtimestamp(b / NS, STOCKHOLM).strftime("%Y-%m-%d %H:%M") for b in months]
    assert labels == [
        "2023-12-01 00:00",
        "2024-01-01 00:00",
        "2024-02-01 00:00",
        "2024-03-01 00:00",
        "2024-04-01 00:00",
    ]


def test_grid_refuses_an_empty_range() -> None:
    with pytest.raises(ValueError, match="after its start"):
        bucket_grid(ns(2024, 1, 2), ns(2024, 1, 1), Bucket.DAY, "Europe/Stockholm")


@settings(max_examples=60, deadline=None)
@given(
    data=st.lists(
        st.tuples(st.integers(0, 40 * 86_400), st.floats(-1e6, 1e6, allow_nan=False)),
        min_size=0,
        max_size=200,
    ),
    agg=st.sampled_from(list(Aggregate)),
)
def test_reduce_matches_a_plain_python_reduction(
    data: list[tuple[int, float]], agg: Aggregate
) -> None:
    origin = ns(2024, 3, 15)
    data.sort(key=lambda item: item[0])
    times = np.array([origin + s * NS for s, _ in data], dtype=np.int64)
    values = np.array([v for _, v in data], dtype=float)
    bounds = bucket_grid(origin, origin + 40 * 86_400 * NS, Bucket.DAY, "Europe/Stockholm")
    got, counts = reduce_sorted(times, values, bounds, agg)
    for i in range(len(bounds) - 1):
        inside = [v for t, v in zip(times, values, strict=True) if bounds[i] <= t < bounds[i + 1]]
        assert counts[i] == len(inside)
        if not inside:
            assert np.isnan(got[i])
            continue
        expected = {
            Aggregate.MEAN: sum(inside) / len(inside),
            Aggregate.SUM: sum(inside),
            Aggregate.MIN: min(inside),
            Aggregate.MAX: max(inside),
            Aggregate.COUNT: len(inside),
            Aggregate.LAST: inside[-1],
        }[agg]
        assert got[i] == pytest.approx(expected, rel=1e-9, abs=1e-6)


@pytest.mark.parametrize("agg", list(Aggregate))
def test_rolling_days_up_into_months_equals_reducing_directly(agg: Aggregate) -> None:
    rng = np.random.default_rng(7)
    start, end = ns(2024, 1, 10), ns(2024, 5, 3)
    times = np.sort(rng.integers(start, end, 5000))
    values = rng.normal(20, 5, times.size)
    months = bucket_grid(start, end, Bucket.MONTH, "Europe/Stockholm")
    days = bucket_grid(start, end, Bucket.DAY, "Europe/Stockholm")
    partials = {part: reduce_sorted(times, values, days, part)[0] for part in PARTIALS[agg]}
    rolled, rolled_counts = roll_up(days[:-1], partials, months, agg)
    direct, direct_counts = reduce_sorted(times, values, months, agg)
    np.testing.assert_allclose(rolled, direct, rtol=1e-12)
    np.testing.assert_array_equal(rolled_counts, direct_counts)
