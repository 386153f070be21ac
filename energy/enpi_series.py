"""Reading back the daily EnPI series `enms baseline run` writes (the ``enpi`` measurement).

The API's figures, its report and the plugins that judge energy performance all read the same
days: actual and expected consumption, the outdoor temperature, CUSUM on reporting days and
any non-routine adjustment, for one baseline version of each EnPI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from core.config.models import EnmsConfig
from core.schema import EnpiField, EnpiYearField, Measurement, Tag
from core.storage.buckets import local_days
from core.storage.contract import Store
from core.storage.points import FloatArray, RawSeries, SeriesSelector

#: the stored fields of an EnPI day that its series carry
FIELDS = (
    EnpiField.ACTUAL_KWH,
    EnpiField.EXPECTED_KWH,
    EnpiField.TEMPERATURE_C,
    EnpiField.CUSUM_KWH,
    EnpiField.ADJUSTMENT_KWH,
)


@dataclass(frozen=True)
class DailySeries:
    """Stored days of one EnPI against one baseline version; NaN where nothing is stored."""

    days: list[date]
    values: dict[str, FloatArray]

    def __getitem__(self, field: str) -> FloatArray:
        return self.values[field]

    @property
    def known(self) -> np.ndarray:
        return np.isfinite(self[EnpiField.ACTUAL_KWH]) & np.isfinite(self[EnpiField.EXPECTED_KWH])

    def totals(self) -> tuple[float, float, int]:
        """(expected kWh, actual kWh, days) over the days where both are known."""
        known = self.known
        expected = float(self["expected_kwh"][known].sum())
        return expected, float(self[EnpiField.ACTUAL_KWH][known].sum()), int(known.sum())


async def daily_series(
    store: Store, config: EnmsConfig, enpi: str, *, version: int, first: date, last: date
) -> DailySeries:
    found = await daily_series_many(store, config, {enpi: version}, first=first, last=last)
    return found[enpi]


async def daily_series_many(
    store: Store, config: EnmsConfig, versions: Mapping[str, int], *, first: date, last: date
) -> dict[str, DailySeries]:
    """The stored days of several EnPIs, each against its own baseline version: one query
    per field for all of them."""
    zone = ZoneInfo(config.portfolio.timezone)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    start, end = local_days(first, last, zone)
    start_ns = int(start.timestamp()) * 1_000_000_000
    values: dict[str, dict[str, FloatArray]] = {
        enpi: {f: np.full(len(days), np.nan) for f in FIELDS} for enpi in versions
    }
    for field in FIELDS:
        stored = await _of_versions(store, Measurement.ENPI, field, versions, start=start, end=end)
        for enpi, series in stored:
            # points stand at local midnight: the nearest whole day from the first one,
            # whatever the DST offset, is the day's index
            index = np.rint((series.times_ns - start_ns) / 86_400e9).astype(np.int64)
            inside = (index >= 0) & (index < len(days))
            values[enpi][field][index[inside]] = series.values[inside]
    return {enpi: DailySeries(days, columns) for enpi, columns in values.items()}


async def _of_versions(
    store: Store,
    measurement: Measurement,
    field: str,
    versions: Mapping[str, int],
    *,
    start: datetime,
    end: datetime,
) -> list[tuple[str, RawSeries]]:
    """(EnPI, series) of ``field`` for each EnPI, against its baseline version only."""
    selector = SeriesSelector(measurement, field, {Tag.ENPI: sorted(versions)})
    return [
        (enpi, series)
        for series in await store.raw(selector, start, end)
        if (enpi := series.tags.get(Tag.ENPI, "")) in versions
        and series.tags.get(Tag.BASELINE_VERSION) == str(versions[enpi])
    ]


async def enpi_years(
    store: Store, config: EnmsConfig, versions: Mapping[str, int]
) -> dict[str, dict[int, dict[str, float]]]:
    """The complete calendar years of several EnPIs, each against its baseline version (the
    ``enpi_year`` measurement): actual use, its heating part, degree days, kWh/m² and the
    normal-year corrected figures where the EnPI has a normal year. One query per field."""
    zone = ZoneInfo(config.portfolio.timezone)
    start, end = local_days(date(2000, 1, 1), date(2099, 12, 31), zone)
    found: dict[str, dict[int, dict[str, float]]] = {enpi: {} for enpi in versions}
    if not versions:
        return found
    for field in EnpiYearField:
        stored = await _of_versions(
            store, Measurement.ENPI_YEAR, field, versions, start=start, end=end
        )
        for enpi, series in stored:
            for time_ns, value in zip(
                series.times_ns.tolist(), series.values.tolist(), strict=True
            ):
                # a year's point stands at local midnight of its 1 January
                year = datetime.fromtimestamp(time_ns / 1e9, zone).year
                found[enpi].setdefault(year, {})[field.value] = float(value)
    return {enpi: dict(sorted(years.items())) for enpi, years in found.items()}
