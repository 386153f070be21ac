"""The compliance register: energy declarations with their expiry and measured primärenergital,
and other legal requirements with their next review (ISO 50001:2018 9.1.2)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends
from pydantic import Field

from api.auth import require
from api.dependencies import Api, Period
from api.models.common import Answer
from energy.compliance import primary_energy
from plugins.builtin.compliance import expires

router = APIRouter(dependencies=[Depends(require("read"))], tags=["review"])


class DeclarationOut(Answer):
    building: str
    declared_on: str
    expires: str
    expired: bool
    declared_primary_energy: float
    fgeo: float
    measured_primary_energy: float | None = Field(
        description="kWh/m² Atemp and year from the period's measured data"
    )
    weighted_kwh: dict[str, float]
    split_by_model: bool | None
    normal_year_corrected: bool | None


class RequirementOut(Answer):
    id: str
    title: str
    law: str
    owner: str
    last_reviewed: str
    next_review: str
    overdue: bool


class ComplianceOut(Answer):
    period: str
    energy_declarations: list[DeclarationOut]
    requirements: list[RequirementOut]


@router.get(
    "/compliance",
    summary="Compliance register: energy declarations (with the measured primärenergital) "
    "and legal requirements",
    description="The primärenergital is computed over the period (give twelve months) with "
    "BBR's weighting factors and each declaration's Fgeo: heating separated by the "
    "building's baseline model, normal-year corrected where the EnPI has a normal year.",
)
async def compliance(api: Api, period: Period) -> ComplianceOut:
    today = api.today()
    last = period.measured_until(today)
    settings = api.config.compliance
    declarations = []
    for declaration in settings.energy_declarations:
        result = await primary_energy(
            api.store, api.config, api.register, declaration, first=period.first, last=last
        )
        until = expires(declaration)
        declarations.append(
            DeclarationOut(
                building=declaration.building, declared_on=declaration.declared_on.isoformat(),
                expires=until.isoformat(), expired=until < today,
                declared_primary_energy=declaration.primary_energy_number,
                fgeo=declaration.fgeo,
                measured_primary_energy=result.value if result else None,
                weighted_kwh=result.weighted_kwh if result else {},
                split_by_model=result.split_by_model if result else None,
                normal_year_corrected=result.normal_year_corrected if result else None,
            )
        )  # fmt: skip
    requirements = []
    for requirement in settings.requirements:
        due = requirement.last_reviewed + timedelta(days=requirement.review_every_days)
        requirements.append(
            RequirementOut(
                id=requirement.id, title=requirement.title, law=requirement.law,
                owner=requirement.owner, last_reviewed=requirement.last_reviewed.isoformat(),
                next_review=due.isoformat(), overdue=due < today,
            )
        )  # fmt: skip
    return ComplianceOut(
        period=period.label, energy_declarations=declarations, requirements=requirements
    )
