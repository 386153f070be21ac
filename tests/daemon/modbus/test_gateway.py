"""Gateway connections: the pause between requests, retries of busy answers, reconnects."""

from __future__ import annotations

import time

import pytest
from pymodbus.constants import ExcCodes

from core.config.models import ModbusGateway
from core.errors import MeterException, MeterTimeout, MeterUnreachable
from core.meters.profiles import RegisterKind
from daemon.modbus.gateway import GatewayConnection
from simulation.modbus_devices import SimulatedDevice, SimulatedGateway

pytestmark = pytest.mark.anyio


class Recording(SimulatedDevice):
    """A device that notes when each request reached it, and can be busy a few times."""

    def __init__(self, unit_id: int, busy_times: int = 0) -> None:
        super().__init__(unit_id, {RegisterKind.HOLDING: {0: 7, 1: 8}, RegisterKind.INPUT: {}})
        self.arrivals: list[float] = []
        self.busy_times = busy_times

    async def _action(  # type: ignore[no-untyped-def]
        self, function_code, start_address, address, count, current_registers, set_values
    ):
        self.arrivals.append(time.monotonic())
        if self.busy_times:
            self.busy_times -= 1
            return ExcCodes.DEVICE_BUSY
        return await super()._action(
            function_code, start_address, address, count, current_registers, set_values
        )


async def test_requests_are_spaced_by_the_gateway_pause() -> None:
    device = Recording(1)
    server = SimulatedGateway([device])
    await server.start()
    gateway = GatewayConnection(
        ModbusGateway(id="g", host="127.0.0.1", port=server.port, pause_s=0.2)
    )
    try:
        for _ in range(4):
            assert await gateway.read(1, RegisterKind.HOLDING, 0, 2, attempts=1) == [7, 8]
    finally:
        await gateway.close()
        await server.stop()
    gaps = [b - a for a, b in zip(device.arrivals, device.arrivals[1:], strict=False)]
    assert len(gaps) == 3
    assert min(gaps) >= 0.19  # the pause is a lower bound


async def test_busy_answers_are_retried_and_other_exceptions_are_not() -> None:
    device = Recording(1, busy_times=2)
    server = SimulatedGateway([device])
    await server.start()
    gateway = GatewayConnection(ModbusGateway(id="g", host="127.0.0.1", port=server.port))
    try:
        assert await gateway.read(1, RegisterKind.HOLDING, 0, 2, attempts=3) == [7, 8]
        assert len(device.arrivals) == 3
        with pytest.raises(MeterException, match=r"exception 2 \(illegal data address\)") as caught:
            await gateway.read(1, RegisterKind.HOLDING, 100, 2, attempts=3)
        assert caught.value.code == 2
    finally:
        await gateway.close()
        await server.stop()


async def test_a_closed_port_is_unreachable_and_a_restarted_server_is_reconnected() -> None:
    device = Recording(1)
    server = SimulatedGateway([device])
    await server.start()
    gateway = GatewayConnection(
        ModbusGateway(id="g", host="127.0.0.1", port=server.port, timeout_s=0.5)
    )
    try:
        assert await gateway.read(1, RegisterKind.HOLDING, 0, 2, attempts=1) == [7, 8]
        await server.stop()
        # the open connection fails (timeout) or a new one is refused (unreachable)
        with pytest.raises((MeterUnreachable, MeterTimeout)):
            await gateway.read(1, RegisterKind.HOLDING, 0, 2, attempts=2)
        await server.start()
        assert await gateway.read(1, RegisterKind.HOLDING, 0, 2, attempts=1) == [7, 8]
    finally:
        await gateway.close()
        await server.stop()
