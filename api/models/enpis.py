"""EnPIs: their figures for a period, daily series, energy signature and baseline versions."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

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
    statistics: BaselineStatistics
    adjustments: list[Adjustment]


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


class BaselineHistory(Answer):
    enpi: str
    current_version: int | None
    versions: list[BaselineSummary]
