"""Typed configuration: the portfolio, its meters, storage and connections.

Facility technicians edit this as YAML. Every field carries a description: the configuration
reference in the README is generated from these models (``enms config reference``), and a test
keeps the two in step.
"""

from __future__ import annotations

import re
import zoneinfo
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    field_validator,
    model_validator,
)

Identifier = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$"),
    Field(
        description="lower-case letters, digits, '-', '_' or '.', at most 64 characters; "
        "used as a tag value in storage",
    ),
]
TagKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]


def _known_timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r}; use an IANA name such as 'Europe/Stockholm'"
        ) from None
    return value


TimeZoneName = Annotated[str, AfterValidator(_known_timezone)]


class StrictModel(BaseModel):
    """Base: unknown keys are errors (a misspelt key must never be silently ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class BuildingCategory(StrEnum):
    """Building categories as Swedish municipal property departments use them."""

    SCHOOL = "school"
    PRESCHOOL = "preschool"
    ELDERLY_CARE = "elderly_care"
    OFFICE = "office"
    SPORTS_HALL = "sports_hall"
    SWIMMING_POOL = "swimming_pool"
    RESIDENTIAL = "residential"
    HEALTHCARE = "healthcare"
    CULTURE = "culture"
    DEPOT = "depot"
    OTHER = "other"


class Medium(StrEnum):
    """What a meter measures: an energy carrier, water, or a relevant variable."""

    ELECTRICITY = "electricity"
    DISTRICT_HEATING = "district_heating"
    DISTRICT_COOLING = "district_cooling"
    GAS = "gas"
    OIL = "oil"
    BIOFUEL = "biofuel"
    SOLAR_PV = "solar_pv"
    WATER = "water"
    HOT_WATER = "hot_water"
    OUTDOOR_TEMPERATURE = "outdoor_temperature"
    INDOOR_TEMPERATURE = "indoor_temperature"


class ValueKind(StrEnum):
    """How a meter's value relates to consumption (DESIGN §2: counters and rates differ)."""

    COUNTER = "counter"  # cumulative register; consumption is derived from differences
    INTERVAL = "interval"  # consumption since the previous reading
    INSTANTANEOUS = "instantaneous"  # power, flow or temperature at read time


ENERGY_UNITS = ("Wh", "kWh", "MWh", "GJ")
POWER_UNITS = ("W", "kW", "MW")
VOLUME_UNITS = ("l", "m3")
FLOW_UNITS = ("l/s", "m3/h")
TEMPERATURE_UNITS = ("°C",)
Unit = Literal["Wh", "kWh", "MWh", "GJ", "W", "kW", "MW", "l", "m3", "l/s", "m3/h", "°C"]

_ENERGY_MEDIA = {
    Medium.ELECTRICITY,
    Medium.DISTRICT_HEATING,
    Medium.DISTRICT_COOLING,
    Medium.OIL,
    Medium.BIOFUEL,
    Medium.SOLAR_PV,
}


def allowed_units(medium: Medium, kind: ValueKind) -> tuple[str, ...]:
    """The units that make sense for a medium read as a kind of value."""
    if medium in (Medium.OUTDOOR_TEMPERATURE, Medium.INDOOR_TEMPERATURE):
        return TEMPERATURE_UNITS if kind is ValueKind.INSTANTANEOUS else ()
    if medium in (Medium.WATER, Medium.HOT_WATER):
        return FLOW_UNITS if kind is ValueKind.INSTANTANEOUS else VOLUME_UNITS
    if medium is Medium.GAS:  # gas is billed by energy but often metered by volume
        return (
            POWER_UNITS + FLOW_UNITS
            if kind is ValueKind.INSTANTANEOUS
            else (ENERGY_UNITS + VOLUME_UNITS)
        )
    assert medium in _ENERGY_MEDIA
    return POWER_UNITS if kind is ValueKind.INSTANTANEOUS else ENERGY_UNITS


class Seu(StrictModel):
    """A significant energy use (ISO 50001 6.3), e.g. ventilation or space heating."""

    id: Identifier
    name: str = Field(description="what the SEU is, e.g. 'Ventilation, Björkskolan'")
    description: str | None = Field(None, description="free text for the energy review")


class Portfolio(StrictModel):
    """The organisation whose energy performance is managed."""

    name: str = Field(description="e.g. 'Exempelstad kommun, fastighetsavdelningen'")
    timezone: TimeZoneName = Field(
        "Europe/Stockholm",
        description="IANA time zone for local days, weeks and months in reports and queries",
    )
    seus: list[Seu] = Field(
        default_factory=list, description="significant energy uses that meters can feed"
    )


class Building(StrictModel):
    """A building: the boundary most EnPIs are reported for."""

    id: Identifier
    name: str = Field(description="the name people use, e.g. 'Björkskolan hus A'")
    category: BuildingCategory = Field(description="what the building is used for")
    atemp_m2: float = Field(
        gt=0,
        le=1_000_000,
        description="heated floor area Atemp in m² (BBR), the denominator of kWh/m² EnPIs",
    )
    address: str | None = Field(None, description="street address, for people")
    year_built: int | None = Field(None, ge=1000, le=2100, description="construction year")


class ModbusSource(StrictModel):
    """Read the meter over Modbus TCP, directly or behind an RS-485 gateway."""

    gateway: Identifier = Field(description="id of a gateway under modbus.gateways")
    unit_id: int = Field(
        ge=0, le=255, description="Modbus unit (slave) id of the meter behind the gateway"
    )
    profile: str = Field(
        min_length=1, description="register map of the meter model, e.g. 'eastron_sdm630'"
    )
    poll_interval_s: float = Field(60.0, ge=1, le=86_400, description="seconds between polls")


class MqttSource(StrictModel):
    """The meter publishes its readings on an MQTT topic.

    Give a ``format`` for a device whose payload enms knows (or you described), or a
    ``value_path`` to one value in a JSON payload, or neither for a plain number; the last two
    are stored as the meter's main field (energy_kwh, volume_m3, temperature_c ...) converted
    from the meter's ``unit``. Leave out ``topic`` (``mqtt: {}``) for a meter whose readings
    arrive through one of ``mqtt.subscriptions``, whose {meter} level names this meter.
    """

    topic: str | None = Field(
        None, min_length=1, description="the exact topic the gateway publishes on"
    )
    format: str | None = Field(None, description="payload format id, e.g. 'tasmota_energy'")
    value_path: str | None = Field(
        None, description="dotted path to the value in a JSON payload, e.g. 'heat.energy_kwh'"
    )
    timestamp_path: str | None = Field(
        None,
        description="with value_path: path of the time of measurement (ISO 8601 or epoch "
        "seconds/milliseconds); receipt time if not given",
    )

    @field_validator("topic")
    @classmethod
    def _concrete_topic(cls, value: str | None) -> str | None:
        if value is not None and ("+" in value or "#" in value):
            raise ValueError("a meter's topic must be exact; wildcards '+' and '#' are not allowed")
        return value

    @model_validator(mode="after")
    def _one_mapping(self) -> Self:
        if self.topic is None and (self.format or self.value_path or self.timestamp_path):
            raise ValueError("a meter without a topic takes its format from the subscription")
        if self.format is not None and (self.value_path or self.timestamp_path):
            raise ValueError(
                "give either 'format' or 'value_path' (with 'timestamp_path'), not both"
            )
        if self.timestamp_path is not None and self.value_path is None:
            raise ValueError("'timestamp_path' needs a JSON payload: give 'value_path' too")
        return self


class Meter(StrictModel):
    """A physical or virtual meter and how enms reads it."""

    id: Identifier
    name: str | None = Field(None, description="a human label, e.g. 'Huvudmätare el'")
    building: Identifier = Field(description="id of a building of the same site")
    medium: Medium = Field(description="what the meter measures")
    kind: ValueKind = Field(
        ValueKind.COUNTER,
        description="counter (cumulative register), interval (consumption per reading) "
        "or instantaneous (power, flow, temperature)",
    )
    unit: Unit = Field(description="unit of the value as enms stores it")
    seu: Identifier | None = Field(None, description="id of the SEU the meter feeds, if any")
    tags: dict[TagKey, str] = Field(
        default_factory=dict, description="extra tags stored with every reading"
    )
    modbus: ModbusSource | None = Field(None, description="set when read over Modbus TCP")
    mqtt: MqttSource | None = Field(None, description="set when read from MQTT")

    @model_validator(mode="after")
    def _one_source_and_a_fitting_unit(self) -> Self:
        sources = [name for name in ("modbus", "mqtt") if getattr(self, name) is not None]
        if len(sources) != 1:
            found = " and ".join(sources) if sources else "none"
            raise ValueError(f"give exactly one of 'modbus' or 'mqtt' (found {found})")
        units = allowed_units(self.medium, self.kind)
        if not units:
            raise ValueError(f"a {self.medium.value} meter must be of kind 'instantaneous'")
        if self.unit not in units:
            raise ValueError(
                f"unit {self.unit!r} does not fit a {self.medium.value} meter of kind "
                f"{self.kind.value!r}; use one of {', '.join(units)}"
            )
        return self


class Site(StrictModel):
    """A property (fastighet): one or more buildings and their meters."""

    id: Identifier
    name: str = Field(description="e.g. 'Björkskolan'")
    buildings: list[Building] = Field(min_length=1, description="the buildings of the site")
    meters: list[Meter] = Field(default_factory=list, description="the meters of the site")


class InfluxDBSettings(StrictModel):
    """InfluxDB reached through its v1 HTTP API (1.x, 2.x with v1 compatibility, 3 Core)."""

    url: str = Field(description="base URL, e.g. 'http://influxdb:8086'")
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
        "ms", description="timestamp precision of writes"
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

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must start with http:// or https:// followed by a host")
        return value.rstrip("/")

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
    retries: int = Field(2, ge=0, le=10, description="retries of a failed request")
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


class SpoolSettings(StrictModel):
    """The durable spool for readings the store cannot take yet."""

    path: Path = Field(
        Path("var/spool.sqlite"), description="spool file; relative to the configuration file"
    )
    max_mb: int = Field(1024, ge=1, le=1_000_000, description="largest size of the spool file")
    when_full: Literal["refuse", "drop_oldest"] = Field(
        "refuse",
        description="refuse: keep what is spooled, hold new readings in memory up to "
        "daemon.max_queue and count the rest as dropped (loudly); drop_oldest: discard the "
        "oldest spooled readings to make room",
    )


class MetricsSettings(StrictModel):
    """The daemon's own metrics in Prometheus text format."""

    host: str = Field("127.0.0.1", description="address to listen on")
    port: int | None = Field(
        9108,
        ge=0,
        le=65535,
        description="port of GET /metrics (0: any free port); leave empty to turn it off",
    )


class DaemonSettings(StrictModel):
    """The running daemon: queue, spool, metrics, health reporting."""

    spool: SpoolSettings = Field(default_factory=SpoolSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    max_queue: int = Field(
        200_000, ge=1000, le=10_000_000, description="readings held in memory at most"
    )
    health_interval_s: float = Field(
        60.0, ge=1, le=3600, description="how often health and daemon metrics are stored"
    )
    shutdown_timeout_s: float = Field(
        10.0,
        ge=0,
        le=600,
        description="time to write queued readings at shutdown; the rest is spooled",
    )


class EnmsConfig(StrictModel):
    """The whole configuration file."""

    version: Literal[1] = Field(description="configuration format version; always 1 for now")
    portfolio: Portfolio
    storage: StorageSettings = Field(default_factory=StorageSettings)
    mqtt: MqttBroker | None = Field(None, description="required when any meter uses MQTT")
    modbus: ModbusSettings = Field(default_factory=ModbusSettings)
    daemon: DaemonSettings = Field(default_factory=DaemonSettings)
    sites: list[Site] = Field(min_length=1, description="the properties and their meters")

    def buildings(self) -> list[tuple[Site, Building]]:
        return [(site, building) for site in self.sites for building in site.buildings]

    def meters(self) -> list[tuple[Site, Meter]]:
        return [(site, meter) for site in self.sites for meter in site.meters]
