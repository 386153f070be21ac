"""``enms evaluate``: every enabled plugin's findings for a review period.

    enms evaluate --config FILE --period 2025 [--format table|json] [--no-installed]

Exit status: 0 when every plugin evaluated, 3 when one or more failed (their failures are in
the findings), 1 when the configuration or the store cannot be used, 2 for a bad argument.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from api.report import term
from core.i18n import N_, Locale
from core.storage.factory import open_store
from energy.register import Register
from enms.cli.console import (
    add_config,
    add_language,
    chosen_locale,
    measured_period,
    open_deployment,
    run_async,
    text_table,
)
from plugins.findings import Severity
from plugins.manager import load_plugins
from plugins.recording import evaluate_and_record
from plugins.runner import Evaluation, UnknownPlugin, evaluate_portfolio

SEVERITY_ORDER = {
    s: i for i, s in enumerate((Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO))
}


def as_dict(evaluation: Evaluation, locale: Locale) -> dict[str, Any]:
    return {
        "period": {
            "label": evaluation.period.label,
            "first": evaluation.period.first.isoformat(),
            "last": evaluation.period.last.isoformat(),
        },
        "plugins": [
            {
                "name": run.plugin,
                "status": run.status,
                "findings": run.findings,
                "seconds": round(run.seconds, 3),
                "error": run.error,
            }
            for run in evaluation.runs
        ],
        "findings": [
            finding.localized(locale).model_dump(mode="json") for finding in evaluation.findings
        ],
    }


def as_table(evaluation: Evaluation, locale: Locale) -> str:
    period = evaluation.period

    lines = [
        locale.text(
            "Review period {period} ({first:date} to {last:date})",
            period=period.label, first=period.first.isoformat(), last=period.last.isoformat(),
        ),
        "",
    ]  # fmt: skip
    rows = []
    for f in sorted(
        evaluation.findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.plugin, f.id)
    ):
        scope = f"{f.scope.level}:{f.scope.id}" if f.scope.id else f.scope.level
        rows.append(
            (
                term(locale, f.severity.value),
                term(locale, f.kind.value),
                f.plugin,
                scope,
                f.localized(locale).title,
            )
        )
    headings = (N_("Severity"), N_("Kind"), N_("Plugin"), N_("About"), N_("Finding"))
    lines.append(text_table(tuple(locale.text(h) for h in headings), rows))
    lines.append("")
    for run in evaluation.runs:
        if run.status == "ok":
            lines.append(
                locale.text(
                    "plugin {plugin}: ok, {findings:n0} findings in {seconds:n2} s",
                    plugin=run.plugin, findings=run.findings, seconds=run.seconds,
                )
            )  # fmt: skip
        else:
            lines.append(
                locale.text(
                    "plugin {plugin}: {status}, {error}",
                    plugin=run.plugin, status=run.status, error=run.error or "",
                )
            )  # fmt: skip
    return "\n".join(lines)


def evaluate_command(args: argparse.Namespace) -> int:
    deployment = open_deployment(args.config)
    config = deployment.config
    period = measured_period(args.period, config, "enms evaluate")
    today = datetime.now(ZoneInfo(config.portfolio.timezone)).date()
    plugins = load_plugins(installed=not args.no_installed)

    async def run() -> Evaluation:
        register = Register(config.daemon.register_path)
        try:
            async with open_store(config.storage) as store:
                await store.ping()  # one clear error, not one failed plugin after another
                if args.store:
                    evaluation, _ = await evaluate_and_record(
                        plugins, config, store, period, register, today=today
                    )
                    return evaluation
                return await evaluate_portfolio(plugins, config, store, period, register)
        finally:
            register.close()

    evaluation = run_async(run(), "enms evaluate", also=(UnknownPlugin,))
    locale = chosen_locale(args, config)
    if args.format == "json":
        print(json.dumps(as_dict(evaluation, locale), indent=2, ensure_ascii=False))
    else:
        print(as_table(evaluation, locale))
    return 3 if any(run.status == "failed" for run in evaluation.runs) else 0


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "evaluate",
        help="the management-review findings of every enabled plugin for a period",
        epilog="example: enms evaluate --config site.yaml --period 2025 --lang sv --store",
    )
    add_config(parser)
    parser.add_argument(
        "--period", required=True, help="a year (2025), a month (2025-03) or FIRST..LAST dates"
    )
    parser.add_argument(
        "--format", choices=("table", "json"), default="table", help="output (default: table)"
    )
    add_language(parser)
    parser.add_argument(
        "--store",
        action="store_true",
        help="also write the findings to the store (the findings measurement Grafana shows) "
        "and record nonconformities in the register",
    )
    parser.add_argument(
        "--no-installed",
        action="store_true",
        help="run the built-in plugins only, not those of installed packages",
    )
    parser.set_defaults(handler=evaluate_command)
