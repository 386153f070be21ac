"""The energy review (#23 item 6): uses from sub-meters and the baselines' heating and base
load, proposed as significant by their share, decided by a person, due for review."""

from __future__ import annotations

import sqlite3

from core.config.loader import load_config
from tests.api.conftest import READ_KEY, WRITE_KEY, Served, read

WRITE = {"X-API-Key": WRITE_KEY}


def test_uses_are_proposed_decided_and_fall_due_for_review(served: Served) -> None:
    client = served.client
    review = read(client, "/api/v1/energy-review", period="2025-03").json()
    uses = {use["id"]: use for use in review["uses"]}
    # the ventilation unit's sub-meter, and the two EnPIs' baselines split
    assert {"heating.asp-fjv", "base-load.asp-fjv", "heating.bok-fjv"} <= set(uses)
    heating, base = uses["heating.asp-fjv"], uses["base-load.asp-fjv"]
    assert heating["source"] == "heating"
    # March is heating season: most of the school's heat is the model's heating part
    assert heating["kwh"] > base["kwh"] > 0
    assert sum(u["share"] for u in uses.values() if u["source"] != "sub-meter") <= 1.0
    assert review["uses"][0]["kwh"] == max(u["kwh"] for u in uses.values())  # largest first
    assert heating["proposed"] is True
    assert heating["decision"] is None

    findings = read(client, "/api/v1/findings", period="2025-03").json()["findings"]
    proposed = {f["id"] for f in findings if f["plugin"] == "energy_review"}
    assert "seu-proposed.heating.asp-fjv" in proposed

    body = {"significant": True, "relevant_variables": ["utetemperatur"],
            "people": ["drifttekniker"], "note": "Skolans största användning"}  # fmt: skip
    url = "/api/v1/energy-review/uses/heating.asp-fjv/decision"
    assert client.post(url, json=body, headers={"X-API-Key": READ_KEY}).status_code == 403
    made = client.post(url, json=body, headers=WRITE)
    assert made.status_code == 201, made.text
    assert made.json()["decided_by"] == "energy-team"
    bogus = client.post(url.replace("heating.asp-fjv", "heating.asp"), json=body, headers=WRITE)
    assert bogus.status_code == 404
    after = {
        u["id"]: u for u in read(client, "/api/v1/energy-review", period="2025-03").json()["uses"]
    }
    assert after["heating.asp-fjv"]["decision"]["relevant_variables"] == ["utetemperatur"]
    findings = read(client, "/api/v1/findings", period="2025-03").json()["findings"]
    assert "seu-proposed.heating.asp-fjv" not in {f["id"] for f in findings}

    # a decision older than review_every_days (365) is due for review
    register = load_config(served.config).daemon.register_path
    with sqlite3.connect(register) as db:
        db.execute("UPDATE seu_decisions SET decided_at = '2023-01-10T09:00:00+00:00'")
    client.post("/api/v1/evaluations", params={"period": "2025-03"}, headers=WRITE)  # fresh
    findings = read(client, "/api/v1/findings", period="2025-03").json()["findings"]
    (due,) = [f for f in findings if f["id"] == "seu-review.heating.asp-fjv"]
    assert due["kind"] == "deviation"
    assert due["metrics"]["review_due"] == "2024-01-10"
    report = read(client, "/api/v1/review/report", period="2025-03", lang="sv")
    assert "Energikartläggning: betydande energianvändning" in report.text
    assert "utetemperatur" in report.text
