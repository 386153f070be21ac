"""Write the Grafana dashboards in dashboards/json/ from one description of their panels.

    .venv/bin/python scripts/build_dashboards.py          # rewrite the JSON files
    .venv/bin/python scripts/build_dashboards.py --check  # exit 1 if a file differs
    .venv/bin/python scripts/build_dashboards.py --config site.yaml --out DIR  # for a site

The dashboards are generated, not edited in Grafana's UI, so that every panel uses the same
datasource uid, template variables and local-day grouping, and the layout has no overlaps.
The panels are in dashboards_portfolio.py, dashboards_building.py and dashboards_health.py,
the shared pieces in grafana.py. The dashboards group by local day in the portfolio's time
zone: the shipped files use config/example.yaml's; ``--config`` builds them for another
deployment's.
tests/dashboards/ runs every query in these files against a real InfluxDB.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from dashboards_building import building_detail
from dashboards_health import collector_health
from dashboards_portfolio import portfolio_overview
from grafana import Json

from core.config.loader import load_config

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "dashboards" / "json"
EXAMPLE = REPO / "config" / "example.yaml"

DASHBOARDS: dict[str, Callable[[str], Json]] = {
    "portfolio-overview.json": portfolio_overview,
    "building-detail.json": building_detail,
    "collector-health.json": collector_health,
}


def rendered(zone: str) -> dict[str, str]:
    return {
        name: json.dumps(build(zone), indent=2, ensure_ascii=False) + "\n"
        for name, build in DASHBOARDS.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a file differs")
    parser.add_argument(
        "--config",
        type=Path,
        default=EXAMPLE,
        help="the configuration whose portfolio.timezone the dashboards use "
        "(default: config/example.yaml)",
    )
    parser.add_argument("--out", type=Path, default=OUT, help="folder of the JSON files")
    args = parser.parse_args(argv)
    zone = load_config(args.config).portfolio.timezone
    stale = []
    for name, text in rendered(zone).items():
        path = args.out / name
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(name)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print(f"out of date: {', '.join(stale)}; run scripts/build_dashboards.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
