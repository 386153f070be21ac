"""``enms review report``: the management review as a document, without the API server.

    enms review report --config FILE --period 2025 [--lang sv|en] --output review.pdf

The same document ``GET /api/v1/review/report`` serves, from the same code: ``.html`` is the
page itself, ``.pdf`` an A4 print of it by headless Chromium (``api.pdf``). Exit status: 0
written, 1 when the configuration, the store or Chromium cannot be used, 2 for a bad argument.
"""

from __future__ import annotations

import argparse
import asyncio

from api.pdf import PdfUnavailable, print_report
from api.report import report_renderer
from enms.cli.console import (
    add_config,
    add_language,
    chosen_locale,
    measured_period,
    open_deployment,
    run_async,
)
from enms.cli.documents import api_state, document_path, is_pdf

SUFFIXES = (".pdf", ".html", ".htm")


def report_command(args: argparse.Namespace) -> int:
    out = document_path(args.output, "enms review report")
    if out is None:
        return 2
    deployment = open_deployment(args.config)
    config = deployment.config
    period = measured_period(args.period, config, "enms review report")
    locale = chosen_locale(args, config)

    async def run() -> int:
        async with api_state(deployment, installed=not args.no_installed) as api:
            render = await report_renderer(api, period, locale)
            out.parent.mkdir(parents=True, exist_ok=True)
            if is_pdf(out):
                return await print_report(render, out)
            await asyncio.to_thread(out.write_text, render(None), encoding="utf-8")
            return 0

    pages = run_async(run(), "enms review report", also=(PdfUnavailable,))
    size = f"{pages} A4 pages, " if pages else ""
    print(f"{out}: the management review {period.label} ({size}{locale.language.value})")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    review = commands.add_parser("review", help="the management review (ISO 50001 9.3)")
    actions = review.add_subparsers(dest="review_command", required=True, metavar="ACTION")
    report = actions.add_parser(
        "report",
        help="write the review as a printable document: PDF (A4, via Chromium) or HTML",
        epilog="example: enms review report --config site.yaml --period 2025 --lang sv "
        "--output granskning-2025.pdf",
    )
    add_config(report)
    report.add_argument(
        "--period", required=True, help="a year (2025), a month (2025-03) or FIRST..LAST dates"
    )
    add_language(report)
    report.add_argument(
        "--output",
        required=True,
        metavar="FILE",
        help="where to write it: a .pdf (needs Chromium) or an .html file",
    )
    report.add_argument(
        "--no-installed",
        action="store_true",
        help="run the built-in plugins only, not those of installed packages",
    )
    report.set_defaults(handler=report_command)
