"""Findings: what an evaluation tells the management review (DESIGN §5).

A finding is shaped for the management systems the municipality runs side by side: its kind
(nonconformity, deviation, observation, opportunity, positive), the clauses it refers to, the
balanced-scorecard perspective and PDCA phase it belongs to, the ISO 50001 9.3 review input it
feeds, the numbers behind it, and the evidence an auditor can follow back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from core.i18n import Language, Locale, Message, locale_for

ENGLISH = locale_for(Language.EN)


class Kind(StrEnum):
    NONCONFORMITY = "nonconformity"
    DEVIATION = "deviation"
    OBSERVATION = "observation"
    OPPORTUNITY = "opportunity"
    POSITIVE = "positive"


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Perspective(StrEnum):
    """Balanced-scorecard perspectives as Swedish municipalities use them."""

    CUSTOMER = "kund"
    EMPLOYEES = "medarbetare"
    ECONOMY = "ekonomi"
    SOCIETY_ENVIRONMENT = "samhälle och miljö"
    PROCESS = "verksamhet och process"


class Phase(StrEnum):
    """PDCA: planera, genomföra, följa upp, förbättra."""

    PLAN = "plan"
    DO = "do"
    CHECK = "check"
    ACT = "act"


class ReviewInput(StrEnum):
    """The inputs to the management review, ISO 50001:2018 9.3."""

    PREVIOUS_ACTIONS = "9.3 a) status of actions from previous reviews"
    ISSUES_RISKS = "9.3 b) changes in issues, risks and opportunities"
    NONCONFORMITIES = "9.3 c) 1) nonconformities and corrective actions"
    MONITORING = "9.3 c) 2) monitoring and measurement results"
    AUDITS = "9.3 c) 3) audit results"
    COMPLIANCE = "9.3 c) 4) compliance evaluation"
    OPPORTUNITIES = "9.3 d) opportunities for continual improvement"
    POLICY = "9.3 e) energy policy"
    OBJECTIVES = "9.3 f) objectives and energy targets"
    ENERGY_PERFORMANCE = "9.3 g) energy performance and improvement based on EnPIs"
    ACTION_PLANS = "9.3 h) status of action plans"


class Scope(BaseModel):
    """What a finding is about: the portfolio, a site, a building, an SEU or a meter."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    level: str = Field(description="portfolio, site, building, seu, meter or plugin")
    id: str | None = Field(None, description="the id at that level")


class Evidence(BaseModel):
    """Where the figures come from, so every number links back to its data."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first: date | None = None
    last: date | None = None
    measurement: str | None = None
    query: str | None = Field(None, description="the series selection behind the figures")
    baseline_version: int | None = None
    notes: str | None = None


class Finding(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="stable within a plugin and period, e.g. 'gap.meter-el-1'")
    plugin: str
    title: str = Field(description="the finding in one sentence, in the reader's language")
    kind: Kind
    severity: Severity
    scope: Scope
    period: str = Field(description="the period evaluated, e.g. '2025'")
    references: tuple[str, ...] = Field(default=(), description="e.g. 'ISO 50001:2018 6.6'")
    perspective: Perspective
    phase: Phase
    review_input: ReviewInput
    metrics: dict[str, Any] = Field(default_factory=dict)
    evidence: Evidence = Field(default_factory=Evidence)
    message: Message | None = Field(
        None,
        description="the title's English text and values, from which it is shown in each "
        "language (None: the plugin gave a plain title, shown as it is)",
    )

    def localized(self, locale: Locale) -> Finding:
        """This finding with its title in ``locale``'s language and number formats; the
        title as given where its message cannot be filled in (a plugin's message whose values
        do not fit its placeholders is the plugin's mistake, not the reader's)."""
        if self.message is None:
            return self
        try:
            title = self.message.sentence(locale)
        except (KeyError, IndexError, ValueError, TypeError, AttributeError):
            return self
        return self.model_copy(update={"title": title})


class PeriodLike(Protocol):
    """The evaluated period (``plugins.context.ReviewPeriod``)."""

    @property
    def label(self) -> str: ...
    @property
    def first(self) -> date: ...
    @property
    def last(self) -> date: ...


@dataclass(frozen=True)
class FindingMaker:
    """What every finding of one plugin shares, so each finding states only what differs.

    ``make`` fills in the plugin, the period evaluated and the evidence window from the
    evaluation's period; references, perspective and phase default to the plugin's own.
    """

    plugin: str
    perspective: Perspective
    references: tuple[str, ...] = ()
    phase: Phase = Phase.CHECK

    def make(
        self,
        period: PeriodLike,
        id: str,
        title: str | Message,
        *,
        kind: Kind,
        severity: Severity,
        review_input: ReviewInput,
        scope: Scope,
        metrics: Mapping[str, Any] | None = None,
        measurement: str | None = None,
        query: str | None = None,
        notes: str | None = None,
        first: date | None = None,
        last: date | None = None,
        references: tuple[str, ...] | None = None,
        perspective: Perspective | None = None,
        phase: Phase | None = None,
    ) -> Finding:
        """A finding about ``scope`` in ``period``; ``first``/``last`` narrow the evidence
        window (the days the figures come from) where it is not the whole period.

        A ``title`` made with ``core.i18n.message`` is shown in each reader's language; a plain
        string is shown as it is.
        """
        return Finding(
            id=id,
            plugin=self.plugin,
            title=title.sentence(ENGLISH) if isinstance(title, Message) else title,
            message=title if isinstance(title, Message) else None,
            kind=kind,
            severity=severity,
            scope=scope,
            period=period.label,
            references=self.references if references is None else references,
            perspective=perspective or self.perspective,
            phase=phase or self.phase,
            review_input=review_input,
            metrics=dict(metrics or {}),
            evidence=Evidence(
                first=first or period.first,
                last=last or period.last,
                measurement=measurement,
                query=query,
                notes=notes,
            ),
        )
