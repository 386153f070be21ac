"""The management system around the energy data: what the quality coordinator watches.

Every panel reads the ``findings`` the daemon's scheduled evaluations store, one plugin each:
the internal control plan, the compliance register, the energy review's proposed significant
uses, the targets with their PDCA phase, and the users' feedback per building.
"""

from __future__ import annotations

from grafana import BUILDING, SITE, Json, Layout, alarm_count, dashboard, findings_table

from core.i18n import N_
from core.schema import Measurement


def _findings_table(title: str, description: str, plugin: str, columns: str, group: str) -> Json:
    return findings_table(title, description, f"\"plugin\" = '{plugin}'", columns, group)


def management_system(zone: str) -> Json:
    layout = Layout()
    layout.add(
        alarm_count(
            N_("Controls overdue or deviating"),
            N_(
                "Control points of the internal control plan that are overdue or found a deviation."
            ),
            'SELECT count("rank") FROM (SELECT last("severity_rank") AS "rank" FROM '
            f'"{Measurement.FINDINGS}" WHERE "plugin" = \'internal_control\' AND '
            '"finding" =~ /^control\\./ AND "kind" = \'deviation\' AND $timeFilter '
            'GROUP BY "finding")',
            "orange",
        ),
        8,
        5,
    )
    layout.add(
        alarm_count(
            N_("Compliance nonconformities"),
            N_("Expired energy declarations and other legal requirements not met."),
            'SELECT count("rank") FROM (SELECT last("severity_rank") AS "rank" FROM '
            f'"{Measurement.FINDINGS}" WHERE "plugin" = \'compliance\' AND '
            '"kind" = \'nonconformity\' AND $timeFilter GROUP BY "finding")',
            "red",
        ),
        8,
        5,
    )
    layout.add(
        alarm_count(
            N_("Proposed significant energy uses"),
            N_("Uses past the energy review's threshold that nobody has decided on."),
            'SELECT count("rank") FROM (SELECT last("severity_rank") AS "rank" FROM '
            f'"{Measurement.FINDINGS}" WHERE "plugin" = \'energy_review\' AND '
            '"finding" =~ /^seu-proposed\\./ AND $timeFilter GROUP BY "finding")',
            "yellow",
        ),
        8,
        5,
    )
    layout.add(
        _findings_table(
            N_("Internal control plan"),
            N_("Each control point's newest result: performed, deviation found or overdue."),
            "internal_control",
            'last("metric_overdue") AS "overdue", last("metric_due") AS "due"',
            '"finding", "kind"',
        ),
        12,
        8,
    )
    layout.add(
        _findings_table(
            N_("Compliance register"),
            N_(
                "Energy declarations (expiry, primärenergital measured against declared) and "
                "legal requirements overdue for review."
            ),
            "compliance",
            'last("metric_measured") AS "measured", last("metric_declared") AS "declared"',
            '"finding", "kind", "building"',
        ),
        12,
        8,
    )
    layout.add(
        _findings_table(
            N_("Targets and action plans with their PDCA phase"),
            N_(
                "Each target against its EnPI and each action plan, with the PDCA phase derived "
                "from the records and the data."
            ),
            "targets",
            'last("metric_pdca") AS "PDCA", last("metric_improvement_pct") AS "improvement %"',
            '"finding", "kind"',
        ),
        12,
        8,
    )
    layout.add(
        _findings_table(
            N_("Energy review"),
            N_("Proposed significant energy uses and decisions due for review."),
            "energy_review",
            'last("metric_share") AS "share", last("metric_kwh") AS "kWh"',
            '"finding", "kind", "building"',
        ),
        12,
        8,
    )
    layout.add(
        _findings_table(
            N_("Feedback per building"),
            N_(
                "Synpunkter received per building in the evaluated period, against the period "
                "before, and those unanswered too long."
            ),
            "feedback",
            'last("metric_received") AS "received", last("metric_received_before") AS '
            '"the period before"',
            '"finding", "kind", "building"',
        ),
        24,
        7,
    )
    return dashboard(
        "enms-management",
        N_("enms · Management system"),
        N_(
            "The management system around the energy data: internal control, compliance, the "
            "energy review, targets with their PDCA phase, and the users' feedback."
        ),
        variables=[SITE, BUILDING],
        layout=layout,
        time_from="now-90d",
        zone=zone,
    )
