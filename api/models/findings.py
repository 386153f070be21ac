"""The plugins' findings for a period."""

from __future__ import annotations

from pydantic import Field

from api.models.common import Answer, PluginRun
from plugins.findings import Finding


class FindingList(Answer):
    period: str
    evaluated_at: str = Field(description="when the evaluation was made (UTC)")
    measured_until: str = Field(description="the period's last day that can have readings")
    plugins: list[PluginRun]
    findings: list[Finding]


class EvaluationRecorded(Answer):
    """An evaluation made on request, and the register entries its nonconformities opened or
    updated."""

    period: str
    evaluated_at: str
    plugins: list[PluginRun]
    findings: int
    nonconformities: list[int] = Field(description="register numbers of the nonconformities")
