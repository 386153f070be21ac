"""Adding EnPIs up without counting a kWh twice, and when an improvement is one.

Totals over EnPIs (the review's headline, the avoided cost) follow one rule, stated wherever a
total is shown (``ADDITIVE_RULE``): EnPIs are taken largest boundary first, and one whose
meters are already counted -- the same meter, a sub-meter of a counted meter or a main meter
of one -- is left out of the total and named with the EnPI it overlaps. An EnPI *improved*
only when its avoided energy exceeds the 68 % uncertainty of the saving (ISO 50015, ASHRAE
Guideline 14's savings uncertainty); within it the change is not significant.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from core.config.meter_tree import ancestor_map
from core.config.models import EnmsConfig, EnpiDefinition
from core.i18n import N_, Message, message
from energy.enpi_run import boundary_meters

ADDITIVE_RULE = N_(
    "each meter's energy is added once: EnPIs are taken largest boundary first (the most meters "
    "measured, sub-meters included), and an EnPI "
    "whose meters are already counted (the same meter, or a main or sub-meter of one) is left "
    "out of the totals"
)
SIGNIFICANCE_RULE = N_(
    "improved or worse only where the avoided energy exceeds its 68 % uncertainty; otherwise "
    "no significant change"
)


class Verdict(StrEnum):
    IMPROVED = "improved"
    NO_SIGNIFICANT_CHANGE = "no significant change"
    WORSE = "worse"


def verdict(avoided_kwh: float, uncertainty_kwh: float | None) -> Verdict:
    """Improved or worse only beyond the 68 % uncertainty of the saving."""
    if uncertainty_kwh is None or not math.isfinite(uncertainty_kwh):
        return Verdict.NO_SIGNIFICANT_CHANGE
    if avoided_kwh > uncertainty_kwh:
        return Verdict.IMPROVED
    if avoided_kwh < -uncertainty_kwh:
        return Verdict.WORSE
    return Verdict.NO_SIGNIFICANT_CHANGE


@dataclass(frozen=True)
class Additivity:
    """Which EnPIs a total adds, and why the others are left out."""

    counted: tuple[str, ...]
    left_out: dict[str, Message] = field(default_factory=dict)


def additive_enpis(config: EnmsConfig, enpis: Sequence[EnpiDefinition]) -> Additivity:
    """The EnPIs of ``enpis`` a total may add (``ADDITIVE_RULE``), in their order."""
    meters = {enpi.id: [m.id for m in boundary_meters(config, enpi)] for enpi in enpis}
    above = ancestor_map(config)  # meter -> the meters above it
    counted: list[str] = []
    counting: dict[str, str] = {}  # a counted meter -> the EnPI counting it
    inside: dict[str, str] = {}  # a main meter of a counted meter -> that EnPI

    def overlapped(meter: str) -> str | None:
        """The EnPI already counting ``meter``, a sub-meter of it or a main meter of it."""
        if meter in counting:
            return counting[meter]
        if meter in inside:
            return inside[meter]
        return next((counting[a] for a in above[meter] if a in counting), None)

    left_out: dict[str, Message] = {}

    def covered(enpi: EnpiDefinition) -> int:
        """How many meters the boundary measures: its own and every sub-meter below them."""
        own = set(meters[enpi.id])
        return len(own | {m for m, up in above.items() if own.intersection(up)})

    for enpi in sorted(enpis, key=lambda e: -covered(e)):
        clash = next(filter(None, map(overlapped, meters[enpi.id])), None)
        if clash is not None:
            left_out[enpi.id] = message(
                "its meters overlap EnPI '{enpi}', which the totals count", enpi=clash
            )
            continue
        counted.append(enpi.id)
        for m in meters[enpi.id]:
            counting[m] = enpi.id
            for a in above[m]:
                inside.setdefault(a, enpi.id)
    order = [e.id for e in enpis]
    return Additivity(tuple(sorted(counted, key=order.index)), left_out)
