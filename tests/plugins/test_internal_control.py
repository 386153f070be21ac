"""Internal control: risks scored, the EnMS's own checks; the service commitments it used to
hold are the configuration's register now (``commitments:``), checked by their own plugin."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from core.config.loader import load_config
from core.storage import Store
from energy.register import Register
from enms.cli.main import main
from tests.fixture_portfolio import deploy, readings
from tests.plugins.portfolio import plugin_findings
from tests.plugins.test_indoor_climate import cold_mornings

pytestmark = pytest.mark.anyio

SETTINGS = """
plugins:
  settings:
    internal_control:
      energy_review_done: 2023-11-15
      nonconformity_max_days: 30
      baseline_max_years: {years}
      risks:
        - {{id: dh-price, description: Fjärrvärmepriset stiger, likelihood: 4, consequence: 4,
           owner: ekonomichef, treatment: Prissäkring i avtalet}}
        - {{id: sensor-loss, description: Givare tappar kontakten, likelihood: 2, consequence: 2}}
commitments:
  - {{id: classrooms, text: Klassrum 20–23 °C under skoltid, approved_by: Tekniska nämnden,
     approved_on: 2024-11-20, kind: indoor_temperature, categories: [school], low_c: 20,
     high_c: 23, start: "08:00", end: "16:00"}}
  - {{id: preschool-rooms, text: Förskolans rum 20–23 °C, approved_by: Tekniska nämnden,
     approved_on: 2024-11-20, kind: indoor_temperature, categories: [preschool], low_c: 20,
     high_c: 23}}
"""


async def evaluate(
    path: Path, period: str, capsys: pytest.CaptureFixture[str], *extra: str
) -> dict[str, Any]:
    return await plugin_findings(path, period, capsys, "internal_control", *extra)


async def test_risks_checks_and_a_broken_commitment(
    configured_store: tuple[str, Store], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage, store = configured_store
    path = await deploy(
        store, storage, tmp_path, points=cold_mornings(readings()), extra=SETTINGS.format(years=0.1)
    )
    found = await evaluate(path, "2025-02", capsys)
    price = found["risk.dh-price"]
    assert (price["severity"], price["metrics"]["score"], price["metrics"]["level"]) == (
        "high",
        16,
        "high",
    )
    assert price["review_input"].startswith("9.3 b)")
    assert found["risk.sensor-loss"]["metrics"]["level"] == "low"
    review = found["energy-review-age"]
    assert (review["kind"], review["metrics"]["age_months"]) == ("deviation", 15)
    for enpi in ("asp-fjv", "bok-fjv"):  # 2024's baselines are older than 0.1 years
        assert found[f"baseline-revision.{enpi}"]["kind"] == "deviation"
    assert not [key for key in found if key.startswith("nonconformity-overdue")]
    assert not [key for key in found if key.startswith("commitment")]
    # the commitments, in their committed hours: 08-16 on 20 weekdays, 08, 09 and 10 o'clock
    # at 19 °C -- 5 of 8 hours kept
    kept = await plugin_findings(path, "2025-02", capsys, "commitments")
    classrooms = kept["commitment.classrooms.asp-skolan"]
    assert (classrooms["kind"], classrooms["severity"]) == ("nonconformity", "medium")
    assert classrooms["metrics"]["counted"] == 20 * 8
    assert classrooms["metrics"]["share"] == pytest.approx(5 / 8)
    nothing = kept["commitment.preschool-rooms.bok-forskolan"]
    assert nothing["kind"] == "deviation"
    assert "no data" in nothing["title"]


async def test_a_kept_commitment_and_an_old_open_nonconformity(
    configured_store: tuple[str, Store], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage, store = configured_store
    path = await deploy(store, storage, tmp_path, extra=SETTINGS.format(years=3))
    await evaluate(path, "2025-03", capsys, "--store")  # opens the stuck valve's nonconformity
    register_path = load_config(path).daemon.register_path
    with sqlite3.connect(register_path) as db:  # as if it had been opened 40 days ago
        db.execute("UPDATE nonconformities SET opened_at = datetime('now', '-40 days') || '+00:00'")
    found = await evaluate(path, "2025-03", capsys)
    kept = await plugin_findings(path, "2025-03", capsys, "commitments")
    assert kept["commitment.classrooms.asp-skolan"]["kind"] == "observation"
    assert not [key for key in found if key.startswith("baseline-revision")]
    register = Register(register_path)
    (nc,) = [n for n in register.nonconformities() if n.finding == "enpi-deviation.bok-fjv"]
    register.close()
    overdue = found[f"nonconformity-overdue.{nc.id}"]
    assert overdue["metrics"]["days_open"] == 40
    assert overdue["scope"] == {"level": "enpi", "id": "bok-fjv"}
    assert overdue["review_input"].startswith("9.3 c) 1)")


async def test_commitments_left_in_the_old_place_are_pointed_to_their_new_one(
    configured_store: tuple[str, Store], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage, store = configured_store
    old = """
plugins:
  settings:
    internal_control:
      commitments: [{id: classrooms, description: Klassrum 20–23 °C, category: school}]
"""
    path = await deploy(store, storage, tmp_path, extra=old)
    capsys.readouterr()
    argv = ["evaluate", "--config", str(path), "--period", "2025-03", "--no-installed"]
    assert await asyncio.to_thread(main, [*argv, "--format", "json"]) == 3  # a plugin failed
    report = json.loads(capsys.readouterr().out)
    (failure,) = [f for f in report["findings"] if f["plugin"] == "internal_control"]
    assert "move them to the top-level commitments:" in failure["metrics"]["error"]
