"""The daemon process: collectors, the writer and health reporting, started and stopped together.

SIGTERM and SIGINT stop the collectors, write a last health report and flush the writer.
Scheduled baseline and plugin runs join this process in later work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time

from daemon.deployment import Deployment
from daemon.health import SourceHealth
from daemon.modbus.poller import ModbusCollector
from daemon.mqtt.collector import MqttCollector
from daemon.storage.contract import Store
from daemon.writer import Writer

log = logging.getLogger(__name__)

HEALTH_INTERVAL_S = 60.0


class Daemon:
    def __init__(
        self,
        deployment: Deployment,
        store: Store,
        *,
        health_interval_s: float = HEALTH_INTERVAL_S,
    ) -> None:
        self.deployment = deployment
        self.store = store
        self.writer = Writer(store, batch_size=_batch_size(deployment))
        self.modbus = ModbusCollector(deployment)
        self.mqtt = MqttCollector(deployment) if deployment.config.mqtt is not None else None
        self.health_interval_s = health_interval_s
        self.stop = asyncio.Event()

    def health(self) -> list[SourceHealth]:
        return self.modbus.health() + (self.mqtt.health() if self.mqtt else [])

    def _report_health(self) -> None:
        now = time.time_ns()
        self.writer.submit([source.to_point(now) for source in self.health()])

    async def _health_loop(self) -> None:
        while not self.stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), self.health_interval_s)
            self._report_health()

    async def run(self) -> None:
        """Run until ``stop`` is set."""
        config = self.deployment.config
        log.info(
            "enms daemon started: %d Modbus meters on %d gateways, %s, storage %s",
            len(self.modbus.meters),
            len(self.modbus.gateways),
            f"MQTT {self.mqtt.connection.name} ({len(self.mqtt.connection.filters)} topic filters)"
            if self.mqtt
            else "no MQTT",
            self.store.kind,
        )
        if not config.meters():
            log.warning("no meters configured; nothing to collect")
        writer = asyncio.create_task(self.writer.run(self.stop), name="writer")
        tasks = [
            asyncio.create_task(self.modbus.run(self.writer.submit, self.stop), name="modbus"),
            asyncio.create_task(self._health_loop(), name="health"),
        ]
        if self.mqtt is not None:
            tasks.append(
                asyncio.create_task(self.mqtt.run(self.writer.submit, self.stop), name="mqtt")
            )
        try:
            await asyncio.gather(*tasks)
        finally:
            self.stop.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await writer
            stats = self.writer.stats
            log.info(
                "enms daemon stopped: %d readings received, %d written, %d refused, %d dropped",
                stats.received,
                stats.written,
                stats.rejected,
                stats.dropped,
            )


def _batch_size(deployment: Deployment) -> int:
    influx = deployment.config.storage.influxdb
    return influx.batch_size if influx is not None else 5000


async def serve(deployment: Deployment, store: Store) -> None:
    """Run the daemon until SIGTERM or SIGINT."""
    daemon = Daemon(deployment, store)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, daemon.stop.set)
    try:
        await daemon.run()
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
