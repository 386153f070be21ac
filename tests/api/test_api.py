"""Every API endpoint against stored fixture data, on the embedded store and on real InfluxDB."""

from __future__ import annotations

import csv
import io
import logging
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from core.deployment import load_deployment
from tests.api.conftest import API_KEYS, READ_KEY, WRITE_KEY, Served, read
from tests.fixture_portfolio import SAVING, config_text

EL_PER_DAY = 10 * 40.0 + 14 * 12.0  # the school's electricity: 40 kW in school hours, 12 kW else


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# -- health and authentication -----------------------------------------------------------------


def test_health_needs_no_key_and_names_the_store(served: Served) -> None:
    answer = served.client.get("/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "store": served.backend}


@pytest.mark.parametrize(
    ("headers", "status", "says"),
    [
        ({}, 401, "an API key is required"),
        ({"X-API-Key": "not-a-key"}, 401, "not known"),
        ({"Authorization": "Bearer not-a-key"}, 401, "not known"),
        ({"Authorization": f"Bearer {READ_KEY}"}, 200, None),
        ({"X-API-Key": WRITE_KEY}, 200, None),
    ],
)
def test_every_data_endpoint_needs_a_known_key(
    served: Served, headers: dict[str, str], status: int, says: str | None
) -> None:
    answer = served.client.get("/api/v1/portfolio", headers=headers)
    assert answer.status_code == status
    if says is not None:
        assert says in answer.json()["detail"]
        assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_a_presented_key_never_reaches_the_log(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    served.client.get("/api/v1/portfolio", headers={"X-API-Key": "secret-attempt-123"})
    served.client.get("/api/v1/meters", headers={"X-API-Key": READ_KEY})
    assert "secret-attempt-123" not in caplog.text
    assert READ_KEY not in caplog.text


def test_cors_is_off_unless_origins_are_configured(served: Served) -> None:
    answer = served.client.options(
        "/api/v1/portfolio",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in answer.headers


# -- portfolio -----------------------------------------------------------------------------------


def test_portfolio_buildings_and_meters(served: Served) -> None:
    portfolio = read(served.client, "/api/v1/portfolio").json()
    assert (portfolio["sites"], portfolio["buildings"], portfolio["meters"]) == (1, 2, 6)
    assert portfolio["atemp_m2"] == 4900
    assert portfolio["enpis"] == ["asp-fjv", "bok-fjv"]
    buildings = read(served.client, "/api/v1/buildings").json()
    assert [b["id"] for b in buildings] == ["asp-skolan", "bok-forskolan"]
    assert buildings[1]["meters"] == ["bok-fjv"]
    one = read(served.client, "/api/v1/buildings/bok-forskolan").json()
    assert (one["atemp_m2"], one["category"]) == (900, "preschool")
    meters = read(served.client, "/api/v1/meters", building="asp-skolan").json()
    assert {m["id"] for m in meters} == {"asp-el", "asp-fjv", "asp-inne", "ute", "asp-ftx"}
    ftx = next(m for m in meters if m["id"] == "asp-ftx")
    assert (ftx["protocol"], ftx["health"]) == ("modbus", None)  # never reported: no health


def test_tables_answer_csv(served: Served) -> None:
    answer = read(served.client, "/api/v1/meters", format="csv", medium="district_heating")
    assert answer.headers["content-type"].startswith("text/csv")
    rows = rows_of(answer.text)
    assert [r["id"] for r in rows] == ["asp-fjv", "bok-fjv"]
    assert rows[0]["building"] == "asp-skolan"
    assert rows_of(read(served.client, "/api/v1/buildings", format="csv").text)[0]["meters"]


def test_unknown_ids_are_404_with_what_is_known(served: Served) -> None:
    answer = read(served.client, "/api/v1/buildings/nowhere")
    assert answer.status_code == 404
    assert answer.json()["detail"] == "no building 'nowhere'; known: asp-skolan, bok-forskolan"
    assert read(served.client, "/api/v1/meters", building="nowhere").status_code == 404
    answer = read(served.client, "/api/v1/enpis/nowhere", period="2025")
    assert answer.status_code == 404
    assert "known: asp-fjv, bok-fjv" in answer.json()["detail"]


# -- consumption ---------------------------------------------------------------------------------


def test_consumption_per_day_month_and_hour(served: Served) -> None:
    days = read(
        served.client, "/api/v1/consumption", period="2025-02", bucket="day", group="meter",
        medium="electricity",
    ).json()  # fmt: skip
    (series,) = days["series"]  # asp-ftx never reported; asp-el only
    assert (series["group"], series["unit"]) == ({"meter": "asp-el"}, "kWh")
    assert len(series["rows"]) == 28
    assert series["rows"][0]["start"] == "2025-02-01T00:00:00+01:00"
    assert [row["value"] for row in series["rows"]] == pytest.approx([EL_PER_DAY] * 28)
    assert series["total"] == pytest.approx(28 * EL_PER_DAY)
    assert days["evidence"]["measurement"] == "readings"
    month = read(
        served.client, "/api/v1/consumption", period="2025-02", bucket="month",
        group="building", medium="electricity",
    ).json()  # fmt: skip
    assert month["series"][0]["rows"][0]["value"] == pytest.approx(28 * EL_PER_DAY)
    hours = read(
        served.client, "/api/v1/consumption", period="2025-02-03..2025-02-03", bucket="hour",
        meter="asp-el", format="csv",
    )  # fmt: skip
    values = [float(row["value"]) for row in rows_of(hours.text)]
    assert values == [12.0] * 7 + [40.0] * 10 + [12.0] * 7


def test_consumption_per_medium_and_across_a_gap_nothing_is_lost(served: Served) -> None:
    answer = read(
        served.client, "/api/v1/consumption", period="2025-03-10..2025-03-14", bucket="day",
        group="medium", building="asp-skolan",
    ).json()  # fmt: skip
    by_medium = {s["group"]["medium"]: s for s in answer["series"]}
    assert set(by_medium) == {"electricity", "district_heating"}
    el = [row["value"] for row in by_medium["electricity"]["rows"]]
    # asp-el is silent from 2025-03-12 00:00 to 03-15 00:00: its register still tells what was
    # used across the 73-hour interval (from 03-11 23:00), spread evenly over those hours
    assert el[0] == pytest.approx(EL_PER_DAY)
    assert sum(el[1:]) == pytest.approx(4 * EL_PER_DAY)
    across = 3 * EL_PER_DAY + 12.0
    assert el[2] == pytest.approx(24 * across / 73)
    assert el[3] == pytest.approx(el[2])


@pytest.mark.parametrize(
    ("params", "status", "says"),
    [
        ({"period": "2025-13"}, 400, "period '2025-13': month must be in 1..12"),
        ({"period": "2025-02-30..2025-03-01"}, 400, "2025-02-30"),
        ({"period": "2000..2025"}, 400, "write it as YYYY-MM-DD..YYYY-MM-DD"),
        ({"period": "2000-01-01..2025-12-31", "bucket": "hour"}, 400, "shorter period"),
        ({"period": "2025", "bucket": "fortnight"}, 422, "bucket"),
        ({"period": "2025", "meter": "ute"}, 404, "no consumption meter 'ute'"),
        ({}, 422, "period"),
    ],
)
def test_bad_consumption_requests_say_what_to_fix(
    served: Served, params: dict[str, str], status: int, says: str
) -> None:
    answer = read(served.client, "/api/v1/consumption", **params)
    assert answer.status_code == status
    assert says in str(answer.json()["detail"])


# -- EnPIs ---------------------------------------------------------------------------------------


def test_enpi_figures_carry_their_baseline_and_evidence(served: Served) -> None:
    figure = read(served.client, "/api/v1/enpis/asp-fjv", period="2025-01-01..2025-03-31").json()
    assert figure["status"] == "reporting"
    improvement = figure["improvement"]
    assert improvement["reporting_days"] == 90
    # the fixture saves 12 % of the heating from 2025 on; the model is fitted with noise
    assert improvement["improvement_pct"] == pytest.approx(100 * SAVING, abs=3)
    assert improvement["senpi"] == pytest.approx(1 - SAVING, abs=0.03)
    assert 0 < improvement["savings_uncertainty_kwh_68pct"] < improvement["avoided_kwh"]
    assert improvement["cusum_kwh"] == pytest.approx(-improvement["avoided_kwh"], rel=1e-6)
    assert figure["kwh_per_m2"] == pytest.approx(figure["actual_kwh"] / 4000)
    baseline = figure["baseline"]
    assert (baseline["version"], baseline["first"], baseline["last"]) == (
        1,
        "2024-01-01",
        "2024-12-31",
    )
    assert baseline["valid"] is True
    assert baseline["statistics"]["n"] == 366
    assert baseline["statistics"]["cv_rmse"] < 0.25
    evidence = figure["evidence"]
    assert evidence["baseline_version"] == 1
    assert evidence["measurement"] == "enpi"
    assert evidence["links"]["daily"] == "/api/v1/enpis/asp-fjv/daily?period=2025-01-01..2025-03-31"
    # the figure agrees with the daily rows it links to
    daily = read(served.client, evidence["links"]["daily"]).json()["days"]
    reporting = [d for d in daily if d["reporting"]]
    expected = sum(d["expected_kwh"] for d in reporting)
    actual = sum(d["actual_kwh"] for d in reporting)
    assert improvement["avoided_kwh"] == pytest.approx(expected - actual)


def test_a_period_inside_the_baseline_has_no_improvement(served: Served) -> None:
    listing = read(served.client, "/api/v1/enpis", period="2024").json()
    assert [f["id"] for f in listing["enpis"]] == ["asp-fjv", "bok-fjv"]
    for figure in listing["enpis"]:
        assert figure["status"] == "baseline period"
        assert figure["improvement"] is None
        assert figure["days_with_data"] == 366
    only = read(served.client, "/api/v1/enpis", period="2025-03", building="bok-forskolan")
    assert [f["id"] for f in only.json()["enpis"]] == ["bok-fjv"]
    table = rows_of(read(served.client, "/api/v1/enpis", period="2025-03", format="csv").text)
    assert [row["id"] for row in table] == ["asp-fjv", "bok-fjv"]
    assert float(table[0]["improvement_pct"]) > 0
    assert table[1]["days_with_data"] == "31"  # the register spans the meter's silent days


def test_daily_signature_and_baselines(served: Served) -> None:
    daily = read(served.client, "/api/v1/enpis/bok-fjv/daily", period="2025-03", format="csv")
    rows = rows_of(daily.text)
    assert len(rows) == 31
    assert set(rows[0]) >= {"day", "actual_kwh", "expected_kwh", "cusum_kwh", "temperature_c"}
    signature = read(served.client, "/api/v1/enpis/asp-fjv/signature", period="2024").json()
    assert len(signature["points"]) == 366
    line = signature["model"]["line"]
    cold, warm = line[0]["expected_kwh"], line[-1]["expected_kwh"]
    assert cold > warm > 0  # heating: more on cold days, a base load on warm ones
    versions = read(served.client, "/api/v1/enpis/asp-fjv/baselines").json()
    assert versions["current_version"] == 1
    (first,) = versions["versions"]
    assert first["revision_trigger"] == "initial"
    assert first["reason"] == "first baseline of this EnPI"


def test_complete_years_come_normal_year_corrected(served: Served) -> None:
    answer = read(served.client, "/api/v1/enpis/asp-fjv/years").json()
    assert (answer["baseline_version"], answer["normal_year_hdd"]) == (1, 3800)
    (year,) = answer["years"]  # 2024 is the fixture's one complete year
    assert year["year"] == 2024
    assert 0 < year["heating_kwh"] <= year["actual_kwh"]
    assert year["actual_kwh_per_m2"] == pytest.approx(year["actual_kwh"] / 4000)
    base = year["actual_kwh"] - year["heating_kwh"]
    corrected = base + year["heating_kwh"] * 3800 / year["heating_degree_days"]
    assert year["normal_year_corrected_kwh"] == pytest.approx(corrected)
    # an EnPI without a normal year has no corrected figures
    (plain,) = read(served.client, "/api/v1/enpis/bok-fjv/years").json()["years"]
    assert plain["normal_year_corrected_kwh"] is None


def test_a_non_routine_adjustment_is_recorded_through_the_api_with_write_scope(
    served: Served,
) -> None:
    path = "/api/v1/enpis/bok-fjv/adjustments"
    body = {"first": "2025-06-01", "last": "2025-08-31", "kwh": 1500.0,
            "reason": "Temporary classrooms heated from the preschool's substation"}  # fmt: skip
    assert served.client.post(path, json=body).status_code == 401
    assert served.client.post(path, json=body, headers={"X-API-Key": READ_KEY}).status_code == 403
    write = {"X-API-Key": WRITE_KEY}
    backwards = {**body, "first": "2025-09-01"}
    assert served.client.post(path, json=backwards, headers=write).status_code == 422
    unknown = served.client.post("/api/v1/enpis/x/adjustments", json=body, headers=write)
    assert unknown.status_code == 404
    answer = served.client.post(path, json=body, headers=write)
    assert answer.status_code == 201, answer.text
    (version,) = answer.json()["versions"]
    assert version["superseded_at"] is None
    assert version["static_factors"] == {"atemp_m2": "900", "meters": "bok-fjv"}
    (adjustment,) = version["adjustments"]
    assert adjustment == {"first": "2025-06-01", "last": "2025-08-31", "kwh": 1500.0,
                          "reason": body["reason"]}  # fmt: skip
    listed = read(served.client, "/api/v1/enpis/bok-fjv/baselines").json()
    assert listed["versions"][0]["adjustments"] == [adjustment]


# -- findings ------------------------------------------------------------------------------------


def test_findings_of_the_plugins_for_a_period(served: Served) -> None:
    answer = read(served.client, "/api/v1/findings", period="2025-03").json()
    statuses = {run["name"]: run["status"] for run in answer["plugins"]}
    assert statuses["data_quality"] == "ok"
    found = {f["id"] for f in answer["findings"] if f["plugin"] == "data_quality"}
    assert {"completeness.asp-el", "completeness.bok-fjv"} <= found
    deviations = read(
        served.client, "/api/v1/findings", period="2025-03", kind="deviation", format="csv"
    )
    table = rows_of(deviations.text)
    assert table
    assert {row["kind"] for row in table} == {"deviation"}
    assert read(served.client, "/api/v1/findings", period="2025", kind="bad").status_code == 422


# -- OpenAPI and an unreachable store ------------------------------------------------------------


def test_the_openapi_document_describes_every_endpoint(served: Served) -> None:
    schema = served.client.get("/openapi.json").json()
    paths = set(schema["paths"])
    assert {
        "/health",
        "/api/v1/portfolio",
        "/api/v1/buildings",
        "/api/v1/buildings/{building_id}",
        "/api/v1/meters",
        "/api/v1/consumption",
        "/api/v1/enpis",
        "/api/v1/enpis/{enpi_id}",
        "/api/v1/enpis/{enpi_id}/daily",
        "/api/v1/enpis/{enpi_id}/signature",
        "/api/v1/enpis/{enpi_id}/baselines",
        "/api/v1/findings",
        "/api/v1/targets",
        "/api/v1/nonconformities",
        "/api/v1/nonconformities/{ident}",
        "/api/v1/review",
        "/api/v1/review/report",
        "/api/v1/reviews/{period}/decisions",
        "/api/v1/evaluations",
    } <= paths
    models = schema["components"]["schemas"]
    example = models["PortfolioOut"]["examples"][0]
    assert example["timezone"] == "Europe/Stockholm"
    # every JSON answer is described by a response model, and the examples come from them
    for path, model in {
        "/api/v1/enpis": "EnpiList",
        "/api/v1/enpis/{enpi_id}": "EnpiFigures",
        "/api/v1/enpis/{enpi_id}/daily": "EnpiDaily",
        "/api/v1/enpis/{enpi_id}/signature": "EnpiSignature",
        "/api/v1/enpis/{enpi_id}/baselines": "BaselineHistory",
        "/api/v1/findings": "FindingList",
        "/api/v1/targets": "TargetList",
        "/api/v1/nonconformities": "NonconformityList",
        "/api/v1/nonconformities/{ident}": "NonconformityOut",
        "/api/v1/review": "ReviewDocument",
        "/api/v1/reviews/{period}/decisions": "DecisionList",
        "/health": "HealthOut",
    }.items():
        answer = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert answer["schema"]["$ref"] == f"#/components/schemas/{model}", path
    for model in ("EnpiFigures", "ReviewDocument"):
        assert models[model]["examples"][0]["period"] == "2025-01-01..2025-03-31", model


def test_a_store_that_is_down_is_503_not_500(tmp_path: Path) -> None:
    config = tmp_path / "site.yaml"
    storage = (
        '{backend: influxdb, influxdb: {url: "http://127.0.0.1:9", database: enms, '
        "max_retries: 0, timeout_s: 1}}"
    )
    config.write_text(
        config_text(storage, extra=f"api: {{keys: [{{name: t, sha256: '{'0' * 64}'}}]}}")
    )
    app = create_app(load_deployment(config), installed_plugins=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        health = client.get("/health")
        assert health.status_code == 503
        assert health.json()["status"] == "degraded"
        answer = client.get("/api/v1/portfolio", headers={"X-API-Key": "x"})
        assert answer.status_code == 401  # authentication still comes first
    config.write_text(config_text(storage, extra=API_KEYS))
    app = create_app(load_deployment(config), installed_plugins=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        for path, params in [
            ("/api/v1/meters", {}),
            ("/api/v1/consumption", {"period": "2025-01"}),
            ("/api/v1/findings", {"period": "2025"}),
        ]:
            answer = client.get(path, params=params, headers={"X-API-Key": READ_KEY})
            assert answer.status_code == 503, (path, answer.text)
            assert "store is unavailable" in answer.json()["detail"]
            assert answer.headers["Retry-After"] == "30"


def test_a_period_after_today_is_refused_and_one_reaching_past_today_says_so(
    served: Served,
) -> None:
    today = datetime.now(ZoneInfo("Europe/Stockholm")).date()
    future = str(today.year + 3)
    for path in ("/api/v1/review", "/api/v1/findings", "/api/v1/enpis", "/api/v1/targets"):
        refused = read(served.client, path, period=future)
        assert refused.status_code == 400, path
        assert "starts after today" in refused.json()["detail"]
    reaching = f"2025-03-01..{today.year + 1}-12-31"
    review = read(served.client, "/api/v1/review", period=reaching).json()
    assert review["measured_until"] == today.isoformat()
    # no finding about readings that could not exist yet
    every = [f for value in review["inputs"].values() for f in value["findings"]]
    assert not [f for f in every if f["id"].startswith("no-readings.") and "asp-ftx" not in f["id"]]
    march = read(served.client, "/api/v1/review", period="2025-03").json()
    assert march["measured_until"] == "2025-03-31"


QUARTER = "2025-01-01..2025-03-31"


def test_a_swedish_csv_round_trips_to_the_json_figures(served: Served) -> None:
    answer = read(served.client, "/api/v1/enpis", period=QUARTER, format="csv",
                  dialect="excel-sv")  # fmt: skip
    assert answer.content.startswith("\ufeff".encode())  # Excel reads UTF-8 after a BOM
    text = answer.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    figures = {e["id"]: e for e in read(served.client, "/api/v1/enpis", period=QUARTER).json()[
        "enpis"]}  # fmt: skip
    assert {row["id"] for row in rows} == set(figures)
    for row in rows:
        improvement = figures[row["id"]]["improvement"]
        for key in ("expected_kwh", "avoided_kwh", "improvement_pct", "senpi"):
            assert "." not in row[key]  # a decimal comma
            assert float(row[key].replace(",", ".")) == pytest.approx(improvement[key], abs=1e-3)
        assert row["valid"] in ("ja", "nej")
        assert row["reportable"] == "ja"
    assert "Fjärrvärme Aspskolan" in text
    english = read(served.client, "/api/v1/enpis", period=QUARTER, format="csv").text
    assert english.splitlines()[0].startswith("id,name,")
