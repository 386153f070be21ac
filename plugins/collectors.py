"""What a plugin's collector is, and what it is given (the ``enms_collectors`` hook).

A collector reads meters over a protocol enms does not ship and hands the readings to the
daemon, which writes them like any other: through the store-and-forward writer, with health
reported beside the Modbus and MQTT sources. The daemon supervises each collector: one that
raises is reported offline with its error and started again after a back-off.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from core.config.models import EnmsConfig, Meter, Site
from core.readings import reading_tags
from core.schema import Measurement
from core.storage.points import FieldValue, Point

if TYPE_CHECKING:
    import asyncio

    from core.health import SourceHealth

#: how a collector hands over readings: non-blocking, safe to call from the event loop
Submit = Callable[[Sequence[Point]], None]


@runtime_checkable
class Collector(Protocol):
    """One source of readings run by the daemon (e.g. one M-Bus master, one BACnet network)."""

    name: str  # shown in health reports and logs, e.g. "mbus-ttyUSB0"

    async def run(self, submit: Submit, stop: asyncio.Event) -> None:
        """Read until ``stop`` is set, giving readings to ``submit``; raise on a failure
        the daemon should report (it restarts the collector after a back-off)."""
        ...

    def health(self) -> Sequence[SourceHealth]:
        """The health of each source (device) it reads; empty if it keeps none."""
        ...


@dataclass(frozen=True)
class PluginMeter:
    """A configured meter whose ``plugin.name`` is this plugin."""

    site: Site
    meter: Meter
    address: Mapping[str, Any]

    @property
    def id(self) -> str:
        return self.meter.id


@dataclass(frozen=True)
class CollectorContext:
    """What ``enms_collectors`` is called with: the configuration, the plugin's own
    settings (``plugins.settings.<name>``) and the meters it is to read."""

    plugin: str
    config: EnmsConfig
    settings: Mapping[str, Any]
    meters: Sequence[PluginMeter] = field(default_factory=tuple)

    def reading(
        self, meter_id: str, fields: Mapping[str, FieldValue], time_ns: int | None = None
    ) -> Point:
        """A reading of one of this plugin's meters, tagged as every enms reading is
        (site, building, meter, medium, SEU, the meter's own tags); now unless ``time_ns``."""
        for planned in self.meters:
            if planned.id == meter_id:
                tags = reading_tags(planned.site, planned.meter)
                return Point(Measurement.READINGS, tags, dict(fields), time_ns or time.time_ns())
        known = ", ".join(m.id for m in self.meters) or "none"
        raise KeyError(f"meter {meter_id!r} is not read by plugin {self.plugin!r}; its: {known}")


def collector_context(config: EnmsConfig, plugin: str) -> CollectorContext:
    meters = [
        PluginMeter(site, meter, meter.plugin.address)
        for site, meter in config.meters()
        if meter.plugin is not None and meter.plugin.name == plugin
    ]
    return CollectorContext(
        plugin=plugin,
        config=config,
        settings=config.plugins.settings.get(plugin, {}),
        meters=tuple(meters),
    )
