"""An MQTT broker inside the process (amqtt), for the demo: no Mosquitto to install.

It listens on a loopback address only, admits anonymous clients and keeps no $SYS topics or
packet logs. Production uses a real broker (Mosquitto in docker-compose.yml); the tests use a
real Mosquitto too.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field

from amqtt.broker import Broker

from simulation.modbus_devices import free_port


@dataclass
class EmbeddedBroker:
    host: str = "127.0.0.1"
    port: int = 0
    _broker: Broker | None = field(default=None, repr=False)

    async def start(self) -> None:
        if self.host not in ("127.0.0.1", "::1", "localhost"):
            raise ValueError(f"the embedded broker listens on loopback only, not {self.host!r}")
        for name in ("amqtt", "transitions"):  # they log every connection at INFO
            logging.getLogger(name).setLevel(logging.WARNING)
        if self.port == 0:
            self.port = free_port(self.host)
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "plugins": {
                "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}
            },
        }
        self._broker = Broker(config)
        await self._broker.start()

    async def stop(self) -> None:
        if self._broker is not None:
            with contextlib.suppress(Exception):  # a broker already shutting down may raise
                await self._broker.shutdown()
            self._broker = None
