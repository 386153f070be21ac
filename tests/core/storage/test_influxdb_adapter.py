"""The InfluxDB adapter against a real server: retries, clear errors, authentication headers."""

from __future__ import annotations

import asyncio
import base64
import socket

import pytest
from pydantic import SecretStr

from core.config.models import InfluxDBSettings
from core.errors import StoreRejected, StoreUnavailable
from core.storage import InfluxDBStore, Point, SeriesSelector
from tests.faultproxy import fault_proxy
from tests.influx2_gateway import Influx2Gateway

pytestmark = pytest.mark.anyio

NS = 1_000_000_000


def points(count: int, field: str = "energy_kwh") -> list[Point]:
    return [
        Point("readings", {"meter": "m1"}, {field: float(i)}, (1_700_000_000 + i) * NS)
        for i in range(count)
    ]


async def stored(settings: InfluxDBSettings) -> int:
    async with InfluxDBStore(settings) as store:
        series = await store.raw(SeriesSelector("readings", "energy_kwh"), 0, 2_000_000_000 * NS)
    return sum(len(s.values) for s in series)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_writes_are_batched_and_all_points_arrive(influx_settings: InfluxDBSettings) -> None:
    settings = influx_settings.model_copy(update={"batch_size": 7})
    with fault_proxy(settings.url) as (url, state):
        async with InfluxDBStore(settings.model_copy(update={"url": url})) as store:
            assert await store.write(points(50)) == 50
    writes = [path for method, path, _ in state.requests if path.startswith("/write")]
    assert len(writes) == 8  # ceil(50 / 7)
    assert all("precision=ns" in path for path in writes)  # the default: nothing truncated
    assert await stored(influx_settings) == 50


async def test_server_errors_are_retried_until_the_write_succeeds(
    influx_settings: InfluxDBSettings,
) -> None:
    with fault_proxy(influx_settings.url) as (url, state):
        settings = influx_settings.model_copy(update={"url": url, "max_retries": 3})
        async with InfluxDBStore(settings) as store:
            await store.ensure_database()  # so the injected failures hit the write
            state.fail_next = 2
            assert await store.write(points(10)) == 10
    assert [path.split("?")[0] for _, path, _ in state.requests].count("/write") == 3
    assert await stored(influx_settings) == 10


async def test_persistent_server_errors_raise_store_unavailable_naming_the_cause(
    influx_settings: InfluxDBSettings,
) -> None:
    with fault_proxy(influx_settings.url) as (url, state):
        settings = influx_settings.model_copy(update={"url": url, "max_retries": 2})
        async with InfluxDBStore(settings) as store:
            await store.ensure_database()
            state.fail_next = 100
            with pytest.raises(
                StoreUnavailable, match=r"failed after 3 attempts: HTTP 503: injected failure"
            ):
                await store.write(points(3))


async def test_unreachable_server_raises_store_unavailable_after_retries() -> None:
    settings = InfluxDBSettings(
        url=f"http://127.0.0.1:{free_port()}", database="enms", max_retries=1, timeout_s=1
    )
    async with InfluxDBStore(settings) as store:
        with pytest.raises(StoreUnavailable, match="failed after 2 attempts: ConnectError"):
            await store.write(points(1))


async def test_rejected_points_raise_with_the_servers_reason_never_silently(
    influx_settings: InfluxDBSettings,
) -> None:
    async with InfluxDBStore(influx_settings.model_copy(update={"batch_size": 5})) as store:
        await store.write(points(5))
        text = Point("readings", {"meter": "m1"}, {"energy_kwh": "text"}, 1_700_000_100 * NS)
        conflicting = [*points(5), text]
        with pytest.raises(StoreRejected) as caught:
            await store.write(conflicting)
    assert caught.value.status == 400
    assert "field type conflict" in str(caught.value)
    assert caught.value.written == 5  # the first batch had been accepted before the rejection


async def test_unknown_database_is_explained(influx_url: str) -> None:
    settings = InfluxDBSettings(url=influx_url, database="enms_does_not_exist_x", max_retries=0)
    async with InfluxDBStore(settings) as store:
        with pytest.raises(StoreRejected, match=r"database not found.*create_database"):
            await store.write(points(1))


async def test_invalid_queries_raise_store_rejected(influx_settings: InfluxDBSettings) -> None:
    async with InfluxDBStore(influx_settings) as store:
        with pytest.raises(StoreRejected, match=r"refused the query.*error parsing query"):
            await store._query("SELECT FROM WHERE")


async def test_token_is_sent_as_a_token_header(influx_settings: InfluxDBSettings) -> None:
    with fault_proxy(influx_settings.url) as (url, state):
        settings = influx_settings.model_copy(update={"url": url, "token": SecretStr("abc123")})
        async with InfluxDBStore(settings) as store:
            await store.write(points(1))
    assert {headers.get("Authorization") for _, _, headers in state.requests} == {"Token abc123"}


async def test_username_and_password_are_sent_as_basic_auth(
    influx_settings: InfluxDBSettings,
) -> None:
    with fault_proxy(influx_settings.url) as (url, state):
        settings = influx_settings.model_copy(
            update={"url": url, "username": "enms", "password": SecretStr("pw")}
        )
        async with InfluxDBStore(settings) as store:
            await store.write(points(1))
    expected = "Basic " + base64.b64encode(b"enms:pw").decode()
    assert {headers.get("Authorization") for _, _, headers in state.requests} == {expected}


async def test_authentication_failures_say_what_to_check(influx_settings: InfluxDBSettings) -> None:
    with fault_proxy(influx_settings.url) as (url, state):
        state.fail_next, state.fail_status = 1, 401
        state.fail_body = b'{"error":"authorization failed"}'
        settings = influx_settings.model_copy(update={"url": url, "create_database": False})
        async with InfluxDBStore(settings) as store:
            with pytest.raises(StoreRejected, match=r"HTTP 401: authorization failed.*token"):
                await store.write(points(1))


async def test_retention_policy_is_passed_on_writes(influx_settings: InfluxDBSettings) -> None:
    async with InfluxDBStore(influx_settings) as store:
        await store.ensure_database()
        database = influx_settings.database
        await store._query(
            f'CREATE RETENTION POLICY "short" ON "{database}" DURATION 1000w REPLICATION 1',
            method="POST",
        )
    settings = influx_settings.model_copy(update={"retention_policy": "short"})
    async with InfluxDBStore(settings) as store:
        await store.write(points(4))
        (series,) = await store.raw(SeriesSelector("readings", "energy_kwh"), 0, 2_000_000_000 * NS)
    assert len(series.values) == 4
    assert await stored(influx_settings) == 0  # nothing in the default retention policy


async def test_a_write_racing_the_first_query_waits_for_the_database(
    influx_settings: InfluxDBSettings,
) -> None:
    """The daemon's writer and its readers start together on a fresh database: the write must
    not arrive before the database exists (it did once, and 500 readings were refused)."""
    point = Point("readings", {"meter": "m"}, {"energy_kwh": 1.0}, 1_700_000_000 * 10**9)
    with fault_proxy(influx_settings.url) as (url, state):
        state.slow_create_s = 0.5  # the write starts while the query's CREATE is in flight
        store = InfluxDBStore(influx_settings.model_copy(update={"url": url}))
        try:
            _, written = await asyncio.gather(
                store.raw(SeriesSelector("readings", "energy_kwh"), 0, 2 * 10**18),
                store.write([point]),
            )
        finally:
            await store.close()
    assert written == 1
    creates = [r for r in state.requests if r[0] == "POST" and "/write" not in r[1]]
    assert len(creates) == 1  # created once, by whichever came first


async def test_the_v2_api_writes_with_org_bucket_and_token(
    influx_settings: InfluxDBSettings,
) -> None:
    """``api: v2`` writes to /api/v2/write with org, bucket, precision and the token, as
    InfluxDB 2 expects (through tests/influx2_gateway.py over the real InfluxDB 1.x), reads
    back through /query, and says what is wrong when the token or the org is."""
    async with InfluxDBStore(influx_settings) as upstream:
        await upstream.ensure_database()
    gateway = Influx2Gateway(influx_settings.url, org="kommunen", token="right-token")
    gateway.start()
    try:

        def v2(**changes: object) -> InfluxDBSettings:
            fields: dict[str, object] = {
                "url": gateway.url, "api": "v2", "org": "kommunen", "token": "right-token",
                "database": influx_settings.database, "precision": "ms",
            }  # fmt: skip
            return InfluxDBSettings.model_validate(fields | changes)

        points = [Point("readings", {"meter": "m"}, {"energy_kwh": 1.5}, 1_700_000_000_000_000_000)]
        async with InfluxDBStore(v2()) as store:
            assert await store.write(points) == 1
            (series,) = await store.raw(SeriesSelector("readings", "energy_kwh"), 0, 2 * 10**18)
            assert series.values.tolist() == [1.5]
        (write,) = gateway.writes()
        assert write.method == "POST"
        assert write.params == {
            "org": "kommunen", "bucket": influx_settings.database, "precision": "ms"
        }  # fmt: skip
        assert write.authorization == "Token right-token"
        async with InfluxDBStore(v2(token="wrong-token")) as store:
            with pytest.raises(StoreRejected, match=r"HTTP 401.*check storage.influxdb.token"):
                await store.write(points)
        async with InfluxDBStore(v2(org="annan")) as store:
            with pytest.raises(StoreRejected, match='organization name "annan" not found'):
                await store.write(points)
    finally:
        gateway.stop()
    with pytest.raises(ValueError, match="api: v2 needs org and token"):
        InfluxDBSettings(url="http://127.0.0.1:1", database="b", api="v2", token="t")
    with pytest.raises(ValueError, match="printable ASCII"):
        InfluxDBSettings(url="http://127.0.0.1:1", database="b", token="rätt")
