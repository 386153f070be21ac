"""Sub-meters: every kWh counted once wherever meters are summed.

A sub-meter (``parent:``) measures part of what its parent -- and every meter above that --
already measures. Summing a set of meters that holds a sub-meter and one of its ancestors
would count the sub-meter's energy twice, so every sum of meters goes through
``counted_once``: a meter whose ancestor is also in the set is left out. A sub-meter alone in
a set (an SEU's boundary, say) is counted: its ancestor is not summed there.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from core.config.models import EnmsConfig, Meter


def _up(by_id: Mapping[str, Meter], meter: Meter) -> Iterator[str]:
    """The ids above ``meter``; the configuration check refuses loops, a loop met anyway
    ends the walk."""
    seen = {meter.id}
    parent = meter.parent
    while parent is not None and parent not in seen:
        yield parent
        seen.add(parent)
        above = by_id.get(parent)
        parent = above.parent if above is not None else None


def ancestor_map(config: EnmsConfig) -> dict[str, list[str]]:
    """Every meter's id -> the ids above it (its parent, that one's parent ...), built once
    for a portfolio of any size."""
    by_id = {m.id: m for _, m in config.meters()}
    return {meter.id: list(_up(by_id, meter)) for meter in by_id.values()}


def ancestors(config: EnmsConfig, meter: Meter) -> Iterator[str]:
    """The ids of the meters above ``meter``: its parent, that one's parent, and so on."""
    yield from _up({m.id: m for _, m in config.meters()}, meter)


def counted_once(config: EnmsConfig, meters: Iterable[Meter]) -> list[Meter]:
    """``meters`` without those whose ancestor is among them, in their order."""
    chosen = list(meters)
    if not any(m.parent for m in chosen):  # no sub-meter: nothing to leave out
        return chosen
    above = ancestor_map(config)
    ids = {meter.id for meter in chosen}
    return [m for m in chosen if not any(a in ids for a in above.get(m.id, ()))]


def nested_pairs(config: EnmsConfig, meter_ids: Sequence[str]) -> list[tuple[str, str]]:
    """(meter, its ancestor) for every meter of ``meter_ids`` whose ancestor is listed too."""
    above = ancestor_map(config)
    listed = set(meter_ids)
    return [
        (meter_id, up)
        for meter_id in meter_ids
        if meter_id in above
        for up in above[meter_id]
        if up in listed
    ]
