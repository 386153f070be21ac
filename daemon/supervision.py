"""Supervised tasks: a failing task is logged, shown in health and restarted with back-off.

Every long-running part of the daemon -- the writer, each Modbus gateway, MQTT, each plugin
collector, the health, consumption and EnPI schedules -- runs under a ``Supervisor``. A task
that raises, or returns without being asked to stop, is logged with its traceback, marked
down (``/metrics``: ``enms_task_up{task=...} 0``; ``/healthz``: 503) at once, and started
again after a back-off that doubles up to a minute. One task's failure never ends another.

A task marked critical (the writer: without it nothing is stored) that fails again and again
in quick succession makes the supervisor give up: it records the error as ``fatal`` and sets
the daemon's stop event, so the process exits non-zero and the service manager restarts it
from a clean state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 60.0
#: a task that ran this long before failing starts its back-off afresh
STABLE_AFTER_S = 300.0
#: failures in a row (each within STABLE_AFTER_S of its start) after which a critical task
#: is given up
CRITICAL_FAILURES = 5


async def sleep_unless_stopped(stop: asyncio.Event, seconds: float | None) -> bool:
    """Sleep ``seconds`` (None: for ever) or until ``stop`` is set; True if it was set."""
    if stop.is_set():
        return True
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), None if seconds is None else max(0.0, seconds))
    return stop.is_set()


class TaskEnded(Exception):
    """A supervised task returned although it was not asked to stop."""


@dataclass
class TaskHealth:
    """What health and metrics say about one supervised task."""

    name: str
    critical: bool = False
    up: bool = False
    restarts: int = 0
    last_error: str | None = None
    last_failure_ns: int | None = None


class Supervisor:
    def __init__(
        self,
        stop: asyncio.Event,
        *,
        first_backoff_s: float = FIRST_BACKOFF_S,
        max_backoff_s: float = MAX_BACKOFF_S,
    ) -> None:
        self.stop = stop
        self.first_backoff_s = first_backoff_s
        self.max_backoff_s = max_backoff_s
        self.tasks: dict[str, TaskHealth] = {}
        self.fatal: BaseException | None = None
        self._running: dict[str, asyncio.Task[None]] = {}

    def start(
        self,
        name: str,
        run: Callable[[], Awaitable[None]],
        *,
        stop: asyncio.Event | None = None,
        critical: bool = False,
    ) -> asyncio.Task[None]:
        """Run ``run()`` under supervision until ``stop`` (default: the supervisor's) is set."""
        if name in self.tasks:
            raise ValueError(f"a task named {name!r} is already supervised")
        health = TaskHealth(name, critical)
        self.tasks[name] = health
        task = asyncio.create_task(self._supervise(health, run, stop or self.stop), name=name)
        self._running[name] = task
        return task

    def down(self) -> list[TaskHealth]:
        return [health for health in self.tasks.values() if not health.up]

    async def _supervise(
        self, health: TaskHealth, run: Callable[[], Awaitable[None]], stop: asyncio.Event
    ) -> None:
        delay = self.first_backoff_s
        failures = 0
        while not stop.is_set():
            health.up = True
            began = time.monotonic()
            try:
                await run()
                if stop.is_set():
                    break
                raise TaskEnded(f"task {health.name} ended without being asked to stop")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the task's boundary: log, show, restart
                health.up = False
                health.restarts += 1
                health.last_error = f"{type(exc).__name__}: {exc}"[:500]
                health.last_failure_ns = time.time_ns()
                if time.monotonic() - began >= STABLE_AFTER_S:
                    delay, failures = self.first_backoff_s, 0
                failures += 1
                if health.critical and failures >= CRITICAL_FAILURES:
                    log.critical(
                        "task %s failed %d times in a row; giving up so that the service "
                        "manager restarts enms",
                        health.name,
                        failures,
                        exc_info=True,
                    )
                    self.fatal = exc
                    self.stop.set()
                    return
                log.error(
                    "task %s failed; restarting it in %.0f s", health.name, delay, exc_info=True
                )
                await sleep_unless_stopped(stop, delay)
                delay = min(delay * 2, self.max_backoff_s)
        health.up = False

    async def wait(self, name: str) -> None:
        """Until the named task has ended (after its stop event was set)."""
        await asyncio.gather(self._running[name], return_exceptions=True)

    async def cancel(self, names: list[str] | None = None) -> None:
        """Cancel the named tasks (default: all) and wait until they have ended."""
        chosen = [self._running[n] for n in names] if names is not None else self._running.values()
        tasks = list(chosen)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
