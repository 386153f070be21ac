"""The management-system register: documented information ISO 50001 asks to retain.

Baseline versions and their non-routine adjustments, the decisions of the management review,
and nonconformities with every step of their lifecycle live here (targets join later).
History is only ever added: an adopted baseline is never edited, a revision adds the next
version and marks the previous one superseded, an adjustment or a decision is its own record,
and a nonconformity's row holds only its current status and last sighting -- each lifecycle
step is an event row of its own.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from baselines.versions import Adjustment, EnergyBaseline
from core.errors import EnmsError
from energy.nonconformities import Event, Nonconformity, Status, next_status
from energy.review_decisions import OutputCategory, ReviewDecision

_SCHEMA = """
CREATE TABLE IF NOT EXISTS baseline_versions (
    enpi TEXT NOT NULL,
    version INTEGER NOT NULL,
    adopted_at TEXT NOT NULL,
    superseded_at TEXT,
    record TEXT NOT NULL,      -- the EnergyBaseline as JSON, never changed
    PRIMARY KEY (enpi, version)
);
CREATE TABLE IF NOT EXISTS adjustments (
    enpi TEXT NOT NULL,
    version INTEGER NOT NULL,  -- the baseline version the adjustment applies to
    first TEXT NOT NULL,
    last TEXT NOT NULL,
    kwh REAL NOT NULL,
    reason TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS review_decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    period TEXT NOT NULL,      -- the review period, e.g. '2025'
    category TEXT NOT NULL,    -- energy.review_decisions.OutputCategory
    decision TEXT NOT NULL,
    owner TEXT,
    due TEXT,
    recorded_by TEXT NOT NULL, -- the API key's name
    recorded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS nonconformities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plugin TEXT NOT NULL,
    finding TEXT NOT NULL,     -- the finding's id; one not-closed row per (plugin, finding)
    title TEXT NOT NULL,
    severity TEXT NOT NULL,
    scope_level TEXT NOT NULL,
    scope_id TEXT,
    first_period TEXT NOT NULL,
    last_period TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    status TEXT NOT NULL,
    metrics TEXT NOT NULL      -- JSON, as last seen
);
CREATE TABLE IF NOT EXISTS nonconformity_events (
    nonconformity INTEGER NOT NULL REFERENCES nonconformities(id),
    status TEXT NOT NULL,
    note TEXT,
    effective INTEGER,
    by TEXT NOT NULL,
    at TEXT NOT NULL
);
"""


class RegisterError(EnmsError):
    """The register file cannot be used."""


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Register:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise RegisterError(f"register {path}: cannot open: {exc}") from exc

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction under the lock: committed when the block ends, rolled back
        on any exception (which then propagates; SQLite's own as ``RegisterError``)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except sqlite3.Error as exc:
                self._db.execute("ROLLBACK")
                raise RegisterError(f"register {self.path}: cannot record: {exc}") from exc
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def current(self, enpi: str) -> EnergyBaseline | None:
        """The adopted baseline of an EnPI that has not been superseded."""
        with self._lock:
            row = self._db.execute(
                "SELECT record FROM baseline_versions WHERE enpi = ? AND superseded_at IS NULL "
                "ORDER BY version DESC LIMIT 1",
                (enpi,),
            ).fetchone()
        if row is None:
            return None
        baseline = EnergyBaseline.from_json(row[0])
        return replace(baseline, adjustments=tuple(self.adjustments(enpi, baseline.version)))

    def adjustments(self, enpi: str, version: int) -> list[Adjustment]:
        with self._lock:
            rows = self._db.execute(
                "SELECT first, last, kwh, reason FROM adjustments WHERE enpi = ? AND version = ? "
                "ORDER BY rowid",
                (enpi, version),
            ).fetchall()
        return [
            Adjustment(date.fromisoformat(first), date.fromisoformat(last), kwh, reason)
            for first, last, kwh, reason in rows
        ]

    def add_adjustment(self, enpi: str, version: int, adjustment: Adjustment) -> None:
        """Record a non-routine adjustment (ISO 50015) to a baseline version's expectations."""
        with self._lock:
            self._db.execute(
                "INSERT INTO adjustments (enpi, version, first, last, kwh, reason, recorded_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    enpi,
                    version,
                    adjustment.first.isoformat(),
                    adjustment.last.isoformat(),
                    adjustment.kwh,
                    adjustment.reason,
                    now_text(),
                ),
            )

    def versions(self, enpi: str) -> list[EnergyBaseline]:
        with self._lock:
            rows = self._db.execute(
                "SELECT record FROM baseline_versions WHERE enpi = ? ORDER BY version", (enpi,)
            ).fetchall()
        return [EnergyBaseline.from_json(row[0]) for row in rows]

    def next_version(self, enpi: str) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT coalesce(max(version), 0) FROM baseline_versions WHERE enpi = ?", (enpi,)
            ).fetchone()
        return int(row[0]) + 1

    def adopt(self, baseline: EnergyBaseline) -> None:
        """Record a new version; the previous current one becomes superseded."""
        with self._transaction() as db:
            db.execute(
                "UPDATE baseline_versions SET superseded_at = ? "
                "WHERE enpi = ? AND superseded_at IS NULL",
                (baseline.adopted_at, baseline.enpi),
            )
            db.execute(
                "INSERT INTO baseline_versions (enpi, version, adopted_at, record) "
                "VALUES (?, ?, ?, ?)",
                (baseline.enpi, baseline.version, baseline.adopted_at, baseline.to_json()),
            )

    def add_decision(
        self,
        *,
        period: str,
        category: OutputCategory,
        decision: str,
        owner: str | None,
        due: date | None,
        recorded_by: str,
    ) -> ReviewDecision:
        """Record a decision of the management review; it is never edited afterwards."""
        recorded_at = now_text()
        with self._lock:
            try:
                cursor = self._db.execute(
                    "INSERT INTO review_decisions "
                    "(period, category, decision, owner, due, recorded_by, recorded_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (period, category.value, decision, owner,
                     due.isoformat() if due else None, recorded_by, recorded_at),
                )  # fmt: skip
            except sqlite3.Error as exc:
                raise RegisterError(f"register {self.path}: cannot record: {exc}") from exc
        assert cursor.lastrowid is not None
        return ReviewDecision(
            cursor.lastrowid, period, category, decision, owner, due, recorded_by, recorded_at
        )

    def decisions(self, period: str | None = None) -> list[ReviewDecision]:
        """Decisions of one review period, or of every review, oldest first."""
        query = "SELECT id, period, category, decision, owner, due, recorded_by, recorded_at "
        query += "FROM review_decisions"
        params: tuple[str, ...] = ()
        if period is not None:
            query, params = query + " WHERE period = ?", (period,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY id", params).fetchall()
        return [
            ReviewDecision(
                row[0], row[1], OutputCategory(row[2]), row[3], row[4],
                date.fromisoformat(row[5]) if row[5] else None, row[6], row[7],
            )
            for row in rows
        ]  # fmt: skip

    def record_nonconformity(
        self,
        *,
        plugin: str,
        finding: str,
        title: str,
        severity: str,
        scope: tuple[str, str | None],
        period: str,
        metrics: dict[str, Any],
    ) -> Nonconformity:
        """Open a nonconformity, or update the one about the same finding that is not closed."""
        now = now_text()
        record = json.dumps(metrics, default=str, allow_nan=False)
        with self._transaction() as db:
            row = db.execute(
                "SELECT id FROM nonconformities WHERE plugin = ? AND finding = ? "
                "AND status != 'closed'",
                (plugin, finding),
            ).fetchone()
            if row is None:
                cursor = db.execute(
                    "INSERT INTO nonconformities (plugin, finding, title, severity, "
                    "scope_level, scope_id, first_period, last_period, opened_at, "
                    "last_seen_at, status, metrics) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (plugin, finding, title, severity, scope[0], scope[1], period, period,
                     now, now, Status.OPEN.value, record),
                )  # fmt: skip
                ident = cursor.lastrowid
                db.execute(
                    "INSERT INTO nonconformity_events VALUES (?, ?, ?, ?, ?, ?)",
                    (ident, Status.OPEN.value, title, None, f"plugin {plugin}", now),
                )
            else:
                ident = row[0]
                db.execute(
                    "UPDATE nonconformities SET title = ?, severity = ?, last_period = ?, "
                    "last_seen_at = ?, metrics = ? WHERE id = ?",
                    (title, severity, period, now, record, ident),
                )
        assert ident is not None
        found = self.nonconformity(ident)
        assert found is not None
        return found

    def update_nonconformity(
        self, ident: int, *, status: Status, note: str | None, effective: bool | None, by: str
    ) -> Nonconformity:
        """Move a nonconformity along its lifecycle; ``LifecycleError`` if it may not."""
        with self._transaction() as db:
            row = db.execute("SELECT status FROM nonconformities WHERE id = ?", (ident,)).fetchone()
            if row is None:
                raise KeyError(ident)
            new = next_status(Status(row[0]), status, effective=effective)
            db.execute("UPDATE nonconformities SET status = ? WHERE id = ?", (new.value, ident))
            db.execute(
                "INSERT INTO nonconformity_events VALUES (?, ?, ?, ?, ?, ?)",
                (ident, status.value, note, effective, by, now_text()),
            )
        found = self.nonconformity(ident)
        assert found is not None
        return found

    def nonconformity(self, ident: int) -> Nonconformity | None:
        found = self.nonconformities(ident=ident)
        return found[0] if found else None

    def nonconformities(
        self, *, status: Status | None = None, ident: int | None = None
    ) -> list[Nonconformity]:
        """Nonconformities with their events, oldest first."""
        conditions, params = [], []
        if status is not None:
            conditions.append("n.status = ?")
            params.append(status.value)
        if ident is not None:
            conditions.append("n.id = ?")
            params.append(str(ident))
        where = " WHERE " + " AND ".join(conditions) if conditions else ""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, plugin, finding, title, severity, scope_level, scope_id, "
                "first_period, last_period, opened_at, last_seen_at, status, metrics "
                f"FROM nonconformities n{where} ORDER BY id",
                params,
            ).fetchall()
            events: dict[int, list[Event]] = {}
            for event in self._db.execute(  # the events of those nonconformities only
                "SELECT e.nonconformity, e.status, e.note, e.effective, e.by, e.at "
                "FROM nonconformity_events e JOIN nonconformities n ON n.id = e.nonconformity"
                f"{where} ORDER BY e.rowid",
                params,
            ):
                effective = None if event[3] is None else bool(event[3])
                events.setdefault(event[0], []).append(
                    Event(event[1], event[2], effective, event[4], event[5])
                )
        return [
            Nonconformity(
                id=row[0], plugin=row[1], finding=row[2], title=row[3], severity=row[4],
                scope_level=row[5], scope_id=row[6], first_period=row[7], last_period=row[8],
                opened_at=row[9], last_seen_at=row[10], status=Status(row[11]),
                metrics=json.loads(row[12]), events=tuple(events.get(row[0], ())),
            )
            for row in rows
        ]  # fmt: skip

    def close(self) -> None:
        with self._lock:
            self._db.close()
