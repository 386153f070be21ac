"""Simulated Modbus devices on 127.0.0.1 (real pymodbus servers) and a deployment reading them."""

from __future__ import annotations

import asyncio
import contextlib
import textwrap
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pymodbus.constants import ExcCodes

from core.config.models import InfluxDBSettings
from core.deployment import Deployment, load_deployment
from core.meters.profiles import MeterProfile, RegisterKind, load_profiles
from simulation.modbus_devices import (
    SimulatedDevice,
    SimulatedGateway,
    fill_gaps,
    register_image,
    sunspec_image,
)

PROFILES = load_profiles()

SDM630_VALUES: dict[str, float | None] = {
    "voltage_l1_v": 231.2,
    "voltage_l2_v": 229.8,
    "voltage_l3_v": 230.4,
    "current_l1_a": 12.5,
    "current_l2_a": 10.1,
    "current_l3_a": 11.0,
    "power_l1_kw": 2.81,
    "power_l2_kw": 2.2,
    "power_l3_kw": 2.4,
    "power_kw": 7.41,
    "power_factor": 0.97,
    "frequency_hz": 50.01,
    "energy_kwh": 123456.7,
    "energy_export_kwh": 0.0,
    "energy_total_kwh": 123456.7,
}

# A SunSpec 203 meter on a single-phase supply: phases B and C and reactive power are not
# implemented, so they hold SunSpec's sentinels and must be stored as missing.
SUNSPEC_VALUES: dict[str, float | None] = {
    "current_a": 35.27,
    "current_l1_a": 35.27,
    "current_l2_a": None,
    "current_l3_a": None,
    "voltage_v": 230.5,
    "voltage_l1_v": 230.5,
    "voltage_l2_v": None,
    "voltage_l3_v": None,
    "frequency_hz": 49.98,
    "power_kw": 8.13,
    "power_l1_kw": 8.13,
    "power_l2_kw": None,
    "power_l3_kw": None,
    "reactive_power_kvar": None,
    "power_factor": 0.953,
    "energy_export_kwh": None,
    "energy_kwh": 54321.123,
}
SUNSPEC_SCALE_FACTORS = {"a_sf": -2, "v_sf": -1, "hz_sf": -2, "w_sf": 1, "pf_sf": -1, "totwh_sf": 0}


def sdm120_values(unit: int) -> dict[str, float | None]:
    return {
        "voltage_v": 230.0 + unit / 10,
        "current_a": unit * 0.5,
        "power_kw": unit * 0.1,
        "power_factor": 0.9,
        "frequency_hz": 50.0,
        "energy_kwh": 1000.0 * unit + 0.5,
        "energy_export_kwh": 0.0,
        "energy_total_kwh": 1000.0 * unit + 0.5,
    }


def device_image(
    profile: MeterProfile, values: dict[str, float | None]
) -> dict[RegisterKind, dict[int, int]]:
    """A device that, like the real meter, answers its whole parameter table."""
    image = register_image(profile, values)
    return {kind: fill_gaps(regs, profile.max_gap) for kind, regs in image.items()}


class BlackHole:
    """A TCP endpoint that accepts connections and never answers: a hung device."""

    def __init__(self) -> None:
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError):
                while await reader.read(1024):
                    pass
            writer.close()

        self._server = await asyncio.start_server(swallow, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1)


@dataclass
class Site:
    sdm630: SimulatedGateway
    sunspec: SimulatedGateway
    bus: SimulatedGateway  # RS-485 gateway: ten SDM120s and a failing unit
    dead: BlackHole


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    sdm630 = SimulatedGateway(
        [SimulatedDevice(1, device_image(PROFILES["eastron_sdm630"], SDM630_VALUES))]
    )
    image = sunspec_image(
        PROFILES["sunspec"], SUNSPEC_VALUES, model_id=203, scale_factors=SUNSPEC_SCALE_FACTORS
    )
    sunspec = SimulatedGateway(
        [SimulatedDevice(1, {RegisterKind.HOLDING: image, RegisterKind.INPUT: {}})]
    )
    sdm120 = PROFILES["eastron_sdm120"]
    devices = [
        SimulatedDevice(unit, device_image(sdm120, sdm120_values(unit))) for unit in range(1, 11)
    ]
    devices.append(
        SimulatedDevice(
            11, device_image(sdm120, sdm120_values(11)), exception=ExcCodes.DEVICE_FAILURE
        )
    )
    bus = SimulatedGateway(devices)
    dead = BlackHole()
    for server in (sdm630, sunspec, bus, dead):
        await server.start()
    yield Site(sdm630, sunspec, bus, dead)
    for server in (sdm630, sunspec, bus, dead):
        await server.stop()


def _meter(
    meter: str, building: str, gateway: str, unit: int, profile: str, *, interval: float
) -> str:
    source = (
        f"{{gateway: {gateway}, unit_id: {unit}, profile: {profile}, poll_interval_s: {interval}}}"
    )
    return (
        f"          - {{id: {meter}, building: {building}, medium: electricity, unit: kWh, "
        f"modbus: {source}}}"
    )


def _gateway(gateway: str, port: int) -> str:
    return f"    - {{id: {gateway}, host: 127.0.0.1, port: {port}, timeout_s: 0.5, retries: 1}}"


def site_config(site: Site, influx: InfluxDBSettings, *, interval_s: float = 1.0) -> str:
    meters = [
        _meter("el-main", "hus-a", "gw-main", 1, "eastron_sdm630", interval=interval_s),
        _meter("el-sunspec", "hus-a", "gw-sunspec", 1, "sunspec", interval=interval_s),
        *(
            _meter(
                f"el-sub-{unit:02d}", "hus-b", "gw-bus", unit, "eastron_sdm120", interval=interval_s
            )
            for unit in range(1, 11)
        ),
        _meter("el-failing", "hus-b", "gw-bus", 11, "eastron_sdm120", interval=interval_s),
        _meter("el-dead", "hus-b", "gw-dead", 1, "eastron_sdm630", interval=interval_s),
    ]
    gateways = [
        _gateway("gw-main", site.sdm630.port),
        _gateway("gw-sunspec", site.sunspec.port),
        _gateway("gw-bus", site.bus.port),
        _gateway("gw-dead", site.dead.port),
    ]
    storage = f'{{url: "{influx.url}", database: {influx.database}, create_database: true}}'
    return (
        textwrap.dedent(f"""\
        version: 1
        portfolio: {{name: Testkommun}}
        storage:
          backend: influxdb
          influxdb: {storage}
        daemon: {{metrics: {{port: 0}}}}
        modbus:
          gateways:
        """)
        + "\n".join(gateways)
        + "\n"
        + textwrap.dedent("""\
        sites:
          - id: skolan
            name: Skolan
            buildings:
              - {id: hus-a, name: Hus A, category: school, atemp_m2: 4000}
              - {id: hus-b, name: Hus B, category: school, atemp_m2: 2000}
            meters:
        """)
        + "\n".join(meters)
        + "\n"
    )


@pytest.fixture
def deployment(site: Site, influx_settings: InfluxDBSettings, tmp_path: Path) -> Deployment:
    path = tmp_path / "site.yaml"
    path.write_text(site_config(site, influx_settings))
    return load_deployment(path)
