"""EnPIs for a period, their daily series, energy signature and baseline versions."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import Response

from api.auth import Caller, require
from api.dependencies import Api, Period
from api.enpi_figures import (
    EnpiPeriod,
    baseline_summary,
    enpi_periods,
    model_line,
    signature_days,
)
from api.errors import not_found
from api.models.enpis import (
    AdjustmentIn,
    BaselineHistory,
    DailyRow,
    EnpiDaily,
    EnpiFigures,
    EnpiList,
    EnpiSignature,
    EnpiYear,
    EnpiYears,
    ModelPoint,
    SignatureModel,
    SignaturePoint,
)
from api.review import cached_evaluation, gated, not_reportable
from api.state import ApiState
from api.tables import Table
from baselines.versions import Adjustment, EnergyBaseline
from core.config.enpis import EnpiDefinition
from core.schema import EnpiField
from energy.enpi_series import FIELDS, DailySeries, daily_series, enpi_years
from plugins.context import ReviewPeriod

router = APIRouter(dependencies=[Depends(require("read"))], tags=["enpis"])
write = APIRouter(tags=["enpis"])


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


async def _gated(
    api: ApiState, enpis: list[EnpiDefinition], period: ReviewPeriod
) -> list[EnpiPeriod]:
    """The EnPIs' figures, marked where the period's evaluation finds one not reportable."""
    evaluation, _ = await cached_evaluation(api, period)
    figures = await enpi_periods(
        api.store, api.register, api.config, enpis, period, cache=api.cache
    )
    return gated(figures, not_reportable(evaluation.findings))


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
        "verdict": improvement.get("verdict"),
        "reportable": figure.get("reportable"),
        "not_reportable": figure.get("not_reportable"),
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
    "each with the baseline version, model statistics and validity behind it. An EnPI the "
    "data-quality gate refuses says so (reportable: false, with the reason).",
)
async def enpis(
    api: Api,
    table: Table,
    period: Period,
    building: Annotated[str | None, Query(description="only EnPIs of this building")] = None,
    seu: Annotated[str | None, Query(description="only EnPIs of this SEU")] = None,
) -> EnpiList | Response:
    chosen_enpis = [
        enpi
        for enpi in api.config.enpis
        if (building is None or enpi.building == building) and (seu is None or enpi.seu == seu)
    ]
    found = [one.figures for one in await _gated(api, chosen_enpis, period)]
    if table.wanted:
        return table.csv([_flat(f) for f in found], f"enpis-{period.label}")
    return EnpiList(period=period.label, enpis=found)


@router.get("/enpis/{enpi_id}", summary="One EnPI for a period")
async def enpi(enpi_id: str, api: Api, period: Period) -> EnpiFigures:
    (found,) = await _gated(api, [_enpi(api, enpi_id)], period)
    return found.figures


@router.get(
    "/enpis/{enpi_id}/daily", summary="Actual, expected and CUSUM per day", response_model=EnpiDaily
)
async def daily(
    enpi_id: str,
    api: Api,
    table: Table,
    period: Period,
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
    if table.wanted:
        return table.csv(rows, f"{definition.id}-{period.label}")
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
    current = api.register.current(definition.id)
    return BaselineHistory(
        enpi=definition.id,
        current_version=current.version if current else None,
        versions=[
            baseline_summary(v.baseline, v.superseded_at)
            for v in api.register.history(definition.id)
        ],
    )


@router.get(
    "/enpis/{enpi_id}/years",
    summary="Complete calendar years, normal-year corrected (graddagskorrigerat)",
)
async def years(enpi_id: str, api: Api) -> EnpiYears:
    definition = _enpi(api, enpi_id)
    current = api.register.current(definition.id)
    found = (
        (await enpi_years(api.store, api.config, {definition.id: current.version}))[definition.id]
        if current is not None
        else {}
    )
    return EnpiYears(
        enpi=definition.id,
        baseline_version=current.version if current else None,
        normal_year_hdd=definition.normal_year_hdd,
        years=[EnpiYear.model_validate({"year": year, **fields}) for year, fields in found.items()],
    )


@write.post(
    "/enpis/{enpi_id}/adjustments",
    status_code=status.HTTP_201_CREATED,
    summary="Record a non-routine adjustment to the current baseline (scope: write)",
    description="ISO 50015 non-routine adjustment: kWh added to (or, negative, taken from) "
    "the expected consumption of the days first..last, spread evenly, with its reason. The "
    "stored EnPI days include it from the next EnPI computation (the daemon's, or "
    "`enms baseline run`). 409 while the EnPI has no baseline.",
)
async def adjust(
    enpi_id: str,
    body: AdjustmentIn,
    api: Api,
    _: Annotated[Caller, Depends(require("write"))],
) -> BaselineHistory:
    definition = _enpi(api, enpi_id)
    current = api.register.current(definition.id)
    if current is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"EnPI {definition.id!r} has no baseline yet: run `enms baseline run` first",
        )
    api.register.add_adjustment(
        definition.id, current.version, Adjustment(body.first, body.last, body.kwh, body.reason)
    )
    return await baselines(enpi_id, api)
