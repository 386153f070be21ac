"""Isolation: a plugin that raises, hangs or returns nonsense is reported, and the rest stand."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from core.config.loader import load_config
from core.config.models import EnmsConfig, PluginSettings
from core.storage import EmbeddedStore, Store
from plugins.context import EvaluationContext, ReviewPeriod
from plugins.findings import Finding, Kind, Perspective, Phase, ReviewInput, Scope, Severity
from plugins.hookspecs import hookimpl
from plugins.manager import Plugins, load_plugins
from plugins.runner import UnknownPlugin, evaluate
from tests.plugins.test_data_quality import config_text

pytestmark = pytest.mark.anyio
PERIOD = ReviewPeriod.parse("2025-03")
#: the line of this file the raising plugin raises on
RAISING_LINE = next(
    number
    for number, line in enumerate(Path(__file__).read_text().splitlines(), start=1)
    if line.endswith("# RAISING_LINE")
)


def finding(plugin: str, key: str) -> Finding:
    return Finding(
        id=key,
        plugin=plugin,
        title=f"{key} found",
        kind=Kind.OPPORTUNITY,
        severity=Severity.LOW,
        scope=Scope(level="portfolio"),
        period=PERIOD.label,
        perspective=Perspective.ECONOMY,
        phase=Phase.ACT,
        review_input=ReviewInput.OPPORTUNITIES,
    )


class Good:
    @hookimpl
    def enms_evaluate(self, context: EvaluationContext) -> list[Finding]:
        return [finding("someone-else", f"good.{context.period.label}")]


class Raising:
    @hookimpl
    def enms_evaluate(self, context: EvaluationContext) -> list[Finding]:
        raise RuntimeError("the tariff table is empty")  # RAISING_LINE


class HangingAsync:
    @hookimpl
    async def enms_evaluate(self, context: EvaluationContext) -> list[Finding]:
        await asyncio.sleep(30)
        return []


class HangingSync:
    """Blocks its thread until released, and tells whether it has returned."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.returned = threading.Event()

    @hookimpl
    def enms_evaluate(self, context: EvaluationContext) -> list[Finding]:
        self.release.wait(timeout=30)
        self.returned.set()
        return []


class Nonsense:
    @hookimpl
    def enms_evaluate(self, context: EvaluationContext) -> Any:
        return {"not": "findings"}


@pytest.fixture
async def setting(tmp_path: Path) -> AsyncIterator[tuple[EnmsConfig, Store]]:
    path = tmp_path / "site.yaml"
    path.write_text(config_text("{backend: embedded, embedded: {path: data.sqlite}}"))
    store = EmbeddedStore(tmp_path / "data.sqlite")
    yield load_config(path), store
    await store.close()


def with_plugins(**extra: object) -> Plugins:
    plugins = load_plugins(installed=False)
    for name, plugin in extra.items():
        plugins.manager.register(plugin, name=name)
    return plugins


async def run(plugins: Plugins, settings: PluginSettings, setting: tuple[EnmsConfig, Store]):
    config, store = setting

    def context(name: str) -> EvaluationContext:
        return EvaluationContext(name, PERIOD, config, store, settings.settings.get(name, {}))

    return await evaluate(plugins, settings, PERIOD, context)


async def test_failing_plugins_are_reported_and_the_others_stand(
    setting: tuple[EnmsConfig, Store],
) -> None:
    hanging = HangingSync()
    plugins = with_plugins(
        good=Good(),
        raising=Raising(),
        hanging_async=HangingAsync(),
        hanging_sync=hanging,
        nonsense=Nonsense(),
    )
    evaluation = await run(plugins, PluginSettings(timeout_s=0.5), setting)
    assert not hanging.returned.is_set()  # the review went on without waiting for it
    hanging.release.set()
    status = {run.plugin: run.status for run in evaluation.runs}
    assert status == {
        "commitments": "ok",
        "comparisons": "ok",
        "compliance": "ok",
        "cost_co2": "ok",
        "data_quality": "ok",
        "energy_review": "ok",
        "enpi_deviation": "ok",
        "feedback": "ok",
        "good": "ok",
        "indoor_climate": "ok",
        "internal_control": "ok",
        "raising": "failed",
        "hanging_async": "failed",
        "hanging_sync": "failed",
        "nonsense": "failed",
        "opportunities": "ok",
        "targets": "ok",
    }
    by_id = {f.id: f for f in evaluation.findings}
    assert by_id["good.2025-03"].plugin == "good"  # attributed to the plugin that found it
    assert "summary" in by_id  # data_quality's findings are intact
    raised = by_id["plugin-failed.raising"]
    assert raised.kind is Kind.DEVIATION
    assert raised.scope == Scope(level="plugin", id="raising")
    # where it failed, by file name and line: no server path reaches the review
    assert raised.metrics["error"] == (
        f"RuntimeError: the tariff table is empty (test_runner.py:{RAISING_LINE})"
    )
    assert "/" not in raised.title + raised.metrics["error"]
    for name in ("hanging_async", "hanging_sync"):
        assert "plugins.timeout_s = 0.5 s" in by_id[f"plugin-failed.{name}"].metrics["error"]
    assert (
        "returned dict, not a list of Finding" in by_id["plugin-failed.nonsense"].metrics["error"]
    )


async def test_disabled_plugins_do_not_run(setting: tuple[EnmsConfig, Store]) -> None:
    plugins = with_plugins(raising=Raising(), good=Good())
    builtin = [
        "data_quality", "cost_co2", "enpi_deviation", "indoor_climate", "internal_control",
        "opportunities", "feedback", "commitments", "comparisons", "energy_review",
        "compliance",
    ]  # fmt: skip
    settings = PluginSettings(disabled=["raising", *builtin, "targets"])
    evaluation = await run(plugins, settings, setting)
    assert [f.id for f in evaluation.findings] == ["good.2025-03"]
    assert {run.plugin: run.status for run in evaluation.runs} == {
        "commitments": "disabled",
        "comparisons": "disabled",
        "compliance": "disabled",
        "cost_co2": "disabled",
        "data_quality": "disabled",
        "energy_review": "disabled",
        "enpi_deviation": "disabled",
        "feedback": "disabled",
        "good": "ok",
        "indoor_climate": "disabled",
        "internal_control": "disabled",
        "opportunities": "disabled",
        "raising": "disabled",
        "targets": "disabled",
    }


async def test_an_unknown_plugin_name_in_the_configuration_is_an_error(
    setting: tuple[EnmsConfig, Store],
) -> None:
    with pytest.raises(UnknownPlugin, match=r"plugins.disabled: no plugin named 'dataquality'"):
        await run(with_plugins(), PluginSettings(disabled=["dataquality"]), setting)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2025", "2025-01-01", "2025-12-31"),
        ("2024-02", "2024-02-01", "2024-02-29"),
        ("2025-12", "2025-12-01", "2025-12-31"),
        ("2025-09-01..2026-08-31", "2025-09-01", "2026-08-31"),
    ],
)
def test_review_periods(text: str, first: str, last: str) -> None:
    period = ReviewPeriod.parse(text)
    assert (period.first.isoformat(), period.last.isoformat()) == (first, last)


@pytest.mark.parametrize(
    "text", ["25", "2025-13", "2025-02-30..2025-03-01", "2025-03-02..2025-03-01"]
)
def test_bad_review_periods_say_what_is_accepted(text: str) -> None:
    with pytest.raises(ValueError, match=repr(text)):
        ReviewPeriod.parse(text)
