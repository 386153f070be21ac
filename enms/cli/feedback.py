"""``enms feedback import``: the case system's CSV export of synpunkter into the register.

    enms feedback import --config FILE cases.csv

The same parsing as ``POST /api/v1/feedback/import`` (``energy.feedback_import``): rows already
recorded (same case reference) are counted, not recorded twice; a row that cannot be read is
printed with its line and why, and the others are recorded. Exit status: 0 every row recorded
or already there, 3 some rows refused, 1 the configuration, file or register cannot be used.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from energy.feedback_import import parse_feedback_csv
from energy.register import Register, RegisterError, now_text
from enms.cli.console import add_config, open_deployment


def import_command(args: argparse.Namespace) -> int:
    config = open_deployment(args.config).config
    try:
        text = Path(args.file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"enms feedback import: {args.file}: {exc}", file=sys.stderr)
        return 1
    buildings = {building.id for _, building in config.buildings()}
    rows, problems = parse_feedback_csv(text, zone=config.portfolio.timezone, buildings=buildings)
    try:
        register = Register(config.daemon.register_path)
    except RegisterError as exc:
        print(f"enms feedback import: {exc}", file=sys.stderr)
        return 1
    recorded = 0
    try:
        for row in rows:
            _, new = register.add_feedback(
                building=row.building, category=row.category, received_at=row.received_at,
                text=row.text, zone=row.zone, channel=row.channel, case_ref=row.case_ref,
                answered_at=row.answered_at, recorded_by="enms feedback import",
                recorded_at=now_text(),
            )  # fmt: skip
            recorded += new
    finally:
        register.close()
    for line, problem in problems:
        print(f"{args.file}:{line}: {problem}", file=sys.stderr)
    print(f"{recorded} recorded, {len(rows) - recorded} already recorded, {len(problems)} refused")
    return 3 if problems else 0


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    feedback = commands.add_parser("feedback", help="users' feedback (synpunkter)")
    actions = feedback.add_subparsers(dest="feedback_command", required=True, metavar="ACTION")
    imported = actions.add_parser(
        "import",
        help="record the case system's CSV export of feedback in the register",
        epilog="example: enms feedback import --config site.yaml synpunkter-2025.csv",
    )
    add_config(imported)
    imported.add_argument("file", metavar="CSV", help="the export, UTF-8, ; or , separated")
    imported.set_defaults(handler=import_command)
