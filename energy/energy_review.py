"""The energy review's uses of energy, from the data (ISO 50001:2018 6.3 a, b).

Two sources, each kWh counted once:

- **sub-meters**: a meter that measures part of a main meter (``parent``) is a use of its own
  -- a ventilation unit, a kitchen, a pool's heating -- and its kWh are taken out of the main
  meter's remainder;
- **models**: each building EnPI's adopted baseline splits the EnPI's use on the period's days
  into heating (the model's heating slope times the heating degrees of each day), cooling (the
  same above the cooling balance point) and the rest, the base load.

Every use gets its share of the portfolio's energy in the period; at least
``energy_review.significance_share`` of it and it is proposed as significant. A person
confirms or rejects each proposal (the register keeps the decision, with the relevant
variables and the people who affect the use); a decision older than ``review_every_days`` is
due for review.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from baselines.changepoint import hinge
from baselines.daily import heating_degree_days
from baselines.versions import EnergyBaseline
from core.config.models import EnmsConfig, EnpiDefinition, Meter, Site
from core.schema import EnpiField, ReadingField, Tag
from core.storage.buckets import local_days
from core.storage.contract import Store
from core.storage.points import Bucket
from energy.comparisons import building_kwh
from energy.consumption import consuming_meters, consumption
from energy.enpi_series import DailySeries, daily_series_many
from energy.register import Register
from energy.seu_records import SeuDecision


@dataclass(frozen=True)
class EnergyUse:
    id: str  # e.g. "meter.ekbacka-fta" or "heating.ekbacka-fjv"
    name: str
    building: str
    source: str  # sub-meter, heating, cooling, base load
    kwh: float
    share: float  # of the portfolio's kWh in the period


#: the parts of a building EnPI's use its baseline model tells apart
MODEL_SOURCES = ("heating", "cooling", "base load")


def _use_id(source: str, what: str) -> str:
    """A use's id: ``meter.<sub-meter>``, ``heating.<enpi>``, ``base-load.<enpi>`` ..."""
    return f"{source.replace(' ', '-')}.{what}"


def _sub_meters(config: EnmsConfig) -> list[tuple[Site, Meter, str]]:
    kwh_fields = (ReadingField.ENERGY_KWH, ReadingField.ENERGY_DELTA_KWH)
    return [m for m in consuming_meters(config) if m[2] in kwh_fields and m[1].parent]


def _building_enpis(config: EnmsConfig) -> list[EnpiDefinition]:
    return [enpi for enpi in config.enpis if enpi.building and not enpi.seu]


def use_ids(config: EnmsConfig) -> set[str]:
    """Every use id the configuration can give, whatever a period's data: what a decision
    may be recorded on."""
    ids = {_use_id("meter", meter.id) for _, meter, _ in _sub_meters(config)}
    for enpi in _building_enpis(config):
        ids |= {_use_id(source, enpi.id) for source in MODEL_SOURCES}
    return ids


async def _sub_meter_uses(
    store: Store, config: EnmsConfig, first: date, last: date
) -> list[tuple[str, str, str, str, float]]:
    meters = _sub_meters(config)
    if not meters:
        return []
    start, end = local_days(first, last, config.portfolio.timezone)
    found = await consumption(
        store, config, meters, start, end, bucket=Bucket.MONTH, group_by=("meter",)
    )
    by_id = {meter.id: meter for _, meter, _ in meters}
    uses = []
    for one in found:
        meter = by_id.get(one.series.tags.get(Tag.METER, ""))
        if meter is not None and one.unit == "kWh":
            kwh = float(np.nansum(one.series.values))
            name = meter.name or meter.id
            uses.append((_use_id("meter", meter.id), name, meter.building, "sub-meter", kwh))
    return uses


@dataclass(frozen=True)
class ModelSplit:
    """An EnPI's use on known days split by its baseline model (kWh), with the days' heating
    degree days (17 °C base) for a normal-year correction of the heating part."""

    actual: float
    heating: float
    cooling: float
    degree_days: float
    days: int

    @property
    def base(self) -> float:
        return self.actual - self.heating - self.cooling


def _split(baseline: EnergyBaseline, series: DailySeries) -> ModelSplit | None:
    known = series.known & np.isfinite(series[EnpiField.TEMPERATURE_C])
    if not known.any():
        return None
    temperature = series[EnpiField.TEMPERATURE_C][known]
    actual = float(series[EnpiField.ACTUAL_KWH][known].sum())
    coefficients = dict(baseline.coefficients)
    heating = cooling = 0.0
    if baseline.heating_c is not None:
        degrees = hinge(baseline.heating_c - temperature, baseline.spread_c)
        heating = max(float(coefficients.get("heating", 0.0) * degrees.sum()), 0.0)
    if baseline.cooling_c is not None:
        degrees = hinge(temperature - baseline.cooling_c, baseline.spread_c)
        cooling = max(float(coefficients.get("cooling", 0.0) * degrees.sum()), 0.0)
    scale = min(1.0, actual / (heating + cooling)) if heating + cooling > 0 else 1.0
    return ModelSplit(  # never more attributed than was used
        actual=actual,
        heating=heating * scale,
        cooling=cooling * scale,
        degree_days=float(heating_degree_days(temperature).sum()),
        days=int(known.sum()),
    )


async def model_splits(
    store: Store,
    config: EnmsConfig,
    register: Register,
    enpis: Sequence[EnpiDefinition],
    *,
    first: date,
    last: date,
) -> dict[str, ModelSplit]:
    """Each EnPI's days of ``first``..``last`` split by its current baseline (those with a
    baseline and days), read for all of them at once."""
    baselines = {e.id: b for e in enpis if (b := register.current(e.id)) is not None}
    versions = {enpi: baseline.version for enpi, baseline in baselines.items()}
    if not versions:
        return {}
    series = await daily_series_many(store, config, versions, first=first, last=last)
    found = {}
    for enpi, baseline in baselines.items():
        split = _split(baseline, series[enpi])
        if split is not None:
            found[enpi] = split
    return found


async def _model_uses(
    store: Store, config: EnmsConfig, register: Register, first: date, last: date
) -> list[tuple[str, str, str, str, float]]:
    enpis = _building_enpis(config)
    splits = await model_splits(store, config, register, enpis, first=first, last=last)
    uses = []
    for enpi in enpis:
        split = splits.get(enpi.id)
        if split is None or enpi.building is None:
            continue
        parts = zip(MODEL_SOURCES, (split.heating, split.cooling, split.base), strict=True)
        for source, kwh in parts:
            if kwh > 0:
                uses.append((_use_id(source, enpi.id), enpi.name, enpi.building, source, kwh))
    return uses


async def energy_uses(
    store: Store, config: EnmsConfig, register: Register, first: date, last: date
) -> tuple[list[EnergyUse], float]:
    """Every use the data show in ``first``..``last``, largest first, and the portfolio's kWh
    they are shares of."""
    start, end = local_days(first, last, config.portfolio.timezone)
    total = sum((await building_kwh(store, config, start, end)).values())
    found = await _sub_meter_uses(store, config, first, last)
    found += await _model_uses(store, config, register, first, last)
    uses = [
        EnergyUse(use_id, name, building, source, kwh, kwh / total if total > 0 else 0.0)
        for use_id, name, building, source, kwh in found
    ]
    return sorted(uses, key=lambda use: -use.kwh), total


@dataclass(frozen=True)
class UseReview:
    """A use with what the data propose and what a person decided."""

    use: EnergyUse
    proposed: bool  # its share reaches the significance threshold
    decision: SeuDecision | None
    review_due: date | None  # when the standing decision is to be reviewed
    overdue: bool


async def review_uses(
    store: Store,
    config: EnmsConfig,
    register: Register,
    first: date,
    last: date,
    *,
    today: date,
) -> tuple[list[UseReview], float]:
    """The energy review of ``first``..``last``: every use, proposed or not, with its
    standing decision and whether that is due for review by ``today``."""
    uses, total = await energy_uses(store, config, register, first, last)
    decisions = register.seu_decisions()
    settings = config.energy_review
    reviews = []
    for use in uses:
        decision = decisions.get(use.id)
        due = None
        if decision is not None:
            decided = datetime.fromisoformat(decision.decided_at).date()
            due = decided + timedelta(days=settings.review_every_days)
        reviews.append(
            UseReview(
                use=use,
                proposed=use.share >= settings.significance_share,
                decision=decision,
                review_due=due,
                overdue=due is not None and today > due,
            )
        )
    return reviews, total
