"""Indoor climate: occupied hours within the band, and a saving bought with cold classrooms."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from core.storage import Point, Store
from tests.fixture_portfolio import ZONE, deploy, readings
from tests.plugins.portfolio import plugin_findings

pytestmark = pytest.mark.anyio
NS = 1_000_000_000


def cold_mornings(points: list[Point]) -> list[Point]:
    """From 2025 the school saves by starting the heating late: 19 °C from 07 to 11."""
    changed = []
    for point in points:
        when = datetime.fromtimestamp(point.time_ns / NS, ZONE)
        cold = point.tags["meter"] == "asp-inne" and when.year == 2025 and 7 <= when.hour < 11
        changed.append(
            dataclasses.replace(point, fields={"temperature_c": 19.0}) if cold else point
        )
    return changed


async def evaluate(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    return await plugin_findings(path, "2025-02", capsys, "indoor_climate")


async def test_cold_mornings_are_a_deviation_and_the_saving_is_flagged(
    configured_store: tuple[str, Store], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage, store = configured_store
    path = await deploy(store, storage, tmp_path, points=cold_mornings(readings()))
    found = await evaluate(path, capsys)
    assert set(found) == {"indoor-band.asp-skolan", "saving-with-discomfort.asp-skolan"}
    band = found["indoor-band.asp-skolan"]
    assert (band["kind"], band["severity"]) == ("deviation", "medium")
    # school hours 07-17 on the 20 weekdays of February 2025; 4 of 10 hours at 19 °C
    assert band["metrics"]["sensor_hours"] == 20 * 10
    assert band["metrics"]["share_in_band"] == pytest.approx(0.6)
    assert band["metrics"]["share_below"] == pytest.approx(0.4)
    flagged = found["saving-with-discomfort.asp-skolan"]
    assert (flagged["kind"], flagged["severity"]) == ("deviation", "high")
    assert flagged["metrics"]["share_in_band_a_year_earlier"] == pytest.approx(1.0)
    assert flagged["metrics"]["saving_pct"] > 5
    assert flagged["scope"] == {"level": "building", "id": "asp-skolan"}


async def test_a_warm_school_is_an_observation_only(
    configured_store: tuple[str, Store], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage, store = configured_store
    path = await deploy(store, storage, tmp_path)
    found = await evaluate(path, capsys)
    assert set(found) == {"indoor-band.asp-skolan"}  # the preschool has no sensor
    band = found["indoor-band.asp-skolan"]
    assert (band["kind"], band["severity"]) == ("observation", "info")
    assert band["metrics"]["share_in_band"] == 1.0
