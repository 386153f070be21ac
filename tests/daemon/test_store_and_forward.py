"""No reading lost when InfluxDB, the broker or the daemon fails -- counted end to end."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx
import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from core.config.models import InfluxDBSettings
from core.deployment import load_deployment
from core.storage import EmbeddedStore, InfluxDBStore, Point, SeriesSelector
from daemon.mqtt.collector import MqttCollector
from daemon.service import Daemon
from daemon.spool import Spool
from daemon.writer import Writer
from tests.daemon.mqtt.conftest import Broker, Publisher, mqtt_config
from tests.private_services import PrivateBroker, PrivateInfluxDB
from tests.services import require_mqtt

pytestmark = pytest.mark.anyio
NS = 1_000_000_000


async def until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached in {timeout_s} s")
        await asyncio.sleep(0.1)


def stored(url: str, database: str, measurement: str = "readings") -> int:
    response = httpx.get(
        f"{url}/query",
        params={"db": database, "q": f'SELECT count(*) FROM "{measurement}"'},
        timeout=30,
    )
    series = response.json()["results"][0].get("series")
    return int(series[0]["values"][0][1]) if series else 0


def spool_readings(path: Path) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
        return int(db.execute("SELECT coalesce(sum(readings), 0) FROM batches").fetchone()[0])


async def test_influxdb_stopped_during_continuous_ingest_loses_and_duplicates_nothing(
    private_influx: PrivateInfluxDB, tmp_path: Path
) -> None:
    settings = InfluxDBSettings(
        url=private_influx.url, database="enms", create_database=True, max_retries=0, timeout_s=2
    )
    total, per_tick = 30_000, 100
    async with InfluxDBStore(settings) as store:
        spool = Spool(tmp_path / "spool.sqlite", max_bytes=500_000_000)
        writer = Writer(store, spool=spool, batch_size=1000, flush_interval_s=0.1)
        stop = asyncio.Event()
        writing = asyncio.create_task(writer.run(stop))

        async def produce() -> None:
            tags = {"meter": "m1", "building": "b"}
            for tick in range(total // per_tick):
                base = 1_700_000_000_000 + tick * per_tick
                writer.submit(
                    [
                        Point("readings", tags, {"power_kw": float(i)}, (base + i) * 1_000_000)
                        for i in range(per_tick)
                    ]
                )
                await asyncio.sleep(0.01)

        producing = asyncio.create_task(produce())
        await asyncio.sleep(0.8)
        await asyncio.to_thread(private_influx.stop)  # InfluxDB goes away mid-stream
        await asyncio.sleep(1.5)
        assert not writer.stats.store_available
        await asyncio.to_thread(private_influx.start)
        await producing
        await until(
            lambda: writer.depth == 0 and spool.readings == 0, 60, "queue and spool emptied"
        )
        stop.set()
        await writing
    assert writer.stats.spooled > 0  # the outage really sent readings to the spool
    assert writer.stats.replayed == writer.stats.spooled
    assert writer.stats.dropped == writer.stats.rejected == 0
    assert stored(private_influx.url, "enms") == total


async def test_shutdown_with_the_store_down_spools_what_is_queued(tmp_path: Path) -> None:
    settings = InfluxDBSettings(
        url="http://127.0.0.1:9", database="enms", max_retries=0, timeout_s=1
    )
    async with InfluxDBStore(settings) as store:
        spool = Spool(tmp_path / "spool.sqlite", max_bytes=10_000_000)
        writer = Writer(store, spool=spool)
        durable: list[int] = []
        writer.submit(
            [Point("readings", {"meter": "m"}, {"v": float(i)}, i * NS) for i in range(1, 101)],
            on_durable=lambda: durable.append(1),
        )
        await writer.shutdown(timeout_s=1)
    assert spool.readings == 100
    assert durable == [1]  # acknowledged because it is on disk


def daemon_config(folder: Path, influx_url: str, mqtt: tuple[str, int], client_id: str) -> Path:
    path = folder / "site.yaml"
    path.write_text(
        textwrap.dedent(f"""\
        version: 1
        portfolio: {{name: Testkommun}}
        storage:
          backend: influxdb
          influxdb:
            {{url: "{influx_url}", database: enms, create_database: true, max_retries: 0,
             timeout_s: 2}}
        daemon:
          metrics: {{port: 0}}
          health_interval_s: 3600
          shutdown_timeout_s: 2
        mqtt: {{host: {mqtt[0]}, port: {mqtt[1]}, client_id: {client_id}}}
        sites:
          - id: s
            name: S
            buildings: [{{id: b, name: B, category: school, atemp_m2: 100}}]
            meters:
              - {{id: fjv, building: b, medium: district_heating, unit: MWh,
                  mqtt: {{topic: "t/{client_id}/fjv", format: mbus_heat_meter_json}}}}
        """)
    )
    return path


def start_daemon(config: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "enms.cli.main", "run", "--config", str(config)],
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


async def test_daemon_killed_with_spooled_readings_loses_and_duplicates_nothing(
    private_influx: PrivateInfluxDB, tmp_path: Path
) -> None:
    host, port = require_mqtt()
    client_id = f"enms-kill-{time.time_ns() % 10**9}"
    config = daemon_config(tmp_path, private_influx.url, (host, port), client_id)
    spool = tmp_path / "var" / "spool.sqlite"
    log = tmp_path / "daemon.log"
    total = 500
    await asyncio.to_thread(private_influx.stop)  # the store is down from the start

    process = start_daemon(config, log)
    try:
        granted = "subscriptions granted (1 topic filters)"
        await until(lambda: granted in log.read_text(), 20, "daemon subscribed")
        publisher = Publisher(Broker(host, port))
        for i in range(total):
            payload = {"ts": 1_700_000_000 + i, "heat": {"energy_mwh": 10 + i / 1000}}
            publisher.publish(f"t/{client_id}/fjv", json.dumps(payload))
        publisher.close()
        await until(lambda: spool_readings(spool) == total, 30, "all readings spooled")
        process.send_signal(signal.SIGKILL)  # no chance to clean up
        await asyncio.to_thread(process.wait, 10)
    finally:
        if process.poll() is None:
            process.kill()
    assert spool_readings(spool) == total

    await asyncio.to_thread(private_influx.start)
    process = start_daemon(config, log)
    try:
        await until(lambda: stored(private_influx.url, "enms") >= total, 60, "spool replayed")
        await until(lambda: spool_readings(spool) == 0, 30, "spool emptied")
        process.send_signal(signal.SIGTERM)
        await asyncio.to_thread(process.wait, 30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, log.read_text()
    assert stored(private_influx.url, "enms") == total
    assert "holds 500 readings from before" in log.read_text()


class GatedStore:
    """A store whose writes wait at a gate: readings received but not yet durable, so their
    messages are provably unacknowledged (in flight) while the gate is shut."""

    def __init__(self, store: InfluxDBStore) -> None:
        self._store = store
        self.gate = asyncio.Event()
        self.kind = store.kind

    async def write(self, points: Sequence[Point]) -> int:
        await self.gate.wait()
        return await self._store.write(points)

    async def ping(self) -> None:
        await self._store.ping()


#: (topic, payload of message i, stored field, meter): with the device's time, and without
STREAMS = {
    "device_time": (
        "fastighet/skolan/fjv/state",
        lambda i: json.dumps({"ts": 1_700_000_000 + i, "heat": {"energy_mwh": i / 1000}}),
        "energy_kwh",
        "skolan-fjv",
    ),
    "receipt_time": (
        "fastighet/skolan/ute",
        lambda i: f"{i / 100:.2f}",
        "temperature_c",
        "skolan-ute",
    ),
}


@pytest.mark.parametrize("stream", sorted(STREAMS))
async def test_a_broker_restart_with_messages_in_flight_loses_nothing_at_qos_1(
    private_broker: PrivateBroker, influx_settings: InfluxDBSettings, tmp_path: Path, stream: str
) -> None:
    """The broker stops while 1,000 delivered messages are provably unacknowledged (the
    store's writes are held) and the publisher has 1,000 more to send: after the restart
    every message is stored exactly once -- also those stamped on receipt, whose re-delivery
    must land on the first delivery's point."""
    topic, payload_of, field, meter = STREAMS[stream]
    path = tmp_path / "site.yaml"
    client_id = f"enms-mid-{time.time_ns() % 10**9}"
    path.write_text(mqtt_config(private_broker, influx_settings, client_id=client_id))
    deployment = load_deployment(path)
    total, first_half = 2000, 1000
    second_half = threading.Event()
    async with InfluxDBStore(influx_settings) as influx:
        store = GatedStore(influx)
        collector = MqttCollector(deployment)
        writer = Writer(store, flush_interval_s=0.1)  # type: ignore[arg-type]
        stop, writer_stop = asyncio.Event(), asyncio.Event()
        writing = asyncio.create_task(writer.run(writer_stop))
        receiving = asyncio.create_task(collector.run(writer, stop))
        await asyncio.to_thread(collector.connection.connected.wait, 10)
        await until(collector.connection.subscribed.is_set, 10, "subscribed")

        def publish_all() -> None:
            client = paho.Client(
                CallbackAPIVersion.VERSION2, client_id=f"{client_id}-pub", clean_session=False
            )
            client.max_inflight_messages_set(100)
            client.reconnect_delay_set(0.1, 1)
            client.connect(private_broker.host, private_broker.port)
            client.loop_start()
            for i in range(total):  # like a gateway: resend until the broker has it
                if i == first_half:
                    assert second_half.wait(60)
                    for _ in range(600):  # back on the restarted broker before sending on
                        if client.is_connected():
                            break
                        time.sleep(0.05)
                payload = payload_of(i)
                for _ in range(600):
                    info = client.publish(topic, payload, qos=1)
                    published = False
                    with contextlib.suppress(RuntimeError, ValueError):  # not connected yet
                        info.wait_for_publish(timeout=5)
                        published = info.is_published()
                    if published:
                        break
                    time.sleep(0.05)
                else:
                    raise AssertionError(f"message {i} never reached the broker")
            client.disconnect()
            client.loop_stop()

        publishing = asyncio.create_task(asyncio.to_thread(publish_all))
        await until(lambda: collector.connection.received >= first_half, 60, "first half in")
        in_flight = collector.connection.received - writer.stats.written
        await asyncio.to_thread(private_broker.stop)  # the broker goes away mid-stream
        store.gate.set()
        await until(lambda: writer.stats.written >= first_half, 30, "first half written")
        await asyncio.to_thread(private_broker.start)
        second_half.set()
        await publishing
        await until(lambda: writer.stats.written >= total + first_half, 60, "re-deliveries")
        stop.set()
        await receiving
        writer_stop.set()
        await writing
        await collector.close()
        series = await influx.raw(
            SeriesSelector("readings", field, {"meter": meter}), 0, 2 * 10**18
        )
    stored = sum(len(s.values) for s in series)
    distinct = len({float(v) for s in series for v in s.values})
    state = (
        f"in flight at the stop={in_flight}, connects={collector.connection.connects}, "
        f"written={writer.stats.written}, stored={stored} ({distinct} distinct) of {total}, "
        f"re-deliveries matched={collector.redeliveries.matched}"
    )
    assert in_flight == first_half, state  # the fault hit while all of them were in flight
    assert collector.connection.connects >= 2, state
    assert stored == total, state  # re-delivered messages land on the same points
    assert distinct == total, state
    if stream == "receipt_time":
        assert collector.redeliveries.matched == first_half, state


async def test_metrics_endpoint_reports_the_writer_and_every_source(
    influx_settings: InfluxDBSettings, tmp_path: Path
) -> None:
    host, port = require_mqtt()
    config = daemon_config(
        tmp_path, influx_settings.url, (host, port), f"enms-metrics-{time.time_ns() % 10**9}"
    )
    config.write_text(
        config.read_text().replace("database: enms,", f"database: {influx_settings.database},")
    )
    deployment = load_deployment(config)
    async with InfluxDBStore(influx_settings) as store:
        daemon = Daemon(deployment, store)
        running = asyncio.create_task(daemon.run())
        assert daemon.mqtt is not None
        mqtt = daemon.mqtt
        await until(mqtt.connection.connected.is_set, 10, "connected")
        publisher = Publisher(Broker(host, port))
        topic = next(iter(mqtt.router.filters()))
        publisher.publish(topic, json.dumps({"ts": 1_700_000_000, "heat": {"energy_mwh": 1}}))
        publisher.publish(topic, b"not json")
        publisher.close()
        await until(
            lambda: sum(h.successes + h.failures for h in mqtt.health()) == 2, 10, "received"
        )
        assert daemon.metrics is not None
        async with httpx.AsyncClient() as client:
            body = (await client.get(f"http://127.0.0.1:{daemon.metrics.port}/metrics")).text
            missing = await client.get(f"http://127.0.0.1:{daemon.metrics.port}/nothing")
        daemon.stop.set()
        await running
    assert missing.status_code == 404
    assert "# TYPE enms_readings_received_total counter" in body
    assert "enms_readings_received_total 1.0" in body
    assert "enms_store_available 1.0" in body
    assert (
        f'enms_source_errors_total{{collector="mqtt",source="{topic}",kind="not_json"}} 1.0' in body
    )
    assert f'enms_source_online{{collector="mqtt",source="{topic}"}} 1.0' in body


async def test_a_store_that_refuses_the_writer_keeps_the_readings_until_it_is_fixed(
    influx_settings: InfluxDBSettings, tmp_path: Path
) -> None:
    """No database (or a wrong token): the readings are fine, so they wait in the spool
    instead of being refused, and are written once the database exists."""
    settings = influx_settings.model_copy(update={"create_database": False, "max_retries": 0})
    async with InfluxDBStore(settings) as store:
        spool = Spool(tmp_path / "spool.sqlite", max_bytes=10_000_000)
        writer = Writer(store, spool=spool, batch_size=100, flush_interval_s=0.05)
        stop = asyncio.Event()
        writing = asyncio.create_task(writer.run(stop))
        points = [Point("readings", {"meter": "m"}, {"v": float(i)}, i * NS) for i in range(1, 301)]
        writer.submit(points)
        await until(lambda: spool.readings == 300, 20, "readings spooled")
        assert writer.stats.rejected == 0
        assert not writer.stats.store_available
        await store.ensure_database()  # the operator creates it
        await until(lambda: spool.readings == 0 and writer.depth == 0, 60, "spool written")
        stop.set()
        await writing
    assert stored(settings.url, settings.database) == 300
    assert writer.stats.rejected == writer.stats.dropped == 0


async def test_write_now_writes_a_partial_batch_before_the_flush_interval(tmp_path: Path) -> None:
    """A partial batch waits for the flush interval unless ``write_now`` asks for it: the end
    of a finite run (the MQTT benchmark) is not timed by the writer's timer."""
    store = EmbeddedStore(tmp_path / "data.sqlite")
    writer = Writer(store, batch_size=1000, flush_interval_s=3600)
    stop = asyncio.Event()
    task = asyncio.create_task(writer.run(stop))
    try:
        written = asyncio.Event()
        points = [Point("readings", {"meter": "m"}, {"energy_kwh": float(i)}, i) for i in range(3)]
        writer.submit(points, on_durable=written.set)
        for _ in range(50):  # the writer is waiting on its hour-long timer
            await asyncio.sleep(0)
        assert writer.stats.written == 0
        writer.write_now()
        async with asyncio.timeout(30):  # not the hour: at once
            await written.wait()
        assert writer.stats.written == 3
    finally:
        stop.set()
        await task
        await store.close()
