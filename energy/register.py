"""The management-system register: documented information ISO 50001 asks to retain.

Baseline versions and their non-routine adjustments, the decisions of the management review,
nonconformities with every step of their lifecycle, the users' feedback (synpunkter), the
results of manual internal controls, the targets recorded through the API and the decisions on
significant energy uses live here.
History is only ever added: an adopted baseline is never edited, a revision adds the next
version and marks the previous one superseded, an adjustment or a decision is its own record,
and a nonconformity's row holds only its current status and last sighting -- each lifecycle
step is an event row of its own.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from baselines.versions import Adjustment, EnergyBaseline
from core.config.enpis import EnpiDefinition
from core.errors import EnmsError
from energy.control_records import ControlRecords
from energy.feedback_records import FeedbackRecords
from energy.nonconformity_records import NonconformityRecords
from energy.review_decisions import (
    OutputCategory,
    RecordedInput,
    ReviewDecision,
    ReviewInputRecord,
)
from energy.seu_records import SeuRecords
from energy.target_records import TargetRecords

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
CREATE TABLE IF NOT EXISTS review_inputs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    period TEXT NOT NULL,
    input TEXT NOT NULL,        -- energy.review_decisions.RecordedInput
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
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
"""


class RegisterError(EnmsError):
    """The register file cannot be used."""


@dataclass(frozen=True)
class BaselineVersion:
    """A version in the register: the baseline, and when a later version superseded it."""

    baseline: EnergyBaseline
    superseded_at: str | None


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Register(NonconformityRecords, FeedbackRecords, ControlRecords, TargetRecords, SeuRecords):
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
            self._migrate_nonconformities()
            self._migrate_feedback()
            self._migrate_controls()
            self._migrate_targets()
            self._migrate_seus()
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

    def current_versions(self, enpis: Iterable[EnpiDefinition]) -> dict[str, int]:
        """Each EnPI's current baseline version, for those with one."""
        return {
            enpi.id: baseline.version
            for enpi in enpis
            if (baseline := self.current(enpi.id)) is not None
        }

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
        """Every version of an EnPI's baseline, oldest first, each with its adjustments."""
        return [version.baseline for version in self.history(enpi)]

    def history(self, enpi: str) -> list[BaselineVersion]:
        """Every version with its adjustments and when a later one superseded it."""
        with self._lock:
            rows = self._db.execute(
                "SELECT record, superseded_at FROM baseline_versions WHERE enpi = ? "
                "ORDER BY version",
                (enpi,),
            ).fetchall()
        found = []
        for record, superseded_at in rows:
            baseline = EnergyBaseline.from_json(record)
            adjustments = tuple(self.adjustments(enpi, baseline.version))
            found.append(BaselineVersion(replace(baseline, adjustments=adjustments), superseded_at))
        return found

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

    def add_review_input(
        self, *, period: str, kind: RecordedInput, title: str, text: str, recorded_by: str
    ) -> ReviewInputRecord:
        """Record an input of the review that is not measured (an audit's result ...)."""
        recorded_at = now_text()
        with self._lock:
            try:
                cursor = self._db.execute(
                    "INSERT INTO review_inputs (period, input, title, text, recorded_by, "
                    "recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (period, kind.value, title, text, recorded_by, recorded_at),
                )
            except sqlite3.Error as exc:
                raise RegisterError(f"register {self.path}: cannot record: {exc}") from exc
        assert cursor.lastrowid is not None
        return ReviewInputRecord(
            cursor.lastrowid, period, kind, title, text, recorded_by, recorded_at
        )

    def review_inputs(self, period: str) -> list[ReviewInputRecord]:
        """The recorded inputs of one review period, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, period, input, title, text, recorded_by, recorded_at "
                "FROM review_inputs WHERE period = ? ORDER BY id",
                (period,),
            ).fetchall()
        return [ReviewInputRecord(row[0], row[1], RecordedInput(row[2]), *row[3:]) for row in rows]

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

    def close(self) -> None:
        with self._lock:
            self._db.close()
