"""Re-delivered messages land on the point their first delivery made.

QoS 1 is "at least once": when a connection ends before enms's acknowledgement reached the
broker, the broker delivers the message again, flagged DUP. A reading stamped with the
device's time is idempotent -- the same series and time overwrite the same point -- but a
reading stamped on receipt would get a new time and be stored twice. So every receipt-stamped
message is remembered, by topic and payload digest, with the time it was given, until its
acknowledgement has surely reached the broker (the connection it went on was still up a grace
period later); a DUP-flagged message from a later connection takes the time of the oldest
remembered one with the same topic and payload, and the store overwrites that point with the
same values (any remembered delivery of the same topic and payload is an equal point). A
reading the writer dropped is forgotten at once: its re-delivery is a new reading.

What this cannot cover: the process killed after a reading became durable and before its
acknowledgement left (a window of about one event-loop iteration); then the re-delivery is
stored as a second reading. Readings with device timestamps have no such window.
"""

from __future__ import annotations

import hashlib

Key = tuple[str, bytes]

#: remembered messages at most; the oldest are forgotten beyond (the daemon's own queue is
#: bounded by daemon.max_queue, so more are never waiting for an acknowledgement)
MAX_REMEMBERED = 1_000_000


def message_key(topic: str, payload: bytes) -> Key:
    return topic, hashlib.blake2b(payload, digest_size=16).digest()


class Redeliveries:
    def __init__(self, limit: int = MAX_REMEMBERED) -> None:
        self.limit = limit
        self._entries: dict[tuple[Key, int], int] = {}  # (key, time_ns) -> generation
        self._times: dict[Key, list[int]] = {}
        self.matched = 0  # re-deliveries given their first delivery's time

    def __len__(self) -> int:
        return len(self._entries)

    def remember(self, key: Key, generation: int, time_ns: int) -> None:
        if (key, time_ns) in self._entries:
            return
        if len(self._entries) >= self.limit:
            (old_key, old_time), _ = next(iter(self._entries.items()))
            self.forget(old_key, old_time)
        self._entries[(key, time_ns)] = generation
        self._times.setdefault(key, []).append(time_ns)

    def forget(self, key: Key, time_ns: int) -> None:
        if self._entries.pop((key, time_ns), None) is None:
            return
        times = self._times[key]
        times.remove(time_ns)
        if not times:
            del self._times[key]

    def first_time(self, key: Key, generation: int) -> int | None:
        """The time given to the oldest remembered delivery of the same message on an
        earlier connection, or None."""
        for time_ns in self._times.get(key, ()):
            if self._entries[(key, time_ns)] < generation:
                self.matched += 1
                return time_ns
        return None
