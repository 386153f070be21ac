"""The provisioned Grafana dashboards: well-formed, and every query returns rows.

No Grafana server runs here (DESIGN §9), so the test does what Grafana would: it writes fixture
data through enms into a real InfluxDB -- readings, `enms consumption`, `enms baseline run`,
`enms evaluate --store`, and a few seconds of the real daemon with one unreachable meter for
the health series -- then resolves each dashboard's template variables with their own queries,
substitutes `$timeFilter` and `$__interval`, and runs every panel's query.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import numpy as np
import pytest
import yaml
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import hash_key
from core import schema
from core.config.models import InfluxDBSettings
from core.deployment import load_deployment
from core.storage import InfluxDBStore
from tests.dashboards.grafana_schema import alert_problems, dashboard_problems
from tests.fixture_portfolio import START, TARGETS, config_text, readings
from tests.process_output import Output
from tests.services import require_influxdb, require_mqtt

REPO = Path(__file__).resolve().parents[2]
DASHBOARDS = REPO / "dashboards"
ALERTS = DASHBOARDS / "provisioning" / "alerting" / "enms.yaml"
PROVISIONING = "/etc/grafana/provisioning"
ENMS = [sys.executable, "-m", "enms.cli.main"]
ZONE = ZoneInfo("Europe/Stockholm")


def dashboards() -> dict[str, dict[str, Any]]:
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((DASHBOARDS / "json").glob("*.json"))
    }


def datasource_uid() -> str:
    provisioned = yaml.safe_load((DASHBOARDS / "provisioning/datasources/enms.yaml").read_text())
    (source,) = provisioned["datasources"]
    assert source["type"] == "influxdb"
    uid: str = source["uid"]
    return uid


# -- JSON checks ---------------------------------------------------------------------------


def test_the_dashboards_are_generated_from_scripts_build_dashboards() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_dashboards.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert set(dashboards()) == {
        "portfolio-overview.json",
        "building-detail.json",
        "load-profile.json",
        "management-system.json",
        "collector-health.json",
    }
    assert ALERTS.is_file()


def alert_rules() -> list[dict[str, Any]]:
    provisioned = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    return [rule for group in provisioned["groups"] for rule in group["rules"]]


def test_every_dashboard_and_alert_rule_reads_in_the_pinned_grafanas_schema() -> None:
    """Field names, enum values, panel types, transformations and the datasource uid, against
    the schemas of the Grafana version docker-compose.yml runs (tests/dashboards/
    grafana_schema.py)."""
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert compose["services"]["grafana"]["image"].startswith("grafana/grafana-oss:11.3.")
    uid = datasource_uid()
    for name, board in dashboards().items():
        assert dashboard_problems(board, uid) == [], name
    provisioned = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    assert alert_problems(provisioned, uid) == []
    assert {rule["uid"] for rule in alert_rules()} == {
        "enms-meter-offline", "enms-spool-growing", "enms-cusum-deviation",
        "enms-commitment-broken",
    }  # fmt: skip
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"./dashboards/provisioning/alerting:{PROVISIONING}/alerting:ro" in mounts


def test_the_schema_check_finds_what_grafana_would_not_read() -> None:
    """The check itself: a misspelt option, an unknown enum value, a foreign datasource and a
    rule whose condition names no query are each reported."""
    board = dashboards()["load-profile.json"]
    broken = json.loads(json.dumps(board))
    broken["panels"][0]["options"]["colour"] = {}
    broken["panels"][1]["options"]["legend"]["placement"] = "middle"
    broken["panels"][2]["targets"][0]["datasource"] = {"type": "influxdb", "uid": "other"}
    broken["panels"][3]["transformations"] = [{"id": "pivotEverything"}]
    problems = " ".join(dashboard_problems(broken, datasource_uid()))
    for expected in ("options.colour", "'middle'", "other", "pivotEverything"):
        assert expected in problems
    provisioned = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    provisioned["groups"][0]["rules"][0]["condition"] = "Z"
    provisioned["groups"][0]["rules"][1]["noDataState"] = "Maybe"
    problems = " ".join(alert_problems(provisioned, datasource_uid()))
    assert "'Z' is no query" in problems
    assert "'Maybe'" in problems


def test_dashboards_for_another_time_zone_group_by_its_local_days(tmp_path: Path) -> None:
    example = (REPO / "config" / "example.yaml").read_text(encoding="utf-8")
    assert "timezone: Europe/Stockholm" in example
    config = tmp_path / "helsinki.yaml"
    config.write_text(example.replace("timezone: Europe/Stockholm", "timezone: Europe/Helsinki"))
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_dashboards.py"), "--config", str(config),
         "--out", str(tmp_path / "json")],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    built = json.loads((tmp_path / "json" / "building-detail.json").read_text(encoding="utf-8"))
    assert built["timezone"] == "Europe/Helsinki"
    queries = " ".join(t["query"] for p in built["panels"] for t in p["targets"])
    assert "tz('Europe/Helsinki')" in queries
    assert "Stockholm" not in json.dumps(built)


def test_dashboards_read_in_the_portfolios_language(tmp_path: Path) -> None:
    """The shipped dashboards follow config/example.yaml's language (Swedish); --lang en gives
    the same panels and queries in English, from the same description."""
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_dashboards.py"), "--lang", "en",
         "--out", str(tmp_path)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for name, swedish in dashboards().items():
        english = json.loads((tmp_path / name).read_text(encoding="utf-8"))
        assert [p["targets"] for p in swedish["panels"]] == [
            p["targets"] for p in english["panels"]
        ]
        for sv, en in zip(swedish["panels"], english["panels"], strict=True):
            assert sv["title"] != en["title"], (name, en["title"])  # every title translated
            assert sv["description"] != en["description"], (name, en["description"])
        labels = {v["name"]: v["label"] for v in swedish["templating"]["list"]}
        assert labels.get("building", "Byggnad") == "Byggnad"
    overview = dashboards()["portfolio-overview.json"]
    assert overview["title"] == "enms · Beståndsöversikt"
    described = " ".join(p["description"] for p in overview["panels"])
    assert "Lokala dygn (Europe/Stockholm), staplade." in described


def stored_names() -> set[str]:
    names: set[str] = set()
    for names_of in (
        schema.Measurement, schema.Tag, schema.ReadingField, schema.EnpiField,
        schema.EnpiMonthField, schema.EnpiYearField, schema.ConsumptionField, schema.FindingField,
        schema.HealthField, schema.DaemonField,
    ):  # fmt: skip
        names |= {member.value for member in names_of}
    return names


def test_every_name_a_query_reads_is_a_stored_name_from_core_schema() -> None:
    # quoted identifiers, except the aliases a query gives its columns ("AS ...")
    known = stored_names()
    patterns = (schema.metric_field(""), schema.error_field(""), schema.variable_field(""))
    for name, board in dashboards().items():
        queries = [t["query"] for p in board["panels"] for t in p["targets"]]
        queries += [v["query"] for v in board["templating"]["list"]]
        if name == "portfolio-overview.json":  # and once, the alert rules' queries
            queries += [q["model"]["query"] for r in alert_rules() for q in r["data"][:1]]
        for query in queries:
            aliases = set(re.findall(r'AS "([^"]+)"', query))
            for identifier in re.findall(r'"([^"]+)"', query):
                if identifier in aliases or identifier.startswith(patterns):
                    continue
                assert identifier in known, f"{name}: {identifier!r} is not in core.schema"


def test_uids_are_unique_and_every_datasource_is_the_provisioned_one() -> None:
    uid = datasource_uid()
    found = dashboards()
    uids = [board["uid"] for board in found.values()]
    assert len(set(uids)) == len(uids)
    for name, board in found.items():
        references = [v["datasource"] for v in board["templating"]["list"]]
        for panel in board["panels"]:
            references.append(panel["datasource"])
            references += [target["datasource"] for target in panel["targets"]]
        assert references, name
        assert all(ref == {"type": "influxdb", "uid": uid} for ref in references), name
        ids = [panel["id"] for panel in board["panels"]]
        assert len(set(ids)) == len(ids), name


def test_panels_fit_the_grid_and_do_not_overlap() -> None:
    for name, board in dashboards().items():
        cells: dict[tuple[int, int], str] = {}
        for panel in board["panels"]:
            pos = panel["gridPos"]
            assert pos["x"] >= 0, (name, panel["title"])
            assert pos["x"] + pos["w"] <= 24, (name, panel["title"])
            assert min(pos["w"], pos["h"]) > 0, (name, panel["title"])
            for x in range(pos["x"], pos["x"] + pos["w"]):
                for y in range(pos["y"], pos["y"] + pos["h"]):
                    assert (x, y) not in cells, f"{name}: {panel['title']} overlaps {cells[x, y]}"
                    cells[x, y] = panel["title"]


def test_days_are_local_and_units_are_set() -> None:
    for name, board in dashboards().items():
        for panel in board["panels"]:
            for target in panel["targets"]:
                if "GROUP BY time(" in target["query"] and "enms_daemon" not in target["query"]:
                    assert "tz('Europe/Stockholm')" in target["query"], (name, panel["title"])
            if "kwh" in json.dumps(panel["targets"]) and panel["type"] == "timeseries":
                assert panel["fieldConfig"]["defaults"]["unit"] in ("kwatth", "kwatt"), (
                    name,
                    panel["title"],
                )
    (cost,) = [  # the panel that prices: its overrides give the cost column a currency
        p
        for p in dashboards()["portfolio-overview.json"]["panels"]
        if any(o["matcher"]["options"] == "cost" for o in p["fieldConfig"]["overrides"])
    ]
    units = {
        o["matcher"]["options"]: o["properties"][0]["value"]
        for o in cost["fieldConfig"]["overrides"]
    }
    assert units == {"cost": "currencySEK", "kWh": "kwatth"}


def test_the_provider_points_where_the_compose_file_mounts_the_json() -> None:
    provider = yaml.safe_load((DASHBOARDS / "provisioning/dashboards/enms.yaml").read_text())
    (entry,) = provider["providers"]
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"./dashboards/json:{entry['options']['path']}:ro" in mounts


# -- every query against fixture data ------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def enms(*argv: str, cwd: Path) -> str:
    result = subprocess.run(
        [*ENMS, *argv], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"enms {' '.join(argv)}: {result.stdout}\n{result.stderr}"
    return result.stdout


def run_daemon_briefly(config: Path, seconds: float) -> None:
    """The real daemon, long enough for several health reports and an offline meter."""
    process = subprocess.Popen(
        [*ENMS, "run", "--config", str(config)],
        cwd=config.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = Output(process)
    try:  # at least ``seconds``, and until the unreachable meter is reported offline
        time.sleep(seconds)
        output.wait_for("offline", timeout_s=60)
    finally:
        process.send_signal(signal.SIGTERM)
        text = output.finish(timeout_s=60)
    assert process.returncode == 0, text


PRICES = (
    """
plugins:
  settings:
    cost_co2:
      carriers:
        electricity: {price_per_kwh: {2025: 1.3}, co2_g_per_kwh: {2025: 40}}
        district_heating: {price_per_kwh: {2025: 0.95}, co2_g_per_kwh: {2025: 58}}
    indoor_climate: {low_c: 21.2, high_c: 23}  # the school is below it for much of the day
comparisons:
  references: [{category: preschool, kwh_per_m2: 20, source: Nyckeltal}]
internal_control_plan:
  approved_on: 2024-01-15
  points: [{id: kalibrering, what: Kalibrering, risk: Fel värden, owner: tekniker,
            every_days: 30}]
compliance:
  energy_declarations: [{building: asp-skolan, declared_on: 2014-05-01,
                         primary_energy_number: 10, fgeo: 1.2}]
"""
    + TARGETS
    + """
commitments:
  - {id: inomhus, text: "21,2–23 °C under skoldagen", approved_by: Tekniska nämnden,
     approved_on: 2024-11-20, kind: indoor_temperature, categories: [school], low_c: 21.2,
     high_c: 23}
"""
)


#: two complaints: the school is below the (tightened) band in the evening, not at noon
FEEDBACK = """\
case_ref;received_at;building;category;text
D-1;2025-03-04 18:30;asp-skolan;too_cold;Kallt på kvällskursen
D-2;2025-03-05 12:00;asp-skolan;too_cold;Kallt i matsalen
"""


@dataclass
class Fixture:
    url: str
    database: str
    first_ns: int
    last_ns: int
    config: Path


@pytest.fixture(scope="module")
def fixture_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fixture]:
    url = require_influxdb()
    mqtt = require_mqtt()
    database = f"enms_dash_{uuid.uuid4().hex[:12]}"
    folder = tmp_path_factory.mktemp("dashboards")
    config = folder / "site.yaml"
    storage = f'{{backend: influxdb, influxdb: {{url: "{url}", database: {database}}}}}'
    extra = (
        PRICES
        + f"api: {{keys: [{{name: grafana-test, sha256: {hash_key(READ_KEY)}, scopes: [read]}}]}}\n"
    )
    config.write_text(config_text(storage, mqtt=mqtt, modbus_port=free_port(), extra=extra))

    async def write() -> None:
        settings = InfluxDBSettings(url=url, database=database, create_database=True)
        async with InfluxDBStore(settings) as store:
            await store.write(readings())

    try:
        asyncio.run(write())
        enms(
            "consumption", "--config", str(config), "--period", "2024-01-01..2025-03-31", cwd=folder
        )
        enms("baseline", "run", "--config", str(config), "--until", "2025-03-31", cwd=folder)
        cases = folder / "synpunkter.csv"
        cases.write_text(FEEDBACK, encoding="utf-8")
        enms("feedback", "import", "--config", str(config), str(cases), cwd=folder)
        enms(
            "evaluate",
            "--config",
            str(config),
            "--period",
            "2025-03",
            "--store",
            "--no-installed",
            cwd=folder,
        )
        run_daemon_briefly(config, 6.0)
        yield Fixture(
            url, database, int(START.timestamp() * 1000), int(time.time() * 1000) + 60_000, config
        )
    finally:
        httpx.post(f"{url}/query", data={"q": f'DROP DATABASE "{database}"'}, timeout=30)


def influxql(data: Fixture, query: str) -> list[dict[str, Any]]:
    answer = httpx.post(
        f"{data.url}/query",
        data={"db": data.database, "q": query, "epoch": "ms"},
        timeout=60,
    )
    assert answer.status_code == 200, (query, answer.text)
    (result,) = answer.json()["results"]
    assert "error" not in result, (query, result["error"])
    series: list[dict[str, Any]] = result.get("series", [])
    return series


def substitute(text: str, values: dict[str, str], data: Fixture) -> str:
    text = text.replace("$timeFilter", f"time >= {data.first_ns}ms and time <= {data.last_ns}ms")
    text = text.replace("$__interval", "1d")
    for name in sorted(values, key=len, reverse=True):
        text = text.replace(f"${name}", values[name])
    assert "$" not in re.sub(r"\$(col|tag_\w+)", "", text.replace("$/", "/")), text
    return text


def resolved_variables(board: dict[str, Any], data: Fixture) -> dict[str, str]:
    """Each variable's value as Grafana would set it on load: All, or the first value."""
    values: dict[str, str] = {}
    for var in board["templating"]["list"]:
        series = influxql(data, substitute(var["query"], values, data))
        options = [row[1] for one in series for row in one["values"]]
        assert options, f"{board['uid']}: variable {var['name']} has no values"
        if var["includeAll"]:
            values[var["name"]] = var["allValue"]
        else:
            values[var["name"]] = re.escape(sorted(options)[0])
    return values


PANELS = [
    pytest.param(name, panel["id"], id=f"{name.removesuffix('.json')}:{panel['title']}")
    for name, board in dashboards().items()
    for panel in board["panels"]
]


@pytest.mark.parametrize(("name", "panel_id"), PANELS)
def test_every_panel_query_returns_rows(fixture_data: Fixture, name: str, panel_id: int) -> None:
    board = dashboards()[name]
    values = resolved_variables(board, fixture_data)
    (panel,) = [p for p in board["panels"] if p["id"] == panel_id]
    for target in panel["targets"]:
        query = substitute(target["query"], values, fixture_data)
        series = influxql(fixture_data, query)
        assert series, f"{panel['title']}: no rows from {query}"
        assert any(
            any(value is not None for value in row[1:]) for one in series for row in one["values"]
        ), f"{panel['title']}: only empty values from {query}"


READ_KEY = "grafana-test-read-key-0123"


@contextmanager
def api_client(data: Fixture) -> Iterator[TestClient]:
    """The API on the fixture's configuration: the figures the panels must agree with."""
    app = create_app(load_deployment(data.config), installed_plugins=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["X-API-Key"] = READ_KEY
        yield client


def local_window(data: Fixture, first: date, last: date) -> Fixture:
    """The fixture with $timeFilter over the local days first..last (Europe/Stockholm)."""
    start = datetime(first.year, first.month, first.day, tzinfo=ZONE)
    end = datetime(last.year, last.month, last.day, tzinfo=ZONE) + timedelta(days=1)
    ms = (int(start.timestamp() * 1000), int(end.timestamp() * 1000) - 1)
    return Fixture(data.url, data.database, *ms, data.config)


def test_kwh_per_m2_per_building_is_the_reviews_ranking(fixture_data: Fixture) -> None:
    window = local_window(fixture_data, date(2025, 1, 1), date(2025, 3, 31))
    with api_client(fixture_data) as client:
        answer = client.get("/api/v1/review", params={"period": "2025-01-01..2025-03-31"})
    assert answer.status_code == 200, answer.text
    ranking = answer.json()["inputs"]["g_energy_performance"]["building_ranking"]["buildings"]
    board = dashboards()["portfolio-overview.json"]
    (panel,) = [p for p in board["panels"] if p["title"].startswith("kWh/m² Atemp")]
    values = resolved_variables(board, window)
    series = influxql(window, substitute(panel["targets"][0]["query"], values, window))
    per_m2 = {one["tags"]["building"]: one["values"][0][1] for one in series}
    assert per_m2 == pytest.approx({row["building"]: row["kwh_per_m2"] for row in ranking})
    assert per_m2["asp-skolan"] > 0  # electricity and heat of the school, not only its EnPI
    one = {**values, "building": "(bok-forskolan)"}
    series = influxql(window, substitute(panel["targets"][0]["query"], one, window))
    assert [found["tags"]["building"] for found in series] == ["bok-forskolan"]


def test_the_energy_signature_is_the_apis(fixture_data: Fixture) -> None:
    """Baseline and reporting days apart, each day's temperature and kWh as the API gives
    them, and the model line on the API's model curve."""
    window = local_window(fixture_data, date(2024, 1, 1), date(2025, 3, 31))
    with api_client(fixture_data) as client:
        answer = client.get(
            "/api/v1/enpis/asp-fjv/signature", params={"period": "2024-01-01..2025-03-31"}
        )
    assert answer.status_code == 200, answer.text
    api = answer.json()
    board = dashboards()["building-detail.json"]
    (panel,) = [p for p in board["panels"] if p["type"] == "xychart"]
    values = {**resolved_variables(board, window), "building": "asp-skolan", "enpi": "asp-fjv"}
    rows = {}
    for target in panel["targets"]:
        (series,) = influxql(window, substitute(target["query"], values, window))
        rows[target["refId"]] = series["values"]
    for ref, reporting in (("A", False), ("B", True)):
        shown = [
            (datetime.fromtimestamp(t / 1000, ZONE).date().isoformat(), temperature, kwh)
            for t, temperature, kwh in rows[ref]
        ]
        expected = [
            (p["day"], p["temperature_c"], p["actual_kwh"])
            for p in api["points"]
            if p["reporting"] is reporting
        ]
        assert len(shown) == len(expected)
        for (day, temperature, kwh), (api_day, api_temperature, api_kwh) in zip(
            shown, expected, strict=True
        ):
            assert day == api_day
            assert temperature == pytest.approx(api_temperature, rel=1e-12)
            assert kwh == pytest.approx(api_kwh, rel=1e-12)
    assert any(p["reporting"] for p in api["points"])
    assert not all(p["reporting"] for p in api["points"])
    # the API samples its line every 0.5 °C; the stored line is the same model at each day's
    # temperature, so it lies on the API's curve (to the curvature between two samples)
    grid = np.array([point["temperature_c"] for point in api["model"]["line"]])
    line = np.array([point["expected_kwh"] for point in api["model"]["line"]])
    temperatures = np.array([row[1] for row in rows["C"]])
    stored = np.array([row[2] for row in rows["C"]])
    np.testing.assert_allclose(stored, np.interp(temperatures, grid, line), rtol=0.01)


def alert_query(rule: dict[str, Any], data: Fixture) -> list[dict[str, Any]]:
    (query,) = [q for q in rule["data"] if q["datasourceUid"] != "__expr__"]
    return influxql(data, substitute(query["model"]["query"], {}, data))


@pytest.mark.parametrize("uid", [
    "enms-meter-offline", "enms-spool-growing", "enms-cusum-deviation", "enms-commitment-broken",
])  # fmt: skip
def test_every_alert_rules_query_returns_the_series_it_judges(
    fixture_data: Fixture, uid: str
) -> None:
    """The fixture's daemon could not read the Modbus meter, its school is colder than its
    (tightened) indoor commitment, and its preschool's heating rose above the baseline: each rule's
    query finds its series, with a value its threshold judges (Grafana reduces to the last)."""
    (rule,) = [r for r in alert_rules() if r["uid"] == uid]
    series = alert_query(rule, fixture_data)
    assert series, uid
    last = {tuple(sorted(one.get("tags", {}).items())): one["values"][-1][1] for one in series}
    if uid == "enms-meter-offline":  # never read since the daemon first tried it
        assert set(last) == {(("building", "asp-skolan"), ("source", "asp-ftx"))}
        assert next(iter(last.values())) > 0
    elif uid == "enms-spool-growing":  # the store took every reading: nothing grew
        assert list(last.values()) == [0]
    elif uid == "enms-cusum-deviation":
        assert last == {(("building", ""), ("finding", "enpi-deviation.bok-fjv")): 1}
    else:  # the school's indoor commitment, checked against the tightened band
        assert last == {
            (("building", "asp-skolan"), ("finding", "commitment.inomhus.asp-skolan")): 1
        }


def test_the_load_profile_panels_compute_what_they_say(fixture_data: Fixture) -> None:
    """Heatmap cells, base load and the share outside working hours, recomputed from the
    stored hourly consumption of the school's main meters in local time."""
    window = local_window(fixture_data, date(2025, 1, 1), date(2025, 3, 31))
    board = dashboards()["load-profile.json"]
    values = {**resolved_variables(board, window), "building": "asp-skolan", "medium": ".*"}
    raw = influxql(
        window,
        substitute(
            'SELECT "kwh" FROM "consumption" WHERE "building" = \'asp-skolan\' AND "parent" = '
            "'' AND $timeFilter GROUP BY \"meter\"",
            {},
            window,
        ),
    )
    hourly: dict[int, float] = {}
    for one in raw:
        for t, kwh in one["values"]:
            hourly[t] = hourly.get(t, 0.0) + kwh
    assert {one["tags"]["meter"] for one in raw} == {"asp-el", "asp-fjv"}  # not the sub-meter
    local = {datetime.fromtimestamp(t / 1000, ZONE): kwh for t, kwh in hourly.items()}
    panels = {p["type"]: p for p in board["panels"]}

    heatmap = panels["heatmap"]
    (seven,) = [t for t in heatmap["targets"] if t["alias"] == "07"]
    (cells,) = influxql(window, substitute(seven["query"], values, window))
    by_day = {datetime.fromtimestamp(t / 1000, ZONE).date(): kwh for t, kwh in cells["values"]}
    assert by_day == pytest.approx({at.date(): kwh for at, kwh in local.items() if at.hour == 7})

    def answer(ref: str) -> float:
        (target,) = [t for t in panels["stat"]["targets"] if t["refId"] == ref]
        (series,) = influxql(window, substitute(target["query"], values, window))
        value: float = series["values"][0][1]
        return value

    night = [kwh for at, kwh in local.items() if 1 <= at.hour < 5]
    day = [kwh for at, kwh in local.items() if at.isoweekday() <= 5 and 8 <= at.hour < 16]
    outside = [kwh for at, kwh in local.items() if at.isoweekday() >= 6 or not 7 <= at.hour < 18]
    assert answer("A") == pytest.approx(np.mean(night))
    assert answer("C") == pytest.approx(np.mean(day))
    assert answer("D") / answer("E") == pytest.approx(sum(outside) / sum(local.values()))
    assert answer("A") < answer("C")  # the fixture school uses less at night

    duration = panels["trend"]
    (series,) = influxql(window, substitute(duration["targets"][0]["query"], values, window))
    assert sorted(row[1] for row in series["values"]) == pytest.approx(sorted(local.values()))
