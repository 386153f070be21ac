"""What an evaluation is given: the period, the configuration, its settings, the stored data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import numpy as np
from pydantic import BaseModel, ValidationError

from baselines.analysis import Period
from baselines.versions import EnergyBaseline
from core import schema
from core.config.models import EnmsConfig, EnpiDefinition, Meter, Site
from core.config.targets import EnergyTarget
from core.i18n import Language, Locale, locale_for
from core.schema import EnpiField, Measurement, Tag
from core.storage.buckets import local_days
from core.storage.contract import Store
from core.storage.points import RawSeries, SeriesSelector
from energy.control_records import ControlResult
from energy.enpi_run import boundary_meters
from energy.enpi_series import DailySeries, daily_series
from energy.feedback import Feedback
from energy.nonconformities import Nonconformity
from energy.register import Register
from energy.target_records import all_targets

SettingsModel = TypeVar("SettingsModel", bound=BaseModel)


#: the days a period may cover: readings before 2000 are refused at the collectors
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)


@dataclass(frozen=True, slots=True)
class ReviewPeriod:
    """The days a review covers, both ends included, in the portfolio's local calendar."""

    label: str
    first: date
    last: date

    @classmethod
    def parse(cls, text: str) -> ReviewPeriod:
        """A year, a month or a range (``baselines.analysis.Period.parse``) within the years
        enms can hold (2000-2099); ``ValueError`` says what is accepted."""
        label = text.strip()
        period = Period.parse(label)
        if period.first < EARLIEST_DAY or period.last > LATEST_DAY:
            raise ValueError(
                f"period {label!r} reaches outside {EARLIEST_DAY.year}-"
                f"{LATEST_DAY.year}, the years enms keeps readings for"
            )
        return cls(label, period.first, period.last)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @classmethod
    def relative(cls, text: str, today: date) -> ReviewPeriod:
        """``this_year`` (the calendar year of ``today``), ``last_month`` (the whole month
        before ``today``'s), or a period as ``parse`` reads it."""
        if text == "this_year":
            return cls.parse(str(today.year))
        if text == "last_month":
            before = today.replace(day=1) - timedelta(days=1)
            return cls.parse(f"{before.year}-{before.month:02d}")
        return cls.parse(text)

    def not_yet_measured(self, today: date) -> str | None:
        """Why nothing in this period can have been measured by ``today``, or None: a period
        that starts after today has no readings, and evaluating it would only find their
        absence."""
        if self.first > today:
            return (
                f"period {self.label!r} starts after today ({today.isoformat()}): nothing in it "
                "can have been measured yet"
            )
        return None

    def measured_until(self, today: date) -> date:
        """The last day of the period that can have readings: today at the latest."""
        return min(self.last, today)


@dataclass(frozen=True)
class EvaluationContext:
    """Given to ``enms_evaluate``: everything a plugin may read, and nothing it may change."""

    plugin: str
    period: ReviewPeriod
    config: EnmsConfig
    store: Store
    settings: Mapping[str, Any] = field(default_factory=dict)
    #: the end of what can have been measured; a period reaching past it is cut here
    now: datetime = field(default_factory=lambda: datetime.now().astimezone())
    #: the management-system register, read through ``baseline`` and ``nonconformities``
    register: Register | None = None
    #: the reader's language and formats, for what a plugin writes itself (report sections)
    locale: Locale = field(default_factory=lambda: locale_for(Language.EN))

    def settings_as(self, model: type[SettingsModel]) -> SettingsModel:
        """The plugin's settings validated by ``model``; the ``ValueError`` names each wrong one
        by its place in the configuration (plugins.settings.<plugin>.<key>)."""
        try:
            return model.model_validate(dict(self.settings))
        except ValidationError as exc:
            raise ValueError(
                "; ".join(
                    f"plugins.settings.{self.plugin}.{'.'.join(str(p) for p in e['loc'])}: "
                    f"{e['msg']}"
                    for e in exc.errors()
                )
            ) from None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.config.portfolio.timezone)

    @property
    def today(self) -> date:
        """The day the evaluation stands on: today in the portfolio's time zone, or the
        period's last day where the period ended before it."""
        return self.period.measured_until(self.now.astimezone(self.zone).date())

    def baseline_versions(self) -> dict[str, int]:
        """Each EnPI's current baseline version, for those with one."""
        if self.register is None:
            return {}
        return self.register.current_versions(self.config.enpis)

    def window(self, period: ReviewPeriod | None = None) -> tuple[datetime, datetime]:
        """[start, end) of ``period`` (the review's by default) as instants: local midnights,
        the end cut at ``now``."""
        period = period or self.period
        start, end = local_days(period.first, period.last, self.zone)
        return start, min(end, self.now.astimezone(self.zone))

    def meters(self) -> list[tuple[Site, Meter]]:
        return self.config.meters()

    @staticmethod
    def main_field(meter: Meter) -> str:
        """The field a meter's own value is stored in: energy_kwh, volume_m3, temperature_c ..."""
        return schema.main_field(meter)[0]

    async def meter_readings(self, meter: Meter) -> RawSeries | None:
        """The stored values of a meter's main field in the period; None when it has none."""
        start, end = self.window()
        if end <= start:
            return None
        selector = SeriesSelector(Measurement.READINGS, self.main_field(meter), {"meter": meter.id})
        series = await self.store.raw(selector, start, end)
        series = [s for s in series if s.values.size]
        if not series:
            return None
        if len(series) == 1:
            return series[0]
        # a meter whose tags changed within the period: one series, in time order
        times = np.concatenate([s.times_ns for s in series])
        values = np.concatenate([s.values for s in series])
        order = np.argsort(times, kind="stable")
        return RawSeries({"meter": meter.id}, times[order], values[order])

    def enpi_meters(self, enpi: EnpiDefinition) -> list[Meter]:
        """The counters whose consumption an EnPI sums (its boundary)."""
        return boundary_meters(self.config, enpi)

    async def enpi_days(self, enpi: EnpiDefinition, first: date, last: date) -> DailySeries | None:
        """The EnPI's stored days from ``first`` to ``last`` (any days, not only the review's),
        against the newest baseline version stored for them; None when none are stored."""
        start, end = local_days(first, last, self.zone)
        selector = SeriesSelector(Measurement.ENPI, EnpiField.EXPECTED_KWH, {Tag.ENPI: enpi.id})
        stored = await self.store.raw(selector, start, end)
        versions = {int(s.tags["baseline_version"]) for s in stored if "baseline_version" in s.tags}
        if not versions:
            return None
        return await daily_series(
            self.store, self.config, enpi.id, version=max(versions), first=first, last=last
        )

    async def enpi_reporting_days(
        self, enpi: EnpiDefinition, first: date | None = None, last: date | None = None
    ) -> DailySeries | None:
        """The EnPI's stored days after its baseline period within ``first`` to ``last`` (the
        review period by default); None when not one of them is known."""
        first = max(first or self.period.first, enpi.baseline.last + timedelta(days=1))
        last = last or self.period.last
        if first > last:
            return None
        days = await self.enpi_days(enpi, first, last)
        return days if days is not None and days.known.any() else None

    def baseline(self, enpi: EnpiDefinition) -> EnergyBaseline | None:
        """The EnPI's adopted baseline (a frozen record), or None without one or a register."""
        return self.register.current(enpi.id) if self.register is not None else None

    def feedback(self, period: ReviewPeriod | None = None) -> list[Feedback]:
        """The users' feedback (synpunkter) received in ``period`` (default: the one evaluated),
        oldest first; none without a register."""
        chosen = period or self.period
        if self.register is None:
            return []
        return self.register.feedback(
            chosen.first, chosen.last, zone=self.config.portfolio.timezone
        )

    def targets(self) -> list[EnergyTarget]:
        """The energy targets: the configuration's and those recorded through the API."""
        recorded = self.register.recorded_targets() if self.register is not None else []
        return all_targets(self.config, recorded)

    def control_results(self, point: str) -> list[ControlResult]:
        """A manual control point's recorded results up to the period's end, oldest first."""
        if self.register is None:
            return []
        return self.register.control_results(point, until=self.period.last)

    def nonconformities(self) -> list[Nonconformity]:
        """Every nonconformity in the register with its lifecycle (frozen records)."""
        return self.register.nonconformities() if self.register is not None else []
