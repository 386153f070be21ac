"""``enms demo [--dir DIR] [--port PORT] [--duration SECONDS] [--influx-url URL]``."""

from __future__ import annotations

import argparse
import logging
from datetime import date
from pathlib import Path

from enms.cli.console import run_async


def demo_command(args: argparse.Namespace) -> int:
    # imported here: the demo brings the API, the broker and the simulator, which the
    # other commands (enms run above all) need not load
    from simulation.demo.run import DemoOptions, run_demo  # noqa: PLC0415

    if not args.verbose:  # the demo prints its own story; the daemon's INFO lines would bury it
        logging.getLogger().setLevel(logging.WARNING)
    options = DemoOptions(
        folder=Path(args.dir),
        port=args.port,
        duration_s=args.duration,
        today=date.fromisoformat(args.today) if args.today else None,
        influx_url=args.influx_url,
        influx_database=args.influx_database,
    )
    return run_async(run_demo(options), "enms demo")


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "demo",
        help="run a simulated municipal portfolio end to end, no servers needed",
        description="Simulated Modbus and MQTT meters of five buildings, a year and a half of "
        "history, baselines, plugins and the review API, all on 127.0.0.1.",
        epilog="example: enms demo --dir ./enms-demo --port 8080",
    )
    parser.add_argument(
        "--dir",
        default="enms-demo",
        help="folder for the demo's configuration and data "
        "(default: ./enms-demo; its data is replaced on every run)",
    )
    parser.add_argument(
        "--port", type=int, default=8080, help="API port (default 8080; a free one if taken)"
    )
    parser.add_argument(
        "--duration", type=float, metavar="SECONDS", help="stop after this long (default: Ctrl-C)"
    )
    parser.add_argument(
        "--today", metavar="YYYY-MM-DD", help="the simulated demo day (default: today)"
    )
    parser.add_argument(
        "--influx-url",
        metavar="URL",
        help="write to this InfluxDB 1.x server instead of the embedded store, so Grafana's "
        "dashboards show the demo (e.g. the compose stack's http://127.0.0.1:8086)",
    )
    parser.add_argument(
        "--influx-database",
        default="enms_demo",
        metavar="NAME",
        help="the database there (default enms_demo); it is dropped and written anew on "
        "every run, so never give one that holds other data",
    )
    parser.set_defaults(handler=demo_command)
