"""The demo's municipal portfolio: five buildings, their meters, and what the meters read.

A school with its sports hall, a preschool, an elderly-care home and the municipal office, on
one shared outdoor temperature. The timeline is set from the demo's day: a baseline year,
then the school's ventilation is put on a school-hours schedule (the saving), and five weeks
before the demo day a radiator valve at the elderly-care home sticks open (the fault).

Every meter's hourly record is computed once, from the origin to a horizon well past the
demo day, so the history written at start-up and the values the simulated devices serve live
are one continuous record: a counter read live continues the counter stored as history.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np

from baselines.calendar import DayKind
from daemon.readings import READINGS_MEASUREMENT
from daemon.simulation.buildings import (
    EVERY_DAY,
    OPEN_DAYS,
    BuildingModel,
    Floats,
    Hours,
    Schedule,
    StuckValve,
    VentilationChange,
    simulate,
)
from daemon.simulation.climate import Climate
from daemon.storage.points import Point

ZONE = ZoneInfo("Europe/Stockholm")
NS = 1_000_000_000
BASELINE_DAYS = 365
REPORTING_DAYS = 175  # from the saving to the day before the demo
FAULT_DAYS = 35  # the valve has been stuck this long on the demo day
HORIZON_DAYS = 400  # how long past the demo day the simulated devices have values

Series = Literal["electricity", "ventilation", "district_heating", "indoor", "outdoor"]


@dataclass(frozen=True, slots=True)
class SimBuilding:
    id: str
    name: str
    category: str
    site: str
    address: str
    year_built: int
    model: BuildingModel


@dataclass(frozen=True, slots=True)
class ModbusLink:
    gateway: str
    unit_id: int
    profile: Literal["eastron_sdm630", "sunspec"]


@dataclass(frozen=True, slots=True)
class MqttLink:
    topic: str
    payload: Literal["heat_meter_json", "tasmota", "number", "json_temperature"]


@dataclass(frozen=True, slots=True)
class SimMeter:
    id: str
    name: str
    building: str
    series: Series
    link: ModbusLink | MqttLink
    seu: str | None = None
    first_kwh: float = 0.0  # the register's value when the record begins

    @property
    def medium(self) -> str:
        return {
            "electricity": "electricity",
            "ventilation": "electricity",
            "district_heating": "district_heating",
            "indoor": "indoor_temperature",
            "outdoor": "outdoor_temperature",
        }[self.series]

    @property
    def counter(self) -> bool:
        return self.series in ("electricity", "ventilation", "district_heating")

    @property
    def field(self) -> str:
        return "energy_kwh" if self.counter else "temperature_c"


SCHOOL_DAYS = frozenset({DayKind.WORKDAY})
PRESCHOOL_DAYS = OPEN_DAYS  # Lönnen is the summer preschool: open in July too
HALL_DAYS = OPEN_DAYS | {DayKind.WEEKEND}  # school sports on weekdays, clubs at weekends

BUILDINGS = (
    SimBuilding(
        "ekbackaskolan",
        "Ekbackaskolan (F-9)",
        "school",
        "ekbacka",
        "Skolgatan 4",
        1968,
        BuildingModel(
            atemp_m2=4850,
            transmission_w_per_m2k=0.55,
            ventilation_l_per_s_m2=1.3,
            heat_recovery=0.55,
            hot_water_kwh_per_m2_year=4.0,
            occupied=Schedule(7.5, 16.0, SCHOOL_DAYS),
            ventilation=Schedule(5.0, 21.0, EVERY_DAY),  # until the saving: every day, long
            base_electricity_w_per_m2=3.0,
            occupied_electricity_w_per_m2=10.0,
        ),
    ),
    SimBuilding(
        "ekbackahallen",
        "Ekbackahallen",
        "sports_hall",
        "ekbacka",
        "Skolgatan 6",
        1975,
        BuildingModel(
            atemp_m2=1240,
            transmission_w_per_m2k=0.6,
            ventilation_l_per_s_m2=2.0,
            heat_recovery=0.5,
            hot_water_kwh_per_m2_year=15.0,
            occupied=Schedule(8.0, 22.0, HALL_DAYS),
            ventilation=Schedule(7.5, 22.0, HALL_DAYS),
            indoor_occupied_c=19.0,
            indoor_setback_c=17.0,
            occupied_electricity_w_per_m2=14.0,
        ),
    ),
    SimBuilding(
        "lonnen",
        "Förskolan Lönnen",
        "preschool",
        "lonnen",
        "Lönnstigen 2",
        1978,
        BuildingModel(
            atemp_m2=720,
            transmission_w_per_m2k=0.5,
            ventilation_l_per_s_m2=1.0,
            heat_recovery=0.5,
            hot_water_kwh_per_m2_year=8.0,
            occupied=Schedule(6.5, 17.5, PRESCHOOL_DAYS),
            ventilation=Schedule(6.0, 18.0, EVERY_DAY),  # a simple timer, weekends too
        ),
    ),
    SimBuilding(
        "tallgarden",
        "Tallgårdens äldreboende",
        "elderly_care",
        "tallgarden",
        "Tallvägen 20",
        1991,
        BuildingModel(
            atemp_m2=3900,
            transmission_w_per_m2k=0.45,
            ventilation_l_per_s_m2=0.9,
            heat_recovery=0.7,
            hot_water_kwh_per_m2_year=22.0,
            occupied=Schedule(0.0, 24.0, EVERY_DAY),
            ventilation=Schedule(0.0, 24.0, EVERY_DAY),
            indoor_occupied_c=21.5,
            indoor_setback_c=21.5,
            internal_gains_w_per_m2=6.0,
            base_electricity_w_per_m2=4.5,
            occupied_electricity_w_per_m2=4.5,
            noise=0.08,  # residents, visitors and laundry vary more than a school day
        ),
    ),
    SimBuilding(
        "kommunhuset",
        "Kommunhuset",
        "office",
        "kommunhuset",
        "Stora torget 1",
        1962,
        BuildingModel(
            atemp_m2=6200,
            transmission_w_per_m2k=0.6,
            ventilation_l_per_s_m2=1.1,
            heat_recovery=0.6,
            hot_water_kwh_per_m2_year=2.0,
            occupied=Schedule(7.0, 18.0, OPEN_DAYS),
            ventilation=Schedule(6.0, 19.0, OPEN_DAYS),
            base_electricity_w_per_m2=4.0,
        ),
    ),
)

GW_EKBACKA, GW_TALLGARDEN, GW_KOMMUNHUSET = "gw-ekbacka", "gw-tallgarden", "kommunhuset-el"

METERS = (
    SimMeter(
        "ekbacka-el",
        "Huvudmätare el, skolan",
        "ekbackaskolan",
        "electricity",
        ModbusLink(GW_EKBACKA, 1, "eastron_sdm630"),
        first_kwh=284_112.4,
    ),
    SimMeter(
        "ekbacka-ftx",
        "Undermätare FTX-aggregat LA01",
        "ekbackaskolan",
        "ventilation",
        ModbusLink(GW_EKBACKA, 2, "eastron_sdm630"),
        seu="ventilation",
        first_kwh=61_870.2,
    ),
    SimMeter(
        "ekbacka-fjv",
        "Fjärrvärmemätare, skolan",
        "ekbackaskolan",
        "district_heating",
        MqttLink("fastighet/ekbacka/fjv-skola/state", "heat_meter_json"),
        seu="space-heating",
        first_kwh=3_412_500.0,
    ),
    SimMeter(
        "ekbacka-klassrum",
        "Rumsgivare klassrum 12",
        "ekbackaskolan",
        "indoor",
        MqttLink("fastighet/ekbacka/rum/klassrum-12", "json_temperature"),
    ),
    SimMeter(
        "ekbacka-ute",
        "Utetemperatur, skolans tak",
        "ekbackaskolan",
        "outdoor",
        MqttLink("fastighet/ekbacka/ute/temperature", "number"),
    ),
    SimMeter(
        "hallen-el",
        "Elmätare, idrottshallen",
        "ekbackahallen",
        "electricity",
        ModbusLink(GW_EKBACKA, 3, "eastron_sdm630"),
        first_kwh=97_004.0,
    ),
    SimMeter(
        "hallen-fjv",
        "Fjärrvärmemätare, idrottshallen",
        "ekbackahallen",
        "district_heating",
        MqttLink("fastighet/ekbacka/fjv-hallen/state", "heat_meter_json"),
        seu="space-heating",
        first_kwh=1_208_300.0,
    ),
    SimMeter(
        "lonnen-el",
        "Tasmota-mätare, elcentral",
        "lonnen",
        "electricity",
        MqttLink("tele/lonnen-el/SENSOR", "tasmota"),
        first_kwh=41_250.9,
    ),
    SimMeter(
        "lonnen-fjv",
        "Fjärrvärmemätare",
        "lonnen",
        "district_heating",
        MqttLink("fastighet/lonnen/fjv/state", "heat_meter_json"),
        seu="space-heating",
        first_kwh=288_730.0,
    ),
    SimMeter(
        "lonnen-inne",
        "Rumsgivare avdelning Blåbär",
        "lonnen",
        "indoor",
        MqttLink("fastighet/lonnen/rum/blabar", "json_temperature"),
    ),
    SimMeter(
        "tallgarden-el",
        "Huvudmätare el",
        "tallgarden",
        "electricity",
        ModbusLink(GW_TALLGARDEN, 1, "eastron_sdm630"),
        first_kwh=512_774.3,
    ),
    SimMeter(
        "tallgarden-fjv",
        "Fjärrvärmemätare, undercentral",
        "tallgarden",
        "district_heating",
        MqttLink("fastighet/tallgarden/fjv/state", "heat_meter_json"),
        seu="space-heating",
        first_kwh=4_980_100.0,
    ),
    SimMeter(
        "tallgarden-inne",
        "Rumsgivare korridor plan 2",
        "tallgarden",
        "indoor",
        MqttLink("fastighet/tallgarden/rum/plan-2", "json_temperature"),
    ),
    SimMeter(
        "kommunhuset-el",
        "Huvudmätare el (SunSpec)",
        "kommunhuset",
        "electricity",
        ModbusLink(GW_KOMMUNHUSET, 1, "sunspec"),
        first_kwh=1_432_090.0,
    ),
    SimMeter(
        "kommunhuset-fjv",
        "Fjärrvärmemätare",
        "kommunhuset",
        "district_heating",
        MqttLink("fastighet/kommunhuset/fjv/state", "heat_meter_json"),
        seu="space-heating",
        first_kwh=6_120_400.0,
    ),
    SimMeter(
        "kommunhuset-inne",
        "Rumsgivare sammanträdesrum",
        "kommunhuset",
        "indoor",
        MqttLink("fastighet/kommunhuset/rum/sammantradesrum", "json_temperature"),
    ),
)

SITE_NAMES = {
    "ekbacka": "Ekbacka skol- och idrottsområde",
    "lonnen": "Förskolan Lönnen",
    "tallgarden": "Tallgårdens äldreboende",
    "kommunhuset": "Kommunhuset",
}


@dataclass(frozen=True, slots=True)
class Timeline:
    """The demo's dates, all set from the demo day."""

    today: date

    @property
    def first(self) -> date:
        return self.today - timedelta(days=BASELINE_DAYS + REPORTING_DAYS)

    @property
    def baseline(self) -> tuple[date, date]:
        return self.first, self.first + timedelta(days=BASELINE_DAYS - 1)

    @property
    def saving_from(self) -> date:
        return self.baseline[1] + timedelta(days=1)

    @property
    def reporting(self) -> tuple[date, date]:
        return self.saving_from, self.today - timedelta(days=1)

    @property
    def fault_from(self) -> date:
        return self.today - timedelta(days=FAULT_DAYS)

    @property
    def start_utc(self) -> datetime:
        return datetime.combine(self.first, datetime.min.time(), ZONE).astimezone(UTC)


def events_of(building: str, timeline: Timeline) -> list[VentilationChange | StuckValve]:
    if building == "ekbackaskolan":
        return [
            VentilationChange(
                timeline.saving_from,
                Schedule(6.0, 18.0, OPEN_DAYS),
                "air handling units off at weekends and holidays, 06-18 on weekdays "
                "(were 05-21 every day)",
            )
        ]
    if building == "tallgarden":
        return [StuckValve(timeline.fault_from)]
    return []


class DemoPortfolio:
    """Every meter's hourly record from the first history day to the horizon."""

    def __init__(self, today: date, *, seed: int = 2026) -> None:
        self.timeline = Timeline(today)
        self.start_utc = self.timeline.start_utc
        days = BASELINE_DAYS + REPORTING_DAYS + HORIZON_DAYS
        self.hours = days * 24
        calendar = Hours.of(self.start_utc, self.hours, ZONE)
        self.outdoor = Climate(self.start_utc, seed=seed).hours(self.hours)
        self.buildings = {b.id: b for b in BUILDINGS}
        self.meters = {m.id: m for m in METERS}
        energy = {
            b.id: simulate(
                b.model,
                calendar,
                self.outdoor,
                events=events_of(b.id, self.timeline),
                seed=seed + k,
            )
            for k, b in enumerate(BUILDINGS)
        }
        self._hourly: dict[str, Floats] = {}
        self._counters: dict[str, Floats] = {}
        for meter in METERS:
            building = energy[meter.building]
            hourly = {
                "electricity": building.electricity_kwh,
                "ventilation": building.ventilation_kwh,
                "district_heating": building.district_heating_kwh,
                "indoor": building.indoor_c,
                "outdoor": self.outdoor,
            }[meter.series]
            self._hourly[meter.id] = hourly
            if meter.counter:  # the register at each whole hour, one value more than hours
                self._counters[meter.id] = meter.first_kwh + np.concatenate(
                    ([0.0], np.cumsum(hourly))
                )

    def _position(self, at: datetime) -> tuple[int, float]:
        offset = (at - self.start_utc).total_seconds() / 3600
        if not 0 <= offset < self.hours:
            raise ValueError(f"{at.isoformat()} is outside the simulated record")
        hour = math.floor(offset)
        return hour, offset - hour

    def value_at(self, meter_id: str, at: datetime) -> float:
        """The meter's reading at ``at``: a counter's register (kWh) or a temperature (°C)."""
        hour, fraction = self._position(at)
        if meter_id in self._counters:
            counter = self._counters[meter_id]
            return float(counter[hour] + fraction * (counter[hour + 1] - counter[hour]))
        series = self._hourly[meter_id]
        following = series[min(hour + 1, self.hours - 1)]
        return float(series[hour] + fraction * (following - series[hour]))

    def power_kw_at(self, meter_id: str, at: datetime) -> float:
        """A counter's mean power in the hour around ``at``."""
        hour, _ = self._position(at)
        return float(self._hourly[meter_id][hour])

    def peak_kw(self, meter_id: str) -> float:
        """A counter's highest hourly mean power in the whole record."""
        return float(self._hourly[meter_id].max())

    def history(self, until: datetime, *, chunk: int = 24 * 7) -> Iterator[list[Point]]:
        """Hourly readings of every meter from the first day to ``until``, a week at a time,
        as the collectors would have stored them."""
        last = self.history_hours(until) - 1
        tags = {meter.id: self.tags(meter) for meter in METERS}
        start_ns = int(self.start_utc.timestamp()) * NS
        for first in range(0, last + 1, chunk):
            points = []
            for hour in range(first, min(first + chunk, last + 1)):
                time_ns = start_ns + hour * 3600 * NS
                for meter in METERS:
                    value = (
                        self._counters[meter.id][hour]
                        if meter.counter
                        else self._hourly[meter.id][hour]
                    )
                    points.append(
                        Point(
                            READINGS_MEASUREMENT,
                            tags[meter.id],
                            {meter.field: round(float(value), 3)},
                            time_ns,
                        )
                    )
            yield points

    def history_hours(self, until: datetime) -> int:
        return min(self._position(until)[0], self.hours - 1) + 1

    def tags(self, meter: SimMeter) -> dict[str, str]:
        building = self.buildings[meter.building]
        tags = {
            "site": building.site,
            "building": building.id,
            "meter": meter.id,
            "medium": meter.medium,
        }
        if meter.seu:
            tags["seu"] = meter.seu
        return tags
