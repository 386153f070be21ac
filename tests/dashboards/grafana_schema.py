"""Check provisioned Grafana JSON against Grafana's own schemas for the pinned version.

No Grafana server runs here, so a misspelt option would only show when Grafana starts. The
schemas come from ``grafana-foundation-sdk`` (Grafana Labs' code generated from Grafana's CUE
kinds), whose version pins the Grafana release docker-compose.yml runs (11.3). Each object is
read with the SDK's ``from_json`` and written back with ``to_json``: a key that does not come
back is a name Grafana's schema does not have, and a value the schema's enums refuse raises.

The SDK has no model for the InfluxDB query or for the transformations' ids, so those are
checked against the lists below, taken from Grafana 11.3's sources
(public/app/plugins/datasource/influxdb/types.ts, packages/grafana-data/src/transformations/
transformers/ids.ts).
"""

from __future__ import annotations

import enum
import importlib
import re
import types
import typing
from typing import Any

from grafana_foundation_sdk.models import alerting, dashboard

#: the InfluxQL query model's fields (InfluxQuery) the dashboards use
INFLUX_QUERY = {"refId", "datasource", "rawQuery", "query", "resultFormat", "alias", "hide"}
#: Grafana 11.3's transformer ids the dashboards may use
TRANSFORMS = {
    "calculateField", "merge", "organize", "sortBy", "joinByField", "groupingToMatrix",
    "filterFieldsByName", "reduce", "seriesToRows", "convertFieldType",
}  # fmt: skip
#: core panel plugins of Grafana 11.3 with a schema in the SDK
PANELS = {
    "barchart", "bargauge", "gauge", "heatmap", "histogram", "piechart", "stat",
    "statetimeline", "statushistory", "table", "text", "timeseries", "trend", "xychart",
}  # fmt: skip


def _choices(annotation: Any) -> set[str] | None:
    """The values an enum or Literal annotation (optional or not) allows, else None."""
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return {str(member.value) for member in annotation}
    if typing.get_origin(annotation) is typing.Literal:
        return {str(value) for value in typing.get_args(annotation)}
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for inner in typing.get_args(annotation):
            found = _choices(inner)
            if found is not None:
                return found
    return None


def _attribute(key: str) -> str:
    """The SDK's attribute of a JSON key: snake case, and Python keywords suffixed."""
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()
    return {"for": "for_val", "id": "id_val", "type": "type_val"}.get(name, name)


def _unknown(model: Any, data: Any, path: str) -> list[str]:
    """Keys of ``data`` that ``model`` (a generated class) does not read back, and values its
    enums do not allow."""
    if not isinstance(data, dict):
        return []
    parsed = model.from_json(data)
    written = parsed.to_json()
    hints = typing.get_type_hints(model)
    problems = []
    for key, value in data.items():
        if key not in written:
            problems.append(f"{path}.{key}")
            continue
        allowed = _choices(hints.get(_attribute(key)))
        if allowed is not None and isinstance(value, str) and value not in allowed:
            problems.append(f"{path}.{key}: {value!r} is not one of {sorted(allowed)}")
        back = written[key]
        if hasattr(back, "to_json"):
            problems += _unknown(type(back), value, f"{path}.{key}")
        elif isinstance(back, list) and isinstance(value, list):
            for i, (item, one) in enumerate(zip(back, value, strict=False)):
                if hasattr(item, "to_json"):
                    problems += _unknown(type(item), one, f"{path}.{key}[{i}]")
    return problems


def dashboard_problems(board: dict[str, Any], datasource_uid: str) -> list[str]:
    """What Grafana 11.3 would not read in ``board``: unknown keys, panel types, options,
    field-config names, query fields, transformations, datasources."""
    problems = _unknown(dashboard.Dashboard, board, "dashboard")
    for panel in board.get("panels", []):
        where = f"panel {panel.get('title')!r}"
        kind = panel.get("type")
        if kind not in PANELS:
            problems.append(f"{where}: panel type {kind!r}")
            continue
        module = importlib.import_module(f"grafana_foundation_sdk.models.{kind}")
        problems += _unknown(module.Options, panel.get("options", {}), f"{where}.options")
        custom = panel.get("fieldConfig", {}).get("defaults", {}).get("custom")
        if custom is not None and hasattr(module, "FieldConfig"):
            problems += _unknown(module.FieldConfig, custom, f"{where}.custom")
        for target in panel.get("targets", []):
            problems += [f"{where}.targets.{key}" for key in set(target) - INFLUX_QUERY]
            if target.get("datasource", {}).get("uid") != datasource_uid:
                problems.append(f"{where}: datasource {target.get('datasource')}")
        if panel.get("datasource", {}).get("uid") != datasource_uid:
            problems.append(f"{where}: datasource {panel.get('datasource')}")
        for step in panel.get("transformations", []):
            if step.get("id") not in TRANSFORMS:
                problems.append(f"{where}: transformation {step.get('id')!r}")
    return problems


#: what a rule group holds in a file under provisioning/alerting (Grafana's file provisioning)
GROUP_KEYS = {"orgId", "name", "folder", "interval", "rules"}
#: expression types of Grafana's server-side expressions the rules use
EXPRESSIONS = {"reduce", "threshold", "math"}


def alert_problems(provisioned: dict[str, Any], datasource_uid: str) -> list[str]:
    """What Grafana 11.3 would not provision in an alerting file."""
    problems = [f"file.{key}" for key in set(provisioned) - {"apiVersion", "groups"}]
    if provisioned.get("apiVersion") != 1:
        problems.append("apiVersion must be 1")
    for group in provisioned.get("groups", []):
        problems += [f"group.{key}" for key in set(group) - GROUP_KEYS]
        for rule in group.get("rules", []):
            where = f"rule {rule.get('uid')!r}"
            problems += _unknown(alerting.Rule, rule, where)
            refs = {query.get("refId") for query in rule.get("data", [])}
            if rule.get("condition") not in refs:
                problems.append(f"{where}: condition {rule.get('condition')!r} is no query")
            for query in rule.get("data", []):
                problems += _unknown(alerting.Query, query, f"{where}.data")
                uid, model = query.get("datasourceUid"), query.get("model", {})
                if uid == "__expr__":
                    if model.get("type") not in EXPRESSIONS:
                        problems.append(f"{where}: expression type {model.get('type')!r}")
                    if model.get("expression") not in refs:
                        problems.append(f"{where}: expression of {model.get('expression')!r}")
                elif uid != datasource_uid:
                    problems.append(f"{where}: datasource {uid!r}")
                else:
                    problems += [f"{where}.model.{key}" for key in set(model) - INFLUX_QUERY]
    return problems
