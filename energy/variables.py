"""Relevant variables (ISO 50006) that plugins provide for the EnPIs' baseline models.

Outdoor temperature is built in; anything else that drives consumption -- school days,
opening hours, occupancy, meals served, ice time in a rink -- comes from a plugin through
``enms_relevant_variables``. An EnPI names the variables its model uses (``variables:`` in
its definition); the model then has a coefficient for each, fitted on the baseline period,
and the expected consumption of a reporting day follows that day's values.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from core.config.models import EnmsConfig
from core.storage.contract import Store

log = logging.getLogger(__name__)

DailyValues = Mapping[date, float]
#: the days first..last (both included, local) -> a value per day; days left out are unknown
DailyFunction = Callable[[date, date], DailyValues | Awaitable[DailyValues]]


@dataclass(frozen=True)
class RelevantVariable:
    """One relevant variable, a value per local day."""

    name: str  # what EnPIs name it by, e.g. "school_days"
    description: str
    unit: str  # e.g. "day", "h", "persons"
    daily: DailyFunction

    async def values(self, days: Sequence[date]) -> npt.NDArray[np.float64]:
        """The variable on ``days`` (consecutive), NaN where the provider gives nothing."""
        if not days:
            return np.empty(0)
        given = self.daily(days[0], days[-1])
        found = await given if inspect.isawaitable(given) else given
        return np.array([float(found.get(day, np.nan)) for day in days], dtype=np.float64)


@dataclass(frozen=True)
class VariableContext:
    """What ``enms_relevant_variables`` is called with."""

    plugin: str
    config: EnmsConfig
    settings: Mapping[str, Any]
    store: Store  # to derive a variable from stored readings (people counters ...)


class UnknownVariable(ValueError):
    """An EnPI names a relevant variable no enabled plugin provides."""


async def variable_values(
    names: Sequence[str], available: Mapping[str, RelevantVariable], first: date, last: date
) -> dict[str, npt.NDArray[np.float64]]:
    """The named variables per day first..last; ``UnknownVariable`` names what is known."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    values = {}
    for name in names:
        if name not in available:
            known = ", ".join(sorted(available)) or "none"
            raise UnknownVariable(f"no enabled plugin provides the relevant variable {name!r}; "
                                  f"provided: {known}")  # fmt: skip
        values[name] = await available[name].values(days)
    return values
