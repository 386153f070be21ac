"""EnPIs for a period, their daily series, energy signature and baseline versions."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Query

from api.auth import require
from api.enpi_figures import (
    baseline_summary,
    enpi_periods,
    model_line,
    signature_days,
)
from api.errors import not_found, review_period
from api.examples import ENPI, example
from api.state import ApiState, state
from api.tables import Format, csv_response
from daemon.config.enpis import EnpiDefinition
from daemon.enpi_series import FIELDS, daily_series

router = APIRouter(dependencies=[Depends(require("read"))], tags=["enpis"])
PERIOD = Query(description="2025, 2025-03 or 2025-01-01..2025-03-31")


def _enpi(api: ApiState, enpi_id: str) -> EnpiDefinition:
    for enpi in api.config.enpis:
        if enpi.id == enpi_id:
            return enpi
    raise not_found("EnPI", enpi_id, [e.id for e in api.config.enpis])


def _flat(figure: dict[str, Any]) -> dict[str, Any]:
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
    responses=example({"period": "2025-01-01..2025-03-31", "enpis": [ENPI]}),
    description="Consumption, kWh/m² and -- on days after the baseline period -- expected "
    "consumption, avoided energy, improvement, SEnPI, CUSUM and savings uncertainty (68 %), "
    "each with the baseline version, model statistics and validity behind it.",
)
async def enpis(
    api: Annotated[ApiState, Depends(state)],
    period: Annotated[str, PERIOD],
    building: Annotated[str | None, Query(description="only EnPIs of this building")] = None,
    seu: Annotated[str | None, Query(description="only EnPIs of this SEU")] = None,
    format: Format = Format.JSON,
) -> Any:
    chosen = review_period(period)
    chosen_enpis = [
        enpi
        for enpi in api.config.enpis
        if (building is None or enpi.building == building) and (seu is None or enpi.seu == seu)
    ]
    periods = await enpi_periods(
        api.store, api.register, api.config, chosen_enpis, chosen, cache=api.cache
    )
    found = [one.figures for one in periods]
    if format is Format.CSV:
        return csv_response([_flat(f) for f in found], f"enpis-{chosen.label}")
    return {"period": chosen.label, "enpis": found}


@router.get("/enpis/{enpi_id}", summary="One EnPI for a period", responses=example(ENPI))
async def enpi(
    enpi_id: str, api: Annotated[ApiState, Depends(state)], period: Annotated[str, PERIOD]
) -> dict[str, Any]:
    definition = _enpi(api, enpi_id)
    chosen = review_period(period)
    (found,) = await enpi_periods(api.store, api.register, api.config, [definition], chosen)
    return found.figures


@router.get("/enpis/{enpi_id}/daily", summary="Actual, expected and CUSUM per day")
async def daily(
    enpi_id: str,
    api: Annotated[ApiState, Depends(state)],
    period: Annotated[str, PERIOD],
    format: Format = Format.JSON,
) -> Any:
    definition = _enpi(api, enpi_id)
    chosen = review_period(period)
    baseline = api.register.current(definition.id)
    rows: list[dict[str, Any]] = []
    if baseline is not None:
        series = await daily_series(
            api.store,
            api.config,
            definition.id,
            version=baseline.version,
            first=chosen.first,
            last=chosen.last,
        )
        for i, day in enumerate(series.days):
            if not series.known[i]:
                continue
            row: dict[str, Any] = {"day": day.isoformat(), "reporting": day > baseline.last}
            for field in FIELDS:
                value = float(series[field][i])
                row[field] = value if np.isfinite(value) else None
            rows.append(row)
    if format is Format.CSV:
        return csv_response(rows, f"{definition.id}-{chosen.label}")
    return {
        "enpi": definition.id,
        "period": chosen.label,
        "baseline_version": baseline.version if baseline else None,
        "days": rows,
    }


@router.get(
    "/enpis/{enpi_id}/signature",
    summary="Energy signature: daily consumption against outdoor temperature, with the model",
)
async def signature(
    enpi_id: str, api: Annotated[ApiState, Depends(state)], period: Annotated[str, PERIOD]
) -> dict[str, Any]:
    definition = _enpi(api, enpi_id)
    chosen = review_period(period)
    baseline = api.register.current(definition.id)
    if baseline is None:
        return {"enpi": definition.id, "period": chosen.label, "points": [], "model": None}
    series = await daily_series(
        api.store,
        api.config,
        definition.id,
        version=baseline.version,
        first=chosen.first,
        last=chosen.last,
    )
    known = signature_days(series)
    points = [
        {
            "day": day.isoformat(),
            "temperature_c": float(series["temperature_c"][i]),
            "actual_kwh": float(series["actual_kwh"][i]),
            "reporting": day > baseline.last,
        }
        for i, day in enumerate(series.days)
        if known[i]
    ]
    return {
        "enpi": definition.id,
        "period": chosen.label,
        "points": points,
        "model": {
            "baseline_version": baseline.version,
            "form": baseline.form.value,
            "line": [{"temperature_c": t, "expected_kwh": e} for t, e in model_line(baseline)],
        },
    }


@router.get("/enpis/{enpi_id}/baselines", summary="Every baseline version and its revision")
async def baselines(enpi_id: str, api: Annotated[ApiState, Depends(state)]) -> dict[str, Any]:
    definition = _enpi(api, enpi_id)
    versions = api.register.versions(definition.id)
    current = api.register.current(definition.id)
    return {
        "enpi": definition.id,
        "current_version": current.version if current else None,
        "versions": [baseline_summary(b) for b in versions],
    }
