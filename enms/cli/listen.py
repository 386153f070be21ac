"""``enms collect --listen S``: what arrives from each configured MQTT meter, for S seconds.

A technician's check on site, the MQTT counterpart of ``enms collect --no-store``: every
reading is shown as it arrives, decoded with its units, every refused payload with why, and
at the end each configured MQTT meter with what it sent -- or that nothing came. Nothing is
stored. The listener connects as its own client (the configured client id with ``-listen``
and the process id, no shared group, a clean session), so a running daemon keeps its own
session and every message it is owed.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from core.deployment import Deployment
from core.i18n import N_, Locale
from core.schema import Tag
from core.storage.points import Point
from core.units import unit_of
from daemon.mqtt.collector import MqttCollector
from enms.cli.console import text_table


@dataclass
class Heard:
    """What one meter sent while listening."""

    messages: int = 0
    values: dict[str, float] = field(default_factory=dict)


class Shown:
    """The sink a listening collector hands its readings to: printed, never stored."""

    saturated = False

    def __init__(self, zone: ZoneInfo, out: Callable[[str], None]) -> None:
        self.zone, self.out = zone, out
        self.heard: dict[str, Heard] = {}

    def submit(self, points: Sequence[Point], on_durable: Callable[[], None] | None = None) -> bool:
        for point in points:
            meter = point.tags.get(Tag.METER, "?")
            heard = self.heard.setdefault(meter, Heard())
            heard.messages += 1
            values = {k: float(v) for k, v in point.fields.items() if isinstance(v, int | float)}
            heard.values.update(values)
            at = datetime.fromtimestamp(point.time_ns / 1e9, UTC).astimezone(self.zone)
            self.out(f"{at:%H:%M:%S} {meter}: {shown(values)}")
        if on_durable is not None:
            on_durable()  # nothing to keep: acknowledged as shown
        return True


def shown(values: dict[str, float]) -> str:
    return ", ".join(f"{name} {value:g} {unit_of(name)}".rstrip() for name, value in values.items())


def listener_settings(deployment: Deployment) -> Deployment:
    """The deployment with the broker settings of a passing listener."""
    config = deployment.config
    assert config.mqtt is not None
    mqtt = config.mqtt.model_copy(
        update={"client_id": f"{config.mqtt.client_id}-listen-{os.getpid()}", "shared_group": None}
    )
    return replace(deployment, config=config.model_copy(update={"mqtt": mqtt}))


async def listen(
    deployment: Deployment, seconds: float, out: Callable[[str], None], locale: Locale
) -> int:
    """Listen ``seconds``, print as messages arrive, then the summary; 1 if a configured MQTT
    meter sent nothing readable."""
    config = deployment.config
    zone = ZoneInfo(config.portfolio.timezone)
    collector = MqttCollector(listener_settings(deployment), persistent=False)
    sink = Shown(zone, out)
    stop = asyncio.Event()
    started = time.monotonic()
    out(
        locale.text(
            "listening {seconds:n0} s to {broker} ...",
            seconds=seconds, broker=collector.connection.name,
        )
    )  # fmt: skip
    task = asyncio.create_task(collector.run(sink, stop))
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
        if task in done:
            task.result()  # the connection failed: say why
    finally:
        stop.set()
        if not task.done():
            await asyncio.wait_for(task, timeout=30)
        await collector.close()
    refused = {h.tags.get("meter") or h.source: h for h in collector.health() if h.failures}
    rows = []
    silent = 0
    for _, meter in config.meters():
        if meter.mqtt is None:
            continue
        heard = sink.heard.get(meter.id)
        bad = refused.get(meter.id)
        if heard is None:
            silent += 1
        status = (
            locale.text("{count:n0} refused: {error}", count=bad.failures, error=bad.last_error)
            if bad is not None
            else "ok"
            if heard is not None
            else locale.text("nothing arrived")
        )
        rows.append(
            (meter.id, heard.messages if heard else 0, shown(heard.values) if heard else "", status)
        )
    listed = {row[0] for row in rows}
    others = [h for key, h in refused.items() if key not in listed]
    out("")
    headings = (N_("meter"), N_("messages"), N_("last values"), N_("status"))
    out(text_table(tuple(locale.text(h) for h in headings), rows))
    for health in others:
        refused_here = locale.text(
            "{count:n0} refused: {error}", count=health.failures, error=health.last_error
        )
        out(f"  {health.source}: {refused_here}")
    out(
        locale.text(
            "{sent} of {meters} MQTT meters sent readings in {seconds:n0} s; nothing stored",
            sent=len(rows) - silent, meters=len(rows), seconds=time.monotonic() - started,
        )
    )  # fmt: skip
    return 1 if silent else 0
