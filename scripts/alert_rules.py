"""Grafana alert rules, provisioned from a file like the dashboards.

Four rules, each an InfluxQL query on what enms stores, reduced to one number per series and
compared with a threshold by Grafana's server-side expressions:

- a meter or topic not read successfully for ``alerts.meter_offline_after_min`` minutes, or
  never since the daemon first tried (and no health reports at all: the daemon itself stopped
  -- Grafana's "no data" state);
- the spool growing over ``alerts.spool_growing_for_min`` minutes: the store is not taking
  readings as fast as they arrive;
- an EnPI's CUSUM crossing its decision interval upwards (the enpi_deviation plugin's
  nonconformity, from the daemon's scheduled evaluations);
- a service commitment (kvalitetsdeklaration) broken: the commitments plugin's nonconformity
  -- an indoor temperature, hot water against legionella, ventilation, answers in time.

The rules notify through the organisation's default notification policy; which contact point
that is (e-mail, Teams, a webhook ...) is the site's to configure (README, "Alerts").
"""

from __future__ import annotations

from grafana import DATASOURCE, Json

from core.config.models import EnmsConfig
from core.i18n import N_
from core.schema import Measurement

EXPRESSIONS = "__expr__"
FOLDER = "enms"


def _query(ref: str, query: str, seconds: int) -> Json:
    return {
        "refId": ref,
        "relativeTimeRange": {"from": seconds, "to": 0},
        "datasourceUid": DATASOURCE["uid"],
        "model": {
            "refId": ref,
            "datasource": DATASOURCE,
            "rawQuery": True,
            "query": " ".join(query.split()),
            "resultFormat": "time_series",
        },
    }


def _expression(ref: str, model: Json) -> Json:
    return {
        "refId": ref,
        "relativeTimeRange": {"from": 0, "to": 0},
        "datasourceUid": EXPRESSIONS,
        "model": {"refId": ref, "datasource": {"type": "__expr__", "uid": EXPRESSIONS}, **model},
    }


def rule(
    uid: str,
    title: str,
    summary: str,
    query: str,
    *,
    seconds: int,
    above: float,
    no_data: str = "OK",
    wait: str = "0m",
) -> Json:
    """A rule firing for each series whose last value in the last ``seconds`` is above
    ``above``."""
    return {
        "uid": uid,
        "title": title,
        "condition": "C",
        "data": [
            _query("A", query, seconds),
            _expression("B", {"type": "reduce", "expression": "A", "reducer": "last"}),
            _expression(
                "C",
                {
                    "type": "threshold",
                    "expression": "B",
                    "conditions": [{"evaluator": {"type": "gt", "params": [above]}}],
                },
            ),
        ],
        "noDataState": no_data,
        "execErrState": "Error",
        "for": wait,
        "annotations": {"summary": summary},
        "labels": {"source": "enms"},
        "isPaused": False,
    }


def _findings(plugin: str, kind: str, finding: str = ".*") -> str:
    """New findings of ``plugin`` and ``kind`` in the rule's window, per finding."""
    return (
        f'SELECT count("severity_rank") FROM "{Measurement.FINDINGS}" WHERE "plugin" = '
        f"'{plugin}' AND \"kind\" = '{kind}' AND \"finding\" =~ /^{finding}$/ AND $timeFilter "
        'GROUP BY "finding", "building"'
    )


def alert_rules(config: EnmsConfig) -> Json:
    """The provisioning file's content for ``config``'s thresholds and evaluation schedule."""
    alerts = config.alerts
    offline_s = alerts.meter_offline_after_min * 60
    # an evaluation's findings are stamped when it ran: look back two evaluation intervals
    evaluations_s = int(2 * config.daemon.evaluation_interval_s)
    rules = [
        rule(
            "enms-meter-offline",
            N_("enms: meter offline"),
            N_(
                "{{ $labels.source }} in {{ $labels.building }} has not been read successfully "
                "for {{ $values.B }} s."
            ),
            'SELECT last("seconds_unread") FROM '
            f'"{Measurement.COLLECTOR_HEALTH}" WHERE $timeFilter GROUP BY "source", "building"',
            seconds=offline_s + 900,
            above=offline_s,
            no_data="NoData",  # no health report at all: the daemon is not running
        ),
        rule(
            "enms-spool-growing",
            N_("enms: spool growing"),
            N_(
                "The spool grew by {{ $values.B }} readings: the store is not taking readings "
                "as fast as they arrive."
            ),
            'SELECT last("spool_readings") - first("spool_readings") FROM '
            f'"{Measurement.DAEMON}" WHERE $timeFilter',
            seconds=alerts.spool_growing_for_min * 60,
            above=0,
        ),
        rule(
            "enms-cusum-deviation",
            N_("enms: EnPI above its baseline (CUSUM)"),
            N_(
                "{{ $labels.finding }}: the CUSUM of consumption above the baseline crossed "
                "its decision interval: a nonconformity to handle in the register."
            ),
            _findings("enpi_deviation", "nonconformity"),
            seconds=evaluations_s,
            above=0,
        ),
        rule(
            "enms-commitment-broken",
            N_("enms: service commitment broken"),
            N_(
                "{{ $labels.finding }}: a kvalitetsdeklaration (indoor temperature, hot water, "
                "ventilation, answers) was not kept in the period evaluated."
            ),
            _findings("commitments", "nonconformity", r"commitment\..*"),
            seconds=evaluations_s,
            above=0,
        ),
    ]
    return {
        "apiVersion": 1,
        "groups": [
            {"orgId": 1, "name": "enms", "folder": FOLDER, "interval": "5m", "rules": rules}
        ],
    }
