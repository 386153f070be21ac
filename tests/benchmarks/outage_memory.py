"""Benchmark: memory while the store is down for a long time (everything goes to the spool).

    .venv/bin/python -m tests.benchmarks.outage_memory [--readings 1000000] [--batch 1000]

The store is an InfluxDB address where nothing listens, so every write fails as it would
during an outage. Readings arrive in batches (one batch is one poll of ``batch`` meters) as
fast as the writer takes them -- waiting while it is saturated, as the MQTT collector does --
and the writer spools them. The process's resident memory is sampled as the spool grows: it
must stay flat, bounded by the in-memory queue, not by the length of the outage.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import tempfile
import time
from pathlib import Path

from core.config.models import InfluxDBSettings
from core.storage import InfluxDBStore, Point
from daemon.spool import Spool
from daemon.writer import Writer


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise KeyError("VmRSS")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the socket is: nothing listens


async def outage(readings: int, batch: int, folder: Path) -> list[tuple[int, int, int]]:
    settings = InfluxDBSettings(
        url=f"http://127.0.0.1:{closed_port()}", database="enms", max_retries=0, timeout_s=1
    )
    samples: list[tuple[int, int, int]] = []
    async with InfluxDBStore(settings) as store:
        spool = Spool(folder / "spool.sqlite", max_bytes=100_000_000_000)
        writer = Writer(store, spool=spool)
        stop = asyncio.Event()
        running = asyncio.create_task(writer.run(stop, shutdown_timeout_s=0))
        tags = [
            {"site": "s", "building": f"b{m // 10}", "meter": f"m{m}", "medium": "electricity"}
            for m in range(batch)
        ]
        step = max(1, readings // batch // 10)
        for poll in range(readings // batch):
            deadline = time.monotonic() + 60
            while writer.saturated:  # waits as the MQTT collector does
                if time.monotonic() > deadline:
                    raise RuntimeError("the writer stayed saturated for a minute")
                await asyncio.sleep(0.01)
            now = 1_700_000_000_000_000_000 + poll * 60_000_000_000
            writer.submit(
                [
                    Point(
                        "readings", tags[m], {"energy_kwh": 1000.0 + poll, "power_kw": 3.5}, now + m
                    )
                    for m in range(batch)
                ]
            )
            await asyncio.sleep(0)
            if (poll + 1) % step == 0:
                samples.append((writer.stats.received, spool.readings + writer.depth, rss_kb()))
        stop.set()
        await running
        spool.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    before = rss_kb()
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        samples = asyncio.run(outage(args.readings, args.batch, Path(folder)))
        spool_mb = (Path(folder) / "spool.sqlite").stat().st_size / 1e6
    elapsed = time.monotonic() - began
    print(f"store down throughout; {args.readings:,} readings in polls of {args.batch}")
    print(f"elapsed: {elapsed:.0f} s")
    print("received     held (spool+queue)   RSS")
    for received, held, rss in samples:
        print(f"{received:>9,}   {held:>12,}   {rss / 1024:8.1f} MB")
    first, last = samples[0], samples[-1]
    growth = (last[2] - first[2]) / 1024
    print(
        f"RSS before: {before / 1024:.1f} MB; from 10 % to 100 % of the readings: {growth:+.1f} MB"
    )
    print(f"spool file: {spool_mb:.0f} MB ({spool_mb * 1e6 / args.readings:.0f} bytes per reading)")
    print(f"spooling rate: {args.readings / elapsed:,.0f} readings/s")


if __name__ == "__main__":
    main()
