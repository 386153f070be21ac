"""Jämförelser: kWh/m² Atemp of the last complete year per building, normal-year corrected
where its EnPIs allow, against its category and the reference values (configured or read
from a CSV file), through the API, the plugin and the printed review."""

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
KEY = "comparisons-test-key-012345"
SETTINGS = f"""
api: {{keys: [{{name: test, sha256: {hash_key(KEY)}, scopes: [read]}}]}}
comparisons:
  references:
    - {{category: school, kwh_per_m2: 500, source: Nyckeltal skolor}}
  reference_file: nyckeltal.csv
"""
#: a national key-figure export: the preschool's reference is low enough to be above it
CSV = "category;kwh_per_m2;source\npreschool;20,5;Kolada N00000 2024\nbarn;3;x\n"


async def test_buildings_against_their_category_and_reference(
    configured_store: tuple[str, Store], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage, store = configured_store
    (tmp_path / "nyckeltal.csv").write_text(CSV, encoding="utf-8")
    path = await deploy(store, storage, tmp_path, extra=SETTINGS)
    app = create_app(load_deployment(path), installed_plugins=False)
    with TestClient(app) as client:
        client.headers["X-API-Key"] = KEY
        answer = client.get("/api/v1/comparisons", params={"period": "2024"})
        assert answer.status_code == 200, answer.text
        result = answer.json()
        rows = {row["building"]: row for row in result["buildings"]}
        ranking = client.get("/api/v1/review", params={"period": "2024"}).json()
        ranked = {
            row["building"]: row
            for row in ranking["inputs"]["g_energy_performance"]["building_ranking"]["buildings"]
        }
        years = client.get("/api/v1/enpis/asp-fjv/years").json()["years"]
        (y2024,) = [y for y in years if y["year"] == 2024]
        assert client.get("/api/v1/comparisons", params={"period": "2099"}).status_code == 400
        # twelve months that are no calendar year: as measured, not corrected
        rolling = client.get("/api/v1/comparisons", params={"period": "2024-02-01..2025-01-31"})
        moved = {row["building"]: row for row in rolling.json()["buildings"]}

    assert "nyckeltal.csv:3" in result["problems"][0]  # 'barn' is no category
    school = rows["asp-skolan"]
    # the review's kWh, and the heat EnPI's normal-year correction added to them
    assert school["kwh"] == pytest.approx(ranked["asp-skolan"]["kwh"])
    correction = y2024["normal_year_corrected_kwh"] - y2024["actual_kwh"]
    assert school["corrected_kwh_per_m2"] == pytest.approx((school["kwh"] + correction) / 4000)
    assert school["normal_year_corrected"] is True
    assert (school["rank"], school["of"]) == (1, 1)
    assert moved["asp-skolan"]["normal_year_corrected"] is False
    assert moved["asp-skolan"]["corrected_kwh_per_m2"] == moved["asp-skolan"]["kwh_per_m2"]
    assert school["reference_kwh_per_m2"] == 500
    assert school["kwh_at_stake_to_reference"] == 0
    preschool = rows["bok-forskolan"]
    assert preschool["reference_source"] == "Kolada N00000 2024"  # from the file
    assert preschool["kwh_at_stake_to_reference"] == pytest.approx(
        (preschool["corrected_kwh_per_m2"] - 20.5) * 900
    )

    found = await plugin_findings(path, "2025-03", capsys, "comparisons")
    above = found["comparison.bok-forskolan"]
    assert above["kind"] == "deviation"
    # the twelve months up to the end of March 2025
    assert (above["metrics"]["first"], above["metrics"]["last"]) == ("2024-04-01", "2025-03-31")
    assert "above the reference 20.5 for preschool (Kolada N00000 2024)" in above["title"]
    assert "comparison.asp-skolan" not in found  # below its reference, alone in its category
    assert found["reference-file"]["kind"] == "deviation"
