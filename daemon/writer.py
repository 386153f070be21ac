"""The one writer between the collectors and the store: store and forward.

Collectors hand readings to ``submit`` and never wait on storage. Readings leave memory only
once they are durable -- written to the store, or kept in the spool -- and then the
submission's ``on_durable`` callback runs (the MQTT collector acknowledges its messages to the
broker there, so a crash before that point makes the broker deliver them again).

While the store answers, queued readings are written in batches; if it falls behind, the
excess goes to the spool. When the store is down, everything queued goes to the spool and the
store is probed with backoff; when it is back, the spool is written oldest first, one bounded
batch between live batches, so replaying a long outage never starves live data.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from core.errors import InvalidPoint, StoreRejected, StoreUnavailable
from core.storage.contract import Store
from core.storage.points import Point
from daemon.logs import RateLimitedLog
from daemon.spool import Spool, SpoolError

log = logging.getLogger(__name__)

#: refusals that say nothing about the readings -- no or a wrong token, no such database --
#: so the readings are spooled like in an outage instead of being counted as refused
REFUSES_THE_WRITER = frozenset({401, 403, 404})
FIRST_RETRY_S = 0.5
MAX_RETRY_S = 30.0
#: after the disk refused a spool write (full, read-only), the next try
SPOOL_RETRY_S = 5.0

_spool_trouble = RateLimitedLog(log, logging.ERROR)

Callback = Callable[[], None]


@dataclass
class WriterStats:
    received: int = 0
    written: int = 0  # live and replayed readings the store accepted
    spooled: int = 0
    replayed: int = 0
    rejected: int = 0  # refused by the store as invalid: retrying cannot help
    dropped: int = 0  # could be neither written nor spooled: reported, never silent
    spool_errors: int = 0  # spool reads or writes the disk refused (kept in memory, retried)
    batches: int = 0
    last_write_latency_s: float | None = None
    store_available: bool = True


@dataclass
class _Submission:
    points: Sequence[Point]
    on_durable: Callback | None = None


@dataclass
class _Queue:
    items: deque[_Submission] = field(default_factory=deque)
    readings: int = 0

    def push(self, item: _Submission) -> None:
        self.items.append(item)
        self.readings += len(item.points)

    def push_front(self, items: Sequence[_Submission]) -> None:
        for item in reversed(items):
            self.items.appendleft(item)
            self.readings += len(item.points)

    def take(self, readings: int) -> list[_Submission]:
        """Whole submissions from the front, about ``readings`` readings (at least one)."""
        taken: list[_Submission] = []
        total = 0
        while self.items and (not taken or total + len(self.items[0].points) <= readings):
            item = self.items.popleft()
            self.readings -= len(item.points)
            total += len(item.points)
            taken.append(item)
        return taken


def _done(items: Sequence[_Submission]) -> None:
    for item in items:
        if item.on_durable is not None:
            item.on_durable()


class Writer:
    def __init__(
        self,
        store: Store,
        *,
        spool: Spool | None = None,
        max_queue: int = 200_000,
        batch_size: int = 5_000,
        flush_interval_s: float = 1.0,
    ) -> None:
        self.store = store
        self.spool = spool
        self.max_queue = max_queue
        self.batch_size = batch_size
        self.flush_interval_s = flush_interval_s
        #: queued readings beyond this go to the spool even while the store answers (slow store)
        self.spool_above = max(batch_size * 4, max_queue // 4)
        self.stats = WriterStats()
        self._queue = _Queue()
        self._wakeup = asyncio.Event()
        self._retry_delay = FIRST_RETRY_S
        self._next_probe = 0.0
        self._spool_full_reported = False
        self._spool_retry_at = 0.0

    @property
    def depth(self) -> int:
        return self._queue.readings

    @property
    def saturated(self) -> bool:
        """True while new readings would be dropped: collectors that can wait should."""
        return self.depth >= self.max_queue

    def submit(self, points: Sequence[Point], on_durable: Callback | None = None) -> bool:
        """Queue readings; ``on_durable`` runs once they are written or spooled. False if
        they were dropped (the queue is full; counted and logged)."""
        self.stats.received += len(points)
        if points and self.depth + len(points) > self.max_queue:
            self.stats.dropped += len(points)
            log.error(
                "write queue full (%d readings): %d readings dropped; the store and the spool "
                "cannot keep up",
                self.max_queue,
                len(points),
            )
            return False  # on_durable never runs: an MQTT broker will deliver them again
        self._queue.push(_Submission(points, on_durable))
        if self.depth >= self.batch_size or (not points and on_durable is not None):
            self._wakeup.set()
        return True

    # ------------------------------------------------------------------ steps
    async def _write(self, points: list[Point]) -> tuple[int, int]:
        """Write to the store: (written, rejected). Raises StoreUnavailable."""
        began = time.monotonic()
        try:
            written = await self.store.write(points)
            rejected = 0
        except InvalidPoint as exc:
            written, rejected = exc.written, len(exc.rejected)
            log.error("%d readings refused: %s", rejected, exc)
        except StoreRejected as exc:
            if exc.status in REFUSES_THE_WRITER:
                # the readings are fine; the store is not set up for them: keep them
                raise StoreUnavailable(
                    f"the store refuses enms's writes, readings are kept until this is fixed: {exc}"
                ) from exc
            written, rejected = exc.written, len(points) - exc.written
            log.error("store refused %d readings: %s", rejected, exc)
        self.stats.last_write_latency_s = time.monotonic() - began
        self.stats.batches += 1
        self.stats.written += written
        self.stats.rejected += rejected
        return written, rejected

    def _store_down(self, exc: StoreUnavailable) -> None:
        if self.stats.store_available:
            log.warning("store unavailable; spooling readings until it answers: %s", exc)
        self.stats.store_available = False
        self._next_probe = time.monotonic() + self._retry_delay
        self._retry_delay = min(self._retry_delay * 2, MAX_RETRY_S)

    def _store_up(self) -> None:
        if not self.stats.store_available:
            log.info(
                "store available again; writing %d spooled readings",
                self.spool.readings if self.spool else 0,
            )
        self.stats.store_available = True
        self._retry_delay = FIRST_RETRY_S

    async def _write_live(self) -> None:
        items = self._queue.take(self.batch_size)
        points = [point for item in items for point in item.points]
        try:
            if points:
                await self._write(points)
        except StoreUnavailable as exc:
            self._queue.push_front(items)
            self._store_down(exc)
            return
        except BaseException:
            # anything unforeseen (the writer's supervisor restarts it): the readings stay
            # queued; a batch the store took in part is written again onto the same points
            self._queue.push_front(items)
            raise
        self._store_up()
        _done(items)

    async def _spool_queue(self, keep: int = 0) -> None:
        """Move queued readings, oldest first, to the spool until ``keep`` remain."""
        if self.spool is None or time.monotonic() < self._spool_retry_at:
            return
        while self._queue.items and self.depth > keep:
            items = self._queue.take(self.batch_size)
            points = [point for item in items for point in item.points]
            try:
                accepted = await asyncio.to_thread(self.spool.append, points)
            except SpoolError as exc:
                self._queue.push_front(items)
                self._spool_failed(exc)
                return
            except BaseException:
                self._queue.push_front(items)
                raise
            if not accepted:
                self._queue.push_front(items)
                if not self._spool_full_reported:
                    log.error(
                        "spool full (%d MB): holding %d readings in memory; beyond %d they are "
                        "dropped (spool.when_full: refuse)",
                        self.spool.max_bytes // 1_000_000,
                        self.depth,
                        self.max_queue,
                    )
                    self._spool_full_reported = True
                return
            self._spool_full_reported = False
            self.stats.spooled += len(points)
            _done(items)

    def _spool_failed(self, exc: SpoolError) -> None:
        """The disk refused the spool: readings stay in memory (up to max_queue); try later."""
        self.stats.spool_errors += 1
        self._spool_retry_at = time.monotonic() + SPOOL_RETRY_S
        _spool_trouble.log(
            "spool",
            "%s; holding %d readings in memory (at most %d) and trying again in %.0f s",
            exc,
            self.depth,
            self.max_queue,
            SPOOL_RETRY_S,
        )

    async def _replay(self) -> None:
        """Write the oldest spooled batch(es); on success, forget them."""
        assert self.spool is not None
        if time.monotonic() < self._spool_retry_at:
            return
        try:
            batches = await asyncio.to_thread(self.spool.oldest, self.batch_size)
        except SpoolError as exc:
            self._spool_failed(exc)
            return
        points = [point for batch in batches for point in batch.points]
        try:
            written, rejected = await self._write(points)
        except StoreUnavailable as exc:
            self._store_down(exc)
            return
        self._store_up()
        try:
            await asyncio.to_thread(self.spool.remove, batches)
        except SpoolError as exc:  # written twice later: the same points, so no duplicate
            self._spool_failed(exc)
        self.stats.replayed += written + rejected

    async def _probe(self) -> None:
        if self.spool is not None and self.spool.readings:
            await self._replay()
            return
        try:
            await self.store.ping()
        except StoreUnavailable as exc:
            self._store_down(exc)
        else:
            self._store_up()

    async def step(self) -> None:
        """One round of work: write, spool or replay, as the store's state calls for."""
        if not self.stats.store_available:
            await self._spool_queue()
            if time.monotonic() >= self._next_probe:
                await self._probe()
            if not self.stats.store_available:
                return
        if self.depth > self.spool_above:
            await self._spool_queue(keep=self.batch_size)
        if self._queue.items:
            await self._write_live()
        if self.stats.store_available and self.spool is not None and self.spool.readings:
            await self._replay()

    # ------------------------------------------------------------------ running
    def _idle(self) -> bool:
        backlog = self.spool is not None and self.spool.readings and self.stats.store_available
        return self.depth < self.batch_size and not backlog

    def _progress(self) -> tuple[int, ...]:
        stats, spool = self.stats, self.spool
        quarantined = spool.quarantined if spool is not None else 0
        items = len(self._queue.items)
        return (items, stats.written, stats.spooled, stats.rejected, stats.replayed, quarantined)

    async def _wait(self, stop: asyncio.Event) -> None:
        """Until new readings fill a batch, ``stop``, the flush interval or the next probe."""
        self._wakeup.clear()
        timeout = self.flush_interval_s
        if not self.stats.store_available:
            timeout = max(0.05, min(timeout, self._next_probe - time.monotonic()))
        waiters = [asyncio.ensure_future(e.wait()) for e in (stop, self._wakeup)]
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()

    async def run(self, stop: asyncio.Event, *, shutdown_timeout_s: float = 10.0) -> None:
        """Work until ``stop`` is set, then write or spool everything queued."""
        while not stop.is_set():
            if self._idle():
                await self._wait(stop)
            before = self._progress()
            await self.step()
            if self._progress() == before and not stop.is_set():
                # nothing moved (the store and the disk both refuse): wait, never spin
                await self._wait(stop)
        await self.shutdown(shutdown_timeout_s)

    def write_now(self) -> None:
        """Have ``run`` write what is queued at once rather than at the flush interval (a
        partial batch that nothing else will fill, as at the end of a finite run)."""
        self._wakeup.set()

    async def flush(self, timeout_s: float | None = None) -> int:
        """Write (or spool) everything queued now; return how many readings are still queued."""
        try:
            async with asyncio.timeout(timeout_s):
                while self._queue.items:
                    before = self._progress()
                    await self.step()
                    if self._progress() == before:  # let the timeout fire; retry later
                        await asyncio.sleep(min(self._retry_delay, 1.0))
        except TimeoutError:
            pass
        return self.depth

    async def shutdown(self, timeout_s: float = 10.0) -> None:
        """Write what the store takes within ``timeout_s``; spool the rest."""
        remaining = await self.flush(timeout_s)
        if remaining:
            await self.spool_the_rest()

    async def spool_the_rest(self) -> None:
        """Spool everything queued without writing it (the store cannot be written to, or
        the writer itself failed for good); what the spool refuses is counted as dropped."""
        self._spool_retry_at = 0.0
        try:
            await self._spool_queue()
        except Exception:
            log.exception("the queued readings could not be spooled")
        if self.depth:
            log.error(
                "%d readings could be neither written nor spooled and are lost at shutdown",
                self.depth,
            )
            self.stats.dropped += self.depth
            self._queue.take(self.depth)  # not durable: their on_durable must not run
