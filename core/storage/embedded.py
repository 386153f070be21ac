"""The embedded store: one SQLite file, no server, the same contract as InfluxDB.

For the demo and for small sites. SQLite's own locking lets the daemon and the API share the
file from separate processes (WAL mode). Calls run in a worker thread so the event loop that
collects readings never waits on the disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import math
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from core.config.types import DEFAULT_TIME_ZONE
from core.errors import InvalidPoint, StoreUnavailable
from core.storage.buckets import bucket_grid, reduce_sorted
from core.storage.contract import Instant, Store, as_ns
from core.storage.points import (
    Aggregate,
    Bucket,
    BucketSeries,
    FieldValue,
    LatestPoint,
    Point,
    RawSeries,
    SeriesSelector,
    group_key,
    plain,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY,
    measurement TEXT NOT NULL,
    tags TEXT NOT NULL,            -- canonical JSON of the tag set, keys sorted
    UNIQUE (measurement, tags)
);
CREATE TABLE IF NOT EXISTS points (
    series_id INTEGER NOT NULL REFERENCES series(id),
    field TEXT NOT NULL,
    time_ns INTEGER NOT NULL,
    value ANY,
    PRIMARY KEY (series_id, field, time_ns)
) WITHOUT ROWID, STRICT;
"""

TagsKey = tuple[tuple[str, str], ...]


# Booleans are stored as one-byte blobs: as integers they would read back as 1/0 and count
# as numbers, which they are not in InfluxDB either.
_TRUE, _FALSE = b"\x01", b"\x00"


def _to_column(point: Point, key: str, value: FieldValue) -> float | int | str | bytes:
    if type(value) is not float:  # the common case stays fast; the rest is made plain
        try:
            value = plain(value)
        except TypeError:
            raise InvalidPoint(
                f"field {key!r} has unsupported type {type(value).__name__}"
            ) from None
    if isinstance(value, bool):
        return _TRUE if value else _FALSE
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidPoint(f"field {key!r} of {point.measurement!r} is {value}; not a number")
    if not isinstance(value, float | int | str):
        raise InvalidPoint(f"field {key!r} has unsupported type {type(value).__name__}")
    return value


def _from_column(value: float | int | str | bytes) -> FieldValue:
    return value == _TRUE if isinstance(value, bytes) else value


class EmbeddedStore(Store):
    kind = "embedded"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=10000")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailable(f"embedded store {self.path}: cannot open: {exc}") from exc
        self._lock = threading.Lock()
        self._series: dict[tuple[str, TagsKey], int] = {}
        self._load_series()

    def _load_series(self) -> None:
        """Read series rows not yet known: other processes (the daemon, the CLI) add series."""
        known = max(self._series.values(), default=0)
        for series_id, measurement, tags in self._db.execute(
            "SELECT id, measurement, tags FROM series WHERE id > ?", (known,)
        ):
            self._series[(measurement, tuple(sorted(json.loads(tags).items())))] = series_id

    # --------------------------------------------------------------- writing
    def _series_id(self, measurement: str, tags: TagsKey) -> int:
        key = (measurement, tags)
        series_id = self._series.get(key)
        if series_id is None:
            cursor = self._db.execute(
                "INSERT INTO series (measurement, tags) VALUES (?, ?) "
                "ON CONFLICT (measurement, tags) DO UPDATE SET tags = excluded.tags RETURNING id",
                (measurement, json.dumps(dict(tags), sort_keys=True, ensure_ascii=False)),
            )
            series_id = int(cursor.fetchone()[0])
            self._series[key] = series_id
        return series_id

    def _write(self, points: Sequence[Point]) -> int:
        rows = []
        rejected: list[tuple[object, str]] = []
        for point in points:
            try:
                if not point.fields:
                    raise InvalidPoint(f"point of {point.measurement!r} has no fields")
                tags = tuple(sorted((k, v) for k, v in point.tags.items() if v != ""))
                rows += [
                    (point.measurement, tags, key, point.time_ns, _to_column(point, key, value))
                    for key, value in point.fields.items()
                ]
            except InvalidPoint as exc:
                rejected.append((point, str(exc)))
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(
                    "INSERT OR REPLACE INTO points (series_id, field, time_ns, value) "
                    "VALUES (?, ?, ?, ?)",
                    (
                        (self._series_id(measurement, tags), key, time_ns, value)
                        for measurement, tags, key, time_ns, value in rows
                    ),
                )
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                # BEGIN itself fails when another process holds the lock past busy_timeout:
                # then there is no transaction to roll back
                with contextlib.suppress(sqlite3.Error):
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                self._series.clear()  # ids created in the rolled-back transaction are gone
                with contextlib.suppress(sqlite3.Error):
                    self._load_series()  # or on the next write, once the file answers again
                raise StoreUnavailable(f"embedded store {self.path}: write failed: {exc}") from exc
        written = len(points) - len(rejected)
        if rejected:
            raise InvalidPoint.after_write(written, list(rejected))
        return written

    async def write(self, points: Sequence[Point]) -> int:
        return await asyncio.to_thread(self._write, points)

    # --------------------------------------------------------------- reading
    def _matching(self, selector: SeriesSelector) -> list[tuple[int, dict[str, str]]]:
        self._load_series()
        wanted = selector.tag_values()
        matches = []
        for (measurement, tags_key), series_id in self._series.items():
            if measurement != selector.measurement:
                continue
            tags = dict(tags_key)
            if all(tags.get(key, "") in values for key, values in wanted.items()):
                matches.append((series_id, tags))
        return matches

    def _raw(self, selector: SeriesSelector, start_ns: int, end_ns: int) -> list[RawSeries]:
        result = []
        with self._lock:
            for series_id, tags in sorted(
                self._matching(selector), key=lambda m: sorted(m[1].items())
            ):
                rows = self._db.execute(
                    "SELECT time_ns, value FROM points WHERE series_id = ? AND field = ? "
                    "AND time_ns >= ? AND time_ns < ? AND typeof(value) IN ('integer', 'real') "
                    "ORDER BY time_ns",
                    (series_id, selector.field, start_ns, end_ns),
                ).fetchall()
                if rows:
                    times = np.fromiter((row[0] for row in rows), np.int64, len(rows))
                    values = np.fromiter((row[1] for row in rows), np.float64, len(rows))
                    result.append(RawSeries(tags, times, values))
        return result

    async def raw(self, selector: SeriesSelector, start: Instant, end: Instant) -> list[RawSeries]:
        return await asyncio.to_thread(self._raw, selector, as_ns(start), as_ns(end))

    def _aggregate(
        self,
        selector: SeriesSelector,
        start_ns: int,
        end_ns: int,
        *,
        bucket: Bucket,
        agg: Aggregate,
        tz: str,
        group_by: Sequence[str],
    ) -> list[BucketSeries]:
        bounds = bucket_grid(start_ns, end_ns, bucket, tz)
        groups: dict[tuple[str, ...], list[RawSeries]] = defaultdict(list)
        for series in self._raw(selector, start_ns, end_ns):
            groups[group_key(series.tags, group_by)].append(series)
        result = []
        for key in sorted(groups):
            members = groups[key]
            times = np.concatenate([m.times_ns for m in members])
            values = np.concatenate([m.values for m in members])
            order = np.argsort(times, kind="stable")
            reduced, counts = reduce_sorted(times[order], values[order], bounds, agg)
            result.append(
                BucketSeries(
                    tags=dict(zip(group_by, key, strict=True)),
                    starts_ns=bounds[:-1].copy(),
                    values=reduced,
                    counts=counts,
                    tz=tz,
                )
            )
        return result

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
        return await asyncio.to_thread(
            functools.partial(
                self._aggregate,
                selector,
                as_ns(start),
                as_ns(end),
                bucket=bucket,
                agg=agg,
                tz=tz,
                group_by=tuple(group_by),
            )
        )

    def _latest(
        self, measurement: str, start_ns: int, tags: Mapping[str, str]
    ) -> list[LatestPoint]:
        selector = SeriesSelector(measurement, "", dict(tags))
        result = []
        with self._lock:
            for series_id, series_tags in self._matching(selector):
                row = self._db.execute(
                    "SELECT max(time_ns) FROM points WHERE series_id = ? AND time_ns >= ?",
                    (series_id, start_ns),
                ).fetchone()
                if row[0] is None:
                    continue
                fields = {
                    name: _from_column(value)
                    for name, value in self._db.execute(
                        "SELECT field, value FROM points WHERE series_id = ? AND time_ns = ?",
                        (series_id, row[0]),
                    )
                }
                result.append(LatestPoint(series_tags, int(row[0]), fields))
        result.sort(key=lambda p: sorted(p.tags.items()))
        return result

    async def latest(
        self, measurement: str, start: Instant, tags: Mapping[str, str] | None = None
    ) -> list[LatestPoint]:
        return await asyncio.to_thread(self._latest, measurement, as_ns(start), dict(tags or {}))

    async def ping(self) -> None:
        def check() -> None:
            with self._lock:
                self._db.execute("SELECT 1").fetchone()

        try:
            await asyncio.to_thread(check)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"embedded store {self.path}: {exc}") from exc

    async def close(self) -> None:
        with self._lock:
            self._db.close()
