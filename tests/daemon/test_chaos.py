"""One timeline of faults against `enms run` as a process, with exact counts at the end.

For InfluxDB and for the embedded store, with a meter that sends its own timestamps and one
whose readings are stamped on receipt, every message published along this timeline must be
stored exactly once:

  A  the store answers: readings written
  B  the store goes down (InfluxDB stopped; the SQLite file locked by another process) for
     30 s: readings spooled
  -  the daemon is SIGKILLed while the spool holds them (checked)
  C  messages published while no daemon runs: the broker queues them
  -  the daemon starts again, the store still down: the spool (1 MB) fills, and readings wait
     in memory, unacknowledged
  D1 more messages arrive and wait in memory: the broker is stopped while they are provably
     in flight (the daemon's queue holds them, unacknowledged)
  -  the store comes back; the queue and the spool are written; the broker starts again and
     delivers every unacknowledged message again (DUP)
  D2 the rest of the stream
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sqlite3
import subprocess
import textwrap
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from core.config.models import InfluxDBSettings
from core.storage import EmbeddedStore, InfluxDBStore, SeriesSelector
from core.storage.contract import Store
from tests.daemon.mqtt.conftest import Publisher
from tests.daemon.test_store_and_forward import spool_readings, start_daemon
from tests.private_services import PrivateBroker, PrivateInfluxDB
from tests.waiting import until

pytestmark = pytest.mark.anyio

STORE_DOWN_S = 30.0
PHASES = {"A": 300, "B": 2000, "C": 3000, "D1": 1000, "D2": 500}  # messages per stream
TOTAL = sum(PHASES.values())
FIRST_TS = 1_700_000_000


def device_payload(i: int) -> bytes:
    return json.dumps({"ts": FIRST_TS + i, "heat": {"energy_mwh": i / 1000}}).encode()


def receipt_payload(i: int) -> bytes:
    return f"{i / 100:.2f}".encode()


class Daemon:
    """`enms run` as a process, its log, and its /metrics."""

    def __init__(self, config: Path, log: Path) -> None:
        self.config, self.log = config, log
        self.process: subprocess.Popen[bytes] | None = None
        self.port: int | None = None

    async def start(self) -> None:
        offset = self.log.stat().st_size if self.log.exists() else 0
        self.process = start_daemon(self.config, self.log)
        pattern = re.compile(r"metrics on http://127\.0\.0\.1:(\d+)/metrics")

        def started() -> bool:
            text = self.log.read_text()[offset:]
            found = pattern.search(text)
            if found:
                self.port = int(found[1])
            return found is not None and "subscriptions granted (2 topic filters)" in text

        await until(started, "daemon connected", 40)

    def metric(self, name: str) -> float:
        body = httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=5).text
        found = re.search(rf"^{name} (\S+)$", body, re.MULTILINE)
        return float(found[1]) if found else 0.0

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(60)

    def ensure_ended(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Another process's write lock on the SQLite file: the embedded store is 'down'."""
    holder = sqlite3.connect(path, timeout=30, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def config_text(folder: Path, storage: str, broker: PrivateBroker, client_id: str) -> str:
    return textwrap.dedent(f"""\
        version: 1
        portfolio: {{name: Testkommun}}
        storage: {storage}
        daemon:
          spool: {{path: spool.sqlite, max_mb: 1}}
          register_path: register.sqlite
          metrics: {{port: 0}}
          health_interval_s: 3600
          consumption_interval_s: 86400
          shutdown_timeout_s: 5
        mqtt: {{host: {broker.host}, port: {broker.port}, client_id: {client_id}}}
        sites:
          - id: s
            name: S
            buildings: [{{id: b, name: B, category: school, atemp_m2: 100}}]
            meters:
              - {{id: fjv, building: b, medium: district_heating, unit: MWh,
                  mqtt: {{topic: "chaos/fjv", format: mbus_heat_meter_json}}}}
              - {{id: ute, building: b, medium: outdoor_temperature, kind: instantaneous,
                  unit: °C, mqtt: {{topic: "chaos/ute"}}}}
        """)


async def stored_values(store: Store) -> dict[str, list[float]]:
    found = {}
    for meter, field in (("fjv", "energy_kwh"), ("ute", "temperature_c")):
        series = await store.raw(SeriesSelector("readings", field, {"meter": meter}), 0, 2 * 10**18)
        found[meter] = [float(v) for s in series for v in s.values]
    return found


@pytest.mark.parametrize("backend", ["influxdb", "embedded"])
async def test_every_reading_stored_exactly_once_through_the_whole_timeline(
    backend: str,
    tmp_path: Path,
    private_broker: PrivateBroker,
    request: pytest.FixtureRequest,
) -> None:
    client_id = f"enms-chaos-{uuid.uuid4().hex[:8]}"
    influx: PrivateInfluxDB | None = None
    if backend == "influxdb":
        influx = request.getfixturevalue("private_influx")
        storage = (
            f'{{backend: influxdb, influxdb: {{url: "{influx.url}", database: chaos, '
            "create_database: true, max_retries: 0, timeout_s: 2}}"
        )
        store: Store = InfluxDBStore(InfluxDBSettings(url=influx.url, database="chaos"))
    else:
        storage = "{backend: embedded, embedded: {path: data.sqlite}}"
        store = EmbeddedStore(tmp_path / "data.sqlite")
    config = tmp_path / "site.yaml"
    config.write_text(config_text(tmp_path, storage, private_broker, client_id))
    spool = tmp_path / "spool.sqlite"
    daemon = Daemon(config, tmp_path / "daemon.log")
    sent = 0

    def publish(phase: str) -> None:
        nonlocal sent
        publisher = Publisher(private_broker)
        count = PHASES[phase]
        publisher.publish_many("chaos/fjv", [device_payload(i) for i in range(sent, sent + count)])
        publisher.publish_many("chaos/ute", [receipt_payload(i) for i in range(sent, sent + count)])
        publisher.close()
        sent += count

    lock = locked(tmp_path / "data.sqlite") if backend == "embedded" else None
    try:
        await daemon.start()
        # A: the store answers
        await asyncio.to_thread(publish, "A")
        await until(
            lambda: daemon.metric("enms_readings_written_total") >= 2 * sent, "A written", 60
        )

        # B: the store goes down for STORE_DOWN_S; readings go to the spool
        down_since = time.monotonic()
        if influx is not None:
            await asyncio.to_thread(influx.stop)
        else:
            assert lock is not None
            lock.__enter__()
        await asyncio.to_thread(publish, "B")
        await until(lambda: spool_readings(spool) >= 2 * PHASES["B"], "B spooled", 60)
        await asyncio.sleep(1.0)  # the PUBACKs of the last spooled batch leave (see README)
        held = spool_readings(spool)
        daemon.kill()  # SIGKILL while the spool holds readings
        assert held >= 2 * PHASES["B"]

        # C: published while no daemon runs
        await asyncio.to_thread(publish, "C")
        await daemon.start()
        # the 1 MB spool fills; what it refuses waits in memory, unacknowledged
        await until(lambda: daemon.metric("enms_queue_depth") > 0, "spool full, queue holding", 60)

        # D1: more arrive and wait in memory; the broker stops with them in flight
        await asyncio.to_thread(publish, "D1")
        await until(
            lambda: (
                daemon.metric("enms_readings_received_total") >= 2 * (PHASES["C"] + PHASES["D1"])
            ),
            "D1 received",
            60,
        )
        in_flight = daemon.metric("enms_queue_depth")
        await asyncio.to_thread(private_broker.stop)
        assert in_flight >= 2 * PHASES["D1"]  # received, not durable, so not acknowledged

        # the store returns after STORE_DOWN_S; the broker starts again and delivers anew
        await asyncio.sleep(max(0.0, STORE_DOWN_S - (time.monotonic() - down_since)))
        if influx is not None:
            await asyncio.to_thread(influx.start)
        else:
            assert lock is not None
            lock.__exit__(None, None, None)
            lock = None
        await until(lambda: daemon.metric("enms_queue_depth") == 0, "queue written", 90)
        await asyncio.to_thread(private_broker.start)
        await asyncio.to_thread(publish, "D2")

        async def complete() -> bool:
            values = await stored_values(store)
            return all(len(v) >= TOTAL for v in values.values()) and spool_readings(spool) == 0

        deadline = time.monotonic() + 120
        while not await complete():
            assert time.monotonic() < deadline, "not every reading stored in 120 s"
            await asyncio.sleep(0.5)
        await asyncio.sleep(2.0)  # re-deliveries still on their way would show as extra points
        assert await asyncio.to_thread(daemon.stop) == 0
        values = await stored_values(store)
    finally:
        if lock is not None:
            lock.__exit__(None, None, None)
        daemon.ensure_ended()
        await store.close()
    log = daemon.log.read_text()
    for meter, expected in (
        ("fjv", [float(i) for i in range(TOTAL)]),
        ("ute", [float(receipt_payload(i)) for i in range(TOTAL)]),
    ):
        assert len(values[meter]) == TOTAL, f"{meter}: {len(values[meter])} of {TOTAL}"
        assert sorted(values[meter]) == pytest.approx(expected), meter
    stopped = [line for line in log.splitlines() if "enms daemon stopped" in line]
    assert stopped
    assert all(line.endswith(", 0 dropped") for line in stopped), stopped
