"""The ``enms`` command line.

Exit codes: 0 success, 1 the thing checked is wrong (an invalid configuration, an unreachable
store), 2 the command itself was used wrongly (argparse's convention).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from zoneinfo import ZoneInfo

from core.config.loader import load_config
from core.config.models import EnmsConfig
from core.config.reference import config_reference
from core.deployment import Deployment, load_deployment
from core.errors import ConfigError
from core.i18n import N_
from core.schema import Measurement, Tag
from core.storage.buckets import local_days
from core.storage.factory import open_store
from core.storage.points import LatestPoint
from core.units import unit_of
from daemon.logs import configure as configure_logging
from daemon.modbus.poller import ModbusCollector, PollResult
from daemon.service import Outcome, serve
from daemon.writer import Writer, WriterStats
from energy.consumption import write_consumption
from enms.cli.baseline import add_commands as add_baseline_commands
from enms.cli.console import (
    CommandFailed,
    add_config,
    add_language,
    chosen_locale,
    open_deployment,
    parsed,
    positive_seconds,
    run_async,
    text_table,
    try_deployment,
)
from enms.cli.demo import add_commands as add_demo_commands
from enms.cli.evaluate import add_commands as add_evaluate_commands
from enms.cli.feedback import add_commands as add_feedback_commands
from enms.cli.listen import listen
from enms.cli.report import add_commands as add_report_commands
from enms.cli.review import add_commands as add_review_commands
from enms.cli.series_files import parse_period
from enms.cli.serve import add_commands as add_api_commands
from plugins.manager import installed_profile_dirs, load_plugins

log = logging.getLogger("enms.cli.main")


def _version() -> str:
    try:
        return version("enms")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


def _describe(config: EnmsConfig) -> str:
    storage = config.storage
    where = (
        f"influxdb at {storage.influxdb.url}, database {storage.influxdb.database!r}"
        if storage.backend == "influxdb" and storage.influxdb is not None
        else f"embedded file {storage.embedded.path}"
    )
    meters = config.meters()
    modbus = sum(1 for _, meter in meters if meter.modbus is not None)
    return (
        f"{len(config.sites)} sites, {len(config.buildings())} buildings, {len(meters)} meters "
        f"({modbus} Modbus, {len(meters) - modbus} MQTT); storage: {where}"
    )


def _config_check(args: argparse.Namespace) -> int:
    failed = False
    profile_dirs = installed_profile_dirs()
    for file in args.files:
        try:
            config = load_deployment(file, profile_dirs=profile_dirs).config
        except ConfigError as exc:
            failed = True
            for issue in exc.issues:
                print(issue, file=sys.stderr)
            count = len(exc.issues)
            print(f"{file}: {count} error{'s' if count != 1 else ''}", file=sys.stderr)
        else:
            print(f"{file}: OK: {_describe(config)}")
    return 1 if failed else 0


def _config_reference(_: argparse.Namespace) -> int:
    sys.stdout.write(config_reference())
    return 0


def _store_ping(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1

    async def ping() -> None:
        async with open_store(config.storage) as store:
            await store.ping()

    run_async(ping(), "enms store ping")
    print(f"store answers: {_describe(config).split('storage: ')[1]}")
    return 0


def _value_problems(problems: dict[str, str]) -> str:
    """The values a meter sent that are no measurement, e.g. 'ok but power_kw: not_finite'."""
    if not problems:
        return ""
    return "ok but " + ", ".join(f"{name}: {why}" for name, why in sorted(problems.items()))


def _collect(args: argparse.Namespace) -> int:
    deployment = open_deployment(args.config)
    if args.listen is not None:
        if deployment.config.mqtt is None:
            print("enms collect: --listen needs the configuration's mqtt section", file=sys.stderr)
            return 2
        locale = chosen_locale(args, deployment.config)
        return run_async(listen(deployment, args.listen, print, locale), "enms collect")

    async def collect() -> tuple[list[PollResult], WriterStats | None]:
        collector = ModbusCollector(deployment)
        if args.no_store:  # poll and show only: what a technician checks on site
            try:
                return await collector.poll_once(lambda points: None), None
            finally:
                await collector.close()
        async with open_store(deployment.config.storage) as store:
            writer = Writer(store)
            try:
                results = await collector.poll_once(writer.submit)
            finally:
                await collector.close()
            now = time.time_ns()
            writer.submit([meter.health.to_point(now) for meter in collector.meters])
            await writer.flush(timeout_s=60)
            return results, writer.stats

    results, stats = run_async(collect(), "enms collect")
    locale = chosen_locale(args, deployment.config)
    rows = [
        (
            r.meter,
            f"{r.gateway}/{r.unit_id}",
            sum(v is not None for v in r.values.values()),
            locale.quantity(r.latency_s * 1000, "ms"),
            r.error or _value_problems(r.problems) or "ok",
        )
        for r in results
    ]
    headings = (N_("meter"), N_("gateway/unit"), N_("values"), N_("latency"), N_("status"))
    print(text_table(tuple(locale.text(h) for h in headings), rows))
    for r in results:  # what each answered, decoded, with its unit
        values = [
            f"{name} {value:g} {unit_of(name)}".rstrip()
            for name, value in r.values.items()
            if value is not None
        ]
        if values:
            print(f"  {r.meter}: " + ", ".join(values))
    failed = sum(1 for r in results if r.error)
    read = locale.text(
        "{read} of {meters} meters read", read=len(results) - failed, meters=len(results)
    )
    stored = (
        locale.text(
            "{written} points written, {refused} refused",
            written=stats.written, refused=stats.rejected,
        )
        if stats is not None
        else locale.text("nothing stored (--no-store)")
    )  # fmt: skip
    print(f"{read}; {stored}")
    if stats is None:
        return 1 if failed else 0
    unwritten = stats.received - stats.written - stats.rejected
    return 1 if failed or unwritten or stats.rejected else 0


def _run(args: argparse.Namespace) -> int:
    plugins = load_plugins(installed=True)  # their meter profiles, collectors and variables
    deployment = open_deployment(args.config, plugins)

    async def run(current: Deployment) -> None:
        while True:
            async with open_store(current.config.storage) as store:
                outcome = await serve(current, store, plugins)
            if outcome is not Outcome.RELOAD:
                return
            reloaded = try_deployment(args.config, plugins)  # prints every problem
            if reloaded is None:
                log.error("configuration not reloaded (problems above); running on as before")
            else:
                current = reloaded
                log.info("configuration %s reloaded", args.config)

    run_async(run(deployment), "enms run")
    return 0


def _consumption(args: argparse.Namespace) -> int:
    """Derive and store hourly consumption for a period; the daemon keeps recent hours current."""
    period = parsed(args.period, parse_period, "--period")
    deployment = open_deployment(args.config)
    config = deployment.config
    start, end = local_days(period.first, period.last, config.portfolio.timezone)

    async def derive() -> int:
        async with open_store(config.storage) as store:
            return await write_consumption(store, config, start, end)

    written = run_async(derive(), "enms consumption")
    print(f"{written} hourly consumption points stored for {period.first}..{period.last}")
    return 0


def _health(args: argparse.Namespace) -> int:
    deployment = open_deployment(args.config)

    async def latest() -> list[LatestPoint]:
        async with open_store(deployment.config.storage) as store:
            since = time.time_ns() - int(args.since_h * 3600 * 1e9)
            return await store.latest(Measurement.COLLECTOR_HEALTH, since)

    points = run_async(latest(), "enms health")
    locale = chosen_locale(args, deployment.config)
    if not points:
        print(
            locale.text(
                "no health reports in the last {hours:n1} h; is the daemon running?",
                hours=args.since_h,
            )
        )
        return 1
    zone = ZoneInfo(deployment.config.portfolio.timezone)
    rows = []
    for point in points:
        f = point.fields
        # local time with its zone: a technician compares it with the meter's own clock
        when = datetime.fromtimestamp(point.time_ns / 1e9, zone).strftime("%Y-%m-%d %H:%M:%S %Z")
        errors = sum(
            int(v) for k, v in f.items() if k.startswith("errors_") and not isinstance(v, str)
        )
        rows.append(
            (
                point.tags.get(Tag.COLLECTOR, ""),
                # the meter's id wherever the source is one meter (an MQTT topic is)
                point.tags.get(Tag.METER) or point.tags.get(Tag.SOURCE, ""),
                locale.text(N_("online")) if f.get("online") else locale.text(N_("OFFLINE")),
                f.get("consecutive_failures", ""),
                errors,
                locale.quantity(f["latency_ms"], "ms")
                if isinstance(f.get("latency_ms"), int | float)
                else "-",
                when,
                f.get("last_error", ""),  # also while still online: the last failure's reason
            )
        )
    print(
        text_table(
            tuple(
                locale.text(heading)
                for heading in (
                    N_("collector"),
                    N_("meter or source"),
                    N_("state"),
                    N_("failing"),
                    N_("errors"),
                    N_("latency"),
                    N_("reported"),
                    N_("last error"),
                )
            ),
            rows,
        )
    )
    return 0 if all(p.fields.get("online") for p in points) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="enms", description="ISO 50001 energy management monitoring."
    )
    parser.add_argument("--version", action="version", version=f"enms {_version()}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="text for people, json (one object per line) for log collectors",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    config = commands.add_parser("config", help="check configuration files, print the reference")
    config_commands = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = config_commands.add_parser(
        "check",
        help="validate configuration files; list every error with file, line and field",
        epilog="example: enms config check config/example.yaml",
    )
    check.add_argument("files", nargs="+", metavar="FILE", help="configuration files to check")
    check.set_defaults(handler=_config_check)
    reference = config_commands.add_parser(
        "reference",
        help="print the configuration reference (Markdown)",
        epilog="example: enms config reference > configuration.md",
    )
    reference.set_defaults(handler=_config_reference)

    store = commands.add_parser("store", help="check the configured store")
    store_commands = store.add_subparsers(dest="store_command", required=True, metavar="ACTION")
    ping = store_commands.add_parser(
        "ping",
        help="exit 0 if the configured store answers",
        epilog="example: enms store ping --config site.yaml",
    )
    add_config(ping)
    ping.set_defaults(handler=_store_ping)
    run = commands.add_parser(
        "run",
        help="run the daemon: collect, write, report health",
        epilog="example: enms run --config /etc/enms/site.yaml",
    )
    add_config(run)
    run.set_defaults(handler=_run)

    collect = commands.add_parser(
        "collect",
        help="poll every Modbus meter once, show what each answered, and store it; or listen "
        "to the MQTT meters (--listen)",
        epilog="examples: enms collect --config site.yaml --no-store; "
        "enms collect --config site.yaml --listen 60",
    )
    add_config(collect)
    collect.add_argument(
        "--once", action="store_true", help="poll once and exit (what collect always does)"
    )
    collect.add_argument(
        "--no-store", action="store_true", help="only poll and show; write nothing to the store"
    )
    collect.add_argument(
        "--listen",
        type=positive_seconds,
        metavar="SECONDS",
        help="instead of polling Modbus: show what each configured MQTT meter sends for this "
        "long, decoded, and what was refused; nothing is stored",
    )
    add_language(collect)
    collect.set_defaults(handler=_collect)

    consumption = commands.add_parser(
        "consumption",
        help="derive and store hourly consumption per meter for a period",
        epilog="example: enms consumption --config site.yaml --period 2025-01-01..2025-12-31",
    )
    add_config(consumption)
    consumption.add_argument(
        "--period",
        required=True,
        metavar="FIRST..LAST",
        help="local days, e.g. 2025-01-01..2025-12-31",
    )
    consumption.set_defaults(handler=_consumption)

    add_baseline_commands(commands)
    add_evaluate_commands(commands)
    add_api_commands(commands)
    add_demo_commands(commands)
    add_review_commands(commands)
    add_feedback_commands(commands)
    add_report_commands(commands)

    health = commands.add_parser(
        "health",
        help="the latest health report of every source",
        epilog="example: enms health --config site.yaml --since-h 2 --lang sv",
    )
    add_config(health)
    health.add_argument(
        "--since-h", type=float, default=24.0, metavar="HOURS", help="look back (default 24)"
    )
    add_language(health)
    health.set_defaults(handler=_health)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(verbose=args.verbose, style=args.log_format)
    try:
        code: int = args.handler(args)
    except CommandFailed as failed:  # the reason is printed
        return failed.code
    return code


if __name__ == "__main__":
    sys.exit(main())
