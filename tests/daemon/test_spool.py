"""The spool: durable across reopening, bounded, and never silently discarding by default."""

from __future__ import annotations

from pathlib import Path

from daemon.spool import Spool
from daemon.storage import Point


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
