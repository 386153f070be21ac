"""Synpunkter through the API: recorded (write scope), imported from a case system's CSV,
answered, listed, and checked against the sensors in the findings."""

from __future__ import annotations

import pytest

from tests.api.conftest import READ_KEY, WRITE_KEY, Served, read

WRITE = {"X-API-Key": WRITE_KEY}
HOT = {
    "building": "asp-skolan",
    "zone": "aula",
    "category": "too_hot",
    "received_at": "2025-02-11T10:20:00+01:00",
    "text": "Alldeles för varmt i aulan",
    "case_ref": "API-1",
}


def test_feedback_is_recorded_once_answered_and_listed(served: Served) -> None:
    client = served.client
    refused = client.post("/api/v1/feedback", json=HOT, headers={"X-API-Key": READ_KEY})
    assert refused.status_code == 403  # reading is not recording
    made = client.post("/api/v1/feedback", json=HOT, headers=WRITE)
    assert made.status_code == 201, made.text
    record = made.json()
    assert record["recorded_by"] == "energy-team"
    assert record["received_at"] == "2025-02-11T10:20:00+01:00"
    again = client.post("/api/v1/feedback", json=HOT, headers=WRITE)
    assert again.status_code == 200  # the same case: recorded once
    assert again.json()["id"] == record["id"]

    unknown = client.post("/api/v1/feedback", json={**HOT, "building": "x", "case_ref": None},
                          headers=WRITE)  # fmt: skip
    assert unknown.status_code == 404
    assert "asp-skolan" in unknown.json()["detail"]
    naive = client.post(
        "/api/v1/feedback", json={**HOT, "received_at": "2025-02-11T10:20:00"}, headers=WRITE
    )
    assert naive.status_code == 422  # a time without its offset is ambiguous

    early = client.patch(
        f"/api/v1/feedback/{record['id']}",
        json={"answered_at": "2025-02-10T09:00:00+01:00"},
        headers=WRITE,
    )
    assert early.status_code == 422  # answered before it was received
    answered = client.patch(
        f"/api/v1/feedback/{record['id']}",
        json={"answered_at": "2025-02-13T15:00:00+01:00"},
        headers=WRITE,
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["working_days_to_answer"] == 2
    missing = client.patch(
        "/api/v1/feedback/99999", json={"answered_at": "2025-02-13T15:00:00+01:00"}, headers=WRITE
    )
    assert missing.status_code == 404

    listed = read(client, "/api/v1/feedback", period="2025-02").json()
    assert [f["case_ref"] for f in listed["feedback"]] == ["API-1"]
    assert read(client, "/api/v1/feedback", period="2025-03").json()["feedback"] == []
    table = read(client, "/api/v1/feedback", period="2025-02", format="csv")
    assert table.status_code == 200
    assert "API-1" in table.text

    # the aula was not hot: the sensors' answer is in the findings
    findings = read(client, "/api/v1/findings", period="2025-02").json()["findings"]
    (check,) = [f for f in findings if f["id"] == f"feedback.{record['id']}"]
    assert check["kind"] == "observation"
    assert check["metrics"]["confirmed"] is False
    assert check["metrics"]["temperature_c"] == pytest.approx(21.0, abs=0.6)
    assert "Aspskolan, aula: “too hot” received" in check["title"]

    # and the printed review has the feedback's section, in the reader's language
    report = read(client, "/api/v1/review/report", period="2025-02", lang="sv")
    assert report.status_code == 200
    assert "Synpunkter och vad givarna visade" in report.text
    assert "bekräftas inte: givarna visade" in report.text


def test_a_case_system_export_is_imported_row_by_row(served: Served) -> None:
    csv = (
        "case_ref,received_at,building,category,text\n"
        "C-1,2025-03-03 08:00,bok-forskolan,fault_report,Dörren går inte att låsa\n"
        "C-2,2025-03-03,bok-forskolan,för kallt,Kallt\n"
        "C-3,2025-03-04 09:00,bok-forskolan,ice cream,Glass\n"
    )
    answer = served.client.post(
        "/api/v1/feedback/import",
        content=csv.encode(),
        headers={**WRITE, "Content-Type": "text/csv"},
    )
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert (result["recorded"], result["already_recorded"]) == (2, 0)
    (problem,) = result["refused"]
    assert problem["line"] == 4
    assert "ice cream" in problem["problem"]
    latin1 = served.client.post(
        "/api/v1/feedback/import",
        content="case_ref,received_at\nx,å".encode("latin-1"),
        headers={**WRITE, "Content-Type": "text/csv"},
    )
    assert latin1.status_code == 422
    again = served.client.post(
        "/api/v1/feedback/import",
        content=csv.encode(),
        headers={**WRITE, "Content-Type": "text/csv"},
    )
    assert again.json()["already_recorded"] == 2
