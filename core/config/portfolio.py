"""The portfolio: sites, buildings with their heated area, meters and what they measure."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal, Self

from pydantic import Field, field_validator, model_validator

from core.config.types import DEFAULT_TIME_ZONE, Identifier, StrictModel, TagKey, TimeZoneName
from core.i18n import DEFAULT_LANGUAGE, N_, Language


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

    @property
    def text(self) -> str:
        """The category as people read it (English; translated by the catalogue)."""
        return CATEGORY_TEXT[self]


CATEGORY_TEXT = {
    BuildingCategory.SCHOOL: N_("school"),
    BuildingCategory.PRESCHOOL: N_("preschool"),
    BuildingCategory.ELDERLY_CARE: N_("elderly care"),
    BuildingCategory.OFFICE: N_("office"),
    BuildingCategory.SPORTS_HALL: N_("sports hall"),
    BuildingCategory.SWIMMING_POOL: N_("swimming pool"),
    BuildingCategory.RESIDENTIAL: N_("residential"),
    BuildingCategory.HEALTHCARE: N_("healthcare"),
    BuildingCategory.CULTURE: N_("culture"),
    BuildingCategory.DEPOT: N_("depot"),
    BuildingCategory.OTHER: N_("other"),
}


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
    HOT_WATER_TEMPERATURE = "hot_water_temperature"  # circulation or tap, for legionella

    @property
    def text(self) -> str:
        """The medium's name as people read it (English; translated by the catalogue)."""
        return MEDIUM_TEXT[self]


MEDIUM_TEXT = {
    Medium.ELECTRICITY: N_("electricity"),
    Medium.DISTRICT_HEATING: N_("district heating"),
    Medium.DISTRICT_COOLING: N_("district cooling"),
    Medium.GAS: N_("gas"),
    Medium.OIL: N_("oil"),
    Medium.BIOFUEL: N_("biofuel"),
    Medium.SOLAR_PV: N_("solar power"),
    Medium.WATER: N_("water"),
    Medium.HOT_WATER: N_("hot water"),
    Medium.OUTDOOR_TEMPERATURE: N_("outdoor temperature"),
    Medium.INDOOR_TEMPERATURE: N_("indoor temperature"),
    Medium.HOT_WATER_TEMPERATURE: N_("hot-water temperature"),
}
#: the media a thermometer measures: °C, instantaneous, stored as temperature_c
TEMPERATURE_MEDIA = frozenset(
    {Medium.OUTDOOR_TEMPERATURE, Medium.INDOOR_TEMPERATURE, Medium.HOT_WATER_TEMPERATURE}
)


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
    if medium in TEMPERATURE_MEDIA:
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
        DEFAULT_TIME_ZONE,
        description="IANA time zone for local days, weeks and months in reports and queries",
    )
    language: Language = Field(
        DEFAULT_LANGUAGE,
        description="language of the review, its report, findings and the command line: sv or "
        "en (a request's ?lang= or Accept-Language and a command's --lang choose another)",
    )
    board: str | None = Field(
        None,
        description="the board (nämnd) the management review goes to, named on the report's "
        "cover, e.g. 'Tekniska nämnden'",
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
        ge=1,
        le=255,
        description="Modbus unit (slave) id of the meter behind the gateway: 1-247 on a serial "
        "bus, often 255 for a meter on TCP itself; 0 is broadcast, which no meter answers",
    )
    profile: str = Field(
        min_length=1, description="register map of the meter model, e.g. 'eastron_sdm630'"
    )
    poll_interval_s: float = Field(60.0, ge=1, le=86_400, description="seconds between polls")

    @field_validator("unit_id", mode="before")
    @classmethod
    def _not_broadcast(cls, value: Any) -> Any:
        if value == 0 and not isinstance(value, bool):
            raise ValueError(
                "unit_id 0 is the Modbus broadcast address, which no meter answers: give the "
                "meter's own unit id (1-247 on a serial bus, often 255 for a meter on TCP)"
            )
        return value


class PluginSource(StrictModel):
    """The meter is read by a plugin's collector (a protocol enms does not ship: M-Bus,
    BACnet, a utility's data hub ...); ``address`` is for that plugin to interpret."""

    name: Identifier = Field(description="the plugin whose collector reads it (enms_collectors)")
    address: dict[str, Any] = Field(
        default_factory=dict, description="where and how to read it, as the plugin documents"
    )


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
    unit: Unit = Field(
        description="unit the meter's readings arrive in: an MQTT value is converted from it "
        "to the stored unit; a Modbus meter's is the one its profile gives its main field"
    )
    seu: Identifier | None = Field(None, description="id of the SEU the meter feeds, if any")
    parent: Identifier | None = Field(
        None,
        description="id of the meter this one is a sub-meter of (same site and medium): the "
        "share of a main meter's consumption its sub-meters cover is checked",
    )
    tags: dict[TagKey, str] = Field(
        default_factory=dict, description="extra tags stored with every reading"
    )
    modbus: ModbusSource | None = Field(None, description="set when read over Modbus TCP")
    mqtt: MqttSource | None = Field(None, description="set when read from MQTT")
    plugin: PluginSource | None = Field(None, description="set when a plugin's collector reads it")

    @model_validator(mode="after")
    def _one_source_and_a_fitting_unit(self) -> Self:
        sources = [n for n in ("modbus", "mqtt", "plugin") if getattr(self, n) is not None]
        if len(sources) != 1:
            found = " and ".join(sources) if sources else "none"
            raise ValueError(f"give exactly one of 'modbus', 'mqtt' or 'plugin' (found {found})")
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
