"""EnPI deviations: the stuck valve is a nonconformity from about the day it stuck, the saving a
positive finding, and an EnPI that only saved has no deviation. On both stores."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from core.config.loader import load_config
from core.storage import Store
from energy.nonconformities import Status
from energy.register import Register
from tests.fixture_portfolio import FAULT, FAULT_FROM, deploy
from tests.plugins.portfolio import plugin_findings

pytestmark = pytest.mark.anyio


@pytest.fixture
async def deployment(configured_store: tuple[str, Store], tmp_path: Path) -> Path:
    storage, store = configured_store
    return await deploy(store, storage, tmp_path)


async def evaluate(
    path: Path, period: str, capsys: pytest.CaptureFixture[str], *extra: str
) -> dict[str, Any]:
    return await plugin_findings(path, period, capsys, "enpi_deviation", *extra)


async def test_the_stuck_valve_is_a_nonconformity_and_the_saving_is_positive(
    deployment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = await evaluate(deployment, "2025-03", capsys)
    assert set(found) == {
        "enpi-deviation.bok-fjv",
        "enpi-improvement.asp-fjv",
        "enpi-improvement.bok-fjv",  # January and February saved before the valve stuck
    }
    fault = found["enpi-deviation.bok-fjv"]
    assert fault["kind"] == "nonconformity"
    assert fault["severity"] == "high"
    assert fault["review_input"].startswith("9.3 c) 1)")
    metrics = fault["metrics"]
    assert abs((date.fromisoformat(metrics["first_day"]) - FAULT_FROM).days) <= 4
    assert metrics["ongoing"] is True
    assert metrics["last_day"] == "2025-03-31"
    # 40 % more than the saving's 88 % of baseline: ~23 % above what the baseline expects
    assert metrics["excess_pct"] == pytest.approx(100 * ((1 + FAULT) * 0.88 - 1), abs=5)
    assert date.fromisoformat(metrics["signalled_on"]) <= date(2025, 3, 24)
    assert fault["evidence"]["measurement"] == "enpi"
    saving = found["enpi-improvement.asp-fjv"]
    assert saving["kind"] == "positive"
    assert saving["metrics"]["avoided_kwh"] > 0
    assert saving["metrics"]["first_day"] <= "2025-01-10"


async def test_before_the_fault_there_is_no_deviation(
    deployment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = await evaluate(deployment, "2025-02", capsys)
    assert not [key for key in found if key.startswith("enpi-deviation")]
    assert {"enpi-improvement.asp-fjv", "enpi-improvement.bok-fjv"} <= set(found)
    assert await evaluate(deployment, "2024-06", capsys) == {}  # inside the baseline period


async def test_store_records_the_nonconformity_once_in_the_register(
    deployment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(2):
        await evaluate(deployment, "2025-03", capsys, "--store")
    register = Register(load_config(deployment).daemon.register_path)
    try:
        recorded_all = register.nonconformities()
    finally:
        register.close()
    # the CUSUM excess, once; high-severity deviations of other plugins are recorded too
    (recorded,) = [n for n in recorded_all if n.plugin == "enpi_deviation"]
    assert (recorded.plugin, recorded.finding) == ("enpi_deviation", "enpi-deviation.bok-fjv")
    assert recorded.status is Status.OPEN
    assert (recorded.scope_level, recorded.scope_id) == ("enpi", "bok-fjv")
