"""`enms run` as a real process: collects on schedule, stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.config.models import InfluxDBSettings
from core.deployment import Deployment
from core.meters.profiles import RegisterKind
from core.schema import Measurement
from core.storage import InfluxDBStore, SeriesSelector
from tests.daemon.modbus.conftest import PROFILES, Site, site_config
from tests.daemon.mqtt.conftest import Broker, Publisher
from tests.process_output import Output
from tests.services import require_mqtt

pytestmark = pytest.mark.anyio


async def test_enms_run_collects_and_flushes_on_sigterm(deployment: Deployment) -> None:
    process = subprocess.Popen(  # noqa: ASYNC220 - started once; the test awaits it in a thread
        [sys.executable, "-m", "enms.cli.main", "run", "--config", str(deployment.source)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert deployment.config.storage.influxdb is not None
    async with InfluxDBStore(deployment.config.storage.influxdb) as store:

        async def counts() -> dict[str, int]:
            series = await store.raw(SeriesSelector("readings", "energy_kwh"), 0, time.time_ns())
            return {s.tags["meter"]: len(s.values) for s in series}

        try:  # until every reachable meter has been polled twice (bounded), then SIGTERM
            deadline = time.monotonic() + 30
            while len(found := await counts()) < 12 or min(found.values()) < 2:
                assert process.poll() is None, "enms run ended early"
                assert time.monotonic() < deadline, found
                await asyncio.sleep(0.25)
            process.send_signal(signal.SIGTERM)
            output, _ = await asyncio.to_thread(process.communicate, timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        assert process.returncode == 0, output
        assert "enms daemon started: 14 Modbus meters on 4 gateways" in output
        assert "enms daemon stopped" in output
        assert "0 dropped" in output
        found = await counts()
        health = await store.latest(Measurement.COLLECTOR_HEALTH, 0)
    assert len(found) == 12
    assert min(found.values()) >= 2
    assert len(health) == 14  # the final health report, written on the way out
    failing = {p.tags["source"]: p.fields for p in health if p.fields["consecutive_failures"]}
    assert set(failing) == {"el-dead", "el-failing"}
    assert failing["el-dead"]["errors_timeout"] == failing["el-dead"]["failures"]
    assert failing["el-failing"]["errors_modbus_exception"] == failing["el-failing"]["failures"]
    assert all(p.fields["online"] for p in health if p.tags["source"] not in failing)


async def until_stored(influx: InfluxDBSettings, meter: str, count: int) -> None:
    """Until ``count`` energy readings of ``meter`` are in InfluxDB (bounded: 30 s)."""
    async with InfluxDBStore(influx) as store:
        for _ in range(300):
            series = await store.raw(
                SeriesSelector("readings", "energy_kwh", {"meter": meter}), 0, 2 * 10**18
            )
            if sum(len(s.values) for s in series) >= count:
                return
            await asyncio.sleep(0.1)
    raise AssertionError(f"{meter}: fewer than {count} readings stored in 30 s")


async def test_one_daemon_collects_modbus_and_mqtt_through_one_writer(
    site: Site, influx_settings: InfluxDBSettings, tmp_path: Path
) -> None:
    host, port = require_mqtt()
    text = site_config(site, influx_settings)
    mqtt = (
        f"mqtt:\n  host: {host}\n  port: {port}\n  client_id: enms-both-{time.time_ns()}\n"
        "  subscriptions:\n"
        '    - {topic: "fastighet/{building}/{meter}/SENSOR", format: tasmota_energy}\n'
    )
    config = tmp_path / "both.yaml"
    plug = (  # a configured meter whose readings arrive through the subscription
        "          - {id: plug-1, building: hus-b, medium: electricity, unit: kWh, mqtt: {}}\n"
    )
    config.write_text(text.replace("sites:\n", mqtt + "sites:\n", 1) + plug)
    # the two inputs that once stopped the daemon: a SunSpec scale factor of 400 on one
    # gateway, and (below) MQTT payloads that raised OverflowError and RecursionError
    holding = site.sunspec.device(1).images[RegisterKind.HOLDING]
    model_start = next(a for a in sorted(holding) if a > 40002 and holding[a] == 203)
    w_sf = next(r for r in PROFILES["sunspec"].registers if r.field == "w_sf")
    assert w_sf.model_offset is not None
    holding[model_start + 2 + w_sf.model_offset] = 400
    process = subprocess.Popen(  # noqa: ASYNC220 - started once; awaited in a thread below
        [sys.executable, "-m", "enms.cli.main", "run", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    publisher = Publisher(Broker(host, port))
    output = Output(process)
    try:
        await asyncio.to_thread(output.wait_for, "subscriptions granted (1 topic filters)")
        topic = "fastighet/hus-b/plug-1/SENSOR"
        publisher.publish(topic, b'{"ENERGY": {"Total": 1' + b"0" * 400 + b"}}")
        publisher.publish(topic, b"[" * 60_000)
        for i in range(5):
            payload = {
                "Time": "2024-01-15T10:30:0" + str(i),
                "ENERGY": {"Total": 10.0 + i, "Power": 100},
            }
            publisher.publish(topic, json.dumps(payload))
        await until_stored(influx_settings, "plug-1", 5)
        await until_stored(influx_settings, "el-sunspec", 2)
        process.send_signal(signal.SIGTERM)
        text = await asyncio.to_thread(output.finish)
    finally:
        publisher.close()
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, text
    assert f"MQTT {host}:{port} (1 topic filters)" in text
    async with InfluxDBStore(influx_settings) as store:
        series = await store.raw(SeriesSelector("readings", "energy_kwh"), 0, time.time_ns())
        health = await store.latest(Measurement.COLLECTOR_HEALTH, 0)
    meters = {s.tags["meter"]: len(s.values) for s in series}
    assert meters["plug-1"] == 5
    assert meters["el-main"] >= 2
    collectors = {p.tags["collector"] for p in health}
    assert collectors == {"modbus", "mqtt"}
    mqtt_health = next(p for p in health if p.tags["collector"] == "mqtt")
    assert mqtt_health.tags["source"] == "fastighet/hus-b/plug-1/SENSOR"
    assert mqtt_health.fields["successes"] == 5
    assert mqtt_health.fields["failures"] == 2  # the two crash payloads, counted
    assert "bad MQTT payload" in text
    sunspec = next(p for p in health if p.tags["source"] == "el-sunspec")
    assert sunspec.fields["errors_value_bad_scale_factor"] >= 2
    assert sunspec.fields["online"]
