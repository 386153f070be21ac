"""Connections: the store, the MQTT broker and the Modbus gateways."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal, Self
from urllib.parse import unquote, urlsplit, urlunsplit

from pydantic import Field, SecretStr, field_validator, model_validator

from core.config.types import Identifier, StrictModel

PRECISION_NS = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}


class InfluxDBSettings(StrictModel):
    """InfluxDB reached through its v1 HTTP API (1.x, 2.x with v1 compatibility, 3 Core), or
    -- ``api: v2`` -- writing through the v2 API (2.x, 3) with org, bucket and token, reading
    InfluxQL through the compatibility endpoint (2.x with a DBRP mapping, 3 natively)."""

    url: str = Field(description="base URL, e.g. 'http://influxdb:8086'")
    api: Literal["v1", "v2"] = Field(
        "v1", description="v1: /write and /query; v2: /api/v2/write (org, bucket, token)"
    )
    org: str | None = Field(None, min_length=1, description="the organisation (api: v2)")
    database: str = Field(
        min_length=1, description="database (1.x, 3 Core) or DBRP-mapped bucket (2.x)"
    )
    retention_policy: str | None = Field(None, description="retention policy; server default")
    token: SecretStr | None = Field(
        None, description="API token (2.x, 3 Core); give as ${ENV_VAR}, never in the file"
    )
    username: str | None = Field(None, description="user for basic auth (1.x)")
    password: SecretStr | None = Field(None, description="password for basic auth; ${ENV_VAR}")
    precision: Literal["s", "ms", "us", "ns"] = Field(
        "ns",
        description="timestamp precision of writes; readings stamped on receipt are kept "
        "unique per series at this precision, device times finer than it are truncated",
    )
    timeout_s: float = Field(10.0, gt=0, le=300, description="HTTP timeout per request")
    batch_size: int = Field(5000, ge=1, le=100_000, description="points per write request")
    max_retries: int = Field(
        3, ge=0, le=20, description="retries on connection errors and 5xx, with backoff"
    )
    create_database: bool = Field(
        False, description="create the database at start-up if missing (1.x only)"
    )
    verify_tls: bool = Field(True, description="verify the server's TLS certificate")

    @field_validator("token", "password", mode="before")
    @classmethod
    def _empty_secret_is_none(cls, value: object) -> object:
        # "${INFLUX_TOKEN:-}" with the variable unset means "no authentication".
        return None if value == "" else value

    @field_validator("token")
    @classmethod
    def _token_is_header_text(cls, value: SecretStr | None) -> SecretStr | None:
        # it travels in an HTTP header: printable ASCII only (a pasted token with a stray
        # character would otherwise fail every request)
        if value is not None and not all(" " < c < "\x7f" for c in value.get_secret_value()):
            raise ValueError("the token must be printable ASCII without spaces")
        return value

    @model_validator(mode="after")
    def _v2_needs_org_and_token(self) -> Self:
        if self.api == "v2" and (self.org is None or self.token is None):
            raise ValueError("api: v2 needs org and token (the database is the bucket)")
        if self.api == "v2" and self.create_database:
            raise ValueError("api: v2 writes to an existing bucket: create_database is 1.x only")
        return self

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must start with http:// or https:// followed by a host")
        return value.rstrip("/")

    @model_validator(mode="before")
    @classmethod
    def _credentials_out_of_the_url(cls, data: object) -> object:
        """A password written into the URL (http://user:secret@host) is moved to
        username/password, so the URL -- shown in logs, health and `enms config check` --
        never carries it."""
        if not isinstance(data, dict) or not isinstance(data.get("url"), str):
            return data
        parts = urlsplit(data["url"])
        if parts.password is None and parts.username is None:
            return data
        if data.get("username") is not None or data.get("password") is not None:
            raise ValueError("give the credentials in the URL or as username/password, not both")
        host = parts.hostname or ""
        netloc = f"[{host}]" if ":" in host else host
        if parts.port is not None:
            netloc += f":{parts.port}"
        return {
            **data,
            "url": urlunsplit(parts._replace(netloc=netloc)),
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
        }

    @model_validator(mode="after")
    def _one_auth_method(self) -> Self:
        if self.token is not None and (self.username or self.password):
            raise ValueError("give either 'token' or 'username'/'password', not both")
        if (self.username is None) != (self.password is None):
            raise ValueError("'username' and 'password' go together")
        return self


class EmbeddedSettings(StrictModel):
    """The embedded store: one local SQLite file, no server."""

    path: Path = Field(
        Path("var/enms.sqlite"),
        description="database file; a relative path is relative to the configuration file",
    )


class StorageSettings(StrictModel):
    """Where readings and derived series are stored."""

    backend: Literal["embedded", "influxdb"] = Field(
        "embedded", description="'influxdb' for production, 'embedded' for the demo and small sites"
    )
    influxdb: InfluxDBSettings | None = Field(None, description="required for backend influxdb")
    embedded: EmbeddedSettings = Field(
        default_factory=EmbeddedSettings, description="used for backend embedded"
    )

    @property
    def resolution_ns(self) -> int:
        """The finest time step the store keeps apart: points closer in time share a slot."""
        if self.backend == "influxdb" and self.influxdb is not None:
            return PRECISION_NS[self.influxdb.precision]
        return 1

    @model_validator(mode="after")
    def _backend_settings_present(self) -> Self:
        if self.backend == "influxdb" and self.influxdb is None:
            raise ValueError("backend 'influxdb' needs an 'influxdb' section (url, database)")
        return self


class MqttSubscription(StrictModel):
    """Readings of many devices on topics of one pattern, e.g. every Shelly in the portfolio."""

    topic: str = Field(
        min_length=1,
        description="topic pattern; {name} matches one level and becomes a tag, e.g. "
        "'fastighet/{building}/{meter}/SENSOR'; '+' and a final '#' are MQTT wildcards",
    )
    format: str = Field(min_length=1, description="payload format id")

    @field_validator("topic")
    @classmethod
    def _valid_pattern(cls, value: str) -> str:
        levels = value.split("/")
        for index, level in enumerate(levels):
            if level == "#" and index != len(levels) - 1:
                raise ValueError("'#' may only be the last level")
            named = re.fullmatch(r"\{([a-z][a-z0-9_]*)\}", level)
            if ("{" in level or "}" in level) and not named:
                raise ValueError(f"level {level!r}: a named level is {{name}} and nothing else")
            if ("+" in level or "#" in level) and len(level) > 1:
                raise ValueError(f"level {level!r}: wildcards stand alone in a level")
        names = re.findall(r"\{([a-z][a-z0-9_]*)\}", value)
        if len(names) != len(set(names)):
            raise ValueError("each {name} may appear once")
        if "meter" not in names:
            raise ValueError("the pattern needs a {meter} level: it names the meter of a reading")
        return value


class MqttBroker(StrictModel):
    """The MQTT broker that IoT gateways publish to."""

    host: str = Field(min_length=1, description="broker host name or address")
    port: int = Field(1883, ge=1, le=65535, description="1883 plain, 8883 with TLS")
    username: str | None = Field(None, description="user name, if the broker requires one")
    password: SecretStr | None = Field(None, description="password; give as ${ENV_VAR}")
    tls: bool = Field(False, description="connect with TLS")
    ca_file: Path | None = Field(None, description="CA certificate file for TLS (PEM)")
    client_id: str = Field(
        "enms",
        min_length=1,
        description="MQTT client id; the broker keeps this client's session (and queues its "
        "QoS 1 messages) while enms is down",
    )
    keepalive_s: int = Field(60, ge=5, le=3600, description="MQTT keepalive interval")
    protocol: Literal["3.1.1", "5"] = Field("5", description="MQTT protocol version")
    session_expiry_s: int = Field(
        7 * 86400,
        ge=0,
        description="MQTT 5: how long the broker keeps the session after a disconnect",
    )
    qos: Literal[0, 1, 2] = Field(1, description="subscription QoS; 1 or 2 for no loss")
    max_payload_bytes: int = Field(
        65_536,
        ge=64,
        le=16_777_216,
        description="larger messages are counted as bad payloads (too_large) and not parsed",
    )
    shared_group: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="share subscriptions ($share/<group>/...) so several enms instances split "
        "the messages between them",
    )
    subscriptions: list[MqttSubscription] = Field(
        default_factory=list, description="topic patterns for many devices of one format"
    )
    format_dirs: list[Path] = Field(
        default_factory=list,
        description="directories of your own payload formats (*.yaml), relative to the "
        "configuration file; the shipped formats are always available",
    )


class ModbusGateway(StrictModel):
    """A Modbus TCP endpoint: a meter with Ethernet, or an RS-485 gateway with many unit ids."""

    id: Identifier
    host: str = Field(min_length=1, description="host name or address")
    port: int = Field(502, ge=1, le=65535, description="Modbus TCP port")
    timeout_s: float = Field(2.0, gt=0, le=60, description="timeout of one request")
    retries: int = Field(
        2,
        ge=0,
        le=10,
        description="retries of a request a unit answered busy, or a lost connection; a "
        "timeout is not retried, so a silent unit does not hold the bus",
    )
    probe_timeout_s: float = Field(
        0.5,
        gt=0,
        le=60,
        description="timeout of every other try of a unit that has not answered yet or is "
        "offline (the others get timeout_s): a silent unit holds the bus only briefly",
    )
    pause_s: float = Field(
        0.0, ge=0, le=10, description="pause between requests; some RS-485 gateways need one"
    )


class ModbusSettings(StrictModel):
    """Modbus TCP connections and where to find meter profiles."""

    gateways: list[ModbusGateway] = Field(default_factory=list, description="Modbus endpoints")
    profile_dirs: list[Path] = Field(
        default_factory=list,
        description="directories of your own meter profiles (*.yaml), relative to the "
        "configuration file; the shipped profiles are always available",
    )
