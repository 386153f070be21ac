"""The API against real stored data: the fixture portfolio in the embedded store and in InfluxDB.

Per store, once per module: the readings are written, `enms baseline run` adopts the baselines
and writes the EnPI series, and the app is started with its lifespan (store and register open).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import hash_key
from core.deployment import load_deployment
from tests.fixture_portfolio import TARGETS, deploy
from tests.services import require_influxdb

READ_KEY = "test-read-key-0123456789"
WRITE_KEY = "test-write-key-0123456789"
API_KEYS = f"""
nonconformities: {{default_owner: energisamordnare, owners: {{bok-fjv: driftchef}}, verify_days: 0}}
api:
  keys:
    - {{name: review, sha256: {hash_key(READ_KEY)}, scopes: [read]}}
    - {{name: energy-team, sha256: {hash_key(WRITE_KEY)}, scopes: [read, write]}}
"""


@dataclass
class Served:
    client: TestClient
    config: Path
    backend: str


def prepare(folder: Path, storage: str) -> Path:
    """The fixture portfolio with the API's keys and the targets, baselines adopted."""
    return asyncio.run(deploy(None, storage, folder, extra=API_KEYS + TARGETS))


@pytest.fixture(scope="module", params=["embedded", "influxdb"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp(f"api-{request.param}")
    database = None
    if request.param == "embedded":
        storage = "{backend: embedded, embedded: {path: data.sqlite}}"
    else:
        url = require_influxdb()
        database = f"enms_api_{uuid.uuid4().hex[:12]}"
        storage = (
            f'{{backend: influxdb, influxdb: {{url: "{url}", database: {database}, '
            "create_database: true}}"
        )
    try:
        config = prepare(folder, storage)
        app = create_app(load_deployment(config), installed_plugins=False)
        with TestClient(app, raise_server_exceptions=False) as client:
            yield Served(client, config, request.param)
    finally:
        if database is not None:
            httpx.post(f"{require_influxdb()}/query", data={"q": f'DROP DATABASE "{database}"'})


def read(client: TestClient, path: str, **params: str) -> httpx.Response:
    return client.get(path, params=params or None, headers={"X-API-Key": READ_KEY})
