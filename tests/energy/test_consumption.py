"""Hourly consumption per meter, derived from readings and written back (`enms consumption`).

Runs against the embedded store and a real InfluxDB: the stored hours must equal what the
meters used, across a counter reset, for counters and interval meters alike, and re-deriving
must overwrite rather than add.
"""

from __future__ import annotations

import asyncio
import textwrap
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from core.schema import Measurement
from core.storage import Point, SeriesSelector, Store
from enms.cli.main import main

pytestmark = pytest.mark.anyio

ZONE = ZoneInfo("Europe/Stockholm")
NS = 1_000_000_000
START = int(datetime(2025, 3, 3, tzinfo=ZONE).timestamp())
HOURS = 48


def config_text(storage: str) -> str:
    return textwrap.dedent(f"""\
        version: 1
        portfolio: {{name: Testkommun, timezone: Europe/Stockholm}}
        storage: {storage}
        mqtt: {{host: 127.0.0.1}}
        sites:
          - id: skolan
            name: Skolan
            buildings: [{{id: hus-a, name: Hus A, category: school, atemp_m2: 4000}}]
            meters:
              - {{id: el, building: hus-a, medium: electricity, unit: kWh,
                  mqtt: {{topic: x/el}}}}
              - {{id: fjv, building: hus-a, medium: district_heating, unit: kWh,
                  kind: interval, mqtt: {{topic: x/fjv}}}}
              - {{id: ute, building: hus-a, medium: outdoor_temperature, kind: instantaneous,
                  unit: °C, mqtt: {{topic: x/ute}}}}
        """)


def readings() -> tuple[list[Point], np.ndarray, np.ndarray]:
    """Quarter-hourly readings; the electricity register is reset to 0 at 20:45."""
    el_per_hour = 10.0 + np.arange(HOURS) % 7
    fjv_per_hour = 30.0 + (np.arange(HOURS) % 5) * 2
    points = []
    register = 1000.0
    base = {"site": "skolan", "building": "hus-a"}
    for q in range(HOURS * 4 + 1):
        t = (START + q * 900) * NS
        if q == 21 * 4:  # the register restarted from 0 at 20:45 and counted the last quarter
            register = el_per_hour[20] / 4
        points.append(
            Point(
                "readings",
                {**base, "meter": "el", "medium": "electricity"},
                {"energy_kwh": register},
                t,
            )
        )
        if q < HOURS * 4:
            register += el_per_hour[q // 4] / 4
            points.append(
                Point(
                    "readings",
                    {**base, "meter": "fjv", "medium": "district_heating"},
                    {"energy_delta_kwh": fjv_per_hour[q // 4] / 4},
                    t + 900 * NS - 1,  # each interval value stamped at its end, inside the hour
                )
            )
            points.append(
                Point(
                    "readings",
                    {**base, "meter": "ute", "medium": "outdoor_temperature"},
                    {"temperature_c": 2.0},
                    t,
                )
            )
    return points, el_per_hour, fjv_per_hour


async def test_hourly_consumption_is_derived_per_meter_and_rewritten_not_added(
    configured_store: tuple[str, Store], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage, store = configured_store
    path = tmp_path / "site.yaml"
    path.write_text(config_text(storage))
    points, el, fjv = readings()
    try:
        await store.write(points)
        command = ["consumption", "--config", str(path), "--period", "2025-03-03..2025-03-04"]
        for _ in range(2):  # the second run must overwrite the first
            assert await asyncio.to_thread(main, command) == 0
        assert (
            "hourly consumption points stored for 2025-03-03..2025-03-04" in capsys.readouterr().out
        )
        start, end = START * NS, (START + HOURS * 3600) * NS
        stored = {
            (series.tags["meter"], field): series
            for field in ("kwh", "coverage", "hour", "weekday", "kwh_per_m2")
            for series in await store.raw(
                SeriesSelector(Measurement.CONSUMPTION, field), start, end
            )
        }
    finally:
        await store.close()
    assert {meter for meter, _ in stored} == {"el", "fjv"}  # no consumption of a thermometer
    electricity = stored["el", "kwh"]
    assert electricity.tags["building"] == "hus-a"
    assert electricity.tags["medium"] == "electricity"
    hours = (electricity.times_ns - START * NS) // (3600 * NS)
    assert list(hours) == list(range(HOURS))  # one point per hour, not two
    # across the reset the new register's reading is the use since it restarted: nothing lost,
    # nothing negative, nothing doubled
    np.testing.assert_allclose(electricity.values, el, atol=1e-6)
    np.testing.assert_allclose(stored["el", "coverage"].values, 1.0, atol=1e-4)
    heat = stored["fjv", "kwh"]
    np.testing.assert_allclose(heat.values, fjv, atol=1e-6)
    assert ("fjv", "coverage") not in stored  # interval sums have no coverage to report
    # each hour knows its local hour of day and weekday (2025-03-03 is a Monday), and its kWh
    # per m² of the building's 4000 m² Atemp
    for meter in ("el", "fjv"):
        assert list(stored[meter, "hour"].values) == [h % 24 for h in range(HOURS)]
        assert list(stored[meter, "weekday"].values) == [1 + h // 24 for h in range(HOURS)]
    np.testing.assert_allclose(stored["el", "kwh_per_m2"].values, el / 4000, rtol=1e-9)
    np.testing.assert_allclose(stored["fjv", "kwh_per_m2"].values, fjv / 4000, rtol=1e-9)


def test_a_bad_period_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(config_text("{backend: embedded, embedded: {path: data.sqlite}}"))
    assert main(["consumption", "--config", str(path), "--period", "2025-13-01..2025-12-31"]) == 2
    assert "--period" in capsys.readouterr().err
