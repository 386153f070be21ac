"""The MQTT connection: paho-mqtt driven by the asyncio event loop.

paho's own network thread would compete with the event loop for the GIL: while the loop
decodes a batch, the thread gets the interpreter once per switch interval and reads one packet
each time, and throughput collapses. So paho's socket is registered with the event loop
instead (``add_reader``/``add_writer``), and every packet is handled on the loop's thread.
Only the blocking TCP connect runs in an executor.

The session is persistent (MQTT 5: clean start off and a session expiry; 3.1.1: clean session
off), so the broker queues QoS 1 messages while enms is down and delivers them when it comes
back. Lost connections are reopened with backoff, and every connect subscribes again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from core.config.models import MqttBroker

log = logging.getLogger(__name__)

#: QoS 1 messages the broker may have in flight to us unacknowledged (MQTT 5 Receive Maximum)
RECEIVE_MAXIMUM = 65535
RECONNECT_MIN_S = 1.0
RECONNECT_MAX_S = 60.0
#: how often paho's housekeeping (keepalive pings, retries) runs
HOUSEKEEPING_S = 1.0
DISCONNECT_TIMEOUT_S = 2.0
READS_PER_CALLBACK = 256


@dataclass(frozen=True, slots=True)
class Message:
    topic: str
    payload: bytes
    received_ns: int
    mid: int = 0
    qos: int = 0
    generation: int = 0  # which connection delivered it: acknowledgements go back on that one
    dup: bool = False  # the broker delivers it again (an earlier delivery was not acknowledged)


class MqttConnection:
    def __init__(
        self, settings: MqttBroker, filters: list[str], *, persistent: bool = True
    ) -> None:
        """``persistent=False`` for a passing listener (``enms collect --listen``): a clean
        session the broker forgets at disconnect, so no messages are queued for it after."""
        self.settings = settings
        self.persistent = persistent
        prefix = f"$share/{settings.shared_group}/" if settings.shared_group else ""
        self.filters = [prefix + topic for topic in filters]
        v5 = settings.protocol == "5"
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=settings.client_id,
            protocol=MQTTProtocolVersion.MQTTv5 if v5 else MQTTProtocolVersion.MQTTv311,
            clean_session=None if v5 else not persistent,
            # Acknowledge only once the reading is durable (written or spooled): a crash
            # before that makes the broker deliver the message again.
            manual_ack=True,
        )
        if settings.username is not None:
            password = settings.password.get_secret_value() if settings.password else None
            client.username_pw_set(settings.username, password)
        if settings.tls:
            client.tls_set(
                ca_certs=str(settings.ca_file) if settings.ca_file else None,
                tls_version=ssl.PROTOCOL_TLS_CLIENT,
            )
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        client.on_socket_open = self._on_socket_open
        client.on_socket_close = self._on_socket_close
        client.on_socket_register_write = self._on_register_write
        client.on_socket_unregister_write = self._on_unregister_write
        self._client = client
        self._inbox: deque[Message] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._wake = asyncio.Event()
        self._lost = asyncio.Event()
        self._opened = False
        self._flushing = False
        self._flush_scheduled = False
        self._socket: Any = None
        self._reading_paused = False
        self.generation = 0
        #: set while a session is established (CONNACK received); readable from any thread
        self.connected = threading.Event()
        #: set once the broker has granted this connection's subscriptions (SUBACK)
        self.subscribed = threading.Event()
        self.connects = 0
        self.received = 0

    @property
    def name(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    # ------------------------------------------------------------------ socket callbacks
    def _on_loop(self, function: Callable[..., object], *args: object) -> None:
        """Run on the event loop's thread: paho calls these from the connecting executor too."""
        assert self._loop is not None
        if threading.get_ident() == self._loop_thread:
            function(*args)
        else:
            self._loop.call_soon_threadsafe(function, *args)

    def _read(self) -> None:
        # loop_read handles one packet; keep going while messages keep coming, so a burst
        # costs one event-loop iteration rather than one per message
        for _ in range(READS_PER_CALLBACK):
            before = self.received
            if self._client.loop_read() != paho.MQTT_ERR_SUCCESS or self.received == before:
                break

    def _write(self) -> None:
        self._flushing = True
        try:
            self._client.loop_write()
        finally:
            self._flushing = False

    def _flush_soon(self) -> None:
        """Write queued packets (PUBACKs, mostly) once per event-loop iteration, not each."""
        if not self._flush_scheduled:
            self._flush_scheduled = True
            assert self._loop is not None
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        if self._client.socket() is not None and self._client.want_write():
            self._write()

    def _on_socket_open(self, client: paho.Client, userdata: Any, sock: Any) -> None:
        self._on_loop(self._attach, sock)

    def _attach(self, sock: Any) -> None:
        assert self._loop is not None
        self._socket = sock
        self.generation += 1
        if not self._reading_paused:
            self._loop.add_reader(sock, self._read)

    def _on_socket_close(self, client: paho.Client, userdata: Any, sock: Any) -> None:
        self._on_loop(self._detach, sock)

    def _detach(self, sock: Any) -> None:
        assert self._loop is not None
        self._loop.remove_reader(sock)
        self._loop.remove_writer(sock)
        if self._socket is sock:
            self._socket = None

    def pause_reading(self) -> None:
        """Stop reading from the broker (TCP pushes back); used while the writer is saturated."""
        if not self._reading_paused:
            self._reading_paused = True
            if self._socket is not None and self._loop is not None:
                self._loop.remove_reader(self._socket)

    def resume_reading(self) -> None:
        if self._reading_paused:
            self._reading_paused = False
            if self._socket is not None and self._loop is not None:
                self._loop.add_reader(self._socket, self._read)

    def ack(self, messages: list[tuple[int, int]], generation: int) -> bool:
        """Acknowledge (mid, qos) pairs received on connection ``generation``; False if
        that connection is gone.

        On a newer connection the packet ids mean other messages; the broker delivers the
        unacknowledged ones again, so they are simply not acknowledged here.
        """
        if generation != self.generation or not self.connected.is_set():
            return False
        for mid, qos in messages:
            self._client.ack(mid, qos)
        return True

    def _on_register_write(self, client: paho.Client, userdata: Any, sock: Any) -> None:
        assert self._loop is not None
        if threading.get_ident() != self._loop_thread:  # CONNECT, queued while connecting
            self._loop.call_soon_threadsafe(self._flush_soon)
        elif self._flushing:  # the socket took only part: wait until it is writable again
            self._loop.add_writer(sock, self._write)
        else:
            self._flush_soon()

    def _on_unregister_write(self, client: paho.Client, userdata: Any, sock: Any) -> None:
        assert self._loop is not None
        self._on_loop(self._loop.remove_writer, sock)

    # ------------------------------------------------------------------ MQTT callbacks
    def _on_connect(
        self, client: paho.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if reason.is_failure:
            log.warning("MQTT broker %s refused the connection: %s", self.name, reason)
            return
        self.connects += 1
        session = bool(getattr(flags, "session_present", False))
        log.info(
            "MQTT connected to %s (%s session); subscribing to %d topic filters",
            self.name,
            "resumed" if session else "new",
            len(self.filters),
        )
        if self.filters:
            client.subscribe([(topic, int(self.settings.qos)) for topic in self.filters])
        self.connected.set()

    def _on_disconnect(
        self, client: paho.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        self._on_loop(self._lost.set)
        self.subscribed.clear()
        if self.connected.is_set() and not self._stopping:
            log.warning("MQTT connection to %s lost (%s); reconnecting", self.name, reason)
        self.connected.clear()

    def _on_subscribe(
        self, client: paho.Client, userdata: Any, mid: int, reasons: Any, properties: Any
    ) -> None:
        failed = [reason for reason in reasons if reason.is_failure]
        if failed:
            log.error("MQTT broker %s refused subscriptions: %s", self.name, failed)
        granted = len(reasons) - len(failed)
        log.info("MQTT %s: subscriptions granted (%d topic filters)", self.name, granted)
        self.subscribed.set()

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        self._inbox.append(
            Message(
                message.topic,
                bytes(message.payload),
                time.time_ns(),
                message.mid,
                message.qos,
                self.generation,
                bool(message.dup),
            )
        )
        self.received += 1
        self._wake.set()

    # ------------------------------------------------------------------ asyncio side
    _stopping = False

    def _open(self) -> None:
        """TCP connect and queue CONNECT (blocking: runs in an executor)."""
        if self._opened:
            self._client.reconnect()
            return
        if self.settings.protocol == "5":
            properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            properties.SessionExpiryInterval = (
                self.settings.session_expiry_s if self.persistent else 0
            )
            properties.ReceiveMaximum = RECEIVE_MAXIMUM
            self._client.connect(
                self.settings.host,
                self.settings.port,
                keepalive=self.settings.keepalive_s,
                clean_start=not self.persistent,
                properties=properties,
            )
        else:  # 3.1.1: the persistent session was asked for with clean_session=False
            self._client.connect(
                self.settings.host, self.settings.port, keepalive=self.settings.keepalive_s
            )
        self._opened = True

    async def _until(
        self, event: asyncio.Event, stop: asyncio.Event, seconds: float | None
    ) -> None:
        """Wait for ``event``, ``stop`` or ``seconds``, whichever comes first."""
        waiters = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(stop.wait())]
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()

    async def run(self, stop: asyncio.Event) -> None:
        """Keep a session to the broker until ``stop``, reconnecting with backoff."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        delay = RECONNECT_MIN_S
        failing = False
        while not stop.is_set():
            self._lost.clear()
            try:
                await self._loop.run_in_executor(None, self._open)
            except (OSError, ssl.SSLError, ValueError) as exc:
                if not failing:
                    log.warning("cannot connect to MQTT broker %s (%s); retrying", self.name, exc)
                failing = True
                await self._until(asyncio.Event(), stop, delay)
                delay = min(delay * 2, RECONNECT_MAX_S)
                continue
            failing = False
            while not self._lost.is_set() and not stop.is_set():
                self._client.loop_misc()  # keepalive pings and retries
                self._flush_soon()
                await self._until(self._lost, stop, HOUSEKEEPING_S)
                if self.connected.is_set():
                    delay = RECONNECT_MIN_S
            if not stop.is_set():
                await self._until(asyncio.Event(), stop, delay)
                delay = min(delay * 2, RECONNECT_MAX_S)
        await self._close()

    async def _close(self) -> None:
        """Disconnect cleanly; the broker keeps the session for ``session_expiry_s``."""
        self._stopping = True
        if self._client.socket() is not None:
            self._client.disconnect()  # queues DISCONNECT; the flush sends it
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), DISCONNECT_TIMEOUT_S)
        self.connected.clear()

    def drain(self) -> list[Message]:
        batch = list(self._inbox)
        self._inbox.clear()
        return batch

    async def next_batch(self, stop: asyncio.Event, timeout_s: float = 1.0) -> list[Message]:
        """Messages received since the last call; waits for some, the stop signal or timeout."""
        if not self._inbox:
            await self._until(self._wake, stop, timeout_s)
        self._wake.clear()
        return self.drain()
