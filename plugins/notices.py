"""Notices: what enms tells people about the register, through ``enms_notify``.

A notice is sent when an evaluation opens a nonconformity and when an open one passes its due
date (once). Plugins deliver them -- the built-in ``webhook`` plugin posts them as JSON to
``nonconformities.webhook``; a plugin can mail them or open a ticket instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from core.config.models import EnmsConfig
from energy.nonconformities import Nonconformity


class NoticeKind(StrEnum):
    OPENED = "nonconformity_opened"
    OVERDUE = "nonconformity_overdue"


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    nonconformity: Nonconformity

    def to_dict(self) -> dict[str, Any]:
        found = self.nonconformity
        return {
            "kind": self.kind.value,
            "nonconformity": {
                "id": found.id,
                "title": found.title,
                "severity": found.severity,
                "plugin": found.plugin,
                "finding": found.finding,
                "scope": {"level": found.scope_level, "id": found.scope_id},
                "status": found.status.value,
                "owner": found.owner,
                "due": found.due,
                "opened_at": found.opened_at,
                "period": found.last_period,
            },
        }


@dataclass(frozen=True)
class NotifyContext:
    """What ``enms_notify`` is called with."""

    plugin: str
    config: EnmsConfig
    notice: Notice
    settings: Mapping[str, Any] = field(default_factory=dict)
