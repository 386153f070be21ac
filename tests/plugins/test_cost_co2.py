"""The cost and CO2 plugin on two stored years: totals, prices per year, the EU line."""

from __future__ import annotations

import asyncio
import json
import textwrap
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.storage import Point, SeriesSelector, Store
from enms.cli.main import main
from tests.fixture_portfolio import config_text as portfolio_config
from tests.fixture_portfolio import readings as portfolio_readings

pytestmark = pytest.mark.anyio

ZONE = ZoneInfo("Europe/Stockholm")
NS = 1_000_000_000
STEP_H = 6
START = int(datetime(2024, 1, 1, tzinfo=ZONE).timestamp())
END = int(datetime(2026, 1, 1, tzinfo=ZONE).timestamp())
HOURS_2024, HOURS_2025 = 8784, 8760  # local calendar years: 2024 is a leap year
#: kWh per hour in 2024 and 2025
RATES = {"el": (10.0, 9.7), "fjv": (20.0, 19.9), "el-sub": (4.0, 4.0)}
MEDIUM = {"el": "electricity", "fjv": "district_heating", "el-sub": "electricity"}


def two_years() -> list[Point]:
    points = []
    for meter, (rate_2024, rate_2025) in RATES.items():
        tags = {"site": "stadshuset", "building": "hus", "meter": meter, "medium": MEDIUM[meter]}
        register = 1000.0
        for t in range(START, END + 1, STEP_H * 3600):
            points.append(Point("readings", tags, {"energy_kwh": register}, t * NS))
            register += STEP_H * (rate_2024 if t - START < HOURS_2024 * 3600 else rate_2025)
    return points


def config_text(storage: str, settings: str) -> str:
    return textwrap.dedent(f"""\
        version: 1
        portfolio: {{name: Testkommun, timezone: Europe/Stockholm}}
        storage: {storage}
        mqtt: {{host: 127.0.0.1}}
        sites:
          - id: stadshuset
            name: Stadshuset
            buildings: [{{id: hus, name: Stadshuset, category: office, atemp_m2: 6000}}]
            meters:
              - {{id: el, building: hus, medium: electricity, unit: kWh, mqtt: {{topic: x/1}}}}
              - {{id: el-sub, building: hus, medium: electricity, unit: kWh, parent: el,
                  mqtt: {{topic: x/2}}}}
              - {{id: fjv, building: hus, medium: district_heating, unit: kWh,
                  mqtt: {{topic: x/3}}}}
        plugins:
          disabled: [data_quality]
          settings:
            cost_co2: {settings}
        """)


SETTINGS = (
    "{reference_year: 2024, carriers: {"
    "electricity: {price_per_kwh: {2024: 1.45, 2025: 1.30}, co2_g_per_kwh: {2024: 45, 2025: 40}}, "
    "district_heating: {price_per_kwh: {2024: 0.95, 2025: 0.98}, "
    "co2_g_per_kwh: {2024: 60, 2025: 58}}"
    "}}"
)


@pytest.fixture
async def store_with_two_years(configured_store: tuple[str, Store]) -> str:
    storage, store = configured_store
    try:
        await store.write(two_years())
    finally:
        await store.close()
    return storage


async def evaluate(
    tmp_path: Path, storage: str, settings: str, period: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, Any]]:
    path = tmp_path / "site.yaml"
    path.write_text(config_text(storage, settings))
    argv = ["evaluate", "--config", str(path), "--period", period, "--format", "json"]
    code = await asyncio.to_thread(main, [*argv, "--no-installed"])
    report = json.loads(capsys.readouterr().out)
    return code, {f["id"]: f for f in report["findings"]}


async def test_cost_and_emissions_per_carrier_with_the_prices_of_their_year(
    store_with_two_years: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, found = await evaluate(tmp_path, store_with_two_years, SETTINGS, "2025", capsys)
    assert code == 0
    el, fjv = found["carrier.electricity"]["metrics"], found["carrier.district_heating"]["metrics"]
    assert el["kwh"] == pytest.approx(9.7 * HOURS_2025)  # the sub-meter is not counted again
    assert el["meters"] == ["el"]
    assert el["cost"] == pytest.approx(9.7 * HOURS_2025 * 1.30, abs=0.01)
    assert el["co2_t"] == pytest.approx(9.7 * HOURS_2025 * 40 / 1e6, abs=0.001)
    assert fjv["cost"] == pytest.approx(19.9 * HOURS_2025 * 0.98, abs=0.01)
    assert el["coverage_pct"] == 100.0
    total = found["co2-total"]
    assert total["perspective"] == "samhälle och miljö"
    assert total["metrics"]["co2_t"] == pytest.approx(
        (9.7 * 40 + 19.9 * 58) * HOURS_2025 / 1e6, abs=0.001
    )
    line = found["eu-line"]
    change = (29.6 * HOURS_2025) / (30.0 * HOURS_2024) - 1  # -1.6 %: less than the 1.9 % asked
    assert line["metrics"]["change_pct"] == pytest.approx(change * 100, abs=0.01)
    assert line["metrics"]["line_kwh"] == pytest.approx(30.0 * HOURS_2024 * 0.981, abs=0.1)
    assert line["kind"] == "deviation"
    assert "EU 2023/1791 art. 5" in line["references"]
    assert not [key for key in found if key.startswith("missing-factor")]


async def test_a_slower_line_is_met_and_a_period_spanning_years_uses_both_prices(
    store_with_two_years: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slower = SETTINGS.replace(
        "reference_year: 2024", "reference_year: 2024, reduction_per_year: 0.01"
    )
    code, found = await evaluate(tmp_path, store_with_two_years, slower, "2025", capsys)
    assert code == 0
    assert found["eu-line"]["kind"] == "positive"

    code, found = await evaluate(
        tmp_path, store_with_two_years, SETTINGS, "2024-12-01..2025-01-31", capsys
    )
    assert code == 0
    el = found["carrier.electricity"]["metrics"]
    assert el["kwh"] == pytest.approx(31 * 24 * (10.0 + 9.7))
    assert el["cost"] == pytest.approx(31 * 24 * (10.0 * 1.45 + 9.7 * 1.30), abs=0.01)
    assert "eu-line" not in found  # only a calendar year is compared with the line


async def test_missing_factors_are_reported_and_make_the_total_unknown(
    store_with_two_years: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = SETTINGS.replace("2025: 0.98", "2026: 0.98")
    code, found = await evaluate(tmp_path, store_with_two_years, settings, "2025", capsys)
    assert code == 0
    missing = found["missing-factor.district_heating.2025"]
    assert missing["metrics"]["missing"] == ["price"]
    assert found["carrier.district_heating"]["metrics"]["cost"] is None
    assert found["carrier.district_heating"]["metrics"]["co2_t"] == pytest.approx(
        19.9 * HOURS_2025 * 58 / 1e6, abs=0.001
    )


async def test_a_year_without_its_reference_in_the_store_is_not_compared(
    store_with_two_years: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = SETTINGS.replace("reference_year: 2024", "reference_year: 2023")
    code, found = await evaluate(tmp_path, store_with_two_years, settings, "2025", capsys)
    assert code == 0
    assert "eu-line" not in found
    assert found["eu-line.not-comparable"]["metrics"]["reference_coverage_pct"] == 0.0


async def test_energy_cost_and_emissions_avoided_against_the_building_baselines(
    configured_store: tuple[str, Store], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage, store = configured_store
    try:
        await store.write(portfolio_readings())
        path = tmp_path / "site.yaml"
        factors = "{price_per_kwh: {2025: 0.9}, co2_g_per_kwh: {2025: 50}}"
        settings = f"{{carriers: {{district_heating: {factors}}}}}"
        path.write_text(
            portfolio_config(storage, extra=f"plugins: {{settings: {{cost_co2: {settings}}}}}\n")
        )
        run = ["baseline", "run", "--config", str(path), "--until", "2025-03-31"]
        assert await asyncio.to_thread(main, run) == 0
        # what the stored EnPI days say was avoided in January, read without the plugin
        start = datetime(2025, 1, 1, tzinfo=ZoneInfo("Europe/Stockholm"))
        end = datetime(2025, 2, 1, tzinfo=ZoneInfo("Europe/Stockholm"))
        sums = {}
        for field in ("expected_kwh", "actual_kwh"):
            for series in await store.raw(SeriesSelector("enpi", field), start, end):
                key = series.tags["enpi"]
                sums[key, field] = float(series.values.sum())
    finally:
        await store.close()
    capsys.readouterr()
    argv = [
        "evaluate",
        "--config",
        str(path),
        "--period",
        "2025-01",
        "--no-installed",
        "--format",
        "json",
    ]
    assert await asyncio.to_thread(main, argv) == 0
    report = json.loads(capsys.readouterr().out)
    (found,) = [f for f in report["findings"] if f["id"] == "avoided"]
    expected = {
        enpi: sums[enpi, "expected_kwh"] - sums[enpi, "actual_kwh"]
        for enpi in ("asp-fjv", "bok-fjv")
    }
    assert found["kind"] == "positive"
    assert found["metrics"]["kwh"] == pytest.approx(sum(expected.values()), abs=0.2)
    assert found["metrics"]["cost"] == pytest.approx(0.9 * sum(expected.values()), abs=0.5)
    assert found["metrics"]["co2_t"] == pytest.approx(50 * sum(expected.values()) / 1e6, abs=1e-3)
    assert found["metrics"]["enpis"]["asp-fjv"]["kwh"] == pytest.approx(
        expected["asp-fjv"], abs=0.1
    )
