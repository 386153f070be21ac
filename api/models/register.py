"""The register: nonconformities with their lifecycle, and the review's decisions."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from api.models.common import Answer
from energy.nonconformities import Nonconformity, Status
from energy.review_decisions import (
    DESCRIPTIONS,
    RecordedInput,
    ReviewDecision,
    ReviewInputRecord,
)


class LifecycleEvent(Answer):
    status: str
    note: str | None
    effective: bool | None
    by: str
    at: str


class NonconformityOut(Answer):
    """A nonconformity (ISO 50001:2018 10.1) and every step it went through."""

    id: int
    plugin: str
    finding: str = Field(description="the finding's id, stable across evaluations")
    title: str
    severity: str
    scope_level: str
    scope_id: str | None
    first_period: str
    last_period: str
    opened_at: str
    last_seen_at: str
    status: Status
    metrics: dict[str, Any]
    owner: str | None = Field(description="who is responsible for the correction")
    due: str | None = Field(description="when the correction is due (ISO date)")
    action_plan: str | None = Field(description="the action plan the correction belongs to")
    events: list[LifecycleEvent]

    @classmethod
    def of(cls, found: Nonconformity) -> NonconformityOut:
        return cls(
            id=found.id,
            plugin=found.plugin,
            finding=found.finding,
            title=found.title,
            severity=found.severity,
            scope_level=found.scope_level,
            scope_id=found.scope_id,
            first_period=found.first_period,
            last_period=found.last_period,
            opened_at=found.opened_at,
            last_seen_at=found.last_seen_at,
            status=found.status,
            metrics=found.metrics,
            owner=found.owner,
            due=found.due,
            action_plan=found.action_plan,
            events=[
                LifecycleEvent(
                    status=e.status, note=e.note, effective=e.effective, by=e.by, at=e.at
                )
                for e in found.events
            ],
        )


class NonconformityList(Answer):
    nonconformities: list[NonconformityOut]


class DecisionOut(Answer):
    """A decision of the management review (an output of ISO 50001:2018 9.3)."""

    id: int
    period: str
    category: str
    category_text: str
    decision: str
    owner: str | None
    due: str | None
    recorded_by: str
    recorded_at: str

    @classmethod
    def of(cls, decision: ReviewDecision) -> DecisionOut:
        return cls(
            id=decision.id,
            period=decision.period,
            category=decision.category.value,
            category_text=DESCRIPTIONS[decision.category],
            decision=decision.decision,
            owner=decision.owner,
            due=decision.due.isoformat() if decision.due else None,
            recorded_by=decision.recorded_by,
            recorded_at=decision.recorded_at,
        )


class RecordedInputOut(Answer):
    """An input of the review that people recorded (an audit's result, the policy's review)."""

    id: int
    period: str
    input: RecordedInput
    title: str
    text: str
    recorded_by: str
    recorded_at: str

    @classmethod
    def of(cls, record: ReviewInputRecord) -> RecordedInputOut:
        return cls(
            id=record.id, period=record.period, input=record.input, title=record.title,
            text=record.text, recorded_by=record.recorded_by, recorded_at=record.recorded_at,
        )  # fmt: skip


class RecordedInputList(Answer):
    period: str
    inputs: list[RecordedInputOut]


class DecisionList(Answer):
    period: str
    decisions: list[DecisionOut]
