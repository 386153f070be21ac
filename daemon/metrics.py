"""The daemon's own health as metrics: Prometheus text on HTTP, and a measurement in storage."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Mapping

from core.health import SourceHealth
from core.schema import DaemonField, Measurement, Tag
from core.storage.points import FieldValue, Point
from daemon.supervision import TaskHealth
from daemon.writer import Writer

log = logging.getLogger(__name__)


def writer_fields(writer: Writer) -> dict[str, FieldValue]:
    stats = writer.stats
    spool = writer.spool
    fields: dict[str, FieldValue] = {
        DaemonField.READINGS_RECEIVED: stats.received,
        DaemonField.READINGS_WRITTEN: stats.written,
        DaemonField.READINGS_SPOOLED: stats.spooled,
        DaemonField.READINGS_REPLAYED: stats.replayed,
        DaemonField.READINGS_REJECTED: stats.rejected,
        DaemonField.READINGS_DROPPED: stats.dropped + (spool.dropped if spool else 0),
        DaemonField.SPOOL_ERRORS: stats.spool_errors,
        DaemonField.SPOOL_QUARANTINED_ROWS: spool.quarantined if spool else 0,
        DaemonField.QUEUE_DEPTH: writer.depth,
        DaemonField.SPOOL_READINGS: spool.readings if spool else 0,
        DaemonField.SPOOL_BYTES: spool.bytes if spool else 0,
        DaemonField.STORE_AVAILABLE: stats.store_available,
    }
    if stats.last_write_latency_s is not None:
        fields[DaemonField.WRITE_LATENCY_MS] = round(stats.last_write_latency_s * 1000, 3)
    return fields


def daemon_point(writer: Writer, now_ns: int) -> Point:
    return Point(Measurement.DAEMON, {Tag.STORE: writer.store.kind}, writer_fields(writer), now_ns)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


_HELP = {
    "readings_received": ("counter", "Readings handed to the writer by the collectors."),
    "readings_written": ("counter", "Readings the store accepted (live and replayed)."),
    "readings_spooled": (
        "counter",
        "Readings kept in the spool because the store could not take them.",
    ),
    "readings_replayed": ("counter", "Spooled readings written to the store later."),
    "readings_rejected": ("counter", "Readings the store refused as invalid."),
    "readings_dropped": ("counter", "Readings neither written nor spooled."),
    "spool_errors": (
        "counter",
        "Spool reads or writes the disk refused (readings kept in memory).",
    ),
    "spool_quarantined_rows": (
        "counter",
        "Spool rows that could not be decoded, kept aside in the quarantine file.",
    ),
    "queue_depth": ("gauge", "Readings waiting in memory."),
    "spool_readings": ("gauge", "Readings in the spool."),
    "spool_bytes": ("gauge", "Size of the spooled readings."),
    "store_available": ("gauge", "1 while the store answers."),
    "write_latency_ms": ("gauge", "Duration of the last write to the store."),
}


def prometheus_text(
    writer: Writer,
    sources: Iterable[SourceHealth],
    tasks: Mapping[str, TaskHealth] | None = None,
) -> str:
    lines: list[str] = []
    for name, value in writer_fields(writer).items():
        kind, text = _HELP[name]
        metric = f"enms_{name}" + ("_total" if kind == "counter" else "")
        lines += [f"# HELP {metric} {text}", f"# TYPE {metric} {kind}", f"{metric} {float(value)}"]
    sources = list(sources)
    lines += [
        "# HELP enms_source_online 1 while a meter or topic reads without repeated failures.",
        "# TYPE enms_source_online gauge",
    ]
    for source in sources:
        labels = f'collector="{_label(source.collector)}",source="{_label(source.source)}"'
        lines.append(f"enms_source_online{{{labels}}} {1.0 if source.online else 0.0}")
    lines += [
        "# HELP enms_source_errors_total Failed reads or bad payloads per source and reason.",
        "# TYPE enms_source_errors_total counter",
    ]
    for source in sources:
        for kind, count in sorted(source.errors.items()):
            labels = (
                f'collector="{_label(source.collector)}",source="{_label(source.source)}",'
                f'kind="{_label(kind)}"'
            )
            lines.append(f"enms_source_errors_total{{{labels}}} {float(count)}")
    if tasks:
        lines += [
            "# HELP enms_task_up 1 while a supervised task (writer, collector, schedule) runs.",
            "# TYPE enms_task_up gauge",
            *(f'enms_task_up{{task="{_label(t.name)}"}} {float(t.up)}' for t in tasks.values()),
            "# HELP enms_task_restarts_total Times a supervised task failed and was restarted.",
            "# TYPE enms_task_restarts_total counter",
            *(
                f'enms_task_restarts_total{{task="{_label(t.name)}"}} {float(t.restarts)}'
                for t in tasks.values()
            ),
        ]
    return "\n".join(lines) + "\n"


class MetricsServer:
    """A minimal HTTP server: GET /metrics in Prometheus text format, GET /healthz.

    /healthz answers 503 naming the supervised tasks that are down, so a container health
    check sees a daemon that runs but does not work.
    """

    def __init__(
        self,
        host: str,
        port: int,
        render: Callable[[], str],
        down: Callable[[], list[str]] = list,
    ) -> None:
        self.host, self.port, self.render, self.down = host, port, render, down
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("metrics on http://%s:%d/metrics", self.host, self.port)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), 5)
            while (await asyncio.wait_for(reader.readline(), 5)) not in (b"\r\n", b"\n", b""):
                pass  # headers are not needed
            parts = request.decode("latin-1").split()
            path = parts[1] if len(parts) > 1 else ""
            if parts[:1] == ["GET"] and path == "/metrics":
                status, body = "200 OK", self.render().encode()
                content_type = "text/plain; version=0.0.4; charset=utf-8"
            elif parts[:1] == ["GET"] and path == "/healthz":
                down = self.down()
                if down:
                    status, body = "503 Service Unavailable", f"down: {', '.join(down)}\n".encode()
                else:
                    status, body = "200 OK", b"ok\n"
                content_type = "text/plain"
            else:
                status, body, content_type = "404 Not Found", b"not found\n", "text/plain"
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (TimeoutError, ConnectionError, UnicodeDecodeError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
