"""Balanced scorecard: perspectives with indicators drawn from the evaluations' findings.

Each indicator reads one plugin's findings (ids matching ``finding``, of the ``kinds`` given)
and aggregates one metric of them, or counts them; the scorecard compares the value with the
target. Each perspective also rolls up every finding evaluated under it. Without a
``scorecard:`` section the five perspectives Swedish municipalities use apply, with the
indicators enms can fill from its own plugins.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator

from core.config.types import Identifier, StrictModel
from core.i18n import N_

#: the findings' perspectives (plugins.findings.Perspective's values)
PerspectiveName = Literal[
    "kund", "medarbetare", "ekonomi", "samhälle och miljö", "verksamhet och process"
]


class Aggregation(StrEnum):
    SUM = "sum"
    MEAN = "mean"
    MIN = "min"
    MAX = "max"
    COUNT = "count"  # the findings themselves, no metric


class Indicator(StrictModel):
    """One measure on the scorecard, drawn from one plugin's findings."""

    id: Identifier
    name: str = Field(min_length=1, description="as the board reads it")
    plugin: str = Field(min_length=1, description="the plugin whose findings it reads")
    finding: str = Field(".*", description="regular expression the finding ids must match")
    kinds: list[str] = Field(
        default_factory=list, description="finding kinds counted (default: every kind)"
    )
    metric: str | None = Field(None, description="the metric aggregated (not for count)")
    aggregate: Aggregation = Aggregation.SUM
    scale: float = Field(1.0, description="multiplies the value: 100 for a share in %")
    unit: str = Field("", max_length=20)
    target: float | None = Field(None, description="the value to reach, in the scaled unit")
    better: Literal["higher", "lower"] = "higher"

    @field_validator("finding")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return value


class ScorecardPerspective(StrictModel):
    """A perspective of the scorecard: its heading, the findings it rolls up, its measures."""

    perspective: PerspectiveName = Field(description="the findings' perspective rolled up")
    name: str = Field(min_length=1, description="the heading, e.g. 'Kund och brukare'")
    indicators: list[Indicator] = Field(default_factory=list)


def _default() -> list[ScorecardPerspective]:
    commitments = Indicator(
        id="commitments-kept", name=N_("Service commitments kept"), plugin="commitments",
        finding=r"commitment\..*", kinds=["observation", "nonconformity"], metric="share",
        aggregate=Aggregation.MEAN, scale=100, unit="%", target=95,
    )  # fmt: skip
    complaints = Indicator(
        id="complaints-confirmed", name=N_("Complaints the sensors confirmed"), plugin="feedback",
        finding=r"feedback\.\d+", kinds=["nonconformity"], aggregate=Aggregation.COUNT,
        target=0, better="lower",
    )  # fmt: skip
    cost = Indicator(
        id="energy-cost", name=N_("Energy cost"), plugin="cost_co2", finding=r"carrier\..*",
        metric="cost", unit="kr",
    )  # fmt: skip
    co2 = Indicator(
        id="co2", name=N_("Emissions"), plugin="cost_co2", finding=r"carrier\..*", metric="co2_t",
        unit="t CO2e", better="lower",
    )  # fmt: skip
    controls = Indicator(
        id="controls-deviating", name=N_("Internal controls overdue or deviating"),
        plugin="internal_control", finding=r"control\..*", kinds=["deviation"],
        aggregate=Aggregation.COUNT, target=0, better="lower",
    )  # fmt: skip
    return [
        ScorecardPerspective(
            perspective="kund", name=N_("Users"), indicators=[commitments, complaints]
        ),
        ScorecardPerspective(perspective="medarbetare", name=N_("Employees")),
        ScorecardPerspective(perspective="ekonomi", name=N_("Economy"), indicators=[cost]),
        ScorecardPerspective(
            perspective="samhälle och miljö", name=N_("Society and environment"), indicators=[co2]
        ),
        ScorecardPerspective(
            perspective="verksamhet och process", name=N_("Processes"), indicators=[controls]
        ),
    ]


class ScorecardSettings(StrictModel):
    """The perspectives of the balanced scorecard and their indicators."""

    perspectives: list[ScorecardPerspective] = Field(
        default_factory=_default,
        description="each with the findings' perspective it rolls up and its indicators "
        "(default: users, employees, economy, society and environment, processes)",
    )
