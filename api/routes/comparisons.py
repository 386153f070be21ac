"""Jämförelser: kWh/m² Atemp of a year per building against its category and a reference."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import Field

from api.auth import require
from api.dependencies import Api, Period
from api.models.common import Answer
from energy.comparisons import compare, references_of

router = APIRouter(dependencies=[Depends(require("read"))], tags=["review"])


class ComparedBuilding(Answer):
    building: str
    name: str
    category: str
    atemp_m2: float
    kwh: float
    kwh_per_m2: float
    corrected_kwh_per_m2: float = Field(description="normal-year corrected where it can be")
    normal_year_corrected: bool
    rank: int = Field(description="1: the lowest kWh/m² of its category")
    of: int
    category_median: float
    reference_kwh_per_m2: float | None
    reference_source: str | None
    kwh_at_stake_to_median: float
    kwh_at_stake_to_reference: float | None


class Comparisons(Answer):
    period: str
    buildings: list[ComparedBuilding]
    problems: list[str] = Field(description="reference values that could not be read")


@router.get(
    "/comparisons",
    summary="Jämförelser: kWh/m² Atemp per building against its category and reference",
    description="Over the period (a year, or FIRST..LAST: compare twelve months with yearly "
    "references), every building with data in each month of it; a calendar year is "
    "normal-year corrected where the building's EnPIs have a normal year.",
)
async def comparisons(api: Api, period: Period) -> Comparisons:
    last = period.measured_until(api.today())
    references, problems = references_of(api.config)
    versions = api.register.current_versions(api.config.enpis)
    rows = await compare(
        api.store, api.config, period.first, last, references=references, versions=versions
    )
    return Comparisons(
        period=period.label,
        buildings=[
            ComparedBuilding(
                building=r.building,
                name=r.name,
                category=r.category.value,
                atemp_m2=r.atemp_m2,
                kwh=r.kwh,
                kwh_per_m2=r.kwh_per_m2,
                corrected_kwh_per_m2=r.corrected_kwh_per_m2,
                normal_year_corrected=r.corrected,
                rank=r.rank,
                of=r.of,
                category_median=r.category_median,
                reference_kwh_per_m2=r.reference.kwh_per_m2 if r.reference else None,
                reference_source=r.reference.source if r.reference else None,
                kwh_at_stake_to_median=r.at_stake_to_median_kwh,
                kwh_at_stake_to_reference=r.at_stake_to_reference_kwh,
            )
            for r in rows
        ],
        problems=problems,
    )
