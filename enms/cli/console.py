"""What the command-line modules share: opening a configuration, printing a table."""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from core.config.models import EnmsConfig
from core.deployment import Deployment
from core.errors import ConfigError, EnmsError, StoreError
from core.i18n import Language, Locale, locale_for
from plugins.context import ReviewPeriod
from plugins.manager import Plugins, load_with_plugins

T = TypeVar("T")


class CommandFailed(Exception):
    """A command ends with ``code`` after printing why; ``enms.cli.main`` exits with it."""

    def __init__(self, code: int = 1) -> None:
        super().__init__(code)
        self.code = code


def run_async(work: Coroutine[Any, Any, T], what: str, also: tuple[type[Exception], ...] = ()) -> T:
    """Run a command's asynchronous part. An enms error (store, register, spool ...) or one of
    ``also`` is printed as ``<what>: <error>`` (``<what>: store: <error>`` for the store) and
    ends the command with exit code 1."""
    caught: tuple[type[Exception], ...] = (EnmsError, *also)
    try:
        return asyncio.run(work)
    except caught as exc:
        where = "store: " if isinstance(exc, StoreError) else ""
        print(f"{what}: {where}{exc}", file=sys.stderr)
        raise CommandFailed(1) from exc


def try_deployment(config_file: str | Path, plugins: Plugins | None = None) -> Deployment | None:
    """The loaded configuration with the meter profiles the plugins ship -- ``plugins``, or
    the built-in and installed ones -- or None after printing every problem in it to stderr."""
    try:
        return load_with_plugins(config_file, plugins)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return None


def open_deployment(config_file: str | Path, plugins: Plugins | None = None) -> Deployment:
    """``try_deployment``, ending the command (exit code 1) where the configuration has
    problems."""
    deployment = try_deployment(config_file, plugins)
    if deployment is None:
        raise CommandFailed(1)
    return deployment


def parsed(text: str, parse: Callable[[str], T], what: str) -> T:
    """An argument parsed by ``parse``; a ``ValueError`` is printed as ``<what>: <error>``
    and ends the command with exit code 2 (a usage error)."""
    try:
        return parse(text)
    except ValueError as exc:
        print(f"{what}: {exc}", file=sys.stderr)
        raise CommandFailed(2) from None


def measured_period(text: str, config: EnmsConfig, what: str) -> ReviewPeriod:
    """The ``--period`` of a command that reads measured data: parsed, and not wholly after
    today in the portfolio's time zone (else printed and exit code 2)."""
    period = parsed(text, ReviewPeriod.parse, what)
    today = datetime.now(ZoneInfo(config.portfolio.timezone)).date()
    future = period.not_yet_measured(today)
    if future is not None:
        print(f"{what}: {future}", file=sys.stderr)
        raise CommandFailed(2)
    return period


def text_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Left-aligned columns two spaces apart, for a terminal."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )


def add_language(parser: argparse.ArgumentParser) -> None:
    """The ``--lang`` of every command whose output people read."""
    parser.add_argument(
        "--lang",
        choices=[language.value for language in Language],
        help="language of the output: sv or en (default: portfolio.language)",
    )


def chosen_locale(args: argparse.Namespace, config: EnmsConfig) -> Locale:
    """The locale a command writes in: ``--lang``, else the portfolio's language."""
    return locale_for(getattr(args, "lang", None) or config.portfolio.language)


def positive_seconds(text: str) -> float:
    """An argparse type: seconds, more than zero and finite."""
    value = float(text)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above zero")
    return value


def share(text: str) -> float:
    """An argparse type: a share above 0 and at most 1."""
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share above 0 and at most 1")
    return value


def add_config(parser: argparse.ArgumentParser) -> None:
    """The ``--config FILE`` every command that reads a deployment takes."""
    parser.add_argument(
        "--config",
        required=True,
        metavar="FILE",
        help="the configuration file (YAML): portfolio, meters, storage, EnPIs",
    )
