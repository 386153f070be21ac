"""SunSpec discovery: find a device's meter model by following its chain of models.

A SunSpec device marks the start of its map with "SunS" (0x5375 0x6E53) at one of a few
well-known addresses; models follow, each an ID register, a length register and that many
data registers, until the end marker 0xFFFF.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core.errors import MeterException, MeterReadError
from core.meters.profiles import SunSpecDiscovery

MARKER = [0x5375, 0x6E53]  # "SunS"
END_OF_MODELS = 0xFFFF
#: a device has a few models; a chain longer than this is a corrupt map, not a device
MAX_MODELS = 64

ReadHolding = Callable[[int, int], Awaitable[list[int]]]


@dataclass(frozen=True, slots=True)
class SunSpecModel:
    model_id: int
    start: int  # address of the model's ID register
    length: int  # data registers after ID and L


async def discover(read: ReadHolding, discovery: SunSpecDiscovery) -> SunSpecModel:
    """The first model in the device's chain whose id ``discovery.models`` lists."""
    for base in discovery.bases:
        try:
            marker = await read(base, 2)
        except MeterException:
            continue  # no map at this base: the device refuses the address
        if marker != MARKER:
            continue
        address = base + 2
        seen = []
        for _ in range(MAX_MODELS):
            model_id, length = await read(address, 2)
            if model_id == END_OF_MODELS:
                break
            if model_id in discovery.models:
                return SunSpecModel(model_id, address, length)
            seen.append(model_id)
            address += 2 + length
        wanted = ", ".join(str(m) for m in discovery.models)
        raise MeterReadError(f"SunSpec map at {base} has models {seen or 'none'}, none of {wanted}")
    raise MeterReadError(
        "no SunSpec marker 'SunS' at " + ", ".join(str(b) for b in discovery.bases)
    )
