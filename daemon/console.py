"""What the command-line modules share: opening a configuration, printing a table."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from daemon.deployment import Deployment, load_deployment
from daemon.errors import ConfigError
from plugins.manager import Plugins, load_plugins, profile_dirs


def open_deployment(config_file: str | Path, plugins: Plugins | None = None) -> Deployment | None:
    """The loaded configuration with the meter profiles the plugins ship -- ``plugins``, or
    the built-in and installed ones -- or None after printing every problem in it to stderr."""
    dirs = profile_dirs(plugins) if plugins is not None else installed_profile_dirs()
    try:
        return load_deployment(config_file, profile_dirs=dirs)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return None


def installed_profile_dirs() -> list[Path]:
    """Meter-profile directories of the built-in and installed plugins."""
    return profile_dirs(load_plugins(installed=True))


def text_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Left-aligned columns two spaces apart, for a terminal."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )
