"""Benchmark: baseline models for 10,000 meter-years of daily data, model selection included.

    .venv/bin/python -m tests.benchmarks.baseline_batch [--meters 10000]

Synthetic buildings on a Nordic climate: each a heating (3P), cooling (3P) or heating-and-
cooling (5P) building, or one with no weather dependence, with its own balance points (sharp,
or spread over ±4 °C in a third of them), slopes and noise; a third have a weekly rhythm
(weekends lower). enms fits its default candidates for every meter -- CalTRACK's forms
(intercept, 3P heating, 3P cooling, 5P), each with and without day-of-week terms, searched
over balance points and spreads; statistics, qualification, choice by adjusted R² -- and the
script reports the wall time and how often the generating form and weekly rhythm were found.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from baselines.changepoint import ModelForm, hinge
from baselines.selection import select_many

KINDS = (
    ModelForm.THREE_P_HEATING,
    ModelForm.THREE_P_COOLING,
    ModelForm.FIVE_P,
    ModelForm.INTERCEPT,
)
SHARES = (0.6, 0.05, 0.25, 0.1)


def portfolio(
    meters: int, seed: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[ModelForm], np.ndarray]:
    rng = np.random.default_rng(seed)
    days = np.arange(365)
    season = 7 + 13 * np.sin(2 * np.pi * (days - 100) / 365)
    T = season[None, :] + rng.normal(0, 3, (meters, 365))
    forms = [KINDS[i] for i in rng.choice(len(KINDS), size=meters, p=SHARES)]
    heats = np.array([f in (ModelForm.THREE_P_HEATING, ModelForm.FIVE_P) for f in forms])
    cools = np.array([f in (ModelForm.THREE_P_COOLING, ModelForm.FIVE_P) for f in forms])
    base = rng.uniform(50, 500, (meters, 1))
    heating = np.where(heats, rng.uniform(3, 20, meters), 0.0)[:, None]
    cooling = np.where(cools, rng.uniform(3, 15, meters), 0.0)[:, None]
    th = rng.integers(10, 17, (meters, 1))
    tc = rng.integers(18, 22, (meters, 1))
    spread = np.where(rng.random((meters, 1)) < 1 / 3, 4.0, 0.0)
    Y = base + heating * hinge(th - T, spread) + cooling * hinge(T - tc, spread)
    weekdays = np.tile(days % 7, (meters, 1))
    weekly = rng.random(meters) < 1 / 3
    Y -= np.where(weekly[:, None] & (weekdays >= 5), 0.2 * base, 0.0)
    Y += rng.normal(0, 1, (meters, 365)) * base * 0.08
    Y[rng.random((meters, 365)) < 0.02] = np.nan  # a few missing days, as real data have
    return T, Y, weekdays, forms, weekly


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meters", type=int, default=10_000)
    args = parser.parse_args()
    T, Y, weekdays, truth, weekly = portfolio(args.meters)
    began = time.perf_counter()
    selections = select_many(T, Y, weekdays=weekdays)
    elapsed = time.perf_counter() - began
    recovered = sum(
        1 for s, f in zip(selections, truth, strict=True) if s is not None and s.chosen.form is f
    )
    rhythm = sum(
        1
        for s, w in zip(selections, weekly, strict=True)
        if s is not None and s.chosen.weekday_terms == w
    )
    print(f"meter-years: {args.meters:,} (365 daily points each, 2 % missing)")
    per_meter = elapsed / args.meters * 1000
    print(f"fitted with model selection in {elapsed:.1f} s ({per_meter:.2f} ms per meter-year)")
    print(f"generating form recovered: {recovered / args.meters:.1%}")
    for kind in KINDS:  # a weather term on a flat building is the search's false alarm
        of_kind = [s for s, f in zip(selections, truth, strict=True) if f is kind]
        found = sum(1 for s in of_kind if s is not None and s.chosen.form is kind)
        print(f"  {kind.value:<11} {found / max(len(of_kind), 1):6.1%} of {len(of_kind):,}")
    print(f"weekly rhythm found where there is one, and only there: {rhythm / args.meters:.1%}")
    print("target: under 60 s for 10,000 meter-years")


if __name__ == "__main__":
    main()
