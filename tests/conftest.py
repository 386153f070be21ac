"""Shared fixtures: real services, fresh databases, both stores."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from core.config.models import InfluxDBSettings
from core.storage import EmbeddedStore, InfluxDBStore, Store
from tests.influx2_gateway import Influx2Gateway
from tests.private_services import PrivateBroker, PrivateInfluxDB
from tests.services import require_influxdb, require_mqtt


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


@pytest.fixture(params=["embedded", "influxdb", "influxdb-v2"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """Each contract test runs against the embedded store, against real InfluxDB, and against
    the same InfluxDB through enms's v2 path (``api: v2``, via tests/influx2_gateway.py)."""
    gateway = None
    if request.param == "embedded":
        instance: Store = EmbeddedStore(tmp_path / "enms.sqlite")
    elif request.param == "influxdb":
        instance = InfluxDBStore(request.getfixturevalue("influx_settings"))
    else:
        settings: InfluxDBSettings = request.getfixturevalue("influx_settings")
        async with InfluxDBStore(settings) as upstream:  # the bucket exists, as in 2.x
            await upstream.ensure_database()
        gateway = Influx2Gateway(settings.url, org="kommunen", token="test-token-v2")
        gateway.start()
        instance = InfluxDBStore(
            InfluxDBSettings(
                url=gateway.url, api="v2", org="kommunen", token="test-token-v2",
                database=settings.database,
            )
        )  # fmt: skip
    try:
        yield instance
    finally:
        await instance.close()
        if gateway is not None:
            gateway.stop()


@pytest.fixture
def private_influx(tmp_path: Path) -> Iterator[PrivateInfluxDB]:
    """An InfluxDB of the test's own, which it may stop and start."""
    require_influxdb()  # the same installation; fail with the hint if it is missing
    instance = PrivateInfluxDB(tmp_path / "influxdb")
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[PrivateBroker]:
    """A Mosquitto of the test's own, with persistence, which it may stop and start."""
    require_mqtt()
    folder = tmp_path / "mosquitto"
    folder.mkdir()
    instance = PrivateBroker(folder)
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture(params=["embedded", "influxdb"])
def configured_store(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Store]:
    """A store and the ``storage:`` YAML that opens it from a configuration file in tmp_path.

    Once with the embedded store, once with a fresh database on the real InfluxDB; the caller
    closes the store.
    """
    if request.param == "embedded":
        return (
            "{backend: embedded, embedded: {path: data.sqlite}}",
            EmbeddedStore(tmp_path / "data.sqlite"),
        )
    settings: InfluxDBSettings = request.getfixturevalue("influx_settings")
    storage = (
        f'{{backend: influxdb, influxdb: {{url: "{settings.url}", database: '
        f"{settings.database}, create_database: true}}}}"
    )
    return storage, InfluxDBStore(settings)
