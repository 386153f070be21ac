"""Findings of every enabled plugin for a period (data quality, cost and CO2, ...)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from fastapi.responses import Response

from api.auth import Caller, require
from api.dependencies import Api, Lang, Period
from api.models.findings import EvaluationRecorded, FindingList
from api.review import cached_evaluation, plugin_runs, record_evaluation
from api.tables import Table
from plugins.findings import Kind, Severity

router = APIRouter(dependencies=[Depends(require("read"))], tags=["findings"])
write = APIRouter(tags=["findings"])


@router.get(
    "/findings",
    summary="The findings of every enabled plugin for a period",
    response_model=FindingList,
    description="Each plugin runs on its own under plugins.timeout_s; a plugin that fails is "
    "itself a finding (plugin-failed.<name>) and the others' findings stand. A period's "
    "evaluation is reused for api.cache_ttl_s (evaluated_at says when it was made).",
)
async def findings(
    api: Api,
    period: Period,
    *,
    kind: Kind | None = None,
    severity: Severity | None = None,
    plugin: str | None = None,
    table: Table,
    locale: Lang,
) -> FindingList | Response:
    await api.store.ping()  # one 503, not one failed plugin after another
    evaluation, evaluated_at = await cached_evaluation(api, period)
    found = [
        f.localized(locale)
        for f in evaluation.findings
        if (kind is None or f.kind is kind)
        and (severity is None or f.severity is severity)
        and (plugin is None or f.plugin == plugin)
    ]
    if table.wanted:
        rows = [
            {
                "plugin": f.plugin,
                "id": f.id,
                "kind": f.kind.value,
                "severity": f.severity.value,
                "title": f.title,
                "scope": f.scope.level,
                "scope_id": f.scope.id,
                "review_input": f.review_input.value,
                "references": "; ".join(f.references),
            }
            for f in found
        ]
        return table.csv(rows, f"findings-{period.label}")
    return FindingList(
        period=period.label,
        evaluated_at=evaluated_at,
        measured_until=period.measured_until(api.today()).isoformat(),
        plugins=plugin_runs(evaluation),
        findings=found,
    )


@write.post(
    "/evaluations",
    status_code=status.HTTP_201_CREATED,
    summary="Evaluate a period afresh and record its nonconformities (scope: write)",
    description="Runs every enabled plugin on the period, as `enms evaluate` does, replaces "
    "the period's cached evaluation, and opens or updates a register nonconformity for every "
    "finding of kind nonconformity. The read routes never change the register.",
)
async def evaluate(
    api: Api,
    period: Period,
    _: Annotated[Caller, Depends(require("write"))],
) -> EvaluationRecorded:
    await api.store.ping()
    return await record_evaluation(api, period)
