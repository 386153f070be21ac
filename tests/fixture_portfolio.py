"""A small portfolio with a year and a quarter of hourly readings, for tests that need history.

A school (Aspskolan: electricity, district heating, indoor and outdoor temperature, and a Modbus
meter) and a preschool (district heating), both with a district-heating EnPI whose baseline is
2024. From 2025 the heating uses 12 % less than the model expects (the saving); from
2025-03-10 the preschool's heating valve is stuck open and it uses 40 % more than that (the
fault); and in March 2025 two meters are silent for three days (the gap data quality must
find).
"""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from core.config.loader import load_config
from core.storage import Point, Store
from core.storage.factory import open_store
from enms.cli.main import main

ZONE = ZoneInfo("Europe/Stockholm")
NS = 1_000_000_000
START = datetime(2024, 1, 1, tzinfo=ZONE)
DAYS = 456  # 2024 and the first quarter of 2025
SAVING = 0.12
FAULT_FROM = date(2025, 3, 10)
FAULT = 0.40


#: energy targets and action plans of the two buildings (append with ``extra``)
TARGETS = """
targets:
  - id: asp-2027
    name: Fjärrvärme Aspskolan -10 % till 2027
    objective: Halvera skolornas energianvändning till 2040
    enpi: asp-fjv
    improvement_pct: 10
    by: 2027-12-31
    action_plans:
      - {id: vent, name: Ventilation schedule to school hours, responsible: driftchef,
         due: 2024-12-20, status: done, completed: 2024-12-31,
         expected_savings_kwh_per_year: 12000, verification: EnPI asp-fjv}
      - {id: led, name: LED lighting, responsible: elansvarig, due: 2025-02-28,
         status: in_progress}
      - {id: cancelled, name: Solar thermal, responsible: x, due: 2025-01-01, status: cancelled}
  - id: bok-2025
    name: Fjärrvärme Bokens förskola -30 % till sommaren 2025
    enpi: bok-fjv
    improvement_pct: 30
    by: 2025-06-30
    action_plans:
      - {id: rebalance, name: Rebalance the radiator circuit, responsible: driftchef,
         due: 2025-12-31, status: planned, expected_savings_kwh_per_year: 9000}
"""


def config_text(
    storage: str,
    *,
    mqtt: tuple[str, int] = ("127.0.0.1", 1883),
    modbus_port: int = 502,
    extra: str = "",
) -> str:
    """The configuration of the fixture portfolio, with ``storage`` (a YAML flow mapping)."""
    return textwrap.dedent(f"""\
        version: 1
        portfolio: {{name: Testkommun, timezone: Europe/Stockholm}}
        storage: {storage}
        mqtt: {{host: {mqtt[0]}, port: {mqtt[1]}}}
        modbus:
          gateways: [{{id: gw, host: 127.0.0.1, port: {modbus_port}, timeout_s: 0.2}}]
        daemon:
          metrics: {{port: 0}}
          health_interval_s: 1
          consumption_interval_s: 3600
          spool: {{path: spool.sqlite}}
          register_path: register.sqlite
        sites:
          - id: centrum
            name: Centrum
            buildings:
              - {{id: asp-skolan, name: Aspskolan, category: school, atemp_m2: 4000}}
              - {{id: bok-forskolan, name: Bokens förskola, category: preschool, atemp_m2: 900}}
            meters:
              - {{id: asp-el, building: asp-skolan, medium: electricity, unit: kWh,
                  mqtt: {{topic: t/asp-el}}}}
              - {{id: asp-fjv, building: asp-skolan, medium: district_heating, unit: kWh,
                  mqtt: {{topic: t/asp-fjv}}}}
              - {{id: asp-inne, building: asp-skolan, medium: indoor_temperature,
                  kind: instantaneous, unit: °C, mqtt: {{topic: t/asp-inne}}}}
              - {{id: ute, building: asp-skolan, medium: outdoor_temperature,
                  kind: instantaneous, unit: °C, mqtt: {{topic: t/ute}}}}
              - {{id: bok-fjv, building: bok-forskolan, medium: district_heating, unit: kWh,
                  mqtt: {{topic: t/bok-fjv}}}}
              - {{id: asp-ftx, building: asp-skolan, medium: electricity, unit: kWh,
                  modbus: {{gateway: gw, unit_id: 1, profile: eastron_sdm630,
                            poll_interval_s: 1}}}}
        enpis:
          - {{id: asp-fjv, name: Fjärrvärme Aspskolan, building: asp-skolan,
              medium: district_heating, temperature_meter: ute,
              baseline: {{first: 2024-01-01, last: 2024-12-31}}, normal_year_hdd: 3800}}
          - {{id: bok-fjv, name: Fjärrvärme Bokens förskola, building: bok-forskolan,
              medium: district_heating, temperature_meter: ute,
              baseline: {{first: 2024-01-01, last: 2024-12-31}}}}
        """) + textwrap.dedent(extra)


def readings() -> list[Point]:
    """Hourly readings of a school and a preschool: the saving, the fault and the gap."""
    rng = np.random.default_rng(5)
    hours = DAYS * 24
    day = np.arange(hours) // 24
    daily_t = 5 + 11 * np.sin(2 * np.pi * (np.arange(DAYS) - 110) / 365) + rng.normal(0, 2, DAYS)
    outdoor = daily_t[day] + rng.normal(0, 0.4, hours)
    heat = 80 + 20 * np.maximum(16 - daily_t, 0) + rng.normal(0, 6, DAYS)
    heat[366:] *= 1 - SAVING
    preschool = heat * 0.25
    preschool[(FAULT_FROM - START.date()).days :] *= 1 + FAULT
    hour_of_day = np.arange(hours) % 24
    el = np.where((hour_of_day >= 7) & (hour_of_day < 17), 40.0, 12.0)
    registers = {"asp-el": 1000.0, "asp-fjv": 5e5, "bok-fjv": 2e5}
    base = {"site": "centrum"}
    where = {
        "asp-el": ("asp-skolan", "electricity"),
        "asp-fjv": ("asp-skolan", "district_heating"),
        "bok-fjv": ("bok-forskolan", "district_heating"),
        "asp-inne": ("asp-skolan", "indoor_temperature"),
        "ute": ("asp-skolan", "outdoor_temperature"),
    }
    tags = {
        meter: {**base, "building": building, "meter": meter, "medium": medium}
        for meter, (building, medium) in where.items()
    }
    gap = range((DAYS - 20) * 24, (DAYS - 17) * 24)  # three days in March without two meters
    start = int(START.timestamp())
    points = []
    for h in range(hours + 1):
        t = (start + h * 3600) * NS
        for meter, value in registers.items():
            if not (meter in ("bok-fjv", "asp-el") and h in gap):
                points.append(Point("readings", tags[meter], {"energy_kwh": round(value, 3)}, t))
        if h == hours:
            break
        indoor = 21.0 + 0.5 * np.sin(2 * np.pi * hour_of_day[h] / 24)
        points.append(Point("readings", tags["ute"], {"temperature_c": round(outdoor[h], 2)}, t))
        points.append(Point("readings", tags["asp-inne"], {"temperature_c": round(indoor, 2)}, t))
        registers["asp-el"] += el[h]
        registers["asp-fjv"] += heat[day[h]] / 24
        registers["bok-fjv"] += preschool[day[h]] / 24
    return points


async def deploy(
    store: Store | None,
    storage: str,
    folder: Path,
    *,
    points: Sequence[Point] | None = None,
    extra: str = "",
) -> Path:
    """Write the configuration (``storage`` and ``extra`` in it), store the readings (the
    fixture's unless given) through ``store`` -- or the configured one -- and adopt the EnPIs'
    baselines with `enms baseline run`; the configuration file."""
    path = folder / "site.yaml"
    path.write_text(config_text(storage, extra=extra))
    store = store or open_store(load_config(path).storage)
    try:
        await store.write(list(points) if points is not None else readings())
    finally:
        await store.close()
    run = ["baseline", "run", "--config", str(path), "--until", "2025-03-31"]
    assert await asyncio.to_thread(main, run) == 0
    return path
