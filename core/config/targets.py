"""Energy objectives, targets and the action plans that reach them (ISO 50001:2018 6.2).

A target is measured by an EnPI: an improvement against its energy baseline (1 - SEnPI) to
reach by a date. Its action plans say what will be done, by whom, by when, with what
expected saving and how the result will be verified -- the documented information 6.2 asks
for. Their status is kept here, in the configuration under version control, as the energy team
updates it.
"""

from __future__ import annotations

from datetime import date
from typing import Literal, Self

from pydantic import Field, model_validator

from core.config.types import Identifier, StrictModel

ActionStatus = Literal["planned", "in_progress", "done", "cancelled"]


class ActionPlan(StrictModel):
    """One measure towards a target."""

    id: Identifier
    name: str = Field(description="what will be done, e.g. 'Ventilation schedule to school hours'")
    responsible: str = Field(description="who is responsible")
    due: date = Field(description="when it is to be completed")
    status: ActionStatus = Field("planned", description="planned, in_progress, done or cancelled")
    completed: date | None = Field(None, description="when it was completed (status done)")
    expected_savings_kwh_per_year: float | None = Field(
        None, ge=0, description="the saving the plan expects, kWh per year"
    )
    cost: float | None = Field(
        None, ge=0, description="what it costs, in the currency of cost_co2's prices (kr)"
    )
    resources: str | None = Field(None, description="budget and people, free text")
    verification: str | None = Field(
        None, description="how the result is verified, e.g. 'EnPI skolor-fjv, IPMVP option C'"
    )

    @model_validator(mode="after")
    def _completed_when_done(self) -> Self:
        if self.status == "done" and self.completed is None:
            raise ValueError("a plan with status done needs its 'completed' date")
        return self


class EnergyTarget(StrictModel):
    """An energy target: measured by an EnPI against its baseline, or -- with ``base_year``
    -- the whole portfolio's kWh/m² Atemp, normal-year corrected, against a base year."""

    id: Identifier
    name: str = Field(description="e.g. 'Fjärrvärme i skolorna -20 % till 2030'")
    objective: str | None = Field(None, description="the objective it serves (6.2), free text")
    enpi: Identifier | None = Field(
        None, description="id of the EnPI the target is measured by (or give base_year)"
    )
    base_year: int | None = Field(
        None,
        ge=2000,
        le=2100,
        description="a portfolio target: the year whose kWh/m² Atemp (every building, "
        "normal-year corrected) the improvement is measured against",
    )
    improvement_pct: float = Field(
        gt=0, lt=100, description="improvement against the EnPI's baseline to reach, per cent"
    )
    by: date = Field(description="the date it is to be reached")
    action_plans: list[ActionPlan] = Field(default_factory=list)

    @model_validator(mode="after")
    def _measured_one_way(self) -> Self:
        if (self.enpi is None) == (self.base_year is None):
            raise ValueError("a target is measured by an enpi or against a base_year: give one")
        if self.base_year is not None and self.base_year >= self.by.year:
            raise ValueError("base_year must be before the year of 'by'")
        return self
