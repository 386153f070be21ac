"""The portfolio overview: consumption, kWh/m² ranking, EnPI improvement and findings."""

from __future__ import annotations

from grafana import (
    BARS,
    BUILDING,
    KWH,
    KWH_PER_M2,
    MEDIUM,
    SEK,
    SITE,
    TABLE_OPTIONS,
    Json,
    Layout,
    alarm_count,
    building_link,
    dashboard,
    findings_table,
    linked,
    panel,
    target,
    tz_clause,
)

from core.i18n import N_
from core.schema import Measurement


def portfolio_overview(zone: str) -> Json:
    tz = tz_clause(zone)
    # main meters only: a sub-meter's consumption (tagged with its parent) is in its parent's
    where = (
        '"site" =~ /^$site$/ AND "building" =~ /^$building$/ AND "medium" =~ /^$medium$/ '
        "AND \"parent\" = ''"
    )
    layout = Layout()
    layout.add(
        panel(
            "stat",
            N_("Consumption in the time range"),
            N_(
                "Sum of hourly consumption per medium (derived from the meters' registers; "
                "sub-meters are inside their main meters)."
            ),
            [
                target(
                    f'SELECT sum("kwh") FROM "{Measurement.CONSUMPTION}" WHERE {where} AND '
                    "$timeFilter "
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
        alarm_count(
            N_("Deviations and nonconformities"),
            N_(
                "Findings of kind deviation or nonconformity in the evaluations of the time range "
                "(the daemon's scheduled ones, or enms evaluate --store), each counted once per "
                "period evaluated."
            ),
            'SELECT count("rank") FROM (SELECT last("severity_rank") AS "rank" '
            f'FROM "{Measurement.FINDINGS}" WHERE "kind" =~ /^(nonconformity|deviation)$/ '
            'AND "building" =~ /^$building$/ AND $timeFilter '
            'GROUP BY "plugin", "finding", "period")',
            "orange",
        ),
        8,
        5,
    )
    layout.add(
        panel(
            "timeseries",
            N_("Consumption per day, building and medium"),
            N_("Local days ({zone}), stacked."),
            [
                target(
                    f'SELECT sum("kwh") FROM "{Measurement.CONSUMPTION}" WHERE {where} AND '
                    "$timeFilter "
                    f'GROUP BY time(1d), "building", "medium" fill(none) {tz}',
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
            N_("kWh/m² Atemp per building"),
            N_(
                "Every kWh carrier of each building's main meters over the time range (each kWh "
                "once: sub-meters are inside their main meters) divided by its heated area "
                "(Atemp), highest first: the management review's ranking. Click a bar for the "
                "building."
            ),
            [
                target(
                    f'SELECT sum("kwh_per_m2") AS "kWh/m²" FROM "{Measurement.CONSUMPTION}" '
                    f'WHERE {where} AND $timeFilter GROUP BY "building"',
                    table=True,
                )
            ],
            unit=KWH_PER_M2,
            options={"orientation": "horizontal", "xField": "building", "showValue": "always"},
            transformations=[
                {"id": "sortBy", "options": {"sort": [{"field": "kWh/m²", "desc": True}]}},
            ],
            extra={
                "fieldConfig": {
                    "defaults": {"unit": KWH_PER_M2, "links": [building_link()]},
                    "overrides": [],
                }
            },
        ),
        12,
        9,
    )
    layout.add(
        panel(
            "table",
            N_("EnPI status: improvement against the baseline"),
            N_(
                "Reporting days in the time range: actual and expected (baseline model) "
                "consumption, improvement in per cent of expected, and CUSUM at the end."
            ),
            [
                target(
                    'SELECT sum("actual_kwh") AS "actual kWh", sum("expected_kwh") AS '
                    '"expected kWh", -100 * sum("residual_kwh") / sum("expected_kwh") AS '
                    f'"improvement %", last("cusum_kwh") AS "CUSUM kWh" FROM "{Measurement.ENPI}" '
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
            N_("Yearly EnPIs (normal-year corrected where configured)"),
            N_("Complete calendar years only."),
            [
                target(
                    'SELECT "actual_kwh" AS "kWh", "actual_kwh_per_m2" AS "kWh/m²", '
                    '"normal_year_corrected_kwh_per_m2" AS "normal-year kWh/m²", '
                    f'"heating_degree_days" AS "degree days" FROM "{Measurement.ENPI_YEAR}" '
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
            N_("Deviations and nonconformities found"),
            N_("The newest evaluation of each finding in the time range."),
            [
                target(
                    'SELECT last("title") AS "finding", last("severity_rank") AS "rank" '
                    f'FROM "{Measurement.FINDINGS}" WHERE "kind" =~ /^(nonconformity|deviation)$/ '
                    'AND "building" =~ /^$building$/ AND $timeFilter '
                    'GROUP BY "plugin", "kind", "severity", "period", "building", "finding"',
                    table=True,
                )
            ],
            options={**TABLE_OPTIONS, "sortBy": [{"displayName": "rank", "desc": True}]},
            extra={"fieldConfig": {"defaults": {}, "overrides": [linked("building")]}},
        ),
        12,
        8,
    )
    layout.add(
        findings_table(
            N_("Buildings against their category and reference"),
            N_(
                "Each building's kWh/m² Atemp over the last twelve months (normal-year "
                "corrected where they are a calendar year) against its category's median and "
                "the reference value, with the kWh at stake, from the comparisons evaluation."
            ),
            "\"plugin\" = 'comparisons'",
            'last("metric_corrected_kwh_per_m2") AS "kWh/m²", last("metric_reference") AS '
            '"reference", last("metric_kwh_at_stake_to_reference") AS "kWh at stake"',
            '"kind", "building"',
        ),
        24,
        7,
    )
    layout.add(
        findings_table(
            N_("Service commitments kept"),
            N_(
                "Each kvalitetsdeklaration per building in the evaluations of the time range: "
                "the share of hours (or fault reports) that met it against the share promised; "
                "a broken one is a nonconformity."
            ),
            '"plugin" = \'commitments\' AND "building" =~ /^$building$/',
            'last("metric_share") AS "kept", last("metric_kept_share") AS "promised"',
            '"kind", "building", "finding"',
            overrides=[
                {
                    "matcher": {"id": "byRegexp", "options": "^(kept|promised)$"},
                    "properties": [{"id": "unit", "value": "percentunit"}],
                }
            ],
        ),
        24,
        7,
    )
    layout.add(
        findings_table(
            N_("Feedback checked against the sensors"),
            N_(
                "Complaints about the indoor temperature (synpunkter) in the evaluations of the "
                "time range, each with what the building's sensors showed when it came in: "
                "confirmed ones are nonconformities. Click a building for its detail."
            ),
            '"plugin" = \'feedback\' AND "finding" =~ /^feedback\\.\\d+$/ AND '
            '"building" =~ /^$building$/',
            'last("metric_temperature_c") AS "°C"',
            '"kind", "building", "finding"',
        ),
        24,
        7,
    )
    layout.add(
        panel(
            "table",
            N_("Cost and emissions per energy carrier"),
            N_(
                "From the cost_co2 evaluation of each period (main meters; prices and emission "
                "factors of each month's year, from the configuration)."
            ),
            [
                target(
                    'SELECT last("metric_kwh") AS "kWh", last("metric_cost") AS "cost", '
                    f'last("metric_co2_t") AS "t CO2e" FROM "{Measurement.FINDINGS}" WHERE '
                    '"plugin" = '
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
        N_("enms · Portfolio overview"),
        N_("Consumption, kWh/m² ranking, EnPI improvement and findings of the whole portfolio."),
        variables=[SITE, BUILDING, MEDIUM],
        layout=layout,
        time_from="now-90d",
        zone=zone,
    )
