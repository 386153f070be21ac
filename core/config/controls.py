"""Internkontrollplan: the control points of the energy work, as the board adopted them.

Each point says what is controlled, against which risk, by whom and how often; its method is
either ``manual`` (a person records the result through the API) or one of the automated
controls the data can answer. The ``internal_control`` plugin reports each point's last
result and any control that is overdue.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from core.config.types import Identifier, StrictModel


class ControlMethod(StrEnum):
    MANUAL = "manual"  # recorded through POST /api/v1/controls/{id}/results
    #: every configured meter has a reading in the last max_hours
    METERS_READ = "meters_read"
    #: every EnPI has a baseline valid for improvement claims, its period ending within max_years
    BASELINES_CURRENT = "baselines_current"
    #: no nonconformity in the register open past its due date
    NONCONFORMITIES_ON_TIME = "nonconformities_on_time"


class ControlPoint(StrictModel):
    """One control of the plan: what, against which risk, by whom, how often, how."""

    id: Identifier
    what: str = Field(min_length=1, description="what is controlled, e.g. 'Mätarna läses av'")
    risk: str = Field(min_length=1, description="the risk the control answers")
    owner: str = Field(min_length=1, description="who performs it")
    every_days: int = Field(
        ge=1, le=3 * 366, description="how often: 1 daily, 30 monthly, 91 quarterly, 365 yearly"
    )
    method: ControlMethod = Field(
        ControlMethod.MANUAL, description="manual, or an automated control on the data"
    )
    max_hours: int = Field(24, ge=1, le=24 * 31, description="meters_read: newest reading age")
    max_years: float = Field(3.0, gt=0, le=20, description="baselines_current: baseline age")


class InternalControlPlan(StrictModel):
    """The plan the board adopted for the year, and its control points."""

    approved_by: str | None = Field(None, description="the board that adopted the plan")
    approved_on: date | None = Field(None, description="when it was adopted")
    points: list[ControlPoint] = Field(default_factory=list)
