"""The simulated outdoor temperature: reproducible, continuous and like central Sweden."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from simulation.climate import Climate, normal_year_degree_days

ORIGIN = datetime(2025, 1, 1, tzinfo=UTC)


def test_a_longer_series_begins_with_the_shorter_one() -> None:
    short = Climate(ORIGIN, seed=3).hours(500).copy()
    longer = Climate(ORIGIN, seed=3).hours(5000)
    assert np.array_equal(short, longer[:500])
    assert not np.array_equal(short, Climate(ORIGIN, seed=4).hours(500))


def test_seasons_and_weather_are_those_of_a_nordic_climate() -> None:
    year = Climate(ORIGIN, seed=1).hours(365 * 24).reshape(365, 24)
    daily = year.mean(axis=1)
    january, july = daily[:31].mean(), daily[181:212].mean()
    assert -7 < january < 1
    assert 13 < july < 21
    assert 4 < daily.mean() < 10
    assert np.abs(np.diff(year.ravel())).max() < 4  # no jumps between hours, also at midnight
    lag1 = np.corrcoef(daily[:-1] - daily.mean(), daily[1:] - daily.mean())[0, 1]
    assert lag1 > 0.8  # weather lasts for days


def test_normal_year_degree_days_are_those_of_central_sweden() -> None:
    assert normal_year_degree_days(17.0) == pytest.approx(3650, abs=100)
    assert normal_year_degree_days(15.0) < normal_year_degree_days(17.0)


def test_the_origin_must_be_a_whole_hour_with_a_zone() -> None:
    with pytest.raises(ValueError, match="whole hour"):
        Climate(datetime(2025, 1, 1, 0, 30, tzinfo=UTC))
    with pytest.raises(ValueError, match="time zone"):
        Climate(datetime(2025, 1, 1))
