"""A plugin's findings on the deployed fixture portfolio, as users see them."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from enms.cli.main import main


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
