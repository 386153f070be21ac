"""Internkontrollplan: manual controls recorded through the API, automated ones answered from
the data, an overdue control a deviation, the plan in the printed review."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import hash_key
from core.deployment import load_deployment
from core.storage import Store
from tests.fixture_portfolio import deploy
from tests.plugins.portfolio import plugin_findings

pytestmark = pytest.mark.anyio
KEY = "control-plan-test-key-0123"
PLAN = f"""
api: {{keys: [{{name: kontrollant, sha256: {hash_key(KEY)}, scopes: [read, write]}}]}}
internal_control_plan:
  approved_by: Tekniska nämnden
  approved_on: 2025-01-15
  points:
    - {{id: kalibrering, what: Mätarnas kalibreringsintyg, risk: Felaktiga mätvärden,
       owner: Drifttekniker, every_days: 30}}
    - {{id: avtal, what: Elavtalets villkor, risk: Fel pris, owner: Ekonom, every_days: 365}}
    - {{id: avlasning, what: Alla mätare lästa senaste dygnet, risk: Mätdata saknas,
       owner: Energisamordnare, every_days: 1, method: meters_read}}
    - {{id: baslinjer, what: Baslinjerna aktuella, risk: Felaktig uppföljning,
       owner: Energisamordnare, every_days: 365, method: baselines_current}}
"""


async def test_controls_overdue_performed_and_automated(
    configured_store: tuple[str, Store], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage, store = configured_store
    path = await deploy(store, storage, tmp_path, extra=PLAN)
    app = create_app(load_deployment(path), installed_plugins=False)
    with TestClient(app) as client:
        client.headers["X-API-Key"] = KEY
        url = "/api/v1/controls/avtal/results"
        made = client.post(url, json={"performed_on": "2025-02-03", "ok": True})
        assert made.status_code == 201, made.text
        assert made.json()["recorded_by"] == "kontrollant"
        found = client.post(
            "/api/v1/controls/kalibrering/results",
            json={"performed_on": "2025-03-31", "ok": False, "note": "Två intyg saknas"},
        )
        assert found.status_code == 201
        automated = client.post(
            "/api/v1/controls/avlasning/results", json={"performed_on": "2025-02-03", "ok": True}
        )
        assert automated.status_code == 409
        assert client.post(url.replace("avtal", "x"), json={
            "performed_on": "2025-02-03", "ok": True}).status_code == 404  # fmt: skip
        assert client.post(url, json={"performed_on": "2099-01-01", "ok": True}).status_code == 400

        plan = client.get("/api/v1/controls", params={"year": 2025}).json()
        points = {p["id"]: p for p in plan["points"]}
        assert plan["approved_by"] == "Tekniska nämnden"
        assert points["avtal"]["due"] == "2026-02-03"
        assert [r["performed_on"] for r in points["avtal"]["results_in_year"]] == ["2025-02-03"]
        assert points["kalibrering"]["ok"] is False

    # February: the calibration, due 30 days after the plan's adoption, was not yet done
    feb = await plugin_findings(path, "2025-02", capsys, "internal_control")
    overdue = feb["control.kalibrering"]
    assert overdue["kind"] == "deviation"
    assert overdue["metrics"]["overdue"] is True
    assert overdue["metrics"]["due"] == "2025-02-14"
    assert "overdue since" in overdue["title"]
    assert feb["control.avtal"]["kind"] == "observation"
    # March: performed on the 31st, and it found a deviation
    mar = await plugin_findings(path, "2025-03", capsys, "internal_control")
    assert mar["control.kalibrering"]["kind"] == "deviation"
    assert "found a deviation on" in mar["control.kalibrering"]["title"]
    assert mar["control.kalibrering"]["metrics"]["overdue"] is False
    # automated: the fixture's readings end in March 2025, so no meter was read in the last
    # day; both EnPIs' baselines are valid and recent
    unread = mar["control.avlasning"]
    assert unread["kind"] == "deviation"
    assert "asp-el" in unread["metrics"]["failing"]
    assert mar["control.baslinjer"]["kind"] == "observation"
