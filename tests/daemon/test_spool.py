"""The spool: durable across reopening, bounded, and never silently discarding by default."""

from __future__ import annotations

import asyncio
import base64
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from core.config.models import InfluxDBSettings
from core.storage import EmbeddedStore, InfluxDBStore, Point, SeriesSelector
from daemon.spool import Spool, SpoolError
from daemon.writer import Writer


def points(start: int, count: int) -> list[Point]:
    return [
        Point(
            "readings",
            {"meter": "m"},
            {"energy_kwh": float(i), "ok": True, "n": i},
            (1_700_000_000 + i) * 10**9,
        )
        for i in range(start, start + count)
    ]


def test_spooled_readings_survive_reopening_in_order_and_with_their_types(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool.sqlite", max_bytes=10_000_000)
    assert spool.append(points(0, 10))
    assert spool.append(points(10, 5))
    spool.close()
    reopened = Spool(tmp_path / "spool.sqlite", max_bytes=10_000_000)
    assert reopened.readings == 15
    batches = reopened.oldest(12)
    assert [len(b.points) for b in batches] == [10]  # whole batches, up to about 12 readings
    assert batches[0].points == points(0, 10)
    first = batches[0].points[0]
    assert isinstance(first.fields["ok"], bool)
    assert isinstance(first.fields["n"], int)
    assert isinstance(first.fields["energy_kwh"], float)
    reopened.remove(batches)
    assert reopened.readings == 5
    assert [p.time_ns for b in reopened.oldest(100) for p in b.points] == [
        p.time_ns for p in points(10, 5)
    ]


def test_a_full_spool_refuses_by_default_and_keeps_what_it_has(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool.sqlite", max_bytes=3000)
    accepted = 0
    while spool.append(points(accepted, 10)):
        accepted += 10
    assert 0 < accepted < 100
    assert spool.readings == accepted
    assert spool.dropped == 0
    assert spool.bytes <= 3000


def test_drop_oldest_makes_room_and_counts_what_it_discards(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool.sqlite", max_bytes=3000, when_full="drop_oldest")
    for start in range(0, 200, 10):
        assert spool.append(points(start, 10))
    assert spool.bytes <= 3000
    assert spool.dropped + spool.readings == 200
    kept = [p.fields["n"] for b in spool.oldest(1000) for p in b.points]
    assert kept == list(range(200 - spool.readings, 200))  # the newest survive


def corrupt_row(path: Path, seq: int, body: bytes) -> None:
    with sqlite3.connect(path) as db:
        db.execute("UPDATE batches SET body = ? WHERE seq = ?", (body, seq))


def test_an_undecodable_row_is_quarantined_and_the_rest_written(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "spool.sqlite"
    spool = Spool(path, max_bytes=10_000_000)
    for start in (0, 10, 20):
        assert spool.append(points(start, 10))
    corrupt_row(path, 2, b'[["readings", {"meter": "m"}, {"v": 1}, "not a time"]]')
    batches = spool.oldest(1000)
    assert [p.fields["n"] for b in batches for p in b.points] == [*range(10), *range(20, 30)]
    assert spool.quarantined == 1
    assert spool.readings == 20
    (entry,) = [json.loads(line) for line in spool.quarantine_path.read_text().splitlines()]
    assert entry["seq"] == 2
    assert entry["readings"] == 10
    assert b"not a time" in base64.b64decode(entry["body_base64"])
    assert any(
        r.levelname == "ERROR" and str(spool.quarantine_path) in r.getMessage()
        for r in caplog.records
    )


def test_a_damaged_file_is_moved_aside_and_what_is_readable_carried_over(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "spool.sqlite"
    spool = Spool(path, max_bytes=100_000_000)
    for start in range(0, 3000, 100):
        assert spool.append(points(start, 100))
    spool.close()
    size = path.stat().st_size
    with path.open("r+b") as file:  # a bad sector somewhere in the middle
        file.seek(size // 2)
        file.write(b"\xde\xad\xbe\xef" * 1024)
    reopened = Spool(path, max_bytes=100_000_000)
    assert reopened.salvage is not None
    assert reopened.salvage.moved_to.exists()
    assert 0 < reopened.readings < 3000
    assert reopened.readings == reopened.salvage.readings
    readable = [p.fields["n"] for b in reopened.oldest(10_000) for p in b.points]
    assert readable == sorted(readable)
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert any(str(reopened.salvage.moved_to) in message for message in errors)
    assert reopened.append(points(5000, 10))  # and the new spool works


def test_garbage_where_the_spool_should_be_does_not_stop_the_start(tmp_path: Path) -> None:
    path = tmp_path / "spool.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    spool = Spool(path, max_bytes=1_000_000)
    assert spool.salvage is not None
    assert spool.salvage.batches == 0
    assert spool.readings == 0
    assert spool.append(points(0, 5))


def test_a_spool_that_cannot_be_created_says_what_to_do_in_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the spool's folder should be")
    with pytest.raises(SpoolError) as caught:
        Spool(blocker / "spool.sqlite", max_bytes=1_000_000)
    assert "\n" not in str(caught.value)
    assert "daemon.spool.path" in str(caught.value)


_KILLED_WRITER = """
import os, sys
from pathlib import Path
from daemon.spool import Spool
from core.storage import Point
spool = Spool(Path(sys.argv[1]), max_bytes=100_000_000)
for batch in range(60):
    spool.append([Point("readings", {"meter": "m"}, {"n": batch * 100 + i}, batch * 100 + i + 1)
                  for i in range(100)])
os._exit(0)  # no close: as kill -9 after the last append returned
"""


def test_spooled_readings_survive_a_kill_and_a_lost_side_file(tmp_path: Path) -> None:
    """6,000 readings spooled, the process gone without closing, and whatever side files
    SQLite left truncated to nothing: all 6,000 are there (the WAL once lost them all)."""
    path = tmp_path / "spool.sqlite"
    subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(path)], check=True, timeout=60)
    for side in tmp_path.glob("spool.sqlite-*"):
        side.write_bytes(b"")
    reopened = Spool(path, max_bytes=100_000_000)
    assert reopened.salvage is None
    assert reopened.readings == 6000


def test_a_full_disk_refuses_the_spool_and_the_writer_keeps_the_readings(
    tmp_path: Path,
) -> None:
    """SQLite's 'database or disk is full', as on a full disk (max_page_count stands in)."""
    spool = Spool(tmp_path / "spool.sqlite", max_bytes=100_000_000)
    assert spool.append(points(0, 10))
    (pages,) = spool._db.execute("PRAGMA page_count").fetchone()
    spool._db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(SpoolError, match="full"):
        spool.append(points(10, 5000))
    assert spool.readings == 10


@pytest.mark.anyio
async def test_while_the_disk_is_full_the_writer_holds_readings_in_memory_and_retries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("daemon.writer.SPOOL_RETRY_S", 0.05)
    spool = Spool(tmp_path / "spool.sqlite", max_bytes=100_000_000)
    (pages,) = spool._db.execute("PRAGMA page_count").fetchone()
    spool._db.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full
    down = InfluxDBSettings(url="http://127.0.0.1:9", database="x", max_retries=0, timeout_s=1)
    async with InfluxDBStore(down) as store:
        writer = Writer(store, spool=spool, batch_size=100)
        writer.submit(points(0, 300))
        for _ in range(3):
            await writer.step()
        assert writer.stats.spool_errors >= 1
        assert writer.depth == 300  # nothing lost, nothing spooled
        spool._db.execute("PRAGMA max_page_count = 1073741823")  # space freed
        await asyncio.sleep(0.06)
        await writer.step()
    assert writer.depth == 0
    assert spool.readings == 300
    assert writer.stats.dropped == 0


@pytest.mark.anyio
async def test_a_damaged_row_no_longer_stops_the_writer_replaying_the_spool(
    tmp_path: Path,
) -> None:
    """A corrupted spool row once killed the writer while /metrics still said all was well."""
    path = tmp_path / "spool.sqlite"
    spool = Spool(path, max_bytes=10_000_000)
    for start in range(0, 50, 10):
        assert spool.append(points(start, 10))
    corrupt_row(path, 3, b"\x00garbage")
    async with EmbeddedStore(tmp_path / "data.sqlite") as store:
        writer = Writer(store, spool=spool, batch_size=15)
        stop = asyncio.Event()
        running = asyncio.create_task(writer.run(stop))
        for _ in range(500):  # bounded: each step replays a batch
            if spool.readings == 0:
                break
            await asyncio.sleep(0.01)
        stop.set()
        await running
        series = await store.raw(SeriesSelector("readings", "energy_kwh"), 0, 2 * 10**18)
    assert sum(len(s.values) for s in series) == 40
    assert spool.quarantined == 1
    assert writer.stats.replayed == 40


_OLD_WAL_SPOOL = """
import json, os, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("CREATE TABLE batches (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
           "readings INTEGER NOT NULL, body BLOB NOT NULL)")
for batch in range(30):
    rows = [["readings", {"meter": "m"}, {"n": batch * 100 + i}, batch * 100 + i + 1]
            for i in range(100)]
    db.execute("INSERT INTO batches (readings, body) VALUES (?, ?)", (100, json.dumps(rows)))
os._exit(0)  # killed: the batches are still in the write-ahead log
"""


def test_a_spool_left_by_an_older_enms_in_wal_mode_is_taken_over_whole(tmp_path: Path) -> None:
    """Upgrading: the spool of a killed daemon from before the rollback journal, its batches
    still in the -wal file, opens with every reading and in the new mode."""
    path = tmp_path / "spool.sqlite"
    subprocess.run([sys.executable, "-c", _OLD_WAL_SPOOL, str(path)], check=True, timeout=60)
    assert (tmp_path / "spool.sqlite-wal").exists()
    spool = Spool(path, max_bytes=100_000_000)
    assert spool.salvage is None
    assert spool.readings == 3000
    assert spool._db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
