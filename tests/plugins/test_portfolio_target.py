"""A portfolio target: kWh/m² Atemp of every building against a base year (#23 item 4)."""

from __future__ import annotations

import textwrap
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from core.config.loader import load_config
from core.config.targets import EnergyTarget
from core.storage import Point, Store
from energy.register import Register
from tests.fixture_portfolio import ZONE
from tests.plugins.portfolio import plugin_findings

pytestmark = pytest.mark.anyio
NS = 1_000_000_000


def config_text(storage: str) -> str:
    return textwrap.dedent(f"""\
        version: 1
        portfolio: {{name: Testkommun, timezone: Europe/Stockholm}}
        storage: {storage}
        mqtt: {{host: 127.0.0.1}}
        sites:
          - id: s
            name: S
            buildings:
              - {{id: a, name: Hus A, category: school, atemp_m2: 1000}}
              - {{id: b, name: Hus B, category: office, atemp_m2: 3000}}
            meters:
              - {{id: a-el, building: a, medium: electricity, unit: kWh, mqtt: {{topic: x/a}}}}
              - {{id: b-fjv, building: b, medium: district_heating, unit: kWh,
                  mqtt: {{topic: x/b}}}}
        targets:
          - {{id: minus-30, name: Lokalerna -30 % till 2030, base_year: 2023,
              improvement_pct: 30, by: 2030-12-31}}
        """)


def readings() -> list[Point]:
    """Daily registers for 2023 and 2024: A uses 100 kWh a day, then 80; B 300, then 285."""
    points, a, b = [], 0.0, 0.0
    day = date(2023, 1, 1)
    while day <= date(2025, 1, 1):
        t = int(datetime(day.year, day.month, day.day, tzinfo=ZONE).timestamp()) * NS
        points.append(
            Point(
                "readings",
                {"site": "s", "building": "a", "meter": "a-el", "medium": "electricity"},
                {"energy_kwh": a},
                t,
            )
        )
        points.append(
            Point(
                "readings",
                {"site": "s", "building": "b", "meter": "b-fjv", "medium": "district_heating"},
                {"energy_kwh": b},
                t,
            )
        )
        a += 100.0 if day.year == 2023 else 80.0
        b += 300.0 if day.year == 2023 else 285.0
        day += timedelta(days=1)
    return points  # fmt: skip


async def test_the_portfolio_is_measured_against_its_base_year(
    configured_store: tuple[str, Store], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage, store = configured_store
    path = tmp_path / "site.yaml"
    path.write_text(config_text(storage), encoding="utf-8")
    try:
        await store.write(readings())
    finally:
        await store.close()
    found = await plugin_findings(path, "2025-01", capsys, "targets")
    judged = found["target.minus-30"]
    # 2023: (36 500 + 109 500) kWh on 4 000 m²; 2024 (a leap year): (29 280 + 104 310)
    assert judged["metrics"]["base_kwh_per_m2"] == pytest.approx(146000 / 4000, abs=0.01)
    assert judged["metrics"]["kwh_per_m2"] == pytest.approx(133590 / 4000, abs=0.01)
    assert judged["metrics"]["improvement_pct"] == pytest.approx(
        100 * (1 - 133590 / 146000), abs=0.01
    )
    # one year of seven towards -30 %: the path is at 4.3 %, the portfolio at 8.5 %
    assert judged["metrics"]["status"] == "on track"
    assert judged["scope"] == {"level": "portfolio", "id": None}
    assert judged["phase"] == "plan"  # no action plan yet


async def test_a_recorded_target_whose_enpi_left_the_configuration_is_reported(
    configured_store: tuple[str, Store], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage, store = configured_store
    path = tmp_path / "site.yaml"
    path.write_text(config_text(storage), encoding="utf-8")
    await store.close()
    register = Register(load_config(path).daemon.register_path)
    try:
        orphan = EnergyTarget(
            id="gammal", name="Gammalt mål", enpi="borta", improvement_pct=5, by=date(2026, 1, 1)
        )
        assert register.add_target(orphan, by="test", at="2025-01-01T00:00:00+00:00")
    finally:
        register.close()
    found = await plugin_findings(path, "2025-01", capsys, "targets")
    assert found["target-without-enpi.gammal"]["kind"] == "deviation"
