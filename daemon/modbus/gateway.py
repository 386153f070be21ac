"""One Modbus TCP connection per gateway, requests serialised, failures classified.

An RS-485 gateway forwards one request at a time to its bus, so enms never sends it two at
once: requests wait for the connection's lock, and an optional pause between requests gives
slow buses time to settle. After a timeout the connection is reopened, so a late reply to
an abandoned request can never be taken for the answer to the next one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusException

from core.config.models import ModbusGateway
from core.errors import MeterException, MeterReadError, MeterTimeout, MeterUnreachable
from core.meters.profiles import RegisterKind

log = logging.getLogger(__name__)

#: exception codes that mean "try again": acknowledge (5), busy (6), and a gateway whose
#: target did not respond (11)
RETRYABLE_CODES = frozenset({5, 6, 11})
EXCEPTION_NAMES = {
    1: "illegal function",
    2: "illegal data address",
    3: "illegal data value",
    4: "device failure",
    5: "acknowledge",
    6: "device busy",
    10: "gateway path unavailable",
    11: "gateway target did not respond",
}
_FIRST_BACKOFF_S = 0.05


class GatewayConnection:
    """Reads registers through one gateway; safe to share between many meters' tasks."""

    def __init__(self, spec: ModbusGateway) -> None:
        self.spec = spec
        self._lock = asyncio.Lock()
        self._client: AsyncModbusTcpClient | None = None
        self._last_request = 0.0
        self.requests = 0

    @property
    def name(self) -> str:
        return f"{self.spec.id} ({self.spec.host}:{self.spec.port})"

    async def _connected(self) -> AsyncModbusTcpClient:
        if self._client is not None and self._client.connected:
            return self._client
        await self.close()
        client = AsyncModbusTcpClient(
            self.spec.host,
            port=self.spec.port,
            timeout=self.spec.timeout_s,
            retries=0,
            reconnect_delay=0,  # enms decides when to reconnect
        )
        try:
            connected = await asyncio.wait_for(client.connect(), self.spec.timeout_s + 1)
        except (TimeoutError, OSError, ModbusException):
            connected = False
        if not connected:
            client.close()
            raise MeterUnreachable(f"cannot connect to gateway {self.name}")
        self._client = client
        return client

    async def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    async def read(
        self,
        unit_id: int,
        kind: RegisterKind,
        address: int,
        count: int,
        *,
        attempts: int,
        timeout_s: float | None = None,
    ) -> list[int]:
        """Read ``count`` registers, retrying busy answers and lost connections up to
        ``attempts`` times, each request given ``timeout_s`` (default: the gateway's).

        A timeout is not retried: a silent unit would hold the bus for every attempt while
        the other units behind the gateway wait. Its meter is simply polled again at its
        next interval (see ``MeterPoller`` for how units that stay silent are probed).
        """
        async with self._lock:
            problem: MeterReadError = MeterTimeout("no attempt made")
            for attempt in range(attempts):
                if attempt:
                    await asyncio.sleep(_FIRST_BACKOFF_S * 2 ** (attempt - 1))
                try:
                    return await self._read_once(unit_id, kind, address, count, timeout_s)
                except MeterException as exc:
                    if exc.code not in RETRYABLE_CODES:
                        raise
                    problem = exc
                except MeterUnreachable as exc:
                    problem = exc
            raise problem

    async def _read_once(
        self, unit_id: int, kind: RegisterKind, address: int, count: int, timeout_s: float | None
    ) -> list[int]:
        pause = self.spec.pause_s - (time.monotonic() - self._last_request)
        if pause > 0:
            await asyncio.sleep(pause)
        what = f"{kind.value} registers {address}..{address + count - 1} of unit {unit_id}"
        client = await self._connected()
        call: Callable[..., Awaitable[Any]] = (
            client.read_holding_registers
            if kind is RegisterKind.HOLDING
            else client.read_input_registers
        )
        self.requests += 1
        try:
            # pymodbus times the request out itself after the gateway's timeout; a shorter
            # one for this request, and the backstop, come from here (asyncio.timeout costs
            # no task per request, unlike wait_for)
            limit = timeout_s if timeout_s is not None else self.spec.timeout_s + 0.5
            async with asyncio.timeout(limit):
                response = await call(address, count=count, device_id=unit_id)
        except (TimeoutError, ModbusException, OSError) as exc:
            await self.close()  # a late reply must not be read as the next request's answer
            raise MeterTimeout(
                f"{self.name}: no answer reading {what} ({type(exc).__name__})"
            ) from exc
        finally:
            self._last_request = time.monotonic()
        if response.isError():
            code = int(getattr(response, "exception_code", 0))
            name = EXCEPTION_NAMES.get(code, "unknown exception")
            raise MeterException(f"{self.name}: {what}: Modbus exception {code} ({name})", code)
        registers = list(response.registers)
        if len(registers) < count:
            raise MeterReadError(f"{self.name}: {what}: got {len(registers)} registers")
        return registers[:count]
