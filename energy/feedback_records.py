"""The register's feedback (synpunkter): recorded through the API or imported from the
municipality's case system, answered, never deleted.

``Register`` (``energy.register``) holds the database; this part of it keeps the feedback.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from energy.feedback import Category, Feedback

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    building TEXT NOT NULL,
    zone TEXT,
    category TEXT NOT NULL,
    received_at TEXT NOT NULL,  -- ISO 8601 in UTC: sorts and compares as text
    text TEXT NOT NULL,
    channel TEXT,
    case_ref TEXT UNIQUE,       -- the case system's id, if any
    answered_at TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_received ON feedback (received_at);
"""
_COLUMNS = (
    "id, building, category, received_at, text, zone, channel, case_ref, answered_at, "
    "recorded_by, recorded_at"
)


class FeedbackError(ValueError):
    """A feedback record that cannot be changed as asked (unknown id, answer before receipt)."""


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _feedback(row: tuple[Any, ...]) -> Feedback:
    return Feedback(
        id=row[0],
        building=row[1],
        category=Category(row[2]),
        received_at=datetime.fromisoformat(row[3]),
        text=row[4],
        zone=row[5],
        channel=row[6],
        case_ref=row[7],
        answered_at=datetime.fromisoformat(row[8]) if row[8] else None,
        recorded_by=row[9],
        recorded_at=row[10],
    )


class FeedbackRecords:
    """The feedback part of the register; ``Register`` provides the connection."""

    _db: sqlite3.Connection
    _lock: threading.Lock

    def _migrate_feedback(self) -> None:
        self._db.executescript(SCHEMA)

    def add_feedback(
        self,
        *,
        building: str,
        category: Category,
        received_at: datetime,
        text: str,
        zone: str | None = None,
        channel: str | None = None,
        case_ref: str | None = None,
        answered_at: datetime | None = None,
        recorded_by: str,
        recorded_at: str,
    ) -> tuple[Feedback, bool]:
        """Record one piece of feedback; (the record, False) if its ``case_ref`` is already
        recorded -- an import run twice records nothing twice."""
        if answered_at is not None and answered_at < received_at:
            raise FeedbackError("answered_at is before received_at")
        with self._lock:
            if case_ref is not None:
                row = self._db.execute(
                    f"SELECT {_COLUMNS} FROM feedback WHERE case_ref = ?", (case_ref,)
                ).fetchone()
                if row is not None:
                    return _feedback(row), False
            cursor = self._db.execute(
                "INSERT INTO feedback (building, zone, category, received_at, text, channel, "
                "case_ref, answered_at, recorded_by, recorded_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (building, zone, category.value, _utc(received_at), text, channel, case_ref,
                 _utc(answered_at) if answered_at else None, recorded_by, recorded_at),
            )  # fmt: skip
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM feedback WHERE id = ?", (cursor.lastrowid,)
            ).fetchone()
        return _feedback(row), True

    def answer_feedback(self, feedback_id: int, answered_at: datetime) -> Feedback:
        """Note when the feedback was answered (a later answer replaces an earlier note)."""
        found = self.one_feedback(feedback_id)
        if found is None:
            raise FeedbackError(f"no feedback {feedback_id}")
        if answered_at < found.received_at:
            raise FeedbackError("answered_at is before received_at")
        with self._lock:
            self._db.execute(
                "UPDATE feedback SET answered_at = ? WHERE id = ?",
                (_utc(answered_at), feedback_id),
            )
        answered = self.one_feedback(feedback_id)
        assert answered is not None
        return answered

    def one_feedback(self, feedback_id: int) -> Feedback | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM feedback WHERE id = ?", (feedback_id,)
            ).fetchone()
        return _feedback(row) if row is not None else None

    def feedback(
        self, first: date, last: date, *, zone: str, building: str | None = None
    ) -> list[Feedback]:
        """Feedback received on the local days ``first`` to ``last`` (in time zone ``zone``),
        oldest first."""
        tz = ZoneInfo(zone)
        start = _utc(datetime.combine(first, time(), tz))
        end = _utc(datetime.combine(last + timedelta(days=1), time(), tz))
        query = f"SELECT {_COLUMNS} FROM feedback WHERE received_at >= ? AND received_at < ?"
        params: tuple[str, ...] = (start, end)
        if building is not None:
            query, params = query + " AND building = ?", (*params, building)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY received_at, id", params).fetchall()
        return [_feedback(row) for row in rows]
