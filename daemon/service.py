"""The daemon process: collectors, the store-and-forward writer, health and metrics.

Shutdown (SIGTERM, SIGINT) runs in order: the collectors stop taking readings, the writer
writes what the store takes in ``shutdown_timeout_s`` and spools the rest -- acknowledging MQTT
messages as their readings become durable -- and only then does MQTT disconnect.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
import time
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from core.deployment import Deployment
from core.errors import EnmsError
from core.health import SourceHealth
from core.storage.contract import Store
from daemon.metrics import MetricsServer, daemon_point, prometheus_text
from daemon.modbus.poller import ModbusCollector
from daemon.mqtt.collector import MqttCollector
from daemon.plugin_collectors import start_collectors
from daemon.spool import Spool
from daemon.supervision import Supervisor, sleep_unless_stopped
from daemon.writer import Writer
from energy.consumption import write_consumption
from energy.enpi_run import run_enpi
from energy.register import Register
from plugins.context import ReviewPeriod
from plugins.manager import Plugins, load_plugins
from plugins.recording import evaluate_and_record
from plugins.variables import relevant_variables

log = logging.getLogger(__name__)


class DaemonFailed(EnmsError):
    """A critical task could not be kept running: exit non-zero so the manager restarts."""


class Daemon:
    def __init__(
        self, deployment: Deployment, store: Store, plugins: Plugins | None = None
    ) -> None:
        self.deployment = deployment
        self.store = store
        settings = deployment.config.daemon
        self.settings = settings
        self.spool = Spool(
            settings.spool.path,
            max_bytes=settings.spool.max_mb * 1_000_000,
            when_full=settings.spool.when_full,
        )
        influx = deployment.config.storage.influxdb
        self.writer = Writer(
            store,
            spool=self.spool,
            max_queue=settings.max_queue,
            batch_size=influx.batch_size if influx is not None else 5000,
        )
        self.modbus = ModbusCollector(deployment)
        self.mqtt = MqttCollector(deployment) if deployment.config.mqtt is not None else None
        self.plugins = plugins if plugins is not None else load_plugins(installed=True)
        self.plugin_collectors, self.plugin_problems = start_collectors(
            self.plugins, deployment.config
        )
        self.metrics: MetricsServer | None = None
        if settings.metrics.port is not None:
            self.metrics = MetricsServer(
                settings.metrics.host,
                settings.metrics.port,
                lambda: prometheus_text(self.writer, self.health(), self.supervisor.tasks),
                lambda: [task.name for task in self.supervisor.down()],
            )
        self.register = Register(settings.register_path)
        self.stop = asyncio.Event()
        #: set once the EnPIs have been computed (at once without EnPIs): evaluations wait
        #: for it, so the first one sees today's EnPI days
        self.enpis_computed = asyncio.Event()
        if not deployment.config.enpis:
            self.enpis_computed.set()
        self.supervisor = Supervisor(self.stop)

    def health(self) -> list[SourceHealth]:
        plugin_sources = [h for c in self.plugin_collectors for h in c.health()]
        return [
            *self.modbus.health(),
            *(self.mqtt.health() if self.mqtt else []),
            *plugin_sources,
            *self.plugin_problems,
        ]

    def _report_health(self) -> None:
        now = time.time_ns()
        points = [source.to_point(now) for source in self.health()]
        self.writer.submit([*points, daemon_point(self.writer, now)])

    async def _health_loop(self) -> None:
        while not await sleep_unless_stopped(self.stop, self.settings.health_interval_s):
            self._report_health()
        self._report_health()

    async def _consumption_loop(self) -> None:
        """Derive hourly consumption of the last ``consumption_lookback_h`` hours, repeatedly."""
        config = self.deployment.config
        while not self.stop.is_set():
            now = datetime.now(UTC)
            start = now.replace(minute=0, second=0, microsecond=0) - timedelta(
                hours=self.settings.consumption_lookback_h
            )
            try:
                await write_consumption(self.store, config, start, now)
            except EnmsError as exc:  # the store is down: the next pass covers these hours
                log.warning("hourly consumption not derived this time: %s", exc)
            await sleep_unless_stopped(self.stop, self.settings.consumption_interval_s)

    async def _enpi_loop(self) -> None:
        """Compute the configured EnPIs now and then every ``enpi_interval_s``."""
        config = self.deployment.config
        zone = ZoneInfo(config.portfolio.timezone)
        while not self.stop.is_set():
            until = datetime.now(zone).date() - timedelta(days=1)
            variables = relevant_variables(self.plugins, config, self.store)
            for enpi in config.enpis:
                try:
                    result = await run_enpi(
                        self.store, self.register, config, enpi, until=until, variables=variables
                    )
                except (EnmsError, ValueError) as exc:
                    log.error("EnPI %s could not be computed: %s", enpi.id, exc)
                    continue
                if result.adopted_now:
                    log.info(
                        "EnPI %s: baseline version %d adopted", enpi.id, result.baseline.version
                    )
            self.enpis_computed.set()
            await sleep_unless_stopped(self.stop, self.settings.enpi_interval_s)

    async def _evaluation_loop(self) -> None:
        """Evaluate ``evaluation_periods`` every ``evaluation_interval_s``: findings stored,
        nonconformities recorded -- the register's one writer besides ``enms evaluate``."""
        config = self.deployment.config
        zone = ZoneInfo(config.portfolio.timezone)
        stopped = asyncio.create_task(self.stop.wait())
        try:
            await asyncio.wait(
                [stopped, asyncio.create_task(self.enpis_computed.wait())],
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            stopped.cancel()
        while not self.stop.is_set():
            today = datetime.now(zone).date()
            for text in self.settings.evaluation_periods:
                period = ReviewPeriod.relative(text, today)
                if period.not_yet_measured(today):
                    continue
                try:
                    evaluation, _ = await evaluate_and_record(
                        self.plugins, config, self.store, period, self.register, today=today
                    )
                except EnmsError as exc:  # the store is down: the next pass evaluates again
                    log.warning("period %s not evaluated this time: %s", period.label, exc)
                    continue
                log.info("evaluated %s: %d findings", period.label, len(evaluation.findings))
            await sleep_unless_stopped(self.stop, self.settings.evaluation_interval_s)

    def _start_tasks(self, writer_stop: asyncio.Event) -> list[str]:
        """Start every long-running task under supervision; the names of the collectors'."""
        start = self.supervisor.start
        start(
            "writer",
            lambda: self.writer.run(
                writer_stop, shutdown_timeout_s=self.settings.shutdown_timeout_s
            ),
            stop=writer_stop,
            critical=True,
        )
        names = []
        for scheduler in self.modbus.schedulers:
            name = f"modbus:{scheduler.gateway.spec.id}"
            start(name, functools.partial(scheduler.run, self.writer.submit, self.stop))
            names.append(name)
        if self.mqtt is not None:
            start("mqtt", functools.partial(self.mqtt.run, self.writer, self.stop))
            names.append("mqtt")
        for collector in self.plugin_collectors:
            name = f"plugin:{collector.state.source}"
            start(name, functools.partial(collector.run, self.writer.submit, self.stop))
            names.append(name)
        start("consumption", self._consumption_loop)
        names.append("consumption")
        if self.deployment.config.enpis:
            start("enpis", self._enpi_loop)
            names.append("enpis")
        start("evaluations", self._evaluation_loop)
        names.append("evaluations")
        return names

    async def run(self) -> None:
        """Run until ``stop`` is set, then shut down in order.

        Raises ``DaemonFailed`` if a critical task (the writer) could not be kept running.
        """
        log.info(
            "enms daemon started: %d Modbus meters on %d gateways, %s, %d plugin collectors, "
            "storage %s, spool %s",
            len(self.modbus.meters),
            len(self.modbus.gateways),
            f"MQTT {self.mqtt.connection.name} ({len(self.mqtt.connection.filters)} topic filters)"
            if self.mqtt
            else "no MQTT",
            len(self.plugin_collectors),
            self.store.kind,
            self.spool.path,
        )
        if self.metrics is not None:
            await self.metrics.start()
        writer_stop = asyncio.Event()
        names = self._start_tasks(writer_stop)
        health = self.supervisor.start("health", self._health_loop)
        try:
            await self.stop.wait()
        finally:
            self.stop.set()
            # collectors first (they stop taking readings), then the last health report,
            # then the writer makes everything durable, then MQTT acknowledges and leaves
            await self.supervisor.cancel(names)
            await self.modbus.close()
            await asyncio.gather(health, return_exceptions=True)
            writer_stop.set()
            await self.supervisor.wait("writer")
            if self.supervisor.fatal is not None:
                await self.writer.spool_the_rest()  # durable for the next start, or counted
            if self.mqtt is not None:
                await self.mqtt.close()
            if self.metrics is not None:
                await self.metrics.stop()
            self.spool.close()
            self.register.close()
            stats = self.writer.stats
            log.info(
                "enms daemon stopped: %d readings received, %d written, %d spooled "
                "(%d still in the spool), %d refused, %d dropped",
                stats.received,
                stats.written,
                stats.spooled,
                self.spool.readings,
                stats.rejected,
                stats.dropped,
            )
        if self.supervisor.fatal is not None:
            raise DaemonFailed(
                f"enms stopped because a critical task kept failing: {self.supervisor.fatal}"
            ) from self.supervisor.fatal


class Outcome(StrEnum):
    """Why ``serve`` returned."""

    STOPPED = "stopped"  # SIGTERM or SIGINT
    RELOAD = "reload"  # SIGHUP: stopped in order; start again with the configuration re-read


async def serve(deployment: Deployment, store: Store, plugins: Plugins | None = None) -> Outcome:
    """Run the daemon until SIGTERM or SIGINT (stop) or SIGHUP (stop, to be reloaded).

    SIGHUP runs the same orderly shutdown as SIGTERM -- every queued reading written or
    spooled -- and asks the caller to start again with the configuration file read anew.
    """
    daemon = Daemon(deployment, store, plugins)
    loop = asyncio.get_running_loop()
    outcome = Outcome.STOPPED

    def reload() -> None:
        nonlocal outcome
        log.info("SIGHUP: stopping in order to start again with the configuration re-read")
        outcome = Outcome.RELOAD
        daemon.stop.set()

    signals = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    for signum in signals[:2]:
        loop.add_signal_handler(signum, daemon.stop.set)
    loop.add_signal_handler(signal.SIGHUP, reload)
    try:
        await daemon.run()
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
    return outcome
