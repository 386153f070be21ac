"""Findings kept in the store for Grafana (DESIGN §3).

One point per finding in the ``findings`` measurement, stamped with the time of the evaluation:
the newest evaluation of a period is what its dashboards show. Tags say what the finding is
about (plugin, kind, severity, the period, and the building, site or meter it concerns);
fields carry its title, a severity rank for sorting, and each number among its metrics as
``metric_<name>`` (a carrier's cost, kWh, t CO2e ...).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from core.schema import FindingField, Measurement, Tag, metric_field
from core.storage.points import Point
from plugins.findings import Finding, Severity

#: scope levels that become a tag of their own, named like the readings' tags
SCOPE_TAGS = (Tag.SITE, Tag.BUILDING, Tag.SEU, Tag.METER, Tag.ENPI)
SEVERITY_RANK = {Severity.INFO: 0, Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3}


def finding_points(
    findings: Sequence[Finding], now_ns: int, meter_buildings: Mapping[str, str]
) -> list[Point]:
    """The points of ``findings``; a meter's finding is tagged with its building too."""
    points = []
    for finding in findings:
        tags: dict[str, str] = {
            Tag.PLUGIN: finding.plugin,
            Tag.FINDING: finding.id,
            Tag.KIND: finding.kind.value,
            Tag.SEVERITY: finding.severity.value,
            Tag.PERIOD: finding.period,
            Tag.SCOPE: finding.scope.level,
        }
        level, scope_id = finding.scope.level, finding.scope.id
        if scope_id is not None and level in SCOPE_TAGS:
            tags[level] = scope_id
            if level == "meter" and scope_id in meter_buildings:
                tags[Tag.BUILDING] = meter_buildings[scope_id]
        fields: dict[str, float | int | bool | str] = {
            FindingField.TITLE: finding.title,
            FindingField.SEVERITY_RANK: SEVERITY_RANK[finding.severity],
            FindingField.REVIEW_INPUT: finding.review_input.value,
        }
        for key, value in finding.metrics.items():  # numbers a dashboard can show: cost, kWh
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if number and math.isfinite(value):
                fields[metric_field(key)] = float(value)
        points.append(Point(Measurement.FINDINGS, tags, fields, now_ns))
    return points
