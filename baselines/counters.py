"""Interval consumption from cumulative meter registers.

A cumulative register (kWh, m³) only ever grows, except when it does not: the meter is reset,
replaced, rolls over at its last digit, or a gateway reports a glitch. Differences of raw
readings then go negative or spike, and one spike ruins a baseline. Each interval between two
readings is therefore classified, and only intervals whose consumption is known are counted;
the rest become explicit gaps that data-quality checks can report (ISO 50001 6.6).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_NS_PER_HOUR = 3_600_000_000_000
#: how many times the 95th percentile of observed (positive) rates an interval may reach
#: before it is treated as a jump rather than consumption. The 95th, not the maximum or the
#: 99th, so that the jumps being looked for do not inflate the limit in short series.
JUMP_FACTOR = 10.0
RATE_PERCENTILE = 95
#: intervals needed before a plausible rate is estimated from the data itself
MIN_INTERVALS_FOR_RATE = 24
#: a decrease this small relative to the register is float noise, not a reset
NOISE_FRACTION = 1e-9


class IntervalFlag(IntEnum):
    OK = 0
    RESET = 1  # register restarted from zero; the new reading is the consumption since
    ROLLOVER = 2  # register wrapped at its maximum
    JUMP = 3  # implausibly large increase (replacement by a meter with a higher reading, glitch)
    REPLACED = 4  # decrease to a value that is not a restart from zero: consumption unknown


@dataclass(frozen=True, slots=True)
class CounterIntervals:
    """Consumption between consecutive readings; NaN where it cannot be known."""

    start_ns: IntArray
    end_ns: IntArray
    consumption: FloatArray
    flags: npt.NDArray[np.int8]

    @property
    def valid(self) -> npt.NDArray[np.bool_]:
        return ~np.isnan(self.consumption)


def counter_intervals(
    times_ns: npt.ArrayLike,
    readings: npt.ArrayLike,
    *,
    rollover_at: float | None = None,
    max_rate_per_h: float | None = None,
) -> CounterIntervals:
    """Classify each interval between time-sorted register readings.

    ``rollover_at`` is the register's wrap value (e.g. 1e8 for an 8-digit kWh display) when
    known. ``max_rate_per_h`` bounds plausible consumption per hour (a fuse's or a heat
    exchanger's capacity); when not given it is estimated as ``JUMP_FACTOR`` times the 95th
    percentile of the observed rates, once there are enough intervals to estimate it.
    """
    t = np.asarray(times_ns, dtype=np.int64)
    r = np.asarray(readings, dtype=np.float64)
    keep = ~np.isnan(r)
    t, r = t[keep], r[keep]
    if t.size and np.any(np.diff(t) <= 0):
        order = np.argsort(t, kind="stable")
        t, r = t[order], r[order]
        unique = np.r_[True, np.diff(t) > 0]
        t, r = t[unique], r[unique]
    if t.size < 2:
        empty_i = np.empty(0, dtype=np.int64)
        return CounterIntervals(empty_i, empty_i, np.empty(0), np.empty(0, dtype=np.int8))

    hours = np.diff(t) / _NS_PER_HOUR
    previous, current = r[:-1], r[1:]
    delta = current - previous
    flags = np.zeros(delta.size, dtype=np.int8)
    consumption = delta.copy()

    noise = np.abs(previous) * NOISE_FRACTION + 1e-12
    decreased = delta < -noise
    consumption[(delta < 0) & ~decreased] = 0.0

    rate_limit = max_rate_per_h
    if rate_limit is None:
        rates = delta[~decreased & (delta > 0)] / hours[~decreased & (delta > 0)]
        if rates.size >= MIN_INTERVALS_FOR_RATE:
            rate_limit = float(np.percentile(rates, RATE_PERCENTILE)) * JUMP_FACTOR
    limit = hours * rate_limit if rate_limit is not None else np.full(delta.size, np.inf)

    flags[~decreased & (consumption > limit)] = IntervalFlag.JUMP

    if rollover_at is not None:
        wrapped = rollover_at - previous + current
        rolled = decreased & (wrapped >= 0) & (wrapped <= np.minimum(limit, 0.01 * rollover_at))
        consumption[rolled] = wrapped[rolled]
        flags[rolled] = IntervalFlag.ROLLOVER
        decreased &= ~rolled

    # A restart from zero: what the register shows now is all that was used since.
    restarted = decreased & (current >= 0) & (current <= limit)
    if rate_limit is None:
        # Without a plausible rate, accept a restart only if the register is now far below
        # where it was; a replacement meter usually starts from a non-trivial reading.
        restarted &= current <= 0.01 * np.abs(previous)
    consumption[restarted] = current[restarted]
    flags[restarted] = IntervalFlag.RESET
    flags[decreased & ~restarted] = IntervalFlag.REPLACED

    consumption[(flags == IntervalFlag.JUMP) | (flags == IntervalFlag.REPLACED)] = np.nan
    return CounterIntervals(t[:-1].copy(), t[1:].copy(), consumption, flags)


def distribute(
    intervals: CounterIntervals, bounds_ns: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Spread interval consumption over buckets, assuming a constant rate within an interval.

    Returns (consumption, coverage) per bucket, where coverage is the share of the bucket's
    duration covered by intervals of known consumption. A bucket with no coverage is NaN.
    """
    bounds = np.asarray(bounds_ns, dtype=np.int64)
    buckets = bounds.size - 1
    if intervals.start_ns.size == 0 or buckets < 1:
        return np.full(max(buckets, 0), np.nan), np.zeros(max(buckets, 0))
    origin = int(intervals.start_ns[0])
    # Knots of the cumulative curves: every interval start and end (in float seconds from the
    # first reading, exact enough and free of int64-to-float rounding of epoch nanoseconds).
    starts = (intervals.start_ns - origin) / 1e9
    ends = (intervals.end_ns - origin) / 1e9
    valid = intervals.valid
    energy = np.where(valid, intervals.consumption, 0.0)
    duration = np.where(valid, ends - starts, 0.0)
    knots = np.r_[starts[0], ends]
    cum_energy = np.r_[0.0, np.cumsum(energy)]
    cum_time = np.r_[0.0, np.cumsum(duration)]
    b = (bounds - origin) / 1e9
    energy_at = np.interp(b, knots, cum_energy)
    time_at = np.interp(b, knots, cum_time)
    values = np.diff(energy_at)
    coverage = np.diff(time_at) / np.diff(b)
    values[coverage <= 0] = np.nan
    return values, np.clip(coverage, 0.0, 1.0)
