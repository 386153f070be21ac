"""A silent unit on an RS-485 gateway must not hold up the other units behind it.

Six SDM120s behind one gateway (a real pymodbus server), unit 4 never answers. Every good
unit's polls are measured against its schedule: none may be later than one poll interval
(once a failed poll held the bus 6.2 s and the first polls started 12 s late).
"""

from __future__ import annotations

import asyncio
import contextlib
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from core.deployment import load_deployment
from core.storage.points import Point
from daemon.modbus.poller import GatewayScheduler, ModbusCollector
from simulation.modbus_devices import SimulatedDevice, SimulatedGateway
from tests.daemon.modbus.conftest import PROFILES, device_image, sdm120_values

pytestmark = pytest.mark.anyio

INTERVAL_S = 2.0
TIMEOUT_S = 1.0
SILENT = 4
POLLS = 6  # per good unit


async def test_a_silent_unit_delays_the_others_by_less_than_one_poll_interval(
    tmp_path: Path,
) -> None:
    sdm120 = PROFILES["eastron_sdm120"]
    devices = [
        SimulatedDevice(
            unit,
            device_image(sdm120, sdm120_values(unit)),
            delay_s=3600.0 if unit == SILENT else 0.0,
        )
        for unit in range(1, 7)
    ]
    gateway = SimulatedGateway(devices)
    await gateway.start()
    meters = "\n".join(
        f"      - {{id: el-{unit}, building: b, medium: electricity, unit: kWh, modbus: "
        f"{{gateway: bus, unit_id: {unit}, profile: eastron_sdm120, "
        f"poll_interval_s: {INTERVAL_S}}}}}"
        for unit in range(1, 7)
    )
    config = tmp_path / "site.yaml"
    config.write_text(
        textwrap.dedent(f"""\
        version: 1
        portfolio: {{name: Testkommun}}
        modbus:
          gateways:
            - {{id: bus, host: 127.0.0.1, port: {gateway.port}, timeout_s: {TIMEOUT_S},
               probe_timeout_s: 0.3}}
        sites:
          - id: s
            name: S
            buildings: [{{id: b, name: B, category: school, atemp_m2: 100}}]
            meters:
        """)
        + meters
        + "\n"
    )
    collector = ModbusCollector(load_deployment(config))
    (scheduler,) = collector.schedulers
    assert isinstance(scheduler, GatewayScheduler)
    polled: dict[str, list[float]] = {}
    good = [m for m in collector.meters if m.source.unit_id != SILENT]
    enough = asyncio.Event()

    def sink(points: Sequence[Point]) -> None:
        for point in points:
            polled.setdefault(point.tags["meter"], []).append(time.monotonic())
        if all(len(polled.get(m.meter.id, [])) >= POLLS for m in good):
            enough.set()

    stop = asyncio.Event()
    began = time.monotonic()
    running = asyncio.create_task(scheduler.run(sink, stop))
    with contextlib.suppress(TimeoutError):  # bounded; the counts below say what was missing
        await asyncio.wait_for(enough.wait(), POLLS * INTERVAL_S + 30)
    stop.set()
    await running
    await collector.close()
    await gateway.stop()

    lateness = {}
    for meter in good:
        times = polled[meter.meter.id][:POLLS]
        assert len(times) == POLLS, meter.meter.id
        due = [began + meter.first_delay() + k * INTERVAL_S for k in range(POLLS)]
        lateness[meter.meter.id] = max(t - d for t, d in zip(times, due, strict=True))
    print("largest lateness per unit (s):", {k: round(v, 2) for k, v in lateness.items()})
    assert max(lateness.values()) < INTERVAL_S, lateness
    silent = next(m for m in collector.meters if m.source.unit_id == SILENT)
    assert silent.health.successes == 0
    assert silent.health.errors["timeout"] >= 2
    assert not silent.health.online
