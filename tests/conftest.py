"""Shared fixtures: real services, fresh databases, both stores."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from daemon.config.models import InfluxDBSettings
from daemon.storage import EmbeddedStore, InfluxDBStore, Store
from tests.services import require_influxdb


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def influx_url() -> str:
    return require_influxdb()


@pytest.fixture
def influx_database(influx_url: str) -> Iterator[str]:
    """A fresh, uniquely named database, dropped afterwards."""
    name = f"enms_test_{uuid.uuid4().hex[:12]}"
    yield name
    httpx.post(f"{influx_url}/query", data={"q": f'DROP DATABASE "{name}"'}, timeout=30)


@pytest.fixture
def influx_settings(influx_url: str, influx_database: str) -> InfluxDBSettings:
    return InfluxDBSettings(url=influx_url, database=influx_database, create_database=True)


@pytest.fixture(params=["embedded", "influxdb"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """Each contract test runs once against the embedded store and once against real InfluxDB."""
    if request.param == "embedded":
        instance: Store = EmbeddedStore(tmp_path / "enms.sqlite")
    else:
        instance = InfluxDBStore(request.getfixturevalue("influx_settings"))
    try:
        yield instance
    finally:
        await instance.close()
