"""Tabular CUSUM on daily residuals: a sustained shift is found, noise is not."""

from __future__ import annotations

import numpy as np
import pytest

from baselines.deviation import episodes, rmse, sums

RNG = np.random.default_rng(3)
SIGMA = 20.0


def test_a_step_up_is_signalled_from_about_where_it_began() -> None:
    residuals = RNG.normal(0, SIGMA, 300)
    residuals[120:] += 1.5 * SIGMA  # a valve stuck open from day 120
    (episode,) = episodes(residuals, SIGMA)
    assert 105 <= episode.first <= 125
    assert episode.signalled < 120 + 25  # within a few weeks
    assert episode.ongoing
    assert episode.last == 299
    assert episode.size == pytest.approx(residuals[episode.first :].sum())
    assert episode.size == pytest.approx(180 * 1.5 * SIGMA, rel=0.2)
    assert episodes(residuals, SIGMA, upward=False) == []


def test_a_fault_that_was_fixed_ends_and_a_saving_is_found_downward() -> None:
    residuals = RNG.normal(0, SIGMA, 365)
    residuals[50:90] += 2 * SIGMA  # fixed after 40 days
    residuals[200:] -= 1.2 * SIGMA  # a saving from day 200
    (fault,) = episodes(residuals, SIGMA)
    assert not fault.ongoing
    assert 38 <= fault.first <= 55
    assert 85 <= fault.last <= 95
    assert fault.size == pytest.approx(40 * 2 * SIGMA, rel=0.25)
    (saving,) = episodes(residuals, SIGMA, upward=False)
    assert saving.ongoing
    assert saving.size < 0  # the sum of residuals: below the baseline
    assert 190 <= saving.first <= 210


def test_noise_and_gaps_signal_nothing() -> None:
    residuals = RNG.normal(0, SIGMA, 3 * 365)
    residuals[::7] = np.nan  # unknown days neither add nor reset
    assert episodes(residuals, SIGMA) == []
    assert episodes(residuals, SIGMA, upward=False) == []
    assert episodes(residuals, 0.0) == []
    assert rmse([3.0, -4.0, np.nan]) == pytest.approx(np.sqrt(12.5))


def test_the_sums_drawn_are_the_sums_that_signal() -> None:
    """The report draws ``sums`` against h; each episode's signal day is where they pass h."""
    residuals = RNG.normal(0, SIGMA, 200)
    residuals[60:] += 1.5 * SIGMA
    residuals[[10, 11]] = np.nan
    upper = sums(residuals, SIGMA)
    (episode,) = episodes(residuals, SIGMA)
    crossed = np.flatnonzero(upper > 10.0)
    assert crossed[0] == episode.signalled
    assert upper[11] == upper[9]  # an unknown day neither adds nor resets
    assert np.all(upper >= 0)
    assert float(sums(-residuals, SIGMA, upward=False)[-1]) == pytest.approx(float(upper[-1]))
