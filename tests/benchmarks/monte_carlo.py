"""Benchmark: does the 68 % band hold the true saving 68 % of the time? Monte Carlo over noise.

    .venv/bin/python -m tests.benchmarks.monte_carlo [--draws 200]

Synthetic buildings whose counterfactual is known: each draw generates a baseline year and a
reporting half-year from the same building with new noise, removes a known saving from the
reporting days, fits enms's baseline and compares the avoided energy it reports with the
truth. Reported per building: how often the truth lies inside the reported 68 % band
(target 68 ± 5 %), the median error, how often the baseline is valid, and for the
weather-independent building how often a temperature term is chosen (target <= 10 %).

Buildings (daily): heating (3P), heating and cooling (5P), weather-independent, heating with
partial days (one day in twelve sends 8 of 24 hours, summed through ``baselines.daily``), and
a cooling building in a hot spell (three reporting weeks 10 °C above anything in the
baseline, its cooling steeper in that heat: the extrapolation gate must refuse the claim).
Hourly: an office whose residuals persist through days and weeks (TOWT).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np

from baselines.analysis import Analysis, HourlyAnalysis, Period, analyse_daily, analyse_hourly
from baselines.changepoint import ModelForm
from baselines.daily import daily
from tests.baselines.test_towt import hourly_building

FIRST = date(2023, 1, 1)
BASELINE = Period(FIRST, date(2023, 12, 31))
REPORTING = Period(date(2024, 1, 1), date(2024, 6, 30))
DAYS = (REPORTING.last - FIRST).days + 1
SAVING = 0.10  # of the reporting days' counterfactual use


@dataclass
class Tally:
    inside: int = 0
    draws: int = 0
    valid: int = 0
    weather: int = 0
    errors: list[float] = field(default_factory=list)

    def add(self, analysis: Analysis | HourlyAnalysis, truth_kwh: float) -> None:
        result = analysis.result
        assert result is not None
        self.draws += 1
        error = result.avoided_kwh - truth_kwh
        self.errors.append(error / max(result.expected_kwh, 1e-9))
        self.inside += abs(error) <= result.uncertainty_kwh
        self.valid += analysis.validity.valid
        if isinstance(analysis, Analysis):
            self.weather += analysis.selection.chosen.form is not ModelForm.INTERCEPT


def temperatures(rng: np.random.Generator, hot_spell: bool = False) -> np.ndarray:
    t = 6 + 11 * np.sin(2 * np.pi * (np.arange(DAYS) - 105) / 365) + rng.normal(0, 3, DAYS)
    if hot_spell:
        spell = (np.arange(DAYS) >= 365 + 150) & (np.arange(DAYS) < 365 + 171)
        t[spell] = t[:365].max() + 10
    return t


def daily_building(
    use: Callable[[np.ndarray], np.ndarray], noise: float, *, hot_spell: bool = False,
    partial_days: bool = False,
) -> Callable[[np.random.Generator], tuple[Analysis, float]]:  # fmt: skip
    def draw(rng: np.random.Generator) -> tuple[Analysis, float]:
        t = temperatures(rng, hot_spell)
        counterfactual = use(t)
        y = counterfactual * (1 + rng.normal(0, noise, DAYS))
        reporting = np.arange(DAYS) >= 365
        y[reporting] -= SAVING * counterfactual[reporting]
        truth = float(SAVING * counterfactual[reporting].sum())
        days = [FIRST + timedelta(days=i) for i in range(DAYS)]
        if partial_days:  # hourly readings; one day in twelve sends only its first 8 hours
            start = int(datetime(2023, 1, 1, tzinfo=UTC).timestamp())
            hours = np.arange(DAYS * 24)
            keep = ~((hours // 24 % 12 == 3) & (hours % 24 >= 8))
            times = (start + 3600 * hours[keep]) * 1_000_000_000
            values = np.repeat(y / 24, 24)[keep]
            y = daily(times, values, first=FIRST, last=REPORTING.last, tz="UTC", how="sum").values
            truth = float(SAVING * counterfactual[reporting & np.isfinite(y)].sum())
        return analyse_daily(days, y, t, baseline=BASELINE, reporting=REPORTING), truth

    return draw


def hourly_office(rng: np.random.Generator) -> tuple[HourlyAnalysis, float]:
    """The office of tests/baselines/test_towt.py: residuals persisting through days and
    weeks; 3 kWh less every reporting hour."""
    days, stamps, how, t, y = hourly_building(rng, 78)
    baseline = Period(date(2018, 1, 1), date(2018, 12, 30))
    reporting = Period(date(2018, 12, 31), date(2019, 6, 30))
    in_rep = reporting.mask(days)
    y = y - 3.0 * in_rep
    analysis = analyse_hourly(stamps, how, y, t, days=days, baseline=baseline, reporting=reporting)
    return analysis, 3.0 * float(in_rep.sum())


Draw = Callable[[np.random.Generator], tuple[Analysis | HourlyAnalysis, float]]
BUILDINGS: dict[str, Draw] = {
    "heating (3P)": daily_building(lambda t: 150 + 9 * np.maximum(15 - t, 0), 0.08),
    "heating and cooling (5P)": daily_building(
        lambda t: 120 + 8 * np.maximum(12 - t, 0) + 12 * np.maximum(t - 17, 0), 0.08
    ),
    "weather-independent": daily_building(lambda t: 400 + 0 * t, 0.08),
    "heating, partial days": daily_building(
        lambda t: 150 + 9 * np.maximum(15 - t, 0), 0.08, partial_days=True
    ),
    "cooling, hot spell": daily_building(  # cooling that steepens in heat never seen
        lambda t: (
            120
            + 8 * np.maximum(12 - t, 0)
            + 12 * np.maximum(t - 17, 0)
            + 4 * np.maximum(t - 25, 0) ** 2
        ),
        0.08,
        hot_spell=True,
    ),
    "hourly office (TOWT)": hourly_office,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"{args.draws} noise draws per building; saving {SAVING:.0%} of the reporting days")
    print(f"{'building':<26}{'band holds truth':>18}{'median error':>14}{'valid':>8}"
          f"{'temperature term':>18}{'seconds':>9}")  # fmt: skip
    for name, draw in BUILDINGS.items():
        tally = Tally()
        began = time.perf_counter()
        for _ in range(args.draws):
            analysis, truth = draw(rng)
            tally.add(analysis, truth)
        weather = f"{tally.weather / tally.draws:.1%}" if isinstance(analysis, Analysis) else "-"
        print(
            f"{name:<26}{tally.inside / tally.draws:>18.1%}"
            f"{statistics.median(tally.errors):>14.2%}{tally.valid / tally.draws:>8.0%}"
            f"{weather:>18}{time.perf_counter() - began:>9.1f}"
        )
    print("targets: band holds the truth 68 ± 5 %; weather-independent temperature term <= 10 %")


if __name__ == "__main__":
    main()
