"""Write the Grafana dashboards in dashboards/json/ from one description of their panels.

    .venv/bin/python scripts/build_dashboards.py          # rewrite the JSON files
    .venv/bin/python scripts/build_dashboards.py --check  # exit 1 if a file differs

The dashboards are generated, not edited in Grafana's UI, so that every panel uses the same
datasource uid, template variables and local-day grouping, and the layout has no overlaps.
tests/dashboards/ runs every query in these files against a real InfluxDB.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "dashboards" / "json"
DATASOURCE = {"type": "influxdb", "uid": "enms-influxdb"}
TZ = "tz('Europe/Stockholm')"
KWH, KW, CELSIUS, SEK = "kwatth", "kwatt", "celsius", "currencySEK"
KWH_PER_M2 = "suffix: kWh/m²"

Json = dict[str, Any]


def target(query: str, ref: str = "A", *, table: bool = False, alias: str | None = None) -> Json:
    result: Json = {
        "refId": ref,
        "datasource": DATASOURCE,
        "rawQuery": True,
        "query": " ".join(query.split()),
        "resultFormat": "table" if table else "time_series",
    }
    if alias is not None:
        result["alias"] = alias
    return result


def variable(name: str, label: str, query: str, *, multi: bool = True) -> Json:
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": DATASOURCE,
        "query": query,
        "definition": query,
        "refresh": 1,  # on dashboard load
        "sort": 1,
        "multi": multi,
        "includeAll": multi,
        **({"allValue": ".*"} if multi else {}),
        "current": {},
        "options": [],
        "hide": 0,
    }


SITE = variable("site", "Site", 'SHOW TAG VALUES FROM "readings" WITH KEY = "site"')
BUILDING = variable(
    "building",
    "Building",
    'SHOW TAG VALUES FROM "readings" WITH KEY = "building" WHERE "site" =~ /^$site$/',
)
ONE_BUILDING = variable(
    "building",
    "Building",
    'SHOW TAG VALUES FROM "readings" WITH KEY = "building" WHERE "site" =~ /^$site$/',
    multi=False,
)
MEDIUM = variable(
    "medium",
    "Medium",
    'SHOW TAG VALUES FROM "consumption" WITH KEY = "medium" WHERE "building" =~ /^$building$/',
)
METER = variable(
    "meter",
    "Meter",
    'SHOW TAG VALUES FROM "readings" WITH KEY = "meter" WHERE "building" =~ /^$building$/',
)


@dataclass
class Layout:
    """Places panels left to right on Grafana's 24-column grid, wrapping to a new row."""

    x: int = 0
    y: int = 0
    row_height: int = 0
    panels: list[Json] = field(default_factory=list)

    def add(self, panel: Json, w: int, h: int) -> None:
        if self.x + w > 24:
            self.x, self.y, self.row_height = 0, self.y + self.row_height, 0
        panel["id"] = len(self.panels) + 1
        panel["gridPos"] = {"x": self.x, "y": self.y, "w": w, "h": h}
        self.panels.append(panel)
        self.x += w
        self.row_height = max(self.row_height, h)


def panel(
    kind: str,
    title: str,
    description: str,
    targets: list[Json],
    *,
    unit: str | None = None,
    options: Json | None = None,
    custom: Json | None = None,
    transformations: list[Json] | None = None,
    extra: Json | None = None,
) -> Json:
    defaults: Json = {}
    if unit is not None:
        defaults["unit"] = unit
    if custom is not None:
        defaults["custom"] = custom
    result: Json = {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "targets": targets,
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": options or {},
    }
    if transformations:
        result["transformations"] = transformations
    result.update(extra or {})
    return result


def dashboard(
    uid: str,
    title: str,
    description: str,
    *,
    variables: list[Json],
    layout: Layout,
    time_from: str,
) -> Json:
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["enms", "ISO 50001"],
        "timezone": "Europe/Stockholm",
        "editable": False,
        "graphTooltip": 1,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "5m",
        "time": {"from": time_from, "to": "now"},
        "templating": {"list": variables},
        "annotations": {"list": []},
        "links": [
            {"type": "dashboards", "tags": ["enms"], "asDropdown": True, "title": "enms"},
        ],
        "panels": layout.panels,
    }


def count_alarm(color: str) -> Json:
    """A count that shows 0 when nothing is found and turns ``color`` from 1."""
    steps = [{"color": "green", "value": None}, {"color": color, "value": 1}]
    thresholds = {"mode": "absolute", "steps": steps}
    return {
        "fieldConfig": {"defaults": {"noValue": "0", "thresholds": thresholds}, "overrides": []}
    }


BARS = {"drawStyle": "bars", "fillOpacity": 80, "stacking": {"mode": "normal", "group": "A"}}
TABLE_OPTIONS = {"showHeader": True, "cellHeight": "sm"}


def portfolio_overview() -> Json:
    where = '"site" =~ /^$site$/ AND "building" =~ /^$building$/ AND "medium" =~ /^$medium$/'
    layout = Layout()
    layout.add(
        panel(
            "stat",
            "Consumption in the time range",
            "Sum of hourly consumption per medium (derived from the meters' registers).",
            [
                target(
                    f'SELECT sum("kwh") FROM "consumption" WHERE {where} AND $timeFilter '
                    'GROUP BY "medium"',
                    alias="$tag_medium",
                )
            ],
            unit=KWH,
            options={"reduceOptions": {"calcs": ["lastNotNull"]}, "textMode": "value_and_name"},
        ),
        16,
        5,
    )
    layout.add(
        panel(
            "stat",
            "Deviations and nonconformities",
            "Findings of kind deviation or nonconformity in the evaluations of the time range, "
            "each counted once per period evaluated (enms evaluate --store).",
            [
                target(
                    'SELECT count("rank") FROM (SELECT last("severity_rank") AS "rank" '
                    'FROM "findings" WHERE "kind" =~ /^(nonconformity|deviation)$/ '
                    'AND "building" =~ /^$building$/ AND $timeFilter '
                    'GROUP BY "plugin", "finding", "period")'
                )
            ],
            options={"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "background"},
            extra=count_alarm("orange"),
        ),
        8,
        5,
    )
    layout.add(
        panel(
            "timeseries",
            "Consumption per day, building and medium",
            "Local days (Europe/Stockholm), stacked.",
            [
                target(
                    f'SELECT sum("kwh") FROM "consumption" WHERE {where} AND $timeFilter '
                    f'GROUP BY time(1d), "building", "medium" fill(none) {TZ}',
                    alias="$tag_building $tag_medium",
                )
            ],
            unit=KWH,
            custom=BARS,
        ),
        24,
        9,
    )
    layout.add(
        panel(
            "barchart",
            "kWh/m² Atemp per building and medium",
            "Consumption of each building's EnPI over the time range divided by its heated "
            "area (Atemp), highest first.",
            [
                target(
                    'SELECT sum("actual_kwh_per_m2") AS "kWh/m²" FROM "enpi" WHERE "seu" = \'\' '
                    'AND "building" != \'\' AND "building" =~ /^$building$/ '
                    'AND "medium" =~ /^$medium$/ AND $timeFilter GROUP BY "building", "medium"',
                    table=True,
                )
            ],
            unit=KWH_PER_M2,
            options={"orientation": "horizontal", "xField": "building", "showValue": "always"},
            transformations=[
                {"id": "sortBy", "options": {"sort": [{"field": "kWh/m²", "desc": True}]}},
            ],
        ),
        12,
        9,
    )
    layout.add(
        panel(
            "table",
            "EnPI status: improvement against the baseline",
            "Reporting days in the time range: actual and expected (baseline model) "
            "consumption, improvement in per cent of expected, and CUSUM at the end.",
            [
                target(
                    'SELECT sum("actual_kwh") AS "actual kWh", sum("expected_kwh") AS '
                    '"expected kWh", -100 * sum("residual_kwh") / sum("expected_kwh") AS '
                    '"improvement %", last("cusum_kwh") AS "CUSUM kWh" FROM "enpi" '
                    'WHERE "reporting" = true AND "building" =~ /^$building$/ '
                    'AND "medium" =~ /^$medium$/ AND $timeFilter '
                    'GROUP BY "enpi", "baseline_version"',
                    table=True,
                )
            ],
            options=TABLE_OPTIONS,
            transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True}}}],
        ),
        12,
        9,
    )
    layout.add(
        panel(
            "table",
            "Yearly EnPIs (normal-year corrected where configured)",
            "Complete calendar years only.",
            [
                target(
                    'SELECT "actual_kwh" AS "kWh", "actual_kwh_per_m2" AS "kWh/m²", '
                    '"normal_year_corrected_kwh_per_m2" AS "normal-year kWh/m²", '
                    '"heating_degree_days" AS "degree days" FROM "enpi_year" '
                    'WHERE "building" =~ /^$building$/ AND "medium" =~ /^$medium$/ '
                    'AND $timeFilter GROUP BY "enpi"',
                    table=True,
                )
            ],
            options=TABLE_OPTIONS,
        ),
        12,
        8,
    )
    layout.add(
        panel(
            "table",
            "Deviations and nonconformities found",
            "The newest evaluation of each finding in the time range.",
            [
                target(
                    'SELECT last("title") AS "finding", last("severity_rank") AS "rank" '
                    'FROM "findings" WHERE "kind" =~ /^(nonconformity|deviation)$/ '
                    'AND "building" =~ /^$building$/ AND $timeFilter '
                    'GROUP BY "plugin", "kind", "severity", "period", "building", "finding"',
                    table=True,
                )
            ],
            options={**TABLE_OPTIONS, "sortBy": [{"displayName": "rank", "desc": True}]},
        ),
        12,
        8,
    )
    layout.add(
        panel(
            "table",
            "Cost and emissions per energy carrier",
            "From the cost_co2 evaluation of each period (main meters; prices and emission "
            "factors of each month's year, from the configuration).",
            [
                target(
                    'SELECT last("metric_kwh") AS "kWh", last("metric_cost") AS "cost", '
                    'last("metric_co2_t") AS "t CO2e" FROM "findings" WHERE "plugin" = '
                    "'cost_co2' AND \"finding\" =~ /^carrier\\./ AND $timeFilter "
                    'GROUP BY "period", "finding"',
                    table=True,
                )
            ],
            options=TABLE_OPTIONS,
            extra={
                "fieldConfig": {
                    "defaults": {},
                    "overrides": [
                        {
                            "matcher": {"id": "byName", "options": "cost"},
                            "properties": [{"id": "unit", "value": SEK}],
                        },
                        {
                            "matcher": {"id": "byName", "options": "kWh"},
                            "properties": [{"id": "unit", "value": KWH}],
                        },
                    ],
                }
            },
        ),
        24,
        7,
    )
    return dashboard(
        "enms-portfolio",
        "enms · Portfolio overview",
        "Consumption, kWh/m² ranking, EnPI improvement and findings of the whole portfolio.",
        variables=[SITE, BUILDING, MEDIUM],
        layout=layout,
        time_from="now-90d",
    )


def building_detail() -> Json:
    enpi_where = '"building" =~ /^$building$/ AND "seu" = \'\' AND "medium" =~ /^$medium$/'
    meters = '"building" =~ /^$building$/ AND "meter" =~ /^$meter$/'
    layout = Layout()
    layout.add(
        panel(
            "timeseries",
            "Actual and expected consumption per day",
            "Expected is the adopted baseline model at the day's outdoor temperature "
            "(plus any non-routine adjustment).",
            [
                target(
                    f'SELECT sum("actual_kwh") AS "actual", sum("expected_kwh") AS "expected" '
                    f'FROM "enpi" WHERE {enpi_where} AND $timeFilter '
                    f'GROUP BY time(1d), "enpi" fill(none) {TZ}',
                    alias="$tag_enpi $col",
                )
            ],
            unit=KWH,
        ),
        16,
        9,
    )
    layout.add(
        panel(
            "table",
            "Meters",
            "Each meter's newest health report.",
            [
                target(
                    'SELECT last("online") AS "online", last("seconds_since_success") AS '
                    '"s since last reading", last("consecutive_failures") AS "failures in a row", '
                    f'last("last_error") AS "last error" FROM "collector_health" WHERE {meters} '
                    'AND $timeFilter GROUP BY "meter", "collector"',
                    table=True,
                )
            ],
            options=TABLE_OPTIONS,
            transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True}}}],
        ),
        8,
        9,
    )
    layout.add(
        panel(
            "timeseries",
            "CUSUM of the reporting period",
            "Cumulative sum of actual minus expected: a falling line is a saving.",
            [
                target(
                    f'SELECT last("cusum_kwh") FROM "enpi" WHERE {enpi_where} '
                    f'AND "reporting" = true AND $timeFilter '
                    f'GROUP BY time(1d), "enpi" fill(none) {TZ}',
                    alias="$tag_enpi",
                )
            ],
            unit=KWH,
        ),
        12,
        9,
    )
    layout.add(
        panel(
            "xychart",
            "Energy signature",
            "Daily consumption against mean outdoor temperature; the fitted baseline model "
            "as its own series.",
            [
                target(
                    f'SELECT "temperature_c", "actual_kwh" FROM "enpi" WHERE {enpi_where} '
                    "AND $timeFilter",
                    "A",
                    table=True,
                ),
                target(
                    f'SELECT "temperature_c", "expected_kwh" FROM "enpi" WHERE {enpi_where} '
                    "AND $timeFilter",
                    "B",
                    table=True,
                ),
            ],
            unit=KWH,
            options={"seriesMapping": "auto", "dims": {"x": "temperature_c"}},
        ),
        12,
        9,
    )
    layout.add(
        panel(
            "timeseries",
            "Consumption per meter",
            "kWh per interval, from hourly consumption.",
            [
                target(
                    f'SELECT sum("kwh") FROM "consumption" WHERE {meters} '
                    'AND "medium" =~ /^$medium$/ AND $timeFilter '
                    f'GROUP BY time($__interval), "meter" fill(none) {TZ}',
                    alias="$tag_meter",
                )
            ],
            unit=KWH,
            custom=BARS,
            extra={"interval": "1h"},
        ),
        12,
        8,
    )
    layout.add(
        panel(
            "timeseries",
            "Mean load per meter",
            "Average power over each interval, from hourly consumption.",
            [
                target(
                    f'SELECT mean("kwh") FROM "consumption" WHERE {meters} '
                    'AND "medium" =~ /^$medium$/ AND $timeFilter '
                    f'GROUP BY time($__interval), "meter" fill(none) {TZ}',
                    alias="$tag_meter",
                )
            ],
            unit=KW,
            extra={"interval": "1h"},
        ),
        12,
        8,
    )
    layout.add(
        panel(
            "timeseries",
            "Indoor temperature",
            "Mean per interval; the shaded band is 20–23 °C.",
            [
                target(
                    'SELECT mean("temperature_c") FROM "readings" '
                    """WHERE "building" =~ /^$building$/ AND "medium" = 'indoor_temperature' """
                    "AND $timeFilter "
                    f'GROUP BY time($__interval), "meter" fill(none) {TZ}',
                    alias="$tag_meter",
                )
            ],
            extra={
                "fieldConfig": {
                    "defaults": {
                        "unit": CELSIUS,
                        "custom": {"thresholdsStyle": {"mode": "line+area"}},
                        "thresholds": {
                            "mode": "absolute",
                            "steps": [
                                {"color": "transparent", "value": None},
                                {"color": "green", "value": 20},
                                {"color": "transparent", "value": 23},
                            ],
                        },
                    },
                    "overrides": [],
                }
            },
        ),
        12,
        8,
    )
    layout.add(
        panel(
            "table",
            "Findings for this building",
            "The newest evaluation of each finding in the time range, every kind.",
            [
                target(
                    'SELECT last("title") AS "finding", last("severity_rank") AS "rank" '
                    'FROM "findings" WHERE "building" =~ /^$building$/ AND $timeFilter '
                    'GROUP BY "plugin", "kind", "severity", "period", "finding"',
                    table=True,
                )
            ],
            options={**TABLE_OPTIONS, "sortBy": [{"displayName": "rank", "desc": True}]},
        ),
        12,
        8,
    )
    return dashboard(
        "enms-building",
        "enms · Building detail",
        "One building: actual against expected, CUSUM, energy signature, meters, indoor "
        "climate and findings.",
        variables=[SITE, ONE_BUILDING, MEDIUM, METER],
        layout=layout,
        time_from="now-90d",
    )


def collector_health() -> Json:
    where = '"building" =~ /^$building$/'
    layout = Layout()
    layout.add(
        panel(
            "stat",
            "Sources offline",
            "Meters and topics whose newest health report says offline (3 failed reads in a row).",
            [
                target(
                    'SELECT count("online") FROM (SELECT last("online") AS "online" FROM '
                    f'"collector_health" WHERE {where} AND $timeFilter GROUP BY "source") '
                    'WHERE "online" = false'
                )
            ],
            options={"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "background"},
            extra=count_alarm("red"),
        ),
        6,
        5,
    )
    layout.add(
        panel(
            "stat",
            "Spooled readings",
            "Readings kept in the durable spool because the store did not take them yet.",
            [target('SELECT last("spool_readings") FROM "enms_daemon" WHERE $timeFilter')],
            options={"reduceOptions": {"calcs": ["lastNotNull"]}},
        ),
        6,
        5,
    )
    layout.add(
        panel(
            "timeseries",
            "Readings per second",
            "Received by the collectors and written to the store, between health reports.",
            [
                target(
                    'SELECT non_negative_derivative("readings_received", 1s) AS "received", '
                    'non_negative_derivative("readings_written", 1s) AS "written" '
                    'FROM "enms_daemon" WHERE $timeFilter',
                    alias="$col",
                )
            ],
            unit="reqps",
        ),
        12,
        5,
    )
    layout.add(
        panel(
            "timeseries",
            "Failed reads per source",
            "Failed reads between consecutive health reports.",
            [
                target(
                    'SELECT non_negative_difference("failures") FROM "collector_health" '
                    f'WHERE {where} AND $timeFilter GROUP BY "source"',
                    alias="$tag_source",
                )
            ],
            custom=BARS,
        ),
        12,
        8,
    )
    layout.add(
        panel(
            "timeseries",
            "Queue and spool",
            "Readings waiting in memory and in the spool.",
            [
                target(
                    'SELECT last("queue_depth") AS "queue", last("spool_readings") AS "spool" '
                    'FROM "enms_daemon" WHERE $timeFilter GROUP BY time($__interval) fill(none)',
                    alias="$col",
                )
            ],
            extra={"interval": "1m"},
        ),
        12,
        8,
    )
    layout.add(
        panel(
            "table",
            "Last seen per source",
            "Newest health report of every meter (Modbus) and topic (MQTT).",
            [
                target(
                    'SELECT last("online") AS "online", last("seconds_since_success") AS '
                    '"s since success", last("consecutive_failures") AS "failures in a row", '
                    'last("latency_ms") AS "latency ms", last("last_error") AS "last error" '
                    f'FROM "collector_health" WHERE {where} AND $timeFilter '
                    'GROUP BY "collector", "source", "meter"',
                    table=True,
                )
            ],
            options=TABLE_OPTIONS,
        ),
        14,
        9,
    )
    layout.add(
        panel(
            "table",
            "Errors by kind",
            "Read errors counted per kind since the daemon started (timeout, refused, decode ...).",
            [
                target(
                    'SELECT last(/^errors_/) FROM "collector_health" '
                    f'WHERE {where} AND $timeFilter GROUP BY "collector", "source"',
                    table=True,
                )
            ],
            options=TABLE_OPTIONS,
        ),
        10,
        9,
    )
    return dashboard(
        "enms-collector-health",
        "enms · Collector health",
        "Is every meter being read? Readings per second, errors, spool and last seen.",
        variables=[SITE, BUILDING],
        layout=layout,
        time_from="now-24h",
    )


DASHBOARDS = {
    "portfolio-overview.json": portfolio_overview,
    "building-detail.json": building_detail,
    "collector-health.json": collector_health,
}


def rendered() -> dict[str, str]:
    return {
        name: json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
        for name, build in DASHBOARDS.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a file differs")
    args = parser.parse_args(argv)
    stale = []
    for name, text in rendered().items():
        path = OUT / name
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
