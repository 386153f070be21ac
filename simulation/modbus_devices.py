"""Simulated Modbus meters: real pymodbus TCP servers holding a meter's register image.

Used by the tests, the benchmarks and the demo. A device's registers are built from a meter
profile and engineering values, so a simulated SDM630 holds what a real one would; values can
be changed while the server runs, and a device can be told to answer with an exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field

from pymodbus.constants import ExcCodes
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType as SimType
from pymodbus.simulator import SimData, SimDevice

from core.meters.profiles import MeterProfile, RegisterKind
from core.meters.registers import DataType, encode, sentinel_registers

Image = dict[int, int]  # address -> register value

SUNSPEC_MARKER = [0x5375, 0x6E53]
COMMON_MODEL_LENGTH = 66


def _text_registers(text: str, count: int) -> list[int]:
    raw = text.encode()[: 2 * count].ljust(2 * count, b"\0")
    return [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]


def _raw_for(profile: MeterProfile, field_name: str, value: float, exponent: int) -> list[int]:
    spec = next(s for s in profile.registers if s.field == field_name)
    word_order, byte_order = profile.orders(spec)
    raw = (value - spec.offset) / spec.scale / 10.0**exponent
    return encode(raw, spec.type, word_order=word_order, byte_order=byte_order)


def register_image(
    profile: MeterProfile,
    values: Mapping[str, float | None],
    *,
    model_start: int | None = None,
    scale_factors: Mapping[str, int] | None = None,
) -> dict[RegisterKind, Image]:
    """The registers of a device of ``profile`` showing ``values``.

    A value of None is written as the profile's "not available" raw value. For SunSpec
    profiles, ``scale_factors`` gives each *_sf register's exponent and ``model_start`` the
    address of the model's ID register.
    """
    exponents = dict(scale_factors or {})
    images: dict[RegisterKind, Image] = {RegisterKind.HOLDING: {}, RegisterKind.INPUT: {}}
    for spec in profile.registers:
        if profile.sunspec is not None:
            assert model_start is not None
            assert spec.model_offset is not None
            address = model_start + 2 + spec.model_offset
        else:
            assert spec.address is not None
            address = spec.address
        word_order, byte_order = profile.orders(spec)
        if spec.type is DataType.SUNSSF:
            registers = encode(exponents.get(spec.field, 0), DataType.INT16)
        elif values.get(spec.field) is None:
            missing = profile.missing_of(spec)
            registers = (
                sentinel_registers(spec.type, word_order, byte_order)
                if missing is not None
                else [0] * spec.count
            )
        else:
            value = values[spec.field]
            assert value is not None
            exponent = exponents.get(spec.scale_factor or "", 0)
            registers = _raw_for(profile, spec.field, value, exponent)
        for i, register in enumerate(registers):
            images[profile.kind_of(spec)][address + i] = register
    return images


def fill_gaps(image: Image, max_gap: int) -> Image:
    """Zero registers in gaps up to ``max_gap`` wide, as devices that answer them do."""
    filled = dict(image)
    addresses = sorted(image)
    for a, b in itertools.pairwise(addresses):
        if 1 < b - a <= max_gap + 1:
            filled.update(dict.fromkeys(range(a + 1, b), 0))
    return filled


def sunspec_image(
    profile: MeterProfile,
    values: Mapping[str, float | None],
    *,
    model_id: int = 203,
    base: int = 40000,
    scale_factors: Mapping[str, int] | None = None,
    manufacturer: str = "enms simulated",
    model_name: str = "SunSpec meter",
) -> Image:
    """A whole SunSpec holding-register map: marker, common model, meter model, end marker."""
    image: Image = {}

    def put(address: int, registers: list[int]) -> None:
        for i, register in enumerate(registers):
            image[address + i] = register

    put(base, SUNSPEC_MARKER)
    common = [1, COMMON_MODEL_LENGTH]
    common += _text_registers(manufacturer, 16) + _text_registers(model_name, 16)
    common += _text_registers("", 8) + _text_registers("1.0", 8) + _text_registers("SIM-0001", 16)
    common += [1, 0x8000]  # device address, pad
    put(base + 2, common)
    model_start = base + 2 + len(common)
    meter_length = 105
    put(model_start, [model_id, meter_length] + [0x8000] * meter_length)
    meter = register_image(profile, values, model_start=model_start, scale_factors=scale_factors)
    image.update(meter[RegisterKind.HOLDING])
    put(model_start + 2 + meter_length, [0xFFFF, 0])
    return image


@dataclass
class SimulatedDevice:
    """One unit id's registers; change ``images`` or ``exception`` while the server runs."""

    unit_id: int
    images: dict[RegisterKind, Image]
    exception: ExcCodes | None = None
    delay_s: float = 0.0
    reads: int = 0

    def _block(self, image: Image) -> list[SimData]:
        if not image:
            return [SimData(0, values=0, datatype=SimType.INVALID)]
        blocks = []
        addresses = sorted(image)
        run = [addresses[0]]
        for address in addresses[1:]:
            if address != run[-1] + 1:
                blocks.append(
                    SimData(run[0], values=[image[a] for a in run], datatype=SimType.REGISTERS)
                )
                run = []
            run.append(address)
        blocks.append(SimData(run[0], values=[image[a] for a in run], datatype=SimType.REGISTERS))
        return blocks

    async def _action(  # noqa: PLR0917 - the signature pymodbus calls
        self,
        function_code: int,
        start_address: int,
        address: int,
        count: int,
        current_registers: list[int],
        set_values: list[int] | list[bool] | None,
    ) -> ExcCodes | None:
        self.reads += 1
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.exception is not None:
            return self.exception
        image = self.images[RegisterKind.HOLDING if function_code == 3 else RegisterKind.INPUT]
        for i in range(count):
            current_registers[address - start_address + i] = image.get(address + i, 0)
        return None

    def sim_device(self) -> SimDevice:
        bits = [SimData(0, values=False, datatype=SimType.BITS)]
        return SimDevice(
            id=self.unit_id,
            simdata=(
                bits,
                bits,
                self._block(self.images[RegisterKind.HOLDING]),
                self._block(self.images[RegisterKind.INPUT]),
            ),
            action=self._action,
        )


@dataclass
class SimulatedGateway:
    """A Modbus TCP server on 127.0.0.1 answering for one or more unit ids."""

    devices: list[SimulatedDevice]
    port: int = 0
    host: str = "127.0.0.1"
    _server: ModbusTcpServer | None = field(default=None, repr=False)
    _task: asyncio.Task[None] | None = field(default=None, repr=False)

    def device(self, unit_id: int) -> SimulatedDevice:
        return next(d for d in self.devices if d.unit_id == unit_id)

    async def start(self) -> None:
        # pymodbus logs a warning per request for unknown unit ids; a simulator stays quiet
        logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
        if self.port == 0:
            self.port = free_port(self.host)
        self._server = ModbusTcpServer(
            [device.sim_device() for device in self.devices], address=(self.host, self.port)
        )
        self._task = asyncio.create_task(self._server.serve_forever())
        for _ in range(200):  # up to 2 s for the listener
            try:
                _, writer = await asyncio.open_connection(self.host, self.port)
            except OSError:
                await asyncio.sleep(0.01)
                continue
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return
        raise RuntimeError(f"simulated gateway did not start on {self.host}:{self.port}")

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.shutdown()  # type: ignore[no-untyped-call]
            self._server = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
