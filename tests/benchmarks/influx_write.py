"""Benchmark: the InfluxDB adapter's write rate against raw line-protocol POSTs, same run.

    scripts/services.sh start
    .venv/bin/python -m tests.benchmarks.influx_write [--points 500000] [--rounds 3]

"Raw" posts bodies that were encoded before the clock started, one after another over one
keep-alive connection: the limit of this server and HTTP client on this machine. "Adapter" is
``InfluxDBStore.write`` given ``Point`` objects, so its time includes encoding, batching and
the async client. Each round writes into a fresh database; the two alternate so that drift
in the server (compactions, page cache) hits both alike. The ratio of medians is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid

import httpx

from core.config.models import InfluxDBSettings
from core.storage import InfluxDBStore, Point
from core.storage.lineprotocol import LineEncoder
from tests.services import influx_url

BATCH = 5000
NS = 1_000_000_000


def make_points(count: int) -> list[Point]:
    """Readings as a portfolio produces them: 1,000 meters, two fields each, a minute apart.

    Like the collectors, each meter's tag mapping is built once and shared by its readings.
    """
    meters = 1000
    start = 1_700_000_000
    tags = [
        {
            "site": f"site-{meter // 20}",
            "building": f"building-{meter // 5}",
            "meter": f"meter-{meter}",
            "medium": "electricity",
        }
        for meter in range(meters)
    ]
    points = []
    for i in range(count):
        meter = i % meters
        points.append(
            Point(
                "readings",
                tags[meter],
                {"energy_kwh": 1000.0 + i * 0.013, "power_kw": 3.7 + (i % 97) * 0.11},
                (start + (i // meters) * 60) * NS + meter * 1_000_000,
            )
        )
    return points


def drop(url: str, database: str) -> None:
    httpx.post(f"{url}/query", data={"q": f'DROP DATABASE "{database}"'}, timeout=60)


def raw_round(url: str, bodies: list[bytes], count: int) -> float:
    database = f"bench_raw_{uuid.uuid4().hex[:8]}"
    httpx.post(f"{url}/query", data={"q": f'CREATE DATABASE "{database}"'}, timeout=60)
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            params = {"db": database, "precision": "ms"}
            began = time.perf_counter()
            for body in bodies:
                client.post("/write", params=params, content=body).raise_for_status()
            elapsed = time.perf_counter() - began
    finally:
        drop(url, database)
    return count / elapsed


async def timed_write(settings: InfluxDBSettings, points: list[Point]) -> float:
    async with InfluxDBStore(settings) as store:
        began = time.perf_counter()
        written = await store.write(points)
        elapsed = time.perf_counter() - began
    assert written == len(points)
    return elapsed


def adapter_round(url: str, points: list[Point]) -> float:
    database = f"bench_adapter_{uuid.uuid4().hex[:8]}"
    settings = InfluxDBSettings(url=url, database=database, batch_size=BATCH, timeout_s=60)
    httpx.post(f"{url}/query", data={"q": f'CREATE DATABASE "{database}"'}, timeout=60)
    try:
        elapsed = asyncio.run(timed_write(settings, points))
    finally:
        drop(url, database)
    return len(points) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=500_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    url = influx_url()
    httpx.get(f"{url}/ping", timeout=5).raise_for_status()

    points = make_points(args.points)
    encoder = LineEncoder("ms")
    bodies = [encoder.encode(points[i : i + BATCH])[0] for i in range(0, len(points), BATCH)]
    average_line = sum(len(b) for b in bodies) / len(points)

    raw_rates, adapter_rates = [], []
    for round_number in range(1, args.rounds + 1):
        raw_rates.append(raw_round(url, bodies, len(points)))
        adapter_rates.append(adapter_round(url, points))
        print(
            f"round {round_number}: raw {raw_rates[-1]:,.0f} points/s, "
            f"adapter {adapter_rates[-1]:,.0f} points/s"
        )
    raw, adapter = statistics.median(raw_rates), statistics.median(adapter_rates)
    print(f"points: {len(points):,} in batches of {BATCH:,} ({average_line:.0f} bytes/line)")
    print(f"raw pre-built POSTs (median): {raw:,.0f} points/s")
    print(f"InfluxDBStore.write (median): {adapter:,.0f} points/s")
    print(f"ratio adapter/raw: {adapter / raw:.2f} (target >= 0.70)")


if __name__ == "__main__":
    main()
