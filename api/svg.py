"""Charts as inline SVG, drawn on the server so a report prints and archives as it is.

Three kinds, each a pure function of its data: lines over days (actual against expected,
CUSUM with its decision interval and signals), a scatter with a model line (the energy
signature), and horizontal bars (a ranking). Missing values (NaN) break a line rather than
drawing through the gap. Each chart keeps its texts apart: the title on the first row, the
legend on the second, the unit above the value axis; numbers in the reader's locale.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from core.i18n import N_, Language, Locale, locale_for

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 64, 44
TITLE_Y, LEGEND_Y = 20, 40
#: a generous width of one character at the 11 px label size, to keep texts apart
CHAR_PX = 7.0
ENGLISH = locale_for(Language.EN)
PALETTE = ("#1f6fb2", "#e07b00", "#2e8b57", "#b22222", "#6a3d9a", "#8c564b")


@dataclass(frozen=True)
class Line:
    label: str
    values: Sequence[float]
    color: str
    dashed: bool = False


@dataclass(frozen=True)
class Level:
    """A horizontal reference line across the plot, labelled at its right end."""

    value: float
    label: str
    color: str = "#b22222"


@dataclass(frozen=True)
class Mark:
    """A vertical line at one day (an index of the days), labelled at the top of the plot."""

    index: int
    label: str
    color: str = "#b22222"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]: steps of 1, 2 or 5 times a power of ten."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks: list[float] = []
    value = first
    while value <= high + step * 1e-9 and len(ticks) < 50:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 10))
    return ticks


def _label(value: float, locale: Locale) -> str:
    if abs(value) >= 10_000:
        return f"{locale.number(value / 1000)}\u00a0k"
    if abs(value) >= 100 or value == int(value):
        return locale.number(value)
    return locale.number(value, 1)


class _Frame:
    """Maps data to pixels inside the plot area and draws axes and grid."""

    def __init__(self, x_range: tuple[float, float], y_ticks: list[float], locale: Locale) -> None:
        self.locale = locale
        self.x0, self.x1 = x_range
        if self.x1 <= self.x0:
            self.x1 = self.x0 + 1
        self.y0, self.y1 = y_ticks[0], y_ticks[-1]
        self.y_ticks = y_ticks

    def x(self, value: float) -> float:
        return LEFT + (value - self.x0) / (self.x1 - self.x0) * (WIDTH - LEFT - RIGHT)

    def y(self, value: float) -> float:
        return HEIGHT - BOTTOM - (value - self.y0) / (self.y1 - self.y0) * (HEIGHT - TOP - BOTTOM)

    def grid(self, y_unit: str) -> list[str]:
        parts = []
        for tick in self.y_ticks:
            y = self.y(tick)
            parts.append(
                f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                'stroke="#ddd" stroke-width="1"/>'
                f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
                f"{_label(tick, self.locale)}</text>"
            )
        parts.append(
            f'<text x="8" y="{TOP - 14}" font-size="11" fill="#444">{escape(y_unit)}</text>'
        )
        return parts


def _svg(title: str, body: list[str], *, kind: str, height: int = HEIGHT) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {kind}" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'font-family="sans-serif"><title>{escape(title)}</title>'
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>'
        f'<text x="8" y="{TITLE_Y}" font-size="14" font-weight="bold">{escape(title)}</text>'
        + "".join(body)
        + "</svg>"
    )


def _legend(items: Sequence[tuple[str, str]]) -> list[str]:
    """Coloured keys on the legend row, right-aligned below the title."""
    parts, x = [], float(WIDTH - RIGHT)
    for label, color in reversed(items):
        x -= 26 + CHAR_PX * len(label)
        parts.append(
            f'<rect x="{x:.1f}" y="{LEGEND_Y - 9}" width="10" height="10" fill="{color}"/>'
            f'<text x="{x + 14:.1f}" y="{LEGEND_Y}" font-size="11">{escape(label)}</text>'
        )
    return parts


def _finite(values: Sequence[float]) -> list[float]:
    return [v for v in values if math.isfinite(v)]


def line_chart(
    title: str,
    days: Sequence[date],
    lines: Sequence[Line],
    unit: str,
    *,
    levels: Sequence[Level] = (),
    marks: Sequence[Mark] = (),
    locale: Locale = ENGLISH,
) -> str:
    """Values per day, one polyline per series, broken where a value is missing; ``levels``
    as dashed horizontal lines (a decision interval), ``marks`` as vertical lines (signals)."""
    every = [v for line in lines for v in _finite(line.values)]
    if not days or not every:
        return _svg(title, [_empty(locale)], kind="line")
    reference = [level.value for level in levels if math.isfinite(level.value)]
    low = min(0.0, *every, *reference)
    frame = _Frame((0, max(len(days) - 1, 1)), nice_ticks(low, max(*every, *reference)), locale)
    body = frame.grid(unit)
    body += _date_axis(frame, days)
    for line in lines:
        for run in _runs(line.values):
            points = " ".join(f"{frame.x(i):.1f},{frame.y(line.values[i]):.1f}" for i in run)
            dash = ' stroke-dasharray="5 3"' if line.dashed else ""
            body.append(
                f'<polyline class="series" data-series="{escape(line.label)}" fill="none" '
                f'stroke="{line.color}" stroke-width="1.6"{dash} points="{points}"/>'
            )
    if low < 0:
        y = frame.y(0)
        body.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#888"/>'
        )
    body += _levels(frame, levels)
    body += _marks(frame, marks)
    body += _legend([(line.label, line.color) for line in lines])
    return _svg(title, body, kind="line")


def _levels(frame: _Frame, levels: Sequence[Level]) -> list[str]:
    parts = []
    for level in levels:
        if not math.isfinite(level.value):
            continue
        y = frame.y(level.value)
        above = level.value >= 0  # the label sits outside the band the levels enclose
        parts.append(
            f'<line class="level" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{level.color}" stroke-width="1.2" stroke-dasharray="6 4"/>'
            f'<text x="{WIDTH - RIGHT - 4}" y="{y - 4 if above else y + 13:.1f}" '
            f'text-anchor="end" font-size="11" fill="{level.color}">{escape(level.label)}</text>'
        )
    return parts


def _marks(frame: _Frame, marks: Sequence[Mark]) -> list[str]:
    """Vertical lines; a label only where it does not run into the previous one."""
    parts, free_from = [], 0.0
    for mark in sorted(marks, key=lambda m: m.index):
        x = frame.x(mark.index)
        parts.append(
            f'<line class="mark" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" '
            f'stroke="{mark.color}" stroke-width="1.2"/>'
        )
        width = CHAR_PX * len(mark.label)
        anchor_end = x + 4 + width > WIDTH - RIGHT
        start = x - 4 - width if anchor_end else x + 4
        if start >= free_from:
            parts.append(
                f'<text class="mark-label" x="{x - 4 if anchor_end else x + 4:.1f}" '
                f'y="{TOP + 12}" font-size="11" text-anchor="{"end" if anchor_end else "start"}" '
                f'fill="{mark.color}">{escape(mark.label)}</text>'
            )
            free_from = start + width + 8
    return parts


def scatter_chart(
    title: str,
    points: Sequence[tuple[float, float]],
    model: Sequence[tuple[float, float]],
    *,
    x_unit: str,
    y_unit: str,
    labels: tuple[str, str] = ("days", "baseline model"),
    locale: Locale = ENGLISH,
) -> str:
    """Points (x, y) with a model line over them: the energy signature."""
    if not points:
        return _svg(title, [_empty(locale)], kind="scatter")
    xs = [x for x, _ in points]
    x_ticks = nice_ticks(min(xs), max(xs))
    in_range = [(x, y) for x, y in model if x_ticks[0] <= x <= x_ticks[-1]]
    ys = [y for _, y in points] + [y for _, y in in_range]
    frame = _Frame((x_ticks[0], x_ticks[-1]), nice_ticks(min(0.0, *ys), max(ys)), locale)
    body = frame.grid(y_unit)
    for tick in x_ticks:
        x = frame.x(tick)
        body.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 20}" text-anchor="middle" '
            f'font-size="11">{_label(tick, locale)}</text>'
        )
    body.append(
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 6}" text-anchor="end" font-size="11" '
        f'fill="#444">{escape(x_unit)}</text>'
    )
    body += [
        f'<circle class="point" cx="{frame.x(x):.1f}" cy="{frame.y(y):.1f}" r="2.2" '
        f'fill="{PALETTE[0]}" fill-opacity="0.55"/>'
        for x, y in points
    ]
    if in_range:
        line = " ".join(f"{frame.x(x):.1f},{frame.y(y):.1f}" for x, y in in_range)
        body.append(
            f'<polyline class="model" fill="none" stroke="{PALETTE[1]}" stroke-width="2.2" '
            f'points="{line}"/>'
        )
    body += _legend([(labels[0], PALETTE[0]), (labels[1], PALETTE[1])])
    return _svg(title, body, kind="scatter")


def bar_chart(
    title: str, bars: Sequence[tuple[str, float]], unit: str, *, locale: Locale = ENGLISH
) -> str:
    """Horizontal bars, highest first: a ranking. Long names are shortened to fit."""
    shown = sorted(((label, v) for label, v in bars if math.isfinite(v)), key=lambda b: -b[1])
    if not shown:
        return _svg(title, [_empty(locale)], kind="bar")
    label_width = 200
    fits = int((label_width - 16) / CHAR_PX)
    top = max(v for _, v in shown)
    scale = (WIDTH - label_width - RIGHT - 100) / (top if top > 0 else 1)
    row = 28.0  # the chart grows with the number of bars
    body = []
    for i, (name, value) in enumerate(shown):
        label = name if len(name) <= fits else name[: fits - 1] + "…"
        y = 32 + i * row
        body.append(
            f'<text x="{label_width - 8}" y="{y + row * 0.65:.1f}" text-anchor="end" '
            f'font-size="12">{escape(label)}</text>'
            f'<rect class="bar" x="{label_width}" y="{y + 3:.1f}" '
            f'width="{max(value, 0) * scale:.1f}" height="{row - 6:.1f}" fill="{PALETTE[0]}"/>'
            f'<text x="{label_width + max(value, 0) * scale + 6:.1f}" y="{y + row * 0.65:.1f}" '
            f'font-size="11">{_label(value, locale)} {escape(unit)}</text>'
        )
    return _svg(title, body, kind="bar", height=int(32 + row * len(shown) + 12))


def _runs(values: Sequence[float]) -> list[list[int]]:
    """Index runs of consecutive finite values (two or more points, or a lone point twice)."""
    runs: list[list[int]] = []
    current: list[int] = []
    for i, value in enumerate(values):
        if math.isfinite(value):
            current.append(i)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return [run if len(run) > 1 else run * 2 for run in runs]


def _date_axis(frame: _Frame, days: Sequence[date]) -> list[str]:
    """Labels at the first day of each month (or each few months on a long axis)."""
    starts = [i for i, day in enumerate(days) if day.day == 1] or [0]
    every = max(1, math.ceil(len(starts) / 12))
    parts = []
    for i in starts[::every]:
        x = frame.x(i)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{HEIGHT - BOTTOM}" y2="{HEIGHT - BOTTOM + 4}" '
            'stroke="#888"/>'
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 20}" text-anchor="middle" font-size="11">'
            f"{days[i]:%Y-%m}</text>"
        )
    return parts


def _empty(locale: Locale) -> str:
    return (
        f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" font-size="13" '
        f'fill="#888">{escape(locale.text(NO_DATA))}</text>'
    )


NO_DATA = N_("no data in this period")
