"""How one building uses energy over the day and the year: hour-by-day heatmap, load-duration
curve, base load against the working day, and this year's months against last year's and the
baseline year's.

The hourly panels read the ``consumption`` points of the building's main meters (sub-meters are
inside them), which carry each hour's local hour of day and weekday; the monthly bars read the
``enpi_month`` points of the chosen EnPI.
"""

from __future__ import annotations

from grafana import (
    KW,
    KWH,
    MEDIUM,
    ONE_BUILDING,
    ONE_ENPI,
    SITE,
    Json,
    Layout,
    dashboard,
    panel,
    target,
    tz_clause,
)

from core.i18n import N_
from core.schema import Measurement

#: the hours a base load is read from: the middle of the night, when nearly every building
#: but a 24-hour one is empty, and the core of a working day (local hours, end excluded)
NIGHT = (1, 5)
WORKING_DAY = (8, 16)
#: "outside opening hours" on this dashboard: weekends and weekdays before 07 or from 18
OPEN = (7, 18)


def _hours(first: int, end: int) -> str:
    return f'"hour" >= {first} AND "hour" < {end}'


def load_profile(zone: str) -> Json:
    tz = tz_clause(zone)
    where = (
        '"building" =~ /^$building$/ AND "medium" =~ /^$medium$/ AND "parent" = \'\' '
        "AND $timeFilter"
    )
    hourly = f'SELECT sum("kwh") AS "kW" FROM "{Measurement.CONSUMPTION}" WHERE {where}'
    layout = Layout()
    layout.add(
        panel(
            "heatmap",
            N_("Consumption by hour of day and day"),
            N_(
                "kWh in each local hour ({zone}) of each day: a building running at night or on "
                "weekends shows as a band across the dark hours."
            ),
            [
                target(
                    f'SELECT sum("kwh") FROM "{Measurement.CONSUMPTION}" WHERE {where} '
                    f'AND "hour" = {hour} GROUP BY time(1d) fill(none) {tz}',
                    _ref(hour),
                    alias=f"{hour:02d}",
                )
                for hour in range(24)
            ],
            options={
                "calculate": False,
                "rowsFrame": {"layout": "auto", "value": "kWh"},
                "yAxis": {"axisPlacement": "left", "reverse": True, "unit": "none"},
                "color": {"mode": "scheme", "scheme": "Oranges", "steps": 64, "fill": "dark"},
                "cellGap": 1,
                "cellValues": {"unit": KWH},
                "showValue": "never",
                "legend": {"show": True},
                "tooltip": {"mode": "single", "yHistogram": False},
            },
            extra={"interval": "1d"},
        ),
        24,
        10,
    )
    layout.add(
        panel(
            "trend",
            N_("Load-duration curve"),
            N_(
                "Every hour's mean power, highest first, against the share of hours: the left "
                "end is the peak, the flat right end the base load."
            ),
            [
                target(
                    f"{hourly} GROUP BY time(1h) fill(none) {tz}",
                    table=True,
                )
            ],
            unit=KW,
            options={"xField": "share of hours", "legend": {"showLegend": False}},
            transformations=[
                {"id": "sortBy", "options": {"sort": [{"field": "kW", "desc": True}]}},
                {
                    "id": "calculateField",
                    "options": {
                        "mode": "index",
                        "index": {"asPercentile": True},
                        "alias": "share of hours",
                    },
                },
                {"id": "organize", "options": {"excludeByName": {"Time": True}}},
            ],
        ),
        12,
        9,
    )
    night, day = _hours(*NIGHT), _hours(*WORKING_DAY)
    outside = f'("weekday" >= 6 OR "hour" < {OPEN[0]} OR "hour" >= {OPEN[1]})'
    mean_of = (
        'SELECT mean("kW") AS "{name}" FROM ({hourly} AND {when} GROUP BY time(1h) fill(none) '
        f"{tz})"
    )
    layout.add(
        panel(
            "stat",
            N_("Base load"),
            N_(
                "Mean power at night (01–05) and on weekends against weekdays 08–16, and the "
                "share of the kWh used outside weekdays 07–18. A night level close to the "
                "working day's is ventilation, lighting or heating left running."
            ),
            [
                target(mean_of.format(name="night kW", hourly=hourly, when=night), "A"),
                target(
                    mean_of.format(name="weekend kW", hourly=hourly, when='"weekday" >= 6'), "B"
                ),
                target(
                    mean_of.format(
                        name="weekday 08–16 kW", hourly=hourly, when=f'"weekday" <= 5 AND {day}'
                    ),
                    "C",
                ),
                target(
                    f'SELECT sum("kwh") AS "kWh outside 07–18" FROM "{Measurement.CONSUMPTION}" '
                    f"WHERE {where} AND {outside}",
                    "D",
                ),
                target(
                    f'SELECT sum("kwh") AS "kWh" FROM "{Measurement.CONSUMPTION}" WHERE {where}',
                    "E",
                ),
            ],
            unit=KW,
            options={
                "reduceOptions": {"calcs": ["lastNotNull"]},
                "textMode": "value_and_name",
                "colorMode": "none",
            },
            transformations=[
                {"id": "merge", "options": {}},
                {
                    "id": "calculateField",
                    "options": {
                        "mode": "binary",
                        "binary": {
                            "left": "kWh outside 07–18",
                            "operator": "/",
                            "right": "kWh",
                        },
                        "alias": "share outside 07–18",
                        "replaceFields": False,
                    },
                },
                {"id": "organize", "options": {"excludeByName": {"Time": True}}},
            ],
            extra={
                "fieldConfig": {
                    "defaults": {"unit": KW},
                    "overrides": [
                        {
                            "matcher": {"id": "byRegexp", "options": "^kWh"},
                            "properties": [{"id": "unit", "value": KWH}],
                        },
                        {
                            "matcher": {"id": "byName", "options": "share outside 07–18"},
                            "properties": [{"id": "unit", "value": "percentunit"}],
                        },
                    ],
                }
            },
        ),
        12,
        9,
    )
    layout.add(
        panel(
            "barchart",
            N_("Months against last year and the baseline year"),
            N_(
                "The EnPI's kWh per month over the last twelve months, beside the same days a "
                "year earlier and in the baseline period (a month still running is compared "
                "over its days so far)."
            ),
            [
                target(
                    'SELECT last("actual_kwh") AS "this year", last("last_year_kwh") AS '
                    '"last year", last("baseline_year_kwh") AS "baseline year" '
                    f'FROM "{Measurement.ENPI_MONTH}" WHERE "building" =~ /^$building$/ AND '
                    '"enpi" =~ /^$enpi$/ AND $timeFilter '
                    f"GROUP BY time(1d) fill(none) {tz}",
                    table=True,
                )
            ],
            unit=KWH,
            options={
                "xField": "Time",
                "orientation": "vertical",
                "showValue": "never",
                "groupWidth": 0.7,
                "barWidth": 0.95,
                "xTickLabelRotation": 0,
            },
            extra={
                "timeFrom": "1y",
                "fieldConfig": {
                    "defaults": {"unit": KWH},
                    "overrides": [
                        {
                            "matcher": {"id": "byName", "options": "Time"},
                            "properties": [{"id": "unit", "value": "time:YYYY-MM"}],
                        }
                    ],
                },
            },
        ),
        24,
        9,
    )
    return dashboard(
        "enms-load",
        N_("enms · Load profile"),
        N_(
            "When one building uses its energy: by hour and day, as a load-duration curve, "
            "night and weekend against the working day, and month by month against earlier "
            "years."
        ),
        variables=[SITE, ONE_BUILDING, ONE_ENPI, MEDIUM],
        layout=layout,
        time_from="now-90d",
        zone=zone,
    )


def _ref(hour: int) -> str:
    """Grafana's query letters A..X for the 24 hours."""
    return chr(ord("A") + hour)
