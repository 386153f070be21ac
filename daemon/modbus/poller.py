"""Polling Modbus meters on their own schedules.

Every meter has its own interval. Meters behind one gateway are polled one at a time by that
gateway's scheduler (the gateway serialises requests anyway); gateways run in parallel.

A silent unit must not hold up the others on its bus. A timeout is never retried within a
poll, so an answering unit that falls silent holds the bus for one ``timeout_s`` per poll;
after ``OFFLINE_AFTER`` failures it is offline and tried once per ``OFFLINE_RETRY_S``. A unit
that has not answered yet (at start) or is offline is probed with one attempt, every other
probe with the gateway's shorter ``probe_timeout_s`` (a slow unit gets its full timeout on
the next). So the other units' polls are late by at most one ``timeout_s``.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from core.config.models import Meter, Site
from core.deployment import Deployment
from core.errors import MeterException, MeterReadError
from core.health import SourceHealth
from core.meters.profiles import MeterProfile, RegisterKind
from core.readings import reading_tags
from core.schema import Measurement
from core.storage.points import FieldValue, Point
from daemon.logs import RateLimitedLog
from daemon.modbus.blocks import Block, BoundRegister, bind, plan, split_at_gaps
from daemon.modbus.gateway import GatewayConnection
from daemon.modbus.sunspec import discover
from daemon.modbus.values import Decoded, ValueDecoder
from daemon.supervision import sleep_unless_stopped

log = logging.getLogger(__name__)

#: how often an offline meter is tried again (at least its own interval)
OFFLINE_RETRY_S = 60.0
ILLEGAL_DATA_ADDRESS = 2

Sink = Callable[[Sequence[Point]], object]  # the writer's submit; what it returns is unused

_unexpected = RateLimitedLog(log, logging.ERROR, exc_info=True)
_bad_values = RateLimitedLog(log, logging.WARNING)


@dataclass
class PollResult:
    meter: str
    gateway: str
    unit_id: int
    values: dict[str, float | None] = field(default_factory=dict)
    #: values the device sent that are no engineering value, by field, with the reason
    problems: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    latency_s: float = 0.0


class MeterPoller:
    """One meter: its profile bound to addresses, its block plan, its health."""

    def __init__(
        self,
        site: Site,
        meter: Meter,
        profile: MeterProfile,
        gateway: GatewayConnection,
        decoder: ValueDecoder | None = None,
    ) -> None:
        assert meter.modbus is not None
        self.site, self.meter, self.profile, self.gateway = site, meter, profile, gateway
        self.source = meter.modbus
        self.tags = reading_tags(site, meter)
        self.health = SourceHealth(
            "modbus",
            meter.id,
            {"meter": meter.id, "gateway": gateway.spec.id, "building": meter.building},
        )
        self.decoder = decoder or ValueDecoder(profile)
        self._blocks: list[Block] | None = None
        if profile.sunspec is None:
            self._blocks = self._plan(bind(profile))

    def _plan(self, registers: list[BoundRegister]) -> list[Block]:
        return plan(
            registers,
            max_count=self.profile.max_registers_per_read,
            max_gap=self.profile.max_gap,
        )

    @property
    def blocks(self) -> list[Block] | None:
        return self._blocks

    @property
    def proven(self) -> bool:
        """The unit has answered before and has not gone offline since."""
        return self.health.successes > 0 and self.health.online

    async def _read(self, kind: RegisterKind, address: int, count: int) -> list[int]:
        # A unit that has never answered, or went offline, is probed with one attempt, and
        # every other probe with the short probe timeout: a silent unit holds its gateway's
        # bus only briefly, and a slow one still gets its full timeout on the next probe.
        spec = self.gateway.spec
        if self.proven:
            attempts, timeout_s = 1 + spec.retries, None
        elif self.health.consecutive_failures % 2 == 0:
            attempts, timeout_s = 1, min(spec.timeout_s, spec.probe_timeout_s)
        else:
            attempts, timeout_s = 1, None
        return await self.gateway.read(
            self.source.unit_id, kind, address, count, attempts=attempts, timeout_s=timeout_s
        )

    async def _ensure_blocks(self) -> list[Block]:
        if self._blocks is None:
            assert self.profile.sunspec is not None
            model = await discover(
                lambda address, count: self._read(RegisterKind.HOLDING, address, count),
                self.profile.sunspec,
            )
            log.info(
                "meter %s: SunSpec model %d at register %d",
                self.meter.id,
                model.model_id,
                model.start,
            )
            self._blocks = self._plan(bind(self.profile, model.start))
        return self._blocks

    async def read_values(self) -> Decoded:
        blocks = await self._ensure_blocks()
        reads: list[tuple[Block, list[int]]] = []
        refined: list[Block] = []
        for block in blocks:
            try:
                reads.append((block, await self._read(block.kind, block.address, block.count)))
                refined.append(block)
            except MeterException as exc:
                parts = split_at_gaps(block)
                if exc.code != ILLEGAL_DATA_ADDRESS or len(parts) == 1:
                    raise
                # The device refuses reads across its unmapped registers: read the runs
                # separately, now and from now on.
                log.info(
                    "meter %s refuses %s registers %d..%d as one read; using %d reads",
                    self.meter.id,
                    block.kind.value,
                    block.address,
                    block.address + block.count - 1,
                    len(parts),
                )
                for part in parts:
                    reads.append((part, await self._read(part.kind, part.address, part.count)))
                refined += parts
        self._blocks = refined
        return self.decoder.decode(reads)

    async def poll(self, sink: Sink, clock: Callable[[], int] = time.time_ns) -> PollResult:
        """Read the meter once, hand its reading to ``sink`` and update its health."""
        result = PollResult(self.meter.id, self.gateway.spec.id, self.source.unit_id)
        began = time.monotonic()
        try:
            decoded = await self.read_values()
        except MeterReadError as exc:
            rediscover = not isinstance(exc, MeterException)
            return self._failed(result, began, clock(), exc.kind, str(exc), rediscover=rediscover)
        except Exception as exc:  # the input boundary: one device's answer stops nothing
            message = f"cannot decode the answer: {type(exc).__name__}: {exc}"
            _unexpected.log(self.meter.id, message)
            return self._failed(result, began, clock(), "undecodable", message, rediscover=True)
        now = clock()  # read time: when the answer arrived
        values = decoded.values
        result.values, result.problems = values, decoded.problems
        result.latency_s = time.monotonic() - began
        for name, problem in decoded.problems.items():
            self.health.errors[f"value_{problem}"] += 1
            _bad_values.log(
                f"{self.meter.id}/{name}",
                f"meter {self.meter.id}: {name} is not stored ({problem}); the other values are",
            )
        stored: dict[str, FieldValue] = {}
        for spec in self.profile.registers:
            value = values.get(spec.field)
            if spec.store and value is not None:
                stored[spec.field] = value
        if stored:
            sink([Point(Measurement.READINGS, self.tags, stored, now)])
        self.health.record_success(now, result.latency_s, len(stored))
        return result

    def _failed(
        self,
        result: PollResult,
        began: float,
        now_ns: int,
        kind: str,
        message: str,
        *,
        rediscover: bool,
    ) -> PollResult:
        result.error = message
        result.latency_s = time.monotonic() - began
        self.health.record_failure(now_ns, kind, message)
        if rediscover and self.profile.sunspec is not None:
            self._blocks = None  # rediscover: the device may have been replaced
        return result

    def first_delay(self) -> float:
        """Spread meters over their interval so a portfolio does not poll all at once."""
        interval = self.source.poll_interval_s
        return (zlib.crc32(self.meter.id.encode()) % 1000) / 1000 * min(interval, 10.0)

    def next_due(self, due: float, now: float) -> float:
        """The next poll time after one due at ``due`` ran; missed ticks are skipped."""
        interval = self.source.poll_interval_s
        step = interval if self.health.online else max(interval, OFFLINE_RETRY_S)
        following = due + step
        if following <= now:  # overran: resume on the schedule, never catch up in a burst
            following += ((now - following) // step + 1) * step
        return following


class GatewayScheduler:
    """Polls the meters behind one gateway, each when it is due.

    A gateway answers one request at a time, so its meters are polled one after another by a
    single task that keeps their due times in a heap; different gateways run in parallel.
    """

    def __init__(self, gateway: GatewayConnection, meters: list[MeterPoller]) -> None:
        self.gateway = gateway
        self.meters = meters

    async def poll_all(self, sink: Sink) -> list[PollResult]:
        return [await meter.poll(sink) for meter in self.meters]

    async def run(self, sink: Sink, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        due = [(start + meter.first_delay(), index) for index, meter in enumerate(self.meters)]
        heapq.heapify(due)
        while due and not stop.is_set():
            at, index = due[0]
            delay = at - loop.time()
            if delay > 0:
                await sleep_unless_stopped(stop, delay)
                continue  # re-check: stopped, or now due
            meter = self.meters[index]
            await meter.poll(sink)
            heapq.heapreplace(due, (meter.next_due(at, loop.time()), index))


class ModbusCollector:
    """Every Modbus meter of a deployment."""

    def __init__(self, deployment: Deployment) -> None:
        config = deployment.config
        self.gateways = {spec.id: GatewayConnection(spec) for spec in config.modbus.gateways}
        decoders: dict[str, ValueDecoder] = {}  # hundreds of meters share a few profiles
        self.meters = []
        for site, meter in config.meters():
            if meter.modbus is None:
                continue
            profile = deployment.profiles[meter.modbus.profile]
            if profile.id not in decoders:
                decoders[profile.id] = ValueDecoder(profile)
            decoder = decoders[profile.id]
            gateway = self.gateways[meter.modbus.gateway]
            self.meters.append(MeterPoller(site, meter, profile, gateway, decoder))
        self.schedulers = [
            GatewayScheduler(gateway, [m for m in self.meters if m.gateway is gateway])
            for gateway in self.gateways.values()
        ]

    async def poll_once(self, sink: Sink) -> list[PollResult]:
        """Poll every meter once (gateways in parallel); results in configuration order."""
        results = await asyncio.gather(*(s.poll_all(sink) for s in self.schedulers))
        by_meter = {result.meter: result for group in results for result in group}
        return [by_meter[meter.meter.id] for meter in self.meters]

    def health(self) -> list[SourceHealth]:
        return [meter.health for meter in self.meters]

    async def close(self) -> None:
        for gateway in self.gateways.values():
            await gateway.close()
