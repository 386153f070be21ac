"""The demo's municipal portfolio: what its meters read, hour by hour, along its timeline.

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
from zoneinfo import ZoneInfo

import numpy as np

from core.schema import DEFAULT_TIME_ZONE, Measurement
from core.storage.points import Point
from simulation.buildings import (
    OPEN_DAYS,
    Floats,
    Hours,
    Schedule,
    StuckValve,
    VentilationChange,
    simulate,
)
from simulation.climate import Climate
from simulation.demo_portfolio import (
    BUILDINGS,
    METERS,
    SimMeter,
)

ZONE = ZoneInfo(DEFAULT_TIME_ZONE)  # the demo municipality is Swedish
NS = 1_000_000_000
BASELINE_DAYS = 365
REPORTING_DAYS = 175  # from the saving to the day before the demo
FAULT_DAYS = 35  # the valve has been stuck this long on the demo day
HOT_WATER_LOWERED_DAYS = 16  # the hot water was left too cool from this many days before
HOT_WATER_C, HOT_WATER_LOWERED_C = 56.0, 46.0
HORIZON_DAYS = 400  # how long past the demo day the simulated devices have values


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
    def hot_water_lowered(self) -> tuple[date, date]:
        """Days a service visit left Tallgården's hot water at 46 °C (legionella risk)."""
        first = self.today - timedelta(days=HOT_WATER_LOWERED_DAYS)
        return first, first + timedelta(days=3)

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
        hot_water = self._hot_water(calendar, seed)
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
                "hot_water": hot_water,
            }[meter.series]
            self._hourly[meter.id] = hourly
            if meter.counter:  # the register at each whole hour, one value more than hours
                self._counters[meter.id] = meter.first_kwh + np.concatenate(
                    ([0.0], np.cumsum(hourly))
                )

    def _hot_water(self, calendar: Hours, seed: int) -> Floats:
        """The hot-water circulation's return temperature: 56 °C, dipping a little when much
        is drawn in the morning, and 46 °C on the days the setpoint was left lowered."""
        rng = np.random.default_rng(seed + 99)
        morning = np.exp(-(((calendar.local_hour - 7.5) / 1.5) ** 2))
        values = HOT_WATER_C - 1.5 * morning + rng.normal(0, 0.3, self.hours)
        first, last = self.timeline.hot_water_lowered
        lowered = calendar.from_day(first) & ~calendar.from_day(last + timedelta(days=1))
        return np.where(lowered, HOT_WATER_LOWERED_C + rng.normal(0, 0.3, self.hours), values)

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
                            Measurement.READINGS,
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
