"""Kvalitetsdeklarationer followed up in the data: indoor temperature in opening hours, hot
water against legionella, ventilation running, fault reports answered in time -- kept, broken
or not followed up, by `enms evaluate` and month by month through the API."""

from __future__ import annotations

import asyncio
import textwrap
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import hash_key
from core.deployment import load_deployment
from core.storage import Point, Store
from enms.cli.main import main
from tests.fixture_portfolio import ZONE
from tests.plugins.portfolio import plugin_findings

pytestmark = pytest.mark.anyio
NS = 1_000_000_000
KEY = "commitments-test-key-01234"
FIRST = datetime(2025, 2, 1, tzinfo=ZONE)
HOURS = 28 * 24


def config_text(storage: str) -> str:
    return textwrap.dedent(f"""\
        version: 1
        portfolio: {{name: Testkommun, timezone: Europe/Stockholm}}
        storage: {storage}
        mqtt: {{host: 127.0.0.1}}
        api: {{keys: [{{name: test, sha256: {hash_key(KEY)}, scopes: [read, write]}}]}}
        sites:
          - id: skolan
            name: Skolan
            buildings:
              - {{id: hus-a, name: Hus A, category: school, atemp_m2: 4000}}
              - {{id: hus-b, name: Hus B, category: school, atemp_m2: 900}}
            meters:
              - {{id: inne, building: hus-a, medium: indoor_temperature, kind: instantaneous,
                  unit: °C, mqtt: {{topic: x/inne}}}}
              - {{id: vvc, building: hus-a, medium: hot_water_temperature, kind: instantaneous,
                  unit: °C, mqtt: {{topic: x/vvc}}}}
              - {{id: fta, building: hus-a, medium: electricity, unit: kWh,
                  mqtt: {{topic: x/fta}}}}
        commitments:
          - {{id: inomhus, text: "20–23 °C under skoldagen", approved_by: Tekniska nämnden,
              approved_on: 2024-11-20, kind: indoor_temperature, categories: [school],
              low_c: 20, high_c: 23, kept_share: 0.9}}
          - {{id: legionella, text: "Varmvattnet håller minst 50 °C", approved_by: Tekniska
              nämnden, approved_on: 2024-11-20, kind: hot_water_temperature, buildings: [hus-a],
              low_c: 50}}
          - {{id: ventilation, text: "Ventilationen går när skolan är öppen", approved_by:
              Tekniska nämnden, approved_on: 2024-11-20, kind: ventilation_running,
              buildings: [hus-a], meters: [fta], min_kw: 2}}
          - {{id: felanmalan, text: "Felanmälningar besvaras inom 5 arbetsdagar",
              approved_by: Tekniska nämnden, approved_on: 2024-11-20,
              kind: feedback_answered, buildings: [hus-a], within_days: 5}}
        """)


def readings() -> list[Point]:
    """February 2025 in Hus A: 21 °C indoors but 18 °C on the mornings of the first week
    (07-12, weekdays), hot water 55 °C but 45 °C for three days, the ventilation unit drawing
    5 kW from 06 to 18 and 0.5 kW otherwise."""
    points, register = [], 1000.0
    base = {"site": "skolan", "building": "hus-a"}
    for h in range(HOURS + 1):
        at = FIRST + timedelta(hours=h)
        t = int(at.timestamp()) * NS
        points.append(Point("readings", {**base, "meter": "fta", "medium": "electricity"},
                            {"energy_kwh": register}, t))  # fmt: skip
        if h == HOURS:
            break
        register += 5.0 if 6 <= at.hour < 18 else 0.5
        cold = at.day <= 7 and at.weekday() < 5 and 7 <= at.hour < 12
        points.append(Point("readings", {**base, "meter": "inne", "medium": "indoor_temperature"},
                            {"temperature_c": 18.0 if cold else 21.0}, t))  # fmt: skip
        warm = 45.0 if 10 <= at.day <= 12 else 55.0
        points.append(Point("readings", {**base, "meter": "vvc", "medium": "hot_water_temperature"},
                            {"temperature_c": warm}, t))  # fmt: skip
    return points


FAULTS = """\
case_ref;received_at;building;category;text;answered_at
F-1;2025-02-03 09:00;hus-a;felanmälan;Trasig lampa;2025-02-06 10:00
F-2;2025-02-04 09:00;hus-a;felanmälan;Dörren kärvar;2025-02-14 10:00
F-3;2025-02-26 09:00;hus-a;felanmälan;Kranen droppar;
"""


async def test_commitments_are_kept_broken_or_not_followed_up(
    configured_store: tuple[str, Store], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage, store = configured_store
    path = tmp_path / "site.yaml"
    path.write_text(config_text(storage), encoding="utf-8")
    try:
        await store.write(readings())
    finally:
        await store.close()
    faults = tmp_path / "faults.csv"
    faults.write_text(FAULTS, encoding="utf-8")
    assert (
        await asyncio.to_thread(main, ["feedback", "import", "--config", str(path), str(faults)])
        == 0
    )
    assert (
        await asyncio.to_thread(
            main, ["consumption", "--config", str(path), "--period", "2025-02-01..2025-02-28"]
        )
        == 0
    )

    found = await plugin_findings(path, "2025-02", capsys, "commitments")
    # school hours 07-17 on 20 weekdays: the first week's 5 mornings had 5 cold hours each
    indoor = found["commitment.inomhus.hus-a"]
    assert indoor["kind"] == "nonconformity"
    assert indoor["metrics"]["counted"] == 20 * 10
    assert indoor["metrics"]["share"] == pytest.approx(1 - 25 / 200, abs=1e-4)
    assert indoor["evidence"]["notes"] == "20–23 °C under skoldagen"
    # Hus B is a school too, without a sensor: nobody can show the promise was kept
    assert found["commitment.inomhus.hus-b"]["kind"] == "deviation"
    hot = found["commitment.legionella.hus-a"]
    assert hot["kind"] == "nonconformity"
    assert hot["metrics"]["share"] == pytest.approx(1 - 72 / HOURS, abs=1e-4)
    assert found["commitment.ventilation.hus-a"]["kind"] == "observation"
    assert found["commitment.ventilation.hus-a"]["metrics"]["share"] == 1.0
    # F-1 answered in 3 working days, F-2 in 8; F-3 is not due yet at the end of February
    answered = found["commitment.felanmalan.hus-a"]
    assert (answered["metrics"]["met"], answered["metrics"]["counted"]) == (1, 2)
    assert answered["kind"] == "nonconformity"

    app = create_app(load_deployment(path), installed_plugins=False)
    with TestClient(app) as client:
        client.headers["X-API-Key"] = KEY
        answer = client.get("/api/v1/commitments", params={"year": 2025})
        assert answer.status_code == 200, answer.text
        follow_up = {c["id"]: c for c in answer.json()["commitments"]}
        (hus_a,) = [b for b in follow_up["legionella"]["buildings"] if b["building"] == "hus-a"]
        by_month = {m["month"]: m for m in hus_a["months"]}
        assert by_month["2025-02"]["kept"] is False
        assert by_month["2025-01"]["kept"] is None  # no data in January: not followed up
        assert (hus_a["months_followed"], hus_a["months_kept"]) == (1, 0)
        assert follow_up["legionella"]["approved_by"] == "Tekniska nämnden"
        assert client.get("/api/v1/commitments", params={"year": 2099}).status_code == 400
        report = client.get("/api/v1/review/report", params={"period": "2025-02", "lang": "sv"})
        assert "Kvalitetsdeklarationer" in report.text
        assert "Varmvattnet håller minst 50 °C" in report.text
