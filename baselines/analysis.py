"""A baseline analysis end to end, on daily data: fit, validate, report.

Given consumption and outdoor temperature per local day, a baseline period and optionally a
reporting period: checks data sufficiency, selects the model, computes the reporting-period
results (expected, avoided, improvement, SEnPI, CUSUM, uncertainty) and every validity gate.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from baselines.daily import heating_degree_days
from baselines.results import PeriodResult, forecast, forecast_with, hourly_uncertainty
from baselines.selection import DEFAULT_SEARCH, SearchSettings, Selection, select_model
from baselines.stats import FloatArray, row_means
from baselines.towt import HOURS_PER_WEEK, TowtModel, fit_towt
from baselines.validity import (
    DEFAULT_THRESHOLDS,
    Extrapolation,
    HourlySufficiency,
    Sufficiency,
    Thresholds,
    Validity,
    assess,
    assess_hourly,
    extrapolation,
)

_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive

    @classmethod
    def parse(cls, text: str) -> Period:
        """A year ('2025'), a month ('2025-03') or 'FIRST..LAST' in ISO dates, both ends
        included -- enms's one way of writing a period; ``ValueError`` quotes ``text``."""
        text = text.strip()
        try:
            if ".." in text:
                first, last = (date.fromisoformat(part.strip()) for part in text.split(".."))
            elif _YEAR.match(text):
                first, last = date(int(text), 1, 1), date(int(text), 12, 31)
            elif _MONTH.match(text):
                year, month = int(text[:4]), int(text[5:])
                first = date(year, month, 1)
                last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
            else:
                raise ValueError(
                    "not a year (2025), a month (2025-03) or a range (2025-01-01..2025-06-30)"
                )
        except ValueError as exc:
            if ".." in text:
                raise ValueError(
                    f"period {text!r}: {exc}; write it as YYYY-MM-DD..YYYY-MM-DD"
                ) from None
            raise ValueError(f"period {text!r}: {exc}") from None
        if last < first:
            raise ValueError(f"period {text!r} ends before it starts")
        return cls(first, last)

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
    #: the range of the daily mean temperatures the model was fitted on
    temperature_range_c: tuple[float, float]
    heating_degree_days: float
    extrapolation: Extrapolation | None = None

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
            "extrapolation": None if self.extrapolation is None else self.extrapolation.to_dict(),
        }


def _analysis(
    *,
    baseline: Period,
    reporting: Period | None,
    selection: Selection,
    validity: Validity,
    sufficiency: Sufficiency,
    result: PeriodResult | None,
    base_temperature: FloatArray,
    fitted_temperature: FloatArray,
    extrapolated: Extrapolation | None,
) -> Analysis:
    finite = fitted_temperature[np.isfinite(fitted_temperature)]
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
        extrapolation=extrapolated,
    )


def analyse_daily(
    days: Sequence[date],
    energy_kwh: npt.ArrayLike,
    temperature_c: npt.ArrayLike,
    *,
    baseline: Period,
    reporting: Period | None = None,
    search: SearchSettings = DEFAULT_SEARCH,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    variables: Mapping[str, npt.ArrayLike] | None = None,
) -> Analysis:
    """The daily analysis; ``variables`` are further relevant variables per day (occupancy,
    opening days, production), entering every model as extra regressors. Day-of-week terms
    are a choice of the selection unless ``search.weekday_terms`` fixes it.

    ``temperature_c`` is one mean per day, or a row of readings per day (hourly means,
    NaN-padded; ``baselines.daily.hours_by_day``): degrees are then taken per reading and
    averaged over the day (degree-hours).
    """
    energy = np.asarray(energy_kwh, dtype=np.float64)
    readings = np.asarray(temperature_c, dtype=np.float64)
    temperature = _day_means(readings)
    names = tuple(variables or {})
    extra = (
        np.column_stack([np.asarray(v, dtype=np.float64) for v in (variables or {}).values()])
        if names
        else np.empty((len(days), 0))
    )
    in_baseline = baseline.mask(days)
    base_energy, base_temperature = energy[in_baseline], temperature[in_baseline]
    base_readings = readings[in_baseline]
    usable = np.isfinite(base_energy) & np.isfinite(base_temperature)
    usable &= np.isfinite(extra[in_baseline]).all(axis=1)
    sufficiency = Sufficiency(
        days=baseline.days,
        missing_days=baseline.days - int(usable.sum()),
        temperature_coverage=float(np.isfinite(base_temperature).sum()) / baseline.days,
    )
    base_extra = extra[in_baseline][usable]
    weekdays = np.array([day.weekday() for day in days])
    selection = select_model(
        base_readings[usable],
        base_energy[usable],
        extra=base_extra if names else None,
        extra_names=names,
        weekdays=None if search.weekday_terms is False else weekdays[in_baseline][usable],
        search=search,
    )
    model = selection.chosen
    result = None
    extrapolated = None
    ranges: dict[str, tuple[npt.ArrayLike, npt.ArrayLike]] = {}
    months = None
    if reporting is not None:
        in_reporting = reporting.mask(days)
        reporting_temperature = temperature[in_reporting]
        reporting_readings = readings[in_reporting]
        reporting_extra = extra[in_reporting]
        expected = model.predict(
            reporting_readings if readings.ndim == 2 else np.nan_to_num(reporting_readings),
            np.nan_to_num(reporting_extra) if names else None,
            weekdays[in_reporting],
        )
        known = np.isfinite(reporting_temperature) & np.isfinite(reporting_extra).all(axis=1)
        expected = np.where(known, expected, np.nan)
        result = forecast(model.fit, expected, energy[in_reporting])
        extrapolated = extrapolation(base_temperature[usable], reporting_temperature, expected)
        months = round(reporting.days * 12 / 365, 1)  # 365 days are 12 months for G14
        ranges["temperature"] = (base_temperature[usable], reporting_temperature)
        for j, name in enumerate(names):
            ranges[name] = (base_extra[:, j], reporting_extra[:, j])
    validity = assess(
        model.fit,
        variables=ranges,
        reporting_months=months,
        fractional_savings_uncertainty=None if result is None else _defined(result.fsu),
        sufficiency=sufficiency,
        thresholds=thresholds,
        extrapolated=extrapolated,
    )
    return _analysis(
        baseline=baseline,
        reporting=reporting,
        selection=selection,
        validity=validity,
        sufficiency=sufficiency,
        result=result,
        base_temperature=base_temperature,
        fitted_temperature=base_temperature[usable],
        extrapolated=extrapolated,
    )


def _day_means(temperature: FloatArray) -> FloatArray:
    """Each day's mean temperature, from one value or a row of readings per day."""
    return temperature if temperature.ndim == 1 else row_means(temperature)


#: billing data: a change point needs this many periods with degrees on its active side
MIN_PERIODS_PER_SIDE = 3


def months(days: Sequence[date], period: Period) -> list[list[int]]:
    """Indexes of ``days`` per calendar month, for the whole months inside ``period``."""
    by_month: dict[tuple[int, int], list[int]] = {}
    for index, day in enumerate(days):
        if period.first <= day <= period.last:
            by_month.setdefault((day.year, day.month), []).append(index)
    whole = []
    for (year, month), indexes in sorted(by_month.items()):
        length = (date(year + month // 12, month % 12 + 1, 1) - date(year, month, 1)).days
        if len(indexes) == length:
            whole.append(indexes)
    return whole


def _period_arrays(
    groups: list[list[int]], energy: FloatArray, temperature: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per period: kWh per day, daily temperatures (NaN-padded), and the number of days.

    A period counts only if every day's consumption is known (a bill covers every day).
    """
    width = max((len(g) for g in groups), default=1)
    per_day = np.full(len(groups), np.nan)
    temps = np.full((len(groups), width), np.nan)
    lengths = np.zeros(len(groups))
    for i, group in enumerate(groups):
        values = energy[group]
        temps[i, : len(group)] = temperature[group]
        lengths[i] = len(group)
        if np.isfinite(values).all() and np.isfinite(temperature[group]).any():
            per_day[i] = values.sum() / len(group)
    return per_day, temps, lengths


def analyse_monthly(
    days: Sequence[date],
    energy_kwh: npt.ArrayLike,
    temperature_c: npt.ArrayLike,
    *,
    baseline: Period,
    reporting: Period | None = None,
    search: SearchSettings = DEFAULT_SEARCH,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Analysis:
    """The analysis on calendar months built from daily consumption (PRISM / ASHRAE G14).

    The model is of kWh per day against each month's average daily degrees, weighted by the
    month's length; a month's expected consumption is its days times the model's per-day value.
    A month counts only if every day's consumption is known.
    """
    energy = np.asarray(energy_kwh, dtype=np.float64)
    temperature = np.asarray(temperature_c, dtype=np.float64)

    def periods(period: Period) -> _Periods:
        groups = months(days, period)
        per_day, temps, lengths = _period_arrays(groups, energy, temperature)
        return _Periods(per_day, temps, lengths)

    base_days = baseline.mask(days)
    known_days = int(np.isfinite(energy[base_days]).sum())
    return _analyse_periods(
        periods(baseline),
        None if reporting is None else periods(reporting),
        temperature[base_days],
        baseline=baseline,
        reporting=reporting,
        covered_days=known_days,
        search=search,
        thresholds=thresholds,
    )


@dataclass(frozen=True)
class Bill:
    """Consumption over a period of days, both ends included: a bill, or two meter reads."""

    first: date
    last: date
    kwh: float

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def analyse_billing(
    days: Sequence[date],
    temperature_c: npt.ArrayLike,
    bills: Sequence[Bill],
    *,
    baseline: Period,
    reporting: Period | None = None,
    search: SearchSettings = DEFAULT_SEARCH,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Analysis:
    """The analysis on billing periods of uneven length (utility bills, manual meter reads).

    As for months: kWh per day against each period's daily temperatures (degrees taken per
    day and averaged), weighted by the period's length. A bill belongs to the baseline or the
    reporting period that holds most of its days; ``days`` and ``temperature_c`` give the
    daily mean temperatures around them.
    """
    temperature = np.asarray(temperature_c, dtype=np.float64)
    position = {day: i for i, day in enumerate(days)}

    def periods(period: Period) -> tuple[_Periods, int]:
        held = [b for b in bills if _mostly_in(b, period) and math.isfinite(b.kwh)]
        width = max((b.days for b in held), default=1)
        temps = np.full((len(held), width), np.nan)
        for row, bill in enumerate(held):
            for offset in range(bill.days):
                at = position.get(bill.first + timedelta(days=offset))
                if at is not None:
                    temps[row, offset] = temperature[at]
        lengths = np.array([b.days for b in held], dtype=np.float64)
        per_day = np.array([b.kwh for b in held]) / np.maximum(lengths, 1)
        per_day = np.where(np.isfinite(temps).any(axis=1), per_day, np.nan)
        covered = sum(_days_inside(b, period) for b in held)
        return _Periods(per_day, temps, lengths), covered

    base, covered = periods(baseline)
    base_days = baseline.mask(days)
    return _analyse_periods(
        base,
        None if reporting is None else periods(reporting)[0],
        temperature[base_days],
        baseline=baseline,
        reporting=reporting,
        covered_days=covered,
        search=search,
        thresholds=thresholds,
    )


def _days_inside(bill: Bill, period: Period) -> int:
    return max((min(bill.last, period.last) - max(bill.first, period.first)).days + 1, 0)


def _mostly_in(bill: Bill, period: Period) -> bool:
    return _days_inside(bill, period) * 2 > bill.days


@dataclass(frozen=True)
class _Periods:
    """Periods of several days: kWh per day, daily temperatures (NaN-padded), lengths."""

    per_day: FloatArray
    temps: FloatArray
    lengths: FloatArray


def _analyse_periods(
    base: _Periods,
    rep: _Periods | None,
    base_temperature: FloatArray,
    *,
    baseline: Period,
    reporting: Period | None,
    covered_days: int,
    search: SearchSettings,
    thresholds: Thresholds,
) -> Analysis:
    """The weighted analysis of periods (months or bills), baseline and reporting."""
    usable = np.isfinite(base.per_day)
    selection = select_model(
        base.temps[usable],
        base.per_day[usable],
        weights=base.lengths[usable],
        search=replace(search, min_side_points=MIN_PERIODS_PER_SIDE, weekday_terms=False),
    )
    model = selection.chosen
    result = None
    reporting_mean = None
    reporting_months = None
    extrapolated = None
    fitted_means = np.nanmean(base.temps[usable], axis=1) if usable.any() else np.empty(0)
    if rep is not None and reporting is not None:
        expected = model.predict(rep.temps) * rep.lengths
        result = forecast(model.fit, expected, rep.per_day * rep.lengths)
        with np.errstate(invalid="ignore"):
            reporting_mean = np.nanmean(rep.temps, axis=1) if rep.temps.size else np.empty(0)
        reporting_months = round(float(rep.lengths.sum()) * 12 / 365, 1)
        extrapolated = extrapolation(fitted_means, reporting_mean, expected)
    sufficiency = Sufficiency(
        days=baseline.days,
        missing_days=baseline.days - covered_days,
        temperature_coverage=float(np.isfinite(base_temperature).sum()) / baseline.days,
    )
    validity = assess(
        model.fit,
        variables=(
            {"temperature": (fitted_means, reporting_mean)}
            if reporting_mean is not None and reporting_mean.size
            else None
        ),
        reporting_months=reporting_months,
        fractional_savings_uncertainty=None if result is None else _defined(result.fsu),
        sufficiency=sufficiency,
        thresholds=thresholds,
        extrapolated=extrapolated,
    )
    return _analysis(
        baseline=baseline,
        reporting=reporting,
        selection=selection,
        validity=validity,
        sufficiency=sufficiency,
        result=result,
        base_temperature=base_temperature,
        fitted_temperature=fitted_means,
        extrapolated=extrapolated,
    )


@dataclass(frozen=True)
class HourlyAnalysis:
    """The hourly (TOWT) analysis: the same gates and reporting results as the daily one."""

    baseline: Period
    reporting: Period | None
    model: TowtModel
    validity: Validity
    result: PeriodResult | None
    hours: int
    sufficiency: HourlySufficiency | None = None
    extrapolation: Extrapolation | None = None

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"baseline_hours": self.hours}
        if self.sufficiency is not None:
            data.update(
                baseline_hours=self.sufficiency.hours,
                known_hours=self.sufficiency.known_hours,
                fewest_hours_per_hour_of_week=self.sufficiency.fewest_per_hour_of_week,
            )
        return {
            "baseline_period": self.baseline.to_dict(),
            "reporting_period": None if self.reporting is None else self.reporting.to_dict(),
            "model": self.model.to_dict(),
            "data": data,
            "validity": self.validity.to_dict(),
            "reporting": None if self.result is None else self.result.to_dict(),
            "extrapolation": None if self.extrapolation is None else self.extrapolation.to_dict(),
        }


def analyse_hourly(
    hours_ns: npt.ArrayLike,
    hour_of_week: npt.ArrayLike,
    energy_kwh: npt.ArrayLike,
    temperature_c: npt.ArrayLike,
    *,
    days: Sequence[date],
    baseline: Period,
    reporting: Period | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> HourlyAnalysis:
    """The analysis on local hours with the time-of-week-and-temperature model.

    ``days`` gives each hour's local date (to place it in the baseline or reporting period).
    """
    energy = np.asarray(energy_kwh, dtype=np.float64)
    temperature = np.asarray(temperature_c, dtype=np.float64)
    how = np.asarray(hour_of_week, dtype=np.int64)
    in_base = baseline.mask(days)
    model = fit_towt(how[in_base], temperature[in_base], energy[in_base])
    known = in_base & np.isfinite(energy) & np.isfinite(temperature)
    per_bin = np.bincount(how[known], minlength=HOURS_PER_WEEK)
    sufficiency = HourlySufficiency(
        hours=int(in_base.sum()),
        known_hours=int(known.sum()),
        fewest_per_hour_of_week=int(per_bin.min()),
    )
    result = None
    extrapolated = None
    if reporting is not None:
        # the band comes from the baseline's residuals summed per day
        base_days = np.array([d.toordinal() for d in days])[in_base]
        base_residuals = energy[in_base] - model.predict(
            how[in_base], np.nan_to_num(temperature[in_base])
        )
        base_residuals[~np.isfinite(temperature[in_base])] = math.nan
        per_day = float(np.nansum(energy[known])) / max(len(set(base_days.tolist())), 1)
        in_rep = reporting.mask(days)
        expected = model.predict(how[in_rep], np.nan_to_num(temperature[in_rep]))
        expected = np.where(np.isfinite(temperature[in_rep]), expected, np.nan)
        reporting_days = len({d for d, r in zip(days, in_rep, strict=True) if r})
        result = forecast_with(
            expected,
            energy[in_rep],
            lambda _: hourly_uncertainty(base_residuals, base_days, per_day, reporting_days),
        )
        extrapolated = extrapolation(temperature[known], temperature[in_rep], expected)
    validity = assess_hourly(
        model.fit,
        sufficiency=sufficiency,
        variables=(
            None
            if reporting is None
            else {"temperature": (temperature[known], temperature[reporting.mask(days)])}
        ),
        fractional_savings_uncertainty=None if result is None else _defined(result.fsu),
        extrapolated=extrapolated,
        thresholds=thresholds,
    )
    return HourlyAnalysis(
        baseline, reporting, model, validity, result, int(model.fit.n), sufficiency, extrapolated
    )


def _defined(value: float) -> float | None:
    """A figure only where it is defined (FSU is not, for avoided energy of zero or less)."""
    return value if math.isfinite(value) else None
