"""Where the real test services are, and a clear failure when they are not there.

The services are started by ``scripts/services.sh start`` (CI does this in ``.ci/run``).
A test that needs one and cannot reach it fails -- it is never skipped silently.
"""

from __future__ import annotations

import os
import shutil
import socket

import httpx
import pytest

START_HINT = "start the test services with: scripts/services.sh start"


def influx_url() -> str:
    return os.environ.get("ENMS_TEST_INFLUX_URL", "http://127.0.0.1:18086").rstrip("/")


def mqtt_address() -> tuple[str, int]:
    return (
        os.environ.get("ENMS_TEST_MQTT_HOST", "127.0.0.1"),
        int(os.environ.get("ENMS_TEST_MQTT_PORT", "11883")),
    )


def require_influxdb() -> str:
    url = influx_url()
    try:
        response = httpx.get(f"{url}/ping", timeout=3)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        pytest.fail(f"InfluxDB is not reachable at {url} ({exc}); {START_HINT}", pytrace=False)
    return url


def require_mqtt() -> tuple[str, int]:
    host, port = mqtt_address()
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as exc:
        pytest.fail(
            f"Mosquitto is not reachable at {host}:{port} ({exc}); {START_HINT}", pytrace=False
        )
    return host, port


def require_chromium() -> str:
    """The Chromium the report test drives (Debian's package, installed by services.sh)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail(f"Chromium is not installed; {START_HINT}", pytrace=False)
    return path
