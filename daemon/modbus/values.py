"""Engineering values from the registers of one poll: scale, offset, scale factors, sentinels.

Decoding runs for every meter on every poll, so the per-register work is prepared once per
profile (``ValueDecoder``): each block read is turned into bytes once, and each value is
unpacked in place from it.

Registers are data from a device, never control flow: a value that cannot be an engineering
value -- a float infinity, a scale factor of 10^400, an integer past a float's range -- becomes
a missing field with its reason, and every other value of the reading is kept.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.meters.profiles import MeterProfile, RegisterSpec
from core.meters.registers import LAYOUT, Order, decode
from daemon.modbus.blocks import Block


@dataclass(frozen=True, slots=True)
class _Slot:
    spec: RegisterSpec
    unpack: struct.Struct | None  # None: an unusual word/byte order, decoded the general way
    word_order: Order
    byte_order: Order
    missing: int | None


#: SunSpec scale factors are -10..10; anything far outside is a corrupt register
MAX_SCALE_EXPONENT = 30


class Problem:
    """Why a value is missing from a reading (stable names, counted in health)."""

    NOT_FINITE = "not_finite"
    BAD_SCALE_FACTOR = "bad_scale_factor"
    UNDECODABLE = "undecodable"


@dataclass(slots=True)
class Decoded:
    """A poll's values by field (None: not available) and, for values that could not be
    decoded, the reason by field."""

    values: dict[str, float | None] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)


class ValueDecoder:
    """Decodes a profile's registers; build once per profile, use on every poll."""

    def __init__(self, profile: MeterProfile) -> None:
        self.profile = profile
        self._slots: dict[str, _Slot] = {}
        for spec in profile.registers:
            word_order, byte_order = profile.orders(spec)
            plain = word_order is Order.BIG and byte_order is Order.BIG
            self._slots[spec.field] = _Slot(
                spec,
                struct.Struct(LAYOUT[spec.type][1]) if plain else None,
                word_order,
                byte_order,
                profile.missing_of(spec),
            )

    def raw_values(self, reads: Sequence[tuple[Block, Sequence[int]]]) -> dict[str, float | None]:
        """Each register's number as the device holds it; None for "not available"."""
        raw: dict[str, float | None] = {}
        for block, registers in reads:
            buffer = struct.pack(f">{len(registers)}H", *registers)
            for register in block.registers:
                slot = self._slots[register.spec.field]
                start = 2 * (register.address - block.address)
                if slot.unpack is None:
                    raw[slot.spec.field] = decode(
                        block.slice(registers, register),
                        slot.spec.type,
                        word_order=slot.word_order,
                        byte_order=slot.byte_order,
                        missing=slot.missing,
                    )
                    continue
                if slot.missing is not None:
                    end = start + 2 * register.count
                    if int.from_bytes(buffer[start:end], "big") == slot.missing:
                        raw[slot.spec.field] = None
                        continue
                value = slot.unpack.unpack_from(buffer, start)[0]
                nan = isinstance(value, float) and math.isnan(value)
                raw[slot.spec.field] = None if nan else value  # NaN: not available
        return raw

    def decode(self, reads: Sequence[tuple[Block, Sequence[int]]]) -> Decoded:
        """Every register's engineering value, and why any value is missing.

        A value whose scale-factor register is itself not available is not available either:
        a number with an unknown power of ten is no measurement.
        """
        raw = self.raw_values(reads)
        decoded = Decoded()
        for spec in self.profile.registers:
            try:
                value = self._engineering(spec, raw)
            except _Missing as missing:
                decoded.problems[spec.field] = missing.reason
                value = None
            except (ArithmeticError, ValueError, TypeError):  # past a float's range
                decoded.problems[spec.field] = Problem.UNDECODABLE
                value = None
            decoded.values[spec.field] = value
        return decoded

    @staticmethod
    def _engineering(spec: RegisterSpec, raw: dict[str, float | None]) -> float | None:
        value = raw.get(spec.field)
        if value is None:
            return None
        if spec.scale_factor is not None:
            exponent = raw.get(spec.scale_factor)
            if exponent is None:
                return None
            power = int(exponent)
            if abs(power) > MAX_SCALE_EXPONENT:
                raise _Missing(Problem.BAD_SCALE_FACTOR)
            # dividing keeps 2305 with exponent -1 at exactly 230.5
            value = value * 10.0**power if power >= 0 else value / 10.0**-power
        value = value * spec.scale + spec.offset
        if not math.isfinite(value):
            raise _Missing(Problem.NOT_FINITE)
        return value


class _Missing(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
