"""``enms demo``: a simulated municipal portfolio, collected, evaluated and served, no servers.

In order: the simulated devices start (Modbus TCP gateways, an embedded MQTT broker), the
configuration is written next to the demo's data, the history since the baseline year began is
written to the embedded store (with a progress bar), the EnPIs' baselines are adopted and their
series computed, and then everything runs live -- the enms daemon collecting from the devices,
the devices following the simulation, the API serving the review -- until Ctrl-C (or
``--duration``). Nothing listens beyond 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TextIO

import httpx
import uvicorn

from api.app import create_app
from core.deployment import Deployment
from core.errors import ConfigError, EnmsError
from core.storage.contract import Store
from core.storage.factory import open_store
from daemon.service import Daemon
from daemon.supervision import sleep_unless_stopped
from energy.enpi_run import EnpiResult, run_enpi
from energy.register import Register
from plugins.context import ReviewPeriod
from plugins.manager import Plugins, load_plugins, load_with_plugins
from plugins.recording import evaluate_and_record
from plugins.variables import relevant_variables
from simulation.demo.config import Ports, demo_config_text, influxdb_storage
from simulation.demo.devices import ModbusDevices, MqttDevices
from simulation.demo.records import seed_controls, seed_feedback
from simulation.modbus_devices import free_port
from simulation.mqtt_broker import EmbeddedBroker
from simulation.portfolio import ZONE, DemoPortfolio, Timeline

log = logging.getLogger(__name__)

CONFIG_NAME = "enms-demo.yaml"
DATA_FILES = ("store.sqlite", "spool.sqlite", "register.sqlite")
API_READY_S = 20.0
SAVING_TEXT = "Ekbackaskolan's air handling units off at weekends and holidays (the saving)"
FAULT_TEXT = "a radiator valve at Tallgården stuck open (the fault)"


@dataclass(frozen=True, slots=True)
class DemoOptions:
    folder: Path
    port: int = 8080
    duration_s: float | None = None  # None: until Ctrl-C
    today: date | None = None  # the demo day; None: today in Stockholm
    #: an InfluxDB 1.x server to write to instead of the embedded store (for Grafana), and
    #: the database there, replaced on every run
    influx_url: str | None = None
    influx_database: str = "enms_demo"


class Progress:
    """A one-line progress bar on a terminal; a line per tenth elsewhere (logs, CI)."""

    def __init__(self, total: int, label: str, out: TextIO) -> None:
        self.total, self.label, self.out = max(total, 1), label, out
        self.done = 0
        self.tty = out.isatty()
        self._shown_tenth = -1
        self._started = time.monotonic()

    def advance(self, count: int) -> None:
        self.done = min(self.done + count, self.total)
        share = self.done / self.total
        if self.tty:
            filled = int(30 * share)
            bar = "#" * filled + "-" * (30 - filled)
            self.out.write(f"\r{self.label} [{bar}] {share:4.0%}")
            self.out.flush()
        elif int(share * 10) > self._shown_tenth:
            self._shown_tenth = int(share * 10)
            self.out.write(f"{self.label}: {share:.0%}\n")

    def finish(self, what: str) -> None:
        elapsed = time.monotonic() - self._started
        end = "\r" if self.tty else ""
        self.out.write(f"{end}{self.label}: {what} in {elapsed:.1f} s{' ' * 20}\n")
        self.out.flush()


def prepare_folder(folder: Path) -> None:
    """The demo's folder, emptied of an earlier run's data (its files are the demo's own)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in DATA_FILES:
        for path in folder.glob(f"{name}*"):  # with SQLite's -wal and -shm files
            path.unlink()


async def replace_database(url: str, database: str, out: TextIO) -> None:
    """Drop the demo's InfluxDB database, so each run starts from the simulated history."""
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.post(
                f"{url.rstrip('/')}/query", data={"q": f'DROP DATABASE "{database}"'}
            )
            answer.raise_for_status()
    except httpx.HTTPError as exc:
        raise EnmsError(f"InfluxDB at {url} cannot be used for the demo: {exc}") from None
    out.write(f"Store: InfluxDB {url}, database {database} (replaced on every run)\n")


def where(options: DemoOptions) -> str:
    """The store the demo writes to, in words."""
    if options.influx_url:
        return f"InfluxDB database {options.influx_database} at {options.influx_url}"
    return "the embedded store"


def api_port(wanted: int) -> int:
    """``wanted`` if it is free on 127.0.0.1, else any free port."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", wanted))
        except OSError:
            return free_port("127.0.0.1")
    return wanted


async def backfill(store: Store, portfolio: DemoPortfolio, until: datetime, out: TextIO) -> int:
    """Write the portfolio's history up to ``until``; the number of readings written."""
    hours = portfolio.history_hours(until)
    first = portfolio.timeline.first
    progress = Progress(hours, f"History {first}..{until.astimezone(ZONE).date()}", out)
    written = 0
    for points in portfolio.history(until):
        written += await store.write(points)
        progress.advance(len(points) // len(portfolio.meters))
    progress.finish(f"{written:,} readings of {len(portfolio.meters)} meters written")
    return written


async def fit_baselines(
    store: Store, deployment: Deployment, plugins: Plugins, until: date, out: TextIO
) -> list[EnpiResult]:
    config = deployment.config
    register = Register(config.daemon.register_path)
    variables = relevant_variables(plugins, config, store)
    results = []
    try:
        for enpi in config.enpis:
            result = await run_enpi(store, register, config, enpi, until=until, variables=variables)
            results.append(result)
            baseline = result.baseline
            performance = (
                f"{1 - result.senpi:+6.1%} improvement over {result.reporting_days} reporting days"
                if result.reporting_days
                else "no reporting days yet"
            )
            out.write(
                f"  {enpi.id:<16} baseline v{baseline.version} {baseline.form.value:<12} "
                f"{'valid' if baseline.valid else 'NOT valid':<9} {performance}\n"
            )
    finally:
        register.close()
    return results


class _EmbeddedServer(uvicorn.Server):
    """uvicorn inside the demo's event loop: the demo handles the signals, not uvicorn."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def wait_for_api(base: str, timeout_s: float = API_READY_S) -> None:
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(timeout=2.0) as client:
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{base}/health")).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise EnmsError(f"the demo's API did not answer on {base} in {timeout_s:.0f} s")
            await asyncio.sleep(0.1)


def period_label(timeline: Timeline) -> str:
    """The period the demo's review covers: its reporting days."""
    first, last = timeline.reporting
    return f"{first.isoformat()}..{last.isoformat()}"


def urls(base: str, period: str) -> dict[str, str]:
    return {
        "review report": f"{base}/api/v1/review/report?period={period}",
        "review (JSON)": f"{base}/api/v1/review?period={period}",
        "EnPIs": f"{base}/api/v1/enpis?period={period}",
        "nonconformities": f"{base}/api/v1/nonconformities",
        "API documentation": f"{base}/docs",
    }


@contextlib.asynccontextmanager
async def simulated_devices(portfolio: DemoPortfolio) -> AsyncIterator[tuple[ModbusDevices, int]]:
    """The Modbus gateways and the MQTT broker, running on 127.0.0.1 until the block ends."""
    modbus = ModbusDevices(portfolio)
    broker = EmbeddedBroker()
    try:
        await modbus.start()
        await broker.start()
        yield modbus, broker.port
    finally:
        await broker.stop()
        await modbus.stop()


def write_config(
    folder: Path,
    timeline: Timeline,
    ports: Ports,
    plugins: Plugins,
    out: TextIO,
    *,
    storage: dict[str, object] | None = None,
) -> Deployment:
    config_file = folder / CONFIG_NAME
    config_file.write_text(demo_config_text(timeline, ports, storage), encoding="utf-8")
    try:
        deployment = load_with_plugins(config_file, plugins)
    except ConfigError as exc:  # a bug in the demo, not the user's
        raise EnmsError(
            f"the demo wrote a configuration it cannot load: {config_file}\n{exc}"
        ) from exc
    gateways = ", ".join(map(str, ports.gateways.values()))
    out.write(
        f"Devices on 127.0.0.1: Modbus TCP gateways on ports {gateways}, an MQTT broker on "
        f"port {ports.mqtt}\nConfiguration: {config_file}\n"
    )
    return deployment


async def prepare_history(
    store: Store, deployment: Deployment, plugins: Plugins, portfolio: DemoPortfolio, out: TextIO
) -> None:
    """The history up to now in the store, and the EnPIs' baselines adopted on it."""
    timeline = portfolio.timeline
    await backfill(store, portfolio, datetime.now(UTC), out)
    first, last = timeline.baseline
    out.write(
        f"Baseline year {first}..{last}. From {timeline.saving_from}: {SAVING_TEXT}. "
        f"From {timeline.fault_from}: {FAULT_TEXT}.\n"
    )
    await fit_baselines(store, deployment, plugins, timeline.today - timedelta(days=1), out)
    register = Register(deployment.config.daemon.register_path)
    try:
        seeded = seed_feedback(register, timeline, ZONE)
        seed_controls(register, timeline)
    finally:
        register.close()
    out.write(f"Feedback (synpunkter) recorded: {seeded}.\n")
    await record_evaluation(
        store, deployment, plugins, ReviewPeriod.parse(period_label(timeline)), out
    )


async def record_evaluation(
    store: Store, deployment: Deployment, plugins: Plugins, period: ReviewPeriod, out: TextIO
) -> None:
    """Evaluate the reporting period and record its nonconformities in the register, as
    ``enms evaluate`` does: the API only reads the register."""
    config = deployment.config
    register = Register(config.daemon.register_path)
    try:
        evaluation, recorded = await evaluate_and_record(
            plugins, config, store, period, register, today=datetime.now(ZONE).date()
        )
    finally:
        register.close()
    out.write(
        f"Evaluated {period.label}: {len(evaluation.findings)} findings, "
        f"{len(recorded.ids)} nonconformities in the register.\n"
    )


async def run_live(
    store: Store,
    deployment: Deployment,
    portfolio: DemoPortfolio,
    *,
    plugins: Plugins,
    modbus: ModbusDevices,
    options: DemoOptions,
    started: float,
    out: TextIO,
) -> Daemon:
    """The daemon, the devices and the API, until Ctrl-C, SIGTERM or the duration's end."""
    config = deployment.config
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    assert config.mqtt is not None
    mqtt_devices = MqttDevices(portfolio, config.mqtt.host, config.mqtt.port)
    daemon = Daemon(deployment, store, plugins)
    server = _EmbeddedServer(
        uvicorn.Config(
            create_app(deployment),
            host=config.api.host,
            port=config.api.port,
            log_level="warning",
            access_log=False,
        )
    )
    await mqtt_devices.start()
    tasks = [
        asyncio.create_task(modbus.run(stop), name="demo-modbus"),
        asyncio.create_task(mqtt_devices.run(stop), name="demo-mqtt"),
        asyncio.create_task(daemon.run(), name="daemon"),
        asyncio.create_task(server.serve(), name="api"),
    ]
    try:
        base = f"http://{config.api.host}:{config.api.port}"
        await wait_for_api(base)
        out.write(
            f"\nenms is running: the API answered {time.monotonic() - started:.1f} s "
            "after the demo started.\n"
        )
        for what, url in urls(base, period_label(portfolio.timeline)).items():
            out.write(f"  {what:<18} {url}\n")
        out.write(
            f"The daemon collects from the simulated meters into {where(options)}; "
            "stop with Ctrl-C.\n"
        )
        out.flush()
        await sleep_unless_stopped(stop, options.duration_s)
        out.write("Stopping ...\n")
    finally:
        stop.set()
        daemon.stop.set()
        server.should_exit = True
        done = await asyncio.gather(*tasks, return_exceptions=True)
        await mqtt_devices.stop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        for task, result in zip(tasks, done, strict=True):
            if isinstance(result, Exception):
                log.error("demo: %s ended with %r", task.get_name(), result)
    return daemon


async def run_demo(options: DemoOptions, out: TextIO = sys.stdout) -> int:
    started = time.monotonic()
    folder = options.folder.resolve()
    real_today = datetime.now(ZONE).date()
    today = options.today or real_today
    if today > real_today:  # its history would reach days that have not happened
        raise EnmsError(
            f"--today {today.isoformat()} is after today ({real_today.isoformat()}): the demo "
            "day can be today or earlier"
        )
    out.write(f"enms demo: a simulated municipal portfolio in {folder}\n")
    portfolio = DemoPortfolio(today)
    prepare_folder(folder)
    async with simulated_devices(portfolio) as (modbus, mqtt_port):
        ports = Ports(modbus.ports(), mqtt_port, api_port(options.port))
        plugins = load_plugins(installed=True)  # profiles, baselines now, the daemon later
        storage = None
        if options.influx_url:
            storage = influxdb_storage(options.influx_url, options.influx_database)
            await replace_database(options.influx_url, options.influx_database, out)
        deployment = write_config(folder, portfolio.timeline, ports, plugins, out, storage=storage)
        store = open_store(deployment.config.storage)
        try:
            await prepare_history(store, deployment, plugins, portfolio, out)
            daemon = await run_live(
                store,
                deployment,
                portfolio,
                plugins=plugins,
                modbus=modbus,
                options=options,
                started=started,
                out=out,
            )
        finally:
            await store.close()
    stats = daemon.writer.stats
    out.write(
        f"enms demo stopped: {stats.received:,} readings collected live, {stats.written:,} "
        f"written, {stats.spooled:,} spooled. The data stays in "
        f"{folder if not options.influx_url else where(options)} until the next run.\n"
    )
    return 0
