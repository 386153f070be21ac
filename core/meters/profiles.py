"""Meter profiles: a meter model's register map, as data that hundreds of meters share.

Profiles are YAML files. enms ships profiles for common meters (``core/meters/profiles/``);
technicians add their own in the directories ``modbus.profile_dirs`` names. Profile files are
validated like the configuration, every problem reported with file, line and field path.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints

from core.config.loader import parse_model, read_text
from core.config.models import Identifier, Medium, StrictModel, ValueKind
from core.meters.catalog import Catalog, builtin_files, load_catalog
from core.meters.registers import SUNSPEC_SENTINELS, DataType, Order, register_count
from core.units import Quantity, check_field_name

FieldName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
#: the largest block a Modbus read of holding or input registers may ask for
MAX_READ_REGISTERS = 125


class RegisterKind(StrEnum):
    HOLDING = "holding"  # function code 3
    INPUT = "input"  # function code 4


class RegisterSpec(StrictModel):
    """One value of the meter: where it is, how it is encoded, what it means."""

    field: FieldName = Field(
        description="name of the stored field, with its unit (energy_kwh, power_kw), or of a "
        "helper register such as a scale factor"
    )
    kind: RegisterKind | None = Field(None, description="holding or input; profile default")
    address: int | None = Field(
        None, ge=0, le=65535, description="protocol address (0-based) of the first register"
    )
    model_offset: int | None = Field(
        None, ge=0, le=65535, description="SunSpec profiles: offset into the model's data block"
    )
    type: DataType = Field(description="encoding of the value")
    word_order: Order | None = Field(None, description="order of 16-bit words; profile default")
    byte_order: Order | None = Field(None, description="byte order within a word; profile default")
    scale: float = Field(1.0, description="multiplier from the raw number to the unit")
    offset: float = Field(0.0, description="added after scaling")
    scale_factor: FieldName | None = Field(
        None, description="field of a register holding a power-of-ten exponent (SunSpec _SF)"
    )
    unit: str | None = Field(None, description="unit of the value after scaling, e.g. kWh")
    quantity: Quantity = Field(description="what the value is")
    value_kind: ValueKind = Field(
        ValueKind.INSTANTANEOUS, description="counter for cumulative registers"
    )
    missing: int | None = Field(
        None, ge=0, description="raw value meaning 'not available' (SunSpec profiles: per type)"
    )
    store: bool = Field(True, description="false for helper registers such as scale factors")

    @property
    def count(self) -> int:
        return register_count(self.type)


class SunSpecDiscovery(StrictModel):
    """Find the register map at run time: the 'SunS' marker, then the chain of models."""

    models: list[int] = Field(min_length=1, description="model ids this profile reads, e.g. 203")
    bases: list[int] = Field(
        default_factory=lambda: [40000, 0, 50000],
        description="addresses where the 'SunS' marker is looked for, in order",
    )


class MeterProfile(StrictModel):
    """A meter model's register map."""

    id: Identifier
    description: str = Field(description="the meter model, for people")
    manufacturer: str | None = Field(None, description="who makes it")
    medium: Medium = Field(Medium.ELECTRICITY, description="what meters of this model measure")
    default_kind: RegisterKind = Field(RegisterKind.HOLDING, description="default register kind")
    word_order: Order = Field(Order.BIG, description="default order of 16-bit words")
    byte_order: Order = Field(Order.BIG, description="default byte order within a word")
    max_registers_per_read: int = Field(
        MAX_READ_REGISTERS, ge=1, le=MAX_READ_REGISTERS, description="largest block read"
    )
    max_gap: int = Field(
        0,
        ge=0,
        le=MAX_READ_REGISTERS,
        description="unmapped registers a block read may span; 0 if the device rejects gaps",
    )
    sunspec: SunSpecDiscovery | None = Field(None, description="set for SunSpec devices")
    registers: list[RegisterSpec] = Field(min_length=1, description="the values to read")

    def kind_of(self, register: RegisterSpec) -> RegisterKind:
        return register.kind or self.default_kind

    def orders(self, register: RegisterSpec) -> tuple[Order, Order]:
        return register.word_order or self.word_order, register.byte_order or self.byte_order

    def missing_of(self, register: RegisterSpec) -> int | None:
        if register.missing is not None:
            return register.missing
        if self.sunspec is not None:
            return SUNSPEC_SENTINELS.get(register.type)
        return None


Problems = list[tuple[tuple[str | int, ...], str]]


def profile_checks(profile: MeterProfile) -> Problems:
    """Problems across registers: locations, overlaps, scale-factor references."""
    return _location_problems(profile) + _scale_factor_problems(profile) + _overlaps(profile)


def _start(profile: MeterProfile, register: RegisterSpec) -> int | None:
    """Where a register starts, or None if it is located the wrong way for its profile."""
    if profile.sunspec is not None:
        return register.model_offset if register.address is None else None
    return register.address if register.model_offset is None else None


def _location_problems(profile: MeterProfile) -> Problems:
    problems: Problems = []
    first_index: dict[str, int] = {}
    for index, register in enumerate(profile.registers):
        here: tuple[str | int, ...] = ("registers", index)
        if register.field in first_index:
            other = first_index[register.field]
            problems.append(
                ((*here, "field"), f"duplicate field {register.field!r} (also registers[{other}])")
            )
        first_index.setdefault(register.field, index)
        if register.store and (problem := check_field_name(register.field, register.quantity)):
            problems.append(((*here, "field"), problem))
        start = _start(profile, register)
        if start is None:
            message = (
                "a SunSpec profile locates registers by 'model_offset' only"
                if profile.sunspec is not None
                else "give the register's 'address' ('model_offset' is for SunSpec profiles)"
            )
            problems.append((here, message))
        elif start + register.count > 65536:
            problems.append(((*here, "address"), "the value runs past the last register 65535"))
    return problems


def _scale_factor_problems(profile: MeterProfile) -> Problems:
    problems: Problems = []
    types = {register.field: register.type for register in profile.registers}
    for index, register in enumerate(profile.registers):
        if register.scale_factor is None:
            continue
        here = ("registers", index, "scale_factor")
        target = types.get(register.scale_factor)
        if target is None:
            problems.append((here, f"no register with field {register.scale_factor!r}"))
        elif target not in (DataType.SUNSSF, DataType.INT16):
            problems.append((here, f"{register.scale_factor!r} must be of type sunssf or int16"))
    return problems


def _overlaps(profile: MeterProfile) -> Problems:
    spans = []
    for index, register in enumerate(profile.registers):
        start = _start(profile, register)
        if start is not None:
            spans.append((profile.kind_of(register), start, start + register.count, index))
    spans.sort()
    return [
        (
            ("registers", next_index),
            f"overlaps registers[{index}] ({kind.value} registers {start}..{end - 1})",
        )
        for (kind, start, end, index), (next_kind, next_start, _, next_index) in itertools.pairwise(
            spans
        )
        if kind == next_kind and next_start < end
    ]


ProfileSet = Catalog[MeterProfile]


def builtin_profile_files() -> list[Path]:
    return builtin_files("core.meters", "profiles")


def load_profile(path: Path) -> MeterProfile:
    """One profile file; ``ConfigError`` names the file, line, register and field if it is wrong."""
    return parse_model(read_text(path), MeterProfile, file=str(path), checks=profile_checks)


def load_profiles(directories: Iterable[Path] = ()) -> ProfileSet:
    """The shipped profiles plus every ``*.yaml`` in ``directories``; all problems at once."""
    return load_catalog(
        MeterProfile,
        builtin=builtin_profile_files(),
        directories=directories,
        checks=profile_checks,
        what="profile",
    )
