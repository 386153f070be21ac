"""Nonconformities through the API: opened by an evaluation, taken through their lifecycle;
reading the review never changes them."""

from __future__ import annotations

import asyncio

from core.config.loader import load_config
from core.storage.factory import open_store
from tests.api.conftest import READ_KEY, WRITE_KEY, Served, read


def open_one(served: Served) -> dict[str, object]:
    """Evaluating March 2025 finds the preschool's stuck valve and records it."""
    recorded = served.client.post(
        "/api/v1/evaluations", params={"period": "2025-03"}, headers={"X-API-Key": WRITE_KEY}
    )
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["nonconformities"]
    review = read(served.client, "/api/v1/review", period="2025-03").json()
    register = review["inputs"]["c1_nonconformities_corrective_actions"]["register"]
    (found,) = [n for n in register if n["finding"] == "enpi-deviation.bok-fjv"]
    return found


def test_the_review_opens_the_nonconformity_and_lists_it(served: Served) -> None:
    found = open_one(served)
    assert found["status"] in ("open", "cause_identified", "action_taken", "closed")
    listed = read(served.client, "/api/v1/nonconformities").json()["nonconformities"]
    assert found["id"] in [n["id"] for n in listed]
    one = read(served.client, f"/api/v1/nonconformities/{found['id']}").json()
    assert one["scope_id"] == "bok-fjv"
    assert one["events"][0]["status"] == "open"
    assert one["events"][0]["by"] == "plugin enpi_deviation"
    csv = read(served.client, "/api/v1/nonconformities", format="csv")
    assert csv.text.splitlines()[0].startswith("id,plugin,finding,title")


def test_reading_the_review_or_the_findings_changes_nothing_in_the_register(
    served: Served,
) -> None:
    open_one(served)
    before = read(served.client, "/api/v1/nonconformities").json()
    for path in ("/api/v1/review", "/api/v1/findings", "/api/v1/targets"):
        for period in ("2025-03", "2000-01-01..2099-12-31"):
            assert read(served.client, path, period=period).status_code == 200, (path, period)
    assert read(served.client, "/api/v1/nonconformities").json() == before


def test_recording_an_evaluation_needs_the_write_scope(served: Served) -> None:
    path, period = "/api/v1/evaluations", {"period": "2025-03"}
    assert served.client.post(path, params=period).status_code == 401
    with_read = served.client.post(path, params=period, headers={"X-API-Key": READ_KEY})
    assert with_read.status_code == 403
    wrong = served.client.post(path, params={"period": "x"}, headers={"X-API-Key": WRITE_KEY})
    assert wrong.status_code == 400


def test_the_lifecycle_needs_write_goes_in_order_and_says_what_may_come_next(
    served: Served,
) -> None:
    ident = open_one(served)["id"]
    path = f"/api/v1/nonconformities/{ident}"
    step = {"status": "cause_identified", "note": "Heating valve VS1 stuck open"}
    assert served.client.patch(path, json=step).status_code == 401
    assert served.client.patch(path, json=step, headers={"X-API-Key": READ_KEY}).status_code == 403
    write = {"X-API-Key": WRITE_KEY}
    early = served.client.patch(path, json={"status": "closed"}, headers=write)
    assert early.status_code == 409
    assert early.json()["detail"].endswith("next: cause_identified")
    assert served.client.patch(path, json={"status": "reopened"}, headers=write).status_code == 422
    assert (
        served.client.patch(path, json=step, headers=write).json()["status"] == "cause_identified"
    )
    action = {"status": "action_taken", "note": "Valve actuator replaced"}
    assert served.client.patch(path, json=action, headers=write).status_code == 200
    check = {"status": "effectiveness_checked", "note": "No longer above the baseline"}
    missing = served.client.patch(path, json=check, headers=write)
    assert missing.status_code == 409
    assert "effective" in missing.json()["detail"]
    # the data must show the effect: no evaluation since the action yet
    claimed = served.client.patch(path, json={**check, "effective": True}, headers=write)
    assert claimed.status_code == 409
    assert claimed.json()["detail"].startswith("not yet shown on the data")
    # an evaluation after the action still finds the stuck valve: not effective
    evaluations = "/api/v1/evaluations"
    assert served.client.post(evaluations, params={"period": "2025-03"}, headers=write).is_success
    claimed = served.client.patch(path, json={**check, "effective": True}, headers=write)
    assert claimed.status_code == 409
    assert claimed.json()["detail"].startswith("not effective on the data: an evaluation found")
    again = served.client.patch(path, json={**check, "effective": False}, headers=write).json()
    assert again["status"] == "cause_identified"
    assert [e["by"] for e in again["events"][1:]] == ["energy-team"] * 3
    assert again["events"][1]["note"] == "Heating valve VS1 stuck open"


def test_a_nonconformity_has_an_owner_a_due_date_and_an_action_plan(served: Served) -> None:
    found = open_one(served)
    assert found["owner"] == "driftchef"  # nonconformities.owners, by the EnPI's id
    assert found["due"] is not None
    path = f"/api/v1/nonconformities/{found['id']}/assignment"
    body = {"owner": "Elansvarig", "due": "2026-03-31", "action_plan": "rebalance"}
    assert served.client.put(path, json=body).status_code == 401
    assert served.client.put(path, json=body, headers={"X-API-Key": READ_KEY}).status_code == 403
    write = {"X-API-Key": WRITE_KEY}
    unknown = served.client.put(path, json={**body, "action_plan": "x"}, headers=write)
    assert unknown.status_code == 404
    assert "rebalance" in unknown.json()["detail"]
    assigned = served.client.put(path, json=body, headers=write).json()
    assert (assigned["owner"], assigned["due"], assigned["action_plan"]) == (
        "Elansvarig",
        "2026-03-31",
        "rebalance",
    )
    assert assigned["events"][-1]["status"] == "assigned"
    assert read(served.client, f"/api/v1/nonconformities/{found['id']}").json() == assigned


def test_unknown_and_impossible_numbers_are_4xx(served: Served) -> None:
    ident = open_one(served)["id"]
    step = {"status": "cause_identified", "note": "n"}
    write = {"X-API-Key": WRITE_KEY}
    assert read(served.client, "/api/v1/nonconformities/999999").status_code == 404
    unknown = served.client.patch("/api/v1/nonconformities/999999", json=step, headers=write)
    assert unknown.status_code == 404
    huge = served.client.patch(f"/api/v1/nonconformities/{2**70}", json=step, headers=write)
    assert huge.status_code == 422
    # the register is still usable
    assert read(served.client, f"/api/v1/nonconformities/{ident}").status_code == 200


def test_a_recorded_evaluation_stores_its_findings_for_grafana(served: Served) -> None:
    open_one(served)  # POST /evaluations for 2025-03

    async def stored() -> set[tuple[str, str]]:
        async with open_store(load_config(served.config).storage) as store:
            points = await store.latest("findings", 0)
        return {(p.tags["period"], p.tags["finding"]) for p in points}

    assert ("2025-03", "enpi-deviation.bok-fjv") in asyncio.run(stored())
