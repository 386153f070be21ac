"""The MQTT collector against a real Mosquitto, writing into a real InfluxDB."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.config.models import InfluxDBSettings
from core.deployment import Deployment, load_deployment
from core.storage import InfluxDBStore, SeriesSelector
from core.storage.contract import Store
from core.storage.points import LatestPoint
from daemon.mqtt.collector import MqttCollector
from daemon.writer import Writer
from tests.daemon.mqtt.conftest import Broker, Publisher, mqtt_config
from tests.daemon.mqtt.test_payloads import MBUS, SHELLY_EM, SHELLY_EMDATA, TASMOTA
from tests.private_services import PrivateBroker, shipped_broker

pytestmark = pytest.mark.anyio

NS = 1_000_000_000


@asynccontextmanager
async def running(
    deployment: Deployment, store: Store | None = None
) -> AsyncIterator[tuple[MqttCollector, Writer]]:
    """The collector and a writer to ``store`` (default: the deployment's InfluxDB), running
    until the block ends."""
    if store is None:
        assert deployment.config.storage.influxdb is not None
        influx = InfluxDBStore(deployment.config.storage.influxdb)
        async with influx, running(deployment, influx) as both:
            yield both
        return
    collector = MqttCollector(deployment)
    writer = Writer(store, flush_interval_s=0.1)
    stop, writer_stop = asyncio.Event(), asyncio.Event()
    writing = asyncio.create_task(writer.run(writer_stop))
    receiving = asyncio.create_task(collector.run(writer, stop))
    try:
        await asyncio.to_thread(collector.connection.subscribed.wait, 10)
        assert collector.connection.subscribed.is_set(), "collector did not subscribe"
        yield collector, writer
    finally:
        stop.set()  # the same order as the daemon: stop receiving, make durable, disconnect
        await receiving
        writer_stop.set()
        await writing
        await collector.close()


async def until(condition: Callable[[], bool], timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def readings(deployment: Deployment) -> dict[str, LatestPoint]:
    assert deployment.config.storage.influxdb is not None
    async with InfluxDBStore(deployment.config.storage.influxdb) as store:
        return {p.tags["meter"]: p for p in await store.latest("readings", 0)}


async def count(deployment: Deployment, field: str = "energy_kwh") -> int:
    assert deployment.config.storage.influxdb is not None
    async with InfluxDBStore(deployment.config.storage.influxdb) as store:
        series = await store.raw(SeriesSelector("readings", field), 0, time.time_ns() + 3600 * NS)
    return sum(len(s.values) for s in series)


async def test_every_shipped_format_arrives_with_tags_units_and_timestamps(
    mqtt_deployment: Deployment, publisher: Publisher
) -> None:
    began = time.time_ns()
    async with running(mqtt_deployment) as (collector, writer):
        publisher.publish("fastighet/solrosen/solrosen-el/SENSOR", json.dumps(TASMOTA))
        publisher.publish("shellies/solrosen-3em/status/em:0", json.dumps(SHELLY_EM))
        publisher.publish("shellies/skolan-el-3em/status/emdata:0", json.dumps(SHELLY_EMDATA))
        publisher.publish("fastighet/skolan/fjv/state", json.dumps(MBUS))
        publisher.publish("fastighet/skolan/ute", b"-7.5")
        publisher.publish(
            "fastighet/skolan/vatten",
            json.dumps({"reading": {"litres": 123456, "time": "2024-01-15T10:00:00Z"}}),
        )
        await until(lambda: writer.stats.written >= 6)
    ended = time.time_ns()
    stored = await readings(mqtt_deployment)

    tasmota = stored["solrosen-el"]
    assert tasmota.tags == {
        "site": "solrosen",
        "building": "solrosen",
        "meter": "solrosen-el",
        "medium": "electricity",
    }
    assert tasmota.fields["energy_kwh"] == 1234.567
    assert tasmota.fields["power_kw"] == pytest.approx(0.45)
    assert tasmota.time_ns == int(datetime(2024, 1, 15, 9, 30, tzinfo=UTC).timestamp()) * NS

    shelly = stored["solrosen-3em"]
    assert shelly.fields["power_kw"] == pytest.approx(2.6127)
    assert began <= shelly.time_ns <= ended  # receipt time

    # a pattern's {meter} naming a configured meter takes the configured identity
    energy = stored["skolan-el-3em"]
    assert energy.tags == {
        "site": "skolan",
        "building": "skolan-a",
        "meter": "skolan-el-3em",
        "medium": "electricity",
    }
    assert energy.fields["energy_kwh"] == pytest.approx(6.70728)

    heat = stored["skolan-fjv"]
    assert heat.tags["medium"] == "district_heating"
    assert heat.fields["energy_kwh"] == pytest.approx(1_234_567.0)
    assert heat.time_ns == MBUS["ts"] * NS

    assert stored["skolan-ute"].fields == {"temperature_c": -7.5}
    water = stored["skolan-vatten"]
    assert water.fields == {"volume_m3": pytest.approx(123.456)}
    assert water.time_ns == int(datetime(2024, 1, 15, 10, tzinfo=UTC).timestamp()) * NS
    assert all(h.failures == 0 for h in collector.health())


async def published_while_down(deployment: Deployment, publisher: Publisher, n: int) -> int:
    """Connect once (the broker then keeps a persistent session), publish ``n`` heat-meter
    readings while enms is down, connect again; the readings stored."""
    async with running(deployment):
        pass
    for i in range(n):
        publisher.publish(
            "fastighet/skolan/fjv/state",
            json.dumps({"ts": 1_700_000_000 + i, "heat": {"energy_mwh": 100 + i}}),
        )
    async with running(deployment) as (_, writer):
        await until(lambda: writer.stats.written >= n)
    return await count(deployment)


async def test_messages_published_while_enms_is_down_arrive_when_it_returns(
    mqtt_deployment: Deployment, publisher: Publisher
) -> None:
    assert await published_while_down(mqtt_deployment, publisher, 50) == 50


async def test_mqtt_3_1_1_connects_and_keeps_its_session_while_enms_is_down(
    broker: Broker,
    influx_settings: InfluxDBSettings,
    tmp_path: Path,
    client_id: str,
    publisher: Publisher,
) -> None:
    """MQTT 3.1.1 (brokers without 5, e.g. the demo's embedded one): clean_session=False."""
    path = tmp_path / "site.yaml"
    path.write_text(mqtt_config(broker, influx_settings, client_id=client_id, protocol="3.1.1"))
    assert await published_while_down(load_deployment(path), publisher, 20) == 20


async def test_a_broker_restart_is_survived(
    private_broker: PrivateBroker,
    influx_settings: InfluxDBSettings,
    tmp_path: Path,
    client_id: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    path = tmp_path / "site.yaml"
    path.write_text(mqtt_config(private_broker, influx_settings, client_id=client_id))
    deployment = load_deployment(path)
    topic = "fastighet/skolan/fjv/state"
    async with running(deployment) as (collector, writer):
        first = Publisher(private_broker)
        first.publish(topic, json.dumps({"ts": 1_700_000_000, "heat": {"energy_mwh": 1}}))
        first.close()
        await until(lambda: writer.stats.written >= 1)
        await asyncio.to_thread(private_broker.stop)
        await until(lambda: not collector.connection.connected.is_set())
        await asyncio.to_thread(private_broker.start)
        await until(lambda: collector.connection.connects >= 2, timeout_s=30)
        second = Publisher(private_broker)
        for i in range(1, 11):
            second.publish(
                topic, json.dumps({"ts": 1_700_000_000 + i, "heat": {"energy_mwh": 1 + i}})
            )
        second.close()
        await until(lambda: writer.stats.written >= 11)
    assert await count(deployment) == 11
    messages = [r.getMessage() for r in caplog.records]
    assert any("connection to" in m and "lost" in m for m in messages)
    assert any("resumed session" in m for m in messages)


async def test_malformed_payloads_are_counted_by_reason_and_good_ones_all_stored(
    broker: Broker,
    influx_settings: InfluxDBSettings,
    tmp_path: Path,
    client_id: str,
    publisher: Publisher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # An earlier configuration subscribed to legacy/+/state; the broker still holds that
    # subscription in the session, so its messages reach enms as topics nothing routes.
    path = tmp_path / "site.yaml"
    legacy = '    - {topic: "legacy/{meter}/state", format: mbus_heat_meter_json}'
    path.write_text(
        mqtt_config(broker, influx_settings, client_id=client_id, extra_subscriptions=legacy)
    )
    async with running(load_deployment(path)):
        pass
    path.write_text(mqtt_config(broker, influx_settings, client_id=client_id))
    deployment = load_deployment(path)

    heat = "fastighet/skolan/fjv/state"
    shelly = "shellies/solrosen-3em/status/emdata:0"  # one subscription matches
    bad = [
        (heat, b"{not json", "not_json"),
        (heat, json.dumps({"ts": 1_700_000_000}).encode(), "missing_path"),
        (
            heat,
            json.dumps({"ts": 1_700_000_000, "heat": {"energy_mwh": [1]}}).encode(),
            "wrong_type",
        ),
        (
            heat,
            json.dumps({"ts": 1_700_000_000, "heat": {"energy_mwh": 5e20}}).encode(),
            "absurd_value",
        ),
        (heat, json.dumps({"ts": "soon", "heat": {"energy_mwh": 1}}).encode(), "bad_timestamp"),
        ("fastighet/skolan/ute", b"warm", "not_a_number"),
        (
            "legacy/old-meter/state",
            json.dumps({"ts": 1, "heat": {"energy_mwh": 1}}).encode(),
            "unknown_topic",
        ),
        # these two once stopped the daemon (OverflowError, RecursionError), and it
        # crash-looped on the re-delivered message
        (shelly, b'{"total_act": 1' + b"0" * 400 + b"}", "absurd_value"),
        (shelly, b"[" * 100_000, "too_large"),
        ("shellies/stranger/status/emdata:0", b'{"total_act": 1.0}', "unknown_device"),
    ]
    caplog.set_level(logging.WARNING)
    async with running(deployment) as (collector, writer):
        good = 0
        for round_ in range(20):
            for topic, payload, _ in bad:
                publisher.publish(topic, payload)
            publisher.publish(
                heat, json.dumps({"ts": 1_700_000_000 + round_, "heat": {"energy_mwh": round_}})
            )
            good += 1
        await until(
            lambda: sum(h.failures + h.successes for h in collector.health()) >= 20 * (len(bad) + 1)
        )
        await until(lambda: writer.stats.written >= good)
        health = {h.source: h for h in collector.health()}
        assert collector.connection.connected.is_set()  # still running
    assert await count(deployment) == good
    heat_health = health[heat]
    assert heat_health.successes == 20
    reasons = ("not_json", "missing_path", "wrong_type", "absurd_value", "bad_timestamp")
    assert dict(heat_health.errors) == dict.fromkeys(reasons, 20)
    assert dict(health["fastighet/skolan/ute"].errors) == {"not_a_number": 20}
    assert dict(health["legacy/old-meter/state"].errors) == {"unknown_topic": 20}
    assert dict(health[shelly].errors) == {"absurd_value": 20, "too_large": 20}
    assert dict(health["shellies/stranger/status/emdata:0"].errors) == {"unknown_device": 20}
    samples = [r.getMessage() for r in caplog.records if "bad MQTT payload" in r.getMessage()]
    assert len(samples) == len(bad)  # one sample per topic and reason, not one per message
    assert any("not_json" in s and "{not json" in s for s in samples)


async def test_shared_subscriptions_split_the_messages_between_instances(
    broker: Broker, influx_settings: InfluxDBSettings, tmp_path: Path, publisher: Publisher
) -> None:
    group = f"g{time.time_ns() % 10**9}"
    deployments = []
    for index in range(2):
        path = tmp_path / f"site{index}.yaml"
        text = mqtt_config(broker, influx_settings, client_id=f"{group}-{index}")
        path.write_text(text.replace("  client_id:", f"  shared_group: {group}\n  client_id:"))
        deployments.append(load_deployment(path))
    async with running(deployments[0]) as (_, first), running(deployments[1]) as (_, second):
        for i in range(200):
            publisher.publish(
                "fastighet/skolan/fjv/state",
                json.dumps({"ts": 1_700_000_000 + i, "heat": {"energy_mwh": i}}),
            )
        await until(lambda: first.stats.written + second.stats.written >= 200)
        await asyncio.sleep(0.5)  # nothing more may come: no message is delivered twice
    assert first.stats.written + second.stats.written == 200
    assert first.stats.written > 0
    assert second.stats.written > 0
    assert await count(deployments[0]) == 200


async def test_username_and_password_are_used_and_a_wrong_password_is_reported(
    private_broker: PrivateBroker,
    influx_settings: InfluxDBSettings,
    tmp_path: Path,
    client_id: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    passwords = tmp_path / "passwords"
    command = ["mosquitto_passwd", "-b", "-c", str(passwords), "enms", "s3cret"]
    await asyncio.to_thread(subprocess.run, command, check=True)
    conf = private_broker.conf.read_text().replace(
        "allow_anonymous true", f"allow_anonymous false\npassword_file {passwords}"
    )
    private_broker.conf.write_text(conf)
    await asyncio.to_thread(private_broker.stop)
    await asyncio.to_thread(private_broker.start)

    def deployment(password: str) -> Deployment:
        path = tmp_path / f"site-{password}.yaml"
        text = mqtt_config(private_broker, influx_settings, client_id=client_id)
        path.write_text(
            text.replace(
                "  client_id:", "  username: enms\n  password: ${MQTT_PASSWORD}\n  client_id:"
            )
        )
        return load_deployment(path, environ={"MQTT_PASSWORD": password})

    caplog.set_level(logging.WARNING)
    collector = MqttCollector(deployment("wrong"))
    stop = asyncio.Event()
    store = InfluxDBStore(influx_settings)
    task = asyncio.create_task(collector.run(Writer(store), stop))
    await until(lambda: any("refused the connection" in r.getMessage() for r in caplog.records))
    assert not collector.connection.connected.is_set()
    stop.set()
    await task
    await collector.close()
    await store.close()
    assert not any("wrong" in r.getMessage() for r in caplog.records)  # no secret in the log
    async with running(deployment("s3cret")) as (collector, _):
        assert collector.connection.connected.is_set()


async def test_a_flood_of_receipt_time_messages_stores_every_one_in_either_store(
    store: Store, mqtt_deployment: Deployment, publisher: Publisher
) -> None:
    """20,000 plain numbers without a device time, as fast as Mosquitto delivers them: each
    is stored as its own point (at ms precision 4,449 of 20,000 once survived)."""
    total = 20_000
    payloads = [b"%.3f" % (i / 1000) for i in range(total)]
    async with running(mqtt_deployment, store) as (_, writer):
        await asyncio.to_thread(publisher.publish_many, "fastighet/skolan/ute", payloads)
        await until(lambda: writer.stats.written >= total, timeout_s=120)
    series = await store.raw(
        SeriesSelector("readings", "temperature_c", {"meter": "skolan-ute"}), 0, 2 * 10**18
    )
    (stored,) = series
    assert len(stored.values) == total
    assert sorted(stored.values.tolist()) == sorted(float(p) for p in payloads)
    assert writer.stats.written == total


async def test_the_shipped_broker_config_keeps_what_is_published_while_enms_is_down(
    tmp_path: Path, influx_settings: InfluxDBSettings, client_id: str
) -> None:
    """config/mosquitto.conf as shipped: 6,000 messages published while enms is down, and the
    broker restarted meanwhile, all arrive (Mosquitto's default kept 1,000 of them)."""
    folder = tmp_path / "mosquitto"
    folder.mkdir()
    broker = shipped_broker(folder)
    broker.start()
    try:
        path = tmp_path / "site.yaml"
        path.write_text(mqtt_config(broker, influx_settings, client_id=client_id))
        deployment = load_deployment(path)
        async with running(deployment):
            pass  # the broker now keeps enms's session
        publisher = Publisher(broker)
        payloads = [
            json.dumps({"ts": 1_700_000_000 + i, "heat": {"energy_mwh": i / 1000}}).encode()
            for i in range(6000)
        ]
        await asyncio.to_thread(publisher.publish_many, "fastighet/skolan/fjv/state", payloads)
        publisher.close()
        await asyncio.to_thread(broker.stop)
        await asyncio.to_thread(broker.start)
        async with running(deployment) as (_, writer):
            await until(lambda: writer.stats.written >= 6000, timeout_s=60)
        assert await count(deployment) == 6000
    finally:
        broker.stop()
