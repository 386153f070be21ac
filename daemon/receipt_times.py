"""Receipt times that never repeat within a series.

A reading without a device timestamp is stamped with the time it arrived. Two messages of one
series can arrive within one tick of the store's timestamp precision (a burst of 20 Shelly
messages, a broker delivering a queue after an outage); the store keeps one point per series
and time, so the second would overwrite the first. Each series' receipt times are therefore
made strictly increasing in units of the store's resolution: a reading that would land on the
previous one's time takes the next free tick. The shift is at most as many ticks as readings
arrived in the same tick, so at nanosecond precision it is invisible.
"""

from __future__ import annotations

from collections.abc import Hashable

#: series tracked before the idle ones are forgotten
MAX_SERIES = 200_000
#: a series idle this long cannot collide with a new receipt time, which is later
_IDLE_NS = 10 * 1_000_000_000


class ReceiptClock:
    def __init__(self, resolution_ns: int = 1) -> None:
        if resolution_ns < 1:
            raise ValueError("resolution_ns must be at least 1")
        self.resolution_ns = resolution_ns
        self._last: dict[Hashable, int] = {}
        self.shifted = 0  # readings moved to the next free tick

    def stamp(self, series: Hashable, received_ns: int) -> int:
        """The time to store a reading of ``series`` received at ``received_ns``."""
        resolution = self.resolution_ns
        time_ns = received_ns - received_ns % resolution
        last = self._last.get(series)
        if last is not None and time_ns <= last:
            time_ns = last + resolution
            self.shifted += 1
        elif len(self._last) >= MAX_SERIES:
            self._forget_idle(received_ns)
        self._last[series] = time_ns
        return time_ns

    def _forget_idle(self, now_ns: int) -> None:
        horizon = now_ns - _IDLE_NS
        self._last = {key: last for key, last in self._last.items() if last >= horizon}
