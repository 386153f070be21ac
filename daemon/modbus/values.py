"""Engineering values from the registers of one poll: scale, offset, scale factors, sentinels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from daemon.modbus.blocks import Block
from daemon.modbus.decode import decode
from daemon.modbus.profiles import MeterProfile


def engineering_values(
    profile: MeterProfile, blocks: Mapping[Block, Sequence[int]]
) -> dict[str, float | None]:
    """Every register's value by field; None where the device reports "not available".

    A value whose scale-factor register is itself not available is not available either:
    a number with an unknown power of ten is no measurement.
    """
    raw: dict[str, float | None] = {}
    for block, registers in blocks.items():
        for register in block.registers:
            word_order, byte_order = profile.orders(register.spec)
            raw[register.spec.field] = decode(
                block.slice(registers, register),
                register.spec.type,
                word_order=word_order,
                byte_order=byte_order,
                missing=profile.missing_of(register.spec),
            )
    values: dict[str, float | None] = {}
    for spec in profile.registers:
        value = raw.get(spec.field)
        if value is not None and spec.scale_factor is not None:
            exponent = raw.get(spec.scale_factor)
            if exponent is None:
                value = None
            else:  # dividing keeps 2305 with exponent -1 at exactly 230.5
                power = int(exponent)
                value = value * 10.0**power if power >= 0 else value / 10.0**-power
        if value is not None:
            value = value * spec.scale + spec.offset
        values[spec.field] = value
    return values
