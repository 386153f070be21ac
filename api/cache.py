"""Results that are expensive to compute and change slowly, kept for a while.

A period's plugin evaluation reads every meter's readings, and the building ranking sums every
register over the period; both change only as new hours arrive. They are kept for
``api.cache_ttl_s`` and computed once however many requests ask at the same time. Decisions
and EnPI figures are never cached.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Cached:
    value: Any
    computed_at: float  # time.time()
    expires: float  # time.monotonic()


class TtlCache:
    def __init__(self, ttl_s: float, max_entries: int = 64) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[Hashable, Cached] = {}
        self._locks: dict[Hashable, asyncio.Lock] = {}

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> tuple[T, float]:
        """The value for ``key`` and when it was computed (epoch seconds)."""
        if self.ttl_s <= 0:
            return await compute(), time.time()
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:  # one computation per key, whoever else is waiting for it
            entry = self._entries.get(key)
            if entry is None or entry.expires <= time.monotonic():
                value = await compute()
                entry = Cached(value, time.time(), time.monotonic() + self.ttl_s)
                self._entries[key] = entry
                self._evict()
        return entry.value, entry.computed_at

    def clear(self) -> None:
        self._entries.clear()

    def forget(self, key: Hashable) -> None:
        """Compute ``key`` afresh on its next ``get``."""
        self._entries.pop(key, None)

    def _evict(self) -> None:
        while len(self._entries) > self.max_entries:
            oldest = min(self._entries, key=lambda k: self._entries[k].expires)
            del self._entries[oldest]
            self._locks.pop(oldest, None)
