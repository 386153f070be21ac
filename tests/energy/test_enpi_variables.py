"""Relevant variables besides temperature (ISO 50006) in the running system: provided by
plugins (the built-in Swedish calendar, and a third-party one), named by an EnPI, fitted into
its baseline, and followed by what is expected on each reporting day."""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from baselines.calendar import DayKind, day_kind
from core.deployment import load_deployment
from core.storage import Point, SeriesSelector, Store
from energy.enpi_run import run_enpi
from energy.register import Register
from energy.variables import RelevantVariable, UnknownVariable, VariableContext
from enms.cli.main import main
from plugins.hookspecs import hookimpl
from plugins.manager import load_plugins
from plugins.variables import relevant_variables

pytestmark = pytest.mark.anyio

ZONE = ZoneInfo("Europe/Stockholm")
FIRST = date(2024, 1, 1)
DAYS = 456  # 2024 and the first quarter of 2025
NS = 1_000_000_000
SCHOOL_DAY_KWH = 400.0  # ventilation, hot water and kitchen on a school day
MEAL_KWH = 0.8  # per meal served (the third-party variable)


def days() -> list[date]:
    return [FIRST + timedelta(days=i) for i in range(DAYS)]


def meals(day: date) -> float:
    return 0.0 if day_kind(day) is not DayKind.WORKDAY else 300.0 + 60 * (day.toordinal() % 3)


def readings() -> list[Point]:
    """A school's hourly district-heating register and outdoor temperature: heating below
    15 °C, a school-day load, and a kitchen that uses energy per meal."""
    rng = np.random.default_rng(3)
    temperature = 6 + 11 * np.sin(2 * np.pi * (np.arange(DAYS) - 105) / 365)
    temperature += rng.normal(0, 2.5, DAYS)
    school = np.array([day_kind(d) is DayKind.WORKDAY for d in days()], dtype=float)
    served = np.array([meals(d) for d in days()])
    per_day = 150 + 20 * np.maximum(15 - temperature, 0) + SCHOOL_DAY_KWH * school
    per_day += MEAL_KWH * served + rng.normal(0, 8, DAYS)
    start = int(datetime(2024, 1, 1, tzinfo=ZONE).timestamp())
    base = {"site": "skolan", "building": "hus-a"}
    heat = {**base, "meter": "fjv", "medium": "district_heating"}
    outdoor = {**base, "meter": "ute", "medium": "outdoor_temperature"}
    register, points = 10_000.0, []
    for h in range(DAYS * 24 + 1):
        t = (start + h * 3600) * NS
        points.append(Point("readings", heat, {"energy_kwh": round(register, 4)}, t))
        if h < DAYS * 24:
            points.append(Point("readings", outdoor, {"temperature_c": temperature[h // 24]}, t))
            register += per_day[h // 24] / 24
    return points


def config_text(storage: str, variables: str) -> str:
    return textwrap.dedent(f"""\
        version: 1
        portfolio: {{name: Testkommun, timezone: Europe/Stockholm}}
        storage: {storage}
        mqtt: {{host: 127.0.0.1}}
        daemon: {{register_path: register.sqlite}}
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
          - {{id: hus-a-fjv, name: Fjärrvärme hus A, building: hus-a, medium: district_heating,
              temperature_meter: ute, baseline: {{first: 2024-01-01, last: 2024-12-31}},
              variables: {variables}}}
        """)


class Kitchen:
    """A third-party plugin: meals served per day, from its own system (a coroutine)."""

    @hookimpl
    def enms_relevant_variables(self, context: VariableContext) -> list[RelevantVariable]:
        async def served(first: date, last: date) -> Mapping[date, float]:
            await asyncio.sleep(0)
            return {d: meals(d) for d in days() if first <= d <= last}

        return [RelevantVariable("meals", "meals served in the school kitchen", "meals", served)]


@pytest.fixture
async def stored(configured_store: tuple[str, Store]) -> tuple[str, Store]:
    storage, store = configured_store
    await store.write(readings())
    return storage, store


async def test_the_calendar_s_school_days_enter_the_model_through_baseline_run(
    stored: tuple[str, Store], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage, store = stored
    path = tmp_path / "site.yaml"
    path.write_text(config_text(storage, "[]"))
    run = ["baseline", "run", "--config", str(path), "--until", "2025-03-31"]
    assert await asyncio.to_thread(main, run) == 0
    path.write_text(config_text(storage, "[school_days]"))
    assert await asyncio.to_thread(main, run) == 0
    capsys.readouterr()

    register = Register(tmp_path / "register.sqlite")
    try:
        first, second = register.versions("hus-a-fjv")
    finally:
        register.close()
    assert first.variables == ()
    assert second.reason == "relevant variables changed in the configuration to school_days"
    ((name, mean),) = second.variables
    assert name == "school_days"
    assert 0.5 < mean < 0.8  # the share of school days in 2024
    school = dict(second.coefficients)["school_days"]
    assert school == pytest.approx(SCHOOL_DAY_KWH + MEAL_KWH * 360, rel=0.1)  # meals ride along
    assert second.statistics["cv_rmse"] < first.statistics["cv_rmse"] / 2

    series = await store.raw(
        SeriesSelector("enpi", "variable_school_days", {"baseline_version": "2"}),
        int(datetime(2025, 1, 1, tzinfo=ZONE).timestamp()) * NS,
        int(datetime(2025, 4, 1, tzinfo=ZONE).timestamp()) * NS,
    )
    (values,) = series
    assert len(values.values) == 90
    kinds = [day_kind(date(2025, 1, 1) + timedelta(days=i)) for i in range(90)]
    assert list(values.values) == [float(k is DayKind.WORKDAY) for k in kinds]
    await store.close()


async def test_a_third_party_variable_is_fitted_and_followed_day_by_day(
    stored: tuple[str, Store], tmp_path: Path
) -> None:
    storage, store = stored
    path = tmp_path / "site.yaml"
    path.write_text(config_text(storage, "[school_days, meals]"))
    config = load_deployment(path).config
    plugins = load_plugins(installed=False)
    plugins.manager.register(Kitchen(), name="kitchen")
    available = relevant_variables(plugins, config, store)
    assert set(available) == {"workdays", "school_days", "meals"}
    register = Register(tmp_path / "register.sqlite")
    try:
        (enpi,) = config.enpis
        result = await run_enpi(
            store, register, config, enpi, until=date(2025, 3, 31), variables=available
        )
    finally:
        register.close()
    coefficients = dict(result.baseline.coefficients)
    assert coefficients["meals"] == pytest.approx(MEAL_KWH, rel=0.15)
    assert coefficients["school_days"] == pytest.approx(SCHOOL_DAY_KWH, rel=0.15)
    assert abs(result.senpi - 1) < 0.02  # nothing changed: expected follows the days' values
    await store.close()


async def test_an_enpi_naming_an_unknown_variable_says_which_there_are(
    stored: tuple[str, Store], tmp_path: Path
) -> None:
    storage, store = stored
    path = tmp_path / "site.yaml"
    path.write_text(config_text(storage, "[pupils]"))
    config = load_deployment(path).config
    available = relevant_variables(load_plugins(installed=False), config, store)
    register = Register(tmp_path / "register.sqlite")
    try:
        with pytest.raises(UnknownVariable, match="'pupils'; provided: school_days, workdays"):
            await run_enpi(store, register, config, config.enpis[0], until=date(2025, 3, 31),
                           variables=available)  # fmt: skip
        assert register.versions("hus-a-fjv") == []
    finally:
        register.close()
    answer = await asyncio.to_thread(
        main, ["baseline", "run", "--config", str(path), "--until", "2025-03-31"]
    )
    assert answer == 1
    await store.close()
