"""`enms baseline run`: EnPIs from stored readings, series written back, baselines in the register.

Runs against the embedded store and a real InfluxDB; the daily figures written back must agree
with what `enms baseline fit` computes from the same readings given as CSV files.
"""

from __future__ import annotations

import asyncio
import json
import logging
import textwrap
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from baselines.changepoint import WEEKDAY_NAMES, hinge
from baselines.versions import RevisionTrigger
from core.deployment import load_deployment
from core.storage import Point, SeriesSelector, Store
from daemon.service import Daemon
from energy.register import Register
from enms.cli.main import main
from tests.services import require_mqtt

pytestmark = pytest.mark.anyio

ZONE = ZoneInfo("Europe/Stockholm")
FIRST = date(2023, 1, 1)
DAYS = 547  # 2023 and the first half of 2024
NS = 1_000_000_000


def readings() -> tuple[list[Point], list[tuple[int, float]], list[tuple[int, float]]]:
    """Hourly district-heating register and outdoor temperature of one school building, whose
    ventilation runs on weekdays (a weekly rhythm the model must find)."""
    rng = np.random.default_rng(11)
    start = int(datetime(2023, 1, 1, tzinfo=ZONE).timestamp())
    hours = DAYS * 24
    day_index = np.arange(hours) // 24
    daily_t = 6 + 12 * np.sin(2 * np.pi * (np.arange(DAYS) - 105) / 365) + rng.normal(0, 2.5, DAYS)
    hourly_t = daily_t[day_index] + rng.normal(0, 0.3, hours)
    weekday = np.array([(FIRST + timedelta(days=int(d))).weekday() for d in range(DAYS)])
    use_per_day = 120 + 14 * np.maximum(15 - daily_t, 0) + rng.normal(0, 10, DAYS)
    use_per_day += np.where(weekday < 5, 60.0, 0.0)
    use_per_day[365:] *= 0.9  # a saving from 2024
    register, points, counter_rows, temperature_rows = 50_000.0, [], [], []
    heat_tags = {
        "site": "skolan",
        "building": "hus-a",
        "meter": "fjv",
        "medium": "district_heating",
    }
    ute_tags = {
        "site": "skolan",
        "building": "hus-a",
        "meter": "ute",
        "medium": "outdoor_temperature",
    }
    for h in range(hours + 1):
        t = (start + h * 3600) * NS
        points.append(Point("readings", heat_tags, {"energy_kwh": round(register, 4)}, t))
        counter_rows.append((t, round(register, 4)))
        if h < hours:
            points.append(Point("readings", ute_tags, {"temperature_c": round(hourly_t[h], 3)}, t))
            temperature_rows.append((t, round(hourly_t[h], 3)))
            register += use_per_day[day_index[h]] / 24
    return points, counter_rows, temperature_rows


POINTS, COUNTER, TEMPERATURE = readings()


def config_text(storage: str, baseline_last: str = "2023-12-31") -> str:
    return textwrap.dedent(f"""\
        version: 1
        portfolio: {{name: Testkommun, timezone: Europe/Stockholm}}
        storage: {storage}
        mqtt: {{host: 127.0.0.1}}
        sites:
          - id: skolan
            name: Skolan
            buildings: [{{id: hus-a, name: Hus A, category: school, atemp_m2: 4000}}]
            meters:
              - {{id: fjv, building: hus-a, medium: district_heating, unit: kWh,
                  mqtt: {{topic: x/fjv}}}}
              - {{id: ute, building: hus-a, medium: outdoor_temperature, kind: instantaneous,
                  unit: °C, mqtt: {{topic: x/ute}}}}
        enpis:
          - id: hus-a-fjv
            name: Fjärrvärme, hus A
            building: hus-a
            medium: district_heating
            temperature_meter: ute
            baseline: {{first: 2023-01-01, last: {baseline_last}}}
        """)


@pytest.fixture
async def deployment_file(
    configured_store: tuple[str, Store], tmp_path: Path
) -> AsyncIterator[tuple[Path, Store]]:
    storage, store = configured_store
    path = tmp_path / "site.yaml"
    path.write_text(config_text(storage))
    yield path, store
    await store.close()


def csv_file(path: Path, name: str, rows: list[tuple[int, float]]) -> Path:
    lines = ["time,value"] + [
        f"{datetime.fromtimestamp(t / NS, ZONE).isoformat()},{v}" for t, v in rows
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


async def test_baseline_run_writes_series_consistent_with_baseline_fit(
    deployment_file: tuple[Path, Store], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, store = deployment_file
    await store.write(POINTS)
    code = await asyncio.to_thread(
        main, ["baseline", "run", "--config", str(config), "--until", "2024-06-30"]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "hus-a-fjv: baseline v1 (adopted now, 3p_heating, valid for an improvement claim)" in out

    # the same readings as CSV files through `enms baseline fit`
    consumption = csv_file(tmp_path / "fjv.csv", "fjv", COUNTER)
    temperature = csv_file(tmp_path / "ute.csv", "ute", TEMPERATURE)
    args = [
        "baseline", "fit", "--consumption", str(consumption), "--temperature", str(temperature),
        "--counter", "--baseline", "2023-01-01..2023-12-31",
        "--reporting", "2024-01-01..2024-06-30", "--format", "json",
    ]  # fmt: skip
    assert main(args) == 0
    fitted = json.loads(capsys.readouterr().out)

    series = {
        field: (
            await store.raw(SeriesSelector("enpi", field, {"enpi": "hus-a-fjv"}), 0, 2 * 10**18)
        )[0]
        for field in ("expected_kwh", "actual_kwh", "residual_kwh", "cusum_kwh", "temperature_c")
    }
    expected, actual = series["expected_kwh"], series["actual_kwh"]
    assert len(expected.values) == DAYS
    assert dict(expected.tags) == {
        "enpi": "hus-a-fjv",
        "baseline_version": "1",
        "medium": "district_heating",
        "building": "hus-a",
    }
    model = fitted["model"]
    assert model["weekday_terms"] is True  # the weekday ventilation was found
    coefficients = {name: c["value"] for name, c in model["coefficients"].items()}
    assert coefficients["monday"] - coefficients["saturday"] == pytest.approx(60, abs=8)
    days = [FIRST + timedelta(days=i) for i in range(DAYS)]
    by_model = coefficients["intercept"] + coefficients["heating"] * hinge(
        model["heating_balance_c"] - series["temperature_c"].values, model["balance_spread_c"]
    )
    term = dict(enumerate(WEEKDAY_NAMES))  # Monday..Saturday; Sunday is in the intercept
    by_model += [coefficients.get(term.get(d.weekday(), "sunday"), 0.0) for d in days]
    np.testing.assert_allclose(expected.values, by_model, rtol=1e-9)
    np.testing.assert_allclose(
        series["residual_kwh"].values, actual.values - expected.values, rtol=1e-9, atol=1e-9
    )
    reporting = fitted["reporting"]
    assert reporting["expected_kwh"] == pytest.approx(expected.values[365:].sum(), rel=1e-9)
    assert reporting["actual_kwh"] == pytest.approx(actual.values[365:].sum(), rel=1e-9)
    assert series["cusum_kwh"].values[-1] == pytest.approx(reporting["cusum_kwh"][-1], rel=1e-9)
    assert reporting["improvement"] == pytest.approx(0.10, abs=0.02)

    # each reporting day says whether it lies outside the temperatures the model was fitted on
    low, high = fitted["data"]["temperature_range_c"]
    baseline_days = series["temperature_c"].values[:365]
    assert (low, high) == pytest.approx((baseline_days.min(), baseline_days.max()), abs=1e-3)
    (flags,) = await store.raw(
        SeriesSelector("enpi", "extrapolated", {"enpi": "hus-a-fjv"}), 0, 2 * 10**18
    )
    reporting_days = series["temperature_c"].values[365:]
    assert flags.values.size == reporting_days.size
    margin = 0.1 * (high - low)
    beyond = (reporting_days < low - margin) | (reporting_days > high + margin)
    assert flags.values.tolist() == beyond.astype(float).tolist()

    # the signature's model line: the model on an average day of the week, and degree days
    (line,) = await store.raw(
        SeriesSelector("enpi", "model_kwh", {"enpi": "hus-a-fjv"}), 0, 2 * 10**18
    )
    average_day = sum(coefficients.get(name, 0.0) for name in WEEKDAY_NAMES) / 7  # Sunday: 0
    by_temperature = coefficients["intercept"] + coefficients["heating"] * hinge(
        model["heating_balance_c"] - series["temperature_c"].values, model["balance_spread_c"]
    )
    np.testing.assert_allclose(line.values, by_temperature + average_day, rtol=1e-9)
    (hdd,) = await store.raw(
        SeriesSelector("enpi", "heating_degree_days", {"enpi": "hus-a-fjv"}), 0, 2 * 10**18
    )
    np.testing.assert_allclose(hdd.values, np.maximum(17 - series["temperature_c"].values, 0))

    # months beside the same days a year earlier and in the baseline year
    months = {
        field: (
            await store.raw(
                SeriesSelector("enpi_month", field, {"enpi": "hus-a-fjv"}), 0, 2 * 10**18
            )
        )[0]
        for field in ("actual_kwh", "days", "last_year_kwh", "baseline_year_kwh")
    }
    assert len(months["actual_kwh"].values) == 18  # January 2023 .. June 2024
    assert months["days"].values[[1, 13]].tolist() == [28, 29]  # February, then a leap one
    by_day = dict(zip(days, actual.values, strict=True))

    def month_kwh(year: int, month: int) -> float:
        return sum(v for d, v in by_day.items() if (d.year, d.month) == (year, month))

    assert months["actual_kwh"].values[14] == pytest.approx(month_kwh(2024, 3), rel=1e-9)
    # comparisons start with the first month that has a year before it: 2024
    assert len(months["last_year_kwh"].values) == 6
    assert months["last_year_kwh"].values[2] == pytest.approx(month_kwh(2023, 3), rel=1e-9)
    # 29 February 2024 has no day a year before: February is compared over days 1-28
    assert months["last_year_kwh"].values[1] == pytest.approx(month_kwh(2023, 2), rel=1e-9)
    assert months["baseline_year_kwh"].values.tolist() == pytest.approx(
        [month_kwh(2023, m) for m in range(1, 13)] + [month_kwh(2023, m) for m in range(1, 7)],
        rel=1e-9,
    )


async def test_an_adopted_baseline_is_reused_and_a_changed_period_is_a_recorded_revision(
    deployment_file: tuple[Path, Store], capsys: pytest.CaptureFixture[str]
) -> None:
    config, store = deployment_file
    await store.write(POINTS)
    run = ["baseline", "run", "--config", str(config), "--until", "2024-06-30"]
    assert await asyncio.to_thread(main, run) == 0
    assert await asyncio.to_thread(main, run) == 0
    assert "baseline v1 (in the register" in capsys.readouterr().out
    text = config.read_text().replace("last: 2023-12-31", "last: 2023-11-30")
    config.write_text(text)
    assert await asyncio.to_thread(main, run) == 0
    assert "baseline v2 (adopted now" in capsys.readouterr().out
    register = Register(config.parent / "var" / "register.sqlite")
    versions = register.versions("hus-a-fjv")
    register.close()
    assert [(v.version, v.trigger) for v in versions] == [
        (1, RevisionTrigger.INITIAL),
        (2, RevisionTrigger.PREDETERMINED_METHOD),
    ]
    assert versions[1].last == date(2023, 11, 30)
    assert versions[0].statistics["form"] == "3p_heating"  # the first version kept as adopted
    assert (
        versions[1].reason
        == "baseline period changed in the configuration to 2023-01-01..2023-11-30"
    )


async def test_a_changed_static_factor_adopts_a_new_version_with_its_trigger(
    deployment_file: tuple[Path, Store], capsys: pytest.CaptureFixture[str]
) -> None:
    # ISO 50001 6.5: the heated area (Atemp) of the boundary grows with an extension
    config, store = deployment_file
    await store.write(POINTS)
    run = ["baseline", "run", "--config", str(config), "--until", "2024-06-30"]
    assert await asyncio.to_thread(main, run) == 0
    config.write_text(config.read_text().replace("atemp_m2: 4000", "atemp_m2: 4600"))
    assert await asyncio.to_thread(main, run) == 0
    assert "baseline v2 (adopted now" in capsys.readouterr().out
    assert await asyncio.to_thread(main, run) == 0  # and then it holds
    assert "baseline v2 (in the register" in capsys.readouterr().out
    register = Register(config.parent / "var" / "register.sqlite")
    history = register.history("hus-a-fjv")
    register.close()
    first, second = history
    assert second.baseline.trigger is RevisionTrigger.STATIC_FACTOR_CHANGE
    assert second.baseline.reason == "static factors changed: atemp_m2 4000 -> 4600"
    assert dict(second.baseline.static_factors) == {"atemp_m2": "4600", "meters": "fjv"}
    assert first.superseded_at == second.baseline.adopted_at
    assert second.superseded_at is None


def test_enpi_references_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "site.yaml"
    text = config_text("{backend: embedded}").replace(
        "temperature_meter: ute", "temperature_meter: fjv"
    )
    # the EnPI's boundary (its "building:" line is the only one indented by four spaces)
    path.write_text(text.replace("\n    building: hus-a\n", "\n    building: hus-b\n"))
    assert main(["config", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "EnPI 'hus-a-fjv' (enpis[0].building): unknown building 'hus-b'" in err
    assert (
        "(enpis[0].temperature_meter): meter 'fjv' measures district_heating, not "
        "outdoor_temperature" in err
    )


async def test_complete_years_get_a_normal_year_corrected_enpi(
    deployment_file: tuple[Path, Store], capsys: pytest.CaptureFixture[str]
) -> None:
    config, store = deployment_file
    config.write_text(config.read_text().replace(
        "baseline: {first: 2023-01-01", "normal_year_hdd: 3000\n    baseline: {first: 2023-01-01"
    ))  # fmt: skip
    await store.write(POINTS)
    assert (
        await asyncio.to_thread(
            main, ["baseline", "run", "--config", str(config), "--until", "2024-06-30"]
        )
        == 0
    )
    (year,) = await store.latest("enpi_year", 0)  # 2023 only: 2024 is not complete
    fields = year.fields
    assert year.time_ns == int(datetime(2023, 1, 1, tzinfo=ZONE).timestamp()) * NS
    assert fields["actual_kwh_per_m2"] == pytest.approx(fields["actual_kwh"] / 4000)
    expected = fields["actual_kwh"] - fields["heating_kwh"] * (
        1 - 3000 / fields["heating_degree_days"]
    )
    assert fields["normal_year_corrected_kwh"] == pytest.approx(expected)
    assert 0 < fields["heating_kwh"] < fields["actual_kwh"]


async def test_the_daemon_computes_the_enpis_on_its_schedule(
    deployment_file: tuple[Path, Store], caplog: pytest.LogCaptureFixture
) -> None:
    host, port = require_mqtt()
    config, store = deployment_file
    text = config.read_text().replace(
        "mqtt: {host: 127.0.0.1}", f"mqtt: {{host: {host}, port: {port}}}"
    )
    config.write_text(
        text.replace("sites:\n", "daemon: {metrics: {port: 0}, enpi_interval_s: 3600}\nsites:\n", 1)
    )
    await store.write(POINTS)
    caplog.set_level(logging.INFO)
    daemon = Daemon(load_deployment(config), store)
    running = asyncio.create_task(daemon.run())
    deadline = asyncio.get_running_loop().time() + 30
    while not any("baseline version 1 adopted" in r.getMessage() for r in caplog.records):
        assert asyncio.get_running_loop().time() < deadline, "the daemon computed no EnPI"
        await asyncio.sleep(0.1)
    daemon.stop.set()
    await running
    series = await store.raw(
        SeriesSelector("enpi", "expected_kwh", {"enpi": "hus-a-fjv"}), 0, 2 * 10**18
    )
    assert len(series[0].values) == DAYS  # every known day up to yesterday (the data end mid-2024)


async def test_a_non_routine_adjustment_is_recorded_and_raises_what_is_expected(
    deployment_file: tuple[Path, Store], capsys: pytest.CaptureFixture[str]
) -> None:
    config, store = deployment_file
    await store.write(POINTS)
    run = ["baseline", "run", "--config", str(config), "--until", "2024-06-30"]
    assert await asyncio.to_thread(main, run) == 0
    before = (await store.raw(SeriesSelector("enpi", "expected_kwh"), 0, 2 * 10**18))[0].values
    adjust = [
        "baseline", "adjust", "--config", str(config), "--enpi", "hus-a-fjv",
        "--period", "2024-03-01..2024-03-10", "--kwh", "500",
        "--reason", "temporary classrooms heated from the school's substation",
    ]  # fmt: skip
    assert await asyncio.to_thread(main, adjust) == 0
    assert (
        "adjustment of +500 kWh over 2024-03-01..2024-03-10 recorded against baseline v1"
        in capsys.readouterr().out
    )
    assert await asyncio.to_thread(main, run) == 0
    after = (await store.raw(SeriesSelector("enpi", "expected_kwh"), 0, 2 * 10**18))[0].values
    march_1 = (date(2024, 3, 1) - FIRST).days
    np.testing.assert_allclose(
        after - before, np.r_[np.zeros(march_1), np.full(10, 50.0), np.zeros(DAYS - march_1 - 10)]
    )
    register = Register(config.parent / "var" / "register.sqlite")
    (adjustment,) = register.adjustments("hus-a-fjv", 1)
    register.close()
    assert adjustment.reason == "temporary classrooms heated from the school's substation"
    assert adjustment.kwh == 500


async def test_degree_hours_from_stored_hourly_temperatures_match_baseline_fit(
    deployment_file: tuple[Path, Store], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`degrees: hourly`: the EnPI's model takes each day's hourly means from the store, as
    `enms baseline fit --degree-hours` takes them from the CSV; switching back is a revision."""
    config, store = deployment_file
    daily_mean = config.read_text()
    config.write_text(
        daily_mean.replace("temperature_meter: ute", "temperature_meter: ute\n    degrees: hourly")
    )
    await store.write(POINTS)
    run = ["baseline", "run", "--config", str(config), "--until", "2024-06-30"]
    assert await asyncio.to_thread(main, run) == 0
    capsys.readouterr()
    consumption = csv_file(tmp_path / "fjv.csv", "fjv", COUNTER)
    temperature = csv_file(tmp_path / "ute.csv", "ute", TEMPERATURE)
    args = [
        "baseline", "fit", "--consumption", str(consumption), "--temperature", str(temperature),
        "--counter", "--degree-hours", "--baseline", "2023-01-01..2023-12-31",
        "--reporting", "2024-01-01..2024-06-30", "--format", "json",
    ]  # fmt: skip
    assert main(args) == 0
    fitted = json.loads(capsys.readouterr().out)
    expected = (
        await store.raw(
            SeriesSelector("enpi", "expected_kwh", {"enpi": "hus-a-fjv"}), 0, 2 * 10**18
        )
    )[0]
    assert len(expected.values) == DAYS
    reporting = fitted["reporting"]
    assert reporting["expected_kwh"] == pytest.approx(expected.values[365:].sum(), rel=1e-9)
    assert reporting["improvement"] == pytest.approx(0.10, abs=0.02)

    config.write_text(daily_mean)
    assert await asyncio.to_thread(main, run) == 0
    register = Register(config.parent / "var" / "register.sqlite")
    versions = register.versions("hus-a-fjv")
    register.close()
    assert [v.degree_hours for v in versions] == [True, False]
    assert versions[1].reason == "outdoor degrees changed in the configuration to daily_mean"
    stored = dict(versions[0].statistics)
    # the stored model is the CLI's model, with the range of the temperatures it was fitted on
    assert stored.pop("temperature_range_c") == fitted["data"]["temperature_range_c"]
    assert stored == fitted["model"]
