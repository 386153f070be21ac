"""The daemon's side of plugin collectors: start them, supervise them, report their health.

Each collector a plugin returns from ``enms_collectors`` runs in a task of its own. One that
raises (or returns while the daemon still runs) is reported offline with its error and started
again after a back-off that doubles from 1 s to 60 s; what it handed over before is written.
A plugin whose hook raises, and a meter naming a plugin that collects nothing, are reported
as offline sources with the reason, so the collector-health dashboard shows them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from typing import cast

from core.config.models import EnmsConfig
from core.health import OFFLINE_AFTER, SourceHealth
from core.storage.points import Point
from daemon.supervision import sleep_unless_stopped
from plugins.collectors import Collector, Submit, collector_context
from plugins.manager import Plugins

log = logging.getLogger(__name__)

#: the writer's submit; what it returns (accepted or dropped) is counted by the writer
WriterSubmit = Callable[[Sequence[Point]], object]

COLLECTOR = "plugin"
FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 60.0


class SupervisedCollector:
    """One plugin collector, restarted when it fails."""

    def __init__(self, plugin: str, collector: Collector) -> None:
        self.plugin = plugin
        self.collector = collector
        self.state = SourceHealth(COLLECTOR, f"{plugin}/{collector.name}", {"plugin": plugin})
        self.restarts = 0
        self.rejected = 0

    def _submit(self, submit: WriterSubmit) -> Submit:
        def checked(points: Sequence[Point]) -> None:
            good = [p for p in points if isinstance(p, Point)]
            if len(good) != len(points):
                self.rejected += len(points) - len(good)
                log.error(
                    "plugin %s collector %s handed over %d objects that are not readings",
                    self.plugin, self.collector.name, len(points) - len(good),
                )  # fmt: skip
            if good:
                submit(good)
                self.state.record_success(time.time_ns(), 0.0, len(good))

        return checked

    async def run(self, submit: WriterSubmit, stop: asyncio.Event) -> None:
        backoff = FIRST_BACKOFF_S
        while not stop.is_set():
            try:
                await self.collector.run(self._submit(submit), stop)
                if stop.is_set():
                    return
                raise RuntimeError("its run() returned while the daemon was running")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                message = f"{type(exc).__name__}: {exc}"
                self.state.record_failure(time.time_ns(), "plugin_error", message)
                log.error(
                    "plugin %s collector %s failed: %s; starting it again in %.0f s",
                    self.plugin, self.collector.name, message, backoff,
                )  # fmt: skip
            await sleep_unless_stopped(stop, backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_S)
            self.restarts += 1

    def health(self) -> list[SourceHealth]:
        try:
            own = list(self.collector.health())
        except Exception as exc:  # a plugin's health report must not stop the daemon's
            log.error("plugin %s collector %s: health() failed: %s", self.plugin,
                      self.collector.name, exc)  # fmt: skip
            own = []
        return [self.state, *own]


def failed_source(plugin: str, source: str, reason: str) -> SourceHealth:
    health = SourceHealth(COLLECTOR, f"{plugin}/{source}", {"plugin": plugin})
    for _ in range(OFFLINE_AFTER):  # offline from the start, with the reason as its last error
        health.record_failure(time.time_ns(), "plugin_error", reason)
    return health


def start_collectors(
    plugins: Plugins, config: EnmsConfig
) -> tuple[list[SupervisedCollector], list[SourceHealth]]:
    """The enabled plugins' collectors, and a failed source for each problem found."""
    collectors: list[SupervisedCollector] = []
    problems: list[SourceHealth] = []
    providing: set[str] = set()
    for name, function in plugins.implementations(
        "enms_collectors", disabled=config.plugins.disabled
    ):
        providing.add(name)
        try:
            made = list(cast(Iterable[object], function(collector_context(config, name))))
            for collector in made:
                if not isinstance(collector, Collector):
                    raise TypeError(f"{collector!r} is not a Collector (name, run, health)")
        except Exception as exc:
            reason = f"enms_collectors failed: {type(exc).__name__}: {exc}"
            log.error("plugin %s: %s", name, reason)
            problems.append(failed_source(name, "collectors", reason))
            continue
        collectors += [SupervisedCollector(name, cast(Collector, c)) for c in made]
    for _, meter in config.meters():
        if meter.plugin is not None and meter.plugin.name not in providing:
            reason = (
                f"meter {meter.id}: plugin {meter.plugin.name!r} is disabled, not installed "
                f"or has no collector; installed: {', '.join(plugins.names()) or 'none'}"
            )
            log.error(reason)
            problems.append(failed_source(meter.plugin.name, meter.id, reason))
    return collectors, problems
