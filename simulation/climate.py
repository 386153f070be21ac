"""Outdoor temperature of a central-Swedish climate, hour by hour, reproducible from a seed.

A normal year (annual mean 7.0 °C, January about -3 °C, July about 17 °C: roughly
Stockholm's 1991-2020 normals), a daily cycle that is wider in summer than in winter, and the
weather on top: day-to-day anomalies that persist for a few days (an AR(1) process, wider in
winter), smoothed into the hours. The same seed and origin give the same series, so history
written at start-up and the values served live afterwards are one continuous record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray

ANNUAL_MEAN_C = 7.0
ANNUAL_AMPLITUDE_C = 10.0
COLDEST_DAY_OF_YEAR = 20  # around 20 January
DAILY_AMPLITUDE_C = (2.5, 3.0)  # winter, summer
WARMEST_HOUR_UTC = 13  # about 14-15 local time
PERSISTENCE = 0.75  # day-to-day correlation of the weather anomaly
ANOMALY_SD_C = (3.6, 1.8)  # winter, summer

Floats = NDArray[np.float64]


def normal_temperature(day_of_year: Floats) -> Floats:
    """The climatological daily mean for a day of the year (1-366)."""
    phase = 2 * np.pi * (day_of_year - COLDEST_DAY_OF_YEAR) / 365.25
    return np.asarray(ANNUAL_MEAN_C - ANNUAL_AMPLITUDE_C * np.cos(phase), dtype=np.float64)


def normal_year_degree_days(base_c: float = 17.0) -> float:
    """Heating degree days of the normal year, the figure normal-year correction uses."""
    days = np.arange(1, 366, dtype=np.float64)
    return float(np.maximum(base_c - normal_temperature(days), 0.0).sum())


@dataclass
class Climate:
    """Hourly outdoor temperature from ``origin`` (a whole UTC hour) on."""

    origin: datetime
    seed: int = 1
    _hourly: Floats = field(default_factory=lambda: np.empty(0), repr=False)

    def __post_init__(self) -> None:
        if self.origin.tzinfo is None or self.origin.utcoffset() is None:
            raise ValueError("the climate's origin must carry a time zone")
        if self.origin.minute or self.origin.second or self.origin.microsecond:
            raise ValueError("the climate's origin must be a whole hour")

    def hours(self, count: int) -> Floats:
        """The first ``count`` hourly temperatures (°C) from the origin."""
        if count > len(self._hourly):
            self._hourly = self._generate(count)
        return self._hourly[:count]

    def _generate(self, count: int) -> Floats:
        days = count // 24 + 3
        # one generator per stream, so a longer series begins with the shorter one
        weather_rng = np.random.default_rng([self.seed, 0])
        noise_rng = np.random.default_rng([self.seed, 1])
        start = self.origin.astimezone(UTC)
        hour_index = np.arange(days * 24)
        times = start.timestamp() + 3600.0 * hour_index
        year_start = datetime(start.year, 1, 1, tzinfo=UTC).timestamp()
        day_of_year = np.asarray((times - year_start) / 86400.0 % 365.25 + 1, dtype=np.float64)
        summer = 0.5 - 0.5 * np.cos(2 * np.pi * (day_of_year - COLDEST_DAY_OF_YEAR) / 365.25)
        # day-to-day weather: AR(1) anomalies drawn per day, wider in winter
        innovations = weather_rng.standard_normal(days)
        anomaly = np.empty(days)
        level = 0.0
        daily_summer = summer[::24]
        for d in range(days):
            sd = ANOMALY_SD_C[0] + (ANOMALY_SD_C[1] - ANOMALY_SD_C[0]) * daily_summer[d]
            level = PERSISTENCE * level + np.sqrt(1 - PERSISTENCE**2) * sd * innovations[d]
            anomaly[d] = level
        # anomalies meet at noon and change linearly between, so no step at midnight
        hourly_anomaly = np.interp(hour_index / 24.0, np.arange(days) + 0.5, anomaly)
        amplitude = DAILY_AMPLITUDE_C[0] + (DAILY_AMPLITUDE_C[1] - DAILY_AMPLITUDE_C[0]) * summer
        hour_utc = (start.hour + hour_index) % 24
        daily_cycle = amplitude * np.cos(2 * np.pi * (hour_utc - WARMEST_HOUR_UTC) / 24)
        noise = noise_rng.normal(0.0, 0.3, days * 24)
        series = normal_temperature(day_of_year) + daily_cycle + hourly_anomaly + noise
        return np.asarray(np.round(series, 2)[:count], dtype=np.float64)
