"""Energy performance in a reporting period, against the baseline (ISO 50006, ASHRAE G14).

Forecast mode (the default): the baseline-period model predicts what the reporting period
would have used; avoided energy = expected - actual; improvement = avoided / expected;
SEnPI = actual / expected (DOE). CUSUM follows ISO 50006: the running sum of
actual - expected, so it falls while performance is better than the baseline.

Backcast mode: a model of the reporting period predicts the baseline period; SEnPI =
expected / actual there. Chaining multiplies year-on-year SEnPIs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

from baselines.stats import FloatArray, LinearFit

CONFIDENCE = 0.68
#: the lags (days) over which an hourly model's daily residual sums are taken to persist
WEEK_LAGS = 7


def fractional_savings_uncertainty(
    fit: LinearFit,
    *,
    reporting_points: int,
    savings_fraction: float,
    confidence: float = CONFIDENCE,
) -> float:
    """ASHRAE Guideline 14 Annex B, adjusted for autocorrelated residuals (see ``fsu``)."""
    return fsu(
        n=fit.n,
        dof=fit.dof,
        cv_rmse=fit.cv_rmse,
        autocorrelation=fit.autocorrelation,
        reporting_points=reporting_points,
        savings_fraction=savings_fraction,
        confidence=confidence,
    )


def relative_uncertainty(
    *,
    n: int,
    dof: int,
    cv_rmse: float,
    autocorrelation: float,
    reporting_points: int,
    confidence: float = CONFIDENCE,
) -> float:
    """The savings uncertainty as a share of the expected energy: t · 1.26 · CV ·
    sqrt((n / n′)(1 + 2 / n′)(1 / m)), with n′ = n (1 - ρ) / (1 + ρ), ρ the lag-1
    autocorrelation of the baseline residuals, m the reporting points and t at ``confidence``
    with n - p degrees of freedom. It does not depend on the savings: avoided energy that is
    zero or negative has the same uncertainty in kWh. NaN where the statistics do not allow it.
    """
    if reporting_points <= 0 or dof <= 0 or n <= 0 or not cv_rmse >= 0:
        return math.nan
    rho = min(max(autocorrelation, 0.0), 0.99) if math.isfinite(autocorrelation) else 0.0
    n_effective = n * (1 - rho) / (1 + rho)
    t = float(special.stdtrit(dof, 1 - (1 - confidence) / 2))
    spread = math.sqrt((n / n_effective) * (1 + 2 / n_effective) * (1 / reporting_points))
    return t * 1.26 * cv_rmse * spread


def hourly_uncertainty(
    residuals: npt.ArrayLike,
    day_of_hour: npt.ArrayLike,
    expected_per_day: float,
    reporting_days: int,
    confidence: float = CONFIDENCE,
) -> float:
    """The savings uncertainty of an hourly model as a share of the expected energy, from its
    baseline residuals summed per day.

    Hourly residuals correlate at lags of a day and a week, which a lag-1 correction of the
    hourly series does not see: it gave half the band the same residuals summed per day give.
    Summed per day, the residuals carry that structure: their spread, and their
    autocorrelation over a week of lags, enter Guideline 14's formula applied to days
    (``relative_uncertainty``). Days with a missing hour are left out of the sums.
    """
    r = np.asarray(residuals, dtype=np.float64)
    day = np.asarray(day_of_hour)
    _, index = np.unique(day, return_inverse=True)
    complete = np.bincount(index, weights=np.isnan(r).astype(np.float64)) == 0
    sums = np.bincount(index, weights=np.nan_to_num(r))[complete]
    n = int(sums.size)
    if n < 3 or not expected_per_day > 0:
        return math.nan
    cv = float(np.sqrt(np.mean(sums * sums))) / expected_per_day
    # days persist for a week (habits, the weather the model does not see): the variance of a
    # sum of days grows by 1 + 2 Σ ρ_k over a week's lags, which Guideline 14's lag-1 form
    # expresses as an equivalent ρ with (1 + ρ) / (1 - ρ) equal to that growth
    centred = sums - sums.mean()
    scale = float(np.dot(centred, centred))
    lags = range(1, min(WEEK_LAGS, n - 2) + 1)
    growth = 1.0 + 2.0 * sum(
        max(float(np.dot(centred[:-k], centred[k:])) / scale, 0.0) if scale > 0 else 0.0
        for k in lags
    )
    return relative_uncertainty(
        n=n,
        dof=n - 1,
        cv_rmse=cv,
        autocorrelation=(growth - 1.0) / (growth + 1.0),
        reporting_points=reporting_days,
        confidence=confidence,
    )


def fsu(
    *,
    n: int,
    dof: int,
    cv_rmse: float,
    autocorrelation: float,
    reporting_points: int,
    savings_fraction: float,
    confidence: float = CONFIDENCE,
) -> float:
    """Fractional savings uncertainty (ASHRAE Guideline 14 Annex B): the uncertainty of the
    avoided energy as a share of it, ``relative_uncertainty / F``. Defined only for savings
    (F > 0); NaN otherwise -- the uncertainty in kWh is still known (``PeriodResult``)."""
    if not savings_fraction > 0:
        return math.nan
    share = relative_uncertainty(
        n=n,
        dof=dof,
        cv_rmse=cv_rmse,
        autocorrelation=autocorrelation,
        reporting_points=reporting_points,
        confidence=confidence,
    )
    return share / savings_fraction


@dataclass(frozen=True)
class PeriodResult:
    mode: str
    expected_kwh: float
    actual_kwh: float
    avoided_kwh: float
    improvement: float  # avoided / expected; 1 - SEnPI
    senpi: float
    uncertainty_kwh: float  # of the avoided energy at 68 %, whatever its sign (NaN: unknown)
    points: int
    expected: FloatArray = field(repr=False)
    actual: FloatArray = field(repr=False)
    cusum: FloatArray = field(repr=False)

    @property
    def fsu(self) -> float:
        """Fractional savings uncertainty at 68 %: defined for savings only (NaN otherwise)."""
        if not self.avoided_kwh > 0 or not math.isfinite(self.uncertainty_kwh):
            return math.nan
        return self.uncertainty_kwh / self.avoided_kwh

    def to_dict(self) -> dict[str, object]:
        return {
            "mode": self.mode,
            "expected_kwh": self.expected_kwh,
            "actual_kwh": self.actual_kwh,
            "avoided_kwh": self.avoided_kwh,
            "improvement": _finite(self.improvement),
            "senpi": _finite(self.senpi),
            "fractional_savings_uncertainty": _finite(self.fsu),
            "savings_uncertainty_kwh": _finite(self.uncertainty_kwh),
            "points": self.points,
            "cusum_kwh": [float(x) for x in self.cusum],
        }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _paired(expected: npt.ArrayLike, actual: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """The points where both an expected and an actual value are known."""
    e = np.asarray(expected, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    keep = np.isfinite(e) & np.isfinite(a)
    return e[keep], a[keep]


def forecast(fit: LinearFit, expected: npt.ArrayLike, actual: npt.ArrayLike) -> PeriodResult:
    """Reporting-period performance from the baseline model's predictions ``expected``."""
    return _forecast(
        expected,
        actual,
        lambda points: relative_uncertainty(
            n=fit.n,
            dof=fit.dof,
            cv_rmse=fit.cv_rmse,
            autocorrelation=fit.autocorrelation,
            reporting_points=points,
        ),
    )


def forecast_from_statistics(
    statistics: Mapping[str, Any], expected: npt.ArrayLike, actual: npt.ArrayLike
) -> PeriodResult:
    """``forecast`` for a stored baseline, whose model statistics are all that is kept."""
    n = int(statistics.get("n") or 0)
    parameters = int(statistics.get("parameters") or 0)
    cv_rmse = statistics.get("cv_rmse")
    rho = statistics.get("autocorrelation_lag1")
    return _forecast(
        expected,
        actual,
        lambda points: relative_uncertainty(
            n=n,
            dof=n - parameters,
            cv_rmse=float(cv_rmse) if cv_rmse is not None else math.nan,
            autocorrelation=float(rho) if rho is not None else 0.0,
            reporting_points=points,
        ),
    )


def forecast_with(
    expected: npt.ArrayLike, actual: npt.ArrayLike, relative: Callable[[int], float]
) -> PeriodResult:
    """``forecast`` with another uncertainty: ``relative(points)`` as a share of expected."""
    return _forecast(expected, actual, relative)


def _forecast(
    expected: npt.ArrayLike, actual: npt.ArrayLike, relative: Callable[[int], float]
) -> PeriodResult:
    """``relative(points)``: the savings uncertainty as a share of the expected energy."""
    e, a = _paired(expected, actual)
    expected_total, actual_total = float(e.sum()), float(a.sum())
    avoided = expected_total - actual_total
    fraction = avoided / expected_total if expected_total else math.nan
    return PeriodResult(
        mode="forecast",
        expected_kwh=expected_total,
        actual_kwh=actual_total,
        avoided_kwh=avoided,
        improvement=fraction,
        senpi=actual_total / expected_total if expected_total else math.nan,
        uncertainty_kwh=relative(int(e.size)) * abs(expected_total) if e.size else math.nan,
        points=int(e.size),
        expected=e,
        actual=a,
        cusum=np.cumsum(a - e),
    )


def backcast(
    reporting_fit: LinearFit, expected_baseline: npt.ArrayLike, actual_baseline: npt.ArrayLike
) -> PeriodResult:
    """DOE backcast: the reporting-period model predicts the baseline period."""
    e, a = _paired(expected_baseline, actual_baseline)
    expected_total, actual_total = float(e.sum()), float(a.sum())
    senpi = expected_total / actual_total if actual_total else math.nan
    avoided = actual_total - expected_total
    return PeriodResult(
        mode="backcast",
        expected_kwh=expected_total,
        actual_kwh=actual_total,
        avoided_kwh=avoided,
        improvement=1 - senpi,
        senpi=senpi,
        uncertainty_kwh=relative_uncertainty(
            n=reporting_fit.n,
            dof=reporting_fit.dof,
            cv_rmse=reporting_fit.cv_rmse,
            autocorrelation=reporting_fit.autocorrelation,
            reporting_points=int(e.size),
        )
        * abs(actual_total)
        if e.size
        else math.nan,
        points=int(e.size),
        expected=e,
        actual=a,
        cusum=np.cumsum(e - a),
    )


def chain(senpis: Sequence[float]) -> float:
    """Cumulative SEnPI over consecutive periods, each against the one before (chaining)."""
    return float(np.prod(np.asarray(senpis, dtype=np.float64)))
