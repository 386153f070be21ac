"""Nonconformities and their lifecycle (ISO 50001:2018 10.1), as the register keeps them.

An evaluation that finds a nonconformity opens one -- or, while one about the same thing is
still open, updates when it was last seen. People then take it through its lifecycle:

    open -> cause identified -> action taken -> effectiveness checked -> closed

An effectiveness check that finds the action did not work sends it back to "cause
identified" for another action; closing needs an effective one. Each step is an event with
its note, who recorded it and when; nothing is overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core.i18n import N_


class Status(StrEnum):
    OPEN = "open"
    CAUSE_IDENTIFIED = "cause_identified"
    ACTION_TAKEN = "action_taken"
    EFFECTIVENESS_CHECKED = "effectiveness_checked"
    CLOSED = "closed"

    @property
    def text(self) -> str:
        """The status as people read it (English; translated by the catalogue)."""
        return STATUS_TEXT[self]


STATUS_TEXT = {
    Status.OPEN: N_("open"),
    Status.CAUSE_IDENTIFIED: N_("cause identified"),
    Status.ACTION_TAKEN: N_("action taken"),
    Status.EFFECTIVENESS_CHECKED: N_("effectiveness checked"),
    Status.CLOSED: N_("closed"),
}

#: status -> the statuses a lifecycle update may move it to
NEXT: dict[Status, tuple[Status, ...]] = {
    Status.OPEN: (Status.CAUSE_IDENTIFIED,),
    Status.CAUSE_IDENTIFIED: (Status.ACTION_TAKEN,),
    Status.ACTION_TAKEN: (Status.EFFECTIVENESS_CHECKED,),
    Status.EFFECTIVENESS_CHECKED: (Status.CLOSED,),
    Status.CLOSED: (),
}


class LifecycleError(ValueError):
    """An update the lifecycle does not allow; the message says which would be."""


def next_status(current: Status, wanted: Status, *, effective: bool | None) -> Status:
    """The status after an update, or ``LifecycleError``."""
    if wanted not in NEXT[current]:
        allowed = ", ".join(s.value for s in NEXT[current]) or "none: it is closed"
        raise LifecycleError(
            f"a nonconformity that is {current.value} cannot become {wanted.value}; next: {allowed}"
        )
    if wanted is Status.EFFECTIVENESS_CHECKED:
        if effective is None:
            raise LifecycleError("an effectiveness check must say effective: true or false")
        if not effective:
            return Status.CAUSE_IDENTIFIED  # the action did not work: another one is needed
    return wanted


@dataclass(frozen=True)
class Event:
    status: str
    note: str | None
    effective: bool | None
    by: str
    at: str


@dataclass(frozen=True)
class Nonconformity:
    id: int
    plugin: str
    finding: str  # the finding's id, stable across evaluations
    title: str
    severity: str
    scope_level: str
    scope_id: str | None
    first_period: str
    last_period: str
    opened_at: str
    last_seen_at: str
    status: Status
    metrics: dict[str, Any]
    events: tuple[Event, ...] = ()
    owner: str | None = None  # who is responsible for the correction
    due: str | None = None  # ISO date the correction is due
    action_plan: str | None = None  # the action plan (targets' id) the correction belongs to
