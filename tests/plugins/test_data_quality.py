"""The data-quality plugin on stored data: what it must find, and what it must leave alone.

Runs ``enms evaluate`` against the embedded store and a real InfluxDB holding a month of
hourly readings of eight meters, some clean and some broken in known ways.
"""

from __future__ import annotations

import asyncio
import json
import textwrap
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from core.config.loader import load_config
from core.config.models import ValueKind
from core.storage import Point, Store
from core.storage.factory import open_store
from enms.cli.main import main
from plugins.builtin.data_quality import assess

pytestmark = pytest.mark.anyio

ZONE = ZoneInfo("Europe/Stockholm")
NS = 1_000_000_000
H = 3600 * NS
START = int(datetime(2025, 3, 1, tzinfo=ZONE).timestamp()) * NS
END = int(datetime(2025, 4, 1, tzinfo=ZONE).timestamp()) * NS  # 743 h: summer time on the 30th
HOURS = (END - START) // H


def counter(rate_per_h: float, first: float = 1000.0) -> np.ndarray:
    return first + rate_per_h * np.arange(HOURS)


def month_of_readings() -> list[Point]:
    rng = np.random.default_rng(3)
    times = START + H * np.arange(HOURS)
    series: dict[tuple[str, str, str, str], np.ndarray] = {}
    series["hus-a", "el-ok", "electricity", "energy_kwh"] = (
        counter(12.0) + rng.uniform(0, 1, HOURS).cumsum()
    )
    gap = counter(8.0)
    gap[9 * 24 : 12 * 24] = np.nan  # 10-12 March missing: 72 of 743 hours
    series["hus-b", "el-gap", "electricity", "energy_kwh"] = gap
    fjv = counter(30.0, first=52_000.0)
    fjv[400:] = 30.0 * np.arange(HOURS - 400)  # replaced register restarts from zero
    series["hus-a", "fjv", "district_heating", "energy_kwh"] = fjv
    water = counter(0.4, first=310.0)
    water[200:260] = water[200]  # no flow for 60 h in a school with people in it
    water[260:] -= water[260] - water[200]
    series["hus-a", "vatten", "water", "volume_m3"] = water
    series["hus-a", "el-vent", "electricity", "energy_kwh"] = counter(6.0)  # half of el-ok's
    series["hus-a", "fjv-vs", "district_heating", "energy_kwh"] = counter(33.0)  # > fjv's 30
    series["hus-a", "ute", "outdoor_temperature", "temperature_c"] = 2 + rng.normal(0, 3, HOURS)
    points = []
    for (building, meter, medium, field), values in series.items():
        tags = {"site": "skolan", "building": building, "meter": meter, "medium": medium}
        points += [
            Point("readings", tags, {field: float(v)}, int(t))
            for t, v in zip(times, values, strict=True)
            if np.isfinite(v)
        ]
    return points


def config_text(storage: str) -> str:
    return textwrap.dedent(f"""\
        version: 1
        portfolio: {{name: Testkommun, timezone: Europe/Stockholm}}
        storage: {storage}
        mqtt: {{host: 127.0.0.1}}
        sites:
          - id: skolan
            name: Skolan
            buildings:
              - {{id: hus-a, name: Hus A, category: school, atemp_m2: 4000}}
              - {{id: hus-b, name: Hus B, category: school, atemp_m2: 1500}}
            meters:
              - {{id: el-ok, building: hus-a, medium: electricity, unit: kWh, mqtt: {{topic: x/1}}}}
              - {{id: el-gap, building: hus-b, medium: electricity, unit: kWh,
                  mqtt: {{topic: x/2}}}}
              - {{id: fjv, building: hus-a, medium: district_heating, unit: kWh,
                  mqtt: {{topic: x/3}}}}
              - {{id: vatten, building: hus-a, medium: water, unit: m3, mqtt: {{topic: x/4}}}}
              - {{id: el-vent, name: El ventilation, building: hus-a, medium: electricity,
                  unit: kWh, parent: el-ok, mqtt: {{topic: x/7}}}}
              - {{id: fjv-vs, name: Fjärrvärme VS-krets, building: hus-a,
                  medium: district_heating, unit: kWh, parent: fjv, mqtt: {{topic: x/8}}}}
              - {{id: ute, building: hus-a, medium: outdoor_temperature, kind: instantaneous,
                  unit: °C, mqtt: {{topic: x/5}}}}
              - {{id: inne, name: Klassrum 12, building: hus-a, medium: indoor_temperature,
                  kind: instantaneous, unit: °C, mqtt: {{topic: x/6}}}}
        enpis:
          - {{id: hus-a-el, name: El hus A, building: hus-a, medium: electricity,
              temperature_meter: ute, baseline: {{first: 2024-01-01, last: 2024-12-31}}}}
          - {{id: hus-b-el, name: El hus B, building: hus-b, medium: electricity,
              temperature_meter: ute, baseline: {{first: 2024-01-01, last: 2024-12-31}}}}
        """)


@pytest.fixture
async def deployment(configured_store: tuple[str, Store], tmp_path: Path) -> Path:
    storage, store = configured_store
    try:
        await store.write(month_of_readings())
    finally:
        await store.close()
    path = tmp_path / "site.yaml"
    path.write_text(config_text(storage))
    return path


def add_to_config(path: Path, line: str) -> None:
    path.write_text(path.read_text() + line + "\n")


async def evaluate(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    """``enms evaluate`` as a user runs it (in a thread: it starts its own event loop); the
    data-quality plugin's part of the report."""
    argv = ["evaluate", "--config", str(path), "--period", "2025-03", "--no-installed"]
    code = await asyncio.to_thread(main, [*argv, "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    report["plugins"] = [run for run in report["plugins"] if run["name"] == "data_quality"]
    report["findings"] = [f for f in report["findings"] if f["plugin"] == "data_quality"]
    return code, report


async def test_finds_each_broken_meter_and_leaves_the_clean_ones_alone(
    deployment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = await evaluate(deployment, capsys)
    assert code == 0
    (run,) = report["plugins"]
    assert (run["name"], run["status"], run["findings"], run["error"]) == (
        "data_quality",
        "ok",
        8,
        None,
    )
    found = {f["id"]: f for f in report["findings"]}
    assert set(found) == {
        "completeness.el-gap",
        "enpi-not-reportable.hus-b-el",
        "counter-resets.fjv",
        "stuck.vatten",
        "no-readings.inne",
        "submeter-coverage.el-ok",
        "submeters-exceed.fjv",
        "summary",
    }
    gap = found["completeness.el-gap"]
    assert gap["kind"] == "deviation"
    assert gap["severity"] == "medium"
    assert gap["metrics"]["completeness_pct"] == pytest.approx(100 * (HOURS - 73) / HOURS, abs=0.01)
    assert gap["metrics"]["longest_gap_h"] == pytest.approx(73)
    assert gap["scope"] == {"level": "meter", "id": "el-gap"}
    assert "ISO 50001:2018 6.6" in gap["references"]
    assert gap["evidence"]["query"] == "readings.energy_kwh where meter = el-gap"
    enpi = found["enpi-not-reportable.hus-b-el"]
    assert enpi["metrics"]["reportable"] is False
    assert enpi["review_input"].startswith("9.3 g)")
    assert found["counter-resets.fjv"]["metrics"] == {"resets": 1}
    assert found["stuck.vatten"]["metrics"]["longest_stuck_h"] == pytest.approx(60)
    assert found["no-readings.inne"]["title"] == "No readings from Klassrum 12"
    coverage = found["submeter-coverage.el-ok"]
    assert coverage["kind"] == "observation"
    assert coverage["metrics"]["submetered_pct"] == pytest.approx(100 * 6 / 12.5, abs=1)
    exceed = found["submeters-exceed.fjv"]
    assert exceed["kind"] == "deviation"
    # fjv's reset interval counts what its register shows after the restart: 0 kWh
    assert exceed["metrics"]["submetered_pct"] == pytest.approx(
        100 * 33 * (HOURS - 1) / (30 * (HOURS - 2)), abs=0.01
    )
    assert found["summary"]["metrics"]["meters"] == 8
    assert found["summary"]["metrics"]["meters_below"] == 2
    assert set(found["summary"]["metrics"]["submetered_pct"]) == {"el-ok", "fjv"}


async def test_store_writes_the_findings_for_grafana(
    deployment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["evaluate", "--config", str(deployment), "--period", "2025-03", "--no-installed"]
    before = time.time_ns()
    assert await asyncio.to_thread(main, [*argv, "--store", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    titles = {f["id"]: f["title"] for f in report["findings"] if f["plugin"] == "data_quality"}
    config = load_config(deployment)
    async with open_store(config.storage) as store:
        latest = await store.latest("findings", before, {"plugin": "data_quality"})
    stored = {point.tags["finding"]: point for point in latest}
    assert {key: point.fields["title"] for key, point in stored.items()} == titles
    gap = stored["completeness.el-gap"]
    # a meter's finding carries its building, so the building dashboard can show it
    assert gap.tags["meter"] == "el-gap"
    assert gap.tags["building"] == "hus-b"
    assert (gap.tags["kind"], gap.tags["severity"], gap.tags["period"]) == (
        "deviation",
        "medium",
        "2025-03",
    )
    assert gap.fields["severity_rank"] == 2


async def test_settings_from_the_configuration_change_what_is_found(
    deployment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_to_config(
        deployment,
        "plugins: {settings: {data_quality: {completeness_min: 0.8, stuck_h: 72, "
        "submeter_coverage_min: 0.4, submeter_tolerance: 0.15}}}",
    )
    code, report = await evaluate(deployment, capsys)
    assert code == 0
    found = {f["id"] for f in report["findings"]}
    assert "completeness.el-gap" not in found
    assert "gaps.el-gap" in found
    assert "stuck.vatten" not in found
    assert "enpi-not-reportable.hus-b-el" not in found
    assert "submeter-coverage.el-ok" not in found
    assert "submeters-exceed.fjv" not in found


async def test_a_wrong_setting_is_reported_with_its_name(
    deployment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_to_config(deployment, "plugins: {settings: {data_quality: {stuck_hours: 72}}}")
    code, report = await evaluate(deployment, capsys)
    assert code == 3
    (finding,) = report["findings"]
    assert finding["id"] == "plugin-failed.data_quality"
    assert "plugins.settings.data_quality.stuck_hours" in finding["metrics"]["error"]


def test_assess_counts_gaps_at_the_edges_of_the_period() -> None:
    times = START + H * np.arange(10, HOURS - 9, dtype=np.int64)
    quality = assess(
        times, np.arange(times.size, dtype=float), START, END, kind=ValueKind.COUNTER, max_gap_h=3
    )
    assert quality.gaps == 2
    assert quality.longest_gap_h == pytest.approx(10)
    assert quality.completeness == pytest.approx((HOURS - 20) / HOURS)
    assert quality.longest_stuck_h == 0
    assert quality.resets == 0
    assert quality.breaks == 0


def test_assess_of_a_meter_without_readings() -> None:
    quality = assess(
        np.empty(0, np.int64), np.empty(0), START, END, kind=ValueKind.INSTANTANEOUS, max_gap_h=3
    )
    assert quality.readings == 0
    assert quality.completeness == 0
    assert quality.gaps == 1


def test_an_unreachable_store_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(
        config_text('{backend: influxdb, influxdb: {url: "http://127.0.0.1:9", database: x}}')
    )
    assert main(["evaluate", "--config", str(path), "--period", "2025-03"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("enms evaluate: store: InfluxDB at http://127.0.0.1:9")
