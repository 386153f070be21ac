"""Jämförelser: each building's kWh/m² Atemp over a year against its category and a reference.

The kWh are the review's: every kWh carrier of the building's main meters, each kWh once
(``building_kwh``). Where a building's EnPIs have a normal year, their heating part is
normal-year corrected (their ``enpi_year`` figures replace their actual use). Within each
category the buildings are ranked; the kWh at stake is what a building would save at the
category's median, and at the reference value where one is configured.
"""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from core.config.comparisons import ReferenceValue
from core.config.models import EnmsConfig
from core.config.portfolio import BuildingCategory
from core.schema import ReadingField, Tag
from core.storage.buckets import local_days
from core.storage.contract import Store
from core.storage.points import Bucket
from energy.consumption import consuming_meters, consumption, counted_once_fields
from energy.enpi_series import enpi_years


async def building_months(
    store: Store, config: EnmsConfig, start: datetime, end: datetime
) -> dict[str, np.ndarray]:
    """kWh per local month of every kWh carrier of each building's meters in [start, end),
    each kWh once (sub-meters of a meter among them left out); NaN for a month without data."""
    kwh_fields = (ReadingField.ENERGY_KWH, ReadingField.ENERGY_DELTA_KWH)
    meters = counted_once_fields(
        config, [m for m in consuming_meters(config) if m[2] in kwh_fields]
    )
    found = await consumption(
        store, config, meters, start, end, bucket=Bucket.MONTH, group_by=("building",)
    )
    return {
        one.series.tags.get(Tag.BUILDING, ""): one.series.values
        for one in found
        if one.unit == "kWh"
    }


async def building_kwh(
    store: Store, config: EnmsConfig, start: datetime, end: datetime
) -> dict[str, float]:
    """kWh of each building in [start, end), as ``building_months`` counts them."""
    months = await building_months(store, config, start, end)
    return {building: float(np.nansum(values)) for building, values in months.items()}


@dataclass(frozen=True)
class Compared:
    building: str
    name: str
    category: BuildingCategory
    atemp_m2: float
    kwh: float
    kwh_per_m2: float
    corrected_kwh_per_m2: float  # normal-year corrected where the EnPIs allow
    corrected: bool
    rank: int  # 1: the lowest kWh/m² of its category
    of: int
    category_median: float
    reference: ReferenceValue | None

    @property
    def at_stake_to_median_kwh(self) -> float:
        return max(0.0, (self.corrected_kwh_per_m2 - self.category_median) * self.atemp_m2)

    @property
    def at_stake_to_reference_kwh(self) -> float | None:
        if self.reference is None:
            return None
        return max(0.0, (self.corrected_kwh_per_m2 - self.reference.kwh_per_m2) * self.atemp_m2)


def read_references(text: str) -> tuple[list[ReferenceValue], list[tuple[int, str]]]:
    """Reference values from CSV text; (line, what is wrong) for rows that cannot be used."""
    body = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    first = body.split("\n", 1)[0]
    reader = csv.DictReader(
        io.StringIO(body, newline=""), delimiter=";" if ";" in first else ",", strict=True
    )
    found: list[ReferenceValue] = []
    problems: list[tuple[int, str]] = []
    try:
        for line, row in enumerate(reader, start=2):
            try:
                number = (row.get("kwh_per_m2") or "").strip().replace(",", ".")
                found.append(
                    ReferenceValue(
                        category=BuildingCategory((row.get("category") or "").strip()),
                        kwh_per_m2=float(number),
                        source=(row.get("source") or "").strip(),
                    )
                )
            except ValueError as exc:  # also pydantic's ValidationError
                problems.append((line, str(exc).splitlines()[0]))
    except csv.Error as exc:
        problems.append((reader.line_num, f"not CSV: {exc}"))
    return found, problems


def references_of(
    config: EnmsConfig,
) -> tuple[dict[BuildingCategory, ReferenceValue], list[str]]:
    """The configured reference values, those of ``reference_file`` after them (a category
    given in both: the file's); and what could not be read, as sentences."""
    chosen = {ref.category: ref for ref in config.comparisons.references}
    path = config.comparisons.reference_file  # relative to the configuration file when loaded
    if path is None:
        return chosen, []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return chosen, [f"{path}: {exc}"]
    values, problems = read_references(text)
    chosen |= {ref.category: ref for ref in values}
    return chosen, [f"{path}:{line}: {problem}" for line, problem in problems]


async def compare(
    store: Store,
    config: EnmsConfig,
    first: date,
    last: date,
    *,
    references: dict[BuildingCategory, ReferenceValue],
    versions: dict[str, int],
) -> list[Compared]:
    """Every building with data in each month of ``first``..``last``, by category, lowest
    kWh/m² first. A calendar year is normal-year corrected where the EnPIs allow; kWh/m² of
    another span is as measured (compare twelve months with yearly references)."""
    start, end = local_days(first, last, config.portfolio.timezone)
    months = await building_months(store, config, start, end)
    kwh = {b: float(v.sum()) for b, v in months.items() if v.size and np.isfinite(v).all()}
    correction: dict[str, float] = {}
    if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31) and first.year == last.year:
        years = await enpi_years(store, config, versions)
        for enpi in config.enpis:
            figures = years.get(enpi.id, {}).get(first.year, {})
            corrected = figures.get("normal_year_corrected_kwh")
            if enpi.building and enpi.seu is None and corrected is not None:
                actual = figures.get("actual_kwh", corrected)
                correction[enpi.building] = correction.get(enpi.building, 0.0) + corrected - actual
    rows: list[Compared] = []
    buildings = [b for _, b in config.buildings() if kwh.get(b.id)]
    for category in sorted({b.category for b in buildings}):
        mine = [b for b in buildings if b.category is category]
        per_m2 = {b.id: (kwh[b.id] + correction.get(b.id, 0.0)) / b.atemp_m2 for b in mine}
        median = statistics.median(per_m2.values())
        ordered = sorted(mine, key=lambda b: per_m2[b.id])
        for rank, b in enumerate(ordered, start=1):
            rows.append(
                Compared(
                    building=b.id, name=b.name, category=category, atemp_m2=b.atemp_m2,
                    kwh=kwh[b.id], kwh_per_m2=kwh[b.id] / b.atemp_m2,
                    corrected_kwh_per_m2=per_m2[b.id], corrected=b.id in correction,
                    rank=rank, of=len(mine), category_median=median,
                    reference=references.get(category),
                )
            )  # fmt: skip
    return rows
