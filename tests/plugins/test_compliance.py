"""The compliance register (#23 item 7): an expired energy declaration, the primärenergital
computed from measured data with BBR's weighting factors and the declaration's Fgeo, and a
legal requirement overdue for review."""

from __future__ import annotations

from datetime import date, timedelta
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
KEY = "compliance-test-key-0123456"
SETTINGS = f"""
api: {{keys: [{{name: test, sha256: {hash_key(KEY)}, scopes: [read]}}]}}
compliance:
  energy_declarations:
    - {{building: asp-skolan, declared_on: 2015-03-01, primary_energy_number: 10, fgeo: 1.3,
       energy_class: C}}
    - {{building: bok-forskolan, declared_on: 2016-01-10, primary_energy_number: 400, fgeo: 1.0}}
  requirements:
    - {{id: ovk, title: OVK, law: "PBL 8 kap.; BFS 2011:16", owner: förvaltare,
       last_reviewed: 2021-09-01, review_every_days: 1095}}
    - {{id: kyl, title: Köldmediekontroll, owner: drifttekniker,
       last_reviewed: {date.today() - timedelta(days=30)}, review_every_days: 365}}
"""
TWELVE_MONTHS = "2024-04-01..2025-03-31"


async def test_declarations_and_requirements_against_the_data(
    configured_store: tuple[str, Store], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage, store = configured_store
    path = await deploy(store, storage, tmp_path, extra=SETTINGS)
    app = create_app(load_deployment(path), installed_plugins=False)
    with TestClient(app) as client:
        client.headers["X-API-Key"] = KEY
        register = client.get("/api/v1/compliance", params={"period": TWELVE_MONTHS}).json()
        compared = client.get("/api/v1/comparisons", params={"period": TWELVE_MONTHS}).json()
    declarations = {d["building"]: d for d in register["energy_declarations"]}
    kwh = {b["building"]: b["kwh"] for b in compared["buildings"]}
    school, preschool = declarations["asp-skolan"], declarations["bok-forskolan"]
    assert (school["expires"], school["expired"]) == ("2025-03-01", True)
    # with Fgeo 1 the heating/rest split cancels: district heating times 0.7 over Atemp
    assert preschool["measured_primary_energy"] == pytest.approx(0.7 * kwh["bok-forskolan"] / 900)
    assert preschool["split_by_model"] is True
    # the school's heating is normal-year corrected and divided by its Fgeo of 1.3: less than
    # the same kWh undivided
    assert school["normal_year_corrected"] is True
    assert school["measured_primary_energy"] > 0
    assert school["weighted_kwh"].keys() == {"district_heating"}
    assert {r["id"]: r["overdue"] for r in register["requirements"]} == {"ovk": True, "kyl": False}

    found = await plugin_findings(path, "2025-03", capsys, "compliance")
    expired = found["declaration-expired.asp-skolan"]
    assert expired["kind"] == "nonconformity"
    assert "expired on" in expired["title"]
    above = found["primary-energy.asp-skolan"]
    assert above["kind"] == "deviation"  # above the declared 10 by more than 10 %
    assert found["primary-energy.bok-forskolan"]["kind"] == "observation"
    assert found["requirement.ovk"]["metrics"]["due"] == "2024-08-31"
    assert "requirement.kyl" not in found
