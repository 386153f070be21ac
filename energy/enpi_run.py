"""Computing the configured EnPIs from stored readings, and writing the results back.

For each EnPI: daily consumption of its boundary (derived from the meters' cumulative
registers) and daily mean outdoor temperature (with ``degrees: hourly``, also the hourly means
of each day) are read from storage; its energy baseline is
taken from the register -- or, the first time, fitted on the baseline period and adopted as
version 1 -- and the expected consumption, residual, CUSUM and kWh per m² Atemp of every day are
written back as the ``enpi`` measurement, tagged with the baseline version, so Grafana and the
API read them like any other series.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from baselines.analysis import Analysis, Period, analyse_daily
from baselines.changepoint import ModelForm
from baselines.daily import day_rows, heating_degree_days
from baselines.enpi import heating_degrees, normal_year_corrected
from baselines.selection import DEFAULT_FORMS, SearchSettings
from baselines.stats import FloatArray
from baselines.validity import outside
from baselines.versions import EnergyBaseline, RevisionTrigger
from core.config.meter_tree import counted_once
from core.config.models import EnmsConfig, EnpiDefinition, Meter, ValueKind
from core.schema import EnpiField, EnpiYearField, Measurement, Tag, variable_field
from core.storage.buckets import local_days
from core.storage.contract import Store
from core.storage.points import Aggregate, Bucket, Point, SeriesSelector
from energy.enpi_months import month_points
from energy.register import Register, now_text
from energy.variables import RelevantVariable, variable_values

log = logging.getLogger(__name__)

#: a day counts only if its meters' intervals cover all of it
FULL_DAY = 0.999


@dataclass(frozen=True)
class EnpiResult:
    enpi: EnpiDefinition
    baseline: EnergyBaseline
    adopted_now: bool
    days_written: int
    reporting_days: int
    expected_kwh: float
    actual_kwh: float

    @property
    def senpi(self) -> float:
        return self.actual_kwh / self.expected_kwh if self.expected_kwh else float("nan")


def boundary_meters(config: EnmsConfig, enpi: EnpiDefinition) -> list[Meter]:
    """The cumulative meters of the EnPI's energy carrier inside its boundary, each kWh once:
    a sub-meter whose parent is in the boundary too is left out (``counted_once``)."""
    chosen = []
    for _, meter in config.meters():
        if meter.medium is not enpi.medium or meter.kind is not ValueKind.COUNTER:
            continue
        if enpi.building and meter.building != enpi.building:
            continue
        if enpi.seu and meter.seu != enpi.seu:
            continue
        if enpi.meters and meter.id not in enpi.meters:
            continue
        chosen.append(meter)
    return counted_once(config, chosen)


def boundary_area_m2(config: EnmsConfig, meters: list[Meter], enpi: EnpiDefinition) -> float:
    """Atemp of the buildings in the boundary: all of them for the portfolio."""
    if not (enpi.building or enpi.seu or enpi.meters):
        return sum(building.atemp_m2 for _, building in config.buildings())
    served = {enpi.building} if enpi.building else {meter.building for meter in meters}
    return sum(building.atemp_m2 for _, building in config.buildings() if building.id in served)


async def daily_inputs(
    store: Store, config: EnmsConfig, enpi: EnpiDefinition, first: date, last: date
) -> DailyData:
    """Consumption and outdoor temperature per local day, NaN where not fully known."""
    zone = ZoneInfo(config.portfolio.timezone)
    start, end = local_days(first, last, zone)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    energy = np.full(len(days), np.nan)
    meters = boundary_meters(config, enpi)
    if meters:
        selector = SeriesSelector(
            Measurement.READINGS, "energy_kwh", {"meter": [m.id for m in meters]}
        )
        groups = await store.counter_consumption(
            selector, start, end, Bucket.DAY, tz=config.portfolio.timezone
        )  # no group_by: one series, the boundary's meters summed
        coverage = groups[0].coverage if groups else None
        if coverage is not None:
            energy = np.where(coverage >= FULL_DAY, groups[0].values, np.nan)[: len(days)]
    selector = SeriesSelector(
        Measurement.READINGS, "temperature_c", {"meter": enpi.temperature_meter}
    )
    series = await store.aggregate(
        selector, start, end, Bucket.DAY, Aggregate.MEAN, tz=config.portfolio.timezone
    )
    temperature = series[0].values[: len(days)] if series else np.full(len(days), np.nan)
    readings = None
    if enpi.degrees == "hourly":
        hours = await store.aggregate(
            selector, start, end, Bucket.HOUR, Aggregate.MEAN, tz=config.portfolio.timezone
        )
        readings = (
            day_rows(
                hours[0].starts_ns,
                hours[0].values,
                first=first,
                last=last,
                tz=config.portfolio.timezone,
            )
            if hours
            else np.full((len(days), 25), np.nan)
        )
    return DailyData(days, energy, temperature, readings)


def adjustments_per_day(baseline: EnergyBaseline, days: list[date]) -> FloatArray:
    """Each non-routine adjustment spread evenly over its days (kWh added to what is expected)."""
    per_day = np.zeros(len(days))
    for adjustment in baseline.adjustments:
        length = (adjustment.last - adjustment.first).days + 1
        inside = np.array([adjustment.first <= d <= adjustment.last for d in days])
        per_day[inside] += adjustment.kwh / length
    return per_day


@dataclass(frozen=True)
class DailyData:
    """An EnPI's inputs per local day; NaN where a day is not fully known."""

    days: list[date]
    energy: FloatArray
    temperature: FloatArray  # the daily mean
    readings: FloatArray | None = None  # (days, 25) hourly means, for degree-hours

    @property
    def degrees(self) -> FloatArray:
        """What the model takes: hourly rows for degree-hours, else the daily means."""
        return self.temperature if self.readings is None else self.readings

    @property
    def known(self) -> npt.NDArray[np.bool_]:
        return np.isfinite(self.energy) & np.isfinite(self.temperature)


def year_points(
    enpi: EnpiDefinition,
    baseline: EnergyBaseline,
    data: DailyData,
    *,
    area: float,
    tags: dict[str, str],
    zone: ZoneInfo,
) -> list[Point]:
    """One point per complete calendar year: the yearly EnPI, normal-year corrected if asked.

    Normal-year correction (normalårskorrigering) scales the heating-dependent part -- what
    the baseline model attributes to heating -- by normal over actual degree days (17 °C).
    """
    points = []
    known = data.known
    for year in sorted({d.year for d in data.days}):
        in_year = np.array([d.year == year for d in data.days])
        if in_year.sum() < (366 if calendar.isleap(year) else 365) or not known[in_year].all():
            continue  # a partial year is no yearly figure
        actual = float(data.energy[in_year].sum())
        temperature = data.temperature[in_year]
        heating = 0.0
        if baseline.heating_c is not None:
            slope = dict(baseline.coefficients).get("heating", 0.0)
            degrees = heating_degrees(baseline.heating_c, baseline.spread_c, data.degrees[in_year])
            # what the model attributes to heating, never more than the year's whole use
            heating = min(float(slope * np.nansum(degrees)), actual)
        hdd = float(heating_degree_days(temperature).sum())
        fields: dict[str, float | int | bool | str] = {
            EnpiYearField.ACTUAL_KWH: actual,
            EnpiYearField.HEATING_KWH: heating,
            EnpiYearField.HEATING_DEGREE_DAYS: hdd,
        }
        if area > 0:
            fields[EnpiYearField.ACTUAL_KWH_PER_M2] = actual / area
        if enpi.normal_year_hdd is not None:
            corrected = normal_year_corrected(actual, heating, hdd, enpi.normal_year_hdd)
            fields[EnpiYearField.NORMAL_YEAR_CORRECTED_KWH] = corrected
            if area > 0:
                fields[EnpiYearField.NORMAL_YEAR_CORRECTED_KWH_PER_M2] = corrected / area
        start = datetime(year, 1, 1, tzinfo=zone)
        points.append(
            Point(Measurement.ENPI_YEAR, tags, fields, int(start.timestamp()) * 1_000_000_000)
        )
    return points


#: the trigger and reason of an EnPI's first baseline
FIRST_VERSION = (RevisionTrigger.INITIAL, "first baseline of this EnPI")


def static_factors(config: EnmsConfig, enpi: EnpiDefinition) -> dict[str, str]:
    """The static factors of an EnPI's boundary (ISO 50001 6.5): which meters it sums and
    the heated area (Atemp) it is normalised by."""
    meters = boundary_meters(config, enpi)
    return {
        "meters": ", ".join(sorted(m.id for m in meters)),
        "atemp_m2": f"{boundary_area_m2(config, meters, enpi):g}",
    }


def _static_change(current: EnergyBaseline, now: Mapping[str, str]) -> str | None:
    """What changed among the recorded static factors, in words; None if nothing did (or
    the version predates their recording)."""
    recorded = dict(current.static_factors)
    changed = [
        f"{name} {recorded[name] or '(none)'} -> {now[name] or '(none)'}"
        for name in sorted(recorded)
        if name in now and now[name] != recorded[name]
    ]
    return "static factors changed: " + "; ".join(changed) if changed else None


def _revision(
    current: EnergyBaseline | None,
    enpi: EnpiDefinition,
    *,
    degree_hours: bool,
    factors: Mapping[str, str],
) -> tuple[RevisionTrigger, str] | None:
    """Why a new baseline version is adopted now (trigger, reason); None while the register's
    current version still matches the configuration."""
    first, last = enpi.baseline.first, enpi.baseline.last
    if current is None:
        return FIRST_VERSION
    change = _static_change(current, factors)
    if change is not None:
        return RevisionTrigger.STATIC_FACTOR_CHANGE, change
    method = RevisionTrigger.PREDETERMINED_METHOD
    if (current.first, current.last) != (first, last):
        return method, f"baseline period changed in the configuration to {first}..{last}"
    if current.degree_hours != degree_hours:
        return method, f"outdoor degrees changed in the configuration to {enpi.degrees}"
    if tuple(name for name, _ in current.variables) != tuple(enpi.variables):
        return method, "relevant variables changed in the configuration to " + (
            ", ".join(enpi.variables) or "outdoor temperature only"
        )
    return None


def _adopt(
    register: Register,
    enpi: EnpiDefinition,
    data: DailyData,
    extra: Mapping[str, FloatArray],
    revision: tuple[RevisionTrigger, str],
    *,
    factors: Mapping[str, str],
) -> EnergyBaseline:
    """Fit the baseline period's model and adopt it as the EnPI's next baseline version."""
    first, last = enpi.baseline.first, enpi.baseline.last
    analysis: Analysis = analyse_daily(
        data.days,
        data.energy,
        data.degrees,
        baseline=Period(first, last),
        search=SearchSettings(forms=_forms(enpi)),
        variables=extra or None,
    )
    in_baseline = np.array([first <= d <= last for d in data.days])
    trigger, reason = revision
    baseline = EnergyBaseline.adopt(
        enpi=enpi.id,
        version=register.next_version(enpi.id),
        model=analysis.selection.chosen,
        first=first,
        last=last,
        adopted_at=now_text(),
        trigger=trigger,
        reason=reason,
        validity=analysis.validity.to_dict(),
        variable_means={name: float(np.nanmean(v[in_baseline])) for name, v in extra.items()},
        degree_hours=data.readings is not None,
        static_factors=factors,
        temperature_range_c=analysis.temperature_range_c,
    )
    register.adopt(baseline)
    log.info(
        "EnPI %s: adopted baseline version %d (%s, %s)",
        enpi.id, baseline.version, baseline.form.value, analysis.validity.label,
    )  # fmt: skip
    return baseline


def _forms(enpi: EnpiDefinition) -> tuple[ModelForm, ...]:
    return DEFAULT_FORMS if enpi.model == "auto" else (ModelForm.INTERCEPT, ModelForm(enpi.model))


async def run_enpi(
    store: Store,
    register: Register,
    config: EnmsConfig,
    enpi: EnpiDefinition,
    *,
    until: date,
    variables: Mapping[str, RelevantVariable] | None = None,
) -> EnpiResult:
    """Compute one EnPI up to ``until`` (included) and write its daily series back.

    ``variables`` are the relevant variables the plugins provide; the EnPI's model uses those
    its definition names (``UnknownVariable`` if one is missing).
    """
    first, last = enpi.baseline.first, enpi.baseline.last
    data = await daily_inputs(store, config, enpi, first, max(last, until))
    days, energy, temperature = data.days, data.energy, data.temperature
    degree_hours = data.readings is not None
    extra = await variable_values(enpi.variables, variables or {}, days[0], days[-1])
    baseline = register.current(enpi.id)
    factors = static_factors(config, enpi)
    revision = _revision(baseline, enpi, degree_hours=degree_hours, factors=factors)
    adopted_now = revision is not None
    if baseline is None or revision is not None:
        baseline = _adopt(register, enpi, data, extra, revision or FIRST_VERSION, factors=factors)
    expected = baseline.predict(
        data.degrees if degree_hours else np.nan_to_num(temperature, nan=0.0),
        {name: np.nan_to_num(values, nan=0.0) for name, values in extra.items()},
        weekdays=[day.weekday() for day in days],
    )
    adjustment = adjustments_per_day(baseline, days)
    expected = expected + adjustment
    known = np.isfinite(energy) & np.isfinite(temperature)
    for values in extra.values():
        known &= np.isfinite(values)
    reporting = np.array([d > last for d in days]) & known
    residual = energy - expected
    model = baseline.predict(np.nan_to_num(temperature, nan=0.0))  # the signature's line
    degree_days = heating_degree_days(temperature)
    cusum = np.cumsum(np.where(reporting, residual, 0.0))
    fitted = baseline.statistics.get("temperature_range_c")  # baselines adopted since it is kept
    extrapolated = outside(fitted, temperature)[0] if fitted else None
    meters = boundary_meters(config, enpi)
    area = boundary_area_m2(config, meters, enpi)
    zone = ZoneInfo(config.portfolio.timezone)
    tags: dict[str, str] = {
        Tag.ENPI: enpi.id,
        Tag.BASELINE_VERSION: str(baseline.version),
        Tag.MEDIUM: enpi.medium.value,
        **({Tag.BUILDING: enpi.building} if enpi.building else {}),
        **({Tag.SEU: enpi.seu} if enpi.seu else {}),
    }
    points = []
    for i, day in enumerate(days):
        if not known[i]:
            continue
        fields: dict[str, float | int | bool | str] = {
            EnpiField.ACTUAL_KWH: float(energy[i]),
            EnpiField.EXPECTED_KWH: float(expected[i]),
            EnpiField.RESIDUAL_KWH: float(residual[i]),
            EnpiField.TEMPERATURE_C: float(temperature[i]),
            EnpiField.REPORTING: bool(reporting[i]),
            EnpiField.MODEL_KWH: float(model[i]),
            EnpiField.HEATING_DEGREE_DAYS: float(degree_days[i]),
        }
        if reporting[i]:
            fields[EnpiField.CUSUM_KWH] = float(cusum[i])
            if extrapolated is not None:
                fields[EnpiField.EXTRAPOLATED] = float(extrapolated[i])  # summed: days
        if adjustment[i]:
            fields[EnpiField.ADJUSTMENT_KWH] = float(adjustment[i])
        for name, values in extra.items():  # the evidence of what was expected
            fields[variable_field(name)] = float(values[i])
        if area > 0:
            fields[EnpiField.ACTUAL_KWH_PER_M2] = float(energy[i]) / area
        midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
        points.append(
            Point(Measurement.ENPI, tags, fields, int(midnight.timestamp()) * 1_000_000_000)
        )
    points += year_points(enpi, baseline, data, area=area, tags=tags, zone=zone)
    points += month_points(
        days, energy, known, baseline=(baseline.first, baseline.last), tags=tags, zone=zone
    )
    await store.write(points)
    return EnpiResult(
        enpi=enpi,
        baseline=baseline,
        adopted_now=adopted_now,
        days_written=len(points),
        reporting_days=int(reporting.sum()),
        expected_kwh=float(expected[reporting].sum()),
        actual_kwh=float(energy[reporting].sum()),
    )
