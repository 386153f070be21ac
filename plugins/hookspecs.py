"""The hook specifications: every way a plugin can extend enms.

Each hook is called by the core at a stated moment; a plugin implements the hooks it needs
with ``@hookimpl``. Plugins reach enms only through these hooks' arguments.
"""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from energy.variables import RelevantVariable, VariableContext
    from plugins.collectors import Collector, CollectorContext
    from plugins.context import EvaluationContext
    from plugins.findings import Finding
    from plugins.notices import NotifyContext
    from plugins.sections import ReportSection

PROJECT = "enms"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def enms_evaluate(context: EvaluationContext) -> list[Finding] | Awaitable[list[Finding]]:
    """Evaluate a period for the management review and return findings.

    Called once per enabled plugin by ``enms evaluate``, with a context that knows the period,
    the configuration, the plugin's own settings and how to read stored data. Return a list of
    ``Finding``, or a coroutine giving one (to read data). Each plugin runs on its own, under a
    time limit: one that raises or runs too long becomes a finding about itself, and the other
    plugins' findings stand.
    """
    raise NotImplementedError  # a specification: the registered plugins implement it


@hookspec
def enms_report_sections(
    context: EvaluationContext,
) -> list[ReportSection] | Awaitable[list[ReportSection]]:
    """Add sections to the printable management review for the context's period.

    Called once per enabled plugin when the review report (``/api/v1/review/report``) is made,
    with the same context as ``enms_evaluate``. Return a list of ``ReportSection`` -- title,
    paragraphs, a table of rows -- or a coroutine giving one; enms escapes and lays them out
    after the review's own sections. A plugin that raises or runs past ``plugins.timeout_s``
    gets a section saying so; the report is made anyway.
    """
    raise NotImplementedError  # a specification: the registered plugins implement it


@hookspec
def enms_meter_profiles() -> list[Path]:
    """Directories of Modbus meter profiles (``*.yaml``) a plugin package ships.

    Called whenever a configuration is loaded (``enms config check``, ``enms run``, ...); the
    profiles join the shipped ones and those in ``modbus.profile_dirs``, checked the same way,
    so a meter can name them. Return paths inside the package (``Path(__file__).parent /
    "profiles"``). A plugin that raises here is logged and its profiles are missing; meters
    naming them are then reported as configuration errors.
    """
    raise NotImplementedError  # a specification: the registered plugins implement it


@hookspec
def enms_collectors(context: CollectorContext) -> list[Collector]:
    """Collectors for protocols enms does not ship, run by the daemon beside Modbus and MQTT.

    Called once per enabled plugin when ``enms run`` starts, with the configuration, the
    plugin's own settings and the meters whose ``plugin.name`` is this plugin. Return objects
    that satisfy ``plugins.collectors.Collector``: a ``name``, ``async run(submit, stop)`` that
    reads until ``stop`` is set and hands readings (``context.reading(...)``) to ``submit``,
    and ``health()``. The daemon writes the readings like any other. A collector that raises
    is reported offline with its error and started again after a back-off (1 s, doubling to
    60 s); a plugin that raises here is logged and reported; the daemon runs on either way.
    """
    raise NotImplementedError  # a specification: the registered plugins implement it


@hookspec
def enms_relevant_variables(context: VariableContext) -> list[RelevantVariable]:
    """Relevant variables (ISO 50006) besides outdoor temperature, for the EnPIs' models.

    Called once per enabled plugin whenever EnPIs are computed (``enms baseline run``, the
    daemon), with the configuration, the plugin's settings and the store. Return
    ``RelevantVariable`` objects: a ``name`` EnPIs refer to (``variables: [school_days]``), a
    description, a unit and ``daily(first, last)`` giving a value per local day (a mapping of
    date to number, or a coroutine giving one); days left out are unknown and are not used.
    A plugin that raises here is logged and provides nothing; an EnPI naming a variable no
    enabled plugin provides is not computed, and the error lists the variables there are.
    """
    raise NotImplementedError  # a specification: the registered plugins implement it


@hookspec
def enms_notify(context: NotifyContext) -> Awaitable[None] | None:
    """Deliver a notice about the register: a nonconformity opened, or one past its due date.

    Called once per notice and enabled plugin, after a recorded evaluation (the daemon's
    schedule, ``enms evaluate --store``, ``POST /api/v1/evaluations``), with the configuration,
    the plugin's settings and the ``Notice`` (``notice.to_dict()`` is its JSON form). Deliver
    it (mail, ticket, chat) and return nothing, or a coroutine. A plugin that raises or runs
    past ``plugins.timeout_s`` is logged and the others are still called; the register keeps
    the nonconformity either way.
    """
    raise NotImplementedError  # a specification: the registered plugins implement it
