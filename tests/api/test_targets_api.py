"""Objectives, targets and action plans through the API, each with its PDCA phase derived
from the records and the data (ISO 50001:2018 6.2; #23 item 4)."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import READ_KEY, WRITE_KEY, Served, read

WRITE = {"X-API-Key": WRITE_KEY}
TARGET: dict[str, Any] = {
    "id": "bok-2026",
    "name": "Fjärrvärme Bokens förskola -15 % till 2026",
    "objective": "Kommunens lokaler ska använda 30 % mindre energi 2030",
    "enpi": "bok-fjv",
    "improvement_pct": 15,
    "by": "2026-12-31",
    "action_plans": [
        {"id": "styr", "name": "Ny styrning av värmen", "responsible": "driftchef",
         "due": "2025-06-30", "status": "planned", "cost": 85000,
         "expected_savings_kwh_per_year": 6000},
    ],
}  # fmt: skip


def by_id(served: Served) -> dict[str, dict[str, Any]]:
    answer = read(served.client, "/api/v1/targets", period="2025-03")
    assert answer.status_code == 200, answer.text
    return {t["id"]: t for t in answer.json()["targets"]}


def test_targets_recorded_through_the_api_are_evaluated_with_their_pdca_phase(
    served: Served,
) -> None:
    client = served.client
    assert (
        client.post("/api/v1/targets", json=TARGET, headers={"X-API-Key": READ_KEY}).status_code
        == 403
    )
    made = client.post("/api/v1/targets", json=TARGET, headers=WRITE)
    assert made.status_code == 201, made.text
    assert client.post("/api/v1/targets", json=TARGET, headers=WRITE).status_code == 409
    clash = client.post("/api/v1/targets", json={**TARGET, "id": "asp-2027"}, headers=WRITE)
    assert clash.status_code == 409  # adopted in the configuration
    unknown = client.post("/api/v1/targets", json={**TARGET, "id": "x", "enpi": "nope"},
                          headers=WRITE)  # fmt: skip
    assert unknown.status_code == 404

    targets = by_id(served)
    # the configured ones: 'vent' done at the end of 2024 is being checked, 'led' is under
    # way, so the school's target is in 'do'; the preschool's 'rebalance' is only planned,
    # but its date (mid-2025) is not yet past at the end of March: 'plan'
    school = targets["asp-2027"]
    assert school["source"] == "configuration"
    assert school["pdca"] == "do"
    plans = {p["id"]: p for p in school["action_plans"]}
    assert (plans["vent"]["pdca"], plans["led"]["pdca"]) == ("check", "do")
    assert plans["vent"]["assessment"]["phase"] == "check"
    assert targets["bok-2025"]["pdca"] == "plan"
    mine = targets["bok-2026"]
    assert (mine["source"], mine["pdca"]) == ("register", "plan")
    assert mine["action_plans"][0]["cost"] == 85000
    assert mine["assessment"]["metrics"]["target_pct"] == 15

    # the action starts, then is done: the target moves to 'do', then to 'check'
    plan = dict(TARGET["action_plans"][0])
    url = "/api/v1/targets/bok-2026/action-plans/styr"
    assert client.put(url, json={**plan, "status": "in_progress"}, headers=WRITE).status_code == 200
    assert by_id(served)["bok-2026"]["pdca"] == "do"
    done = {**plan, "status": "done", "completed": "2025-01-20"}
    assert client.put(url, json=done, headers=WRITE).status_code == 200
    after = by_id(served)["bok-2026"]
    assert after["pdca"] == "check"
    assert after["action_plans"][0]["pdca"] == "check"  # not a year of data since
    assert after["action_plans"][0]["assessment"]["metrics"]["verified_over_days"] >= 30

    assert client.put(url.replace("styr", "x"), json=done, headers=WRITE).status_code == 400
    configured = "/api/v1/targets/asp-2027/action-plans/led"
    led = {**plans["led"]}
    for key in ("assessment", "pdca"):
        led.pop(key)
    assert client.put(configured, json=led, headers=WRITE).status_code == 409
    missing = client.put("/api/v1/targets/none/action-plans/styr", json=done, headers=WRITE)
    assert missing.status_code == 404


def test_a_portfolio_target_against_a_base_year(served: Served) -> None:
    """-30 % kWh/m² Atemp by 2030 against 2024, normal-year corrected, over every building:
    measured on the first complete year after the base year (none yet in the fixture's data,
    which ends in March 2025: not assessed), with the plans' PDCA phases."""
    body = {"id": "kommunen-2030", "name": "Kommunens lokaler -30 % kWh/m² till 2030",
            "base_year": 2024, "improvement_pct": 30, "by": "2030-12-31",
            "action_plans": [{"id": "belysning", "name": "LED i alla skolor",
                              "responsible": "fastighetschef", "due": "2026-06-30",
                              "status": "in_progress", "cost": 1200000}]}  # fmt: skip
    made = served.client.post("/api/v1/targets", json=body, headers=WRITE)
    assert made.status_code == 201, made.text
    both = {**body, "id": "x", "enpi": "asp-fjv"}
    assert served.client.post("/api/v1/targets", json=both, headers=WRITE).status_code == 422
    target = by_id(served)["kommunen-2030"]
    assert target["base_year"] == 2024
    assert target["assessment"]["id"] == "target-not-assessed.kommunen-2030"
    assert target["assessment"]["scope"] == {"level": "portfolio", "id": None}
    assert (target["pdca"], target["action_plans"][0]["pdca"]) == ("do", "do")
