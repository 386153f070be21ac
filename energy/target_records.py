"""The register's energy targets and action plans recorded through the API (ISO 50001 6.2).

Targets adopted in the configuration stay there, under version control; those the energy team
records through the API live here, each as its validated record, its action plans replaced
one at a time. Both kinds are evaluated alike (``all_targets``).
"""

from __future__ import annotations

import sqlite3
import threading

from core.config.models import EnmsConfig
from core.config.targets import ActionPlan, EnergyTarget

SCHEMA = """
CREATE TABLE IF NOT EXISTS targets (
    id TEXT PRIMARY KEY,
    record TEXT NOT NULL,       -- the EnergyTarget as JSON, action plans included
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""


class TargetRecords:
    """The target part of the register; ``Register`` provides the connection."""

    _db: sqlite3.Connection
    _lock: threading.Lock

    def _migrate_targets(self) -> None:
        self._db.executescript(SCHEMA)

    def recorded_targets(self) -> list[EnergyTarget]:
        with self._lock:
            rows = self._db.execute(
                "SELECT record FROM targets ORDER BY recorded_at, id"
            ).fetchall()
        return [EnergyTarget.model_validate_json(row[0]) for row in rows]

    def recorded_target(self, target_id: str) -> EnergyTarget | None:
        with self._lock:
            row = self._db.execute(
                "SELECT record FROM targets WHERE id = ?", (target_id,)
            ).fetchone()
        return EnergyTarget.model_validate_json(row[0]) if row else None

    def add_target(self, target: EnergyTarget, *, by: str, at: str) -> bool:
        """Record a new target; False if one with its id is recorded already."""
        with self._lock:
            try:
                self._db.execute(
                    "INSERT INTO targets VALUES (?, ?, ?, ?, ?, ?)",
                    (target.id, target.model_dump_json(), by, at, by, at),
                )
            except sqlite3.IntegrityError:
                return False
        return True

    def put_action_plan(
        self, target_id: str, plan: ActionPlan, *, by: str, at: str
    ) -> EnergyTarget | None:
        """Add or replace (by id) one action plan of a recorded target; None without it."""
        with self._lock:
            row = self._db.execute(
                "SELECT record FROM targets WHERE id = ?", (target_id,)
            ).fetchone()
            if row is None:
                return None
            target = EnergyTarget.model_validate_json(row[0])
            plans = [p for p in target.action_plans if p.id != plan.id]
            kept = [p.id for p in target.action_plans]
            plans.append(plan)
            plans.sort(key=lambda p: kept.index(p.id) if p.id in kept else len(kept))
            changed = target.model_copy(update={"action_plans": plans})
            self._db.execute(
                "UPDATE targets SET record = ?, updated_by = ?, updated_at = ? WHERE id = ?",
                (changed.model_dump_json(), by, at, target_id),
            )
        return changed


def all_targets(config: EnmsConfig, recorded: list[EnergyTarget]) -> list[EnergyTarget]:
    """The configuration's targets, then those recorded through the API (ids never clash:
    the API refuses a configured id)."""
    configured = {target.id for target in config.targets}
    return [*config.targets, *(t for t in recorded if t.id not in configured)]
