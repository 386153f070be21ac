"""Write the Grafana dashboards in dashboards/json/ from one description of their panels.

    .venv/bin/python scripts/build_dashboards.py          # rewrite the JSON files
    .venv/bin/python scripts/build_dashboards.py --check  # exit 1 if a file differs
    .venv/bin/python scripts/build_dashboards.py --config site.yaml --out DIR  # for a site

The dashboards are generated, not edited in Grafana's UI, so that every panel uses the same
datasource uid, template variables and local-day grouping, and the layout has no overlaps.
The panels are in dashboards_portfolio.py, dashboards_building.py and dashboards_health.py,
the shared pieces in grafana.py. The dashboards group by local day in the portfolio's time
zone and read in the portfolio's language (titles, descriptions and variable labels are
written in English, marked ``N_``, and translated through the catalogue, core/locale): the
shipped files use config/example.yaml's (Europe/Stockholm, Swedish); ``--config`` builds them
for another deployment's, ``--lang`` in another language.
tests/dashboards/ runs every query in these files against a real InfluxDB.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dashboards_building import building_detail
from dashboards_health import collector_health
from dashboards_portfolio import portfolio_overview
from grafana import Json

from core.config.loader import load_config
from core.i18n import Language, Locale, locale_for

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "dashboards" / "json"
EXAMPLE = REPO / "config" / "example.yaml"

DASHBOARDS: dict[str, Callable[[str], Json]] = {
    "portfolio-overview.json": portfolio_overview,
    "building-detail.json": building_detail,
    "collector-health.json": collector_health,
}


#: the texts of a dashboard a person reads, written in English in the panel descriptions
TEXTS = ("title", "description", "label")


def translated(item: Any, locale: Locale, zone: str) -> Any:
    """``item`` with every title, description and variable label in ``locale``'s language
    (the catalogue, core/locale; a text not in it stays as written) and ``{zone}`` filled in."""
    if isinstance(item, list):
        return [translated(value, locale, zone) for value in item]
    if not isinstance(item, dict):
        return item
    result = {}
    for key, value in item.items():
        if key in TEXTS and isinstance(value, str):
            text = locale.gettext(value)
            result[key] = text.replace("{zone}", zone)
        else:
            result[key] = translated(value, locale, zone)
    return result


def rendered(zone: str, language: Language = Language.EN) -> dict[str, str]:
    locale = locale_for(language)
    return {
        name: json.dumps(translated(build(zone), locale, zone), indent=2, ensure_ascii=False) + "\n"
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
    parser.add_argument(
        "--lang",
        choices=[language.value for language in Language],
        help="language of titles and descriptions (default: the configuration's "
        "portfolio.language)",
    )
    args = parser.parse_args(argv)
    portfolio = load_config(args.config).portfolio
    stale = []
    for name, text in rendered(
        portfolio.timezone, Language(args.lang or portfolio.language)
    ).items():
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
