"""``enms api``: serve the management-review API; ``enms api key``: make an API key.

enms api --config FILE [--host HOST] [--port PORT]
enms api key NAME [--scope read|write ...]
"""

from __future__ import annotations

import argparse
import logging
import sys

import yaml

from core.config.api import is_loopback
from enms.cli.console import open_deployment

log = logging.getLogger(__name__)


def serve_command(args: argparse.Namespace) -> int:
    # imported here: FastAPI and uvicorn take a second to import, which the other commands
    # (enms run above all) need not spend
    import uvicorn  # noqa: PLC0415

    from api.app import create_app  # noqa: PLC0415

    if args.config is None:
        print("enms api: --config FILE is required to serve", file=sys.stderr)
        return 2
    deployment = open_deployment(args.config)
    settings = deployment.config.api
    host = args.host or settings.host
    port = args.port or settings.port
    if settings.read_without_key and is_loopback(host):
        log.warning("api.read_without_key: reads need no key on %s:%d", host, port)
    elif not settings.keys:
        log.warning("api.keys is empty: every endpoint but /health answers 401 (enms api key)")
    app = create_app(deployment, bound_host=host)  # anonymous reads only on loopback
    log.info("enms API on http://%s:%d (OpenAPI: /docs)", host, port)
    # uvicorn's access log would print query strings; keys travel in headers, never logged
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    return 0


def key_command(args: argparse.Namespace) -> int:
    from api.auth import hash_key, new_key  # noqa: PLC0415 - keeps FastAPI out of other commands

    key = new_key()
    entry = {"name": args.name, "sha256": hash_key(key), "scopes": args.scope or ["read"]}
    print(f"API key for {args.name} (shown once; store it where the caller keeps secrets):")
    print(f"  {key}")
    print("Add to the configuration, under api.keys:")
    print(yaml.safe_dump([entry], sort_keys=False, default_flow_style=None).rstrip())
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "api",
        help="serve the management-review API (FastAPI)",
        description="Serve the API with --config FILE; `enms api key NAME` makes an API key.",
        epilog="example: enms api --config config/example.yaml --port 8080",
    )
    parser.add_argument("--config", metavar="FILE", help="configuration file (to serve)")
    parser.add_argument("--host", help="address to listen on (default: api.host)")
    parser.add_argument("--port", type=int, help="port to listen on (default: api.port)")
    parser.set_defaults(handler=serve_command)
    actions = parser.add_subparsers(dest="api_command", metavar="{key}", title="also")
    key = actions.add_parser(
        "key",
        help="make a new API key and print its configuration entry",
        epilog="example: enms api key energy-team --scope write",
    )
    key.add_argument("name", help="who holds the key, e.g. energy-team")
    key.add_argument(
        "--scope", action="append", choices=("read", "write"), help="read (default), write"
    )
    key.set_defaults(handler=key_command)
