"""The SVG charts of the report, as pure functions of their data."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta

import pytest

from api.svg import Line, bar_chart, line_chart, nice_ticks, scatter_chart

DAYS = [date(2025, 1, 1) + timedelta(days=i) for i in range(60)]


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 95, [0, 20, 40, 60, 80, 100]),
        (0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (-4800, 0, [-5000, -4000, -3000, -2000, -1000, 0]),
        (5, 5, [5, 6, 7, 8, 9, 10]),
    ],
)
def test_ticks_are_round_and_cover_the_range(
    low: float, high: float, expected: list[float]
) -> None:
    assert nice_ticks(low, high) == pytest.approx(expected)


def test_a_missing_day_breaks_the_line_instead_of_bridging_it() -> None:
    values = [float(i) for i in range(60)]
    values[20:25] = [math.nan] * 5
    svg = line_chart("t", DAYS, [Line("actual", values, "#000")], "kWh")
    runs = re.findall(r'points="([^"]+)"', svg)
    assert [len(run.split()) for run in runs] == [20, 35]
    assert "2025-01" in svg
    assert "2025-02" in svg  # month labels on the axis


def test_charts_say_when_there_is_nothing_to_draw() -> None:
    assert "no data in this period" in line_chart(
        "t", DAYS, [Line("a", [math.nan] * 60, "#000")], "kWh"
    )
    assert "no data in this period" in scatter_chart("t", [], [], x_unit="°C", y_unit="kWh")
    assert "no data in this period" in bar_chart("t", [("a", math.nan)], "kWh/m²")


def test_bars_are_ranked_highest_first_and_text_is_escaped() -> None:
    svg = bar_chart("<ranking>", [("Skola & hall", 80.0), ("Förskola", 120.0)], "kWh/m²")
    labels = re.findall(r'text-anchor="end" font-size="12">([^<]+)<', svg)
    assert labels == ["Förskola", "Skola &amp; hall"]
    assert "<title>&lt;ranking&gt;</title>" in svg
    widths = [float(w) for w in re.findall(r'class="bar" x="\d+" y="[\d.]+" width="([\d.]+)"', svg)]
    assert widths[0] > widths[1] > 0


def test_the_signature_draws_the_model_only_over_the_observed_temperatures() -> None:
    points = [(-5.0, 500.0), (0.0, 400.0), (10.0, 200.0)]
    model = [(t / 2, 400 - 20 * t / 2) for t in range(-60, 61)]
    svg = scatter_chart("sig", points, model, x_unit="°C", y_unit="kWh")
    assert svg.count('class="point"') == 3
    (line,) = re.findall(r'class="model"[^>]*points="([^"]+)"', svg)
    assert 20 < len(line.split()) < len(model)
