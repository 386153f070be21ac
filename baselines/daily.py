"""Series aligned to local days, degree days, and how complete the data are.

Consumption is summed per local day (a DST day has 23 or 25 hours); temperature is averaged
per local day. Cumulative registers are differenced first (``baselines.counters``), with
intervals that straddle midnight split in proportion to time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from baselines.counters import counter_intervals, distribute
from baselines.stats import FloatArray

NS = 1_000_000_000
#: Swedish practice (graddagar): the heating season's base temperature
HEATING_BASE_C = 17.0
#: the share of a day its interval readings must cover for the day's sum to count: a day with
#: a tenth of its hours missing is already off by more than a baseline's whole CV(RMSE) target
MIN_DAY_COVERAGE = 0.9


def day_bounds(first: date, last: date, tz: str) -> npt.NDArray[np.int64]:
    """Local midnights (epoch ns) from ``first`` to the day after ``last``."""
    zone = ZoneInfo(tz)
    days = (last - first).days + 1
    return np.array(
        [
            int(datetime.combine(first + timedelta(days=i), datetime.min.time(), zone).timestamp())
            * NS
            for i in range(days + 1)
        ],
        dtype=np.int64,
    )


@dataclass(frozen=True)
class DailySeries:
    days: tuple[date, ...]
    values: FloatArray  # NaN where the day has no data, or too little of it
    #: days with some readings but less than the required share of the day: counted missing
    partial_days: int = 0

    def __len__(self) -> int:
        return len(self.days)


def _per_bucket(
    times_ns: npt.NDArray[np.int64], values: FloatArray, bounds: npt.NDArray[np.int64], mean: bool
) -> FloatArray:
    index = np.searchsorted(bounds, times_ns, side="right") - 1
    inside = (index >= 0) & (index < bounds.size - 1) & np.isfinite(values)
    count = np.bincount(index[inside], minlength=bounds.size - 1)
    total = np.bincount(index[inside], weights=values[inside], minlength=bounds.size - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        result = total / count if mean else total
    return np.where(count > 0, result, np.nan)


def interval_coverage(
    times_ns: npt.NDArray[np.int64], values: FloatArray, bounds: npt.NDArray[np.int64]
) -> FloatArray:
    """The share of each bucket that interval readings cover.

    Each reading stands for the usual step between readings (their median spacing): 24
    hourly readings cover a day, 8 cover a third of it, one daily reading covers its day.
    """
    known = np.isfinite(values)
    t = np.sort(times_ns[known])
    steps = np.diff(t)
    steps = steps[steps > 0]
    if not steps.size:
        return np.where(_per_bucket(t, np.ones(t.size), bounds, mean=False) > 0, 1.0, 0.0)
    step = float(np.median(steps))
    count = np.nan_to_num(_per_bucket(t, np.ones(t.size), bounds, mean=False))
    return np.minimum(count * step / np.diff(bounds).astype(np.float64), 1.0)


def _aggregate(
    times_ns: npt.ArrayLike,
    values: npt.ArrayLike,
    bounds: npt.NDArray[np.int64],
    how: str,
    min_coverage: float = MIN_DAY_COVERAGE,
) -> tuple[FloatArray, int]:
    """(values per bucket of ``bounds`` -- summed, averaged, or differenced from a register --,
    buckets with readings but too little of them). A sum or a register's difference over a
    bucket covered less than ``min_coverage`` is unknown; a mean of what there is stands."""
    t = np.asarray(times_ns, dtype=np.int64)
    v = np.asarray(values, dtype=np.float64)
    if how == "counter":
        result, coverage = distribute(counter_intervals(t, v), bounds)
        full = coverage >= 0.999  # a partly known bucket is unknown
        return np.where(full, result, np.nan), int(np.sum(~full & (coverage > 0)))
    if how == "mean":
        return _per_bucket(t, v, bounds, mean=True), 0
    if how == "sum":
        sums = _per_bucket(t, v, bounds, mean=False)
        partial = np.isfinite(sums) & (interval_coverage(t, v, bounds) < min_coverage)
        return np.where(partial, np.nan, sums), int(partial.sum())
    raise ValueError(f"how must be 'sum', 'mean' or 'counter', not {how!r}")


def daily(
    times_ns: npt.ArrayLike,
    values: npt.ArrayLike,
    *,
    first: date,
    last: date,
    tz: str,
    how: str,
    min_coverage: float = MIN_DAY_COVERAGE,
) -> DailySeries:
    """Values per local day from ``first`` to ``last``.

    ``how``: "sum" for consumption per interval, "mean" for temperatures, "counter" for a
    cumulative register (differenced, resets handled, split across midnights). A day whose
    readings cover less than ``min_coverage`` of it has no sum (``partial_days`` counts them):
    8 hours of 24 summed as a day would read as a two-thirds saving.
    """
    bounds = day_bounds(first, last, tz)
    days = tuple(first + timedelta(days=i) for i in range(bounds.size - 1))
    values_per_day, partial = _aggregate(times_ns, values, bounds, how, min_coverage)
    return DailySeries(days, values_per_day, partial)


def hour_bounds(first: date, last: date, tz: str) -> npt.NDArray[np.int64]:
    """Starts of every local hour from ``first`` to the end of ``last`` (epoch ns), and the end.

    Zones whose offsets are whole hours (all of Europe) have local hours on UTC hours, so the
    repeated autumn hour and the missing spring hour come out right by stepping in UTC.
    """
    days = day_bounds(first, last, tz)
    return np.arange(days[0], days[-1] + 1, 3_600 * NS, dtype=np.int64)


def hourly(
    times_ns: npt.ArrayLike,
    values: npt.ArrayLike,
    *,
    first: date,
    last: date,
    tz: str,
    how: str,
) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """(hour starts, values) per local hour, as ``daily`` does per day."""
    bounds = hour_bounds(first, last, tz)
    return bounds[:-1], _aggregate(times_ns, values, bounds, how)[0]


def hours_by_day(
    times_ns: npt.ArrayLike,
    values: npt.ArrayLike,
    *,
    first: date,
    last: date,
    tz: str,
) -> FloatArray:
    """Hourly means of readings, a row per local day: (days, 25), NaN-padded.

    A day has 23, 24 or 25 local hours. Degrees taken hour by hour and averaged per day
    (degree-hours) follow a building's load better than degrees of the daily mean when the
    temperature swings across the balance point within the day.
    """
    starts, means = hourly(times_ns, values, first=first, last=last, tz=tz, how="mean")
    return day_rows(starts, means, first=first, last=last, tz=tz)


def day_rows(
    hour_starts_ns: npt.ArrayLike,
    values: npt.ArrayLike,
    *,
    first: date,
    last: date,
    tz: str,
) -> FloatArray:
    """Values of local hours (from ``hour_bounds``) as a row per local day, NaN-padded."""
    starts = np.asarray(hour_starts_ns, dtype=np.int64)
    bounds = day_bounds(first, last, tz)
    inside = (starts >= bounds[0]) & (starts < bounds[-1])
    starts = starts[inside]
    day = np.searchsorted(bounds, starts, side="right") - 1
    position = np.arange(starts.size) - np.searchsorted(starts, bounds[:-1])[day]
    rows = np.full((bounds.size - 1, 25), np.nan)
    rows[day, position] = np.asarray(values, dtype=np.float64)[inside]
    return rows


def hour_of_week(hours_ns: npt.ArrayLike, tz: str) -> npt.NDArray[np.int64]:
    """0 for Monday 00-01 local time ... 167 for Sunday 23-24."""
    zone = ZoneInfo(tz)
    return np.array(
        [
            (moment.weekday() * 24 + moment.hour)
            for moment in (
                datetime.fromtimestamp(int(ns) / NS, zone) for ns in np.asarray(hours_ns)
            )
        ],
        dtype=np.int64,
    )


def heating_degree_days(daily_mean_c: npt.ArrayLike, base_c: float = HEATING_BASE_C) -> FloatArray:
    return np.maximum(base_c - np.asarray(daily_mean_c, dtype=np.float64), 0.0)


def fahrenheit_to_celsius(values: npt.ArrayLike) -> FloatArray:
    return (np.asarray(values, dtype=np.float64) - 32.0) * 5.0 / 9.0
