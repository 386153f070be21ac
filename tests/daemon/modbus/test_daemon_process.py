"""`enms run` as a real process: collects on schedule, stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import pytest

from daemon.deployment import Deployment
from daemon.health import HEALTH_MEASUREMENT
from daemon.storage import InfluxDBStore, SeriesSelector

pytestmark = pytest.mark.anyio


async def test_enms_run_collects_and_flushes_on_sigterm(deployment: Deployment) -> None:
    process = subprocess.Popen(  # noqa: ASYNC220 - started once; the test awaits it in a thread
        [sys.executable, "-m", "daemon.cli", "run", "--config", str(deployment.source)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        await asyncio.sleep(4.0)
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.to_thread(process.communicate, timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert "enms daemon started: 14 Modbus meters on 4 gateways" in output
    assert "enms daemon stopped" in output
    assert "0 dropped" in output

    assert deployment.config.storage.influxdb is not None
    async with InfluxDBStore(deployment.config.storage.influxdb) as store:
        series = await store.raw(SeriesSelector("readings", "energy_kwh"), 0, time.time_ns())
        health = await store.latest(HEALTH_MEASUREMENT, 0)
    counts = {s.tags["meter"]: len(s.values) for s in series}
    assert len(counts) == 12
    assert min(counts.values()) >= 2
    assert len(health) == 14  # the final health report, written on the way out
    failing = {p.tags["source"]: p.fields for p in health if p.fields["consecutive_failures"]}
    assert set(failing) == {"el-dead", "el-failing"}
    assert failing["el-dead"]["errors_timeout"] == failing["el-dead"]["failures"]
    assert failing["el-failing"]["errors_modbus_exception"] == failing["el-failing"]["failures"]
    assert all(p.fields["online"] for p in health if p.tags["source"] not in failing)
