"""The register's results of manual internal controls (internkontrollplan), never edited."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import date

SCHEMA = """
CREATE TABLE IF NOT EXISTS control_results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    point TEXT NOT NULL,         -- the control point's id in internal_control_plan
    performed_on TEXT NOT NULL,  -- ISO date
    ok INTEGER NOT NULL,         -- 1: nothing found; 0: a deviation found
    note TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS control_results_point ON control_results (point, performed_on);
"""


@dataclass(frozen=True)
class ControlResult:
    id: int
    point: str
    performed_on: date
    ok: bool
    note: str | None
    recorded_by: str
    recorded_at: str


class ControlRecords:
    """The control-result part of the register; ``Register`` provides the connection."""

    _db: sqlite3.Connection
    _lock: threading.Lock

    def _migrate_controls(self) -> None:
        self._db.executescript(SCHEMA)

    def add_control_result(
        self,
        point: str,
        *,
        performed_on: date,
        ok: bool,
        note: str | None,
        recorded_by: str,
        recorded_at: str,
    ) -> ControlResult:
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO control_results (point, performed_on, ok, note, recorded_by, "
                "recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
                (point, performed_on.isoformat(), int(ok), note, recorded_by, recorded_at),
            )
        assert cursor.lastrowid is not None
        return ControlResult(
            cursor.lastrowid, point, performed_on, ok, note, recorded_by, recorded_at
        )

    def control_results(self, point: str, *, until: date | None = None) -> list[ControlResult]:
        """A control point's results, oldest first (performed on or before ``until``)."""
        query = (
            "SELECT id, point, performed_on, ok, note, recorded_by, recorded_at "
            "FROM control_results WHERE point = ?"
        )
        params: tuple[str, ...] = (point,)
        if until is not None:
            query, params = query + " AND performed_on <= ?", (point, until.isoformat())
        with self._lock:
            rows = self._db.execute(query + " ORDER BY performed_on, id", params).fetchall()
        return [
            ControlResult(row[0], row[1], date.fromisoformat(row[2]), bool(row[3]), *row[4:])
            for row in rows
        ]
