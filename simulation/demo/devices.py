"""The demo's devices, live: Modbus TCP meters and MQTT gateways that read the simulation.

Each Modbus gateway is a pymodbus server on 127.0.0.1 whose register images are refreshed
from the simulated portfolio every few seconds (SDM630 float registers, SunSpec integers with
scale factors). The MQTT side is one client publishing each MQTT meter's payload in its
device's own format (M-Bus gateway JSON, Tasmota telemetry, plain numbers) to the embedded
broker. The enms daemon then collects them exactly as it would real devices.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections import defaultdict
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from core.meters.profiles import ProfileSet, RegisterKind, load_profiles
from daemon.supervision import sleep_unless_stopped
from simulation.demo_portfolio import ModbusLink, MqttLink, SimMeter
from simulation.modbus_devices import (
    Image,
    SimulatedDevice,
    SimulatedGateway,
    register_image,
    sunspec_image,
)
from simulation.portfolio import ZONE, DemoPortfolio

log = logging.getLogger(__name__)

REFRESH_S = 5.0  # how often the Modbus register images follow the simulation
PUBLISH_S = 15.0  # how often each MQTT meter publishes
SUNSPEC_SCALE_FACTORS = {
    "a_sf": -1,
    "v_sf": -1,
    "hz_sf": -2,
    "w_sf": 1,
    "var_sf": 1,
    "pf_sf": 0,
    "totwh_sf": 1,
}
POWER_FACTOR = 0.95
VOLTAGE_V = 231.0


def electrical_values(energy_kwh: float, power_kw: float, minute: float) -> dict[str, float]:
    """What a three-phase meter shows for a total power and register, phases near balance."""
    shares = (0.35, 0.33, 0.32)
    voltage = VOLTAGE_V + 1.5 * math.sin(2 * math.pi * minute / 60)
    values = {
        "power_kw": power_kw,
        "power_factor": POWER_FACTOR,
        "frequency_hz": 50.0 + 0.02 * math.sin(2 * math.pi * minute / 7),
        "energy_kwh": energy_kwh,
        "energy_export_kwh": 0.0,
        "energy_total_kwh": energy_kwh,
        "voltage_v": voltage,
        "current_a": 1000 * power_kw / (3 * voltage * POWER_FACTOR),
        "reactive_power_kvar": power_kw * math.tan(math.acos(POWER_FACTOR)),
    }
    for phase, share in enumerate(shares, start=1):
        values[f"voltage_l{phase}_v"] = voltage + phase - 2
        values[f"power_l{phase}_kw"] = power_kw * share
        values[f"current_l{phase}_a"] = 1000 * power_kw * share / (voltage * POWER_FACTOR)
    return values


class ModbusDevices:
    """One simulated gateway per configured gateway id, its units the portfolio's meters."""

    def __init__(self, portfolio: DemoPortfolio, profiles: ProfileSet | None = None) -> None:
        self.portfolio = portfolio
        self.profiles = profiles or load_profiles()
        self.meters: dict[tuple[str, int], SimMeter] = {}
        units: dict[str, list[SimulatedDevice]] = defaultdict(list)
        now = datetime.now(UTC)
        for meter in portfolio.meters.values():
            if isinstance(meter.link, ModbusLink):
                link = meter.link
                self.meters[(link.gateway, link.unit_id)] = meter
                units[link.gateway].append(SimulatedDevice(link.unit_id, self._images(meter, now)))
        self.gateways = {gateway: SimulatedGateway(devices) for gateway, devices in units.items()}

    def _images(self, meter: SimMeter, at: datetime) -> dict[RegisterKind, Image]:
        assert isinstance(meter.link, ModbusLink)
        profile = self.profiles[meter.link.profile]
        values = electrical_values(
            self.portfolio.value_at(meter.id, at),
            self.portfolio.power_kw_at(meter.id, at),
            at.minute + at.second / 60,
        )
        if profile.sunspec is not None:
            image = sunspec_image(
                profile, values, scale_factors=SUNSPEC_SCALE_FACTORS, model_name="Demo 203"
            )
            return {RegisterKind.HOLDING: image, RegisterKind.INPUT: {}}
        return register_image(profile, values)

    def ports(self) -> dict[str, int]:
        return {gateway: server.port for gateway, server in self.gateways.items()}

    async def start(self) -> None:
        for server in self.gateways.values():
            await server.start()

    def refresh(self, at: datetime) -> None:
        for (gateway, unit_id), meter in self.meters.items():
            self.gateways[gateway].device(unit_id).images = self._images(meter, at)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.refresh(datetime.now(UTC))
            await sleep_unless_stopped(stop, REFRESH_S)

    async def stop(self) -> None:
        for server in self.gateways.values():
            await server.stop()


def payload(portfolio: DemoPortfolio, meter: SimMeter, at: datetime) -> bytes:
    """The message ``meter``'s device publishes at ``at``, in that device's format."""
    assert isinstance(meter.link, MqttLink)
    value = portfolio.value_at(meter.id, at)
    kind = meter.link.payload
    if kind == "number":
        return f"{value:.2f}".encode()
    if kind == "json_temperature":
        return json.dumps({"temperature": round(value, 2), "battery": 92}).encode()
    power_kw = portfolio.power_kw_at(meter.id, at)
    if kind == "tasmota":
        local = at.astimezone(ZONE).replace(tzinfo=None, microsecond=0)
        current = 1000 * power_kw / (3 * VOLTAGE_V * POWER_FACTOR)
        return json.dumps(
            {
                "Time": local.isoformat(),
                "ENERGY": {
                    "Total": round(value, 3),
                    "Power": round(1000 * power_kw),
                    "Factor": POWER_FACTOR,
                    "Voltage": round(VOLTAGE_V),
                    "Current": round(current, 3),
                },
            }
        ).encode()
    # an M-Bus gateway's heat meter: supply and return follow the load
    supply = 70.0 + min(power_kw / (portfolio.peak_kw(meter.id) or 1.0), 1.0) * 15.0
    ret = supply - 30.0
    flow = power_kw / (4.18 * (supply - ret) / 3.6) if power_kw > 0 else 0.0
    return json.dumps(
        {
            "ts": int(at.timestamp()),
            "heat": {
                "energy_mwh": round(value / 1000, 4),
                "power_kw": round(power_kw, 1),
                "flow_m3h": round(flow, 3),
                "supply_c": round(supply, 1),
                "return_c": round(ret, 1),
            },
        }
    ).encode()


class MqttDevices:
    """The MQTT meters of the portfolio, publishing through one client."""

    def __init__(self, portfolio: DemoPortfolio, host: str, port: int) -> None:
        self.portfolio = portfolio
        self.host, self.port = host, port
        self.meters = [m for m in portfolio.meters.values() if isinstance(m.link, MqttLink)]
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="enms-demo-devices")
        self.published = 0

    async def start(self) -> None:
        await asyncio.to_thread(self.client.connect, self.host, self.port, 30)
        self.client.loop_start()

    def publish(self, at: datetime) -> None:
        for meter in self.meters:
            assert isinstance(meter.link, MqttLink)
            self.client.publish(meter.link.topic, payload(self.portfolio, meter, at), qos=1)
            self.published += 1

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.publish(datetime.now(UTC))
            await sleep_unless_stopped(stop, PUBLISH_S)

    async def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
