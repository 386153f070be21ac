"""Local-calendar buckets: the grid of bucket starts, and reductions onto it.

Both stores share this module, so a day, a week or a month means the same instants whichever
store answers: days are local midnights (23 or 25 hours long on DST changes), weeks start on
Monday (ISO 8601), months on the 1st. InfluxQL has no calendar months, so the InfluxDB store
asks the server for days and rolls them up here.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from core.storage.points import Aggregate, Bucket, FloatArray, Int64Array

NS = 1_000_000_000
_HOUR_NS = 3600 * NS


def _local_midnight_ns(day: date, zone: ZoneInfo) -> int:
    local = datetime(day.year, day.month, day.day, tzinfo=zone)
    return int(local.timestamp()) * NS


def local_days(first: date, last: date, zone: ZoneInfo | str) -> tuple[datetime, datetime]:
    """The days ``first`` to ``last`` (both included) as instants: [local midnight of the
    first, local midnight after the last)."""
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    after = last + timedelta(days=1)
    return (
        datetime(first.year, first.month, first.day, tzinfo=zone),
        datetime(after.year, after.month, after.day, tzinfo=zone),
    )


def _floor_date(day: date, bucket: Bucket) -> date:
    if bucket is Bucket.WEEK:
        return day - timedelta(days=day.weekday())
    if bucket is Bucket.MONTH:
        return day.replace(day=1)
    return day


def _next_date(day: date, bucket: Bucket) -> date:
    if bucket is Bucket.DAY:
        return day + timedelta(days=1)
    if bucket is Bucket.WEEK:
        return day + timedelta(days=7)
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, 1)


def bucket_grid(start_ns: int, end_ns: int, bucket: Bucket, tz: str) -> Int64Array:
    """Bucket boundaries covering [start_ns, end_ns): b[0] <= start_ns < b[1], b[-1] >= end_ns.

    The result has one more element than there are buckets.
    """
    if end_ns <= start_ns:
        raise ValueError("the end of a range must be after its start")
    zone = ZoneInfo(tz)
    start_local = datetime.fromtimestamp(start_ns / NS, tz=zone)
    if bucket is Bucket.HOUR:
        # An hour boundary stays an hour boundary across DST shifts of whole hours, so stepping
        # in UTC from the first local hour start gives every local hour, including the
        # repeated one in autumn.
        floor = start_local.replace(minute=0, second=0, microsecond=0)
        first = int(floor.timestamp()) * NS
        count = -(-(end_ns - first) // _HOUR_NS)
        return first + _HOUR_NS * np.arange(count + 1, dtype=np.int64)
    day = _floor_date(start_local.date(), bucket)
    bounds = [_local_midnight_ns(day, zone)]
    while bounds[-1] < end_ns:
        day = _next_date(day, bucket)
        bounds.append(_local_midnight_ns(day, zone))
    return np.asarray(bounds, dtype=np.int64)


def reduce_sorted(
    times_ns: Int64Array, values: FloatArray, bounds: Int64Array, agg: Aggregate
) -> tuple[FloatArray, Int64Array]:
    """Aggregate time-sorted values into the buckets ``bounds`` defines.

    Returns (values, counts) per bucket; empty buckets are NaN with count 0.
    """
    buckets = len(bounds) - 1
    index = np.searchsorted(bounds, times_ns, side="right") - 1
    inside = (index >= 0) & (index < buckets)
    index, values = index[inside], values[inside]
    counts = np.bincount(index, minlength=buckets).astype(np.int64)
    result = np.full(buckets, np.nan)
    if values.size == 0:
        return result, counts
    occupied = counts > 0
    if agg in (Aggregate.SUM, Aggregate.MEAN):
        sums = np.bincount(index, weights=values, minlength=buckets)
        result[occupied] = (
            sums[occupied] / counts[occupied] if agg is Aggregate.MEAN else sums[occupied]
        )
    elif agg is Aggregate.COUNT:
        result[occupied] = counts[occupied]
    else:
        # values are sorted by time, so each bucket is one contiguous run
        starts = np.flatnonzero(np.r_[True, index[1:] != index[:-1]])
        if agg is Aggregate.MIN:
            reduced = np.minimum.reduceat(values, starts)
        elif agg is Aggregate.MAX:
            reduced = np.maximum.reduceat(values, starts)
        else:  # LAST
            ends = np.r_[starts[1:], values.size] - 1
            reduced = values[ends]
        result[index[starts]] = reduced
    return result, counts


#: the per-day partial aggregates a coarser bucket is rolled up from
PARTIALS: dict[Aggregate, tuple[Aggregate, ...]] = {
    Aggregate.MEAN: (Aggregate.SUM, Aggregate.COUNT),
    Aggregate.SUM: (Aggregate.SUM, Aggregate.COUNT),
    Aggregate.MIN: (Aggregate.MIN, Aggregate.COUNT),
    Aggregate.MAX: (Aggregate.MAX, Aggregate.COUNT),
    Aggregate.COUNT: (Aggregate.COUNT,),
    Aggregate.LAST: (Aggregate.LAST, Aggregate.COUNT),
}


def roll_up(
    day_starts_ns: Int64Array,
    partials: dict[Aggregate, FloatArray],
    bounds: Int64Array,
    agg: Aggregate,
) -> tuple[FloatArray, Int64Array]:
    """Combine per-day partial aggregates into the coarser buckets of ``bounds``."""
    count = np.nan_to_num(partials[Aggregate.COUNT]).astype(np.int64)
    filled = count > 0
    starts = day_starts_ns[filled]
    if agg is Aggregate.MEAN:
        sums, _ = reduce_sorted(starts, partials[Aggregate.SUM][filled], bounds, Aggregate.SUM)
        counts, _ = reduce_sorted(starts, count[filled].astype(float), bounds, Aggregate.SUM)
        with np.errstate(invalid="ignore", divide="ignore"):
            values = sums / counts
    elif agg is Aggregate.COUNT:
        values, _ = reduce_sorted(starts, count[filled].astype(float), bounds, Aggregate.SUM)
        counts = values
    else:
        values, _ = reduce_sorted(starts, partials[agg][filled], bounds, agg)
        counts, _ = reduce_sorted(starts, count[filled].astype(float), bounds, Aggregate.SUM)
    counts_int = np.nan_to_num(counts).astype(np.int64)
    return values, counts_int
