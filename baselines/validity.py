"""Is a baseline model good enough to claim an improvement with? Each rule, pass or fail.

Gates (defaults from DOE's 50001 Ready / EnPI tool, ASHRAE Guideline 14 and CalTRACK; every
threshold can be changed): a model failing any gate is labelled "not valid for an improvement
claim", with the reasons.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from baselines.changepoint import WEEKDAY_NAMES
from baselines.stats import LinearFit

VALID = "valid for an improvement claim"
NOT_VALID = "not valid for an improvement claim"
_SLOPES = ("heating", "cooling", "temperature", "above")


@dataclass(frozen=True)
class Thresholds:
    min_points: int = 10
    min_r2: float = 0.5
    max_f_p: float = 0.1
    max_variable_p: float = 0.2
    best_variable_p: float = 0.1
    max_abs_nmbe: float = 0.005  # G14: 0.5 %
    #: G14 CV(RMSE) limits by length of the reporting period: < 12, 12-60, > 60 months
    max_cv_rmse: tuple[float, float, float] = (0.20, 0.25, 0.30)
    max_fsu: float = 0.5  # uncertainty below 50 % of the savings at 68 % confidence
    min_baseline_days: int = 365
    max_missing_share: float = 0.10
    min_temperature_coverage: float = 0.90
    #: share of the reporting period's expected energy the model may predict at temperatures
    #: outside those it was fitted on (ISO 50006: a model holds within its data's range)
    max_extrapolated_share: float = 0.10
    #: hourly models: the baseline's hours with consumption and temperature, and the fewest
    #: hours each hour of the week needs for its coefficient (one in each of 20 weeks)
    min_hourly_coverage: float = 0.90
    min_hours_per_hour_of_week: int = 20
    #: hourly models: ASHRAE Guideline 14's criteria for hourly data
    max_hourly_cv_rmse: float = 0.30
    max_hourly_abs_nmbe: float = 0.10


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Gate:
    code: str  # dotted, stable: doe.r2, g14.nmbe, caltrack.missing_days ...
    standard: str
    passed: bool | None  # None: could not be assessed (e.g. no reporting period yet)
    value: float | None
    limit: str
    message: str

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "standard": self.standard,
            "passed": self.passed,
            "value": self.value,
            "limit": self.limit,
            "message": self.message,
        }


@dataclass(frozen=True)
class Sufficiency:
    """How complete the baseline data are (CalTRACK's data-sufficiency rules)."""

    days: int
    missing_days: int
    temperature_coverage: float


@dataclass(frozen=True)
class Extrapolation:
    """How much of a reporting period the model predicts outside the range it was fitted on."""

    fitted_low: float
    fitted_high: float
    days: int  # reporting days with an expected value
    days_outside: int
    expected_kwh: float
    expected_kwh_outside: float

    @property
    def days_share(self) -> float:
        return self.days_outside / self.days if self.days else 0.0

    @property
    def kwh_share(self) -> float:
        if self.expected_kwh > 0:
            return self.expected_kwh_outside / self.expected_kwh
        return self.days_share

    def to_dict(self) -> dict[str, object]:
        return {
            "fitted_range": [self.fitted_low, self.fitted_high],
            "reporting_days": self.days,
            "days_outside": self.days_outside,
            "days_outside_share": self.days_share,
            "expected_kwh_outside_share": self.kwh_share,
        }


#: how far past the fitted range (as a share of its width) a value still counts as inside: a
#: year's coldest month a degree colder than the baseline's is no extrapolation to speak of;
#: a hot spell ten degrees past anything in the baseline is
RANGE_MARGIN = 0.10


def outside(
    fitted: npt.ArrayLike, reporting: npt.ArrayLike
) -> tuple[npt.NDArray[np.bool_], float, float]:
    """(reporting values outside the fitted values' range widened by ``RANGE_MARGIN``, the
    range's low and high)."""
    base = np.asarray(fitted, dtype=np.float64)
    base = base[np.isfinite(base)]
    values = np.asarray(reporting, dtype=np.float64)
    if not base.size:
        return np.zeros(values.shape, dtype=bool), math.nan, math.nan
    low, high = float(base.min()), float(base.max())
    margin = RANGE_MARGIN * (high - low)
    with np.errstate(invalid="ignore"):
        return (values < low - margin) | (values > high + margin), low, high


def extrapolation(
    fitted: npt.ArrayLike, reporting: npt.ArrayLike, expected: npt.ArrayLike
) -> Extrapolation:
    """Where ``reporting`` values lie outside the ``fitted`` ones, weighted by ``expected``."""
    beyond, low, high = outside(fitted, reporting)
    e = np.asarray(expected, dtype=np.float64)
    known = np.isfinite(e) & np.isfinite(np.asarray(reporting, dtype=np.float64))
    return Extrapolation(
        fitted_low=low,
        fitted_high=high,
        days=int(known.sum()),
        days_outside=int((beyond & known).sum()),
        expected_kwh=float(np.abs(e[known]).sum()),
        expected_kwh_outside=float(np.abs(e[beyond & known]).sum()),
    )


@dataclass(frozen=True)
class Validity:
    gates: tuple[Gate, ...] = field(default_factory=tuple)
    #: modelling warnings that do not invalidate the model but a reviewer should read
    warnings: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return all(gate.passed is not False for gate in self.gates)

    @property
    def label(self) -> str:
        return VALID if self.valid else NOT_VALID

    @property
    def reasons(self) -> list[str]:
        return [gate.message for gate in self.gates if gate.passed is False]

    def to_dict(self) -> dict[str, object]:
        return {
            "valid": self.valid,
            "label": self.label,
            "reasons": self.reasons,
            "warnings": list(self.warnings),
            "gates": [gate.to_dict() for gate in self.gates],
        }


STANDARDS = {
    "doe": "DOE 50001 Ready / EnPI tool",
    "g14": "ASHRAE Guideline 14",
    "caltrack": "CalTRACK",
    "iso50006": "ISO 50006 (a model holds within the range it was fitted on)",
}


def _gate(code: str, ok: bool | None, value: float | None, limit: str, what: str) -> Gate:
    standard = STANDARDS[code.split(".", 1)[0]]
    shown = "n/a" if value is None or not math.isfinite(value) else f"{value:.4g}"
    verdict = {True: "passes", False: "fails", None: "not assessed"}[ok]
    return Gate(code, standard, ok, value, limit, f"{what} = {shown} ({limit}): {verdict}")


def cv_limit(reporting_months: float | None, thresholds: Thresholds) -> float:
    low, middle, high = thresholds.max_cv_rmse
    if reporting_months is None or reporting_months < 12:
        return low
    return middle if reporting_months <= 60 else high


def assess(
    fit: LinearFit,
    *,
    variables: Mapping[str, tuple[npt.ArrayLike, npt.ArrayLike]] | None = None,
    reporting_months: float | None = None,
    fractional_savings_uncertainty: float | None = None,
    sufficiency: Sufficiency | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    extrapolated: Extrapolation | None = None,
) -> Validity:
    """Every gate for a fitted baseline model; reporting-period gates once there is one.

    ``variables`` maps each relevant variable's name to its (baseline, reporting) values: DOE
    wants every variable's reporting-period mean inside the range the model was fitted on.
    """
    t = thresholds
    gates = [
        _gate("doe.points", fit.n >= t.min_points, fit.n, f">= {t.min_points}", "data points"),
    ]
    if fit.k > 1:
        gates.append(_gate("doe.r2", fit.r2 >= t.min_r2, fit.r2, f">= {t.min_r2}", "R²"))
        gates.append(
            _gate(
                "doe.f_test",
                fit.f_p <= t.max_f_p,
                fit.f_p,
                f"<= {t.max_f_p}",
                "model F-test p",
            )
        )
        # day of week is one categorical variable: its terms are tested together
        weekdays = [name for name in fit.names if name in WEEKDAY_NAMES]
        regressors = [name for name in fit.names if name != "intercept" and name not in weekdays]
        p_values = [fit.p_value(name) for name in regressors]
        if weekdays:
            p_values.append(fit.joint_p(weekdays))
        worst = max(p_values)
        best = min(p_values)
        gates.append(
            _gate(
                "doe.variable_p", worst <= t.max_variable_p, worst,
                f"each <= {t.max_variable_p}", "largest variable p",
            )
        )  # fmt: skip
        gates.append(
            _gate(
                "doe.best_variable_p", best <= t.best_variable_p, best,
                f"at least one <= {t.best_variable_p}", "smallest variable p",
            )
        )  # fmt: skip
    gates += _range_gates(variables, extrapolated, t)
    gates.append(
        _gate(
            "g14.nmbe", abs(fit.nmbe) <= t.max_abs_nmbe, fit.nmbe,
            f"|NMBE| <= {t.max_abs_nmbe:.1%}", "NMBE",
        )
    )  # fmt: skip
    limit = cv_limit(reporting_months, t)
    gates.append(
        _gate(
            "g14.cv_rmse", fit.cv_rmse <= limit, fit.cv_rmse,
            f"<= {limit:.0%} for this reporting length", "CV(RMSE)",
        )
    )  # fmt: skip
    gates.append(_fsu_gate(fractional_savings_uncertainty, t))
    if sufficiency is not None:
        days, missing = sufficiency.days, sufficiency.missing_days
        share = missing / days if days else 1.0
        gates += [
            _gate(
                "caltrack.baseline_days", days >= t.min_baseline_days, days,
                f">= {t.min_baseline_days}", "baseline days",
            ),
            _gate(
                "caltrack.missing_days", share <= t.max_missing_share, share,
                f"<= {t.max_missing_share:.0%}", "share of missing days",
            ),
            _gate(
                "caltrack.temperature_coverage",
                sufficiency.temperature_coverage >= t.min_temperature_coverage,
                sufficiency.temperature_coverage, f">= {t.min_temperature_coverage:.0%}",
                "temperature coverage",
            ),
        ]  # fmt: skip
    return Validity(tuple(gates), tuple(modelling_warnings(fit)))


@dataclass(frozen=True)
class HourlySufficiency:
    """How complete an hourly baseline is: its hours, and the thinnest hour of the week."""

    hours: int  # local hours in the baseline period
    known_hours: int  # with consumption and temperature
    fewest_per_hour_of_week: int


def assess_hourly(
    fit: LinearFit,
    *,
    sufficiency: HourlySufficiency,
    variables: Mapping[str, tuple[npt.ArrayLike, npt.ArrayLike]] | None = None,
    fractional_savings_uncertainty: float | None = None,
    extrapolated: Extrapolation | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Validity:
    """The gates for an hourly (TOWT) baseline.

    DOE's per-variable p and R² gates are for regressions on a few variables; a model with an
    indicator per hour of the week (168) and piecewise temperature slopes has many terms that
    are weak alone and meaningful together, so they are not applied. In their place: CalTRACK's
    hourly data sufficiency (hours known, every hour of the week estimated from enough weeks),
    ASHRAE Guideline 14's criteria for hourly data (CV(RMSE) <= 30 %, |NMBE| <= 10 %), the
    savings uncertainty from the model's residuals summed per day (``hourly_uncertainty``), and
    the extrapolation and reporting-range gates of the daily models.
    """
    t = thresholds
    share = sufficiency.known_hours / sufficiency.hours if sufficiency.hours else 0.0
    gates = [
        _gate("doe.points", fit.n >= t.min_points, fit.n, f">= {t.min_points}", "data points"),
        _gate(
            "caltrack.hourly_coverage", share >= t.min_hourly_coverage, share,
            f">= {t.min_hourly_coverage:.0%}", "share of baseline hours with data",
        ),
        _gate(
            "caltrack.hours_per_hour_of_week",
            sufficiency.fewest_per_hour_of_week >= t.min_hours_per_hour_of_week,
            sufficiency.fewest_per_hour_of_week, f">= {t.min_hours_per_hour_of_week}",
            "fewest hours behind an hour-of-week coefficient",
        ),
        _gate(
            "g14.hourly_cv_rmse", fit.cv_rmse <= t.max_hourly_cv_rmse, fit.cv_rmse,
            f"<= {t.max_hourly_cv_rmse:.0%} (hourly data)", "CV(RMSE)",
        ),
        _gate(
            "g14.hourly_nmbe", abs(fit.nmbe) <= t.max_hourly_abs_nmbe, fit.nmbe,
            f"|NMBE| <= {t.max_hourly_abs_nmbe:.0%} (hourly data)", "NMBE",
        ),
    ]  # fmt: skip
    gates += _range_gates(variables, extrapolated, t)
    gates.append(_fsu_gate(fractional_savings_uncertainty, t))
    return Validity(tuple(gates), tuple(modelling_warnings(fit)))


def _range_gates(
    variables: Mapping[str, tuple[npt.ArrayLike, npt.ArrayLike]] | None,
    extrapolated: Extrapolation | None,
    t: Thresholds,
) -> list[Gate]:
    """DOE's reporting-period mean inside the baseline's range, per variable; the share of
    expected energy predicted outside the fitted range (ISO 50006)."""
    gates = []
    for name, (baseline_values, reporting_values) in (variables or {}).items():
        base = np.asarray(baseline_values, dtype=np.float64)
        mean = float(np.nanmean(np.asarray(reporting_values, dtype=np.float64)))
        low, high = float(np.nanmin(base)), float(np.nanmax(base))
        code = "doe.reporting_range" if name == "temperature" else f"doe.reporting_range.{name}"
        gates.append(
            _gate(
                code, low <= mean <= high, mean,
                f"within the baseline's {low:.3g}..{high:.3g}", f"reporting-period mean of {name}",
            )
        )  # fmt: skip
    if extrapolated is not None:
        share = extrapolated.kwh_share
        gates.append(
            _gate(
                "iso50006.extrapolation", share <= t.max_extrapolated_share, share,
                f"<= {t.max_extrapolated_share:.0%}, fitted on {extrapolated.fitted_low:.3g}.."
                f"{extrapolated.fitted_high:.3g} (+- {RANGE_MARGIN:.0%} of it)",
                "share of expected energy predicted outside the fitted range",
            )
        )  # fmt: skip
    return gates


def _fsu_gate(fsu: float | None, t: Thresholds) -> Gate:
    return _gate(
        "g14.fsu", None if fsu is None else bool(fsu < t.max_fsu), fsu,
        f"< {t.max_fsu:.0%} of savings at 68 %", "fractional savings uncertainty",
    )  # fmt: skip


def modelling_warnings(fit: LinearFit) -> list[str]:
    """What is physically odd in a fit: a model that expects negative consumption on some of
    its own baseline days (a negative base load under a heating or cooling line, or a
    straight line through a curved response). Its expected consumption is held at zero there
    (``EnergyBaseline.predict``); the model itself is no less valid by the gates."""
    lowest = float(np.min(fit.fitted)) if fit.fitted.size else 0.0
    if lowest < 0:
        negative = int(np.sum(fit.fitted < 0))
        return [
            f"the model expects negative consumption on {negative} of its {fit.n} baseline "
            f"points (down to {lowest:.1f}): expected consumption is held at zero there"
        ]
    return []


def slopes(names: Sequence[str]) -> list[str]:
    return [name for name in names if name in _SLOPES]
