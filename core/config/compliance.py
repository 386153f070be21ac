"""The compliance register (ISO 50001:2018 4.2, 9.1.2): energy declarations and other legal
requirements, each with the date it must be looked at again.

An energy declaration (energideklaration, lag 2006:985) is valid ten years. It states the
building's primary energy number (primärenergital, kWh/m² Atemp and year) computed with the
weighting factors and the geographic adjustment factor (Fgeo) of Boverket's building rules
(BBR 9:2, BFS 2011:6 as amended); the declaration's own Fgeo is recorded with it, so enms can
compute the same number from measured data and compare.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from core.config.portfolio import Medium
from core.config.types import Identifier, StrictModel

#: BBR's weighting factors (viktningsfaktorer) per energy carrier, BBR 29 (BFS 2020:4) 9:2:
#: electricity 1.8, district heating 0.7, district cooling 0.6, biofuel 0.6, oil and gas 1.8
BBR_WEIGHTING = {
    Medium.ELECTRICITY: 1.8,
    Medium.DISTRICT_HEATING: 0.7,
    Medium.DISTRICT_COOLING: 0.6,
    Medium.BIOFUEL: 0.6,
    Medium.OIL: 1.8,
    Medium.GAS: 1.8,
}


class EnergyDeclaration(StrictModel):
    """A building's energy declaration, as registered with Boverket."""

    building: Identifier
    declared_on: date = Field(description="the date the declaration was made")
    primary_energy_number: float = Field(
        gt=0, le=2000, description="the declared primärenergital, kWh/m² Atemp and year"
    )
    fgeo: float = Field(
        gt=0.5, le=2.0, description="the geographic adjustment factor the declaration used"
    )
    energy_class: str | None = Field(None, max_length=2, description="A-G, as declared")
    property_meters: list[Identifier] = Field(
        default_factory=list,
        description="electricity meters of property electricity (fastighetsel) only; the "
        "building's heat carriers count always",
    )
    reference: str = Field("", max_length=200, description="e.g. Boverket's declaration id")


class LegalRequirement(StrictModel):
    """Another legal requirement the organisation follows, reviewed on a schedule."""

    id: Identifier
    title: str = Field(min_length=1, description="e.g. 'OVK, obligatorisk ventilationskontroll'")
    law: str = Field("", description="e.g. 'PBL 8 kap., BFS 2011:16'")
    owner: str = Field(min_length=1)
    last_reviewed: date
    review_every_days: int = Field(ge=30, le=10 * 366)


class ComplianceSettings(StrictModel):
    """Energy declarations and other legal requirements, with their review dates."""

    energy_declarations: list[EnergyDeclaration] = Field(default_factory=list)
    requirements: list[LegalRequirement] = Field(default_factory=list)
    remind_days: int = Field(
        180, ge=0, le=730, description="days before an expiry that it is reported"
    )
    declared_tolerance: float = Field(
        0.1,
        ge=0,
        le=1,
        description="measured primärenergital above the declared by more than this share: "
        "a deviation",
    )
