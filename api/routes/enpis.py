"""EnPIs for a period, their daily series, energy signature and baseline versions."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.auth import require
from api.dependencies import Api, Period
from api.enpi_figures import (
    baseline_summary,
    enpi_periods,
    model_line,
    signature_days,
)
from api.errors import not_found
from api.models.enpis import (
    BaselineHistory,
    DailyRow,
    EnpiDaily,
    EnpiFigures,
    EnpiList,
    EnpiSignature,
    ModelPoint,
    SignatureModel,
    SignaturePoint,
)
from api.state import ApiState
from api.tables import Format, csv_response
from baselines.versions import EnergyBaseline
from core.config.enpis import EnpiDefinition
from core.schema import EnpiField
from energy.enpi_series import FIELDS, DailySeries, daily_series
from plugins.context import ReviewPeriod

router = APIRouter(dependencies=[Depends(require("read"))], tags=["enpis"])


def _enpi(api: ApiState, enpi_id: str) -> EnpiDefinition:
    for enpi in api.config.enpis:
        if enpi.id == enpi_id:
            return enpi
    raise not_found("EnPI", enpi_id, [e.id for e in api.config.enpis])


async def _days(
    api: ApiState, definition: EnpiDefinition, baseline: EnergyBaseline, period: ReviewPeriod
) -> DailySeries:
    """The EnPI's stored days of ``period`` against its current baseline version."""
    return await daily_series(
        api.store, api.config, definition.id, version=baseline.version,
        first=period.first, last=period.last,
    )  # fmt: skip


def _flat(figures: EnpiFigures) -> dict[str, Any]:
    """One CSV row: the figures a spreadsheet compares across EnPIs."""
    figure = figures.model_dump(mode="json")
    improvement = figure.get("improvement") or {}
    baseline = figure.get("baseline") or {}
    return {
        key: figure.get(key)
        for key in ("id", "name", "medium", "building", "seu", "period", "status", "actual_kwh",
                    "kwh_per_m2", "days_with_data")
    } | {
        "expected_kwh": improvement.get("expected_kwh"),
        "avoided_kwh": improvement.get("avoided_kwh"),
        "improvement_pct": improvement.get("improvement_pct"),
        "senpi": improvement.get("senpi"),
        "savings_uncertainty_kwh_68pct": improvement.get("savings_uncertainty_kwh_68pct"),
        "cusum_kwh": improvement.get("cusum_kwh"),
        "baseline_version": baseline.get("version"),
        "model": baseline.get("model"),
        "valid": baseline.get("valid"),
        "cv_rmse": (baseline.get("statistics") or {}).get("cv_rmse"),
    }  # fmt: skip


@router.get(
    "/enpis",
    summary="Every EnPI for a period",
    response_model=EnpiList,
    description="Consumption, kWh/m² and -- on days after the baseline period -- expected "
    "consumption, avoided energy, improvement, SEnPI, CUSUM and savings uncertainty (68 %), "
    "each with the baseline version, model statistics and validity behind it.",
)
async def enpis(
    api: Api,
    period: Period,
    building: Annotated[str | None, Query(description="only EnPIs of this building")] = None,
    seu: Annotated[str | None, Query(description="only EnPIs of this SEU")] = None,
    format: Format = Format.JSON,
) -> EnpiList | Response:
    chosen_enpis = [
        enpi
        for enpi in api.config.enpis
        if (building is None or enpi.building == building) and (seu is None or enpi.seu == seu)
    ]
    periods = await enpi_periods(
        api.store, api.register, api.config, chosen_enpis, period, cache=api.cache
    )
    found = [one.figures for one in periods]
    if format is Format.CSV:
        return csv_response([_flat(f) for f in found], f"enpis-{period.label}")
    return EnpiList(period=period.label, enpis=found)


@router.get("/enpis/{enpi_id}", summary="One EnPI for a period")
async def enpi(enpi_id: str, api: Api, period: Period) -> EnpiFigures:
    definition = _enpi(api, enpi_id)
    (found,) = await enpi_periods(api.store, api.register, api.config, [definition], period)
    return found.figures


@router.get(
    "/enpis/{enpi_id}/daily", summary="Actual, expected and CUSUM per day", response_model=EnpiDaily
)
async def daily(
    enpi_id: str,
    api: Api,
    period: Period,
    format: Format = Format.JSON,
) -> EnpiDaily | Response:
    definition = _enpi(api, enpi_id)
    baseline = api.register.current(definition.id)
    rows: list[dict[str, Any]] = []
    if baseline is not None:
        series = await _days(api, definition, baseline, period)
        for i, day in enumerate(series.days):
            if not series.known[i]:
                continue
            row: dict[str, Any] = {"day": day.isoformat(), "reporting": day > baseline.last}
            for field in FIELDS:
                value = float(series[field][i])
                row[field] = value if np.isfinite(value) else None
            rows.append(row)
    if format is Format.CSV:
        return csv_response(rows, f"{definition.id}-{period.label}")
    return EnpiDaily(
        enpi=definition.id,
        period=period.label,
        baseline_version=baseline.version if baseline else None,
        days=[DailyRow.model_validate(row) for row in rows],
    )


@router.get(
    "/enpis/{enpi_id}/signature",
    summary="Energy signature: daily consumption against outdoor temperature, with the model",
)
async def signature(enpi_id: str, api: Api, period: Period) -> EnpiSignature:
    definition = _enpi(api, enpi_id)
    baseline = api.register.current(definition.id)
    if baseline is None:
        return EnpiSignature(enpi=definition.id, period=period.label, points=[], model=None)
    series = await _days(api, definition, baseline, period)
    known = signature_days(series)
    points = [
        SignaturePoint(
            day=day.isoformat(),
            temperature_c=float(series[EnpiField.TEMPERATURE_C][i]),
            actual_kwh=float(series[EnpiField.ACTUAL_KWH][i]),
            reporting=day > baseline.last,
        )
        for i, day in enumerate(series.days)
        if known[i]
    ]
    line = [ModelPoint(temperature_c=t, expected_kwh=e) for t, e in model_line(baseline)]
    return EnpiSignature(
        enpi=definition.id,
        period=period.label,
        points=points,
        model=SignatureModel(
            baseline_version=baseline.version, form=baseline.form.value, line=line
        ),
    )


@router.get("/enpis/{enpi_id}/baselines", summary="Every baseline version and its revision")
async def baselines(enpi_id: str, api: Api) -> BaselineHistory:
    definition = _enpi(api, enpi_id)
    versions = api.register.versions(definition.id)
    current = api.register.current(definition.id)
    return BaselineHistory(
        enpi=definition.id,
        current_version=current.version if current else None,
        versions=[baseline_summary(b) for b in versions],
    )
