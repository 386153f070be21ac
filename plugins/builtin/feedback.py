"""Synpunkter checked against the data: was it actually cold, and since when?

Every piece of feedback received in the period about the indoor temperature (too cold, too hot)
is compared with the building's indoor sensors -- those of the room or zone named, where a
sensor's id or name contains it, else all of the building's -- hour by hour up to the hour it
was received:

- **confirmed** where that hour's mean lies outside the indoor band (the ``indoor_climate``
  plugin's ``low_c``..``high_c``): a nonconformity, with how long it had been so;
- **not confirmed** where the sensors were inside the band: an observation saying what they
  showed, which is the answer the sender is owed too;
- **not checkable** without sensor data for that hour.

Per building, all feedback of the period is summed up by category against the period before
(a trend), with the working days it took to answer; feedback left unanswered longer than
``answer_within_days`` working days is a deviation.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.config.models import Medium, Meter
from core.i18n import N_, Message, message
from core.schema import Measurement, ReadingField
from core.storage.points import Aggregate, Bucket, SeriesSelector
from energy.feedback import CHECKABLE, Category, Feedback, working_days
from plugins.builtin.indoor_climate import IndoorSettings
from plugins.context import EvaluationContext, ReviewPeriod
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
from plugins.sections import Cell, ReportSection

NAME = "feedback"
FINDINGS = FindingMaker(NAME, Perspective.CUSTOMER, ("ISO 50001:2018 9.1.1", "ISO 9001:2015 9.1.2"))


class FeedbackSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer_within_days: int = Field(
        10, ge=1, le=90, description="working days within which feedback is to be answered"
    )
    look_back_h: int = Field(
        72, ge=1, le=14 * 24, description="hours before receipt searched for when it began"
    )


def indoor_band(context: EvaluationContext) -> IndoorSettings:
    """The indoor_climate plugin's band: one definition of "too cold" for both plugins."""
    try:
        return IndoorSettings.model_validate(
            context.config.plugins.settings.get("indoor_climate", {})
        )
    except ValidationError:  # the indoor_climate plugin reports its own settings
        return IndoorSettings()


def sensors_for(context: EvaluationContext, feedback: Feedback) -> list[Meter]:
    """The building's indoor sensors; those of the zone named, where any matches it."""
    sensors = [
        meter
        for _, meter in context.meters()
        if meter.building == feedback.building and meter.medium is Medium.INDOOR_TEMPERATURE
    ]
    zone = (feedback.zone or "").strip().lower()
    in_zone = [
        m for m in sensors if zone and (zone in m.id.lower() or zone in (m.name or "").lower())
    ]
    return in_zone or sensors


async def hourly_extremes(
    context: EvaluationContext, sensors: list[Meter], start: datetime, end: datetime, *, cold: bool
) -> tuple[list[datetime], np.ndarray]:
    """Each hour's coldest (``cold``) or warmest sensor mean in [start, end); NaN where none."""
    selector = SeriesSelector(
        Measurement.READINGS, ReadingField.TEMPERATURE_C, {"meter": [m.id for m in sensors]}
    )
    found = await context.store.aggregate(
        selector, start, end, Bucket.HOUR, Aggregate.MEAN,
        tz=context.config.portfolio.timezone, group_by=("meter",),
    )  # fmt: skip
    if not found:
        return [], np.array([])
    stacked = np.vstack([one.values for one in found])
    with np.errstate(all="ignore"):
        extreme = np.nanmin(stacked, axis=0) if cold else np.nanmax(stacked, axis=0)
    return found[0].starts(), extreme


async def check(
    context: EvaluationContext, feedback: Feedback, band: IndoorSettings, settings: FeedbackSettings
) -> Finding:
    """The finding on one piece of indoor-temperature feedback."""
    zone = context.zone
    received = feedback.received_at.astimezone(zone)
    cold = feedback.category is Category.TOO_COLD
    names = {b.id: b.name for _, b in context.config.buildings()}
    where = names.get(feedback.building, feedback.building)
    where += f", {feedback.zone}" if feedback.zone else ""
    sensors = sensors_for(context, feedback)
    hour = received.replace(minute=0, second=0, microsecond=0)
    start = hour - timedelta(hours=settings.look_back_h)
    starts, values = (
        await hourly_extremes(context, sensors, start, hour + timedelta(hours=1), cold=cold)
        if sensors
        else ([], np.array([]))
    )
    known = np.flatnonzero(np.isfinite(values))
    common: dict[str, object] = {
        "feedback": feedback.id,
        "category": feedback.category.value,
        "received_at": received.isoformat(timespec="minutes"),
        "sensors": [m.id for m in sensors],
        "band_c": [band.low_c, band.high_c],
    }

    def make(title: Message, kind: Kind, severity: Severity, metrics: dict[str, object]) -> Finding:
        return FINDINGS.make(
            context.period,
            f"feedback.{feedback.id}",
            title,
            kind=kind,
            severity=severity,
            review_input=ReviewInput.MONITORING,
            scope=Scope(level="building", id=feedback.building),
            metrics={**common, **metrics},
            measurement=Measurement.READINGS,
            query="readings.temperature_c, hourly mean of each indoor sensor, "
            + ("coldest" if cold else "warmest")
            + " per hour, up to the hour the feedback was received",
            first=start.date(),
            last=received.date(),
        )

    if known.size == 0 or starts[known[-1]] < hour - timedelta(hours=1):
        return make(
            message(
                "{where}: “{category}” received {day:date} {time} could not be checked: no "
                "indoor temperature measured then",
                where=where, category=message(feedback.category.text), day=received.date(),
                time=received.strftime("%H:%M"),
            ),
            Kind.OBSERVATION, Severity.INFO, {"checked": False},
        )  # fmt: skip
    last = int(known[-1])
    value = float(values[last])
    outside = (values < band.low_c) if cold else (values > band.high_c)
    if not outside[last]:
        return make(
            message(
                "{where}: “{category}” received {day:date} {time} not confirmed: the sensors "
                "showed {value:n1} °C, inside {low:n1}–{high:n1} °C",
                where=where, category=message(feedback.category.text), day=received.date(),
                time=received.strftime("%H:%M"), value=value, low=band.low_c, high=band.high_c,
            ),
            Kind.OBSERVATION, Severity.INFO,
            {"checked": True, "confirmed": False, "temperature_c": value},
        )  # fmt: skip
    first = last
    while first > 0 and outside[first - 1]:
        first -= 1
    since = starts[first]
    hours = (starts[last] - since) / timedelta(hours=1) + 1
    values_of = {
        "where": where, "category": message(feedback.category.text), "day": received.date(),
        "time": received.strftime("%H:%M"), "value": value, "low": band.low_c,
        "high": band.high_c, "since_day": since.date(), "since_time": since.strftime("%H:%M"),
        "hours": hours,
    }  # fmt: skip
    title = (
        message(
            "{where}: “{category}” received {day:date} {time} confirmed: {value:n1} °C, "
            "outside {low:n1}–{high:n1} °C for at least {hours:n0} h (as far back as looked)",
            **values_of,
        )
        if first == 0
        else message(
            "{where}: “{category}” received {day:date} {time} confirmed: {value:n1} °C, "
            "outside {low:n1}–{high:n1} °C since {since_day:date} {since_time} ({hours:n0} h)",
            **values_of,
        )
    )
    return make(
        title,
        Kind.NONCONFORMITY,
        Severity.MEDIUM,
        {
            "checked": True, "confirmed": True, "temperature_c": value,
            "since": since.isoformat(timespec="minutes"), "hours_outside": hours,
            "since_window_start": first == 0,
        },
    )  # fmt: skip


def _before(period: ReviewPeriod) -> ReviewPeriod:
    """The period of the same length just before ``period``."""
    last = period.first - timedelta(days=1)
    first = last - timedelta(days=period.days - 1)
    return ReviewPeriod(f"{first.isoformat()}..{last.isoformat()}", first, last)


def summary(
    context: EvaluationContext,
    building: str,
    now: list[Feedback],
    before: list[Feedback],
    settings: FeedbackSettings,
) -> Finding:
    """Feedback of one building in the period: by category against the period before, time
    to answer, and what is overdue."""
    today = context.today
    counts = {c.value: sum(f.category is c for f in now) for c in Category}
    earlier = {c.value: sum(f.category is c for f in before) for c in Category}
    answered = [d for f in now if (d := f.days_to_answer()) is not None]
    overdue = [
        f
        for f in now
        if f.answered_at is None
        and working_days(f.received_at.astimezone(context.zone).date(), today)
        > settings.answer_within_days
    ]
    complaints = sum(n for c, n in counts.items() if c != Category.PRAISE.value)
    names = {b.id: b.name for _, b in context.config.buildings()}
    title: Message = message(
        "{building}: {count:n0} pieces of feedback ({complaints:n0} complaints, {before:n0} the "
        "period before); {overdue:n0} unanswered after {days:n0} working days",
        building=names.get(building, building), count=len(now), complaints=complaints,
        before=len(before), overdue=len(overdue), days=settings.answer_within_days,
    )  # fmt: skip
    return FINDINGS.make(
        context.period,
        f"feedback-summary.{building}",
        title,
        kind=Kind.DEVIATION if overdue else Kind.OBSERVATION,
        severity=Severity.LOW if overdue else Severity.INFO,
        review_input=ReviewInput.MONITORING,
        scope=Scope(level="building", id=building),
        metrics={
            "received": len(now),
            "received_before": len(before),
            "by_category": {c: n for c, n in counts.items() if n},
            "by_category_before": {c: n for c, n in earlier.items() if n},
            "answered": len(answered),
            "median_working_days_to_answer": statistics.median(answered) if answered else None,
            "overdue": [f.id for f in overdue],
        },
        measurement="register.feedback",
        query="feedback received in the period and the period before, by category",
    )


@hookimpl
async def enms_evaluate(context: EvaluationContext) -> list[Finding]:
    settings = context.settings_as(FeedbackSettings)
    received = context.feedback()
    if not received:
        return []
    before = context.feedback(_before(context.period))
    band = indoor_band(context)
    found = [
        await check(context, feedback, band, settings)
        for feedback in received
        if feedback.category in CHECKABLE
    ]
    for building in sorted({f.building for f in received}):
        found.append(
            summary(
                context,
                building,
                [f for f in received if f.building == building],
                [f for f in before if f.building == building],
                settings,
            )
        )
    return found


@hookimpl
async def enms_report_sections(context: EvaluationContext) -> list[ReportSection]:
    """One table for the review: per building, what was said, what the sensors confirmed, and
    how quickly it was answered."""
    settings = context.settings_as(FeedbackSettings)
    received = context.feedback()
    if not received:
        return []
    locale = context.locale
    band = indoor_band(context)
    checks = {
        f.id: await check(context, f, band, settings) for f in received if f.category in CHECKABLE
    }
    rows: list[dict[str, Cell]] = []
    for building in sorted({f.building for f in received}):
        mine = [f for f in received if f.building == building]
        done = summary(context, building, mine, [], settings)
        confirmed = [
            f for f in mine if f.id in checks and checks[f.id].metrics.get("confirmed") is True
        ]
        refuted = [
            f for f in mine if f.id in checks and checks[f.id].metrics.get("confirmed") is False
        ]
        median = done.metrics["median_working_days_to_answer"]
        rows.append({
            locale.text(N_("building")): building,
            locale.text(N_("received")): len(mine),
            locale.text(N_("complaints")): sum(f.category is not Category.PRAISE for f in mine),
            locale.text(N_("praise")): sum(f.category is Category.PRAISE for f in mine),
            locale.text(N_("confirmed by sensors")): len(confirmed),
            locale.text(N_("not confirmed by sensors")): len(refuted),
            locale.text(N_("unanswered too long")): len(done.metrics["overdue"]),
            locale.text(N_("median working days to answer")): (
                locale.number(median, 1) if median is not None else "–"
            ),
        })  # fmt: skip
    return [
        ReportSection(
            title=locale.text(N_("Feedback (synpunkter) and what the sensors showed")),
            review_input=ReviewInput.MONITORING,
            paragraphs=[
                locale.text(
                    N_(
                        "Complaints about the indoor temperature are checked against the "
                        "building's indoor sensors at the hour they were received; answers "
                        "are due within {days:n0} working days."
                    ),
                    days=settings.answer_within_days,
                )
            ],
            table=rows,
        )
    ]
