"""The ``enms`` command line.

Exit codes: 0 success, 1 the thing checked is wrong (an invalid configuration, an unreachable
store), 2 the command itself was used wrongly (argparse's convention).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from daemon.config.loader import load_config
from daemon.deployment import load_deployment
from daemon.config.models import EnmsConfig
from daemon.config.reference import config_reference
from daemon.errors import ConfigError, StoreError
from daemon.storage.factory import open_store


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
    for file in args.files:
        try:
            config = load_deployment(file).config
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

    try:
        asyncio.run(ping())
    except StoreError as exc:
        print(f"store unreachable: {exc}", file=sys.stderr)
        return 1
    print(f"store answers: {_describe(config).split('storage: ')[1]}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="enms", description="ISO 50001 energy management monitoring."
    )
    parser.add_argument("--version", action="version", version=f"enms {_version()}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    config = commands.add_parser("config", help="check configuration files, print the reference")
    config_commands = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = config_commands.add_parser(
        "check", help="validate configuration files; list every error with file, line and field"
    )
    check.add_argument("files", nargs="+", metavar="FILE")
    check.set_defaults(handler=_config_check)
    reference = config_commands.add_parser(
        "reference", help="print the configuration reference (Markdown)"
    )
    reference.set_defaults(handler=_config_reference)

    store = commands.add_parser("store", help="check the configured store")
    store_commands = store.add_subparsers(dest="store_command", required=True, metavar="ACTION")
    ping = store_commands.add_parser("ping", help="exit 0 if the configured store answers")
    ping.add_argument("--config", required=True, metavar="FILE")
    ping.set_defaults(handler=_store_ping)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request at INFO; enms logs state changes, not traffic.
    logging.getLogger("httpx").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    code: int = args.handler(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
