"""Building InfluxQL statements safely: quoting, tag filters, time ranges."""

from __future__ import annotations

from collections.abc import Sequence

from core.storage.points import Aggregate, SeriesSelector


def identifier(name: str) -> str:
    """A double-quoted identifier (measurement, field, tag key, retention policy)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def literal(text: str) -> str:
    """A single-quoted string literal (tag values, time zone names)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def source(measurement: str, retention_policy: str | None) -> str:
    if retention_policy:
        return f"{identifier(retention_policy)}.{identifier(measurement)}"
    return identifier(measurement)


def where(selector: SeriesSelector, start_ns: int, end_ns: int) -> str:
    """The WHERE clause: tag filters, then the half-open time range in epoch nanoseconds."""
    clauses = []
    for key, values in sorted(selector.tag_values().items()):
        alternatives = [f"{identifier(key)} = {literal(value)}" for value in values]
        if not alternatives:
            clauses.append("false")
        elif len(alternatives) == 1:
            clauses.append(alternatives[0])
        else:
            clauses.append("(" + " OR ".join(alternatives) + ")")
    clauses.append(f"time >= {start_ns} AND time < {end_ns}")
    return " AND ".join(clauses)


_FUNCTIONS = {
    Aggregate.MEAN: "mean",
    Aggregate.SUM: "sum",
    Aggregate.MIN: "min",
    Aggregate.MAX: "max",
    Aggregate.COUNT: "count",
    Aggregate.LAST: "last",
}


def select_buckets(
    selector: SeriesSelector,
    retention_policy: str | None,
    start_ns: int,
    end_ns: int,
    *,
    interval: str,
    aggregates: Sequence[Aggregate],
    group_by: Sequence[str],
    tz: str,
) -> str:
    """One column per aggregate, named after it, bucketed by ``interval`` in local time."""
    field = identifier(selector.field)
    columns = ", ".join(
        f"{_FUNCTIONS[agg]}({field}) AS {identifier(agg.value)}" for agg in aggregates
    )
    groups = ", ".join([f"time({interval})", *(identifier(tag) for tag in group_by)])
    return (
        f"SELECT {columns} FROM {source(selector.measurement, retention_policy)} "
        f"WHERE {where(selector, start_ns, end_ns)} GROUP BY {groups} fill(none) tz({literal(tz)})"
    )


def select_latest(
    measurement: str,
    retention_policy: str | None,
    tags: dict[str, tuple[str, ...]],
    start_ns: int,
    end_ns: int,
) -> str:
    """The newest row of every series: all fields, grouped by all tags."""
    selector = SeriesSelector(measurement, "", tags)
    return (
        f"SELECT * FROM {source(measurement, retention_policy)} "
        f"WHERE {where(selector, start_ns, end_ns)} GROUP BY * ORDER BY time DESC LIMIT 1"
    )


def select_raw(
    selector: SeriesSelector, retention_policy: str | None, start_ns: int, end_ns: int
) -> str:
    """Every value of every matching series, grouped by all tags so series stay apart."""
    return (
        f"SELECT {identifier(selector.field)} FROM "
        f"{source(selector.measurement, retention_policy)} "
        f"WHERE {where(selector, start_ns, end_ns)} GROUP BY *"
    )
