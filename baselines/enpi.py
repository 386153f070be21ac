"""Energy performance indicators (ISO 50001 6.4, ISO 50006) and normal-year correction.

- measured value: the energy used (kWh);
- ratio: energy per a static or relevant variable -- kWh per m² Atemp, kWh per degree day;
- regression-normalised: what the baseline model says the period would have used under
  normal conditions, compared with what it says for the actual conditions.

Normal-year correction (normalårskorrigering) scales only the heating-dependent part of the
consumption by normal-year over actual degree days; the base load is left as it was.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from baselines.changepoint import ChangePointModel, hinge
from baselines.stats import FloatArray, row_means


def ratio(energy_kwh: float, denominator: float) -> float:
    """kWh per m², per degree day, per pupil ...; NaN if the denominator is not positive."""
    return energy_kwh / denominator if denominator > 0 else math.nan


def heating_degrees(heating_c: float, spread_c: float, temperature: npt.ArrayLike) -> FloatArray:
    """A model's heating degrees per day: of each day's mean temperature, or -- for a row of
    readings per day -- averaged over the day's readings (degree-hours). NaN for a day
    without any."""
    t = np.asarray(temperature, dtype=np.float64)
    degrees = hinge(heating_c - t, spread_c)
    return degrees if t.ndim == 1 else row_means(degrees)


def heating_part(model: ChangePointModel, temperature: npt.ArrayLike) -> float:
    """The energy the model attributes to heating over the given days (kWh)."""
    if "heating" not in model.fit.names:
        return 0.0
    degrees = heating_degrees(float(model.heating_c or 0.0), model.spread_c, temperature)
    return float(model.fit.coefficient("heating") * degrees[np.isfinite(degrees)].sum())


def normal_year_corrected(
    actual_kwh: float, heating_kwh: float, degree_days: float, normal_degree_days: float
) -> float:
    """Consumption with its heating part scaled to a normal year's degree days."""
    if degree_days <= 0:
        return actual_kwh
    return actual_kwh - heating_kwh + heating_kwh * normal_degree_days / degree_days


def normalised(
    model: ChangePointModel,
    actual_kwh: float,
    actual_temperature: npt.ArrayLike,
    normal_temperature: npt.ArrayLike,
) -> float:
    """Actual consumption moved to normal conditions by the model: actual + (normal - actual)."""
    return float(
        actual_kwh
        + np.nansum(model.predict(normal_temperature))
        - np.nansum(model.predict(actual_temperature))
    )
