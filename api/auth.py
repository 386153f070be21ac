"""API keys: who is calling, and may they read or write.

A key is presented as ``X-API-Key: <key>`` or ``Authorization: Bearer <key>``. The
configuration holds only each key's SHA-256, compared in constant time; a key is never logged.
No key: 401. A key without the scope an endpoint needs: 403.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from fastapi import HTTPException, Request, status

from core.config.api import ApiKey, ApiSettings, Scope

KEY_HEADER = "X-API-Key"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    """A random key of 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Caller:
    name: str
    scopes: frozenset[str]


def key_in(headers: Mapping[str, str]) -> str | None:
    """The key a request presents in its headers (case-insensitive names), if any."""
    key = headers.get(KEY_HEADER)
    if key:
        return key
    scheme, _, credentials = headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return None


def presented_key(request: Request) -> str | None:
    return key_in(request.headers)


def known_key(settings: ApiSettings, key: str) -> ApiKey | None:
    """The configured key ``key`` is, comparing every one so that timing tells nothing."""
    digest = hash_key(key)
    found = None
    for configured in settings.keys:
        if hmac.compare_digest(digest, configured.sha256):
            found = configured
    return found


def identify(
    settings: ApiSettings, key: str | None, scope: Scope, *, anonymous_reads: bool = False
) -> Caller:
    """The caller a key belongs to; HTTP 401 if it belongs to nobody. Without a key, reads
    are anonymous where ``anonymous_reads`` (``api.read_without_key`` on a socket bound to
    loopback) allows it; writes always need a key."""
    if key is None and scope == "read" and anonymous_reads:
        return Caller("anonymous", frozenset({"read"}))
    if key is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"an API key is required: send it as {KEY_HEADER} or Authorization: Bearer",
            headers={"WWW-Authenticate": "Bearer"},
        )
    found = known_key(settings, key)
    if found is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "the API key is not known here (api.keys in the configuration)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Caller(found.name, frozenset(found.scopes))


def require(scope: Scope) -> Callable[[Request], Awaitable[Caller]]:
    """A dependency that admits callers holding ``scope``."""

    async def check(request: Request) -> Caller:
        settings: ApiSettings = request.app.state.enms.config.api
        anonymous: bool = request.app.state.anonymous_reads  # set by create_app
        caller = identify(settings, presented_key(request), scope, anonymous_reads=anonymous)
        if scope not in caller.scopes:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"the key {caller.name!r} has no {scope!r} scope",
            )
        request.state.caller = caller
        return caller

    return check
