"""Register decoding: every type, word and byte order; SunSpec sentinels."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.meters.registers import (
    SUNSPEC_SENTINELS,
    DataType,
    Order,
    decode,
    encode,
    sentinel_registers,
)

RANGES = {
    DataType.INT16: (-(2**15), 2**15 - 1),
    DataType.UINT16: (0, 2**16 - 1),
    DataType.INT32: (-(2**31), 2**31 - 1),
    DataType.UINT32: (0, 2**32 - 1),
    DataType.INT64: (-(2**63), 2**63 - 1),
    DataType.UINT64: (0, 2**64 - 1),
}


def test_known_register_contents_decode_to_known_values() -> None:
    # 230.5 V as float32 is 0x4366 0x8000; an SDM630 sends the high word first
    assert decode([0x4366, 0x8000], DataType.FLOAT32) == 230.5
    assert decode([0x8000, 0x4366], DataType.FLOAT32, word_order=Order.LITTLE) == 230.5
    assert decode([0x6643, 0x0080], DataType.FLOAT32, byte_order=Order.LITTLE) == 230.5
    assert decode([0xFFFE], DataType.INT16) == -2
    assert decode([0x0001, 0x0000], DataType.UINT32) == 65536
    assert decode([0x0000, 0x0001], DataType.UINT32, word_order=Order.LITTLE) == 65536
    assert decode([0, 0, 0, 1], DataType.UINT64) == 1


@pytest.mark.parametrize("data_type", list(RANGES))
@pytest.mark.parametrize("word_order", list(Order))
@pytest.mark.parametrize("byte_order", list(Order))
@given(data=st.data())
def test_integers_round_trip_in_every_order(
    data: st.DataObject, data_type: DataType, word_order: Order, byte_order: Order
) -> None:
    low, high = RANGES[data_type]
    value = data.draw(st.integers(low, high))
    registers = encode(value, data_type, word_order=word_order, byte_order=byte_order)
    assert all(0 <= r <= 0xFFFF for r in registers)
    assert decode(registers, data_type, word_order=word_order, byte_order=byte_order) == value


@pytest.mark.parametrize("word_order", list(Order))
@given(value=st.floats(allow_nan=False, allow_infinity=False))
def test_float64_round_trips_exactly(value: float, word_order: Order) -> None:
    registers = encode(value, DataType.FLOAT64, word_order=word_order)
    assert decode(registers, DataType.FLOAT64, word_order=word_order) == value


@given(value=st.floats(allow_nan=False, allow_infinity=False, width=32))
def test_float32_round_trips_exactly(value: float) -> None:
    assert decode(encode(value, DataType.FLOAT32), DataType.FLOAT32) == value


@pytest.mark.parametrize(
    "data_type", [DataType.INT16, DataType.UINT16, DataType.SUNSSF, DataType.ACC32, DataType.UINT32]
)
def test_sunspec_not_implemented_values_decode_to_none(data_type: DataType) -> None:
    registers = sentinel_registers(data_type, Order.BIG, Order.BIG)
    assert decode(registers, data_type, missing=SUNSPEC_SENTINELS[data_type]) is None


def test_float_nan_is_missing_and_wrong_register_count_is_an_error() -> None:
    assert decode(encode(math.nan, DataType.FLOAT32), DataType.FLOAT32) is None
    with pytest.raises(ValueError, match="needs 2 registers"):
        decode([1], DataType.FLOAT32)
