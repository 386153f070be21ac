"""The durable spool: readings the store could not take yet, kept on disk in arrival order.

A row holds one batch of readings. Appending commits with a full sync, so a reading in the
spool survives ``kill -9`` and a power cut; rows leave the spool only after the store has
written them. When the spool reaches its size limit it either refuses new batches (the
default: nothing is ever discarded silently -- the writer reports every refused reading) or,
if the operator chose so, discards the oldest batches to make room.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from daemon.errors import EnmsError
from daemon.storage.points import Point

log = logging.getLogger(__name__)

WhenFull = Literal["refuse", "drop_oldest"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    readings INTEGER NOT NULL,
    body BLOB NOT NULL
);
"""


class SpoolError(EnmsError):
    """The spool file cannot be used (disk full, permissions, corruption)."""


def _encode(points: Sequence[Point]) -> bytes:
    rows = [[p.measurement, dict(p.tags), dict(p.fields), p.time_ns] for p in points]
    return json.dumps(rows, separators=(",", ":"), ensure_ascii=False).encode()


def _decode(body: bytes) -> list[Point]:
    return [Point(m, tags, fields, t) for m, tags, fields, t in json.loads(body)]


@dataclass(frozen=True, slots=True)
class SpooledBatch:
    seq: int
    points: list[Point]


class Spool:
    def __init__(self, path: Path, *, max_bytes: int, when_full: WhenFull = "refuse") -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.when_full = when_full
        self.dropped = 0  # readings discarded by drop_oldest
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # a spooled reading survives power loss
            self._db.executescript(_SCHEMA)
            readings, size = self._db.execute(
                "SELECT coalesce(sum(readings), 0), coalesce(sum(length(body)), 0) FROM batches"
            ).fetchone()
        except (OSError, sqlite3.Error) as exc:
            raise SpoolError(f"spool {path}: cannot open: {exc}") from exc
        self.readings = int(readings)
        self.bytes = int(size)
        if self.readings:
            log.info(
                "spool %s holds %d readings from before; they will be written", path, self.readings
            )

    def append(self, points: Sequence[Point]) -> bool:
        """Keep ``points`` durably; False if the spool is full and refuses them."""
        if not points:
            return True
        body = _encode(points)
        with self._lock:
            if self.bytes + len(body) > self.max_bytes and not self._make_room(len(body)):
                return False
            try:
                self._db.execute(
                    "INSERT INTO batches (readings, body) VALUES (?, ?)", (len(points), body)
                )
            except sqlite3.Error as exc:
                raise SpoolError(f"spool {self.path}: cannot write: {exc}") from exc
            self.readings += len(points)
            self.bytes += len(body)
        return True

    def _make_room(self, needed: int) -> bool:
        if self.when_full != "drop_oldest":
            return False
        while self.bytes + needed > self.max_bytes:
            row = self._db.execute(
                "SELECT seq, readings, length(body) FROM batches ORDER BY seq LIMIT 1"
            ).fetchone()
            if row is None:
                return False  # one batch larger than the whole spool
            self._db.execute("DELETE FROM batches WHERE seq = ?", (row[0],))
            self.readings -= row[1]
            self.bytes -= row[2]
            self.dropped += row[1]
            log.error(
                "spool full: discarded the oldest %d readings (spool.when_full: drop_oldest)",
                row[1],
            )
        return True

    def oldest(self, max_readings: int) -> list[SpooledBatch]:
        """The oldest batches, up to about ``max_readings`` readings (at least one batch)."""
        with self._lock:
            rows = self._db.execute("SELECT seq, readings, body FROM batches ORDER BY seq LIMIT 64")
            batches: list[SpooledBatch] = []
            total = 0
            for seq, readings, body in rows:
                if batches and total + readings > max_readings:
                    break
                batches.append(SpooledBatch(seq, _decode(body)))
                total += readings
            return batches

    def remove(self, batches: Sequence[SpooledBatch]) -> None:
        """Forget batches the store has written."""
        if not batches:
            return
        with self._lock:
            for batch in batches:
                row = self._db.execute(
                    "DELETE FROM batches WHERE seq = ? RETURNING readings, length(body)",
                    (batch.seq,),
                ).fetchone()
                if row is not None:
                    self.readings -= row[0]
                    self.bytes -= row[1]

    def close(self) -> None:
        with self._lock:
            self._db.close()
