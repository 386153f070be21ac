"""The hourly time-of-week-and-temperature model (TOWT; Mathieu et al., LBNL, 2011).

Consumption per hour is a coefficient per hour of the week (168 of them: the building's weekly
schedule) plus a piecewise-linear function of outdoor temperature, with separate temperature
slopes for occupied and unoccupied hours. Occupancy is found from the data: an hour of the week
is occupied if a plain load-against-temperature line underpredicts it in most weeks.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from baselines.stats import FloatArray, LinearFit, fit_linear

HOURS_PER_WEEK = 168
#: segment boundaries of the temperature function, LBNL's 55, 65, 75 and 90 °F
KNOTS_C = (12.8, 18.3, 23.9, 32.2)
#: share of weeks in which an hour of the week must be above the simple fit to be occupied
OCCUPIED_SHARE = 0.65


def temperature_segments(
    temperature: npt.ArrayLike, knots: tuple[float, ...] = KNOTS_C
) -> FloatArray:
    """(points, len(knots) + 1): the temperature split at the knots; each row sums to T."""
    t = np.asarray(temperature, dtype=np.float64)
    columns = [np.minimum(t, knots[0])]
    for low, high in itertools.pairwise(knots):
        columns.append(np.clip(t, low, high) - low)
    columns.append(np.maximum(t - knots[-1], 0.0))
    return np.column_stack(columns)


def _occupancy(
    hour_of_week: npt.NDArray[np.int64], temperature: FloatArray, energy: FloatArray
) -> npt.NDArray[np.bool_]:
    X = np.column_stack([np.ones_like(temperature), temperature])
    coef, *_ = np.linalg.lstsq(X, energy, rcond=None)
    above = energy > X @ coef
    share = np.bincount(hour_of_week, weights=above, minlength=HOURS_PER_WEEK) / np.maximum(
        np.bincount(hour_of_week, minlength=HOURS_PER_WEEK), 1
    )
    return share >= OCCUPIED_SHARE


@dataclass(frozen=True)
class TowtModel:
    occupied: npt.NDArray[np.bool_]  # per hour of the week
    used: npt.NDArray[np.bool_]  # design columns the data could estimate
    fit: LinearFit  # on the used columns

    def design(self, hour_of_week: npt.ArrayLike, temperature: npt.ArrayLike) -> FloatArray:
        full = design(
            np.asarray(hour_of_week), np.asarray(temperature, dtype=np.float64), self.occupied
        )
        return full[:, self.used]

    def predict(self, hour_of_week: npt.ArrayLike, temperature: npt.ArrayLike) -> FloatArray:
        result: FloatArray = self.design(hour_of_week, temperature) @ self.fit.coef
        return result

    def to_dict(self) -> dict[str, object]:
        summary = self.fit.summary()
        return {
            "form": "towt",
            "occupied_hours_of_week": [int(h) for h in np.flatnonzero(self.occupied)],
            "knots_c": list(KNOTS_C),
            **{k: v for k, v in summary.items() if k != "coefficients"},
            "temperature_coefficients": {
                name: value
                for name, value in summary["coefficients"].items()  # type: ignore[attr-defined]
                if not name.startswith("how_")
            },
        }


def design(
    hour_of_week: npt.NDArray[np.int64], temperature: FloatArray, occupied: npt.NDArray[np.bool_]
) -> FloatArray:
    """168 hour-of-week indicators, then temperature segments for occupied and unoccupied hours."""
    indicators = np.zeros((hour_of_week.size, HOURS_PER_WEEK))
    indicators[np.arange(hour_of_week.size), hour_of_week] = 1.0
    segments = temperature_segments(temperature)
    is_occupied = occupied[hour_of_week][:, None]
    return np.hstack([indicators, segments * is_occupied, segments * ~is_occupied])


def names() -> tuple[str, ...]:
    segments = len(KNOTS_C) + 1
    return (
        *(f"how_{h}" for h in range(HOURS_PER_WEEK)),
        *(f"occupied_t{i}" for i in range(segments)),
        *(f"unoccupied_t{i}" for i in range(segments)),
    )


def fit_towt(
    hour_of_week: npt.ArrayLike, temperature: npt.ArrayLike, energy: npt.ArrayLike
) -> TowtModel:
    """Fit on hourly points; NaN marks a missing hour."""
    how = np.asarray(hour_of_week, dtype=np.int64)
    t = np.asarray(temperature, dtype=np.float64)
    y = np.asarray(energy, dtype=np.float64)
    keep = np.isfinite(t) & np.isfinite(y)
    how, t, y = how[keep], t[keep], y[keep]
    occupied = _occupancy(how, t, y)
    X = design(how, t, occupied)
    # Columns with no data (an hour of the week never seen, a temperature segment never
    # reached) cannot be estimated: they are left out, contributing nothing to predictions.
    used = np.abs(X).sum(axis=0) > 0
    fit = fit_linear(X[:, used], y, tuple(n for n, u in zip(names(), used, strict=True) if u))
    return TowtModel(occupied, used, fit)
