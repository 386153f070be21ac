"""EnPIs: their figures for a period, daily series, energy signature and baseline versions."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from pydantic import ConfigDict, Field, model_validator

from api.evidence import Evidence
from api.examples import ENPI
from api.models.common import Answer


class BaselineStatistics(Answer):
    n: int | None = Field(None, description="days the model was fitted on")
    r2: float | None = None
    adj_r2: float | None = None
    cv_rmse: float | None = Field(None, description="CV(RMSE), a fraction")
    nmbe: float | None = Field(None, description="NMBE, a fraction")
    rmse: float | None = Field(None, description="kWh per day")


class Adjustment(Answer):
    """A non-routine adjustment of the baseline (ISO 50006 7.3)."""

    first: str
    last: str
    kwh: float
    reason: str


class BaselineSummary(Answer):
    """One energy baseline version: its period, model, validity and why it was adopted."""

    version: int
    first: str
    last: str
    model: str = Field(description="the model form, e.g. 3p_heating")
    heating_balance_c: float | None
    cooling_balance_c: float | None
    balance_spread_c: float | None
    weekday_terms: bool
    degree_hours: bool
    coefficients: dict[str, float]
    variables: dict[str, Any] = Field(default_factory=dict)
    adopted_at: str
    revision_trigger: str
    reason: str
    valid: bool
    validity: str | None
    validity_reasons: list[str]
    validity_warnings: list[str] = Field(
        default_factory=list, description="modelling warnings that do not invalidate it"
    )
    statistics: BaselineStatistics
    adjustments: list[Adjustment]
    static_factors: dict[str, str] = Field(
        default_factory=dict,
        description="the boundary's meters and Atemp it was adopted under (ISO 50001 6.5)",
    )
    superseded_at: str | None = Field(None, description="when a later version replaced it")


class Improvement(Answer):
    """The reporting days of the period against the baseline model (ISO 50015)."""

    reporting_days: int
    expected_kwh: float
    actual_kwh: float
    avoided_kwh: float
    improvement_pct: float | None
    senpi: float | None = Field(description="actual over expected")
    savings_uncertainty_kwh_68pct: float | None
    fractional_savings_uncertainty: float | None
    cusum_kwh: float | None
    verdict: str = Field(
        description="improved or worse only beyond the 68 % uncertainty; otherwise "
        "no significant change"
    )


class EnpiFigures(Answer):
    """An EnPI over a period. Without a baseline only its identity and status are given."""

    model_config = ConfigDict(json_schema_extra={"examples": [ENPI]})

    id: str
    name: str
    medium: str
    building: str | None
    seu: str | None
    area_m2: float
    period: str
    status: str = Field(description="reporting, baseline period, no data or no baseline")
    detail: str | None = Field(None, description="what to do when there is no baseline")
    days: int | None = None
    days_with_data: int | None = None
    actual_kwh: float | None = None
    kwh_per_m2: float | None = None
    improvement: Improvement | None = None
    baseline: BaselineSummary | None = None
    reportable: bool = Field(True, description="false where the data-quality gate refuses it")
    not_reportable: str | None = Field(None, description="why it is not reportable")
    evidence: Evidence


class EnpiList(Answer):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"period": "2025-01-01..2025-03-31", "enpis": [ENPI]}]}
    )

    period: str
    enpis: list[EnpiFigures]


class DailyRow(Answer):
    day: str
    reporting: bool
    actual_kwh: float | None
    expected_kwh: float | None
    temperature_c: float | None
    cusum_kwh: float | None
    adjustment_kwh: float | None


class EnpiDaily(Answer):
    enpi: str
    period: str
    baseline_version: int | None
    days: list[DailyRow]


class SignaturePoint(Answer):
    day: str
    temperature_c: float
    actual_kwh: float
    reporting: bool


class ModelPoint(Answer):
    temperature_c: float
    expected_kwh: float


class SignatureModel(Answer):
    baseline_version: int
    form: str
    line: list[ModelPoint]


class EnpiSignature(Answer):
    enpi: str
    period: str
    points: list[SignaturePoint]
    model: SignatureModel | None


class EnpiYear(Answer):
    """A complete calendar year of an EnPI, normal-year corrected where it has a normal year."""

    year: int
    actual_kwh: float | None = None
    heating_kwh: float | None = Field(
        None, description="the baseline model's heating part, at most the year's whole use"
    )
    heating_degree_days: float | None = None
    actual_kwh_per_m2: float | None = None
    normal_year_corrected_kwh: float | None = None
    normal_year_corrected_kwh_per_m2: float | None = None


class EnpiYears(Answer):
    enpi: str
    baseline_version: int | None
    normal_year_hdd: float | None = Field(description="the EnPI's normal year, degree days")
    years: list[EnpiYear]


class AdjustmentIn(Answer):
    """A non-routine adjustment (ISO 50015) to the current baseline's expected consumption."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"first": "2025-06-01", "last": "2025-08-31", "kwh": 1500.0,
                 "reason": "Temporary classrooms heated from the school's substation"}
            ]
        }
    )  # fmt: skip

    first: date
    last: date
    kwh: float = Field(
        description="kWh added to the expected consumption over first..last (negative: less)"
    )
    reason: str = Field(min_length=3, max_length=2000)

    @model_validator(mode="after")
    def _in_order(self) -> AdjustmentIn:
        if self.last < self.first:
            raise ValueError("last is before first")
        if not math.isfinite(self.kwh):
            raise ValueError("kwh must be a finite number")
        return self


class BaselineHistory(Answer):
    enpi: str
    current_version: int | None
    versions: list[BaselineSummary]
