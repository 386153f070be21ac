"""Grafana dashboard JSON from Python: queries, template variables, panels and a grid layout.

What every enms dashboard shares (the datasource uid, the template variables, the local-day
grouping), so each ``dashboards_*.py`` states only its panels. Measurement names come from
``core.schema``; tests/dashboards/ checks every other name a query uses against it and runs
every query against a real InfluxDB.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.i18n import N_
from core.schema import Measurement

DATASOURCE = {"type": "influxdb", "uid": "enms-influxdb"}
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
        "refresh": 1,  # on dashboard load
        "sort": 1,
        "multi": multi,
        "includeAll": multi,
        **({"allValue": ".*"} if multi else {}),
        "current": {},
        "options": [],
        "hide": 0,
    }


SITE = variable(
    "site", N_("Site"), f'SHOW TAG VALUES FROM "{Measurement.READINGS}" WITH KEY = "site"'
)
BUILDING = variable(
    "building",
    N_("Building"),
    f'SHOW TAG VALUES FROM "{Measurement.READINGS}" WITH KEY = "building" WHERE "site" =~ '
    "/^$site$/",
)
ONE_BUILDING = variable(
    "building",
    N_("Building"),
    f'SHOW TAG VALUES FROM "{Measurement.READINGS}" WITH KEY = "building" WHERE "site" =~ '
    "/^$site$/",
    multi=False,
)
MEDIUM = variable(
    "medium",
    N_("Medium"),
    f'SHOW TAG VALUES FROM "{Measurement.CONSUMPTION}" WITH KEY = "medium" WHERE "building" =~ '
    "/^$building$/",
)
ONE_ENPI = variable(
    "enpi",
    N_("EnPI"),
    f'SHOW TAG VALUES FROM "{Measurement.ENPI}" WITH KEY = "enpi" WHERE "building" =~ '
    "/^$building$/",
    multi=False,
)
METER = variable(
    "meter",
    N_("Meter"),
    f'SHOW TAG VALUES FROM "{Measurement.READINGS}" WITH KEY = "meter" WHERE "building" =~ '
    "/^$building$/",
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


def tz_clause(zone: str) -> str:
    """InfluxQL's local-calendar grouping: days and hours start at local midnight in ``zone``."""
    return f"tz('{zone}')"


def dashboard(
    uid: str,
    title: str,
    description: str,
    *,
    variables: list[Json],
    layout: Layout,
    time_from: str,
    zone: str,
) -> Json:
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["enms", "ISO 50001"],
        "timezone": zone,
        "editable": False,
        "graphTooltip": 1,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "5m",
        "time": {"from": time_from, "to": "now"},
        "templating": {"list": variables},
        "annotations": {"list": []},
        "links": [
            {
                "type": "dashboards",
                "tags": ["enms"],
                "asDropdown": True,
                "title": "enms",
                "includeVars": True,  # a building chosen here stays chosen there
                "keepTime": True,
            },
        ],
        "panels": layout.panels,
    }


#: the building detail's uid, the target of links from the overview and from findings
BUILDING_UID = "enms-building"


def building_link(field: str = "building") -> Json:
    """A data link from a row's building to that building's detail, keeping the time range."""
    return {
        "title": N_("Building detail"),
        "url": f"/d/{BUILDING_UID}/?var-building=${{__data.fields.{field}}}&${{__url_time_range}}",
    }


def linked(field: str) -> Json:
    """A field override giving the column ``field`` the link to its building's detail."""
    return {
        "matcher": {"id": "byName", "options": field},
        "properties": [{"id": "links", "value": [building_link(field)]}],
    }


def findings_table(
    title: str,
    description: str,
    where: str,
    columns: str,
    group: str,
    *,
    overrides: list[Json] | None = None,
) -> Json:
    """A table of the newest finding per ``group`` matching ``where`` in the time range: its
    title and the metric ``columns``, each building linked to its detail."""
    return panel(
        "table",
        title,
        description,
        [
            target(
                f'SELECT last("title") AS "finding", {columns} FROM "{Measurement.FINDINGS}" '
                f"WHERE {where} AND $timeFilter GROUP BY {group}",
                table=True,
            )
        ],
        options=TABLE_OPTIONS,
        transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True}}}],
        extra={
            "fieldConfig": {"defaults": {}, "overrides": [linked("building"), *(overrides or [])]}
        },
    )


def count_alarm(color: str) -> Json:
    """A count that shows 0 when nothing is found and turns ``color`` from 1."""
    steps = [{"color": "green", "value": None}, {"color": color, "value": 1}]
    thresholds = {"mode": "absolute", "steps": steps}
    return {
        "fieldConfig": {"defaults": {"noValue": "0", "thresholds": thresholds}, "overrides": []}
    }


def alarm_count(title: str, description: str, query: str, color: str) -> Json:
    """A stat panel counting what ``query`` finds: 0 when nothing, ``color`` from 1."""
    return panel(
        "stat",
        title,
        description,
        [target(query)],
        options={"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "background"},
        extra=count_alarm(color),
    )


BARS = {"drawStyle": "bars", "fillOpacity": 80, "stacking": {"mode": "normal", "group": "A"}}
TABLE_OPTIONS = {"showHeader": True, "cellHeight": "sm"}
