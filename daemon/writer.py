"""The one writer between the collectors and the store.

Collectors hand readings to ``submit`` and never wait on storage: a bounded queue absorbs
bursts, and a single task writes batches, retrying while the store is unavailable. Readings
the store refuses are counted and logged with the store's reason.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from daemon.errors import InvalidPoint, StoreRejected, StoreUnavailable
from daemon.storage.contract import Store
from daemon.storage.points import Point

log = logging.getLogger(__name__)

_MAX_RETRY_DELAY_S = 30.0


@dataclass
class WriterStats:
    received: int = 0
    written: int = 0
    rejected: int = 0
    dropped: int = 0
    batches: int = 0
    last_write_latency_s: float | None = None
    store_available: bool = True


class Writer:
    def __init__(
        self,
        store: Store,
        *,
        max_queue: int = 200_000,
        batch_size: int = 5_000,
        flush_interval_s: float = 1.0,
    ) -> None:
        self.store = store
        self.max_queue = max_queue
        self.batch_size = batch_size
        self.flush_interval_s = flush_interval_s
        self.stats = WriterStats()
        self._queue: deque[Point] = deque()
        self._wakeup = asyncio.Event()

    @property
    def depth(self) -> int:
        return len(self._queue)

    def submit(self, points: Sequence[Point]) -> None:
        """Queue readings for writing; never blocks the collector that calls it."""
        self.stats.received += len(points)
        room = self.max_queue - len(self._queue)
        if room < len(points):
            dropped = len(points) - max(room, 0)
            self.stats.dropped += dropped
            log.error(
                "write queue full (%d readings): %d readings dropped; the store is too slow "
                "or down",
                self.max_queue,
                dropped,
            )
            points = points[: max(room, 0)]
        self._queue.extend(points)
        if len(self._queue) >= self.batch_size:
            self._wakeup.set()

    async def _write_batch(self) -> None:
        # Readings leave the queue only once the store has answered, so a write cut short
        # (shutdown, cancellation) leaves them queued rather than lost.
        batch = list(itertools.islice(self._queue, self.batch_size))
        delay = 0.5
        while True:
            began = time.monotonic()
            try:
                written = await self.store.write(batch)
            except InvalidPoint as exc:
                written = exc.written
                self.stats.rejected += len(exc.rejected)
                log.error("%d readings refused: %s", len(exc.rejected), exc)
            except StoreRejected as exc:
                # The store refuses the batch as a whole; what it accepted before stays.
                self.stats.rejected += len(batch) - exc.written
                written = exc.written
                log.error("store refused %d readings: %s", len(batch) - exc.written, exc)
            except StoreUnavailable as exc:
                if self.stats.store_available:
                    log.warning("store unavailable, holding %d readings: %s", len(batch), exc)
                self.stats.store_available = False
                await asyncio.sleep(delay)
                delay = min(delay * 2, _MAX_RETRY_DELAY_S)
                continue
            if not self.stats.store_available:
                log.info("store available again")
            self.stats.store_available = True
            self.stats.written += written
            self.stats.batches += 1
            self.stats.last_write_latency_s = time.monotonic() - began
            for _ in batch:
                self._queue.popleft()
            return

    async def flush(self, timeout_s: float | None = None) -> int:
        """Write everything queued now; return how many readings are still queued.

        With ``timeout_s``, give up after that long (the store may be down at shutdown).
        """
        try:
            async with asyncio.timeout(timeout_s):
                while self._queue:
                    await self._write_batch()
        except TimeoutError:
            log.error("%d readings not written: the store did not take them in time", self.depth)
        return self.depth

    async def run(self, stop: asyncio.Event, *, shutdown_timeout_s: float = 30.0) -> None:
        """Write batches until ``stop`` is set, then flush what is queued."""
        while not stop.is_set():
            if len(self._queue) < self.batch_size:
                # wait for a full batch, the flush interval, or the stop signal
                self._wakeup.clear()
                waiters = [asyncio.ensure_future(e.wait()) for e in (stop, self._wakeup)]
                await asyncio.wait(
                    waiters, timeout=self.flush_interval_s, return_when=asyncio.FIRST_COMPLETED
                )
                for waiter in waiters:
                    waiter.cancel()
            if self._queue:
                await self._write_batch()
        await self.flush(shutdown_timeout_s)
