"""Per-source health of the collectors: what energy engineers check when data goes missing.

A source is a meter (Modbus) or a topic (MQTT). Health changes are logged as state changes
-- a source going offline, a source recovering -- never once per reading, and the figures are
written to storage as the ``collector_health`` measurement.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from core.schema import HealthField, Measurement, Tag, error_field
from core.storage.points import FieldValue, Point

log = logging.getLogger(__name__)

#: consecutive failures after which a source counts as offline
OFFLINE_AFTER = 3


@dataclass
class SourceHealth:
    collector: str
    source: str
    tags: Mapping[str, str] = field(default_factory=dict)
    first_attempt_ns: int | None = None
    last_attempt_ns: int | None = None
    last_success_ns: int | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    successes: int = 0
    failures: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    latency_s: float | None = None
    values_read: int = 0

    @property
    def online(self) -> bool:
        return self.consecutive_failures < OFFLINE_AFTER

    def record_success(self, now_ns: int, latency_s: float, values: int) -> None:
        if not self.online:
            log.info(
                "%s %s recovered after %d failed reads",
                self.collector,
                self.source,
                self.consecutive_failures,
            )
        self.first_attempt_ns = self.first_attempt_ns or now_ns
        self.last_attempt_ns = self.last_success_ns = now_ns
        self.consecutive_failures = 0
        self.successes += 1
        self.latency_s = latency_s
        self.values_read = values

    def record_failure(self, now_ns: int, kind: str, message: str) -> None:
        was_online = self.online
        self.first_attempt_ns = self.first_attempt_ns or now_ns
        self.last_attempt_ns = now_ns
        self.last_error = message
        self.consecutive_failures += 1
        self.failures += 1
        self.errors[kind] += 1
        if was_online and not self.online:
            log.warning("%s %s offline: %s", self.collector, self.source, message)

    def to_point(self, now_ns: int) -> Point:
        fields: dict[str, FieldValue] = {
            HealthField.ONLINE: self.online,
            HealthField.CONSECUTIVE_FAILURES: self.consecutive_failures,
            HealthField.SUCCESSES: self.successes,
            HealthField.FAILURES: self.failures,
            HealthField.VALUES_READ: self.values_read,
        }
        if self.latency_s is not None:
            fields[HealthField.LATENCY_MS] = round(self.latency_s * 1000, 3)
        if self.last_success_ns is not None:
            fields[HealthField.SECONDS_SINCE_SUCCESS] = round(
                (now_ns - self.last_success_ns) / 1e9, 3
            )
        unread_since = self.last_success_ns or self.first_attempt_ns
        if unread_since is not None:  # a meter never read at all is unread since the first try
            fields[HealthField.SECONDS_UNREAD] = round((now_ns - unread_since) / 1e9, 3)
        if self.last_error is not None:
            fields[HealthField.LAST_ERROR] = self.last_error
        for kind, count in self.errors.items():
            fields[error_field(kind)] = count
        tags = {Tag.COLLECTOR: self.collector, Tag.SOURCE: self.source, **self.tags}
        return Point(Measurement.COLLECTOR_HEALTH, tags, fields, now_ns)
