"""The register's decisions on significant energy uses (ISO 50001:2018 6.3 b, c).

The energy review proposes uses from the data (``energy.energy_review``); a person decides
whether each is significant and records the relevant variables and the people whose work
affects it. Decisions are only added: the newest one of a use stands.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass

SCHEMA = """
CREATE TABLE IF NOT EXISTS seu_decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    use_id TEXT NOT NULL,
    significant INTEGER NOT NULL,
    note TEXT,
    variables TEXT NOT NULL,  -- JSON list: the relevant variables
    people TEXT NOT NULL,     -- JSON list: who affects the use
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS seu_decisions_use ON seu_decisions (use_id, id);
"""


@dataclass(frozen=True)
class SeuDecision:
    use_id: str
    significant: bool
    note: str | None
    variables: tuple[str, ...]
    people: tuple[str, ...]
    decided_by: str
    decided_at: str


class SeuRecords:
    """The SEU part of the register; ``Register`` provides the connection."""

    _db: sqlite3.Connection
    _lock: threading.Lock

    def _migrate_seus(self) -> None:
        self._db.executescript(SCHEMA)

    def decide_seu(self, decision: SeuDecision) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO seu_decisions (use_id, significant, note, variables, people, "
                "decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (decision.use_id, int(decision.significant), decision.note,
                 json.dumps(list(decision.variables), ensure_ascii=False),
                 json.dumps(list(decision.people), ensure_ascii=False),
                 decision.decided_by, decision.decided_at),
            )  # fmt: skip

    def seu_decisions(self) -> dict[str, SeuDecision]:
        """The standing (newest) decision of every use decided on."""
        with self._lock:
            rows = self._db.execute(
                "SELECT use_id, significant, note, variables, people, decided_by, decided_at "
                "FROM seu_decisions ORDER BY id"
            ).fetchall()
        return {
            row[0]: SeuDecision(
                row[0], bool(row[1]), row[2], tuple(json.loads(row[3])),
                tuple(json.loads(row[4])), row[5], row[6],
            )
            for row in rows
        }  # fmt: skip
