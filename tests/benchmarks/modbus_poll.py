"""Benchmark: Modbus polling throughput and memory, against raw pymodbus reads in the same run.

    scripts/services.sh start
    .venv/bin/python -m tests.benchmarks.modbus_poll [--gateways 10] [--units 100] [--seconds 10]

A simulator process serves ``gateways`` Modbus TCP gateways on 127.0.0.1, each with ``units``
SDM630 meters. Then, each in its own process:

- raw: one pymodbus client per gateway reads, meter after meter, the same two blocks enms plans
  for an SDM630 (registers 0..75 and 342..343), as fast as it can: the limit of this server
  and client library on this machine;
- enms: the Modbus collector polls every configured meter (``poll_once`` in a loop: profiles,
  block plans, decoding, health, points handed to the writer, the writer writing to InfluxDB);
- enms without coalescing: the same with a profile limited to 2 registers per read.

Reported: meter reads/s of each, enms's ratio to raw, and enms's peak memory per meter
(peak resident set size of the process minus its size before the collector was built).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from pymodbus.client import AsyncModbusTcpClient

from tests.services import influx_url

SDM630_BLOCKS = [(0, 76), (0x156, 2)]
DATABASE = "enms_bench_modbus"


def _status_kb(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


# ---------------------------------------------------------------------------- simulator
async def serve(gateways: int, units: int) -> None:
    from core.meters.profiles import load_profiles
    from simulation.modbus_devices import (
        SimulatedDevice,
        SimulatedGateway,
        fill_gaps,
        register_image,
    )

    profile = load_profiles()["eastron_sdm630"]
    servers = []
    for _ in range(gateways):
        devices = []
        for unit in range(1, units + 1):
            values = {spec.field: 100.0 + unit for spec in profile.registers}
            image = {
                k: fill_gaps(v, profile.max_gap) for k, v in register_image(profile, values).items()
            }
            devices.append(SimulatedDevice(unit, image))
        server = SimulatedGateway(devices)
        await server.start()
        servers.append(server)
    print(json.dumps([s.port for s in servers]), flush=True)
    await asyncio.to_thread(sys.stdin.read)  # until the parent closes our stdin
    for server in servers:
        await server.stop()


# ---------------------------------------------------------------------------- raw peer
async def raw(ports: list[int], units: int, seconds: float) -> dict[str, float]:
    deadline = time.monotonic() + seconds

    async def one(port: int) -> int:
        client = AsyncModbusTcpClient("127.0.0.1", port=port, timeout=5, retries=0)
        await client.connect()
        reads = 0
        while time.monotonic() < deadline:
            for unit in range(1, units + 1):
                for address, count in SDM630_BLOCKS:
                    response = await client.read_input_registers(
                        address, count=count, device_id=unit
                    )
                    assert not response.isError()
                reads += 1
                if time.monotonic() >= deadline:
                    break
        client.close()
        return reads

    began = time.monotonic()
    total = sum(await asyncio.gather(*(one(port) for port in ports)))
    return {"meter_reads_per_s": total / (time.monotonic() - began)}


# ---------------------------------------------------------------------------- enms
def _config(folder: Path, ports: list[int], units: int, profile: str) -> Path:
    lines = [
        "version: 1",
        "portfolio: {name: Benchmark}",
        "storage:",
        "  backend: influxdb",
        f"  influxdb: {{url: '{influx_url()}', database: {DATABASE}, create_database: true}}",
        "modbus:",
        "  profile_dirs: [profiles]",
        "  gateways:",
    ]
    lines += [
        f"    - {{id: gw{g}, host: 127.0.0.1, port: {p}, timeout_s: 5}}"
        for g, p in enumerate(ports)
    ]
    lines += ["sites:", "  - id: site", "    name: Site", "    buildings:"]
    lines += [
        f"      - {{id: b{g}, name: B{g}, category: school, atemp_m2: 1000}}"
        for g in range(len(ports))
    ]
    lines += ["    meters:"]
    for g in range(len(ports)):
        for unit in range(1, units + 1):
            lines.append(
                f"      - {{id: m{g}-{unit}, building: b{g}, medium: electricity, unit: kWh, "
                f"modbus: {{gateway: gw{g}, unit_id: {unit}, profile: {profile}}}}}"
            )
    (folder / "profiles").mkdir(exist_ok=True)
    from core.meters.profiles import builtin_profile_files

    source = next(p for p in builtin_profile_files() if p.stem == "eastron_sdm630").read_text()
    uncoalesced = source.replace("id: eastron_sdm630", "id: sdm630_single_reads")
    uncoalesced = uncoalesced.replace("max_registers_per_read: 80", "max_registers_per_read: 2")
    (folder / "profiles" / "single.yaml").write_text(
        uncoalesced.replace("max_gap: 40", "max_gap: 0")
    )
    path = folder / "bench.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


async def enms(config: Path, seconds: float) -> dict[str, float]:
    from core.deployment import load_deployment
    from core.storage.factory import open_store
    from daemon.modbus.poller import ModbusCollector
    from daemon.writer import Writer

    deployment = load_deployment(config)
    before_kb = _status_kb("VmRSS")
    async with open_store(deployment.config.storage) as store:
        writer = Writer(store)
        stop = asyncio.Event()
        writing = asyncio.create_task(writer.run(stop))
        collector = ModbusCollector(deployment)
        reads = failures = rounds = 0
        began = time.monotonic()
        while time.monotonic() - began < seconds:
            results = await collector.poll_once(writer.submit)
            reads += sum(1 for r in results if r.error is None)
            failures += sum(1 for r in results if r.error is not None)
            rounds += 1
        elapsed = time.monotonic() - began
        requests = sum(g.requests for g in collector.gateways.values())
        await collector.close()
        stop.set()
        await writing
    return {
        "meter_reads_per_s": reads / elapsed,
        "requests_per_s": requests / elapsed,
        "failures": failures,
        "rounds": rounds,
        "meters": len(collector.meters),
        "peak_kb_per_meter": (_status_kb("VmHWM") - before_kb) / len(collector.meters),
        "points_written": writer.stats.written,
    }


# ---------------------------------------------------------------------------- driver
def _measure(kind: str, *args: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.modbus_poll", "--measure", kind, *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gateways", type=int, default=10)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--ports", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve:
        asyncio.run(serve(args.gateways, args.units))
        return
    if args.measure == "raw":
        print(json.dumps(asyncio.run(raw(json.loads(args.ports), args.units, args.seconds))))
        return
    if args.measure == "enms":
        print(json.dumps(asyncio.run(enms(Path(args.config), args.seconds))))
        return

    simulator = subprocess.Popen(
        [sys.executable, "-m", "tests.benchmarks.modbus_poll", "--serve",
         "--gateways", str(args.gateways), "--units", str(args.units)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert simulator.stdout is not None
        ports = json.loads(simulator.stdout.readline())
        common = ["--units", str(args.units), "--seconds", str(args.seconds)]
        with tempfile.TemporaryDirectory() as folder:
            coalesced = _config(Path(folder), ports, args.units, "eastron_sdm630")
            single = Path(folder) / "single-bench.yaml"
            single.write_text(
                coalesced.read_text().replace(
                    "profile: eastron_sdm630", "profile: sdm630_single_reads"
                )
            )
            raw_result = _measure("raw", "--ports", json.dumps(ports), *common)
            enms_result = _measure("enms", "--config", str(coalesced), *common)
            single_result = _measure("enms", "--config", str(single), *common)
    finally:
        assert simulator.stdin is not None
        simulator.stdin.close()
        simulator.wait(timeout=30)
        httpx.post(f"{influx_url()}/query", data={"q": f'DROP DATABASE "{DATABASE}"'}, timeout=60)

    meters = args.gateways * args.units
    raw_rate = raw_result["meter_reads_per_s"]
    ratio = enms_result["meter_reads_per_s"] / raw_rate
    report = [
        f"simulated meters: {meters} SDM630 on {args.gateways} gateways, {args.seconds:g} s each",
        f"raw pymodbus, 2 block reads per meter: {raw_rate:,.0f} meter reads/s",
        f"enms, coalesced (2 reads per meter):   {enms_result['meter_reads_per_s']:,.0f} "
        f"meter reads/s ({enms_result['requests_per_s']:,.0f} requests/s, "
        f"{enms_result['failures']:.0f} failures, {enms_result['points_written']:,.0f} points "
        "written)",
        f"enms, no coalescing (15 reads/meter):  {single_result['meter_reads_per_s']:,.0f} "
        f"meter reads/s ({single_result['requests_per_s']:,.0f} requests/s)",
        f"ratio enms/raw (coalesced): {ratio:.2f} (target >= 0.80)",
        f"peak memory per configured meter: {enms_result['peak_kb_per_meter']:.1f} KB "
        "(target < 100 KB)",
    ]
    print("\n".join(report))


if __name__ == "__main__":
    main()
