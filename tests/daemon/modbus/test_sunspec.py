"""SunSpec discovery: the marker at any of the well-known bases, the model chain followed."""

from __future__ import annotations

import pytest

from core.config.models import ModbusGateway
from core.errors import MeterReadError
from core.meters.profiles import RegisterKind
from daemon.modbus.gateway import GatewayConnection
from daemon.modbus.sunspec import discover
from simulation.modbus_devices import SimulatedDevice, SimulatedGateway, sunspec_image
from tests.daemon.modbus.conftest import PROFILES, SUNSPEC_SCALE_FACTORS, SUNSPEC_VALUES

pytestmark = pytest.mark.anyio

DISCOVERY = PROFILES["sunspec"].sunspec
assert DISCOVERY is not None


async def discover_on(image: dict[int, int]):  # type: ignore[no-untyped-def]
    gateway = SimulatedGateway(
        [SimulatedDevice(1, {RegisterKind.HOLDING: image, RegisterKind.INPUT: {}})]
    )
    await gateway.start()
    connection = GatewayConnection(
        ModbusGateway(id="g", host="127.0.0.1", port=gateway.port, timeout_s=1)
    )
    try:
        return await discover(
            lambda address, count: connection.read(
                1, RegisterKind.HOLDING, address, count, attempts=1
            ),
            DISCOVERY,
        )
    finally:
        await connection.close()
        await gateway.stop()


@pytest.mark.parametrize("base", [0, 40000, 50000])
@pytest.mark.parametrize("model_id", [201, 203, 204])
async def test_the_meter_model_is_found_at_every_well_known_base(base: int, model_id: int) -> None:
    image = sunspec_image(
        PROFILES["sunspec"],
        SUNSPEC_VALUES,
        model_id=model_id,
        base=base,
        scale_factors=SUNSPEC_SCALE_FACTORS,
    )
    model = await discover_on(image)
    assert model.model_id == model_id
    assert model.start == base + 2 + 2 + 66  # marker, common model header and body
    assert model.length == 105


async def test_models_before_the_meter_are_skipped() -> None:
    image = sunspec_image(PROFILES["sunspec"], SUNSPEC_VALUES, model_id=203)
    # insert an inverter model (103, 50 registers) between the common model and the meter
    meter_start = 40000 + 2 + 2 + 66
    moved = {a + 52 if a >= meter_start else a: v for a, v in image.items()}
    moved.update({meter_start: 103, meter_start + 1: 50})
    moved.update({meter_start + 2 + i: 0 for i in range(50)})
    model = await discover_on(moved)
    assert (model.model_id, model.start) == (203, meter_start + 52)


async def test_a_device_without_a_meter_model_is_reported() -> None:
    image = sunspec_image(PROFILES["sunspec"], SUNSPEC_VALUES, model_id=213)  # a float meter
    with pytest.raises(MeterReadError, match=r"has models \[1, 213\], none of 201, 202, 203, 204"):
        await discover_on(image)


async def test_a_device_without_the_marker_is_reported() -> None:
    with pytest.raises(MeterReadError, match="no SunSpec marker 'SunS' at 40000, 0, 50000"):
        await discover_on({0: 1, 1: 2, 40000: 3, 40001: 4})
