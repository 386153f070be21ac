"""Opportunities from data: use outside opening hours, and the most kWh/m² in a category,
each with the kWh at stake -- checked on two schools with known hourly loads."""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.config.loader import load_config
from core.storage import EmbeddedStore, Point
from plugins.context import ReviewPeriod
from plugins.manager import load_plugins
from plugins.runner import evaluate_portfolio

pytestmark = pytest.mark.anyio
ZONE = ZoneInfo("Europe/Stockholm")
PERIOD = ReviewPeriod.parse("2025-03-03..2025-03-16")  # two whole weeks, no DST change
#: (open kW, closed kW): school A leaves its ventilation on at night, school B does not
LOADS = {"a-el": (10.0, 5.0), "b-el": (10.0, 2.0)}


def config_text() -> str:
    return textwrap.dedent("""\
        version: 1
        portfolio: {name: Testkommun, timezone: Europe/Stockholm}
        storage: {backend: embedded, embedded: {path: data.sqlite}}
        mqtt: {host: 127.0.0.1}
        sites:
          - id: s
            name: S
            buildings:
              - {id: a, name: Skola A, category: school, atemp_m2: 1000}
              - {id: b, name: Skola B, category: school, atemp_m2: 1000}
            meters:
              - {id: a-el, building: a, medium: electricity, unit: kWh, mqtt: {topic: x/a}}
              - {id: a-ftx, building: a, medium: electricity, unit: kWh, parent: a-el,
                 mqtt: {topic: x/f}}
              - {id: b-el, building: b, medium: electricity, unit: kWh, mqtt: {topic: x/b}}
        plugins:
          disabled: [data_quality, cost_co2, enpi_deviation, indoor_climate, internal_control]
          settings: {opportunities: {min_kwh: 100}}
        """)


def is_open(start: datetime) -> bool:
    """The default school hours: weekdays 07-17."""
    return start.weekday() < 5 and 7 <= start.hour < 17


def counter_points() -> list[Point]:
    first = datetime(2025, 3, 1, tzinfo=ZONE)
    points = []
    for meter, (open_kw, closed_kw) in {**LOADS, "a-ftx": (1.0, 1.0)}.items():
        total = 0.0
        for hour in range(24 * 20 + 1):
            start = (first + timedelta(hours=hour)).astimezone(ZONE)
            tags = {"meter": meter, "building": meter[0], "site": "s", "medium": "electricity"}
            points.append(Point("readings", tags, {"energy_kwh": total},
                                int(start.astimezone(UTC).timestamp()) * 10**9))  # fmt: skip
            total += open_kw if is_open(start) else closed_kw
    return points


async def test_use_outside_opening_hours_and_the_most_per_m2_with_the_kwh_at_stake(
    tmp_path: Path,
) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(config_text())
    config = load_config(path)
    store = EmbeddedStore(tmp_path / "data.sqlite")
    try:
        await store.write(counter_points())
        evaluation = await evaluate_portfolio(load_plugins(installed=False), config, store, PERIOD)
    finally:
        await store.close()
    found = {f.id: f for f in evaluation.findings if f.plugin == "opportunities"}
    hours = [
        datetime(2025, 3, 3, tzinfo=ZONE) + timedelta(hours=h) for h in range(24 * PERIOD.days)
    ]
    closed = sum(1 for h in hours if not is_open(h))
    assert closed == 14 * 24 - 10 * 10
    # school A: 5 kW closed against 10 kW open; 3.5 kW would be 35 %: 1.5 kWh an hour above
    outside = found["outside-hours.a.electricity"]
    assert outside.metrics["outside_to_open_ratio"] == pytest.approx(0.5)
    assert outside.metrics["kwh_at_stake"] == pytest.approx(1.5 * closed, abs=0.2)
    assert outside.review_input.value.startswith("9.3 d)")
    assert "outside-hours.b.electricity" not in found  # 2 kW: 20 %, below 35 %
    # the sub-meter is inside a-el: school A uses 10 * 100 + 5 * closed kWh, not more
    per_m2 = found["highest-per-m2.school"]
    a_kwh, b_kwh = 10 * 100 + 5 * closed, 10 * 100 + 2 * closed
    median = (a_kwh + b_kwh) / 2 / 1000
    assert per_m2.scope.id == "a"
    assert per_m2.metrics["kwh_per_m2"] == pytest.approx(a_kwh / 1000, abs=0.01)
    assert per_m2.metrics["kwh_at_stake"] == pytest.approx((a_kwh / 1000 - median) * 1000, abs=1)
    assert not [run for run in evaluation.runs if run.status == "failed"]
    assert date(2025, 3, 16) == PERIOD.last
