"""A recorded evaluation: findings stored, nonconformities in the register, people told.

The only way findings change the register. The daemon's schedule, ``enms evaluate --store``
and ``POST /api/v1/evaluations`` record; reading a review never does.

Which findings open a nonconformity (``opens_nonconformity``): those of kind nonconformity,
and deviations of high severity -- a CUSUM excess, a building outside its indoor-climate
commitment while saving, a target behind its path, a meter with no readings, an EnPI the
data-quality gate refuses. Each opens with an owner (``nonconformities.owners``, most
specific first) and a due date (``due_days``); opening and passing the due date are notices
to ``enms_notify``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from core.config.models import EnmsConfig
from core.i18n import locale_for
from core.storage.contract import Store
from energy.nonconformities import Nonconformity, Status
from energy.register import Register
from plugins.context import ReviewPeriod
from plugins.findings import Finding, Kind, Severity
from plugins.manager import Plugins
from plugins.notices import Notice, NoticeKind, NotifyContext
from plugins.runner import Evaluation, call_hook, evaluate_portfolio
from plugins.stored_findings import finding_points

log = logging.getLogger(__name__)

OVERDUE = "overdue"  # the event recorded when the overdue notice is sent


def opens_nonconformity(finding: Finding) -> bool:
    """A finding of kind nonconformity, or a deviation of high severity."""
    return finding.kind is Kind.NONCONFORMITY or (
        finding.kind is Kind.DEVIATION and finding.severity is Severity.HIGH
    )


def owner_of(config: EnmsConfig, finding: Finding) -> str | None:
    """Who answers for it: the owner of its scope, of a meter's building, of its plugin, or
    the default."""
    owners = config.nonconformities.owners
    candidates = [finding.scope.id]
    if finding.scope.level == "meter":
        buildings = {meter.id: meter.building for _, meter in config.meters()}
        candidates.append(buildings.get(finding.scope.id or ""))
    candidates.append(finding.plugin)
    for candidate in candidates:
        if candidate is not None and candidate in owners:
            return owners[candidate]
    return config.nonconformities.default_owner


@dataclass(frozen=True)
class Recorded:
    ids: list[int]
    opened: list[Nonconformity]


def record_nonconformities(
    register: Register, findings: Sequence[Finding], config: EnmsConfig, today: date
) -> Recorded:
    """Open (or update) a register nonconformity for every finding that is one."""
    before = {
        (n.plugin, n.finding) for n in register.nonconformities() if n.status is not Status.CLOSED
    }
    due = (today + timedelta(days=config.nonconformities.due_days)).isoformat()
    recorded = [
        register.record_nonconformity(
            plugin=finding.plugin,
            finding=finding.id,
            title=finding.title,
            severity=finding.severity.value,
            scope=(finding.scope.level, finding.scope.id),
            period=finding.period,
            metrics=finding.metrics,
            owner=owner_of(config, finding),
            due=due,
        )
        for finding in findings
        if opens_nonconformity(finding)
    ]
    opened = [n for n in recorded if (n.plugin, n.finding) not in before]
    return Recorded([n.id for n in recorded], opened)


def overdue(register: Register, today: date) -> list[Nonconformity]:
    """Open nonconformities past their due date not yet announced as such; each is marked
    with an ``overdue`` event so it is announced once."""
    late = [
        n
        for n in register.nonconformities()
        if n.status is not Status.CLOSED
        and n.due is not None
        and date.fromisoformat(n.due) < today
        and not any(e.status == OVERDUE for e in n.events)
    ]
    for n in late:
        register.note_event(n.id, OVERDUE, f"past its due date {n.due}", by="enms")
    return late


async def notify(plugins: Plugins, config: EnmsConfig, notices: Sequence[Notice]) -> int:
    """Hand each notice to every enabled ``enms_notify``, each under ``plugins.timeout_s``;
    the number of failed deliveries (a hung or raising notifier is one, the rest go on)."""
    failed = 0
    for notice in notices:
        for name, function in plugins.implementations(
            "enms_notify", disabled=config.plugins.disabled
        ):
            context = NotifyContext(name, config, notice, config.plugins.settings.get(name, {}))
            try:  # each notifier under plugins.timeout_s, as evaluations are
                await asyncio.wait_for(call_hook(function, context), config.plugins.timeout_s)
            except Exception as exc:  # one notifier's failure must not stop the others
                failed += 1
                log.error(
                    "plugin %s: notice %s not delivered: %s",
                    name, notice.kind, str(exc) or type(exc).__name__,
                )  # fmt: skip
    return failed


async def evaluate_and_record(
    plugins: Plugins,
    config: EnmsConfig,
    store: Store,
    period: ReviewPeriod,
    register: Register,
    *,
    today: date,
) -> tuple[Evaluation, Recorded]:
    """Evaluate ``period``, store its findings (the measurement Grafana shows), record its
    nonconformities and send the notices."""
    evaluation = await evaluate_portfolio(plugins, config, store, period, register)
    return evaluation, await record(plugins, config, store, register, evaluation, today=today)


async def record(
    plugins: Plugins,
    config: EnmsConfig,
    store: Store,
    register: Register,
    evaluation: Evaluation,
    *,
    today: date,
) -> Recorded:
    """Record an evaluation made already: store its findings for Grafana, record its
    nonconformities, log the evaluation for verification, and notify what opened and what is
    now overdue."""
    buildings = {meter.id: meter.building for _, meter in config.meters()}
    # the register and the findings measurement keep the portfolio's language
    locale = locale_for(config.portfolio.language)
    findings = [finding.localized(locale) for finding in evaluation.findings]
    await store.write(finding_points(findings, time.time_ns(), buildings))
    recorded = record_nonconformities(register, findings, config, today)
    register.record_evaluation(evaluation.period.label)
    notices = [Notice(NoticeKind.OPENED, n) for n in recorded.opened]
    notices += [Notice(NoticeKind.OVERDUE, n) for n in overdue(register, today)]
    await notify(plugins, config, notices)
    return recorded
