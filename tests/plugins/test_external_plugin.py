"""A third-party plugin, installed as a package, is found through its entry point.

Its findings reach `enms evaluate`, its report section the printed review.

The example package next to this file (the one docs/plugins.md builds) is installed with pip
into a directory of the test's own -- offline, no index -- and ``enms evaluate`` is run as a
separate process that sees that directory, as a user's installation would.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import hash_key
from core.deployment import load_deployment
from core.storage import EmbeddedStore
from plugins.context import ReviewPeriod
from plugins.hookspecs import hookimpl
from plugins.manager import load_plugins
from plugins.runner import report_sections
from plugins.sections import ReportSection
from plugins.variables import relevant_variables
from tests.plugins.test_data_quality import config_text, month_of_readings

pytestmark = pytest.mark.anyio
EXAMPLE = Path(__file__).parent / "example_package"
REPO = Path(__file__).parents[2]


def pip_install(package: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Install ``package`` into a new directory, offline; return the directory."""
    target = tmp_path_factory.mktemp("site-packages")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "--target",
            str(target),
            str(package),
        ],
        check=True,
        timeout=300,
        cwd=tmp_path_factory.mktemp("build"),
    )
    return target


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pip_install(EXAMPLE, tmp_path_factory)


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pip_install(Path(__file__).parent / "broken_package", tmp_path_factory)


def enms(
    config: Path, *args: str, site: Path | None, more: Path | None = None
) -> subprocess.CompletedProcess[str]:
    paths = [str(p) for p in (site, more) if p]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*paths, str(REPO)])}
    return subprocess.run(
        [sys.executable, "-m", "enms.cli.main", "evaluate", "--config", str(config), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def deployment(tmp_path: Path) -> Path:
    async def write() -> None:
        store = EmbeddedStore(tmp_path / "data.sqlite")
        try:
            await store.write(month_of_readings())
        finally:
            await store.close()

    asyncio.run(write())
    path = tmp_path / "site.yaml"
    path.write_text(
        config_text("{backend: embedded, embedded: {path: data.sqlite}}")
        + "plugins: {settings: {night_load: {night_share_max: 0.3}}}\n"
    )
    return path


def test_the_installed_example_plugin_is_discovered_and_its_findings_reported(
    installed: Path, deployment: Path
) -> None:
    done = enms(deployment, "--period", "2025-03", "--format", "json", site=installed)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {run["name"]: run["status"] for run in report["plugins"]} == {
        "cost_co2": "ok",
        "data_quality": "ok",
        "enpi_deviation": "ok",
        "commitments": "ok",
        "comparisons": "ok",
        "compliance": "ok",
        "energy_review": "ok",
        "feedback": "ok",
        "indoor_climate": "ok",
        "internal_control": "ok",
        "night_load": "ok",
        "opportunities": "ok",
        "targets": "ok",
    }
    night = [f for f in report["findings"] if f["plugin"] == "night_load"]
    # the electricity meters use as much each hour of the day: 8 of 24 hours are night
    assert sorted(f["id"] for f in night) == [
        "night-load.el-gap",
        "night-load.el-ok",
        "night-load.el-vent",
    ]
    for finding in night:
        assert finding["kind"] == "opportunity"
        assert finding["metrics"]["night_share"] == pytest.approx(8 / 24, abs=0.02)
    assert any(f["id"] == "summary" for f in report["findings"])  # the built-in ones still run

    table = enms(deployment, "--period", "2025-03", site=installed)
    row = (
        r"low\s+opportunity\s+night_load\s+meter:el-ok\s+"
        r"el-ok: 3\d % of the electricity is used at night"
    )
    assert re.search(row, table.stdout), table.stdout
    assert "plugin night_load: ok, 3 findings" in table.stdout


def test_without_the_package_its_settings_are_an_error(deployment: Path) -> None:
    done = enms(deployment, "--period", "2025-03", site=None)
    assert done.returncode == 1
    assert "plugins.settings: no plugin named 'night_load'" in done.stderr


def test_no_installed_runs_the_built_in_plugins_only(installed: Path, deployment: Path) -> None:
    deployment.write_text(
        deployment.read_text()
        .replace("night_load", "data_quality")
        .replace("night_share_max: 0.3", "completeness_min: 0.9")
    )
    done = enms(
        deployment, "--period", "2025-03", "--format", "json", "--no-installed", site=installed
    )
    assert done.returncode == 0, done.stderr
    assert [run["name"] for run in json.loads(done.stdout)["plugins"]] == [
        "commitments",
        "comparisons",
        "compliance",
        "cost_co2",
        "data_quality",
        "energy_review",
        "enpi_deviation",
        "feedback",
        "indoor_climate",
        "internal_control",
        "opportunities",
        "targets",
    ]


def test_a_package_that_cannot_be_loaded_is_reported_and_the_rest_run(
    installed: Path, broken: Path, deployment: Path
) -> None:
    done = enms(deployment, "--period", "2025-03", "--format", "json", site=installed, more=broken)
    assert done.returncode == 3, done.stderr  # evaluated, but not every plugin could
    report = json.loads(done.stdout)
    assert {run["name"]: run["status"] for run in report["plugins"]} == {
        "broken": "failed",
        "cost_co2": "ok",
        "data_quality": "ok",
        "enpi_deviation": "ok",
        "commitments": "ok",
        "comparisons": "ok",
        "compliance": "ok",
        "energy_review": "ok",
        "feedback": "ok",
        "indoor_climate": "ok",
        "internal_control": "ok",
        "night_load": "ok",
        "opportunities": "ok",
        "targets": "ok",
    }
    (failed,) = [f for f in report["findings"] if f["plugin"] == "broken"]
    assert failed["id"] == "plugin-failed.broken"
    assert failed["severity"] == "high"
    assert "ModuleNotFoundError" in failed["metrics"]["error"]
    assert "enms_tariff_tables" in failed["metrics"]["error"]
    assert sum(f["plugin"] == "night_load" for f in report["findings"]) == 3


def test_the_installed_plugins_report_section_is_in_the_review_report(
    installed: Path, deployment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(installed))  # as if pip had installed it into the venv
    importlib.invalidate_caches()
    key = "report-test-key-0123456789"
    deployment.write_text(
        deployment.read_text() + f"api: {{keys: [{{name: t, sha256: '{hash_key(key)}'}}]}}\n"
    )
    app = create_app(load_deployment(deployment), installed_plugins=True)
    with TestClient(app) as client:
        answer = client.get(
            "/api/v1/review/report", params={"period": "2025-03"}, headers={"X-API-Key": key}
        )
    assert answer.status_code == 200
    html = answer.text
    assert re.search(r"<h2>\d+ From the plugins</h2>", html)
    assert "Electricity used at night (22:00-06:00)" in html
    assert re.search(r"<td>el-ok</td><td>[^<]+</td><td class=\"num\">3\d\.\d\d</td>", html), html
    assert "From the plugin night_load." in html


async def test_a_failing_section_is_reported_and_the_others_stay(tmp_path: Path) -> None:
    class Raising:
        @hookimpl
        def enms_report_sections(self, context: Any) -> list[ReportSection]:
            raise RuntimeError("no data source configured")

    class Giving:
        @hookimpl
        async def enms_report_sections(self, context: Any) -> list[ReportSection]:
            return [ReportSection(title=f"Period {context.period.label}", paragraphs=["<b>"])]

    plugins = load_plugins(installed=False)
    plugins.manager.register(Raising(), name="raising")
    plugins.manager.register(Giving(), name="giving")
    path = tmp_path / "site.yaml"
    path.write_text(config_text("{backend: embedded, embedded: {path: data.sqlite}}"))
    config = load_deployment(path).config
    store = EmbeddedStore(tmp_path / "data.sqlite")
    try:
        sections = await report_sections(plugins, config, store, ReviewPeriod.parse("2025-03"))
    finally:
        await store.close()
    by_plugin = {s.plugin: s for s in sections}
    assert by_plugin["giving"].title == "Period 2025-03"
    failed = by_plugin["raising"]
    assert failed.title == "Section of plugin raising missing"
    assert failed.paragraphs == [
        "The plugin could not make its section: RuntimeError: no data source configured"
    ]


PROFILE_METER = """
modbus:
  gateways: [{id: gw-uc, host: 127.0.0.1, port: 1502}]
sites:
  - id: verket
    name: Verket
    buildings: [{id: uc, name: Undercentral, category: office, atemp_m2: 100}]
    meters:
      - {id: fjv-uc, building: uc, medium: district_heating, unit: kWh,
         modbus: {gateway: gw-uc, unit_id: 5, profile: kamstrup_multical_603}}
"""


def config_check(config: Path, site: Path | None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*([str(site)] if site else []), str(REPO)])}
    return subprocess.run(
        [sys.executable, "-m", "enms.cli.main", "config", "check", str(config)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_an_installed_package_ships_meter_profiles_a_meter_can_name(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    site = pip_install(Path(__file__).parent / "profiles_package", tmp_path_factory)
    config = tmp_path / "site.yaml"
    config.write_text(
        "version: 1\nportfolio: {name: T}\nstorage: {backend: embedded}\n" + PROFILE_METER
    )
    done = config_check(config, site)
    assert done.returncode == 0, done.stderr
    assert "1 meters (1 Modbus, 0 MQTT)" in done.stdout
    without = config_check(config, None)
    assert without.returncode == 1
    assert "unknown profile 'kamstrup_multical_603'" in without.stderr


async def test_the_installed_plugins_relevant_variable_is_found_through_its_entry_point(
    installed: Path, deployment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(installed))
    importlib.invalidate_caches()
    config = load_deployment(deployment).config
    store = EmbeddedStore(deployment.parent / "variables.sqlite")
    try:
        found = relevant_variables(load_plugins(installed=True), config, store)
        assert set(found) == {"dark_hours", "school_days", "workdays"}
        winter, summer = (
            await found["dark_hours"].values([date(2025, 12, 21)]),
            await found["dark_hours"].values([date(2025, 6, 21)]),
        )
    finally:
        await store.close()
    assert 17.5 < winter[0] < 18.5  # Stockholm at midwinter: about six hours of day
    assert 5 < summer[0] < 6
