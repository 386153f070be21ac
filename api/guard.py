"""What is checked before a request body is read: its size, and that the caller may write.

FastAPI reads a request's body before it runs the endpoint's dependencies, so without this an
anonymous caller could make the API read (and hold in memory) a body of any size before the
key check answered 401. This ASGI middleware answers 413 for a body over ``api.max_body_bytes``
-- from its Content-Length, or while a chunked body streams in -- and 401 for a body sent
without a key that may write, both before a byte of the body is read.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import KEY_HEADER, key_in, known_key
from core.config.api import ApiSettings

_WITHOUT_BODY = frozenset({"GET", "HEAD", "OPTIONS"})


class RequestGuard:
    def __init__(self, app: ASGIApp, settings: Callable[[], ApiSettings]) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _WITHOUT_BODY:
            await self.app(scope, receive, send)
            return
        settings = self.settings()
        limit = settings.max_body_bytes
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _answer(scope, receive, send, 413, f"the request body exceeds {limit} bytes")
            return
        key = key_in(headers)
        found = known_key(settings, key) if key is not None else None
        if found is None:
            await _answer(
                scope,
                receive,
                send,
                401,
                f"a known API key is required: send it as {KEY_HEADER} or Authorization: Bearer",
            )
            return
        if "write" not in found.scopes:
            await _answer(scope, receive, send, 403, f"the key {found.name!r} has no 'write' scope")
            return
        received = 0
        started = refused = False

        async def counted_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            event = await receive()
            if event["type"] == "http.request":
                received += len(event.get("body", b""))
                if received > limit and not started:
                    # answer now; the app sees the client gone and its answer is dropped
                    refused = True
                    await _answer(
                        scope, receive, send, 413, f"the request body exceeds {limit} bytes"
                    )
                    return {"type": "http.disconnect"}
            return event

        async def tracked_send(event: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or event["type"] == "http.response.start"
            await send(event)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except Exception:
            if not refused:
                raise


async def _answer(scope: Scope, receive: Receive, send: Send, status: int, detail: str) -> None:
    headers = {"Connection": "close"}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    await JSONResponse({"detail": detail}, status_code=status, headers=headers)(
        scope, receive, send
    )
