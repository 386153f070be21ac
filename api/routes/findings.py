"""Findings of every enabled plugin for a period (data quality, cost and CO2, ...)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.auth import require
from api.errors import review_period
from api.review import cached_evaluation
from api.state import ApiState, state
from api.tables import Format, csv_response
from plugins.findings import Kind, Severity

router = APIRouter(dependencies=[Depends(require("read"))], tags=["findings"])


@router.get(
    "/findings",
    summary="The findings of every enabled plugin for a period",
    description="Each plugin runs on its own under plugins.timeout_s; a plugin that fails is "
    "itself a finding (plugin-failed.<name>) and the others' findings stand. A period's "
    "evaluation is reused for api.cache_ttl_s (evaluated_at says when it was made).",
)
async def findings(
    api: Annotated[ApiState, Depends(state)],
    period: Annotated[str, Query(description="2025, 2025-03 or 2025-01-01..2025-03-31")],
    *,
    kind: Kind | None = None,
    severity: Severity | None = None,
    plugin: str | None = None,
    format: Format = Format.JSON,
) -> Any:
    chosen = review_period(period)
    await api.store.ping()  # one 503, not one failed plugin after another
    evaluation, evaluated_at = await cached_evaluation(api, chosen)
    found = [
        f
        for f in evaluation.findings
        if (kind is None or f.kind is kind)
        and (severity is None or f.severity is severity)
        and (plugin is None or f.plugin == plugin)
    ]
    if format is Format.CSV:
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
        return csv_response(rows, f"findings-{chosen.label}")
    return {
        "period": chosen.label,
        "evaluated_at": evaluated_at,
        "plugins": [
            {"name": r.plugin, "status": r.status, "findings": r.findings, "error": r.error}
            for r in evaluation.runs
        ],
        "findings": [f.model_dump(mode="json") for f in found],
    }
