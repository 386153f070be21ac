"""An InfluxDB 2 front for the tests: the v2 write API and the token, over a real InfluxDB 1.x.

No InfluxDB 2 or 3 server can be installed on these machines. This gateway speaks what enms
uses of the v2 HTTP API as InfluxDB 2's documentation specifies it -- ``POST /api/v2/write``
with ``org``, ``bucket`` and ``precision`` and an ``Authorization: Token`` header, answered
204 or a JSON ``{"code", "message"}`` error; ``/query`` (the v1 compatibility endpoint, a DBRP-
mapped bucket) with the same token -- and stores through the real InfluxDB 1.x beside it, so
the storage contract runs end to end against enms's v2 path. Every request is recorded for the
tests to inspect. It runs on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

#: InfluxDB 2's precisions -> InfluxDB 1.x's names for them
_PRECISION = {"ns": "ns", "us": "u", "ms": "ms", "s": "s"}


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, str]
    authorization: str | None


@dataclass
class Influx2Gateway:
    upstream: str  # the real InfluxDB 1.x
    org: str
    token: str
    requests: list[Recorded] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        gateway = self
        client = httpx.Client(base_url=self.upstream, timeout=60)

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:  # quiet
                return

            def _answer(
                self, status: int, body: bytes = b"", kind: str = "application/json"
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _error(self, status: int, code: str, message: str) -> None:
                self._answer(status, json.dumps({"code": code, "message": message}).encode())

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                auth = self.headers.get("Authorization")
                gateway.requests.append(Recorded(self.command, parts.path, params, auth))
                if parts.path == "/ping":
                    self._answer(204)
                    return
                if auth != f"Token {gateway.token}":
                    self._error(401, "unauthorized", "unauthorized access")
                    return
                if parts.path == "/api/v2/write" and self.command == "POST":
                    if params.get("org") != gateway.org:
                        self._error(
                            404, "not found", f'organization name "{params.get("org")}" not found'
                        )
                        return
                    if "bucket" not in params or params.get("precision", "ns") not in _PRECISION:
                        self._error(400, "invalid", "bucket and a valid precision are required")
                        return
                    upstream = client.post(
                        "/write",
                        params={"db": params["bucket"],
                                "precision": _PRECISION[params.get("precision", "ns")]},
                        content=body,
                    )  # fmt: skip
                    if upstream.status_code >= 400:
                        self._error(upstream.status_code, "invalid", upstream.text[:500])
                    else:
                        self._answer(204)
                    return
                if parts.path == "/query":
                    form = {k: v[-1] for k, v in parse_qs(body.decode()).items()} if body else {}
                    upstream = client.request(
                        self.command, "/query", params=params, data=form or None
                    )
                    self._answer(upstream.status_code, upstream.content)
                    return
                self._error(404, "not found", f"path {parts.path} not found")

            do_GET = _handle  # noqa: N815 -- the names http.server calls
            do_POST = _handle  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def writes(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == "/api/v2/write"]
