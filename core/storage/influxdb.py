"""The InfluxDB store, through the v1 HTTP API.

Line protocol to ``/write`` and InfluxQL to ``/query``: InfluxDB 1.x serves these natively,
2.x through its v1 compatibility endpoints (a DBRP mapping names the bucket) and 3 Core
natively, so one adapter serves all three (DESIGN §3).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import httpx
import numpy as np

from core.config.models import InfluxDBSettings
from core.config.types import DEFAULT_TIME_ZONE
from core.errors import InvalidPoint, StoreRejected, StoreUnavailable
from core.storage import influxql
from core.storage.buckets import PARTIALS, bucket_grid, roll_up
from core.storage.contract import Instant, Store, as_ns
from core.storage.lineprotocol import LineEncoder
from core.storage.points import (
    Aggregate,
    Bucket,
    BucketSeries,
    FloatArray,
    LatestPoint,
    Point,
    RawSeries,
    SeriesSelector,
)

log = logging.getLogger(__name__)

_WRITE_PRECISION = {"ns": "ns", "us": "u", "ms": "ms", "s": "s"}
_INTERVAL = {Bucket.HOUR: "1h", Bucket.DAY: "1d"}
_FIRST_RETRY_DELAY_S = 0.25
_MAX_RETRY_DELAY_S = 8.0
_CHUNK_SIZE = 20_000
_ENCODE_SLICE = 250
_FAR_FUTURE_NS = 2**62  # an end for "until now and beyond" (year 2116)


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:500] or response.reason_phrase
    if isinstance(body, dict) and "error" in body:  # 1.x and the v1 endpoints
        return str(body["error"])[:500]
    if isinstance(body, dict) and "message" in body:  # the v2 API: {"code", "message"}
        return str(body["message"])[:500]
    return response.text.strip()[:500]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class InfluxDBStore(Store):
    kind = "influxdb"

    def __init__(
        self, settings: InfluxDBSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.settings = settings
        headers = {"User-Agent": "enms"}
        auth: httpx.Auth | None = None
        if settings.token is not None:
            headers["Authorization"] = f"Token {settings.token.get_secret_value()}"
        elif settings.username is not None and settings.password is not None:
            auth = httpx.BasicAuth(settings.username, settings.password.get_secret_value())
        self._client = httpx.AsyncClient(
            base_url=settings.url,
            headers=headers,
            auth=auth,
            timeout=settings.timeout_s,
            verify=settings.verify_tls,
            transport=transport,
        )
        self._encoder = LineEncoder(settings.precision)
        self._database_checked = not settings.create_database
        # the daemon's writer and its readers start together: one creates the database while
        # the others wait, so nothing is written before it exists
        self._database_lock = asyncio.Lock()

    # ------------------------------------------------------------------ transport
    async def _send(self, method: str, path: str, what: str, **kwargs: Any) -> httpx.Response:
        """Send a request, retrying connection errors and 5xx answers with backoff."""
        delay = _FIRST_RETRY_DELAY_S
        attempts = self.settings.max_retries + 1
        problem = ""
        for attempt in range(1, attempts + 1):
            try:
                response = await self._client.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            else:
                if response.status_code < 500:
                    return response
                problem = f"HTTP {response.status_code}: {_error_text(response)}"
            if attempt < attempts:
                log.debug(
                    "InfluxDB %s failed (%s); retry %d/%d", what, problem, attempt, attempts - 1
                )
                await asyncio.sleep(delay * random.uniform(0.8, 1.2))
                delay = min(delay * 2, _MAX_RETRY_DELAY_S)
        raise StoreUnavailable(
            f"InfluxDB at {self.settings.url}: {what} failed after {attempts} attempt"
            f"{'s' if attempts != 1 else ''}: {problem}"
        )

    def _rejected(self, response: httpx.Response, what: str, written: int = 0) -> StoreRejected:
        status = response.status_code
        text = _error_text(response)
        hint = ""
        if status in (401, 403):
            hint = " (check storage.influxdb.token or username/password)"
        elif "database not found" in text:
            hint = " (create it, or set storage.influxdb.create_database: true on InfluxDB 1.x)"
        return StoreRejected(
            f"InfluxDB refused {what}: HTTP {status}: {text}{hint}", status=status, written=written
        )

    async def _database_ready(self) -> None:
        if self._database_checked:
            return
        async with self._database_lock:
            if not self._database_checked:
                await self.ensure_database()

    async def _query(
        self, statement: str, *, method: str = "GET", chunked: bool = False
    ) -> list[dict[str, Any]]:
        """Run InfluxQL; return the series of its (single) statement."""
        await self._database_ready()
        return await self._statement(statement, method=method, chunked=chunked)

    async def _statement(
        self, statement: str, *, method: str = "GET", chunked: bool = False
    ) -> list[dict[str, Any]]:
        params: dict[str, str] = {"db": self.settings.database, "epoch": "ns"}
        if chunked:
            params |= {"chunked": "true", "chunk_size": str(_CHUNK_SIZE)}
        if method == "GET":
            response = await self._send("GET", "/query", "query", params={**params, "q": statement})
        else:
            response = await self._send(
                "POST", "/query", "query", params=params, data={"q": statement}
            )
        if response.status_code >= 400:
            raise self._rejected(response, f"the query {statement!r}")
        series: list[dict[str, Any]] = []
        for body in self._bodies(response, chunked):
            if "error" in body:
                raise StoreRejected(f"InfluxDB query failed: {body['error']} ({statement})")
            for result in body.get("results", []):
                if "error" in result:
                    raise StoreRejected(f"InfluxDB query failed: {result['error']} ({statement})")
                series.extend(result.get("series", []))
        return series

    @staticmethod
    def _bodies(response: httpx.Response, chunked: bool) -> Iterator[dict[str, Any]]:
        if not chunked:
            yield response.json()
            return
        for line in response.text.splitlines():  # one JSON document per chunk
            if line.strip():
                yield json.loads(line)

    # ------------------------------------------------------------------ contract
    async def ping(self) -> None:
        response = await self._send("GET", "/ping", "ping")
        if response.status_code >= 400:
            raise self._rejected(response, "ping")

    async def ensure_database(self) -> None:
        """Create the database if it does not exist (InfluxDB 1.x; a no-op if it does)."""
        statement = f"CREATE DATABASE {influxql.identifier(self.settings.database)}"
        await self._statement(statement, method="POST")
        self._database_checked = True  # only once it exists: a failed attempt is tried again

    async def _encode(self, batch: Sequence[Point]) -> tuple[bytes, list[tuple[Point, str]]]:
        """Encode a batch in slices, yielding to the event loop between them.

        While a batch is being written the event loop has little to do but wait for the
        server; encoding the next batch in between lets the two overlap, without a thread
        contending for the GIL with the loop that drives the request.
        """
        bodies, rejected = [], []
        for offset in range(0, len(batch), _ENCODE_SLICE):
            body, refused = self._encoder.encode(batch[offset : offset + _ENCODE_SLICE])
            if body:
                bodies.append(body)
            rejected += refused
            await asyncio.sleep(0)
        return b"\n".join(bodies), rejected

    def _write_target(self) -> tuple[str, dict[str, str]]:
        """The write endpoint and its parameters: v1 ``/write`` (db, rp) or v2
        ``/api/v2/write`` (org, bucket); both take line protocol at the same precisions."""
        settings = self.settings
        if settings.api == "v2":
            assert settings.org is not None  # the settings' validation requires it
            return "/api/v2/write", {
                "org": settings.org,
                "bucket": settings.database,
                "precision": settings.precision,
            }
        params = {"db": settings.database, "precision": _WRITE_PRECISION[settings.precision]}
        if settings.retention_policy:
            params["rp"] = settings.retention_policy
        return "/write", params

    async def write(self, points: Sequence[Point]) -> int:
        await self._database_ready()
        path, params = self._write_target()
        size = self.settings.batch_size
        # One request in flight at a time, as from any single writer; the next batch is encoded
        # while the current one is being written.
        written = 0
        rejected: list[tuple[Point, str]] = []
        pending: tuple[asyncio.Task[httpx.Response], int] | None = None
        for offset in range(0, len(points), size):
            body, refused = await self._encode(points[offset : offset + size])
            rejected += refused
            if pending is not None:
                written += await self._finish(*pending, written)
                pending = None
            if body:
                count = min(size, len(points) - offset) - len(refused)
                sending = self._send(
                    "POST", path, f"writing {count} points", params=params, content=body
                )
                pending = (asyncio.create_task(sending), count)
        if pending is not None:
            written += await self._finish(*pending, written)
        if rejected:
            raise InvalidPoint.after_write(written, list(rejected))
        return written

    async def _finish(self, sending: asyncio.Task[httpx.Response], count: int, written: int) -> int:
        response = await sending
        if response.status_code >= 400:
            raise self._rejected(response, f"a batch of {count} points", written=written)
        return count

    async def raw(self, selector: SeriesSelector, start: Instant, end: Instant) -> list[RawSeries]:
        statement = influxql.select_raw(
            selector, self.settings.retention_policy, as_ns(start), as_ns(end)
        )
        merged: dict[tuple[tuple[str, str], ...], list[list[Any]]] = {}
        for series in await self._query(statement, chunked=True):
            tags = {k: v for k, v in (series.get("tags") or {}).items() if v != ""}
            merged.setdefault(tuple(sorted(tags.items())), []).extend(series.get("values", []))
        result = []
        for tags_key, rows in sorted(merged.items()):
            numeric = [row for row in rows if _is_number(row[1])]
            if not numeric:
                continue  # a non-numeric field (text, boolean) is not a series of numbers
            times = np.fromiter((row[0] for row in numeric), dtype=np.int64, count=len(numeric))
            values = np.fromiter((row[1] for row in numeric), dtype=np.float64, count=len(numeric))
            result.append(RawSeries(dict(tags_key), times, values))
        return result

    async def latest(
        self, measurement: str, start: Instant, tags: Mapping[str, str] | None = None
    ) -> list[LatestPoint]:
        statement = influxql.select_latest(
            measurement,
            self.settings.retention_policy,
            {key: (value,) for key, value in (tags or {}).items()},
            as_ns(start),
            _FAR_FUTURE_NS,
        )
        result = []
        for series in await self._query(statement):
            series_tags = {k: v for k, v in (series.get("tags") or {}).items() if v != ""}
            columns: list[str] = series["columns"]
            for row in series.get("values", []):
                fields = {
                    name: value
                    for name, value in zip(columns[1:], row[1:], strict=True)
                    if value is not None and name not in series_tags
                }
                result.append(LatestPoint(series_tags, int(row[0]), fields))
        result.sort(key=lambda p: sorted(p.tags.items()))
        return result

    async def aggregate(
        self,
        selector: SeriesSelector,
        start: Instant,
        end: Instant,
        bucket: Bucket,
        agg: Aggregate,
        *,
        tz: str = DEFAULT_TIME_ZONE,
        group_by: Sequence[str] = (),
    ) -> list[BucketSeries]:
        start_ns, end_ns = as_ns(start), as_ns(end)
        bounds = bucket_grid(start_ns, end_ns, bucket, tz)
        native = bucket in _INTERVAL
        # Hours and days come from the server; weeks and months are rolled up from days here,
        # because InfluxQL has no calendar months.
        grid = bounds if native else bucket_grid(start_ns, end_ns, Bucket.DAY, tz)
        wanted = (
            (agg, Aggregate.COUNT)
            if native and agg is not Aggregate.COUNT
            else ((Aggregate.COUNT,) if native else PARTIALS[agg])
        )
        statement = influxql.select_buckets(
            selector,
            self.settings.retention_policy,
            start_ns,
            end_ns,
            interval=_INTERVAL[bucket] if native else "1d",
            aggregates=wanted,
            group_by=group_by,
            tz=tz,
        )
        result = []
        for series in await self._query(statement):
            tags = series.get("tags") or {}
            columns: list[str] = series["columns"]
            rows = series.get("values", [])
            starts = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
            slots = np.searchsorted(grid, starts)
            if np.any(slots >= len(grid) - 1) or np.any(grid[slots] != starts):
                raise StoreRejected(
                    f"InfluxDB returned buckets that are not local {bucket.value} starts in {tz}"
                )
            partials: dict[Aggregate, FloatArray] = {}
            for agg_name in wanted:
                column = columns.index(agg_name.value)
                values = np.full(len(grid) - 1, np.nan)
                values[slots] = [
                    float(row[column]) if _is_number(row[column]) else np.nan for row in rows
                ]
                partials[agg_name] = values
            counts_float = np.nan_to_num(partials[Aggregate.COUNT])
            if native:
                values_out = partials[agg]
                counts_out = counts_float.astype(np.int64)
            else:
                values_out, counts_out = roll_up(grid[:-1], partials, bounds, agg)
            result.append(
                BucketSeries(
                    tags={key: tags.get(key, "") for key in group_by},
                    starts_ns=bounds[:-1].copy(),
                    values=values_out,
                    counts=counts_out,
                    tz=tz,
                )
            )
        result.sort(key=lambda s: tuple(s.tags.values()))
        return result

    async def close(self) -> None:
        await self._client.aclose()
