"""The MQTT connection: paho-mqtt in its network thread, messages handed to asyncio in batches.

The session is persistent (MQTT 5: clean start off and a session expiry; 3.1.1: clean session
off), so the broker queues QoS 1 messages while enms is down and delivers them when it comes
back. paho reconnects by itself with backoff; every (re)connect subscribes again.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from daemon.config.models import MqttBroker

log = logging.getLogger(__name__)

#: QoS 1 messages the broker may have in flight to us unacknowledged (MQTT 5 Receive Maximum)
RECEIVE_MAXIMUM = 65535
RECONNECT_MIN_S = 1
RECONNECT_MAX_S = 60


@dataclass(frozen=True, slots=True)
class Message:
    topic: str
    payload: bytes
    received_ns: int


class MqttConnection:
    def __init__(self, settings: MqttBroker, filters: list[str]) -> None:
        self.settings = settings
        prefix = f"$share/{settings.shared_group}/" if settings.shared_group else ""
        self.filters = [prefix + topic for topic in filters]
        v5 = settings.protocol == "5"
        self._client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=settings.client_id,
            protocol=MQTTProtocolVersion.MQTTv5 if v5 else MQTTProtocolVersion.MQTTv311,
            clean_session=None if v5 else False,
        )
        if settings.username is not None:
            password = settings.password.get_secret_value() if settings.password else None
            self._client.username_pw_set(settings.username, password)
        if settings.tls:
            self._client.tls_set(
                ca_certs=str(settings.ca_file) if settings.ca_file else None,
                tls_version=ssl.PROTOCOL_TLS_CLIENT,
            )
        self._client.reconnect_delay_set(RECONNECT_MIN_S, RECONNECT_MAX_S)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._inbox: deque[Message] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake = asyncio.Event()
        self._signalled = False
        self._lock = threading.Lock()
        self.connected = threading.Event()
        self.connects = 0
        self.received = 0

    @property
    def name(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    # ------------------------------------------------------------------ paho thread
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
        if self.connected.is_set():
            log.warning("MQTT connection to %s lost (%s); reconnecting", self.name, reason)
        self.connected.clear()

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        self._inbox.append(Message(message.topic, bytes(message.payload), time.time_ns()))
        self.received += 1
        with self._lock:
            if self._signalled or self._loop is None:
                return
            self._signalled = True
        self._loop.call_soon_threadsafe(self._wake.set)

    # ------------------------------------------------------------------ asyncio side
    def start(self) -> None:
        """Connect in the background; paho keeps reconnecting until ``stop``."""
        self._loop = asyncio.get_running_loop()
        properties = None
        if self.settings.protocol == "5":
            properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            properties.SessionExpiryInterval = self.settings.session_expiry_s
            properties.ReceiveMaximum = RECEIVE_MAXIMUM
        self._client.connect_async(
            self.settings.host,
            self.settings.port,
            keepalive=self.settings.keepalive_s,
            clean_start=False,
            properties=properties,
        )
        self._client.loop_start()

    def drain(self) -> list[Message]:
        batch = []
        while self._inbox:
            batch.append(self._inbox.popleft())
        return batch

    async def next_batch(self, stop: asyncio.Event, timeout_s: float = 1.0) -> list[Message]:
        """Messages received since the last call; waits for some, the stop signal or timeout."""
        if not self._inbox:
            waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waiters, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
        self._wake.clear()
        with self._lock:
            self._signalled = False  # before draining: a message arriving now signals again
        return self.drain()

    def stop(self) -> None:
        """Disconnect cleanly; the broker keeps the session for ``session_expiry_s``."""
        self._client.disconnect()
        self._client.loop_stop()
        self.connected.clear()
