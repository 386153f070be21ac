"""``enms report annual``: the energy section of the annual report, without the API server.

    enms report annual --config FILE --year 2025 [--lang sv|en] --output energi-2025.pdf

The same page ``GET /api/v1/reports/annual`` serves (``api.annual``): ``.html`` as it is,
``.pdf`` an A4 print by headless Chromium. Exit status: 0 written, 1 when the configuration,
the store or Chromium cannot be used, 2 for a bad argument.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from api.annual import annual_html
from api.pdf import PdfUnavailable, print_html
from enms.cli.console import add_config, add_language, chosen_locale, open_deployment, run_async
from enms.cli.documents import api_state, document_path, is_pdf

SUFFIXES = (".pdf", ".html", ".htm")


def annual_command(args: argparse.Namespace) -> int:
    out = document_path(args.output, "enms report annual")
    if out is None:
        return 2
    deployment = open_deployment(args.config)
    locale = chosen_locale(args, deployment.config)

    async def run() -> int:
        async with api_state(deployment, installed=not args.no_installed) as api:
            if args.year > api.today().year:
                print(f"enms report annual: {args.year} has not begun", file=sys.stderr)
                return 2
            page = await annual_html(api, args.year, locale)
            out.parent.mkdir(parents=True, exist_ok=True)
            if is_pdf(out):
                await print_html(page, out)
            else:
                await asyncio.to_thread(out.write_text, page, encoding="utf-8")
            return 0

    code = run_async(run(), "enms report annual", also=(PdfUnavailable,))
    if code == 0:
        print(f"{out}: the energy section of the annual report {args.year}")
    return code


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    report = commands.add_parser("report", help="documents for the council and the public")
    kinds = report.add_subparsers(dest="report_command", required=True, metavar="REPORT")
    annual = kinds.add_parser(
        "annual",
        help="the energy section of the annual report (årsredovisning) for a year",
        epilog="example: enms report annual --config site.yaml --year 2025 --output "
        "energi-2025.pdf",
    )
    add_config(annual)
    annual.add_argument("--year", type=int, required=True, help="the year, e.g. 2025")
    add_language(annual)
    annual.add_argument(
        "--output", required=True, metavar="FILE", help="a .pdf (needs Chromium) or .html file"
    )
    annual.add_argument(
        "--no-installed",
        action="store_true",
        help="run the built-in plugins only, not those of installed packages",
    )
    annual.set_defaults(handler=annual_command)
