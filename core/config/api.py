"""The management-review API: where it listens, who may call it, which browsers may."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal, Self

from pydantic import Field, StringConstraints, field_validator, model_validator

from core.config.types import Identifier, StrictModel

Scope = Literal["read", "write"]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


def _read_only() -> list[Scope]:
    return ["read"]


class ApiKey(StrictModel):
    """One API key, stored only as its SHA-256 (make one with `enms api key NAME`)."""

    name: Identifier = Field(description="who holds the key, e.g. 'energy-team'; shown in logs")
    sha256: Sha256 = Field(description="hex SHA-256 of the key; the key itself is never stored")
    scopes: list[Scope] = Field(
        default_factory=_read_only,
        min_length=1,
        description="read: every GET; write: recording evaluations, review decisions and "
        "nonconformity updates",
    )


class ApiSettings(StrictModel):
    """`enms api`: the FastAPI service of the management review (ISO 50001:2018 9.3)."""

    host: str = Field("127.0.0.1", description="address to listen on")
    port: int = Field(8080, ge=1, le=65535, description="port to listen on")
    keys: list[ApiKey] = Field(
        default_factory=list,
        description="API keys; without any, every endpoint but /health answers 401",
    )
    cache_ttl_s: float = Field(
        300.0,
        ge=0,
        le=86400,
        description="how long a period's plugin findings and building ranking are reused "
        "before they are computed again (0: on every request)",
    )
    read_without_key: bool = Field(
        False,
        description="answer reads (GET) without a key, e.g. the report in a plain browser; "
        "only while `host` is a loopback address (the demo uses it)",
    )
    max_body_bytes: int = Field(
        1_000_000,
        ge=1024,
        le=100_000_000,
        description="largest request body; larger ones answer 413 before they are read",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="browser origins allowed to call the API (CORS); empty: none",
    )

    @field_validator("keys")
    @classmethod
    def _distinct(cls, keys: list[ApiKey]) -> list[ApiKey]:
        names = [key.name for key in keys]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"key names must be distinct: {', '.join(repeated)} repeated")
        return keys

    @model_validator(mode="after")
    def _open_reads_on_loopback_only(self) -> Self:
        if self.read_without_key and not is_loopback(self.host):
            raise ValueError(
                f"read_without_key needs a loopback host (127.0.0.1, ::1 or localhost), "
                f"not {self.host!r}: anyone who reaches the port could read"
            )
        return self


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
