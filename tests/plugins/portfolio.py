"""The fixture portfolio deployed for a plugin test, and a plugin's findings as users see them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from daemon.cli import main
from daemon.storage import Point, Store
from tests.fixture_portfolio import config_text, readings


async def deploy(
    store: Store,
    storage: str,
    folder: Path,
    *,
    points: Sequence[Point] | None = None,
    extra: str = "",
) -> Path:
    """Store the readings (the fixture's unless given), write the configuration, and adopt the
    EnPIs' baselines with `enms baseline run`; the configuration file."""
    try:
        await store.write(list(points) if points is not None else readings())
    finally:
        await store.close()
    path = folder / "site.yaml"
    path.write_text(config_text(storage, extra=extra))
    run = ["baseline", "run", "--config", str(path), "--until", "2025-03-31"]
    assert await asyncio.to_thread(main, run) == 0
    return path


async def plugin_findings(
    path: Path, period: str, capsys: pytest.CaptureFixture[str], plugin: str, *extra: str
) -> dict[str, Any]:
    """`enms evaluate --format json` (in a thread: it runs its own event loop): the findings
    of ``plugin`` by id."""
    capsys.readouterr()
    argv = ["evaluate", "--config", str(path), "--period", period, "--no-installed"]
    assert await asyncio.to_thread(main, [*argv, "--format", "json", *extra]) == 0
    report = json.loads(capsys.readouterr().out)
    return {f["id"]: f for f in report["findings"] if f["plugin"] == plugin}
