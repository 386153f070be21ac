"""The collector-health dashboard: is every meter being read?"""

from __future__ import annotations

from grafana import (
    BARS,
    BUILDING,
    SITE,
    TABLE_OPTIONS,
    Json,
    Layout,
    alarm_count,
    dashboard,
    panel,
    target,
)

from core.i18n import N_
from core.schema import Measurement


def collector_health(zone: str) -> Json:
    where = '"building" =~ /^$building$/'
    layout = Layout()
    layout.add(
        alarm_count(
            N_("Sources offline"),
            N_(
                "Meters and topics whose newest health report says offline (3 failed reads in a "
                "row)."
            ),
            'SELECT count("online") FROM (SELECT last("online") AS "online" FROM '
            f'"{Measurement.COLLECTOR_HEALTH}" WHERE {where} AND $timeFilter GROUP BY "source") '
            'WHERE "online" = false',
            "red",
        ),
        6,
        5,
    )
    layout.add(
        panel(
            "stat",
            N_("Spooled readings"),
            N_("Readings kept in the durable spool because the store did not take them yet."),
            [
                target(
                    f'SELECT last("spool_readings") FROM "{Measurement.DAEMON}" WHERE $timeFilter'
                )
            ],
            options={"reduceOptions": {"calcs": ["lastNotNull"]}},
        ),
        6,
        5,
    )
    layout.add(
        panel(
            "timeseries",
            N_("Readings per second"),
            N_("Received by the collectors and written to the store, between health reports."),
            [
                target(
                    'SELECT non_negative_derivative("readings_received", 1s) AS "received", '
                    'non_negative_derivative("readings_written", 1s) AS "written" '
                    f'FROM "{Measurement.DAEMON}" WHERE $timeFilter',
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
            N_("Failed reads per source"),
            N_("Failed reads between consecutive health reports."),
            [
                target(
                    'SELECT non_negative_difference("failures") FROM '
                    f'"{Measurement.COLLECTOR_HEALTH}" '
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
            N_("Queue and spool"),
            N_("Readings waiting in memory and in the spool."),
            [
                target(
                    'SELECT last("queue_depth") AS "queue", last("spool_readings") AS "spool" '
                    f'FROM "{Measurement.DAEMON}" WHERE $timeFilter GROUP BY time($__interval) '
                    "fill(none)",
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
            N_("Last seen per source"),
            N_("Newest health report of every meter (Modbus) and topic (MQTT)."),
            [
                target(
                    'SELECT last("online") AS "online", last("seconds_since_success") AS '
                    '"s since success", last("consecutive_failures") AS "failures in a row", '
                    'last("latency_ms") AS "latency ms", last("last_error") AS "last error" '
                    f'FROM "{Measurement.COLLECTOR_HEALTH}" WHERE {where} AND $timeFilter '
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
            N_("Errors by kind"),
            N_(
                "Read errors counted per kind since the daemon started (timeout, refused, "
                "decode ...)."
            ),
            [
                target(
                    f'SELECT last(/^errors_/) FROM "{Measurement.COLLECTOR_HEALTH}" '
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
        N_("enms · Collector health"),
        N_("Is every meter being read? Readings per second, errors, spool and last seen."),
        variables=[SITE, BUILDING],
        layout=layout,
        time_from="now-24h",
        zone=zone,
    )
