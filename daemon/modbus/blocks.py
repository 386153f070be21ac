"""Which registers to read in one request: adjacent values coalesced into blocks.

Reading a meter's fifteen values one request at a time costs fifteen round trips over an
RS-485 gateway; one block read costs one. A block may span unmapped registers only up to the
profile's ``max_gap`` and never exceeds ``max_registers_per_read`` (Modbus allows 125).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.meters.profiles import MeterProfile, RegisterKind, RegisterSpec


@dataclass(frozen=True, slots=True, eq=False)
class BoundRegister:
    """A profile register at its absolute address on one device."""

    spec: RegisterSpec
    kind: RegisterKind
    address: int
    count: int

    @property
    def end(self) -> int:
        return self.address + self.count


@dataclass(frozen=True, slots=True, eq=False)
class Block:
    kind: RegisterKind
    address: int
    count: int
    registers: tuple[BoundRegister, ...]

    def slice(self, values: Sequence[int], register: BoundRegister) -> Sequence[int]:
        start = register.address - self.address
        return values[start : start + register.count]


def bind(profile: MeterProfile, model_start: int | None = None) -> list[BoundRegister]:
    """Absolute addresses of a profile's registers; SunSpec offsets count from the model start."""
    bound = []
    for spec in profile.registers:
        if profile.sunspec is not None:
            if model_start is None:
                raise ValueError(f"profile {profile.id!r} needs the discovered SunSpec model start")
            assert spec.model_offset is not None
            address = model_start + 2 + spec.model_offset  # skip the model's ID and L
        else:
            assert spec.address is not None
            address = spec.address
        bound.append(BoundRegister(spec, profile.kind_of(spec), address, spec.count))
    return bound


def plan(registers: Iterable[BoundRegister], *, max_count: int, max_gap: int) -> list[Block]:
    """Group registers into as few block reads as the limits allow."""
    blocks: list[Block] = []
    ordered = sorted(registers, key=lambda r: (r.kind.value, r.address))
    current: list[BoundRegister] = []
    for register in ordered:
        if current:
            first, last_end = current[0], max(r.end for r in current)
            fits = (
                register.kind is first.kind
                and register.address - last_end <= max_gap
                and max(register.end, last_end) - first.address <= max_count
            )
            if not fits:
                blocks.append(_block(current))
                current = []
        current.append(register)
    if current:
        blocks.append(_block(current))
    return blocks


def _block(registers: list[BoundRegister]) -> Block:
    start = registers[0].address
    end = max(r.end for r in registers)
    return Block(registers[0].kind, start, end - start, tuple(registers))


def split_at_gaps(block: Block) -> list[Block]:
    """The same registers without spanning any unmapped register (after a device refused)."""
    return plan(block.registers, max_count=block.count, max_gap=0)
