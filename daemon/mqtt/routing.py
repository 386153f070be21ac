"""Which meter, tags and payload format an incoming topic belongs to.

Meters configured with an exact topic come first; then the subscription patterns, whose named
levels become tags. A pattern's {meter} that names a configured meter takes that meter's
identity (site, building, medium) from the configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from core.config.models import Meter, Site
from core.deployment import Deployment
from core.meters.formats import FieldMapping, PayloadFormat, TimestampSpec
from core.readings import reading_tags
from core.schema import main_field
from core.topics import TopicPattern

_ROUTE_CACHE_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class Route:
    fmt: PayloadFormat
    tags: Mapping[str, str]
    meter: str
    #: False for a subscription's {meter} that names no configured meter: such a device has
    #: no site or building, so its messages are counted as unknown devices and not stored
    configured: bool = True
    #: the stored series' identity (its tags), hashable; computed once per route
    series: tuple[tuple[str, str], ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "series", tuple(sorted(self.tags.items())))


def meter_format(meter: Meter) -> PayloadFormat:
    """The payload format of a meter configured with a value path, or a plain number."""
    assert meter.mqtt is not None
    field, quantity = main_field(meter)
    mapping = FieldMapping(
        field=field,
        path=meter.mqtt.value_path or "",
        quantity=quantity,
        unit=meter.unit,
        value_kind=meter.kind,
    )
    timestamp = TimestampSpec(path=meter.mqtt.timestamp_path) if meter.mqtt.timestamp_path else None
    return PayloadFormat(
        id=f"meter-{meter.id}",
        description=f"configured mapping of meter {meter.id}",
        medium=meter.medium,
        payload="json" if meter.mqtt.value_path else "number",
        timestamp=timestamp,
        fields=[mapping],
    )


class Router:
    def __init__(self, deployment: Deployment) -> None:
        config = deployment.config
        self._meters: dict[str, tuple[Site, Meter]] = {m.id: (s, m) for s, m in config.meters()}
        self._exact: dict[str, Route] = {}
        for site, meter in config.meters():
            if meter.mqtt is None or meter.mqtt.topic is None:
                continue  # no topic: it arrives through a subscription pattern
            fmt = (
                deployment.formats[meter.mqtt.format] if meter.mqtt.format else meter_format(meter)
            )
            self._exact[meter.mqtt.topic] = Route(fmt, reading_tags(site, meter), meter.id)
        self._patterns = [
            (TopicPattern(s.topic), deployment.formats[s.format])
            for s in (config.mqtt.subscriptions if config.mqtt else [])
        ]
        self._cache: dict[str, Route | None] = {}

    def filters(self) -> list[str]:
        """Every MQTT filter to subscribe to, without duplicates."""
        found = dict.fromkeys([*self._exact, *(p.subscription for p, _ in self._patterns)])
        return list(found)

    def route(self, topic: str) -> Route | None:
        if topic in self._exact:
            return self._exact[topic]
        if topic in self._cache:
            return self._cache[topic]
        route = None
        for pattern, fmt in self._patterns:
            captured = pattern.match(topic)
            if captured is None:
                continue
            tags = dict(captured)
            configured = self._meters.get(captured["meter"])
            if configured is not None:
                tags.update(reading_tags(*configured))
            route = Route(fmt, tags, tags["meter"], configured=configured is not None)
            break
        if len(self._cache) >= _ROUTE_CACHE_LIMIT:
            self._cache.clear()
        self._cache[topic] = route
        return route
