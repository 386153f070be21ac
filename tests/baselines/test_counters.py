"""Counters to consumption: resets, rollovers and meter replacements never make spikes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baselines.counters import IntervalFlag, counter_intervals, distribute

H = 3_600_000_000_000  # one hour in ns


def hourly(readings: list[float]) -> tuple[np.ndarray, np.ndarray]:
    return np.arange(len(readings), dtype=np.int64) * H, np.asarray(readings, dtype=float)


def test_steady_counter_gives_its_differences() -> None:
    result = counter_intervals(*hourly([100, 101.5, 103, 103, 110]))
    np.testing.assert_allclose(result.consumption, [1.5, 1.5, 0, 7])
    assert list(result.flags) == [IntervalFlag.OK] * 4


def test_reset_to_zero_counts_what_was_used_since_the_reset() -> None:
    readings = [float(v) for v in range(1000, 1030)] + [0.4, 1.4, 2.4]
    result = counter_intervals(*hourly(readings))
    assert result.flags[29] == IntervalFlag.RESET
    assert result.consumption[29] == pytest.approx(0.4)
    assert np.all(result.consumption[~np.isnan(result.consumption)] >= 0)


def test_replacement_with_a_higher_reading_is_a_gap_not_a_spike() -> None:
    readings = [float(v) for v in range(1000, 1030)] + [50_000.0, 50_001.0, 50_002.0]
    result = counter_intervals(*hourly(readings))
    assert result.flags[29] == IntervalFlag.JUMP
    assert np.isnan(result.consumption[29])
    assert np.nanmax(result.consumption) == pytest.approx(1.0)


def test_replacement_with_a_lower_nonzero_reading_is_a_gap_not_a_negative() -> None:
    readings = [float(v) for v in range(5000, 5030)] + [300.0, 301.0]
    result = counter_intervals(*hourly(readings))
    assert result.flags[29] == IntervalFlag.REPLACED
    assert np.isnan(result.consumption[29])
    assert result.consumption[30] == pytest.approx(1.0)


def test_rollover_at_the_register_maximum_is_counted() -> None:
    readings = [99_999_997.0, 99_999_999.0, 1.0, 3.0]
    result = counter_intervals(*hourly(readings), rollover_at=100_000_000.0, max_rate_per_h=10)
    assert result.flags[1] == IntervalFlag.ROLLOVER
    np.testing.assert_allclose(result.consumption, [2, 2, 2])


def test_explicit_rate_limit_applies_without_history() -> None:
    result = counter_intervals(*hourly([10, 11, 500, 501]), max_rate_per_h=50)
    assert list(result.flags) == [IntervalFlag.OK, IntervalFlag.JUMP, IntervalFlag.OK]


def test_float_noise_backwards_is_zero_consumption_not_a_reset() -> None:
    result = counter_intervals(*hourly([12_345.678, 12_345.678 - 1e-9, 12_346.0]))
    assert list(result.flags) == [IntervalFlag.OK, IntervalFlag.OK]
    assert result.consumption[0] == 0.0


def test_unsorted_duplicates_and_nans_are_cleaned() -> None:
    times = np.array([2, 0, 1, 1, 3], dtype=np.int64) * H
    result = counter_intervals(times, np.array([12.0, 10.0, 11.0, 11.0, np.nan]))
    np.testing.assert_allclose(result.consumption, [1, 1])


def test_distribute_splits_an_interval_across_a_boundary_in_proportion_to_time() -> None:
    result = counter_intervals(np.array([0, 4 * H]), np.array([0.0, 8.0]))
    values, coverage = distribute(result, np.array([0, H, 4 * H]))
    np.testing.assert_allclose(values, [2, 6])
    np.testing.assert_allclose(coverage, [1, 1])


def test_distribute_reports_partial_coverage_and_nan_for_empty_buckets() -> None:
    result = counter_intervals(np.array([H, 2 * H]), np.array([5.0, 6.0]))
    values, coverage = distribute(result, np.array([0, 2 * H, 4 * H]))
    assert values[0] == pytest.approx(1.0)
    assert coverage[0] == pytest.approx(0.5)
    assert np.isnan(values[1])
    assert coverage[1] == 0


@settings(max_examples=100, deadline=None)
@given(
    steps=st.lists(st.floats(0, 50, allow_nan=False), min_size=2, max_size=80),
    reset_at=st.integers(1, 79),
    gaps=st.lists(st.integers(1, 6), min_size=80, max_size=80),
)
def test_consumption_is_never_negative_and_distribution_conserves_it(
    steps: list[float], reset_at: int, gaps: list[int]
) -> None:
    readings = np.cumsum(np.r_[1000.0, steps])
    if reset_at < readings.size:
        readings[reset_at:] -= readings[reset_at] - 0.0  # register restarts from zero
    times = np.cumsum(np.r_[0, gaps[: readings.size - 1]]).astype(np.int64) * H
    result = counter_intervals(times, readings)
    known = result.consumption[result.valid]
    assert np.all(known >= 0)
    bounds = np.arange(-1, int(times[-1] // H) + 3, dtype=np.int64) * H
    values, coverage = distribute(result, bounds)
    assert np.nansum(values) == pytest.approx(known.sum(), rel=1e-9, abs=1e-9)
    assert np.all((coverage >= 0) & (coverage <= 1))
