"""Consumption per building, meter, medium or site, per local hour, day, week or month."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.auth import require
from api.dependencies import Api, Period
from api.errors import not_found
from api.evidence import Evidence
from api.tables import Table
from core.schema import Measurement
from core.storage.buckets import local_days
from core.storage.points import Bucket
from energy.consumption import consuming_meters, consumption, counted_once_fields

router = APIRouter(dependencies=[Depends(require("read"))], tags=["consumption"])
#: buckets one answer may hold at most (a year of hours is 8,784)
MAX_BUCKETS = 40_000


class Group(StrEnum):
    BUILDING = "building"
    METER = "meter"
    MEDIUM = "medium"
    SITE = "site"
    PORTFOLIO = "portfolio"


class Row(BaseModel):
    start: str = Field(description="bucket start, local time with offset")
    value: float | None = Field(description="consumption in the bucket; null: not known")
    coverage: float | None = Field(None, description="share of the bucket the meters covered")


class GroupSeries(BaseModel):
    group: dict[str, str] = Field(description="the tags of the group, e.g. {'building': 'x'}")
    unit: str = Field(description="kWh or m3")
    total: float = Field(description="sum of the known buckets")
    rows: list[Row]


class ConsumptionOut(BaseModel):
    period: str
    first: str
    last: str
    bucket: Bucket
    group: Group
    timezone: str
    series: list[GroupSeries]
    evidence: Evidence


@router.get(
    "/consumption",
    response_model=ConsumptionOut,
    summary="Consumption per local hour, day, week or month",
    description="Derived from the meters' registers (resets, replacements and gaps handled) "
    "and interval values. Energy and volume are reported in separate series.",
)
async def get_consumption(
    api: Api,
    period: Period,
    *,
    bucket: Bucket = Bucket.DAY,
    group: Group = Group.BUILDING,
    building: Annotated[str | None, Query(description="only this building")] = None,
    meter: Annotated[str | None, Query(description="only this meter")] = None,
    medium: Annotated[str | None, Query(description="only this medium")] = None,
    table: Table,
) -> ConsumptionOut | Response:
    config = api.config
    meters = consuming_meters(config)
    if building is not None:
        known = sorted(b.id for _, b in config.buildings())
        if building not in known:
            raise not_found("building", building, known)
        meters = [m for m in meters if m[1].building == building]
    if meter is not None:
        known = sorted(m.id for _, m, _ in consuming_meters(config))
        if meter not in known:
            raise not_found("consumption meter", meter, known)
        meters = [m for m in meters if m[1].id == meter]
    if medium is not None:
        meters = [m for m in meters if m[1].medium.value == medium]
    if group is not Group.METER:  # a sum over meters counts a sub-meter's energy once
        meters = counted_once_fields(config, meters)
    hours = period.days * 24
    per_bucket = {Bucket.HOUR: 1, Bucket.DAY: 24, Bucket.WEEK: 168, Bucket.MONTH: 672}[bucket]
    if hours / per_bucket > MAX_BUCKETS:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            f"{period.days} days in {bucket.value} buckets is more than {MAX_BUCKETS} rows: "
            "choose a shorter period or a longer bucket",
        )
    start, end = local_days(period.first, period.last, config.portfolio.timezone)
    group_by = () if group is Group.PORTFOLIO else (group.value,)
    found = (
        await consumption(api.store, config, meters, start, end, bucket=bucket, group_by=group_by)
        if meters
        else []
    )
    series = []
    for one in found:
        rows = []
        values, coverage = one.series.values, one.series.coverage
        for i, when in enumerate(one.series.starts()):
            value = float(values[i]) if np.isfinite(values[i]) else None
            share = float(coverage[i]) if coverage is not None else None
            rows.append(Row(start=when.isoformat(), value=value, coverage=share))
        total = float(np.nansum(values)) if np.isfinite(values).any() else 0.0
        series.append(
            GroupSeries(group=dict(one.series.tags), unit=one.unit, total=total, rows=rows)
        )
    ids = sorted(m.id for _, m, _ in meters)
    evidence = Evidence(
        first=period.first,
        last=period.last,
        measurement=Measurement.READINGS,
        query=f"consumption of meters {', '.join(ids) or '(none)'} from their registers "
        f"per {bucket.value}, {config.portfolio.timezone}",
    )
    if table.wanted:
        cells = [{**s.group, "unit": s.unit, **r.model_dump()} for s in series for r in s.rows]
        return table.csv(cells, f"consumption-{period.label}")
    return ConsumptionOut(
        period=period.label,
        first=period.first.isoformat(),
        last=period.last.isoformat(),
        bucket=bucket,
        group=group,
        timezone=config.portfolio.timezone,
        series=series,
        evidence=evidence,
    )
