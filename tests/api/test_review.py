"""The management review: its 9.3 structure, its decisions (write scope) and the HTML report."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import READ_KEY, WRITE_KEY, Served, read
from tests.fixture_portfolio import SAVING

PERIOD = "2025-01-01..2025-03-31"


def test_the_review_is_structured_by_the_inputs_of_9_3(served: Served) -> None:
    review = read(served.client, "/api/v1/review", period=PERIOD).json()
    assert review["period"] == PERIOD
    assert set(review["inputs"]) == {
        "a_previous_actions",
        "b_issues_risks_opportunities",
        "c1_nonconformities_corrective_actions",
        "c2_monitoring_measurement",
        "c3_audits",
        "c4_compliance",
        "d_continual_improvement",
        "e_energy_policy",
        "f_objectives_targets",
        "g_energy_performance",
        "h_action_plans",
    }
    performance = review["inputs"]["g_energy_performance"]
    summary = performance["summary"]
    assert (summary["enpis"], summary["enpis_reporting"], summary["enpis_improved"]) == (2, 2, 2)
    assert summary["improvement_pct"] == pytest.approx(100 * SAVING, abs=3)
    for figure in performance["enpis"]:
        assert figure["evidence"]["baseline_version"] == 1
        assert figure["evidence"]["links"]["daily"].startswith(f"/api/v1/enpis/{figure['id']}/")
    ranking = performance["building_ranking"]["buildings"]
    # the preschool uses a quarter of the school's heat on 900 of 4000 m²; the school also
    # has its electricity: per m² the school ranks first
    assert [row["building"] for row in ranking] == ["asp-skolan", "bok-forskolan"]
    assert ranking[1]["kwh_per_m2"] == pytest.approx(ranking[1]["kwh"] / 900)
    monitoring = review["inputs"]["c2_monitoring_measurement"]["findings"]
    assert {"gaps.asp-el", "gaps.bok-fjv", "no-readings.asp-ftx"} <= {f["id"] for f in monitoring}
    every = [f for value in review["inputs"].values() for f in value["findings"]]
    deviations = [f for f in every if f["kind"] in ("nonconformity", "deviation")]
    assert deviations
    assert review["summary"]["nonconformities_and_deviations"] == len(deviations)
    assert set(review["outputs"]) >= {"energy_performance", "enpis_and_baselines"}


def test_decisions_need_the_write_scope_and_come_back_in_the_review(served: Served) -> None:
    body = {
        "category": "objectives_targets_action_plans",
        "decision": "Extend the ventilation schedule change to every school",
        "owner": "driftchef",
        "due": "2026-09-30",
    }
    path = "/api/v1/reviews/2025-Q1-test/decisions"
    assert served.client.post(path, json=body).status_code == 401
    refused = served.client.post(path, json=body, headers={"X-API-Key": READ_KEY})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "the key 'review' has no 'write' scope"
    bad_period = served.client.post(path, json=body, headers={"X-API-Key": WRITE_KEY})
    assert bad_period.status_code == 400
    path = f"/api/v1/reviews/{PERIOD}/decisions"
    for wrong, field in [
        ({**body, "category": "whatever"}, "category"),
        ({**body, "due": "soon"}, "due"),
        ({**body, "extra": 1}, "extra"),
        ({"category": "resources"}, "decision"),
    ]:
        answer = served.client.post(path, json=wrong, headers={"X-API-Key": WRITE_KEY})
        assert answer.status_code == 422
        assert field in str(answer.json()["detail"])
    created = served.client.post(path, json=body, headers={"X-API-Key": WRITE_KEY})
    assert created.status_code == 201
    decision = created.json()
    assert (decision["recorded_by"], decision["period"], decision["due"]) == (
        "energy-team",
        PERIOD,
        "2026-09-30",
    )
    listed = read(served.client, path).json()["decisions"]
    assert decision in listed
    review = read(served.client, "/api/v1/review", period=PERIOD).json()
    assert decision in review["outputs"]["objectives_targets_action_plans"]
    assert review["summary"]["decisions"] >= 1
    # the next review sees it as an action from a previous review (9.3 a)
    later = read(served.client, "/api/v1/review", period="2025-04").json()
    assert decision in later["inputs"]["a_previous_actions"]["decisions"]


def test_the_report_is_printable_html_with_its_charts(served: Served) -> None:
    answer = read(served.client, "/api/v1/review/report", period=PERIOD)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    html = answer.text
    assert "<script" not in html  # self-contained: prints and archives as it is
    assert "9.3 g) Energy performance" in html
    # per EnPI: actual vs expected, CUSUM and energy signature; and the kWh/m² ranking
    assert html.count('class="chart line"') == 4
    assert html.count('class="chart scatter"') == 2
    assert html.count('class="chart bar"') == 1
    actual_lines = re.findall(r'data-series="actual"[^>]*points="([^"]+)"', html)
    assert len(actual_lines) == 2
    assert all(len(points.split()) == 90 for points in actual_lines)  # every day of the quarter
    assert len(re.findall(r'<circle class="point"', html)) == 2 * 90
    assert "Aspskolan" in html
    assert "Bokens förskola" in html
    assert read(served.client, "/api/v1/review/report", period="2025-99").status_code == 400


def test_targets_and_action_plans_with_their_status(served: Served) -> None:
    answer = read(served.client, "/api/v1/targets", period=PERIOD).json()
    targets = {t["id"]: t for t in answer["targets"]}
    assert set(targets) == {"asp-2027", "bok-2025"}
    school = targets["asp-2027"]
    assert school["improvement_pct"] == 10
    assert school["assessment"]["metrics"]["status"] == "achieved"
    plans = {p["id"]: p for p in school["action_plans"]}
    assert plans["led"]["assessment"]["metrics"]["days_overdue"] == 31
    assert plans["cancelled"]["assessment"] is None
    assert targets["bok-2025"]["assessment"]["metrics"]["status"] == "behind"
    review = read(served.client, "/api/v1/review", period=PERIOD).json()
    objectives = review["inputs"]["f_objectives_targets"]["findings"]
    assert {f["id"] for f in objectives} == {"target.asp-2027", "target.bok-2025"}
    plans_input = review["inputs"]["h_action_plans"]["findings"]
    assert "action-plan.asp-2027.led" in {f["id"] for f in plans_input}


def test_an_enpi_the_data_quality_gate_refuses_is_in_no_count_or_total(served: Served) -> None:
    # in March 2025 the preschool's heat meter is silent for three days: below 95 % complete
    review = read(served.client, "/api/v1/review", period="2025-03").json()
    performance = review["inputs"]["g_energy_performance"]
    summary = performance["summary"]
    (refused,) = summary["not_reportable"]
    assert refused["enpi"] == "bok-fjv"
    assert "not reportable" in refused["reason"]
    enpis = {e["id"]: e for e in performance["enpis"]}
    assert not enpis["bok-fjv"]["reportable"]
    assert enpis["bok-fjv"]["not_reportable"] == refused["reason"]
    assert enpis["asp-fjv"]["reportable"]
    school = enpis["asp-fjv"]["improvement"]
    assert summary["enpis_reporting"] == 1
    assert summary["avoided_kwh"] == pytest.approx(school["avoided_kwh"])
    assert summary["expected_kwh"] == pytest.approx(school["expected_kwh"])
    assert summary["avoided_uncertainty_kwh_68pct"] == pytest.approx(
        school["savings_uncertainty_kwh_68pct"]
    )
    listed = read(served.client, "/api/v1/enpis", period="2025-03").json()["enpis"]
    assert {e["id"]: e["reportable"] for e in listed} == {"asp-fjv": True, "bok-fjv": False}
    report = read(served.client, "/api/v1/review/report", period="2025-03").text
    assert "Not reportable: bok-fjv" in report
    assert "left out of every count and total" in report


def test_the_headline_counts_an_improvement_only_beyond_its_uncertainty(served: Served) -> None:
    review = read(served.client, "/api/v1/review", period=PERIOD).json()
    performance = review["inputs"]["g_energy_performance"]
    summary = performance["summary"]
    verdicts = [e["improvement"]["verdict"] for e in performance["enpis"]]
    for enpi in performance["enpis"]:
        improvement = enpi["improvement"]
        significant = improvement["avoided_kwh"] > improvement["savings_uncertainty_kwh_68pct"]
        assert (improvement["verdict"] == "improved") is significant
    assert summary["enpis_improved"] == verdicts.count("improved")
    assert (
        summary["enpis_improved"] + summary["enpis_no_significant_change"] + summary["enpis_worse"]
        == summary["enpis_reporting"]
    )
    assert any("68 % uncertainty" in rule for rule in summary["rules"])
    assert any("added once" in rule for rule in summary["rules"])
    # one avoided-energy total: the cost plugin prices the same EnPIs' kWh
    findings = read(served.client, "/api/v1/findings", period=PERIOD).json()["findings"]
    (priced,) = [f for f in findings if f["plugin"] == "cost_co2" and f["id"] == "avoided"]
    assert priced["metrics"]["kwh"] == pytest.approx(summary["avoided_kwh"], abs=0.1)


def test_audit_results_and_the_policy_review_are_recorded_and_in_the_review(
    served: Served,
) -> None:
    path = "/api/v1/reviews/2025-02/inputs"
    audit = {"input": "c3_audits", "title": "Internal audit of the EnMS",
             "text": "Two minor nonconformities: calibration records <missing>."}  # fmt: skip
    assert served.client.post(path, json=audit).status_code == 401
    refused = served.client.post(path, json=audit, headers={"X-API-Key": READ_KEY})
    assert refused.status_code == 403
    write = {"X-API-Key": WRITE_KEY}
    wrong = served.client.post(path, json={**audit, "input": "g_energy_performance"},
                               headers=write)  # fmt: skip
    assert wrong.status_code == 422  # measured inputs are not recorded by hand
    made = served.client.post(path, json=audit, headers=write)
    assert made.status_code == 201
    assert made.json()["recorded_by"] == "energy-team"
    policy = {"input": "e_energy_policy", "title": "Energy policy reviewed", "text": "Unchanged."}
    assert served.client.post(path, json=policy, headers=write).status_code == 201
    listed = read(served.client, path).json()["inputs"]
    assert [i["input"] for i in listed] == ["c3_audits", "e_energy_policy"]
    review = read(served.client, "/api/v1/review", period="2025-02").json()
    (recorded,) = review["inputs"]["c3_audits"]["recorded"]
    assert recorded["title"] == "Internal audit of the EnMS"
    assert review["inputs"]["e_energy_policy"]["recorded"][0]["text"] == "Unchanged."
    assert (
        read(served.client, "/api/v1/review", period="2025-03").json()["inputs"]["c3_audits"][
            "recorded"
        ]
        == []
    )  # another period's review
    report = read(served.client, "/api/v1/review/report", period="2025-02").text
    assert "Internal audit of the EnMS" in report
    assert "calibration records &lt;missing&gt;" in report  # escaped


def test_the_review_shows_complete_years_normal_year_corrected(served: Served) -> None:
    review = read(served.client, "/api/v1/review", period=PERIOD).json()
    years = {e["enpi"]: e["years"] for e in review["inputs"]["g_energy_performance"][
        "complete_years"]}  # fmt: skip
    (school,) = years["asp-fjv"]
    assert school["year"] == 2024
    assert school["normal_year_corrected_kwh"] is not None
    assert years["bok-fjv"][0]["normal_year_corrected_kwh"] is None  # no normal year set
    report = read(served.client, "/api/v1/review/report", period=PERIOD).text
    assert "Complete years, normal-year corrected" in report


def test_the_review_speaks_the_language_asked_for(served: Served) -> None:
    """?lang= first, then Accept-Language, then portfolio.language (English here)."""
    english = read(served.client, "/api/v1/review", period=PERIOD).json()
    swedish = read(served.client, "/api/v1/review", period=PERIOD, lang="sv").json()
    assert (english["language"], swedish["language"]) == ("en", "sv")

    def titles(document: dict[str, object]) -> dict[str, str]:
        inputs = document["inputs"]
        assert isinstance(inputs, dict)
        return {
            f"{f['plugin']}:{f['id']}": f["title"]
            for value in inputs.values()
            for f in value["findings"]
        }

    en, sv = titles(english), titles(swedish)
    assert en.keys() == sv.keys()
    deviation = next(key for key in sv if "enpi-improvement" in key)
    assert "below its baseline from" in en[deviation]
    assert "under sin baslinje från" in sv[deviation]
    assert re.search(r"\d\u00a0\d{3} kWh", sv[deviation])  # Swedish grouping
    rules = swedish["inputs"]["g_energy_performance"]["summary"]["rules"]
    assert any("räknas en gång" in rule for rule in rules)
    header = served.client.get(
        "/api/v1/review",
        params={"period": PERIOD},
        headers={"X-API-Key": READ_KEY, "Accept-Language": "sv-SE,sv;q=0.9,en;q=0.5"},
    ).json()
    assert header["language"] == "sv"
    assert titles(header) == sv
    assert read(served.client, "/api/v1/review", period=PERIOD, lang="fi").status_code == 422


def test_the_findings_table_follows_the_language(served: Served) -> None:
    swedish = read(served.client, "/api/v1/findings", period=PERIOD, lang="sv", format="csv")
    english = read(served.client, "/api/v1/findings", period=PERIOD, format="csv")
    assert swedish.text.startswith("\ufeffplugin;id;")  # excel-sv: ; and a byte-order mark
    assert english.text.startswith("plugin,id,")
    assert "under sin baslinje" in swedish.text
    forced = read(
        served.client, "/api/v1/findings", period=PERIOD, lang="sv", format="csv", dialect="excel"
    )
    assert forced.text.startswith("plugin,id,")


def test_the_report_in_swedish(served: Served) -> None:
    html = read(served.client, "/api/v1/review/report", period=PERIOD, lang="sv").text
    assert '<html lang="sv">' in html
    for heading in ("Innehåll", "Sammanfattning", "9.3 c) 3) Revisionsresultat", "Ordlista"):
        assert heading in html
    assert "Inte registrerat" in html  # an input nobody recorded anything for
    assert "None." not in html
    assert "beslutsgräns +h" in html  # the CUSUM chart's decision interval
