"""EnPI deviations as nonconformities, sustained improvements as positive findings.

For every EnPI with a baseline, the days of the review period are compared with what the
baseline expects. The residuals are standardised by the baseline model's RMSE on its own
period, and a tabular CUSUM (``baselines.deviation``) looks for sustained shifts:

- upward -- consuming more than the baseline explains for weeks, as a heating valve stuck open
  or a ventilation unit left running would -- is a nonconformity (ISO 50001:2018 6.6, 10.1):
  the engine records it in the register, where it is taken through cause, action and
  effectiveness;
- downward -- a saving that holds -- is a positive finding on energy performance (9.3 g).

One spike is not a deviation, and days the meters did not cover are neither.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from baselines.deviation import H_DECISION, K_SLACK, Episode, episodes, rmse
from core.config.enpis import EnpiDefinition
from core.i18n import Message, message
from core.schema import EnpiField, Measurement
from plugins.context import EvaluationContext
from plugins.findings import (
    Finding,
    FindingMaker,
    Kind,
    Perspective,
    ReviewInput,
    Scope,
    Severity,
)
from plugins.hookspecs import hookimpl

NAME = "enpi_deviation"
FINDINGS = FindingMaker(
    NAME,
    Perspective.ECONOMY,
    ("ISO 50001:2018 6.6", "ISO 50001:2018 9.1.1", "ISO 50001:2018 10.1"),
)
#: days of the baseline period needed to know its RMSE
MIN_BASELINE_DAYS = 60


class DeviationSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slack: float = Field(K_SLACK, gt=0, le=3, description="k, in baseline RMSEs")
    decision: float = Field(H_DECISION, gt=0, le=50, description="h, in baseline RMSEs")
    high_pct: float = Field(
        10.0, gt=0, description="excess above this share of expected is severity high"
    )


def _finding(
    context: EvaluationContext,
    enpi: EnpiDefinition,
    key: str,
    title: Message,
    *,
    kind: Kind,
    severity: Severity,
    review_input: ReviewInput,
    metrics: dict[str, object],
    first: date,
    last: date,
) -> Finding:
    return FINDINGS.make(
        context.period,
        f"{key}.{enpi.id}",
        title,
        kind=kind,
        severity=severity,
        review_input=review_input,
        scope=Scope(level="enpi", id=enpi.id),
        metrics=metrics,
        measurement=Measurement.ENPI,
        query=f"{Measurement.ENPI}.actual_kwh - expected_kwh where enpi = {enpi.id}, "
        "standardised by the baseline RMSE",
        notes=f"tabular CUSUM, k = {metrics['slack']}, h = {metrics['decision']}",
        first=first,
        last=last,
    )


def _describe(episode: Episode, days: list[date], expected: np.ndarray) -> dict[str, object]:
    span = slice(episode.first, episode.last + 1)
    expected_kwh = float(np.nansum(expected[span]))
    return {
        "first_day": days[episode.first].isoformat(),
        "last_day": days[episode.last].isoformat(),
        "signalled_on": days[episode.signalled].isoformat(),
        "ongoing": episode.ongoing,
        "days": episode.last - episode.first + 1,
        "excess_kwh": round(episode.size, 1),
        "expected_kwh": round(expected_kwh, 1),
        "excess_pct": round(100 * episode.size / expected_kwh, 1) if expected_kwh else None,
    }


async def judge(
    context: EvaluationContext, enpi: EnpiDefinition, settings: DeviationSettings
) -> list[Finding]:
    period = context.period
    # the sum starts a while before the period, so a shift that began just before is seen whole
    lead = timedelta(days=60)
    last = context.today
    reporting = await context.enpi_reporting_days(enpi, period.first - lead, last)
    if reporting is None:
        return []
    baseline = await context.enpi_days(enpi, enpi.baseline.first, enpi.baseline.last)
    if baseline is None:
        return []
    residual = baseline[EnpiField.ACTUAL_KWH] - baseline[EnpiField.EXPECTED_KWH]
    sigma = rmse(residual)
    if int(np.isfinite(residual).sum()) < MIN_BASELINE_DAYS or not sigma > 0:
        return []
    actual, expected = reporting[EnpiField.ACTUAL_KWH], reporting[EnpiField.EXPECTED_KWH]
    reported = actual - expected
    shared = {"sigma_kwh": round(sigma, 1), "slack": settings.slack, "decision": settings.decision}
    found: list[Finding] = []
    in_period = [i for i, day in enumerate(reporting.days) if day >= period.first]
    if not in_period:
        return []
    start = in_period[0]
    for upward in (True, False):
        signalled = [
            e
            for e in episodes(reported, sigma, upward=upward, k=settings.slack, h=settings.decision)
            if e.last >= start  # it concerns the review period
        ]
        if not signalled:
            continue
        episode = max(signalled, key=lambda e: abs(e.size))
        metrics = {**_describe(episode, reporting.days, expected), **shared}
        metrics["episodes"] = len(signalled)
        window = (reporting.days[episode.first], reporting.days[episode.last])
        if upward:
            pct = metrics["excess_pct"]
            high = isinstance(pct, float) and pct >= settings.high_pct
            found.append(
                _finding(
                    context, enpi, "enpi-deviation",
                    message(
                        "{enpi}: {kwh:n0} kWh above its baseline from {first:date} (ongoing)",
                        enpi=enpi.name, kwh=metrics["excess_kwh"], first=metrics["first_day"],
                    )
                    if episode.ongoing
                    else message(
                        "{enpi}: {kwh:n0} kWh above its baseline from {first:date} to {last:date}",
                        enpi=enpi.name, kwh=metrics["excess_kwh"], first=metrics["first_day"],
                        last=metrics["last_day"],
                    ),
                    kind=Kind.NONCONFORMITY,
                    severity=Severity.HIGH if high else Severity.MEDIUM,
                    review_input=ReviewInput.NONCONFORMITIES,
                    metrics=metrics, first=window[0], last=window[1],
                )
            )  # fmt: skip
        else:
            saved = -float(episode.size)
            metrics["avoided_kwh"] = round(saved, 1)
            found.append(
                _finding(
                    context, enpi, "enpi-improvement",
                    message(
                        "{enpi}: {kwh:n0} kWh below its baseline from {first:date} (holding)",
                        enpi=enpi.name, kwh=saved, first=metrics["first_day"],
                    )
                    if episode.ongoing
                    else message(
                        "{enpi}: {kwh:n0} kWh below its baseline from {first:date}",
                        enpi=enpi.name, kwh=saved, first=metrics["first_day"],
                    ),
                    kind=Kind.POSITIVE,
                    severity=Severity.INFO,
                    review_input=ReviewInput.ENERGY_PERFORMANCE,
                    metrics=metrics, first=window[0], last=window[1],
                )
            )  # fmt: skip
    return found


@hookimpl
async def enms_evaluate(context: EvaluationContext) -> list[Finding]:
    settings = context.settings_as(DeviationSettings)
    found: list[Finding] = []
    for enpi in context.config.enpis:
        found += await judge(context, enpi, settings)
    return found
