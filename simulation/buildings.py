"""An hour-by-hour energy model of a municipal building, simple enough to read in one sitting.

Space heating is a steady-state heat balance: transmission, infiltration and (while the air
handling unit runs) ventilation losses through its heat recovery, against the indoor set
point, less internal and solar gains. District heating delivers that, domestic hot water and
the hot-water circulation. Electricity is a base load, the occupants' lighting and equipment,
and the fans while the air handling unit runs. Which hours are occupied and when the air
handling unit runs follow the building's category and the Swedish calendar.

Two kinds of event change a building part-way: a new ventilation schedule (an energy-saving
measure) and a radiator valve stuck open (a fault: the rooms overheat and heat flows even in
mild weather).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from baselines.calendar import DayKind, day_kind

Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]

AIR_HEAT_CAPACITY = 1200.0  # J/(m3 K), volumetric, of air
DRIFT_MAX_K = 2.5  # how far above its set point a room drifts on the warmest days
OPEN_DAYS = frozenset({DayKind.WORKDAY, DayKind.SCHOOL_BREAK, DayKind.SUMMER})
EVERY_DAY = frozenset(DayKind)


@dataclass(frozen=True, slots=True)
class Schedule:
    """Hours of a day (local, start inclusive, end exclusive) on the kinds of day listed."""

    start_h: float
    end_h: float
    days: frozenset[DayKind] = OPEN_DAYS

    def on(
        self, kinds: Sequence[DayKind], local_hour: Floats, day_index: NDArray[np.int64]
    ) -> Bools:
        open_day = np.array([kind in self.days for kind in kinds], dtype=bool)
        return open_day[day_index] & (local_hour >= self.start_h) & (local_hour < self.end_h)


@dataclass(frozen=True, slots=True)
class VentilationChange:
    """From ``from_day`` the air handling unit runs on ``schedule`` (an energy-saving measure)."""

    from_day: date
    schedule: Schedule
    description: str


@dataclass(frozen=True, slots=True)
class StuckValve:
    """From ``from_day`` a radiator valve is stuck open: rooms at ``indoor_c``, and at least
    ``minimum_w_per_m2`` of heat flowing whatever the weather (a fault)."""

    from_day: date
    indoor_c: float = 24.5
    minimum_w_per_m2: float = 4.0
    description: str = "radiator circuit valve stuck open"


@dataclass(frozen=True, slots=True)
class BuildingModel:
    """A building's physics and habits. Areas in m² Atemp, losses per m², powers in W/m²."""

    atemp_m2: float
    occupied: Schedule
    ventilation: Schedule
    transmission_w_per_m2k: float = 0.5  # U·A / Atemp, with thermal bridges
    infiltration_l_per_s_m2: float = 0.1
    ventilation_l_per_s_m2: float = 1.2
    heat_recovery: float = 0.6  # temperature efficiency of the air handling unit
    fan_kw_per_m3s: float = 2.0  # specific fan power (SFP)
    ventilation_standby_w: float = 120.0  # controls, dampers and frost protection while off
    indoor_occupied_c: float = 21.0
    indoor_setback_c: float = 19.5
    internal_gains_w_per_m2: float = 8.0  # while occupied; a quarter otherwise
    solar_gains_w_per_m2: float = 1.5  # daily mean at midsummer, through shaded windows
    hot_water_kwh_per_m2_year: float = 5.0
    circulation_w_per_m2: float = 0.8
    base_electricity_w_per_m2: float = 2.5
    occupied_electricity_w_per_m2: float = 9.0
    noise: float = 0.04  # relative day-to-day variation of heating and electricity

    def heat_loss_w_per_k(self, ventilating: Bools | bool) -> Floats:
        """Heat loss coefficient (W/K) with and without the air handling unit running."""
        air = (
            (
                self.infiltration_l_per_s_m2
                + np.where(ventilating, self.ventilation_l_per_s_m2 * (1 - self.heat_recovery), 0.0)
            )
            / 1000.0
            * AIR_HEAT_CAPACITY
        )
        return np.asarray((self.transmission_w_per_m2k + air) * self.atemp_m2, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class HourlyEnergy:
    """A building's hours: district heating and electricity (kWh), the air handling unit's
    own electricity (kWh, part of ``electricity``) and the indoor temperature (°C)."""

    district_heating_kwh: Floats
    electricity_kwh: Floats
    ventilation_kwh: Floats
    indoor_c: Floats


@dataclass(frozen=True, slots=True)
class Hours:
    """The local calendar of a run of whole UTC hours."""

    start_utc: datetime
    local_hour: Floats
    day_index: NDArray[np.int64]  # index into ``days``
    days: tuple[date, ...]
    kinds: tuple[DayKind, ...]
    day_of_year: Floats

    @classmethod
    def of(cls, start_utc: datetime, count: int, zone: ZoneInfo) -> Hours:
        days: list[date] = []
        day_index = np.empty(count, dtype=np.int64)
        local_hour = np.empty(count)
        for i in range(count):  # a few thousand local conversions: DST done by zoneinfo
            local = (start_utc + timedelta(hours=i)).astimezone(zone)
            if not days or days[-1] != local.date():
                days.append(local.date())
            day_index[i] = len(days) - 1
            local_hour[i] = local.hour + local.minute / 60
        day_of_year = np.array([d.timetuple().tm_yday for d in days], dtype=np.float64)[day_index]
        return cls(
            start_utc, local_hour, day_index, tuple(days), tuple(map(day_kind, days)), day_of_year
        )

    def from_day(self, day: date) -> Bools:
        first = np.searchsorted(np.array(self.days, dtype="datetime64[D]"), np.datetime64(day))
        return np.asarray(self.day_index >= first)


def simulate(
    model: BuildingModel,
    hours: Hours,
    outdoor_c: Floats,
    *,
    events: Sequence[VentilationChange | StuckValve] = (),
    seed: int = 0,
) -> HourlyEnergy:
    """The building's energy hour by hour for the ``hours`` and their outdoor temperature."""
    area = model.atemp_m2
    occupied = model.occupied.on(hours.kinds, hours.local_hour, hours.day_index)
    ventilating = model.ventilation.on(hours.kinds, hours.local_hour, hours.day_index)
    for event in events:
        if isinstance(event, VentilationChange):
            after = hours.from_day(event.from_day)
            changed = event.schedule.on(hours.kinds, hours.local_hour, hours.day_index)
            ventilating = np.where(after, changed, ventilating)
    heating_on = ventilating | occupied
    setpoint = np.where(
        heating_on | (hours.local_hour >= 4) & (hours.local_hour < 6),
        model.indoor_occupied_c,
        model.indoor_setback_c,
    )
    minimum_heat = np.zeros(len(outdoor_c))
    for event in events:
        if isinstance(event, StuckValve):
            faulty = hours.from_day(event.from_day)
            setpoint = np.where(faulty, np.maximum(setpoint, event.indoor_c), setpoint)
            minimum_heat = np.where(faulty, event.minimum_w_per_m2 * area, minimum_heat)

    season = 0.5 - 0.5 * np.cos(2 * np.pi * (hours.day_of_year - 20) / 365.25)  # 1 at midsummer
    daylight = np.clip(np.cos(2 * np.pi * (hours.local_hour - 13) / 24), 0, None) * np.pi
    solar = model.solar_gains_w_per_m2 * area * (0.15 + 0.85 * season) * daylight
    gains = model.internal_gains_w_per_m2 * area * np.where(occupied, 1.0, 0.25) + solar

    rng = np.random.default_rng(seed)
    daily = 1.0 + model.noise * rng.standard_normal(len(hours.days))
    variation = daily[hours.day_index]

    loss = model.heat_loss_w_per_k(ventilating) * (setpoint - outdoor_c) - gains
    space_w = np.maximum(np.maximum(loss, 0.0) * variation, minimum_heat)
    # the rooms drift above the set point when gains exceed the losses (summer afternoons),
    # by at most DRIFT_MAX_K: opened windows and night ventilation take the rest
    surplus_k = np.maximum(-loss, 0.0) / model.heat_loss_w_per_k(ventilating)
    drift = DRIFT_MAX_K * (1 - np.exp(-surplus_k / 8.0))
    indoor = setpoint + drift + rng.normal(0, 0.15, len(outdoor_c))

    hot_water_w = model.hot_water_kwh_per_m2_year * area * 1000 / 8760
    hot_water = np.where(occupied, 2.2, 0.35) * hot_water_w  # drawn mostly in opening hours
    heat_w = space_w + hot_water + model.circulation_w_per_m2 * area

    airflow_m3s = model.ventilation_l_per_s_m2 * area / 1000.0
    fans_w = np.where(
        ventilating, model.fan_kw_per_m3s * airflow_m3s * 1000.0, model.ventilation_standby_w
    )
    electricity_w = (
        model.base_electricity_w_per_m2 * area
        + np.where(occupied, model.occupied_electricity_w_per_m2 * area, 0.0) * variation
        + fans_w
    )
    return HourlyEnergy(
        district_heating_kwh=heat_w / 1000.0,
        electricity_kwh=electricity_w / 1000.0,
        ventilation_kwh=fans_w / 1000.0,
        indoor_c=np.round(indoor, 2),
    )
