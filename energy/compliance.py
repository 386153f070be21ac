"""The primary energy number (primärenergital) of a building, from measured data.

As BBR 9:2 defines it, per energy carrier: the energy for space heating divided by the
geographic adjustment factor Fgeo, plus the rest (hot water, cooling, property electricity),
times the carrier's weighting factor; summed and divided by Atemp. Measured data do not
separate space heating from hot water, so the building's baseline model does: its heating
part (normal-year corrected where the EnPI has a normal year) is divided by Fgeo, its base
load is not. A heat carrier without an EnPI counts whole, undivided (the number is then on the
high side, which the result says). Electricity counts only from the meters the declaration
names as property electricity (fastighetsel): a building's main electricity meter also
measures its users' electricity, which the number leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from core.config.compliance import BBR_WEIGHTING, EnergyDeclaration
from core.config.models import EnmsConfig
from core.config.portfolio import Medium
from core.schema import ReadingField, Tag
from core.storage.buckets import local_days
from core.storage.contract import Store
from core.storage.points import Bucket
from energy.consumption import consuming_meters, consumption, counted_once_fields
from energy.energy_review import model_splits
from energy.register import Register

HEAT_CARRIERS = (
    Medium.DISTRICT_HEATING, Medium.DISTRICT_COOLING, Medium.BIOFUEL, Medium.OIL, Medium.GAS
)  # fmt: skip


@dataclass(frozen=True)
class PrimaryEnergy:
    building: str
    first: date
    last: date
    value: float  # kWh/m² Atemp over the span (a year's figure for twelve months)
    weighted_kwh: dict[str, float]  # per carrier
    split_by_model: bool  # every heat carrier's heating separated by an EnPI's baseline
    normal_year_corrected: bool


async def primary_energy(
    store: Store,
    config: EnmsConfig,
    register: Register,
    declaration: EnergyDeclaration,
    *,
    first: date,
    last: date,
) -> PrimaryEnergy | None:
    """The building's primärenergital over ``first``..``last``; None without data."""
    building = next((b for _, b in config.buildings() if b.id == declaration.building), None)
    if building is None:
        return None
    kwh_fields = (ReadingField.ENERGY_KWH, ReadingField.ENERGY_DELTA_KWH)
    mine = [
        m for m in consuming_meters(config) if m[1].building == building.id and m[2] in kwh_fields
    ]
    heat = counted_once_fields(config, [m for m in mine if m[1].medium in HEAT_CARRIERS])
    property_el = [m for m in mine if m[1].id in declaration.property_meters]
    start, end = local_days(first, last, config.portfolio.timezone)
    per_medium: dict[Medium, float] = {}
    by_meter = {meter.id: meter for _, meter, _ in heat + property_el}
    for one in await consumption(
        store, config, heat + property_el, start, end, bucket=Bucket.MONTH, group_by=("meter",)
    ):
        meter = by_meter.get(one.series.tags.get(Tag.METER, ""))
        if meter is not None and one.unit == "kWh":
            medium = meter.medium
            per_medium[medium] = per_medium.get(medium, 0.0) + float(np.nansum(one.series.values))
    if not per_medium:
        return None
    weighted: dict[str, float] = {}
    split_all, corrected = True, False
    for medium, kwh in per_medium.items():
        factor = BBR_WEIGHTING.get(medium, 1.0)
        if medium is Medium.ELECTRICITY:
            weighted[medium.value] = kwh * factor
            continue
        enpi = next(
            (e for e in config.enpis
             if e.building == building.id and e.medium is medium and not e.seu), None,
        )  # fmt: skip
        split = (
            (await model_splits(store, config, register, [enpi], first=first, last=last)).get(
                enpi.id
            )
            if enpi is not None
            else None
        )
        if split is None or split.actual <= 0:
            split_all = False
            weighted[medium.value] = kwh * factor
            continue
        heating_share = split.heating / split.actual
        heating = kwh * heating_share
        if enpi is not None and enpi.normal_year_hdd and split.degree_days > 0:
            heating *= enpi.normal_year_hdd * split.days / 365 / split.degree_days
            corrected = True
        weighted[medium.value] = (heating / declaration.fgeo + kwh * (1 - heating_share)) * factor
    days = (last - first).days + 1
    value = sum(weighted.values()) / building.atemp_m2 * 365 / days
    return PrimaryEnergy(building.id, first, last, value, weighted, split_all, corrected)
