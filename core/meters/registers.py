"""Registers to numbers, and numbers to registers (for simulated meters and tests).

A Modbus register is 16 bits. Wider values span several registers whose order differs between
manufacturers (``word_order``), and a few devices also swap the two bytes within each register
(``byte_order``). SunSpec adds scale-factor registers and "not implemented" sentinels.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from enum import StrEnum


class DataType(StrEnum):
    INT16 = "int16"
    UINT16 = "uint16"
    INT32 = "int32"
    UINT32 = "uint32"
    INT64 = "int64"
    UINT64 = "uint64"
    FLOAT32 = "float32"
    FLOAT64 = "float64"
    SUNSSF = "sunssf"  # SunSpec scale factor: int16 exponent of ten
    ACC32 = "acc32"  # SunSpec accumulator: uint32 that only grows
    ACC64 = "acc64"


class Order(StrEnum):
    BIG = "big"
    LITTLE = "little"


#: registers and struct code (big-endian) of each type
LAYOUT: dict[DataType, tuple[int, str]] = {
    DataType.INT16: (1, ">h"),
    DataType.UINT16: (1, ">H"),
    DataType.SUNSSF: (1, ">h"),
    DataType.INT32: (2, ">i"),
    DataType.UINT32: (2, ">I"),
    DataType.ACC32: (2, ">I"),
    DataType.FLOAT32: (2, ">f"),
    DataType.INT64: (4, ">q"),
    DataType.UINT64: (4, ">Q"),
    DataType.ACC64: (4, ">Q"),
    DataType.FLOAT64: (4, ">d"),
}

#: SunSpec's "not implemented" raw values, per type
SUNSPEC_SENTINELS: dict[DataType, int] = {
    DataType.INT16: 0x8000,
    DataType.UINT16: 0xFFFF,
    DataType.SUNSSF: 0x8000,
    DataType.INT32: 0x80000000,
    DataType.UINT32: 0xFFFFFFFF,
    DataType.ACC32: 0,
    DataType.INT64: 0x8000000000000000,
    DataType.UINT64: 0xFFFFFFFFFFFFFFFF,
    DataType.ACC64: 0,
    DataType.FLOAT32: 0x7FC00000,
}


def register_count(data_type: DataType) -> int:
    return LAYOUT[data_type][0]


def _to_bytes(registers: Sequence[int], word_order: Order, byte_order: Order) -> bytes:
    words = list(registers) if word_order is Order.BIG else list(reversed(registers))
    raw = b"".join(word.to_bytes(2, "big") for word in words)
    if byte_order is Order.LITTLE:
        raw = b"".join(raw[i : i + 2][::-1] for i in range(0, len(raw), 2))
    return raw


def _from_bytes(raw: bytes, word_order: Order, byte_order: Order) -> list[int]:
    if byte_order is Order.LITTLE:
        raw = b"".join(raw[i : i + 2][::-1] for i in range(0, len(raw), 2))
    words = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
    return words if word_order is Order.BIG else list(reversed(words))


def decode(
    registers: Sequence[int],
    data_type: DataType,
    *,
    word_order: Order = Order.BIG,
    byte_order: Order = Order.BIG,
    missing: int | None = None,
) -> float | None:
    """The number the registers hold; None for ``missing`` raw values and float NaN."""
    count, code = LAYOUT[data_type]
    if len(registers) != count:
        raise ValueError(f"{data_type.value} needs {count} registers, got {len(registers)}")
    raw = _to_bytes(registers, word_order, byte_order)
    if missing is not None and int.from_bytes(raw, "big") == missing:
        return None
    value: int | float = struct.unpack(code, raw)[0]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value  # integers stay exact: a 64-bit counter may exceed a float's 53 bits


def encode(
    value: float,
    data_type: DataType,
    *,
    word_order: Order = Order.BIG,
    byte_order: Order = Order.BIG,
) -> list[int]:
    """Registers that decode to ``value`` (rounded to an integer for integer types)."""
    _, code = LAYOUT[data_type]
    number: float | int = value if code[-1] in "fd" else round(value)
    return _from_bytes(struct.pack(code, number), word_order, byte_order)


def sentinel_registers(data_type: DataType, word_order: Order, byte_order: Order) -> list[int]:
    """The registers of SunSpec's "not implemented" value of a type."""
    count, _ = LAYOUT[data_type]
    raw = SUNSPEC_SENTINELS[data_type].to_bytes(2 * count, "big")
    return _from_bytes(raw, word_order, byte_order)
