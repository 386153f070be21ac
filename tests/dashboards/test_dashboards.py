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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from core import schema
from core.config.models import InfluxDBSettings
from core.storage import InfluxDBStore
from tests.fixture_portfolio import START, config_text, readings
from tests.process_output import Output
from tests.services import require_influxdb, require_mqtt

REPO = Path(__file__).resolve().parents[2]
DASHBOARDS = REPO / "dashboards"
ENMS = [sys.executable, "-m", "enms.cli.main"]


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
        "collector-health.json",
    }


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
        schema.EnpiYearField, schema.ConsumptionField, schema.FindingField,
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


PRICES = """
plugins:
  settings:
    cost_co2:
      carriers:
        electricity: {price_per_kwh: {2025: 1.3}, co2_g_per_kwh: {2025: 40}}
        district_heating: {price_per_kwh: {2025: 0.95}, co2_g_per_kwh: {2025: 58}}
"""


@dataclass
class Fixture:
    url: str
    database: str
    first_ns: int
    last_ns: int


@pytest.fixture(scope="module")
def fixture_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fixture]:
    url = require_influxdb()
    mqtt = require_mqtt()
    database = f"enms_dash_{uuid.uuid4().hex[:12]}"
    folder = tmp_path_factory.mktemp("dashboards")
    config = folder / "site.yaml"
    storage = f'{{backend: influxdb, influxdb: {{url: "{url}", database: {database}}}}}'
    config.write_text(config_text(storage, mqtt=mqtt, modbus_port=free_port(), extra=PRICES))

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
            url, database, int(START.timestamp() * 1000), int(time.time() * 1000) + 60_000
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


def test_a_single_building_selects_only_its_own_rows(fixture_data: Fixture) -> None:
    board = dashboards()["portfolio-overview.json"]
    (panel,) = [p for p in board["panels"] if p["title"].startswith("kWh/m² Atemp")]
    values = {**resolved_variables(board, fixture_data), "building": "(bok-forskolan)"}
    series = influxql(fixture_data, substitute(panel["targets"][0]["query"], values, fixture_data))
    assert [one["tags"]["building"] for one in series] == ["bok-forskolan"]
    # the preschool's 2024 use per m² against the portfolio: it is a quarter of the school's
    # heat on 900 of 4000 m², so slightly more per m² than the school
    all_values = {**values, "building": ".*"}
    every = influxql(
        fixture_data, substitute(panel["targets"][0]["query"], all_values, fixture_data)
    )
    per_m2 = {one["tags"]["building"]: one["values"][0][1] for one in every}
    assert per_m2["bok-forskolan"] == pytest.approx(
        per_m2["asp-skolan"] * (0.25 * 4000 / 900), rel=0.05
    )
