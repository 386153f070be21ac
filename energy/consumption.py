"""Consumption per local-calendar bucket, from what the meters report.

One computation serves the API's consumption tables and the ``consumption`` measurement the
daemon writes back for Grafana (DESIGN §3). An InfluxQL ``difference`` over raw counters cannot
handle a meter reset, a replaced meter or a reading that straddles an hour, so consumption comes
from ``Store.counter_consumption`` for cumulative registers -- the tested code the EnPIs use --
and from sums for interval meters. Energy (kWh) and volume (m³) are never added together.

The written-back measurement holds one point per meter and local hour, tagged like the readings,
with the share of the hour that valid meter intervals covered, the hour's local hour of day and
weekday (for night, weekend and hour-by-day views) and, for kWh in a building, kWh per m² Atemp;
re-deriving an hour overwrites the same point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from core.config.meter_tree import counted_once
from core.config.models import EnmsConfig, Meter, Site
from core.config.portfolio import ValueKind
from core.readings import reading_tags
from core.schema import ConsumptionField, Measurement, ReadingField, Tag, main_field
from core.storage.contract import Store
from core.storage.points import Aggregate, Bucket, BucketSeries, Point, SeriesSelector

# main field of the readings -> unit of consumption
_UNIT: dict[str, str] = {
    ReadingField.ENERGY_KWH: "kWh",
    ReadingField.ENERGY_DELTA_KWH: "kWh",
    ReadingField.VOLUME_M3: "m3",
    ReadingField.VOLUME_DELTA_M3: "m3",
}
#: unit -> field of the written-back point
_FIELD = {"kWh": ConsumptionField.KWH, "m3": ConsumptionField.M3}


@dataclass(frozen=True)
class Consumption:
    """Consumption of one group (a meter, a building, a medium ...) in one unit."""

    unit: str
    series: BucketSeries


def consuming_meters(config: EnmsConfig) -> list[tuple[Site, Meter, str]]:
    """(site, meter, reading field) of every meter whose readings measure consumption."""
    chosen: list[tuple[Site, Meter, str]] = []
    for site, meter in config.meters():
        field, _ = main_field(meter)
        if field in _UNIT:
            chosen.append((site, meter, field))
    return chosen


def counted_once_fields(
    config: EnmsConfig, meters: Sequence[tuple[Site, Meter, str]]
) -> list[tuple[Site, Meter, str]]:
    """``meters`` (as ``consuming_meters`` gives them) without the sub-meters of meters among
    them: a sum over them counts each kWh once (``core.config.meter_tree.counted_once``)."""
    once = {meter.id for meter in counted_once(config, (meter for _, meter, _ in meters))}
    return [entry for entry in meters if entry[1].id in once]


async def consumption(
    store: Store,
    config: EnmsConfig,
    meters: Sequence[tuple[Site, Meter, str]],
    start: datetime,
    end: datetime,
    *,
    bucket: Bucket,
    group_by: Sequence[str],
) -> list[Consumption]:
    """Consumption of ``meters`` in [start, end) per bucket, summed per ``group_by`` tags.

    ``group_by`` names reading tags (meter, building, site, medium, seu); every group is
    further split by unit.
    """
    tz = config.portfolio.timezone
    parts: dict[tuple[str, bool], list[str]] = {}
    for _, meter, field in meters:
        parts.setdefault((field, meter.kind is ValueKind.COUNTER), []).append(meter.id)
    merged: dict[tuple[str, tuple[str, ...]], BucketSeries] = {}
    for (field, counter), ids in sorted(parts.items()):
        selector = SeriesSelector(Measurement.READINGS, field, {"meter": ids})
        if counter:
            found = await store.counter_consumption(
                selector, start, end, bucket, tz=tz, group_by=group_by
            )
        else:
            found = await store.aggregate(
                selector, start, end, bucket, Aggregate.SUM, tz=tz, group_by=group_by
            )
        unit = _UNIT[field]
        for series in found:
            key = (unit, tuple(series.tags.get(tag, "") for tag in group_by))
            merged[key] = _add(merged[key], series) if key in merged else series
    return [Consumption(unit, merged[key]) for key in sorted(merged)]


def _add(a: BucketSeries, b: BucketSeries) -> BucketSeries:
    """Two groups' consumption summed; a bucket is known where either part is."""
    values = np.where(np.isnan(a.values), 0.0, a.values) + np.where(
        np.isnan(b.values), 0.0, b.values
    )
    values[np.isnan(a.values) & np.isnan(b.values)] = np.nan
    return BucketSeries(
        tags=a.tags,
        starts_ns=a.starts_ns,
        values=values,
        counts=a.counts + b.counts,
        tz=a.tz,
        coverage=None,  # counters and interval sums cover time differently
    )


async def derive_consumption(
    store: Store, config: EnmsConfig, start: datetime, end: datetime
) -> list[Point]:
    """Consumption points of every consuming meter for the local hours in [start, end)."""
    meters = consuming_meters(config)
    known = {meter.id: (site, meter) for site, meter, _ in meters}
    areas = {building.id: building.atemp_m2 for _, building in config.buildings()}
    points: list[Point] = []
    for one in await consumption(
        store, config, meters, start, end, bucket=Bucket.HOUR, group_by=("meter",)
    ):
        site_meter = known.get(one.series.tags.get("meter", ""))
        if site_meter is not None:
            site, meter = site_meter
            area = areas.get(meter.building) if one.unit == "kWh" else None
            points += _points(one.series, site, meter, _FIELD[one.unit], area)
    return points


def _points(
    series: BucketSeries, site: Site, meter: Meter, field: str, area_m2: float | None
) -> list[Point]:
    tags = reading_tags(site, meter)
    if meter.parent is not None:  # sums over buildings and media leave sub-meters out
        tags[Tag.PARENT] = meter.parent
    starts = series.starts()
    points = []
    for i in np.flatnonzero(np.isfinite(series.values)):
        value = float(series.values[i])
        fields: dict[str, float | int | bool | str] = {
            field: value,
            ConsumptionField.HOUR: starts[i].hour,
            ConsumptionField.WEEKDAY: starts[i].isoweekday(),
        }
        if series.coverage is not None:
            fields[ConsumptionField.COVERAGE] = round(float(series.coverage[i]), 4)
        if area_m2:
            fields[ConsumptionField.KWH_PER_M2] = value / area_m2
        points.append(Point(Measurement.CONSUMPTION, tags, fields, int(series.starts_ns[i])))
    return points


async def write_consumption(
    store: Store, config: EnmsConfig, start: datetime, end: datetime
) -> int:
    """Derive and store the consumption of [start, end); the number of points written."""
    points = await derive_consumption(store, config, start, end)
    if points:
        await store.write(points)
    return len(points)
