"""A real HTTP proxy on 127.0.0.1 in front of InfluxDB that can misbehave on demand.

It forwards requests to the real server, records what clients sent (headers, paths), and
answers the next N requests with a chosen error status instead, or holds CREATE DATABASE for a
while, so retry, error handling and races are tested against real sockets rather than a
mocked transport.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


@dataclass
class ProxyState:
    upstream: str
    fail_next: int = 0
    fail_status: int = 503
    fail_body: bytes = b'{"error":"injected failure"}'
    #: seconds a CREATE DATABASE statement is held before it is forwarded
    slow_create_s: float = 0.0
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(state: ProxyState) -> type[BaseHTTPRequestHandler]:
    client = httpx.Client(base_url=state.upstream, timeout=30)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with state.lock:
                state.requests.append((self.command, self.path, dict(self.headers.items())))
                fail = state.fail_next > 0
                if fail:
                    state.fail_next -= 1
            if fail:
                self._reply(state.fail_status, state.fail_body, "application/json")
                return
            if state.slow_create_s and b"CREATE+DATABASE" in body + self.path.encode():
                time.sleep(state.slow_create_s)
            headers = {
                k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")
            }
            upstream = client.request(self.command, self.path, content=body, headers=headers)
            self._reply(
                upstream.status_code, upstream.content, upstream.headers.get("content-type")
            )

        def _reply(self, status: int, body: bytes, content_type: str | None) -> None:
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = _handle  # noqa: N815 - names required by BaseHTTPRequestHandler
        do_POST = _handle  # noqa: N815

    return Handler


@contextmanager
def fault_proxy(upstream: str) -> Iterator[tuple[str, ProxyState]]:
    """Yield (proxy URL, state) for a proxy in front of ``upstream``."""
    state = ProxyState(upstream=upstream)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
