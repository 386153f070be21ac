"""Supervised tasks: a failure is shown, logged and restarted; the writer's is fatal only
when it keeps failing; and a daemon whose writer fails mid-stream loses nothing."""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest

from core.deployment import load_deployment
from core.storage import EmbeddedStore, Point, SeriesSelector
from daemon.service import Daemon, DaemonFailed
from daemon.supervision import Supervisor, TaskEnded
from tests.waiting import until

pytestmark = pytest.mark.anyio


async def test_a_failing_task_is_shown_down_logged_and_restarted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stop = asyncio.Event()
    supervisor = Supervisor(stop, first_backoff_s=0.05)
    runs = 0
    release = asyncio.Event()

    async def flaky() -> None:
        nonlocal runs
        runs += 1
        if runs <= 2:
            await release.wait()
            raise RuntimeError(f"failure {runs}")
        await stop.wait()

    supervisor.start("flaky", flaky)
    health = supervisor.tasks["flaky"]
    await until(lambda: health.up, "up")
    release.set()
    await until(lambda: health.restarts == 2 and health.up, "restarted twice, then up")
    assert health.last_error == "RuntimeError: failure 2"
    assert [r.exc_info is not None for r in caplog.records if "flaky" in r.getMessage()] == [
        True,
        True,
    ]
    stop.set()
    await supervisor.wait("flaky")
    assert not health.up
    assert supervisor.fatal is None


async def test_a_task_that_returns_by_itself_counts_as_a_failure() -> None:
    stop = asyncio.Event()
    supervisor = Supervisor(stop, first_backoff_s=0.01)
    calls = 0

    async def ends() -> None:
        nonlocal calls
        calls += 1
        if calls >= 3:
            await stop.wait()

    supervisor.start("ends", ends)
    await until(lambda: supervisor.tasks["ends"].restarts == 2, "restarted")
    assert "ended without being asked to stop" in (supervisor.tasks["ends"].last_error or "")
    stop.set()
    await supervisor.cancel()


async def test_a_critical_task_that_keeps_failing_stops_everything_with_its_error() -> None:
    stop = asyncio.Event()
    supervisor = Supervisor(stop, first_backoff_s=0.001)

    async def broken() -> None:
        raise OSError("disk on fire")

    task = supervisor.start("writer", broken, critical=True)
    await asyncio.wait_for(stop.wait(), 10)
    await task
    assert isinstance(supervisor.fatal, OSError)
    assert supervisor.tasks["writer"].restarts == 5
    assert not isinstance(supervisor.fatal, TaskEnded)


def embedded_config(folder: Path, metrics_port: str) -> Path:
    """A site without meters on the embedded store; the test submits readings itself."""
    config = folder / "site.yaml"
    config.write_text(
        textwrap.dedent(f"""\
        version: 1
        portfolio: {{name: Testkommun}}
        storage: {{backend: embedded, embedded: {{path: data.sqlite}}}}
        daemon: {{spool: {{path: spool.sqlite}}, register_path: register.sqlite,
                 metrics: {{port: {metrics_port}}}}}
        sites:
          - id: s
            name: S
            buildings: [{{id: b, name: B, category: school, atemp_m2: 100}}]
        """)
    )
    return config


class FlakyStore(EmbeddedStore):
    """The embedded store, with writes that raise an error nobody foresaw while ``broken``."""

    broken = False
    failures = 0

    async def write(self, points: Sequence[Point]) -> int:
        if self.broken and points:
            self.failures += 1
            raise RuntimeError("an unforeseen bug in a store adapter")
        return await super().write(points)


async def test_a_writer_that_fails_mid_stream_is_shown_down_restarted_and_loses_nothing(
    tmp_path: Path,
) -> None:
    config = embedded_config(tmp_path, metrics_port="0")
    deployment = load_deployment(config)
    async with FlakyStore(tmp_path / "data.sqlite") as store:
        daemon = Daemon(deployment, store)
        running = asyncio.create_task(daemon.run())
        writer_health = daemon.supervisor.tasks
        await until(lambda: "writer" in writer_health and writer_health["writer"].up, "writer up")
        assert daemon.metrics is not None
        base = f"http://127.0.0.1:{daemon.metrics.port}"
        tags = {"meter": "m", "building": "b"}
        first = [
            Point("readings", tags, {"energy_kwh": float(i)}, (10**9 + i) * 10**9)
            for i in range(5000)
        ]
        store.broken = True
        daemon.writer.submit(first)  # a whole batch: the writer wakes and fails on it
        await until(lambda: not writer_health["writer"].up, "writer down")
        async with httpx.AsyncClient() as client:
            metrics_down = (await client.get(f"{base}/metrics")).text
            health_down = await client.get(f"{base}/healthz")
        second = [
            Point("readings", tags, {"energy_kwh": float(i)}, (10**9 + i) * 10**9)
            for i in range(5000, 6000)
        ]
        daemon.writer.submit(second)  # collectors go on while the writer is down
        store.broken = False
        await until(lambda: writer_health["writer"].up and daemon.writer.depth == 0, "recovered")
        async with httpx.AsyncClient() as client:
            metrics_up = (await client.get(f"{base}/metrics")).text
            health_up = await client.get(f"{base}/healthz")
        daemon.stop.set()
        await running
        series = await store.raw(SeriesSelector("readings", "energy_kwh"), 0, 2 * 10**18)
    assert store.failures >= 1
    assert 'enms_task_up{task="writer"} 0.0' in metrics_down
    assert health_down.status_code == 503
    assert "writer" in health_down.text
    assert 'enms_task_up{task="writer"} 1.0' in metrics_up
    assert 'enms_task_restarts_total{task="writer"} 1.0' in metrics_up
    assert health_up.status_code == 200
    assert sum(len(s.values) for s in series) == 6000
    assert daemon.writer.stats.dropped == 0


async def test_a_writer_that_cannot_be_kept_running_ends_the_daemon_non_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("daemon.supervision.FIRST_BACKOFF_S", 0.001)
    config = embedded_config(tmp_path, metrics_port="null")
    async with FlakyStore(tmp_path / "data.sqlite") as store:
        store.broken = True
        daemon = Daemon(load_deployment(config), store)
        daemon.supervisor.first_backoff_s = 0.001
        daemon.writer.submit(
            [Point("readings", {"meter": "m"}, {"v": float(i)}, 10**18 + i) for i in range(5000)]
        )
        with pytest.raises(DaemonFailed, match="unforeseen bug"):
            await asyncio.wait_for(daemon.run(), 30)
    assert daemon.supervisor.tasks["writer"].restarts == 5
    # what was queued is in the spool for the next start, not lost silently
    assert daemon.writer.stats.dropped == 0
    assert daemon.writer.stats.spooled >= 5000
