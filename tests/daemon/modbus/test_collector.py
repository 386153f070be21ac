"""The Modbus collector against real pymodbus servers, writing into a real InfluxDB."""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from pathlib import Path

import numpy as np
import pytest

from core.config.models import InfluxDBSettings
from core.deployment import Deployment
from core.meters.profiles import RegisterKind
from core.meters.registers import DataType, encode
from core.schema import Measurement
from core.storage import EmbeddedStore, InfluxDBStore, Point, SeriesSelector
from core.storage.points import LatestPoint
from daemon.modbus.poller import ModbusCollector
from daemon.writer import Writer
from enms.cli.main import main
from simulation.modbus_devices import register_image
from tests.daemon.modbus.conftest import (
    PROFILES,
    SDM630_VALUES,
    SUNSPEC_VALUES,
    Site,
    sdm120_values,
    site_config,
)

pytestmark = pytest.mark.anyio


async def latest_readings(deployment: Deployment) -> dict[str, LatestPoint]:
    assert deployment.config.storage.influxdb is not None
    async with InfluxDBStore(deployment.config.storage.influxdb) as store:
        points = await store.latest("readings", 0)
    return {p.tags["meter"]: p for p in points}


def float32(value: float) -> float:
    return float(np.float32(value))


def sdm_stored(field: str, value: float) -> float:
    """What enms stores for an Eastron value: float32 registers, power sent in W."""
    if field.startswith("power_") and field != "power_factor":
        return float32(value * 1000) / 1000
    return float32(value)


async def test_collect_once_stores_correct_engineering_values_and_reports_failures(
    deployment: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await asyncio.to_thread(main, ["collect", "--config", str(deployment.source), "--once"])
    out = capsys.readouterr().out
    assert code == 1  # two meters failed
    assert "12 of 14 meters read" in out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("el-")}
    assert "ok" in lines["el-main"]
    assert "Modbus exception 4 (device failure)" in lines["el-failing"]
    assert "no answer" in lines["el-dead"]

    readings = await latest_readings(deployment)
    assert set(readings) == {"el-main", "el-sunspec", *(f"el-sub-{u:02d}" for u in range(1, 11))}

    # SDM630: float32 registers, W scaled to kW
    main_fields = readings["el-main"].fields
    for field, value in SDM630_VALUES.items():
        assert value is not None
        assert main_fields[field] == pytest.approx(sdm_stored(field, value), rel=1e-7), field
    assert readings["el-main"].tags == {
        "site": "skolan",
        "building": "hus-a",
        "meter": "el-main",
        "medium": "electricity",
    }

    # SunSpec 203: scale factors applied, unimplemented points not stored at all
    sunspec = readings["el-sunspec"].fields
    for field, value in SUNSPEC_VALUES.items():
        if value is None:
            assert field not in sunspec, field
        else:
            assert sunspec[field] == pytest.approx(value, rel=1e-9), field
    assert not any(field.endswith("_sf") for field in sunspec)

    # ten unit ids behind one gateway
    for unit in range(1, 11):
        fields = readings[f"el-sub-{unit:02d}"].fields
        expected = sdm120_values(unit)
        assert fields["energy_kwh"] == pytest.approx(float32(expected["energy_kwh"] or 0), rel=1e-7)
        assert fields["power_kw"] == pytest.approx(unit * 0.1, rel=1e-6)


async def test_health_is_written_and_shown_by_the_health_command(
    deployment: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    await asyncio.to_thread(main, ["collect", "--config", str(deployment.source), "--once"])
    capsys.readouterr()
    code = await asyncio.to_thread(main, ["health", "--config", str(deployment.source)])
    out = capsys.readouterr().out
    assert code == 0  # one failed read does not make a meter offline yet
    rows = {line.split()[1]: line for line in out.splitlines()[1:]}
    assert set(rows) == {
        "el-main",
        "el-sunspec",
        "el-failing",
        "el-dead",
        *(f"el-sub-{u:02d}" for u in range(1, 11)),
    }
    assert rows["el-failing"].split()[3:5] == ["1", "1"]  # consecutive failures, errors
    # local time with its zone, and the last error although the meter still counts online
    assert rows["el-failing"].split()[2] == "online"
    assert re.search(r"\d\d:\d\d:\d\d CES?T ", rows["el-failing"])
    assert rows["el-failing"].split("CET ")[-1].split("CEST ")[-1].strip()  # the reason


async def test_a_dead_and_a_failing_meter_do_not_delay_the_others(deployment: Deployment) -> None:
    """Poll for a few seconds at 1 s intervals: the good meters keep their interval."""
    received: list[Point] = []
    collector = ModbusCollector(deployment)
    stop = asyncio.Event()
    # each gateway's scheduler, as the daemon runs them (there each under its supervisor)
    run = asyncio.gather(*(s.run(received.extend, stop) for s in collector.schedulers))
    await asyncio.sleep(6.0)
    stop.set()
    await asyncio.wait_for(run, 10)
    await collector.close()

    times: dict[str, list[int]] = {}
    for point in received:
        times.setdefault(point.tags["meter"], []).append(point.time_ns)
    good = ["el-main", "el-sunspec", *(f"el-sub-{u:02d}" for u in range(1, 11))]
    assert set(times) == set(good)
    for meter in good:
        stamps = np.array(times[meter]) / 1e9
        assert len(stamps) >= 5, meter
        gaps = np.diff(stamps)
        # each meter keeps its 1 s interval: a gap stretched by the dead meter's timeouts
        # (0.5 s, two attempts) would be about 2 s
        assert gaps.max() < 1.5, (meter, gaps)

    health = {h.source: h for h in collector.health()}
    dead, failing = health["el-dead"], health["el-failing"]
    assert not dead.online
    assert dead.errors["timeout"] >= 3
    assert failing.errors["modbus_exception"] >= 3
    assert not failing.online
    assert "device failure" in (failing.last_error or "")
    assert all(health[m].online and health[m].failures == 0 for m in good)


async def test_a_device_that_refuses_gap_reads_is_read_in_runs_from_then_on(
    deployment: Deployment, site: Site
) -> None:
    # Make the SDM630 refuse unmapped registers (its image without the zero-filled gaps)
    device = site.sdm630.device(1)
    await site.sdm630.stop()
    device.images = register_image(PROFILES["eastron_sdm630"], SDM630_VALUES)
    await site.sdm630.start()
    collector = ModbusCollector(deployment)
    meter = next(m for m in collector.meters if m.meter.id == "el-main")
    first = await meter.poll(lambda points: None)
    assert first.error is None
    assert first.values["energy_kwh"] == pytest.approx(float32(123456.7))
    assert meter.blocks is not None
    requests_per_poll = len(meter.blocks)
    assert requests_per_poll > 2  # the two planned blocks were split into mapped runs
    before = meter.gateway.requests
    second = await meter.poll(lambda points: None)
    assert second.error is None
    assert meter.gateway.requests - before == requests_per_poll  # no refused read again
    await collector.close()


async def test_a_gateway_that_disappears_and_returns_is_polled_again(
    deployment: Deployment, site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    collector = ModbusCollector(deployment)
    meter = next(m for m in collector.meters if m.meter.id == "el-main")
    assert (await meter.poll(lambda p: None)).error is None
    await site.sdm630.stop()
    for _ in range(3):
        assert (await meter.poll(lambda p: None)).error is not None
    assert not meter.health.online
    await site.sdm630.start()
    result = await meter.poll(lambda p: None)
    assert result.error is None
    assert meter.health.online
    messages = [r.getMessage() for r in caplog.records]
    assert any("el-main offline" in m for m in messages)
    assert any("el-main recovered" in m for m in messages)
    await collector.close()


async def test_writer_delivers_every_polled_reading(deployment: Deployment) -> None:
    assert deployment.config.storage.influxdb is not None
    async with InfluxDBStore(deployment.config.storage.influxdb) as store:
        writer = Writer(store)
        collector = ModbusCollector(deployment)
        for _ in range(3):
            await collector.poll_once(writer.submit)
            await asyncio.sleep(0.01)
        await collector.close()
        assert await writer.flush() == 0
        series = await store.raw(
            SeriesSelector("readings", "energy_kwh"), 0, time.time_ns() + 10**9
        )
        health = await store.latest(Measurement.COLLECTOR_HEALTH, 0)
    assert writer.stats.written == writer.stats.received == 12 * 3
    assert sum(len(s.values) for s in series) == 12 * 3
    assert health == []  # health is written by the daemon and collect, not by polls


async def test_collect_once_works_with_the_embedded_store(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = site_config(site, InfluxDBSettings(url="http://127.0.0.1:1", database="unused"))
    text = text.replace(
        "  backend: influxdb\n", "  backend: embedded\n  embedded: {path: data.sqlite}\n"
    )
    config = tmp_path / "site.yaml"
    config.write_text(text)
    code = await asyncio.to_thread(main, ["collect", "--config", str(config), "--once"])
    assert code == 1
    assert "12 of 14 meters read" in capsys.readouterr().out
    async with EmbeddedStore(tmp_path / "data.sqlite") as store:
        readings = {p.tags["meter"]: p for p in await store.latest("readings", 0)}
        health = await store.latest(Measurement.COLLECTOR_HEALTH, 0)
    assert len(readings) == 12
    assert readings["el-sunspec"].fields["energy_kwh"] == pytest.approx(54321.123)
    assert len(health) == 14
    # and as a Swedish technician reads it
    code = await asyncio.to_thread(
        main, ["collect", "--config", str(config), "--no-store", "--lang", "sv"]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert out.splitlines()[0].split()[:3] == ["mätare", "gateway/enhet", "värden"]
    assert "12 av 14 mätare lästa; inget lagrat (--no-store)" in out


async def test_a_huge_scale_factor_and_an_infinity_lose_one_value_each_not_the_reading(
    deployment: Deployment, site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    """A SunSpec scale factor of 400 once stopped every gateway, and a float32 infinity
    dropped the whole reading while collect said "ok"."""
    holding = site.sunspec.device(1).images[RegisterKind.HOLDING]
    model_start = next(a for a in sorted(holding) if a > 40002 and holding[a] == 203)
    w_sf = next(r for r in PROFILES["sunspec"].registers if r.field == "w_sf")
    assert w_sf.model_offset is not None
    holding[model_start + 2 + w_sf.model_offset] = 400
    sdm = PROFILES["eastron_sdm630"]
    voltage = next(r for r in sdm.registers if r.field == "voltage_l1_v")
    assert voltage.address is not None
    image = site.sdm630.device(1).images[sdm.kind_of(voltage)]
    image[voltage.address], image[voltage.address + 1] = encode(math.inf, DataType.FLOAT32)

    code = await asyncio.to_thread(main, ["collect", "--config", str(deployment.source), "--once"])
    out = capsys.readouterr().out
    assert code == 1  # el-dead and el-failing, as before
    assert "12 of 14 meters read" in out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("el-")}
    assert "power_kw: bad_scale_factor" in lines["el-sunspec"]
    assert "voltage_l1_v: not_finite" in lines["el-main"]
    readings = await latest_readings(deployment)
    assert "power_kw" not in readings["el-sunspec"].fields
    assert readings["el-sunspec"].fields["energy_kwh"] == pytest.approx(54321.123)
    assert "voltage_l1_v" not in readings["el-main"].fields
    assert readings["el-main"].fields["energy_kwh"] == pytest.approx(float32(123456.7))


async def test_collect_no_store_shows_each_decoded_value_with_its_unit_and_stores_nothing(
    deployment: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    before = await latest_readings(deployment)
    code = await asyncio.to_thread(
        main, ["collect", "--config", str(deployment.source), "--no-store"]
    )
    out = capsys.readouterr().out
    assert code == 1  # the failing and the dead meter
    shown = {line.split(":")[0].strip(): line for line in out.splitlines() if line.startswith("  ")}
    voltage = SDM630_VALUES["voltage_l1_v"]
    assert voltage is not None
    assert f"voltage_l1_v {float32(voltage):g} V" in shown["el-main"]
    assert " kWh" in shown["el-main"]
    assert "el-dead" not in shown  # it answered nothing
    assert "nothing stored (--no-store)" in out
    assert await latest_readings(deployment) == before
