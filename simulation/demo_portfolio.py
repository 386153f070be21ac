"""The demo portfolio as data: its five buildings, their thermal models and their meters.

Which meter reads which simulated series, over Modbus (gateway, unit, profile) or MQTT (topic,
payload format), and under which site. ``simulation.portfolio`` turns these into hourly
records along the demo's timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from baselines.calendar import DayKind
from simulation.buildings import EVERY_DAY, OPEN_DAYS, BuildingModel, Schedule

Series = Literal["electricity", "ventilation", "district_heating", "indoor", "outdoor", "hot_water"]


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
    parent: str | None = None  # the main meter that also measures what this one does

    @property
    def medium(self) -> str:
        return {
            "electricity": "electricity",
            "ventilation": "electricity",
            "district_heating": "district_heating",
            "indoor": "indoor_temperature",
            "outdoor": "outdoor_temperature",
            "hot_water": "hot_water_temperature",
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
        parent="ekbacka-el",  # the air handling unit is on the school's main electricity meter
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
        "tallgarden-vvc",
        "Varmvattencirkulation, retur",
        "tallgarden",
        "hot_water",
        MqttLink("fastighet/tallgarden/vvc/retur", "json_temperature"),
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
