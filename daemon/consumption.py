"""Hourly consumption per meter, derived from what the meters report and written back.

Grafana reads one datasource (DESIGN §3), and an InfluxQL ``difference`` over raw counters
cannot handle a meter reset, a replaced meter or a reading that straddles an hour. So the
daemon derives consumption with the same tested code the EnPIs use (``Store.counter_consumption``
for cumulative registers, sums for interval meters) and stores it as the ``consumption``
measurement: one point per meter and local hour, tagged like the readings, with the share of
the hour that valid meter intervals covered. Re-deriving an hour overwrites the same point.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np

from daemon.config.models import EnmsConfig, Meter, Site
from daemon.config.portfolio import ValueKind
from daemon.mqtt.routing import main_field
from daemon.readings import READINGS_MEASUREMENT, reading_tags
from daemon.storage.contract import Store
from daemon.storage.points import Aggregate, Bucket, BucketSeries, Point, SeriesSelector

CONSUMPTION_MEASUREMENT = "consumption"

# main field of the readings -> field of the consumption point
_DERIVED_FIELD = {
    "energy_kwh": "kwh",
    "energy_delta_kwh": "kwh",
    "volume_m3": "m3",
    "volume_delta_m3": "m3",
}


def consuming_meters(config: EnmsConfig) -> list[tuple[Site, Meter, str]]:
    """(site, meter, reading field) of every meter whose readings measure consumption."""
    chosen = []
    for site, meter in config.meters():
        field, _ = main_field(meter)
        if field in _DERIVED_FIELD:
            chosen.append((site, meter, field))
    return chosen


async def derive_consumption(
    store: Store, config: EnmsConfig, start: datetime, end: datetime
) -> list[Point]:
    """Consumption points of every consuming meter for the local hours in [start, end)."""
    tz = config.portfolio.timezone
    by_field: dict[tuple[str, bool], list[tuple[Site, Meter]]] = {}
    for site, meter, field in consuming_meters(config):
        by_field.setdefault((field, meter.kind is ValueKind.COUNTER), []).append((site, meter))
    points: list[Point] = []
    for (field, counter), members in sorted(by_field.items()):
        ids = [meter.id for _, meter in members]
        selector = SeriesSelector(READINGS_MEASUREMENT, field, {"meter": ids})
        if counter:
            series = await store.counter_consumption(
                selector, start, end, Bucket.HOUR, tz=tz, group_by=("meter",)
            )
        else:
            series = await store.aggregate(
                selector, start, end, Bucket.HOUR, Aggregate.SUM, tz=tz, group_by=("meter",)
            )
        known = {meter.id: (site, meter) for site, meter in members}
        for one in series:
            site_meter = known.get(one.tags.get("meter", ""))
            if site_meter is not None:
                points += _points(one, *site_meter, _DERIVED_FIELD[field])
    return points


def _points(series: BucketSeries, site: Site, meter: Meter, field: str) -> Sequence[Point]:
    tags = reading_tags(site, meter)
    points = []
    for i in np.flatnonzero(np.isfinite(series.values)):
        fields: dict[str, float | int | bool | str] = {field: float(series.values[i])}
        if series.coverage is not None:
            fields["coverage"] = round(float(series.coverage[i]), 4)
        points.append(Point(CONSUMPTION_MEASUREMENT, tags, fields, int(series.starts_ns[i])))
    return points


async def write_consumption(
    store: Store, config: EnmsConfig, start: datetime, end: datetime
) -> int:
    """Derive and store the consumption of [start, end); the number of points written."""
    points = await derive_consumption(store, config, start, end)
    if points:
        await store.write(points)
    return len(points)
