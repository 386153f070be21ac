"""The data that crosses the storage contract: points in, series out."""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

FieldValue = float | int | bool | str
Int64Array = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Point:
    """One timestamped observation: identity in tags, values in fields (DESIGN §2)."""

    measurement: str
    tags: Mapping[str, str]
    fields: Mapping[str, FieldValue]
    time_ns: int


class Bucket(StrEnum):
    """Local-calendar aggregation periods."""

    HOUR = "hour"
    DAY = "day"
    WEEK = "week"  # ISO weeks, Monday 00:00 local time
    MONTH = "month"


class Aggregate(StrEnum):
    MEAN = "mean"
    SUM = "sum"
    MIN = "min"
    MAX = "max"
    COUNT = "count"
    LAST = "last"


@dataclass(frozen=True, slots=True)
class SeriesSelector:
    """Which numbers to read: a field of a measurement, narrowed by tags.

    A tag mapped to a sequence matches any of its values.
    """

    measurement: str
    field: str
    tags: Mapping[str, str | Sequence[str]] = dataclasses.field(default_factory=dict)

    def tag_values(self) -> dict[str, tuple[str, ...]]:
        return {
            key: (value,) if isinstance(value, str) else tuple(value)
            for key, value in self.tags.items()
        }


@dataclass(frozen=True, slots=True)
class RawSeries:
    """The stored values of one series (one tag set), oldest first."""

    tags: Mapping[str, str]
    times_ns: Int64Array
    values: FloatArray


@dataclass(frozen=True, slots=True)
class BucketSeries:
    """Values per local-calendar bucket for one group of series.

    ``starts_ns`` holds every bucket start (UTC epoch ns) of the requested range, with NaN
    values where a bucket holds no data, so series from different stores line up exactly.
    ``coverage`` (consumption from counters only) is the share of each bucket's time covered
    by valid meter intervals, 0..1.
    """

    tags: Mapping[str, str]
    starts_ns: Int64Array
    values: FloatArray
    counts: Int64Array
    tz: str
    coverage: FloatArray | None = None

    def starts(self) -> list[datetime]:
        """Bucket starts as aware datetimes in the bucket time zone."""
        zone = ZoneInfo(self.tz)
        return [datetime.fromtimestamp(int(ns) // 1_000_000_000, tz=zone) for ns in self.starts_ns]

    def __len__(self) -> int:
        return len(self.starts_ns)


@dataclass(frozen=True, slots=True)
class LatestPoint:
    """The newest point of one series, with every field it carried."""

    tags: Mapping[str, str]
    time_ns: int
    fields: Mapping[str, FieldValue]


def plain(value: object) -> FieldValue:
    """A field value as a plain Python value: NumPy scalars (np.float64, np.int64) included.

    NumPy 2 writes ``repr(np.float64(1.5))`` as ``np.float64(1.5)``, which no store can read.
    """
    if isinstance(value, bool | str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    raise TypeError(f"unsupported field type {type(value).__name__}")


def group_key(tags: Mapping[str, str], group_by: Sequence[str]) -> tuple[str, ...]:
    return tuple(tags.get(key, "") for key in group_by)
