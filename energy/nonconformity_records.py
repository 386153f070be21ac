"""The register's nonconformities (ISO 50001:2018 10.1): opened and updated by recorded
evaluations, assigned an owner and a due date, taken through their lifecycle by people, and
closed only once the data show the correction worked.

``Register`` (``energy.register``) holds the database; this part of it keeps the
nonconformities, their events and the log of recorded evaluations that verification reads.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

from energy.nonconformities import Event, LifecycleError, Nonconformity, Status, next_status

SCHEMA = """
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
CREATE TABLE IF NOT EXISTS recorded_evaluations (
    period TEXT NOT NULL,
    at TEXT NOT NULL
);
"""
#: columns added after the first release: (name, SQL type); added to older registers on open
_ADDED = (("owner", "TEXT"), ("due", "TEXT"), ("action_plan", "TEXT"))
ASSIGNED = "assigned"  # the event of a change of owner, due date or action plan


_last_now = datetime.min.replace(tzinfo=UTC)


def _now() -> str:
    """Now, to the microsecond and strictly after the previous call: what happened first in
    this process sorts first, which verification compares."""
    global _last_now  # noqa: PLW0603 -- one clock per process
    now = max(datetime.now().astimezone(), _last_now + timedelta(microseconds=1))
    _last_now = now
    return now.isoformat(timespec="microseconds")


class NonconformityRecords:
    """The nonconformity part of the register; ``Register`` provides the connection."""

    _db: sqlite3.Connection
    _lock: threading.Lock

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError  # Register's

    def _migrate_nonconformities(self) -> None:
        self._db.executescript(SCHEMA)
        present = {row[1] for row in self._db.execute("PRAGMA table_info(nonconformities)")}
        for name, kind in _ADDED:
            if name not in present:
                self._db.execute(f"ALTER TABLE nonconformities ADD COLUMN {name} {kind}")

    def record_evaluation(self, period: str) -> None:
        """Note that an evaluation of ``period`` was recorded now: verification reads it."""
        with self._lock:
            self._db.execute("INSERT INTO recorded_evaluations VALUES (?, ?)", (period, _now()))

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
        owner: str | None = None,
        due: str | None = None,
    ) -> Nonconformity:
        """Open a nonconformity (with ``owner`` and ``due``), or update the one about the same
        finding that is not closed -- its owner and due date stay as people set them."""
        now = _now()
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
                    "last_seen_at, status, metrics, owner, due) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (plugin, finding, title, severity, scope[0], scope[1], period, period,
                     now, now, Status.OPEN.value, record, owner, due),
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

    def note_event(self, ident: int, status: str, note: str, *, by: str) -> None:
        """An event in a nonconformity's history that does not change its status."""
        with self._lock:
            self._db.execute(
                "INSERT INTO nonconformity_events VALUES (?, ?, ?, ?, ?, ?)",
                (ident, status, note, None, by, _now()),
            )

    def assign_nonconformity(
        self,
        ident: int,
        *,
        owner: str | None,
        due: str | None,
        action_plan: str | None,
        by: str,
    ) -> Nonconformity:
        """Set who is responsible, by when, and the action plan the correction belongs to."""
        note = f"owner {owner or '-'}, due {due or '-'}, action plan {action_plan or '-'}"
        with self._transaction() as db:
            if (
                db.execute("SELECT 1 FROM nonconformities WHERE id = ?", (ident,)).fetchone()
                is None
            ):
                raise KeyError(ident)
            db.execute(
                "UPDATE nonconformities SET owner = ?, due = ?, action_plan = ? WHERE id = ?",
                (owner, due, action_plan, ident),
            )
            db.execute(
                "INSERT INTO nonconformity_events VALUES (?, ?, ?, ?, ?, ?)",
                (ident, ASSIGNED, note, None, by, _now()),
            )
        found = self.nonconformity(ident)
        assert found is not None
        return found

    def update_nonconformity(
        self,
        ident: int,
        *,
        status: Status,
        note: str | None,
        effective: bool | None,
        by: str,
        verify_days: int = 0,
    ) -> Nonconformity:
        """Move a nonconformity along its lifecycle; ``LifecycleError`` if it may not.

        An effectiveness check saying ``effective: true`` is accepted only when the data show
        it: a recorded evaluation at least ``verify_days`` after the action was taken, and no
        recorded evaluation finding it since the action."""
        found = self.nonconformity(ident)
        if found is None:
            raise KeyError(ident)
        new = next_status(found.status, status, effective=effective)
        if status is Status.EFFECTIVENESS_CHECKED and effective:
            self._check_effect(found, verify_days)
        with self._transaction() as db:
            db.execute("UPDATE nonconformities SET status = ? WHERE id = ?", (new.value, ident))
            db.execute(
                "INSERT INTO nonconformity_events VALUES (?, ?, ?, ?, ?, ?)",
                (ident, status.value, note, effective, by, _now()),
            )
        updated = self.nonconformity(ident)
        assert updated is not None
        return updated

    def _check_effect(self, found: Nonconformity, verify_days: int) -> None:
        """``LifecycleError`` unless recorded evaluations show the action worked."""
        actions = [e.at for e in found.events if e.status == Status.ACTION_TAKEN.value]
        action_at = datetime.fromisoformat(actions[-1])
        if datetime.fromisoformat(found.last_seen_at) > action_at:
            raise LifecycleError(
                f"not effective on the data: an evaluation found it on {found.last_seen_at}, "
                f"after the action ({actions[-1]})"
            )
        window_end = action_at + timedelta(days=verify_days)
        with self._lock:
            evaluated = [
                datetime.fromisoformat(row[0])
                for row in self._db.execute("SELECT at FROM recorded_evaluations")
            ]
        if not any(at > window_end for at in evaluated):
            raise LifecycleError(
                "not yet shown on the data: no recorded evaluation since "
                f"{window_end.isoformat(timespec='seconds')} ({verify_days} days after the "
                "action, nonconformities.verify_days)"
            )

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
                "first_period, last_period, opened_at, last_seen_at, status, metrics, owner, "
                f"due, action_plan FROM nonconformities n{where} ORDER BY id",
                params,
            ).fetchall()
            events: dict[int, list[Event]] = {}
            for event in self._events(where, params):
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
                owner=row[13], due=row[14], action_plan=row[15],
            )
            for row in rows
        ]  # fmt: skip

    def _events(self, where: str, params: list[str]) -> Iterator[tuple[Any, ...]]:
        """The events of the nonconformities ``where`` selects, in order."""
        yield from self._db.execute(
            "SELECT e.nonconformity, e.status, e.note, e.effective, e.by, e.at "
            "FROM nonconformity_events e JOIN nonconformities n ON n.id = e.nonconformity"
            f"{where} ORDER BY e.rowid",
            params,
        )
