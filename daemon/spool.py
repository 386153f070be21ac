"""The durable spool: readings the store could not take yet, kept on disk in arrival order.

A row holds one batch of readings. Appending commits with a full sync, so a reading in the
spool survives ``kill -9`` and a power cut; rows leave the spool only after the store has
written them. When the spool reaches its size limit it either refuses new batches (the
default: nothing is ever discarded silently -- the writer reports every refused reading) or,
if the operator chose so, discards the oldest batches to make room.

The spool uses SQLite's rollback journal, not its write-ahead log: a committed batch lives in
the main file, so a lost or truncated side file can only undo a batch that was never reported
durable. Damage is data, not a reason to stop: at start the file is checked; a damaged file
is moved aside, every batch still readable is carried into a fresh spool, and the count of
what could not be read is logged as an ERROR naming the moved file. A row that cannot be
decoded is quarantined -- appended to ``<spool>.quarantine.jsonl`` with its raw body --
and counted, and the batches after it are written as usual.
"""

from __future__ import annotations

import base64
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from core.errors import EnmsError
from core.storage.points import Point

log = logging.getLogger(__name__)

WhenFull = Literal["refuse", "drop_oldest"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    readings INTEGER NOT NULL,
    body BLOB NOT NULL
);
"""
#: the most row look-ups spent salvaging a damaged file (one per sequence number)
MAX_SALVAGE_LOOKUPS = 10_000_000


class SpoolError(EnmsError):
    """The spool file cannot be used (disk full, permissions)."""


def _encode(points: Sequence[Point]) -> bytes:
    rows = [[p.measurement, dict(p.tags), dict(p.fields), p.time_ns] for p in points]
    return json.dumps(rows, separators=(",", ":"), ensure_ascii=False).encode()


def _decode(body: bytes) -> list[Point]:
    """A row's readings; ValueError (or TypeError) if the row is damaged."""
    points = []
    for measurement, tags, fields, time_ns in json.loads(body):
        if not (
            isinstance(measurement, str)
            and isinstance(tags, dict)
            and isinstance(fields, dict)
            and type(time_ns) is int
        ):
            raise ValueError("a reading of the wrong shape")
        points.append(Point(measurement, tags, fields, time_ns))
    return points


@dataclass(frozen=True, slots=True)
class SpooledBatch:
    seq: int
    points: list[Point]


@dataclass(frozen=True, slots=True)
class Salvage:
    """What opening a damaged spool found: where the damaged file went, what was carried."""

    moved_to: Path
    batches: int
    readings: int
    lost_rows: int


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=DELETE")
    db.execute("PRAGMA synchronous=FULL")  # a spooled reading survives power loss
    db.execute("PRAGMA busy_timeout=5000")
    return db


def _healthy(path: Path) -> bool:
    """True when the file opens as the spool and SQLite's quick check passes."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            (verdict,) = db.execute("PRAGMA quick_check").fetchone()
            db.execute("SELECT count(*) FROM batches").fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return False
    return bool(verdict == "ok")


def _readable_rows(path: Path) -> Iterator[tuple[int, int, bytes]]:
    """Every (seq, readings, body) that can still be read from a damaged file, in order."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return
    last = 0
    try:
        try:
            for seq, readings, body in db.execute(
                "SELECT seq, readings, body FROM batches ORDER BY seq"
            ):
                last = seq
                yield seq, readings, body
            return
        except sqlite3.Error:
            pass  # a damaged page: go on row by row past it
        try:
            (highest,) = db.execute("SELECT max(seq) FROM sqlite_sequence").fetchone()
        except sqlite3.Error:
            return
        for seq in range(last + 1, min(int(highest or 0), last + MAX_SALVAGE_LOOKUPS) + 1):
            try:
                row = db.execute(
                    "SELECT seq, readings, body FROM batches WHERE seq = ?", (seq,)
                ).fetchone()
            except sqlite3.Error:
                continue
            if row is not None:
                yield row
    finally:
        db.close()


class Spool:
    def __init__(self, path: Path, *, max_bytes: int, when_full: WhenFull = "refuse") -> None:
        self.path = path
        self.quarantine_path = path.with_name(path.name + ".quarantine.jsonl")
        self.max_bytes = max_bytes
        self.when_full = when_full
        self.dropped = 0  # readings discarded by drop_oldest
        self.quarantined = 0  # rows that could not be decoded, kept aside in quarantine_path
        self.salvage: Salvage | None = None
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists() and not _healthy(path):
                self.salvage = self._move_aside_and_salvage()
            else:
                self._db = self._open()
            readings, size = self._db.execute(
                "SELECT coalesce(sum(readings), 0), coalesce(sum(length(body)), 0) FROM batches"
            ).fetchone()
        except (OSError, sqlite3.Error) as exc:
            raise SpoolError(
                f"spool {path} cannot be used ({exc}); free disk space or fix the folder's "
                f"permissions, or set daemon.spool.path to another place"
            ) from exc
        self.readings = int(readings)
        self.bytes = int(size)
        if self.readings:
            log.info(
                "spool %s holds %d readings from before; they will be written", path, self.readings
            )

    def _open(self) -> sqlite3.Connection:
        db = _connect(self.path)
        db.executescript(_SCHEMA)
        return db

    def _move_aside_and_salvage(self) -> Salvage:
        stamp = time.strftime("%Y%m%dT%H%M%S")
        moved = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        self.path.rename(moved)
        for suffix in ("-journal", "-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                side.rename(moved.with_name(moved.name + suffix))
        self._db = self._open()
        batches = readings = lost = 0
        self._db.execute("BEGIN IMMEDIATE")
        for seq, stored_count, body in _readable_rows(moved):
            try:
                count = len(_decode(body))  # the row's own count may be damaged too
            except (ValueError, TypeError):
                self._quarantine(seq, stored_count, body, "undecodable row in a damaged spool")
                lost += 1
                continue
            self._db.execute("INSERT INTO batches (readings, body) VALUES (?, ?)", (count, body))
            batches += 1
            readings += count
        self._db.execute("COMMIT")
        log.error(
            "spool %s was damaged: moved to %s; %d batches (%d readings) salvaged into a new "
            "spool and will be written; %d undecodable rows quarantined to %s. Rows on damaged "
            "pages cannot be read at all: compare the counts with the metrics before the "
            "damage.",
            self.path,
            moved,
            batches,
            readings,
            lost,
            self.quarantine_path,
        )
        return Salvage(moved, batches, readings, lost)

    def _quarantine(self, seq: int, readings: int, body: bytes, why: str) -> None:
        """Keep a row that cannot be decoded, raw, in the quarantine file (JSON lines)."""
        entry = {
            "seq": seq,
            "readings": readings,
            "why": why,
            "body_base64": base64.b64encode(bytes(body)).decode(),
            "quarantined_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        with self.quarantine_path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(entry) + "\n")
        self.quarantined += 1

    def append(self, points: Sequence[Point]) -> bool:
        """Keep ``points`` durably; False if the spool is full and refuses them.

        Raises ``SpoolError`` when the disk refuses the write (full, read-only): the caller
        keeps the readings in memory and tries again later.
        """
        if not points:
            return True
        body = _encode(points)
        with self._lock:
            try:
                if self.bytes + len(body) > self.max_bytes and not self._make_room(len(body)):
                    return False
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
        """The oldest batches, up to about ``max_readings`` readings (at least one batch).

        A row that cannot be decoded is quarantined and left out (an ERROR names the file).
        """
        with self._lock:
            try:
                rows = self._db.execute(
                    "SELECT seq, readings, body FROM batches ORDER BY seq LIMIT 64"
                ).fetchall()
            except sqlite3.Error as exc:
                raise SpoolError(f"spool {self.path}: cannot read: {exc}") from exc
            batches: list[SpooledBatch] = []
            total = 0
            for seq, readings, body in rows:
                if batches and total + readings > max_readings:
                    break
                try:
                    points = _decode(body)
                except (ValueError, TypeError):
                    self._set_aside(seq, readings, body)
                    continue
                batches.append(SpooledBatch(seq, points))
                total += readings
            return batches

    def _set_aside(self, seq: int, readings: int, body: bytes) -> None:
        try:
            self._quarantine(seq, readings, body, "undecodable row")
        except OSError as exc:
            raise SpoolError(f"cannot quarantine a damaged spool row: {exc}") from exc
        self._forget(seq)
        log.error(
            "spool row %d (%d readings) cannot be decoded: quarantined to %s (%d rows so far); "
            "the other spooled readings are written as usual",
            seq,
            readings,
            self.quarantine_path,
            self.quarantined,
        )

    def remove(self, batches: Sequence[SpooledBatch]) -> None:
        """Forget batches the store has written."""
        if not batches:
            return
        with self._lock:
            for batch in batches:
                self._forget(batch.seq)

    def _forget(self, seq: int) -> None:
        try:
            row = self._db.execute(
                "DELETE FROM batches WHERE seq = ? RETURNING readings, length(body)", (seq,)
            ).fetchone()
        except sqlite3.Error as exc:
            raise SpoolError(f"spool {self.path}: cannot remove a written batch: {exc}") from exc
        if row is not None:
            self.readings -= row[0]
            self.bytes -= row[1]

    def close(self) -> None:
        with self._lock:
            self._db.close()
