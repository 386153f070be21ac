"""One building in detail: its EnPI's actual against expected, CUSUM, energy signature,
consumption beside the weather, meters, indoor climate and findings."""

from __future__ import annotations

from grafana import (
    BARS,
    BUILDING_UID,
    CELSIUS,
    KW,
    KWH,
    MEDIUM,
    METER,
    ONE_BUILDING,
    ONE_ENPI,
    SITE,
    TABLE_OPTIONS,
    Json,
    Layout,
    dashboard,
    panel,
    target,
    tz_clause,
)

from core.i18n import N_
from core.schema import Measurement


def right_axis(field: str, unit: str) -> Json:
    """``field`` drawn as a line on its own axis on the right, in ``unit``."""
    return {
        "matcher": {"id": "byName", "options": field},
        "properties": [
            {"id": "unit", "value": unit},
            {"id": "custom.axisPlacement", "value": "right"},
            {"id": "custom.drawStyle", "value": "line"},
            {"id": "custom.fillOpacity", "value": 0},
        ],
    }


def building_detail(zone: str) -> Json:
    tz = tz_clause(zone)
    enpi_where = '"building" =~ /^$building$/ AND "enpi" =~ /^$enpi$/'
    meters = '"building" =~ /^$building$/ AND "meter" =~ /^$meter$/'
    layout = Layout()
    layout.add(
        panel(
            "timeseries",
            N_("Actual and expected consumption per day"),
            N_(
                "Expected is the adopted baseline model at the day's outdoor temperature "
                "(plus any non-routine adjustment)."
            ),
            [
                target(
                    f'SELECT sum("actual_kwh") AS "actual", sum("expected_kwh") AS "expected" '
                    f'FROM "{Measurement.ENPI}" WHERE {enpi_where} AND $timeFilter '
                    f'GROUP BY time(1d), "enpi" fill(none) {tz}',
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
            N_("Meters"),
            N_("Each meter's newest health report."),
            [
                target(
                    'SELECT last("online") AS "online", last("seconds_since_success") AS '
                    '"s since last reading", last("consecutive_failures") AS "failures in a row", '
                    f'last("last_error") AS "last error" FROM "{Measurement.COLLECTOR_HEALTH}" '
                    f"WHERE {meters} "
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
            N_("CUSUM of the reporting period"),
            N_("Cumulative sum of actual minus expected: a falling line is a saving."),
            [
                target(
                    f'SELECT last("cusum_kwh") FROM "{Measurement.ENPI}" WHERE {enpi_where} '
                    f'AND "reporting" = true AND $timeFilter '
                    f'GROUP BY time(1d), "enpi" fill(none) {tz}',
                    alias="$tag_enpi",
                )
            ],
            unit=KWH,
        ),
        12,
        9,
    )
    signature = 'SELECT "temperature_c", "actual_kwh" AS "{days}" FROM "{enpi}" WHERE {where} '
    layout.add(
        panel(
            "xychart",
            N_("Energy signature"),
            N_(
                "Daily consumption against mean outdoor temperature: baseline days and "
                "reporting days apart, and the baseline model on an average day as a line."
            ),
            [
                target(
                    signature.format(days="baseline", enpi=Measurement.ENPI, where=enpi_where)
                    + 'AND "reporting" = false AND $timeFilter',
                    "A",
                    table=True,
                ),
                target(
                    signature.format(days="reporting", enpi=Measurement.ENPI, where=enpi_where)
                    + 'AND "reporting" = true AND $timeFilter',
                    "B",
                    table=True,
                ),
                target(
                    f'SELECT "temperature_c", "model_kwh" AS "model" FROM "{Measurement.ENPI}" '
                    f"WHERE {enpi_where} AND $timeFilter",
                    "C",
                    table=True,
                ),
            ],
            unit=KWH,
            options={
                "seriesMapping": "manual",
                "dims": {},
                "series": [
                    {"frame": 0, "x": "temperature_c", "y": "baseline", "show": "points"},
                    {"frame": 1, "x": "temperature_c", "y": "reporting", "show": "points"},
                    {"frame": 2, "x": "temperature_c", "y": "model", "show": "lines"},
                ],
            },
            # the line is drawn in row order: from the coldest day to the warmest
            transformations=[
                {"id": "sortBy", "options": {"sort": [{"field": "temperature_c"}]}},
            ],
        ),
        12,
        9,
    )
    layout.add(
        panel(
            "timeseries",
            N_("Consumption, outdoor temperature and degree days"),
            N_(
                "The EnPI's kWh per interval (at least a day) beside the mean outdoor "
                "temperature and the heating degree days (17 °C base) of the same days."
            ),
            [
                target(
                    f'SELECT sum("actual_kwh") AS "kWh", sum("heating_degree_days") AS '
                    f'"degree days", mean("temperature_c") AS "outdoor °C" FROM '
                    f'"{Measurement.ENPI}" WHERE {enpi_where} AND $timeFilter '
                    f"GROUP BY time($__interval) fill(none) {tz}",
                    alias="$col",
                )
            ],
            extra={
                "interval": "1d",
                "fieldConfig": {
                    "defaults": {"unit": KWH, "custom": {"drawStyle": "bars", "fillOpacity": 60}},
                    "overrides": [
                        right_axis("outdoor °C", CELSIUS),
                        right_axis("degree days", "none"),
                    ],
                },
            },
        ),
        24,
        8,
    )
    layout.add(
        panel(
            "timeseries",
            N_("Consumption per meter"),
            N_("kWh per interval, from hourly consumption."),
            [
                target(
                    f'SELECT sum("kwh") FROM "{Measurement.CONSUMPTION}" WHERE {meters} '
                    'AND "medium" =~ /^$medium$/ AND $timeFilter '
                    f'GROUP BY time($__interval), "meter" fill(none) {tz}',
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
            N_("Mean load per meter"),
            N_("Average power over each interval, from hourly consumption."),
            [
                target(
                    f'SELECT mean("kwh") FROM "{Measurement.CONSUMPTION}" WHERE {meters} '
                    'AND "medium" =~ /^$medium$/ AND $timeFilter '
                    f'GROUP BY time($__interval), "meter" fill(none) {tz}',
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
            N_("Indoor temperature"),
            N_("Mean per interval; the shaded band is 20–23 °C."),
            [
                target(
                    f'SELECT mean("temperature_c") FROM "{Measurement.READINGS}" '
                    """WHERE "building" =~ /^$building$/ AND "medium" = 'indoor_temperature' """
                    "AND $timeFilter "
                    f'GROUP BY time($__interval), "meter" fill(none) {tz}',
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
            N_("Findings for this building"),
            N_("The newest evaluation of each finding in the time range, every kind."),
            [
                target(
                    'SELECT last("title") AS "finding", last("severity_rank") AS "rank" '
                    f'FROM "{Measurement.FINDINGS}" WHERE "building" =~ /^$building$/ AND '
                    "$timeFilter "
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
        BUILDING_UID,
        N_("enms · Building detail"),
        N_(
            "One building and one of its EnPIs: actual against expected, CUSUM, energy "
            "signature, the weather, meters, indoor climate and findings."
        ),
        variables=[SITE, ONE_BUILDING, ONE_ENPI, MEDIUM, METER],
        layout=layout,
        time_from="now-90d",
        zone=zone,
    )
