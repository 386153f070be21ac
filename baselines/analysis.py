"""A baseline analysis end to end, on daily data: fit, validate, report.

Given consumption and outdoor temperature per local day, a baseline period and optionally a
reporting period: checks data sufficiency, selects the model, computes the reporting-period
results (expected, avoided, improvement, SEnPI, CUSUM, uncertainty) and every validity gate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from baselines.changepoint import DEFAULT_GRID_C, ModelForm
from baselines.daily import heating_degree_days
from baselines.results import PeriodResult, forecast
from baselines.selection import DEFAULT_FORMS, Criterion, Selection, select_model
from baselines.validity import DEFAULT_THRESHOLDS, Sufficiency, Thresholds, Validity, assess


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive

    def mask(self, days: Sequence[date]) -> npt.NDArray[np.bool_]:
        return np.array([self.first <= d <= self.last for d in days], dtype=bool)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def to_dict(self) -> dict[str, str]:
        return {"first": self.first.isoformat(), "last": self.last.isoformat()}


@dataclass(frozen=True)
class Analysis:
    baseline: Period
    reporting: Period | None
    selection: Selection
    validity: Validity
    sufficiency: Sufficiency
    result: PeriodResult | None
    temperature_range_c: tuple[float, float]
    heating_degree_days: float

    def to_dict(self) -> dict[str, object]:
        chosen = self.selection.chosen
        return {
            "baseline_period": self.baseline.to_dict(),
            "reporting_period": None if self.reporting is None else self.reporting.to_dict(),
            "model": chosen.to_dict(),
            "selection": self.selection.to_dict(),
            "data": {
                "baseline_days": self.sufficiency.days,
                "missing_days": self.sufficiency.missing_days,
                "temperature_coverage": self.sufficiency.temperature_coverage,
                "temperature_range_c": list(self.temperature_range_c),
                "heating_degree_days_17c": self.heating_degree_days,
            },
            "validity": self.validity.to_dict(),
            "reporting": None if self.result is None else self.result.to_dict(),
        }


def analyse_daily(
    days: Sequence[date],
    energy_kwh: npt.ArrayLike,
    temperature_c: npt.ArrayLike,
    *,
    baseline: Period,
    reporting: Period | None = None,
    forms: Sequence[ModelForm] = DEFAULT_FORMS,
    criterion: Criterion = Criterion.ADJUSTED_R2,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    grid: npt.ArrayLike = DEFAULT_GRID_C,
) -> Analysis:
    energy = np.asarray(energy_kwh, dtype=np.float64)
    temperature = np.asarray(temperature_c, dtype=np.float64)
    in_baseline = baseline.mask(days)
    base_energy, base_temperature = energy[in_baseline], temperature[in_baseline]
    usable = np.isfinite(base_energy) & np.isfinite(base_temperature)
    sufficiency = Sufficiency(
        days=baseline.days,
        missing_days=baseline.days - int(usable.sum()),
        temperature_coverage=float(np.isfinite(base_temperature).sum()) / baseline.days,
    )
    selection = select_model(
        base_temperature[usable], base_energy[usable], forms=forms, criterion=criterion, grid=grid
    )
    model = selection.chosen
    result = None
    reporting_temperature = None
    months = None
    if reporting is not None:
        in_reporting = reporting.mask(days)
        reporting_temperature = temperature[in_reporting]
        expected = model.predict(np.nan_to_num(reporting_temperature, nan=np.nan))
        expected = np.where(np.isfinite(reporting_temperature), expected, np.nan)
        result = forecast(model.fit, expected, energy[in_reporting])
        months = round(reporting.days * 12 / 365, 1)  # 365 days are 12 months for G14
    validity = assess(
        model.fit,
        baseline_variable=base_temperature[usable] if reporting is not None else None,
        reporting_variable=reporting_temperature,
        reporting_months=months,
        fractional_savings_uncertainty=None if result is None else result.fsu,
        sufficiency=sufficiency,
        thresholds=thresholds,
    )
    finite = base_temperature[np.isfinite(base_temperature)]
    return Analysis(
        baseline=baseline,
        reporting=reporting,
        selection=selection,
        validity=validity,
        sufficiency=sufficiency,
        result=result,
        temperature_range_c=(
            float(finite.min()) if finite.size else math.nan,
            float(finite.max()) if finite.size else math.nan,
        ),
        heating_degree_days=float(np.nansum(heating_degree_days(base_temperature))),
    )
