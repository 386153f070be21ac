"""The storage contract every store fulfils, and the behaviour they share.

A store writes points and answers three kinds of question: the raw values of series, values
aggregated into local-calendar buckets, and consumption per bucket derived from cumulative
counters. The InfluxDB store and the embedded store implement the first two; the third is
built here on ``raw`` so both derive consumption the same way.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Self

import numpy as np

from baselines.counters import counter_intervals, distribute
from core.config.types import DEFAULT_TIME_ZONE
from core.storage.buckets import NS, bucket_grid
from core.storage.points import (
    Aggregate,
    Bucket,
    BucketSeries,
    LatestPoint,
    Point,
    RawSeries,
    SeriesSelector,
    group_key,
)

Instant = datetime | int
#: readings fetched beyond each end of a consumption query, so the intervals that straddle
#: the range's edges can be split between buckets (covers meters read once a day)
DEFAULT_MARGIN_NS = 2 * 86_400 * NS


def as_ns(instant: Instant) -> int:
    """Epoch nanoseconds of an aware datetime (naive datetimes are refused) or of an int."""
    if isinstance(instant, int | np.integer):
        return int(instant)
    if instant.tzinfo is None:
        raise ValueError(f"{instant.isoformat()} has no time zone; give an aware datetime")
    return int(instant.timestamp()) * NS + instant.microsecond * 1000


class Store(ABC):
    """Where readings and derived series live."""

    #: a short name for logs and health output
    kind: str = "store"

    @abstractmethod
    async def write(self, points: Sequence[Point]) -> int:
        """Store ``points``; return how many were written.

        A point with the same measurement, tags, field and time as a stored one replaces it,
        so writing the same reading twice (a retried batch, a replayed spool) stores it once.
        Raises ``StoreUnavailable`` when the store cannot be reached after retries and
        ``StoreRejected`` when it refuses the data.
        """

    @abstractmethod
    async def raw(self, selector: SeriesSelector, start: Instant, end: Instant) -> list[RawSeries]:
        """Numeric values of every series matching ``selector`` in [start, end), one per tag set."""

    @abstractmethod
    async def aggregate(
        self,
        selector: SeriesSelector,
        start: Instant,
        end: Instant,
        bucket: Bucket,
        agg: Aggregate,
        *,
        tz: str = DEFAULT_TIME_ZONE,
        group_by: Sequence[str] = (),
    ) -> list[BucketSeries]:
        """Aggregate matching values into local-calendar buckets, one series per group."""

    @abstractmethod
    async def latest(
        self, measurement: str, start: Instant, tags: Mapping[str, str] | None = None
    ) -> list[LatestPoint]:
        """The newest point since ``start`` of every series of ``measurement`` matching ``tags``."""

    @abstractmethod
    async def ping(self) -> None:
        """Raise ``StoreUnavailable`` unless the store answers."""

    async def close(self) -> None:  # noqa: B027 - optional hook with nothing to do by default
        """Release connections and files."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def counter_consumption(
        self,
        selector: SeriesSelector,
        start: Instant,
        end: Instant,
        bucket: Bucket,
        *,
        tz: str = DEFAULT_TIME_ZONE,
        group_by: Sequence[str] = (),
        rollover_at: float | None = None,
        max_rate_per_h: float | None = None,
        margin_ns: int = DEFAULT_MARGIN_NS,
    ) -> list[BucketSeries]:
        """Consumption per bucket derived from cumulative counters, summed per group.

        Each series (meter) is differenced on its own, resets and replacements handled as in
        ``baselines.counters``; an interval that straddles a bucket boundary is split in
        proportion to time. ``coverage`` tells how much of each bucket was known, and
        ``counts`` how many series (meters) each group sums.
        """
        start_ns, end_ns = as_ns(start), as_ns(end)
        bounds = bucket_grid(start_ns, end_ns, bucket, tz)
        series = await self.raw(selector, int(bounds[0]) - margin_ns, int(bounds[-1]) + margin_ns)
        # Like ``aggregate``, count only what falls inside [start, end), labelled by bucket.
        clipped = bounds.copy()
        clipped[0], clipped[-1] = max(bounds[0], start_ns), min(bounds[-1], end_ns)
        groups: dict[tuple[str, ...], list[RawSeries]] = defaultdict(list)
        for one in series:
            groups[group_key(one.tags, group_by)].append(one)
        result = []
        for key in sorted(groups):
            members = groups[key]
            values = np.zeros(len(bounds) - 1)
            known = np.zeros(len(bounds) - 1, dtype=bool)
            coverage = np.zeros(len(bounds) - 1)
            for member in members:
                intervals = counter_intervals(
                    member.times_ns,
                    member.values,
                    rollover_at=rollover_at,
                    max_rate_per_h=max_rate_per_h,
                )
                part, part_coverage = distribute(intervals, clipped)
                present = ~np.isnan(part)
                values[present] += part[present]
                known |= present
                coverage += part_coverage
            values[~known] = np.nan
            result.append(
                BucketSeries(
                    tags=dict(zip(group_by, key, strict=True)),
                    starts_ns=bounds[:-1].copy(),
                    values=values,
                    counts=np.full(len(bounds) - 1, len(members), dtype=np.int64),
                    tz=tz,
                    coverage=coverage / len(members),
                )
            )
        return result
