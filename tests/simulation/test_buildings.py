"""The building model's physics: what a heat balance must do, checked on made-up weather."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np

from baselines.calendar import DayKind
from simulation.buildings import (
    EVERY_DAY,
    OPEN_DAYS,
    BuildingModel,
    Hours,
    Schedule,
    StuckValve,
    VentilationChange,
    simulate,
)
from simulation.portfolio import ZONE

START = datetime(2025, 10, 31, 23, tzinfo=UTC)  # local midnight of 1 November 2025
DAYS = 28
HOURS = Hours.of(START, DAYS * 24, ZONE)
SCHOOL = BuildingModel(
    atemp_m2=1000,
    occupied=Schedule(8, 16, frozenset({DayKind.WORKDAY})),
    ventilation=Schedule(6, 18, OPEN_DAYS),
    noise=0.0,
)


def daily(values: np.ndarray) -> np.ndarray:
    return values.reshape(DAYS, 24).sum(axis=1)


def test_the_local_calendar_follows_daylight_saving_time() -> None:
    march = Hours.of(datetime(2025, 3, 29, 23, tzinfo=UTC), 47, ZONE)  # DST starts 30 March
    assert march.days == (date(2025, 3, 30), date(2025, 3, 31))
    assert (march.day_index == 0).sum() == 23  # the short day
    assert march.local_hour[2] == 3.0  # 02:00 does not exist


def test_heating_grows_with_the_cold_by_the_heat_loss_coefficient() -> None:
    mild = simulate(SCHOOL, HOURS, np.full(DAYS * 24, 5.0)).district_heating_kwh
    cold = simulate(SCHOOL, HOURS, np.full(DAYS * 24, -5.0)).district_heating_kwh
    # ten kelvin more loss through the envelope and air, hour by hour (kWh per K: W/K / 1000)
    ventilating = SCHOOL.ventilation.on(HOURS.kinds, HOURS.local_hour, HOURS.day_index)
    expected = SCHOOL.heat_loss_w_per_k(ventilating) * 10 / 1000
    assert np.allclose(cold - mild, expected)


def test_a_summer_day_needs_only_hot_water_and_circulation() -> None:
    hot = simulate(SCHOOL, HOURS, np.full(DAYS * 24, 28.0))
    heat = hot.district_heating_kwh
    assert heat.min() > 0  # circulation never stops
    winter = simulate(SCHOOL, HOURS, np.full(DAYS * 24, -10.0)).district_heating_kwh
    assert daily(heat).max() < 0.1 * daily(winter).max()
    assert hot.indoor_c.max() > SCHOOL.indoor_occupied_c + 1  # the rooms drift up


def test_a_shorter_ventilation_schedule_saves_heat_and_fan_electricity() -> None:
    outdoor = np.full(DAYS * 24, 0.0)
    change = VentilationChange(date(2025, 11, 15), Schedule(7, 16, OPEN_DAYS), "school hours")
    before = simulate(SCHOOL, HOURS, outdoor)
    after = simulate(SCHOOL, HOURS, outdoor, events=[change])
    first_half, second_half = slice(0, 14), slice(14, DAYS)
    assert np.allclose(daily(after.district_heating_kwh)[first_half],
                       daily(before.district_heating_kwh)[first_half])  # fmt: skip
    heat_saved = (
        1
        - daily(after.district_heating_kwh)[second_half].sum()
        / daily(before.district_heating_kwh)[second_half].sum()
    )
    fans_saved = (
        1 - after.ventilation_kwh[14 * 24 :].sum() / before.ventilation_kwh[14 * 24 :].sum()
    )
    assert 0.05 < heat_saved < 0.5
    assert fans_saved > 0.2
    assert after.ventilation_kwh.min() > 0  # standby while off


def test_a_stuck_valve_overheats_the_rooms_and_wastes_heat_also_in_mild_weather() -> None:
    care = BuildingModel(
        atemp_m2=2000,
        occupied=Schedule(0, 24, EVERY_DAY),
        ventilation=Schedule(0, 24, EVERY_DAY),
        indoor_occupied_c=21.5,
        indoor_setback_c=21.5,
        noise=0.0,
    )
    for outdoor_c in (-5.0, 16.0):
        outdoor = np.full(DAYS * 24, outdoor_c)
        fault = StuckValve(date(2025, 11, 15))
        normal = simulate(care, HOURS, outdoor)
        faulty = simulate(care, HOURS, outdoor, events=[fault])
        assert np.allclose(
            faulty.district_heating_kwh[: 14 * 24], normal.district_heating_kwh[: 14 * 24]
        )
        extra = (
            faulty.district_heating_kwh[14 * 24 :].sum()
            / normal.district_heating_kwh[14 * 24 :].sum()
        )
        assert extra > 1.1, outdoor_c
        assert faulty.indoor_c[14 * 24 :].mean() > 24.0 > normal.indoor_c[14 * 24 :].mean()


def test_electricity_follows_occupancy_and_the_fans() -> None:
    energy = simulate(SCHOOL, HOURS, np.full(DAYS * 24, 0.0))
    occupied = SCHOOL.occupied.on(HOURS.kinds, HOURS.local_hour, HOURS.day_index)
    assert energy.electricity_kwh[occupied].mean() > 2 * energy.electricity_kwh[~occupied].mean()
    assert np.all(energy.electricity_kwh >= energy.ventilation_kwh)
