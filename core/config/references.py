"""Checks across the configuration that one field alone cannot make: ids unique, references known.

They run on the typed model once its structure is valid, and return every problem found,
each with the path of the field to fix.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

from core.config.meter_tree import nested_pairs
from core.config.models import EnmsConfig, Meter, ValueKind
from core.topics import TopicPattern

Path = tuple[str | int, ...]


def _repeated(keys: Iterable[str]) -> set[str]:
    """The keys given more than once."""
    return {key for key, count in Counter(keys).items() if count > 1}


def _duplicates(items: Iterable[tuple[Path, str]], what: str) -> Iterator[tuple[Path, str]]:
    first_seen: dict[str, Path] = {}
    for path, key in items:
        if key in first_seen:
            yield path, f"duplicate {what} {key!r} (first used at {format_path(first_seen[key])})"
        else:
            first_seen[key] = path


def check_references(config: EnmsConfig) -> list[tuple[Path, str]]:
    """Every cross-reference problem in ``config``, as (field path, message)."""
    problems: list[tuple[Path, str]] = []
    sites = config.sites
    problems += _duplicates(((("sites", i, "id"), s.id) for i, s in enumerate(sites)), "site id")
    problems += _duplicates(
        (
            (("sites", i, "buildings", j, "id"), b.id)
            for i, s in enumerate(sites)
            for j, b in enumerate(s.buildings)
        ),
        "building id",
    )
    problems += _duplicates(
        (
            (("sites", i, "meters", j, "id"), m.id)
            for i, s in enumerate(sites)
            for j, m in enumerate(s.meters)
        ),
        "meter id",
    )
    gateways = config.modbus.gateways
    problems += _duplicates(
        ((("modbus", "gateways", i, "id"), g.id) for i, g in enumerate(gateways)), "gateway id"
    )
    seus = config.portfolio.seus
    problems += _duplicates(
        ((("portfolio", "seus", i, "id"), seu.id) for i, seu in enumerate(seus)), "SEU id"
    )

    gateway_ids = {g.id for g in gateways}
    seu_ids = {seu.id for seu in seus}
    unit_ids: list[tuple[Path, str]] = []
    topics: list[tuple[Path, str]] = []
    for i, site in enumerate(sites):
        building_ids = {b.id for b in site.buildings}
        for j, meter in enumerate(site.meters):
            here: Path = ("sites", i, "meters", j)
            if meter.building not in building_ids:
                known = ", ".join(sorted(building_ids))
                problems.append(
                    (
                        (*here, "building"),
                        f"unknown building {meter.building!r}; buildings of site "
                        f"{site.id!r}: {known}",
                    )
                )
            if meter.seu is not None and meter.seu not in seu_ids:
                problems.append(
                    ((*here, "seu"), f"unknown SEU {meter.seu!r}; define it under portfolio.seus")
                )
            if meter.modbus is not None:
                if meter.modbus.gateway not in gateway_ids:
                    problems.append(
                        (
                            (*here, "modbus", "gateway"),
                            f"unknown gateway {meter.modbus.gateway!r}; define it under "
                            "modbus.gateways",
                        )
                    )
                key = f"{meter.modbus.gateway} unit {meter.modbus.unit_id}"
                unit_ids.append(((*here, "modbus", "unit_id"), key))
            if meter.mqtt is not None:
                if meter.mqtt.topic is not None:
                    topics.append(((*here, "mqtt", "topic"), meter.mqtt.topic))
                    problems += _overlap((*here, "mqtt", "topic"), meter.mqtt.topic, config)
                if config.mqtt is None:
                    problems.append(
                        ((*here, "mqtt"), "an MQTT meter needs the top-level 'mqtt' broker section")
                    )
                elif meter.mqtt.topic is None and not config.mqtt.subscriptions:
                    problems.append(
                        (
                            (*here, "mqtt", "topic"),
                            "give the meter's topic, or a subscription in mqtt.subscriptions "
                            "whose {meter} level names it",
                        )
                    )
    problems += _duplicates(unit_ids, "Modbus address")
    problems += _duplicates(topics, "MQTT topic")
    problems += _enpi_problems(config)
    problems += _parent_problems(config)
    problems += _target_problems(config)
    problems += _commitment_problems(config)
    problems += _declaration_problems(config)
    problems += _duplicates(
        (
            (("internal_control_plan", "points", i, "id"), point.id)
            for i, point in enumerate(config.internal_control_plan.points)
        ),
        "control point id",
    )
    problems += _queue_problems(config)
    return problems


def _overlap(here: Path, topic: str, config: EnmsConfig) -> list[tuple[Path, str]]:
    """A meter's own topic that a subscription also matches: the broker delivers each message
    once per matching subscription, so a reading stamped on receipt would be stored twice."""
    for subscription in config.mqtt.subscriptions if config.mqtt else []:
        if TopicPattern(subscription.topic).match(topic) is not None:
            return [
                (
                    here,
                    f"{topic!r} is also matched by the subscription {subscription.topic!r}: "
                    "the broker would deliver its messages twice; leave out the meter's topic "
                    "(mqtt: {}) or narrow the subscription",
                )
            ]
    return []


def _queue_problems(config: EnmsConfig) -> list[tuple[Path, str]]:
    """The in-memory queue must hold a whole write batch, or readings drop while the spool
    still has room."""
    influx = config.storage.influxdb
    if influx is not None and config.daemon.max_queue < influx.batch_size:
        return [
            (
                ("daemon", "max_queue"),
                f"{config.daemon.max_queue} is smaller than storage.influxdb.batch_size "
                f"({influx.batch_size}): the queue must hold at least one write batch",
            )
        ]
    return []


def _parent_problems(config: EnmsConfig) -> list[tuple[Path, str]]:
    """A sub-meter's main meter is a consumption meter of the same site and medium; no loops."""
    problems: list[tuple[Path, str]] = []
    consumption = (ValueKind.COUNTER, ValueKind.INTERVAL)
    for i, site in enumerate(config.sites):
        meters = {meter.id: meter for meter in site.meters}
        twice = _repeated(meter.id for _, meter in config.meters())
        for j, meter in enumerate(site.meters):
            if meter.parent is None or meter.parent in twice:
                continue  # which of the same-named meters is meant is unknown: the duplicate
                # id is the problem, reported where it is defined
            here: Path = ("sites", i, "meters", j, "parent")
            parent = meters.get(meter.parent)
            if parent is None:
                problems.append((here, f"unknown meter {meter.parent!r} in site {site.id!r}"))
            elif parent.medium is not meter.medium:
                problems.append(
                    (
                        here,
                        f"meter {parent.id!r} measures {parent.medium.value}, "
                        f"not {meter.medium.value}",
                    )
                )
            elif parent.kind not in consumption or meter.kind not in consumption:
                problems.append((here, "a main meter and its sub-meters measure consumption"))
            else:
                seen = {meter.id}
                ancestor: Meter | None = parent
                while ancestor is not None and ancestor.id not in seen:
                    seen.add(ancestor.id)
                    ancestor = meters.get(ancestor.parent) if ancestor.parent else None
                if ancestor is not None and ancestor.id == meter.id:  # loops elsewhere are
                    problems.append(  # reported at the meters in them
                        (here, f"meter {meter.id!r} is its own main meter, through its parents")
                    )
    return problems


def _enpi_problems(config: EnmsConfig) -> list[tuple[Path, str]]:
    meters = {meter.id: meter for _, meter in config.meters()}
    buildings = {building.id for _, building in config.buildings()}
    seus = {seu.id for seu in config.portfolio.seus}
    problems: list[tuple[Path, str]] = list(
        _duplicates(((("enpis", i, "id"), e.id) for i, e in enumerate(config.enpis)), "EnPI id")
    )
    twice = _repeated(meter.id for _, meter in config.meters())
    for i, enpi in enumerate(config.enpis):
        here: Path = ("enpis", i)
        if enpi.building and enpi.building not in buildings:
            problems.append(((*here, "building"), f"unknown building {enpi.building!r}"))
        if enpi.seu and enpi.seu not in seus:
            problems.append(((*here, "seu"), f"unknown SEU {enpi.seu!r}"))
        for j, meter_id in enumerate(enpi.meters or []):
            if meter_id not in meters:
                problems.append(((*here, "meters", j), f"unknown meter {meter_id!r}"))
        for meter_id, above in nested_pairs(config, enpi.meters or []):
            j = (enpi.meters or []).index(meter_id)
            problems.append(
                (
                    (*here, "meters", j),
                    f"meter {meter_id!r} is a sub-meter of {above!r}, also in this boundary: "
                    "its energy would be counted twice",
                )
            )
        thermometer = meters.get(enpi.temperature_meter)
        if enpi.temperature_meter in twice:
            continue  # which meter is meant is unknown: the duplicate id is reported
        if thermometer is None:
            problems.append(
                ((*here, "temperature_meter"), f"unknown meter {enpi.temperature_meter!r}")
            )
        elif thermometer.medium.value != "outdoor_temperature":
            problems.append(
                (
                    (*here, "temperature_meter"),
                    f"meter {thermometer.id!r} measures {thermometer.medium.value}, "
                    "not outdoor_temperature",
                )
            )
    return problems


def format_path(path: Iterable[str | int]) -> str:
    """('sites', 1, 'meters', 3, 'unit_id') -> 'sites[1].meters[3].unit_id'."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def _target_problems(config: EnmsConfig) -> list[tuple[Path, str]]:
    """Targets: ids unique, each measured by a configured EnPI, plan ids unique per target."""
    targets = enumerate(config.targets)
    problems = list(_duplicates(((("targets", i, "id"), t.id) for i, t in targets), "target id"))
    enpi_ids = sorted(enpi.id for enpi in config.enpis)
    for i, target in enumerate(config.targets):
        if target.enpi is not None and target.enpi not in enpi_ids:
            known = ", ".join(enpi_ids) or "none configured"
            problems.append(
                (("targets", i, "enpi"), f"unknown EnPI {target.enpi!r} (known: {known})")
            )
        plans = enumerate(target.action_plans)
        problems += _duplicates(
            ((("targets", i, "action_plans", j, "id"), plan.id) for j, plan in plans),
            "action plan id",
        )
    return problems


def _commitment_problems(config: EnmsConfig) -> list[tuple[Path, str]]:
    """Commitment ids unique; the buildings and meters they name configured."""
    problems: list[tuple[Path, str]] = []
    commitments = config.commitments
    problems += _duplicates(
        ((("commitments", i, "id"), c.id) for i, c in enumerate(commitments)), "commitment id"
    )
    buildings = {building.id for _, building in config.buildings()}
    meters = {meter.id for _, meter in config.meters()}
    for i, commitment in enumerate(commitments):
        for j, building in enumerate(commitment.buildings):
            if building not in buildings:
                problems.append(
                    (("commitments", i, "buildings", j), f"unknown building {building!r}")
                )
        for j, meter in enumerate(commitment.meters):
            if meter not in meters:
                problems.append((("commitments", i, "meters", j), f"unknown meter {meter!r}"))
    return problems


def _declaration_problems(config: EnmsConfig) -> list[tuple[Path, str]]:
    """Energy declarations name configured buildings and meters."""
    problems: list[tuple[Path, str]] = []
    buildings = {building.id for _, building in config.buildings()}
    meters = {meter.id for _, meter in config.meters()}
    for i, declaration in enumerate(config.compliance.energy_declarations):
        here: Path = ("compliance", "energy_declarations", i)
        if declaration.building not in buildings:
            problems.append(((*here, "building"), f"unknown building {declaration.building!r}"))
        for j, meter in enumerate(declaration.property_meters):
            if meter not in meters:
                problems.append(((*here, "property_meters", j), f"unknown meter {meter!r}"))
    return problems
