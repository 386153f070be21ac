"""Benchmark: MQTT end to end (Mosquitto -> enms -> InfluxDB, QoS 1) against a bare subscriber.

    scripts/services.sh start
    .venv/bin/python -m tests.benchmarks.mqtt_ingest [--messages 50000] [--meters 500]

So that the publisher's speed does not set both rates, the messages are queued first: each
subscriber opens a persistent session (MQTT 5, QoS 1) and leaves; the publisher publishes
``messages`` Tasmota telemetry messages across ``meters`` topics, which Mosquitto queues for
both sessions; then each subscriber reconnects and drains its queue, timed from reconnecting:

- bare: a paho-mqtt subscriber that counts messages (the raw limit of paho and this broker);
- enms: the MQTT collector parsing each payload, converting units and handing readings to the
  writer, which writes them to InfluxDB; timed until every reading is written (the last
  partial batch written as soon as it is complete, not at the writer's flush timer).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from tests.services import influx_url, mqtt_address

TOPIC = "bench/{meter}/SENSOR"
DATABASE = "enms_bench_mqtt"


def _session(client_id: str) -> paho.Client:
    client = paho.Client(
        CallbackAPIVersion.VERSION2, client_id=client_id, protocol=MQTTProtocolVersion.MQTTv5
    )
    return client


def _connect(client: paho.Client) -> None:
    host, port = mqtt_address()
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 3600
    properties.ReceiveMaximum = 65535
    client.connect(host, port, clean_start=False, properties=properties)


def open_session(client_id: str) -> None:
    """Create the persistent session and its subscription, then leave."""
    client = _session(client_id)
    subscribed = threading.Event()
    client.on_subscribe = lambda *args: subscribed.set()
    client.on_connect = lambda c, *args: c.subscribe(TOPIC.format(meter="+"), qos=1)
    _connect(client)
    client.loop_start()
    assert subscribed.wait(10), "no SUBACK"
    client.disconnect()
    client.loop_stop()


def publish(messages: int, meters: int) -> float:
    host, port = mqtt_address()
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{uuid.uuid4().hex[:6]}")
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect(host, port)
    client.loop_start()
    began = time.monotonic()
    infos = []
    for i in range(messages):
        payload = json.dumps(
            {
                "Time": "2024-01-15T10:30:00",
                "ENERGY": {
                    "Total": 1000 + i * 0.01,
                    "Power": 450 + i % 50,
                    "Voltage": 231,
                    "Current": 2.1,
                },
            }
        )
        infos.append(client.publish(TOPIC.format(meter=f"m{i % meters}"), payload, qos=1))
    for info in infos:
        info.wait_for_publish(timeout=60)
    elapsed = time.monotonic() - began
    client.disconnect()
    client.loop_stop()
    return messages / elapsed


def bare(client_id: str, messages: int) -> float:
    client = _session(client_id)
    received = 0
    done = threading.Event()

    def on_message(*_: object) -> None:
        nonlocal received
        received += 1
        if received >= messages:
            done.set()

    client.on_message = on_message
    began = time.monotonic()
    _connect(client)
    client.loop_start()
    assert done.wait(300), f"bare subscriber got {received} of {messages}"
    elapsed = time.monotonic() - began
    client.disconnect()
    client.loop_stop()
    return messages / elapsed


async def enms(client_id: str, messages: int, meters: int) -> float:
    from core.deployment import load_deployment
    from core.storage.factory import open_store
    from daemon.mqtt.collector import MqttCollector
    from daemon.writer import Writer

    host, port = mqtt_address()
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "bench.yaml"
        influx = f"{{url: '{influx_url()}', database: {DATABASE}, create_database: true}}"
        subscription = "{topic: 'bench/{meter}/SENSOR', format: tasmota_energy}"
        building = "{id: b, name: B, category: office, atemp_m2: 100}"
        # each device is a configured meter: unknown ones are counted, not stored
        configured = ", ".join(
            f"{{id: m{i}, building: b, medium: electricity, unit: kWh, mqtt: {{}}}}"
            for i in range(meters)
        )
        config.write_text(
            "version: 1\nportfolio: {name: Benchmark}\n"
            f"storage: {{backend: influxdb, influxdb: {influx}}}\n"
            f"mqtt: {{host: {host}, port: {port}, client_id: {client_id}, "
            f"subscriptions: [{subscription}]}}\n"
            f"sites: [{{id: s, name: S, buildings: [{building}], meters: [{configured}]}}]\n"
        )
        deployment = load_deployment(config)
    async with open_store(deployment.config.storage) as store:
        collector = MqttCollector(deployment)
        writer = Writer(store)
        stop = asyncio.Event()
        began = time.monotonic()
        tasks = [
            asyncio.create_task(writer.run(stop)),
            asyncio.create_task(collector.run(writer, stop)),
        ]
        nudged = False
        while writer.stats.written < messages:
            if time.monotonic() - began > 300:
                raise AssertionError(f"enms wrote {writer.stats.written} of {messages}")
            if not nudged and writer.stats.received >= messages:
                # the last partial batch: written now, not at the writer's 1 s flush timer,
                # which a finite run would otherwise add to its time at a random phase
                writer.write_now()
                nudged = True
            await asyncio.sleep(0.01)
        elapsed = time.monotonic() - began
        stop.set()
        await asyncio.gather(*tasks)
        await collector.close()
    bad = sum(h.failures for h in collector.health())
    assert bad == 0, f"{bad} messages refused"
    return messages / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--meters", type=int, default=500)
    args = parser.parse_args()
    run = uuid.uuid4().hex[:6]
    bare_id, enms_id = f"bench-bare-{run}", f"bench-enms-{run}"
    httpx.post(f"{influx_url()}/query", data={"q": f'DROP DATABASE "{DATABASE}"'}, timeout=60)
    open_session(bare_id)
    open_session(enms_id)
    publish_rate = publish(args.messages, args.meters)
    bare_rate = bare(bare_id, args.messages)
    enms_rate = asyncio.run(enms(enms_id, args.messages, args.meters))
    httpx.post(f"{influx_url()}/query", data={"q": f'DROP DATABASE "{DATABASE}"'}, timeout=60)
    print(f"messages: {args.messages:,} Tasmota telemetry messages on {args.meters} topics, QoS 1")
    print(f"publisher (queueing them): {publish_rate:,.0f} messages/s")
    print(f"bare paho subscriber:      {bare_rate:,.0f} messages/s received")
    print(f"enms, end to end:          {enms_rate:,.0f} messages/s written to InfluxDB")
    print(f"ratio enms/bare: {enms_rate / bare_rate:.2f} (target >= 0.70)")


if __name__ == "__main__":
    main()
