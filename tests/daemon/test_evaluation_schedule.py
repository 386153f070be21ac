"""The daemon evaluates on its schedule: findings stored for Grafana, nonconformities recorded
in the register -- the API only reads them."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest

from core.deployment import load_deployment
from core.storage import EmbeddedStore
from daemon.service import Daemon
from energy.register import Register
from plugins.context import ReviewPeriod
from plugins.manager import load_plugins
from tests.fixture_portfolio import deploy
from tests.waiting import until

pytestmark = pytest.mark.anyio


async def test_the_daemon_records_the_periods_nonconformities_and_stores_its_findings(
    tmp_path: Path,
) -> None:
    path = await deploy(None, "{backend: embedded, embedded: {path: data.sqlite}}", tmp_path)
    text = path.read_text()
    schedule = "  evaluation_periods: ['2025-03', this_year]\n  evaluation_interval_s: 3600\n"
    path.write_text(text.replace("  register_path: register.sqlite\n", "  register_path: "
                                 "register.sqlite\n" + schedule))  # fmt: skip
    deployment = load_deployment(path)
    store = EmbeddedStore(tmp_path / "data.sqlite")
    register = Register(tmp_path / "register.sqlite")
    try:
        assert register.nonconformities() == []  # nothing recorded by deploying
        daemon = Daemon(deployment, store, load_plugins(installed=False))
        running = asyncio.create_task(daemon.run())

        def recorded() -> bool:
            return any(n.finding == "enpi-deviation.bok-fjv" for n in register.nonconformities())

        await until(recorded, "the stuck valve in the register", timeout_s=60)
        findings = await store.latest("findings", 0)
        await until(lambda: daemon.supervisor.tasks["evaluations"].up, "the evaluation task is up")
        daemon.stop.set()
        await asyncio.wait_for(running, 60)
    finally:
        register.close()
        await store.close()
    (valve,) = [n for n in Register(tmp_path / "register.sqlite").nonconformities()
                if n.finding == "enpi-deviation.bok-fjv"]  # fmt: skip
    assert valve.last_period == "2025-03"
    assert valve.events[0].by == "plugin enpi_deviation"
    stored = {(p.tags["period"], p.tags["finding"]) for p in findings}
    assert ("2025-03", "enpi-deviation.bok-fjv") in stored


def test_relative_periods_resolve_against_the_day() -> None:
    day = date(2026, 1, 10)
    assert ReviewPeriod.relative("this_year", day).label == "2026"
    last = ReviewPeriod.relative("last_month", day)
    assert (last.label, last.first, last.last) == ("2025-12", date(2025, 12, 1), date(2025, 12, 31))
    assert ReviewPeriod.relative("2025-03", day).label == "2025-03"
    assert ReviewPeriod.parse("2027").not_yet_measured(day) is not None
    assert ReviewPeriod.parse("2026").measured_until(day) == day
