"""Change-point models of energy against outdoor temperature (ASHRAE RP-1050, CalTRACK).

Forms, with h(T) = max(Tb - T, 0) heating and c(T) = max(T - Tc, 0) cooling degrees:

- ``intercept``:   E = b0
- ``2p``:          E = b0 + b1·T
- ``3p_heating``:  E = b0 + bh·h(T)                  (bh > 0)
- ``3p_cooling``:  E = b0 + bc·c(T)                  (bc > 0)
- ``4p``:          E = b0 + bh·h(T) + b2·max(T - Tb, 0)   (bh > 0; one change point, two slopes)
- ``5p``:          E = b0 + bh·h(T) + bc·c(T)        (bh, bc > 0, Th ≤ Tc; no overlap)

**Spread.** A building does not switch its heating on at one outdoor temperature: its zones,
orientations and thermostats each have their own balance point. With a spread ``s`` the
balance points are taken as spread evenly over Tb ± s, and the degrees are their average --
the hinge max(Tb - T, 0) smoothed into a parabola over the band, (Tb + s - T)² / 4s, and equal
to the plain hinge outside it (``hinge``). ``s = 0`` is the classic sharp change point; the
search tries each candidate balance point with each candidate spread. A 5P model's heating
and cooling bands may not overlap (Tc - Th >= 2s).

**Day-of-week terms.** Occupancy gives many buildings a weekly rhythm the weather does not
explain. A model may carry one term per weekday from Monday to Saturday (Sunday is the
reference day in the intercept); selection fits every form with and without them.

Other relevant variables (occupancy, opening days) enter as extra columns of every candidate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from baselines.stats import FloatArray, LinearFit, row_means

#: CalTRACK's balance-point range, 30..90 °F, in steps of 1 °C (finer than its 3 °F)
DEFAULT_GRID_C = np.arange(-1.0, 32.5, 1.0)
#: candidate spreads of the balance point (half-widths of the band, °C); 0 is a sharp one
DEFAULT_SPREADS_C = np.arange(0.0, 12.5, 4.0)
#: a candidate needs this many points on each side of its balance point
MIN_ACTIVE_POINTS = 10
#: names of the day-of-week terms, Monday to Saturday (Sunday is in the intercept)
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday")


class ModelForm(StrEnum):
    INTERCEPT = "intercept"
    TWO_P = "2p"
    THREE_P_HEATING = "3p_heating"
    THREE_P_COOLING = "3p_cooling"
    FOUR_P = "4p"
    FIVE_P = "5p"


#: coefficient names of each form, before any extra variables
COLUMNS: dict[ModelForm, tuple[str, ...]] = {
    ModelForm.INTERCEPT: ("intercept",),
    ModelForm.TWO_P: ("intercept", "temperature"),
    ModelForm.THREE_P_HEATING: ("intercept", "heating"),
    ModelForm.THREE_P_COOLING: ("intercept", "cooling"),
    ModelForm.FOUR_P: ("intercept", "heating", "above"),
    ModelForm.FIVE_P: ("intercept", "heating", "cooling"),
}
#: coefficients that must be positive for the form to make physical sense
POSITIVE: dict[ModelForm, tuple[str, ...]] = {
    ModelForm.THREE_P_HEATING: ("heating",),
    ModelForm.THREE_P_COOLING: ("cooling",),
    ModelForm.FOUR_P: ("heating",),
    ModelForm.FIVE_P: ("heating", "cooling"),
}


def hinge(x: npt.ArrayLike, spread: npt.ArrayLike = 0.0) -> FloatArray:
    """max(x, 0) averaged over change points spread evenly across ±``spread``.

    Zero below -spread, x above +spread, and (x + spread)² / (4·spread) between: continuous
    with a continuous slope. Broadcasts over ``x`` and ``spread``; a spread of 0 is max(x, 0).
    """
    x = np.asarray(x, dtype=np.float64)
    a = np.asarray(spread, dtype=np.float64)
    u = np.clip(x + a, 0.0, 2.0 * a)
    factor = np.divide(0.25, a, out=np.zeros(a.shape), where=a > 0)
    result: FloatArray = u * u * factor + np.maximum(x - a, 0.0)
    return result


def weekday_columns(weekdays: npt.ArrayLike) -> FloatArray:
    """One 0/1 column per weekday Monday..Saturday for days given as 0 (Monday)..6 (Sunday).

    A value of NaN (a period, not a day, or an unknown day) gives each column its average
    over a week, 1/7.
    """
    days = np.asarray(weekdays, dtype=np.float64).reshape(-1)
    columns = (days[:, None] == np.arange(6)[None, :]).astype(np.float64)
    return np.where(np.isnan(days)[:, None], 1.0 / 7.0, columns)


def _columns(
    form: ModelForm,
    temperature: FloatArray,
    heating_c: FloatArray,
    cooling_c: FloatArray,
    spread_c: float,
) -> list[FloatArray]:
    """The temperature columns of a form."""
    ones = np.ones(temperature.shape)
    if form is ModelForm.INTERCEPT:
        return [ones]
    if form is ModelForm.TWO_P:
        return [ones, temperature]
    if form is ModelForm.THREE_P_COOLING:
        return [ones, hinge(temperature - cooling_c, spread_c)]
    heating = hinge(heating_c - temperature, spread_c)
    if form is ModelForm.THREE_P_HEATING:
        return [ones, heating]
    if form is ModelForm.FOUR_P:
        return [ones, heating, hinge(temperature - heating_c, spread_c)]
    return [ones, heating, hinge(temperature - cooling_c, spread_c)]


def design(
    form: ModelForm,
    temperature: npt.ArrayLike,
    *,
    heating_c: float | None = None,
    cooling_c: float | None = None,
    spread_c: float = 0.0,
    extra: npt.ArrayLike | None = None,
    weekday_terms: bool = False,
    weekdays: npt.ArrayLike | None = None,
) -> FloatArray:
    """The design matrix of one model: temperature columns, extra variables, weekday terms.

    ``temperature`` is one value per point, or -- for billing periods -- a row of daily values
    per point (NaN-padded): degrees are then taken per day and averaged over the period, the
    PRISM/ASHRAE way, so a period's heating degrees are not those of its mean temperature.
    ``weekday_terms`` adds the day-of-week terms, from ``weekdays`` (0 Monday .. 6 Sunday per
    point) or, without them, each at its weekly average (an average day of the week).
    """
    t = np.asarray(temperature, dtype=np.float64)
    h = np.asarray(math.nan if heating_c is None else heating_c)
    c = np.asarray(math.nan if cooling_c is None else cooling_c)
    columns = _columns(form, t, h, c, spread_c)
    if t.ndim == 2:  # the mean over each period's readings; NaN for a period without any
        columns = [row_means(column) for column in columns]
    if extra is not None:
        more = np.asarray(extra, dtype=np.float64).reshape(t.shape[0], -1)
        columns += [more[:, j] for j in range(more.shape[1])]
    if weekday_terms:
        terms = weekday_columns(np.full(t.shape[0], math.nan) if weekdays is None else weekdays)
        columns += [terms[:, j] for j in range(terms.shape[1])]
    return np.column_stack(columns)


@dataclass(frozen=True)
class ChangePointModel:
    """One fitted model: its form, balance points and spread, extra variables, weekday terms
    and statistics."""

    form: ModelForm
    heating_c: float | None
    cooling_c: float | None
    fit: LinearFit
    extra_names: tuple[str, ...] = ()
    spread_c: float = 0.0
    weekday_terms: bool = False

    def design(
        self,
        temperature: npt.ArrayLike,
        extra: npt.ArrayLike | None = None,
        weekdays: npt.ArrayLike | None = None,
    ) -> FloatArray:
        """The model's columns; without ``weekdays`` a model with weekday terms takes each at
        its weekly average (an average day of the week)."""
        return design(
            self.form,
            temperature,
            heating_c=self.heating_c,
            cooling_c=self.cooling_c,
            spread_c=self.spread_c,
            extra=extra,
            weekday_terms=self.weekday_terms,
            weekdays=weekdays,
        )

    def predict(
        self,
        temperature: npt.ArrayLike,
        extra: npt.ArrayLike | None = None,
        weekdays: npt.ArrayLike | None = None,
    ) -> FloatArray:
        """Expected consumption at the given temperatures (extra variables, weekdays)."""
        return self.design(temperature, extra, weekdays) @ self.fit.coef

    def positive_ok(self) -> bool:
        return all(self.fit.coefficient(name) > 0 for name in POSITIVE.get(self.form, ()))

    def to_dict(self) -> dict[str, object]:
        return {
            "form": self.form.value,
            "heating_balance_c": self.heating_c,
            "cooling_balance_c": self.cooling_c,
            "balance_spread_c": self.spread_c,
            "extra_variables": list(self.extra_names),
            "weekday_terms": self.weekday_terms,
            **self.fit.summary(),
        }
