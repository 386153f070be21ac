"""The MQTT collector: messages in, readings out, bad payloads counted per topic and reason.

Every message is data, never control flow. A bad payload -- not JSON, too large, a missing
path, a wrong type, an absurd value, an unknown topic or device, or anything else that fails
while decoding it -- never stops the collector: it is counted in the topic's health, a sample
is logged (the first of each kind per topic, then at most one a minute with the count since),
and the message is acknowledged like a good one so the broker does not deliver it again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Protocol
from zoneinfo import ZoneInfo

from core.deployment import Deployment
from core.health import SourceHealth
from core.schema import Measurement
from core.storage.points import Point
from daemon.logs import RateLimitedLog
from daemon.mqtt.client import Message, MqttConnection
from daemon.mqtt.payloads import BadPayload, Reason, decode_payload
from daemon.mqtt.redelivery import Key, Redeliveries, message_key
from daemon.mqtt.routing import Route, Router
from daemon.receipt_times import ReceiptClock
from daemon.supervision import sleep_unless_stopped

log = logging.getLogger(__name__)


class ReadingSink(Protocol):
    """Where readings go: the writer."""

    @property
    def saturated(self) -> bool: ...

    def submit(
        self, points: Sequence[Point], on_durable: Callable[[], None] | None = None
    ) -> bool: ...


#: topics tracked one by one in health; further ones are counted together
MAX_TOPICS = 10_000
OTHER_TOPICS = "(other topics)"
SAMPLE_INTERVAL_S = 60.0
SAMPLE_BYTES = 200
SATURATED_POLL_S = 0.1
#: how long a receipt time is kept after its message was acknowledged (redelivery.py)
ACK_GRACE_S = 30.0


class ConnectionTaskEnded(Exception):
    """The MQTT connection's task ended by itself (a bug or an error nobody foresaw)."""


class MqttCollector:
    def __init__(self, deployment: Deployment, *, persistent: bool = True) -> None:
        config = deployment.config
        assert config.mqtt is not None
        self.router = Router(deployment)
        self.zone = ZoneInfo(config.portfolio.timezone)
        self.connection = MqttConnection(config.mqtt, self.router.filters(), persistent=persistent)
        self._health: dict[str, SourceHealth] = {}
        self._buildings = {meter.id: meter.building for _, meter in config.meters()}
        self._connection: asyncio.Task[None] | None = None
        self._disconnect = asyncio.Event()
        self._bad_log = RateLimitedLog(log, logging.WARNING, interval_s=SAMPLE_INTERVAL_S)
        self._max_payload = config.mqtt.max_payload_bytes
        self.receipt_clock = ReceiptClock(config.storage.resolution_ns)
        self.redeliveries = Redeliveries()
        self._stamped: list[tuple[Key, int]] = []
        self._acknowledged: deque[tuple[float, int, list[tuple[Key, int]]]] = deque()

    def health(self) -> list[SourceHealth]:
        return list(self._health.values())

    def _source(self, topic: str, meter: str | None) -> SourceHealth:
        health = self._health.get(topic)
        if health is None:
            if len(self._health) >= MAX_TOPICS:
                topic, meter = OTHER_TOPICS, None
                health = self._health.get(topic)
            if health is None:
                tags = {"meter": meter} if meter else {}
                if meter in self._buildings:
                    tags["building"] = self._buildings[meter]
                health = SourceHealth("mqtt", topic, tags)
                self._health[topic] = health
        return health

    def _sample(
        self, topic: str, reason: str, detail: str, payload: bytes, *, trace: bool = False
    ) -> None:
        self._bad_log.log(
            f"{topic}\0{reason}",
            "bad MQTT payload on %s: %s: %s; payload: %r",
            topic[:SAMPLE_BYTES],
            reason,
            detail,
            payload[:SAMPLE_BYTES],
            exc_info=trace,
        )

    def _decode(self, message: Message, route: Route | None) -> Point:
        """The message's reading, or BadPayload."""
        if route is None:
            raise BadPayload(Reason.UNKNOWN_TOPIC, "no meter or subscription pattern matches")
        if not route.configured:
            raise BadPayload(
                Reason.UNKNOWN_DEVICE,
                f"meter {route.meter!r} is not configured (add it to a site to store it)",
            )
        if len(message.payload) > self._max_payload:
            raise BadPayload(
                Reason.TOO_LARGE,
                f"{len(message.payload)} bytes, more than mqtt.max_payload_bytes "
                f"({self._max_payload})",
            )
        values, time_ns = decode_payload(
            message.payload, route.fmt, received_ns=message.received_ns, zone=self.zone
        )
        if not values:
            raise BadPayload(Reason.MISSING_PATH, "none of the format's values is present")
        if route.fmt.timestamp is None:
            time_ns = self._receipt_time(message, route)
        return Point(Measurement.READINGS, route.tags, values, time_ns)

    def _receipt_time(self, message: Message, route: Route) -> int:
        """A unique receipt time, or a re-delivered message's first one (redelivery.py)."""
        if not message.qos:
            return self.receipt_clock.stamp(route.series, message.received_ns)
        key = message_key(message.topic, message.payload)
        time_ns = self.redeliveries.first_time(key, message.generation) if message.dup else None
        if time_ns is None:
            time_ns = self.receipt_clock.stamp(route.series, message.received_ns)
        self.redeliveries.remember(key, message.generation, time_ns)
        self._stamped.append((key, time_ns))
        return time_ns

    def handle(self, message: Message) -> Point | None:
        """The reading a message carries, or None (counted) if it carries none.

        This is the boundary of one input: whatever goes wrong decoding a message -- also
        an error no one foresaw -- is counted against its topic and the collector goes on.
        """
        route: Route | None = None
        try:
            route = self.router.route(message.topic)
            point = self._decode(message, route)
        except BadPayload as bad:
            self._reject(message, route, bad.reason, bad.detail)
            return None
        except Exception as exc:  # the input boundary: no payload may stop the daemon
            detail = f"{type(exc).__name__}: {exc}"[:SAMPLE_BYTES]
            self._reject(message, route, Reason.UNREADABLE, detail, trace=True)
            return None
        assert route is not None
        health = self._source(message.topic, route.meter)
        age_s = max(0.0, (message.received_ns - point.time_ns) / 1e9)
        health.record_success(message.received_ns, age_s, len(point.fields))
        return point

    def _reject(
        self,
        message: Message,
        route: Route | None,
        reason: str,
        detail: str,
        *,
        trace: bool = False,
    ) -> None:
        health = self._source(message.topic, route.meter if route else None)
        health.record_failure(message.received_ns, reason, f"{reason}: {detail}")
        self._sample(message.topic, reason, detail, message.payload, trace=trace)

    def handle_batch(self, messages: Sequence[Message]) -> list[Point]:
        return [point for message in messages if (point := self.handle(message)) is not None]

    def _submit(self, writer: ReadingSink, messages: Sequence[Message]) -> None:
        self._expire_acknowledged()
        if not messages:
            return
        points = self.handle_batch(messages)
        # Acknowledge once durable -- bad payloads too, in order, so that PUBACKs follow the
        # order the broker sent the messages in.
        by_generation: dict[int, list[tuple[int, int]]] = {}
        for message in messages:
            if message.qos:
                by_generation.setdefault(message.generation, []).append((message.mid, message.qos))
        acks = [(generation, mids) for generation, mids in by_generation.items()]
        stamped, self._stamped = self._stamped, []

        def acknowledge() -> None:
            acknowledged = [self.connection.ack(mids, generation) for generation, mids in acks]
            if stamped and all(acknowledged):
                # kept a while longer: a connection lost before the PUBACKs reached the
                # broker brings the messages again (else they stay until delivered again)
                deadline = time.monotonic() + ACK_GRACE_S
                self._acknowledged.append((deadline, self.connection.generation, stamped))

        if not writer.submit(points, on_durable=acknowledge):
            for key, time_ns in stamped:  # dropped, never stored: a re-delivery is new
                self.redeliveries.forget(key, time_ns)

    def _expire_acknowledged(self) -> None:
        """Forget the times of messages whose acknowledgement has surely reached the broker:
        the connection it went on is still up ``ACK_GRACE_S`` later."""
        now = time.monotonic()
        while self._acknowledged and self._acknowledged[0][0] <= now:
            _, generation, stamped = self._acknowledged.popleft()
            if generation == self.connection.generation and self.connection.connected.is_set():
                for key, time_ns in stamped:
                    self.redeliveries.forget(key, time_ns)

    def start(self) -> None:
        """Connect (in the background); ``close`` disconnects."""
        if self._connection is None:
            self._disconnect = asyncio.Event()
            self._connection = asyncio.create_task(
                self.connection.run(self._disconnect), name="mqtt-connection"
            )

    def _check_connection(self) -> None:
        """Raise what ended the connection task, so the supervisor restarts this collector
        (and with it the connection) instead of waiting on a connection that is gone."""
        task = self._connection
        if task is not None and task.done():
            self._connection = None
            error = None if task.cancelled() else task.exception()
            raise ConnectionTaskEnded(f"MQTT connection to {self.connection.name} ended: {error}")

    async def run(self, writer: ReadingSink, stop: asyncio.Event) -> None:
        """Receive and hand on readings until ``stop``; the connection stays up for the acks."""
        self.start()
        while not stop.is_set():
            self._check_connection()
            if writer.saturated:
                self.connection.pause_reading()  # the broker holds the messages meanwhile
                await sleep_unless_stopped(stop, SATURATED_POLL_S)
                continue
            self.connection.resume_reading()
            self._submit(writer, await self.connection.next_batch(stop))
        self._submit(writer, self.connection.drain())

    async def close(self) -> None:
        """Disconnect cleanly (after the writer has made the last readings durable)."""
        if self._connection is not None:
            self._disconnect.set()
            await self._connection
            self._connection = None
