"""EnPI definitions: what is measured, within which boundary, against which baseline."""

from __future__ import annotations

from datetime import date
from typing import Literal, Self

from pydantic import Field, model_validator

from core.config.portfolio import Medium
from core.config.types import Identifier, StrictModel

ModelChoice = Literal["auto", "intercept", "2p", "3p_heating", "3p_cooling", "4p", "5p"]


class BaselinePeriod(StrictModel):
    """The days the energy baseline is fitted on (ISO 50001 6.5), both included."""

    first: date = Field(description="first day, e.g. 2024-01-01")
    last: date = Field(description="last day, e.g. 2024-12-31")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.last <= self.first:
            raise ValueError("'last' must come after 'first'")
        return self


class EnpiDefinition(StrictModel):
    """An energy performance indicator computed from stored readings (ISO 50001 6.4)."""

    id: Identifier
    name: str = Field(description="e.g. 'Fjärrvärme, Björkskolan hus A'")
    building: Identifier | None = Field(None, description="boundary: one building")
    seu: Identifier | None = Field(None, description="boundary: the meters of one SEU")
    meters: list[Identifier] | None = Field(None, description="boundary: these meters, summed")
    medium: Medium = Field(description="the energy carrier measured")
    temperature_meter: Identifier = Field(description="id of the outdoor temperature meter")
    baseline: BaselinePeriod
    model: ModelChoice = Field("auto", description="model form, or auto (chosen by adjusted R²)")
    degrees: Literal["daily_mean", "hourly"] = Field(
        "daily_mean",
        description="how outdoor degrees are taken: from each day's mean temperature, or hour by "
        "hour from the temperature meter's hourly means, averaged per day (degree-hours: closer "
        "for buildings whose load follows the temperature within the day)",
    )
    variables: list[Identifier] = Field(
        default_factory=list,
        description="relevant variables besides outdoor temperature (ISO 50006), by the names "
        "plugins provide them under, e.g. [school_days]; each gets a coefficient in the model",
    )
    normal_year_hdd: float | None = Field(
        None, gt=0, description="normal-year heating degree days (17 °C) for normal-year correction"
    )

    @model_validator(mode="after")
    def _one_boundary(self) -> Self:
        given = [name for name in ("building", "seu", "meters") if getattr(self, name)]
        if len(given) > 1:
            raise ValueError(
                f"give one boundary: building, seu or meters (found {', '.join(given)})"
            )
        return self

    @property
    def boundary(self) -> str:
        if self.building:
            return f"building {self.building}"
        if self.seu:
            return f"SEU {self.seu}"
        if self.meters:
            return f"meters {', '.join(self.meters)}"
        return "portfolio"
