"""Payload formats: how a gateway's MQTT message becomes a reading.

A format names, for each stored field, the JSON path of its value, the unit the device sends
(converted to enms's canonical unit on arrival), and where the message's timestamp is, if it
carries one. enms ships formats for common devices (``core/meters/formats/``); technicians
add their own in the directories ``mqtt.format_dirs`` names.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from core.config.models import Identifier, Medium, StrictModel, TimeZoneName, ValueKind
from core.meters.catalog import Catalog, builtin_files, load_catalog
from core.units import CANONICAL, Quantity, check_field_name, conversion

FieldName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
JsonPath = Annotated[
    str,
    StringConstraints(pattern=r"^[^.\s]+(\.[^.\s]+)*$"),
    Field(
        description="dotted path into the JSON document; numbers index lists "
        "(e.g. 'emeters.0.total')"
    ),
]


class TimestampFormat(StrEnum):
    AUTO = "auto"  # ISO 8601 text, or epoch seconds / milliseconds told apart by size
    ISO8601 = "iso8601"
    EPOCH_S = "epoch_s"
    EPOCH_MS = "epoch_ms"


class TimestampSpec(StrictModel):
    """Where the time of measurement is in the payload."""

    path: JsonPath
    format: TimestampFormat = Field(TimestampFormat.AUTO, description="how the time is written")
    timezone: TimeZoneName | None = Field(
        None,
        description="zone of ISO times written without an offset (Tasmota sends local time); "
        "the portfolio's time zone if not given",
    )


class FieldMapping(StrictModel):
    """One stored field: where its value is and what it means."""

    field: FieldName = Field(description="stored field name, ending in its canonical unit")
    path: JsonPath | Literal[""] = Field(
        description="JSON path of the value ('' for a plain number)"
    )
    quantity: Quantity = Field(description="what the value is")
    unit: str | None = Field(
        None, description="unit the device sends (Wh, kWh, MWh, W, l ...); canonical if not given"
    )
    value_kind: ValueKind = Field(
        ValueKind.INSTANTANEOUS, description="counter for cumulative values"
    )
    scale: float = Field(1.0, description="extra multiplier applied before unit conversion")
    min: float | None = Field(None, description="smallest plausible value (canonical unit)")
    max: float | None = Field(None, description="largest plausible value (canonical unit)")
    required: bool = Field(True, description="false if devices may leave the value out")

    @model_validator(mode="after")
    def _unit_fits_quantity(self) -> Self:
        conversion(self.quantity, self.source_unit)  # raises ValueError with the allowed units
        if problem := check_field_name(self.field, self.quantity):
            raise ValueError(problem)
        return self

    @property
    def source_unit(self) -> str:
        if self.unit is not None:
            return self.unit
        return CANONICAL.get(self.quantity, ("", ""))[0]


class PayloadFormat(StrictModel):
    """A device's message format."""

    id: Identifier
    description: str = Field(description="the device and topic, for people")
    medium: Medium | None = Field(
        None,
        description="what the format's devices measure (for people: every stored reading "
        "takes the medium of its configured meter)",
    )
    payload: Literal["json", "number"] = Field("json", description="a JSON object or a bare number")
    timestamp: TimestampSpec | None = Field(
        None, description="time in the payload; else receipt time"
    )
    fields: list[FieldMapping] = Field(min_length=1, description="the values to store")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        names = [mapping.field for mapping in self.fields]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate fields: {', '.join(duplicates)}")
        if self.payload == "number" and (len(self.fields) != 1 or self.timestamp is not None):
            raise ValueError("a plain-number payload has exactly one field and no timestamp")
        if self.payload == "json" and any(m.path == "" for m in self.fields):
            raise ValueError("every field of a JSON payload needs a path")
        return self


FormatSet = Catalog[PayloadFormat]


def builtin_format_files() -> list[Path]:
    return builtin_files("core.meters", "formats")


def load_formats(directories: Iterable[Path] = ()) -> FormatSet:
    """The shipped formats plus every ``*.yaml`` in ``directories``; all problems at once."""
    return load_catalog(
        PayloadFormat, builtin=builtin_format_files(), directories=directories, what="format"
    )
