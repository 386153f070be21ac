"""Signals to `enms run`: SIGHUP stops in order and starts again with the configuration
re-read (a broken file leaves the running one in place); SIGTERM stops with exit 0."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from pathlib import Path

import pytest

from tests.daemon.test_store_and_forward import daemon_config, start_daemon
from tests.services import require_influxdb, require_mqtt

pytestmark = pytest.mark.anyio


def logged(log: Path) -> str:
    return log.read_text()


async def until_logged(log: Path, text: str, count: int = 1, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while logged(log).count(text) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} not logged {count} times:\n{logged(log)}")
        await asyncio.sleep(0.05)


async def test_sighup_reloads_the_configuration_and_a_broken_one_is_not_taken(
    tmp_path: Path,
) -> None:
    mqtt = require_mqtt()
    client_id = f"enms-hup-{uuid.uuid4().hex[:8]}"
    config = daemon_config(tmp_path, require_influxdb(), mqtt, client_id)
    config.write_text(
        config.read_text().replace("database: enms,", f"database: hup_{client_id[-8:]},")
    )
    log = tmp_path / "daemon.log"
    process = start_daemon(config, log)
    try:
        await until_logged(log, "subscribing to 1 topic filters")
        # a second meter, then SIGHUP: the daemon stops in order and starts with both
        topic = f"t/{client_id}/fjv2"
        second = (
            "      - {id: fjv2, building: b, medium: district_heating, unit: MWh,\n"
            f'         mqtt: {{topic: "{topic}", format: mbus_heat_meter_json}}}}\n'
        )
        config.write_text(config.read_text() + second)
        process.send_signal(signal.SIGHUP)
        await until_logged(log, "subscribing to 2 topic filters")
        text = logged(log)
        assert "SIGHUP: stopping in order" in text
        assert "enms daemon stopped" in text
        assert "reloaded" in text
        # a broken file: the running configuration stays
        good = config.read_text()
        config.write_text(good + "  - this is not: [valid\n")
        process.send_signal(signal.SIGHUP)
        await until_logged(log, "configuration not reloaded")
        await until_logged(log, "subscribing to 2 topic filters", count=2)
        assert process.poll() is None
        process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(process.wait, 30) == 0
    finally:
        if process.poll() is None:
            process.kill()
