"""What an exposed API must refuse: anonymous reads off loopback, bodies before the key and
past the limit, periods outside the years enms holds; and secrets kept out of what it shows."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import hash_key
from core.deployment import load_deployment
from enms.cli.main import main

READ_KEY = "exposure-read-key-0123456789"
WRITE_KEY = "exposure-write-key-0123456789"


def write_config(folder: Path, *, storage: str | None = None) -> Path:
    path = folder / "site.yaml"
    path.write_text(
        textwrap.dedent(f"""\
        version: 1
        portfolio: {{name: Testkommun}}
        storage: {storage or "{backend: embedded, embedded: {path: data.sqlite}}"}
        daemon: {{register_path: register.sqlite}}
        api:
          host: 127.0.0.1
          read_without_key: true
          max_body_bytes: 2048
          keys:
            - {{name: review, sha256: {hash_key(READ_KEY)}, scopes: [read]}}
            - {{name: team, sha256: {hash_key(WRITE_KEY)}, scopes: [read, write]}}
        sites:
          - id: s
            name: S
            buildings: [{{id: b, name: B, category: school, atemp_m2: 100}}]
        """)
    )
    return path


def client(folder: Path, bound_host: str | None = None) -> TestClient:
    app = create_app(
        load_deployment(write_config(folder)), installed_plugins=False, bound_host=bound_host
    )
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[TestClient]:
    with client(tmp_path) as test_client:
        yield test_client


def test_reads_without_a_key_only_on_a_socket_bound_to_loopback(tmp_path: Path) -> None:
    with client(tmp_path, bound_host="127.0.0.1") as local:
        assert local.get("/api/v1/portfolio").status_code == 200
    # `enms api --host 0.0.0.0` (as docker-compose runs it) with the same configuration
    with client(tmp_path, bound_host="0.0.0.0") as exposed:
        assert exposed.get("/api/v1/portfolio").status_code == 401
        assert exposed.get("/api/v1/portfolio", headers={"X-API-Key": READ_KEY}).status_code == 200


def test_a_body_is_refused_before_it_is_read_without_a_write_key(api: TestClient) -> None:
    read_so_far = 0

    def body() -> Iterator[bytes]:
        nonlocal read_so_far
        for _ in range(100):
            read_so_far += 1000
            yield b"x" * 1000

    answer = api.post("/api/v1/reviews/2025/decisions", content=body())
    assert answer.status_code == 401
    assert read_so_far <= 1000  # at most the first chunk the client had ready
    with_read_key = api.post(
        "/api/v1/reviews/2025/decisions", json={}, headers={"X-API-Key": READ_KEY}
    )
    assert with_read_key.status_code == 403


def test_a_body_over_the_limit_is_refused_by_its_length_or_while_it_streams(
    api: TestClient,
) -> None:
    headers = {"X-API-Key": WRITE_KEY, "Content-Type": "application/json"}
    declared = api.post("/api/v1/reviews/2025/decisions", content=b"{" * 5000, headers=headers)
    assert declared.status_code == 413
    chunks = (b" " * 1000 for _ in range(10))  # no Content-Length: chunked
    streamed = api.post("/api/v1/reviews/2025/decisions", content=chunks, headers=headers)
    assert streamed.status_code == 413
    fits = api.post(
        "/api/v1/reviews/2025/decisions",
        json={"topic": "policy", "decision": "Keep the energy policy", "owner": "nämnden"},
        headers=headers,
    )
    assert fits.status_code != 413


@pytest.mark.parametrize("period", ["9999", "0001-01-01..9999-12-31", "1999", "2100-01"])
def test_periods_outside_the_years_enms_holds_are_a_400_not_a_500(
    api: TestClient, period: str
) -> None:
    answer = api.get("/api/v1/review", params={"period": period}, headers={"X-API-Key": READ_KEY})
    assert answer.status_code == 400, answer.text
    assert "2000-2099" in answer.json()["detail"]


def test_a_password_in_the_influxdb_url_never_appears(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage = (
        '{backend: influxdb, influxdb: {url: "http://enms:hemligt-123@127.0.0.1:9", '
        "database: enms, max_retries: 0, timeout_s: 1}}"
    )
    config = write_config(tmp_path, storage=storage)
    assert main(["config", "check", str(config)]) == 0
    assert main(["store", "ping", "--config", str(config)]) == 1
    printed = capsys.readouterr()
    assert "hemligt" not in printed.out + printed.err
    assert "http://127.0.0.1:9" in printed.out
    deployment = load_deployment(config)
    assert deployment.config.storage.influxdb is not None
    assert deployment.config.storage.influxdb.username == "enms"
    with TestClient(create_app(deployment, installed_plugins=False)) as api:
        health = api.get("/health")
    assert health.status_code == 503
    assert "hemligt" not in health.text
