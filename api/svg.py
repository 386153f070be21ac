"""Charts as inline SVG, drawn on the server so a report prints and archives as it is.

Three kinds, each a pure function of its data: lines over days (actual against expected,
CUSUM), a scatter with a model line (the energy signature), and horizontal bars (a ranking).
Missing values (NaN) break a line rather than drawing through the gap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 36, 44
PALETTE = ("#1f6fb2", "#e07b00", "#2e8b57", "#b22222", "#6a3d9a", "#8c564b")


@dataclass(frozen=True)
class Line:
    label: str
    values: Sequence[float]
    color: str
    dashed: bool = False


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


def _label(value: float) -> str:
    if abs(value) >= 10_000:
        return f"{value / 1000:,.0f} k".replace(",", " ")
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}".replace(",", " ")
    return f"{value:.1f}"


class _Frame:
    """Maps data to pixels inside the plot area and draws axes and grid."""

    def __init__(self, x_range: tuple[float, float], y_ticks: list[float]) -> None:
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
                f"{_label(tick)}</text>"
            )
        parts.append(
            f'<text x="12" y="{TOP - 12}" font-size="11" fill="#444">{escape(y_unit)}</text>'
        )
        return parts


def _svg(title: str, body: list[str], *, kind: str, height: int = HEIGHT) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {kind}" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'font-family="sans-serif"><title>{escape(title)}</title>'
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>'
        f'<text x="{LEFT}" y="18" font-size="14" font-weight="bold">{escape(title)}</text>'
        + "".join(body)
        + "</svg>"
    )


def _legend(items: Sequence[tuple[str, str]]) -> list[str]:
    parts, x = [], WIDTH - RIGHT
    for label, color in reversed(items):
        width = 18 + 7 * len(label)
        x -= width
        parts.append(
            f'<rect x="{x}" y="8" width="10" height="10" fill="{color}"/>'
            f'<text x="{x + 14}" y="17" font-size="11">{escape(label)}</text>'
        )
    return parts


def _finite(values: Sequence[float]) -> list[float]:
    return [v for v in values if math.isfinite(v)]


def line_chart(title: str, days: Sequence[date], lines: Sequence[Line], unit: str) -> str:
    """Values per day, one polyline per series, broken where a value is missing."""
    every = [v for line in lines for v in _finite(line.values)]
    if not days or not every:
        return _svg(title, [_empty()], kind="line")
    low = min(0.0, *every)
    frame = _Frame((0, max(len(days) - 1, 1)), nice_ticks(low, max(every)))
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
    body += _legend([(line.label, line.color) for line in lines])
    return _svg(title, body, kind="line")


def scatter_chart(
    title: str,
    points: Sequence[tuple[float, float]],
    model: Sequence[tuple[float, float]],
    *,
    x_unit: str,
    y_unit: str,
) -> str:
    """Points (x, y) with a model line over them: the energy signature."""
    if not points:
        return _svg(title, [_empty()], kind="scatter")
    xs = [x for x, _ in points]
    x_ticks = nice_ticks(min(xs), max(xs))
    in_range = [(x, y) for x, y in model if x_ticks[0] <= x <= x_ticks[-1]]
    ys = [y for _, y in points] + [y for _, y in in_range]
    frame = _Frame((x_ticks[0], x_ticks[-1]), nice_ticks(min(0.0, *ys), max(ys)))
    body = frame.grid(y_unit)
    for tick in x_ticks:
        x = frame.x(tick)
        body.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
            f'font-size="11">{_label(tick)}</text>'
        )
    body.append(
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 8}" text-anchor="end" font-size="11" '
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
    body += _legend([("days", PALETTE[0]), ("baseline model", PALETTE[1])])
    return _svg(title, body, kind="scatter")


def bar_chart(title: str, bars: Sequence[tuple[str, float]], unit: str) -> str:
    """Horizontal bars, highest first: a ranking."""
    shown = sorted(((label, v) for label, v in bars if math.isfinite(v)), key=lambda b: -b[1])
    if not shown:
        return _svg(title, [_empty()], kind="bar")
    label_width = 180
    top = max(v for _, v in shown)
    scale = (WIDTH - label_width - RIGHT - 60) / (top if top > 0 else 1)
    row = 28.0  # the chart grows with the number of bars
    body = []
    for i, (label, value) in enumerate(shown):
        y = TOP + i * row
        body.append(
            f'<text x="{label_width - 8}" y="{y + row * 0.65:.1f}" text-anchor="end" '
            f'font-size="12">{escape(label)}</text>'
            f'<rect class="bar" x="{label_width}" y="{y + 3:.1f}" '
            f'width="{max(value, 0) * scale:.1f}" height="{row - 6:.1f}" fill="{PALETTE[0]}"/>'
            f'<text x="{label_width + max(value, 0) * scale + 6:.1f}" y="{y + row * 0.65:.1f}" '
            f'font-size="11">{_label(value)} {escape(unit)}</text>'
        )
    return _svg(title, body, kind="bar", height=int(TOP + row * len(shown) + 12))


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
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" font-size="11">'
            f"{days[i]:%Y-%m}</text>"
        )
    return parts


def _empty() -> str:
    return (
        f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" font-size="13" '
        'fill="#888">no data in this period</text>'
    )
