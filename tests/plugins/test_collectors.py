"""Plugin collectors (``enms_collectors``) run by the real daemon into the embedded store:
their readings are written like any other, a failing one is restarted without losing what it
handed over, and a broken plugin or an unserved meter is reported, not fatal."""

from __future__ import annotations

import asyncio
import contextlib
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from core.deployment import load_deployment
from core.health import SourceHealth
from core.storage import SeriesSelector
from core.storage.embedded import EmbeddedStore
from daemon.service import Daemon
from plugins.collectors import CollectorContext, Submit
from plugins.hookspecs import hookimpl
from plugins.manager import load_plugins

pytestmark = pytest.mark.anyio

CONFIG = """\
version: 1
portfolio: {name: Testkommun, timezone: Europe/Stockholm, seus: [{id: heat, name: Heat}]}
storage: {backend: embedded, embedded: {path: store.sqlite}}
daemon:
  spool: {path: spool.sqlite}
  register_path: register.sqlite
  metrics: {port: null}
  health_interval_s: 1
plugins:
  settings:
    mbus_master: {interval_s: 0.02}
sites:
  - id: skolan
    name: Skolan
    buildings:
      - {id: skolan-a, name: Hus A, category: school, atemp_m2: 1000}
    meters:
      - {id: fjv-mbus, building: skolan-a, medium: district_heating, unit: kWh, seu: heat,
         plugin: {name: mbus_master, address: {primary: 5, start_kwh: 1000}}}
      - {id: vatten-mbus, building: skolan-a, medium: water, unit: m3,
         plugin: {name: flaky_bus, address: {primary: 7}}}
      - {id: el-knx, building: skolan-a, medium: electricity, unit: kWh,
         plugin: {name: knx_gateway}}
"""


class Ticking:
    """Reads its meter every ``interval_s`` and hands over a growing register."""

    name = "ttyUSB0"

    def __init__(self, context: CollectorContext) -> None:
        self.context = context
        self.sent = 0

    async def run(self, submit: Submit, stop: asyncio.Event) -> None:
        (meter,) = self.context.meters
        register = float(meter.address["start_kwh"])
        interval = float(self.context.settings["interval_s"])
        while not stop.is_set():
            register += 1.5
            submit([self.context.reading(meter.id, {"energy_kwh": register})])
            self.sent += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)

    def health(self) -> Sequence[SourceHealth]:
        return [SourceHealth("mbus", "primary-5", {"meter": "fjv-mbus"}, successes=self.sent)]


class Flaky:
    """Hands over one reading and fails, twice; then reads steadily."""

    name = "bus-7"

    def __init__(self, context: CollectorContext) -> None:
        self.context = context
        self.runs = 0
        self.sent = 0

    async def run(self, submit: Submit, stop: asyncio.Event) -> None:
        self.runs += 1
        while not stop.is_set():
            self.sent += 1
            submit([self.context.reading("vatten-mbus", {"volume_m3": float(self.sent)})])
            if self.runs <= 2:
                raise ConnectionError(f"bus 7 answered nothing (run {self.runs})")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.02)

    def health(self) -> Sequence[SourceHealth]:
        return []


class MbusMaster:
    def __init__(self) -> None:
        self.made: list[Ticking] = []

    @hookimpl
    def enms_collectors(self, context: CollectorContext) -> list[Ticking]:
        self.made.append(Ticking(context))
        return self.made


class FlakyBus:
    def __init__(self) -> None:
        self.made: list[Flaky] = []

    @hookimpl
    def enms_collectors(self, context: CollectorContext) -> list[Flaky]:
        self.made.append(Flaky(context))
        return self.made


class BrokenHook:
    @hookimpl
    def enms_collectors(self, context: CollectorContext) -> list[Ticking]:
        raise RuntimeError("no serial port configured")


async def until(condition: object, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_plugin_collectors_are_supervised_and_their_readings_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("daemon.plugin_collectors.FIRST_BACKOFF_S", 0.05)
    path = tmp_path / "site.yaml"
    path.write_text(textwrap.dedent(CONFIG))
    deployment = load_deployment(path)
    plugins = load_plugins(installed=False)
    master, flaky = MbusMaster(), FlakyBus()
    plugins.manager.register(master, name="mbus_master")
    plugins.manager.register(flaky, name="flaky_bus")
    plugins.manager.register(BrokenHook(), name="broken_bus")
    store = EmbeddedStore(tmp_path / "store.sqlite")
    daemon = Daemon(deployment, store, plugins)
    running = asyncio.create_task(daemon.run())
    try:
        await until(lambda: master.made[0].sent >= 20 and flaky.made[0].runs >= 3)
        await until(lambda: flaky.made[0].sent >= 10)
        health = {h.source: h for h in daemon.health()}
    finally:
        daemon.stop.set()
        await asyncio.wait_for(running, 30)
    ticking, failing = master.made[0], flaky.made[0]

    series = await store.raw(SeriesSelector("readings", "energy_kwh"), 0, time.time_ns())
    (fjv,) = series
    assert fjv.tags == {"site": "skolan", "building": "skolan-a", "meter": "fjv-mbus",
                        "medium": "district_heating", "seu": "heat"}  # fmt: skip
    assert len(fjv.values) == ticking.sent  # every reading handed over is stored
    assert list(fjv.values) == [1000 + 1.5 * (i + 1) for i in range(ticking.sent)]
    (water,) = await store.raw(SeriesSelector("readings", "volume_m3"), 0, time.time_ns())
    assert len(water.values) == failing.sent  # also those handed over just before it failed

    supervised = health["flaky_bus/bus-7"]
    assert supervised.failures == 2
    assert "ConnectionError: bus 7 answered nothing (run 2)" in (supervised.last_error or "")
    assert supervised.online  # it recovered
    assert health["primary-5"].successes > 0  # the collector's own health is reported too
    broken = health["broken_bus/collectors"]
    assert not broken.online
    assert "enms_collectors failed: RuntimeError: no serial port configured" in str(
        broken.last_error
    )
    unserved = health["knx_gateway/el-knx"]
    assert not unserved.online
    assert "plugin 'knx_gateway' is disabled, not installed" in str(unserved.last_error)
    await store.close()


async def test_a_disabled_plugin_collects_nothing(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(
        textwrap.dedent(CONFIG).replace("plugins:\n", "plugins:\n  disabled: [mbus_master]\n")
    )
    plugins = load_plugins(installed=False)
    master = MbusMaster()
    plugins.manager.register(master, name="mbus_master")
    store = EmbeddedStore(tmp_path / "store.sqlite")
    daemon = Daemon(load_deployment(path), store, plugins)
    assert master.made == []
    assert not {h.source: h for h in daemon.health()}["mbus_master/fjv-mbus"].online
    daemon.spool.close()
    daemon.register.close()
    await store.close()
