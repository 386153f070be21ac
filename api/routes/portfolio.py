"""The portfolio as configured: sites, buildings, meters, and each meter's health."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.auth import require
from api.dependencies import Api
from api.errors import not_found
from api.evidence import utc_text
from api.state import ApiState
from api.tables import Table
from core.schema import Measurement

router = APIRouter(dependencies=[Depends(require("read"))], tags=["portfolio"])
HEALTH_WINDOW_S = 24 * 3600


class SeuOut(BaseModel):
    id: str
    name: str
    description: str | None = None


class PortfolioOut(BaseModel):
    name: str
    timezone: str
    sites: int
    buildings: int
    meters: int
    atemp_m2: float = Field(description="heated floor area of every building (Atemp)")
    seus: list[SeuOut]
    enpis: list[str] = Field(description="ids of the configured EnPIs")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "name": "Exempelstad kommun, fastighetsavdelningen",
                    "timezone": "Europe/Stockholm",
                    "sites": 4,
                    "buildings": 5,
                    "meters": 16,
                    "atemp_m2": 12840.0,
                    "seus": [{"id": "ventilation", "name": "Ventilation (FTX units)"}],
                    "enpis": ["bjorkskolan-a-fjv"],
                }
            ]
        }
    }


class BuildingOut(BaseModel):
    id: str
    name: str
    site: str
    category: str
    atemp_m2: float
    address: str | None = None
    year_built: int | None = None
    meters: list[str]


class MeterHealth(BaseModel):
    online: bool | None = None
    consecutive_failures: int | None = None
    seconds_since_success: float | None = None
    last_error: str | None = None
    reported_at: str | None = Field(None, description="time of the newest health report (UTC)")


class MeterOut(BaseModel):
    id: str
    name: str | None
    site: str
    building: str
    medium: str
    kind: str
    unit: str
    seu: str | None
    parent: str | None
    protocol: str = Field(description="modbus or mqtt")
    health: MeterHealth | None = Field(None, description="null: no health report in 24 h")


@router.get("/portfolio", response_model=PortfolioOut, summary="The portfolio in numbers")
async def portfolio(api: Api) -> PortfolioOut:
    config = api.config
    return PortfolioOut(
        name=config.portfolio.name,
        timezone=config.portfolio.timezone,
        sites=len(config.sites),
        buildings=len(config.buildings()),
        meters=len(config.meters()),
        atemp_m2=sum(building.atemp_m2 for _, building in config.buildings()),
        seus=[SeuOut(**seu.model_dump()) for seu in config.portfolio.seus],
        enpis=[enpi.id for enpi in config.enpis],
    )


def _buildings(api: ApiState) -> list[BuildingOut]:
    meters: dict[str, list[str]] = {}
    for _, meter in api.config.meters():
        meters.setdefault(meter.building, []).append(meter.id)
    return [
        BuildingOut(
            id=building.id,
            name=building.name,
            site=site.id,
            category=building.category.value,
            atemp_m2=building.atemp_m2,
            address=building.address,
            year_built=building.year_built,
            meters=meters.get(building.id, []),
        )
        for site, building in api.config.buildings()
    ]


@router.get("/buildings", response_model=list[BuildingOut], summary="Every building")
async def buildings(api: Api, table: Table) -> list[BuildingOut] | Response:
    found = _buildings(api)
    if table.wanted:
        rows = [{**b.model_dump(), "meters": " ".join(b.meters)} for b in found]
        return table.csv(rows, "buildings")
    return found


@router.get("/buildings/{building_id}", response_model=BuildingOut, summary="One building")
async def building(building_id: str, api: Api) -> BuildingOut:
    found = {b.id: b for b in _buildings(api)}
    if building_id not in found:
        raise not_found("building", building_id, sorted(found))
    return found[building_id]


async def _health(api: ApiState) -> dict[str, MeterHealth]:
    since = time.time_ns() - HEALTH_WINDOW_S * 1_000_000_000
    latest = await api.store.latest(Measurement.COLLECTOR_HEALTH, since)
    health: dict[str, MeterHealth] = {}
    for point in latest:
        meter = point.tags.get("meter")
        if meter is None:
            continue
        fields: dict[str, Any] = dict(point.fields)
        report = MeterHealth(
            online=_bool(fields.get("online")),
            consecutive_failures=_int(fields.get("consecutive_failures")),
            seconds_since_success=_float(fields.get("seconds_since_success")),
            last_error=str(fields["last_error"]) if "last_error" in fields else None,
            reported_at=utc_text(point.time_ns / 1e9),
        )
        previous = health.get(meter)
        if previous is None or (report.reported_at or "") > (previous.reported_at or ""):
            health[meter] = report
    return health


@router.get("/meters", response_model=list[MeterOut], summary="Meters and their health")
async def meters(
    api: Api,
    table: Table,
    building: Annotated[str | None, Query(description="only this building's meters")] = None,
    medium: Annotated[str | None, Query(description="only meters of this medium")] = None,
) -> list[MeterOut] | Response:
    config = api.config
    if building is not None and building not in {b.id for _, b in config.buildings()}:
        raise not_found("building", building, sorted(b.id for _, b in config.buildings()))
    health = await _health(api)
    found = [
        MeterOut(
            id=meter.id,
            name=meter.name,
            site=site.id,
            building=meter.building,
            medium=meter.medium.value,
            kind=meter.kind.value,
            unit=meter.unit,
            seu=meter.seu,
            parent=meter.parent,
            protocol="modbus" if meter.modbus is not None else "mqtt",
            health=health.get(meter.id),
        )
        for site, meter in config.meters()
        if (building is None or meter.building == building)
        and (medium is None or meter.medium.value == medium)
    ]
    if table.wanted:
        rows = []
        for m in found:
            row = m.model_dump(exclude={"health"})
            row.update(
                {f"health_{k}": v for k, v in (m.health or MeterHealth()).model_dump().items()}
            )
            rows.append(row)
        return table.csv(rows, "meters")
    return found


def _bool(value: object) -> bool | None:
    return bool(value) if value is not None else None


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) else None


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None
