"""The plugin manager: the built-in plugins and every installed ``enms.plugins`` package."""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import cast

import pluggy

from core.deployment import Deployment, load_deployment
from plugins import hookspecs
from plugins.builtin import (
    calendar_days,
    commitments,
    comparisons,
    compliance,
    cost_co2,
    data_quality,
    energy_review,
    enpi_deviation,
    feedback,
    indoor_climate,
    internal_control,
    opportunities,
    targets,
    webhook,
)

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "enms.plugins"
BUILTIN: dict[str, ModuleType] = {
    "calendar": calendar_days,
    "commitments": commitments,
    "comparisons": comparisons,
    "compliance": compliance,
    "cost_co2": cost_co2,
    "data_quality": data_quality,
    "energy_review": energy_review,
    "enpi_deviation": enpi_deviation,
    "feedback": feedback,
    "indoor_climate": indoor_climate,
    "internal_control": internal_control,
    "opportunities": opportunities,
    "targets": targets,
    "webhook": webhook,
}


@dataclass
class Plugins:
    """The registered plugins, and the installed ones that could not be loaded."""

    manager: pluggy.PluginManager
    #: plugin name -> why it could not be loaded
    failed: dict[str, str] = field(default_factory=dict)

    def names(self) -> list[str]:
        registered = (name for name, _ in self.manager.list_name_plugin())
        return sorted({*registered, *self.failed})

    def implementations(
        self, hook: str, *, disabled: Iterable[str] = ()
    ) -> Iterator[tuple[str, Callable[..., object]]]:
        """(plugin name, function) of every registered plugin implementing ``hook``, but
        those named in ``disabled``."""
        skip = set(disabled)
        for impl in getattr(self.manager.hook, hook).get_hookimpls():
            name = self.manager.get_name(impl.plugin) or repr(impl.plugin)
            if name not in skip:
                yield name, impl.function


def load_plugins(*, installed: bool = True) -> Plugins:
    """The built-in plugins and, unless ``installed`` is false, every installed package's.

    An installed plugin that cannot be imported or does not fit the hook specifications is
    kept in ``failed`` with the reason, so the review reports it instead of stopping.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    for name, module in BUILTIN.items():
        manager.register(module, name=name)
    plugins = Plugins(manager)
    if not installed:
        return plugins
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry.name in BUILTIN or manager.has_plugin(entry.name):
            plugins.failed[entry.name] = (
                f"entry point {entry.value!r} uses a name that is already taken"
            )
            continue
        try:
            manager.register(entry.load(), name=entry.name)
            manager.check_pending()
        except Exception as exc:
            registered = manager.get_plugin(entry.name)
            if registered is not None:
                manager.unregister(registered)
            plugins.failed[entry.name] = f"cannot load {entry.value!r}: {type(exc).__name__}: {exc}"
            log.warning("plugin %s: %s", entry.name, plugins.failed[entry.name])
    return plugins


def profile_dirs(plugins: Plugins) -> list[Path]:
    """The meter-profile directories every registered plugin ships."""
    found: list[Path] = []
    for name, function in plugins.implementations("enms_meter_profiles"):
        try:
            listed = cast(Iterable[str | Path], function())
            found += [Path(directory) for directory in listed]
        except Exception as exc:  # one plugin's mistake must not stop every command
            log.error("plugin %s: its meter profiles could not be listed: %s", name, exc)
    return found


def installed_profile_dirs() -> list[Path]:
    """Meter-profile directories of the built-in and installed plugins."""
    return profile_dirs(load_plugins(installed=True))


def load_with_plugins(config_file: str | Path, plugins: Plugins | None = None) -> Deployment:
    """The configuration with the meter profiles the plugins ship -- ``plugins``, or the
    built-in and installed ones; ``ConfigError`` lists every problem."""
    dirs = profile_dirs(plugins) if plugins is not None else installed_profile_dirs()
    return load_deployment(config_file, profile_dirs=dirs)
