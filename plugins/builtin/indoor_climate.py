"""Indoor climate as a condition of energy performance: warm enough when people are there.

Saving energy by letting classrooms go cold is no improvement. For every building with indoor
temperature sensors, each sensor's hourly mean temperature in the occupied hours of the period
is compared with the band (20-23 °C by default, as Folkhälsomyndigheten's advice on indoor
temperature and most municipal service commitments have it): the share of sensor-hours within
it is reported per building, a deviation below ``min_share``. When the building's EnPIs show a
saving in the period while the share fell against the same period a year earlier, the saving is
flagged: it may have been bought with comfort.

Occupied hours come from the building's category (schools weekdays 07-17, elderly care always
...) unless the settings give a building or category its own.
"""

from __future__ import annotations

from datetime import date, datetime, time

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from core.config.models import Building, Medium, Meter
from core.i18n import Message, message
from core.schema import Measurement
from core.storage.points import Aggregate, Bucket, SeriesSelector
from energy.feedback import CHECKABLE
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

NAME = "indoor_climate"
FINDINGS = FindingMaker(
    NAME,
    Perspective.CUSTOMER,
    ("ISO 50001:2018 6.3", "ISO 50001:2018 9.1.1", "ISO 50006:2023 5.5"),
)
WEEKDAYS = (0, 1, 2, 3, 4)
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)


class Occupancy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: tuple[int, ...] = Field(WEEKDAYS, description="ISO weekdays less one: 0 is Monday")
    start: time = time(7, 0)
    end: time = time(17, 0)


#: occupied hours by building category, unless the settings say otherwise
DEFAULT_OCCUPANCY: dict[str, Occupancy] = {
    "school": Occupancy(),
    "preschool": Occupancy(start=time(6, 30), end=time(18, 0)),
    "office": Occupancy(start=time(7, 0), end=time(18, 0)),
    "elderly_care": Occupancy(days=EVERY_DAY, start=time(0, 0), end=time(23, 59)),
    "sports_hall": Occupancy(days=EVERY_DAY, start=time(7, 0), end=time(22, 0)),
}


class IndoorSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    low_c: float = Field(20.0, description="lowest comfortable temperature, °C")
    high_c: float = Field(23.0, description="highest comfortable temperature, °C")
    min_share: float = Field(0.9, ge=0, le=1, description="share of occupied hours in the band")
    worse_by: float = Field(
        0.05, ge=0, le=1, description="a fall of the share this large next to a saving is flagged"
    )
    occupancy: dict[str, Occupancy] = Field(
        default_factory=dict, description="occupied hours by building id or category"
    )


def occupancy_for(building: Building, settings: IndoorSettings) -> Occupancy:
    category = building.category.value
    return (
        settings.occupancy.get(building.id)
        or settings.occupancy.get(category)
        or DEFAULT_OCCUPANCY.get(category)
        or Occupancy()
    )


def occupied(starts: list[datetime], occupancy: Occupancy) -> np.ndarray:
    """Which hours (by their local start) fall in the occupied hours."""
    return np.array(
        [
            start.weekday() in occupancy.days and occupancy.start <= start.time() < occupancy.end
            for start in starts
        ],
        dtype=bool,
    )


async def band_share(
    context: EvaluationContext,
    sensors: list[Meter],
    period: ReviewPeriod,
    occupancy: Occupancy,
    settings: IndoorSettings,
) -> tuple[float, int, float] | None:
    """(share of occupied sensor-hours in the band, sensor-hours, share below it) or None."""
    start, end = context.window(period)
    if end <= start:
        return None
    selector = SeriesSelector(
        Measurement.READINGS, "temperature_c", {"meter": [m.id for m in sensors]}
    )
    series = await context.store.aggregate(
        selector, start, end, Bucket.HOUR, Aggregate.MEAN,
        tz=context.config.portfolio.timezone, group_by=("meter",),
    )  # fmt: skip
    inside = below = total = 0
    for one in series:
        mask = occupied(one.starts(), occupancy) & np.isfinite(one.values)
        values = one.values[mask]
        total += int(values.size)
        inside += int(((values >= settings.low_c) & (values <= settings.high_c)).sum())
        below += int((values < settings.low_c).sum())
    if total == 0:
        return None
    return inside / total, total, below / total


def _year_before(period: ReviewPeriod) -> ReviewPeriod:
    def back(day: date) -> date:
        try:
            return day.replace(year=day.year - 1)
        except ValueError:  # 29 February
            return day.replace(year=day.year - 1, day=28)

    return ReviewPeriod(f"{period.label} a year earlier", back(period.first), back(period.last))


async def _saving_pct(context: EvaluationContext, building: Building) -> float | None:
    """Improvement of the building's EnPIs over the period's reporting days, or None."""
    expected = avoided = 0.0
    for enpi in context.config.enpis:
        if enpi.building != building.id:
            continue
        days = await context.enpi_reporting_days(enpi)
        if days is None:
            continue
        e, actual, _ = days.totals()
        expected += e
        avoided += e - actual
    return 100 * avoided / expected if expected > 0 else None


def _finding(
    context: EvaluationContext,
    building: Building,
    key: str,
    title: Message,
    *,
    kind: Kind,
    severity: Severity,
    review_input: ReviewInput,
    metrics: dict[str, object],
    sensors: list[Meter],
) -> Finding:
    return FINDINGS.make(
        context.period,
        f"{key}.{building.id}",
        title,
        kind=kind,
        severity=severity,
        review_input=review_input,
        scope=Scope(level="building", id=building.id),
        metrics=metrics,
        measurement=Measurement.READINGS,
        query="readings.temperature_c, hourly mean per sensor, occupied hours, sensors "
        + ", ".join(m.id for m in sensors),
    )


async def judge(
    context: EvaluationContext, building: Building, sensors: list[Meter], settings: IndoorSettings
) -> list[Finding]:
    occupancy = occupancy_for(building, settings)
    now = await band_share(context, sensors, context.period, occupancy, settings)
    if now is None:
        return []
    share, hours, below = now
    band = {"low": settings.low_c, "high": settings.high_c}
    metrics: dict[str, object] = {
        "share_in_band": round(share, 4),
        "share_below": round(below, 4),
        "sensor_hours": hours,
        "band_c": [settings.low_c, settings.high_c],
        # the users' view beside the sensors' (synpunkter about the temperature, the feedback
        # plugin checks each one)
        "temperature_complaints": sum(
            f.building == building.id and f.category in CHECKABLE for f in context.feedback()
        ),
        "occupied": occupancy.model_dump(mode="json"),
    }
    low = share < settings.min_share
    found = [
        _finding(
            context, building, "indoor-band",
            message(
                "{building}: {share:pct1} of occupied hours within {low:n1}–{high:n1} °C",
                building=building.name, share=100 * share, **band,
            ),
            kind=Kind.DEVIATION if low else Kind.OBSERVATION,
            severity=Severity.MEDIUM if low else Severity.INFO,
            review_input=ReviewInput.MONITORING, metrics=metrics, sensors=sensors,
        )
    ]  # fmt: skip
    before = await band_share(context, sensors, _year_before(context.period), occupancy, settings)
    saving = await _saving_pct(context, building)
    if before is not None and saving is not None and saving > 0:
        fell = before[0] - share
        if fell >= settings.worse_by:
            found.append(
                _finding(
                    context, building, "saving-with-discomfort",
                    message(
                        "{building}: a {saving:pct1} saving while occupied hours within "
                        "{low:n1}–{high:n1} °C fell from {before:pct1} to {share:pct1}",
                        building=building.name, saving=saving, before=100 * before[0],
                        share=100 * share, **band,
                    ),
                    kind=Kind.DEVIATION, severity=Severity.HIGH,
                    review_input=ReviewInput.ENERGY_PERFORMANCE,
                    metrics={**metrics, "saving_pct": round(saving, 2),
                             "share_in_band_a_year_earlier": round(before[0], 4)},
                    sensors=sensors,
                )
            )  # fmt: skip
    return found


@hookimpl
async def enms_evaluate(context: EvaluationContext) -> list[Finding]:
    settings = context.settings_as(IndoorSettings)
    if settings.high_c <= settings.low_c:
        raise ValueError("plugins.settings.indoor_climate: high_c must be above low_c")
    sensors: dict[str, list[Meter]] = {}
    for _, meter in context.meters():
        if meter.medium is Medium.INDOOR_TEMPERATURE:
            sensors.setdefault(meter.building, []).append(meter)
    found: list[Finding] = []
    for _, building in context.config.buildings():
        if building.id in sensors:
            found += await judge(context, building, sensors[building.id], settings)
    return found
