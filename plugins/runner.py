"""Running the evaluations: each plugin on its own, under a time limit.

A plugin that raises, runs too long, returns something other than findings, or could not be
loaded becomes a finding about itself; the other plugins' findings stand.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Protocol

from core.config.models import EnmsConfig
from core.config.plugins import PluginSettings
from core.i18n import Locale
from core.storage.contract import Store
from energy.register import Register
from plugins.context import EvaluationContext, ReviewPeriod
from plugins.findings import (
    Evidence,
    Finding,
    Kind,
    Perspective,
    Phase,
    ReviewInput,
    Scope,
    Severity,
)
from plugins.manager import Plugins
from plugins.sections import ReportSection

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PluginRun:
    """How one plugin's evaluation went."""

    plugin: str
    status: str  # ok, failed, disabled
    findings: int
    seconds: float
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Evaluation:
    period: ReviewPeriod
    findings: list[Finding]
    runs: list[PluginRun]


class UnknownPlugin(ValueError):
    """The configuration names a plugin that is not installed."""


def check_names(plugins: Plugins, settings: PluginSettings) -> None:
    """Every plugin named in the configuration exists; the error lists the known ones."""
    known = set(plugins.names())
    for where, names in (
        ("plugins.disabled", settings.disabled),
        ("plugins.settings", settings.settings),
    ):
        for name in names:
            if name not in known:
                raise UnknownPlugin(
                    f"{where}: no plugin named {name!r}; installed: {', '.join(sorted(known))}"
                )


def failure(plugin: str, period: ReviewPeriod, title: str, error: str) -> Finding:
    """The finding that reports a plugin which could not evaluate."""
    return Finding(
        id=f"plugin-failed.{plugin}",
        plugin=plugin,
        title=title,
        kind=Kind.DEVIATION,
        severity=Severity.HIGH,
        scope=Scope(level="plugin", id=plugin),
        period=period.label,
        references=("ISO 50001:2018 9.1.1",),
        perspective=Perspective.PROCESS,
        phase=Phase.CHECK,
        review_input=ReviewInput.MONITORING,
        metrics={"error": error},
        evidence=Evidence(
            first=period.first,
            last=period.last,
            notes="this evaluation is missing from the review until the plugin is fixed",
        ),
    )


class HookContext(Protocol):
    """What every hook's context has: the plugin it is for."""

    @property
    def plugin(self) -> str: ...


async def _in_thread(function: Callable[..., Any], context: HookContext) -> Any:
    """Run a blocking hook in a daemon thread, so one that never returns cannot hold the exit."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def deliver(result: Any, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def target() -> None:
        try:
            result = function(context=context)
        except BaseException as exc:
            loop.call_soon_threadsafe(deliver, None, exc)
        else:
            loop.call_soon_threadsafe(deliver, result, None)

    threading.Thread(target=target, name=f"plugin-{context.plugin}", daemon=True).start()
    return await future


async def call_hook(function: Callable[..., Any], context: HookContext) -> Any:
    """Call one plugin's hook with its context: a coroutine awaited, a blocking function in a
    daemon thread, so the caller's ``asyncio.wait_for`` bounds either."""
    if inspect.iscoroutinefunction(function):
        return await function(context=context)
    result = await _in_thread(function, context)
    if inspect.isawaitable(result):
        return await result
    return result


def _checked(plugin: str, result: Any) -> list[Finding]:
    if not isinstance(result, list | tuple) or not all(isinstance(f, Finding) for f in result):
        raise TypeError(f"returned {type(result).__name__}, not a list of Finding")
    return [f if f.plugin == plugin else f.model_copy(update={"plugin": plugin}) for f in result]


async def evaluate(
    plugins: Plugins,
    settings: PluginSettings,
    period: ReviewPeriod,
    make_context: Callable[[str], EvaluationContext],
) -> Evaluation:
    """Every enabled plugin's findings for ``period``, plugins one after another."""
    check_names(plugins, settings)
    findings: list[Finding] = []
    runs: list[PluginRun] = []
    for name, reason in sorted(plugins.failed.items()):
        if name in settings.disabled:
            runs.append(PluginRun(name, "disabled", 0, 0.0))
            continue
        findings.append(failure(name, period, f"Plugin {name} could not be loaded", reason))
        runs.append(PluginRun(name, "failed", 0, 0.0, reason))
    for impl in plugins.manager.hook.enms_evaluate.get_hookimpls():
        name = plugins.manager.get_name(impl.plugin) or repr(impl.plugin)
        if name in settings.disabled:
            runs.append(PluginRun(name, "disabled", 0, 0.0))
            continue
        began = time.perf_counter()
        try:
            context = make_context(name)
            result = await asyncio.wait_for(call_hook(impl.function, context), settings.timeout_s)
            found = _checked(name, result)
        except TimeoutError:
            error = f"took longer than plugins.timeout_s = {settings.timeout_s:g} s"
            findings.append(failure(name, period, f"Plugin {name} timed out", error))
            runs.append(PluginRun(name, "failed", 0, time.perf_counter() - began, error))
            continue
        except Exception as exc:
            # the reader gets the file's name and line, never a server path; the log gets
            # the whole traceback
            log.error("plugin %s failed on %s", name, period.label, exc_info=exc)
            where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
            error = f"{type(exc).__name__}: {exc}" + (
                f" ({PurePath(where.filename).name}:{where.lineno})" if where else ""
            )
            findings.append(failure(name, period, f"Plugin {name} failed", error))
            runs.append(PluginRun(name, "failed", 0, time.perf_counter() - began, error))
            continue
        findings.extend(found)
        runs.append(PluginRun(name, "ok", len(found), time.perf_counter() - began))
    runs.sort(key=lambda run: run.plugin)
    return Evaluation(period, findings, runs)


async def evaluate_portfolio(
    plugins: Plugins,
    config: EnmsConfig,
    store: Store,
    period: ReviewPeriod,
    register: Register | None = None,
) -> Evaluation:
    """``evaluate`` with each plugin's context built from the configuration, the store and
    the register."""
    context = contexts(config, store, period, register)
    return await evaluate(plugins, config.plugins, period, context)


def contexts(
    config: EnmsConfig,
    store: Store,
    period: ReviewPeriod,
    register: Register | None,
    locale: Locale | None = None,
) -> Callable[[str], EvaluationContext]:
    """Plugin name -> its context for ``period``, with its own settings (and the reader's
    ``locale``, English unless given)."""

    def context(name: str) -> EvaluationContext:
        made = EvaluationContext(
            plugin=name,
            period=period,
            config=config,
            store=store,
            settings=config.plugins.settings.get(name, {}),
            register=register,
        )
        return made if locale is None else dataclasses.replace(made, locale=locale)

    return context


async def report_sections(
    plugins: Plugins,
    config: EnmsConfig,
    store: Store,
    period: ReviewPeriod,
    register: Register | None = None,
    *,
    locale: Locale | None = None,
) -> list[ReportSection]:
    """Every enabled plugin's report sections, each plugin on its own under the time limit;
    a plugin writes them in ``locale`` (``context.locale``)."""
    settings = config.plugins
    context_of = contexts(config, store, period, register, locale)
    sections: list[ReportSection] = []
    for name, function in plugins.implementations(
        "enms_report_sections", disabled=settings.disabled
    ):
        try:
            result = await asyncio.wait_for(
                call_hook(function, context_of(name)), settings.timeout_s
            )
            if not isinstance(result, list | tuple) or not all(
                isinstance(s, ReportSection) for s in result
            ):
                raise TypeError(f"returned {type(result).__name__}, not a list of ReportSection")
            sections += [s.model_copy(update={"plugin": name}) for s in result]
        except TimeoutError:
            sections.append(_failed_section(name, f"took longer than {settings.timeout_s:g} s"))
        except Exception as exc:
            sections.append(_failed_section(name, f"{type(exc).__name__}: {exc}"))
    return sections


def _failed_section(plugin: str, error: str) -> ReportSection:
    return ReportSection(
        title=f"Section of plugin {plugin} missing",
        plugin=plugin,
        paragraphs=[f"The plugin could not make its section: {error}"],
    )
