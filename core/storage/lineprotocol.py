"""InfluxDB line protocol encoding (shared by InfluxDB 1.x, 2.x and 3)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from core.config.connections import PRECISION_NS
from core.errors import InvalidPoint
from core.storage.points import FieldValue, Point, plain

_MEASUREMENT_ESCAPES = str.maketrans({",": "\\,", " ": "\\ "})
_KEY_ESCAPES = str.maketrans({",": "\\,", "=": "\\=", " ": "\\ "})
_SERIES_CACHE_LIMIT = 100_000


def _name(text: str, table: dict[int, str], what: str) -> str:
    if not text or "\n" in text or "\r" in text or text.endswith("\\"):
        raise InvalidPoint(f"{what} {text!r} cannot be written: empty, a newline or a final '\\'")
    return text.translate(table)


def _field_value(key: str, value: FieldValue) -> str:
    try:
        value = plain(value)  # NumPy scalars and other numbers come through here
    except TypeError:
        raise InvalidPoint(f"field {key!r} has unsupported type {type(value).__name__}") from None
    # bool before int: bool is a subclass of int
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value}i"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidPoint(f"field {key!r} is {value}; line protocol has no NaN or infinity")
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    raise InvalidPoint(f"field {key!r} has unsupported type {type(value).__name__}")


class LineEncoder:
    """Encodes points, caching each series' escaped key since a meter repeats it every reading.

    Collectors build one tag mapping per meter and reuse it for every reading, so the cache
    is looked up first by the mapping's identity (checked with ``is``, and the mapping is kept
    alive by the cache so its id cannot be reused) and only then by its contents. Tag mappings
    must therefore not be changed after a point is made -- ``Point.tags`` is read-only.
    """

    def __init__(self, precision: str = "ms") -> None:
        if precision not in PRECISION_NS:
            raise ValueError(f"precision must be one of {', '.join(PRECISION_NS)}")
        self.divisor = PRECISION_NS[precision]
        self._series: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}
        self._by_identity: dict[int, tuple[Mapping[str, str], str, str]] = {}
        self._fields: dict[str, str] = {}

    def series_key(self, measurement: str, tags: Mapping[str, str]) -> str:
        entry = self._by_identity.get(id(tags))
        if entry is not None and entry[0] is tags and entry[1] == measurement:
            return entry[2]
        cache_key = (measurement, tuple(tags.items()))
        key = self._series.get(cache_key)
        if key is None:
            if measurement.startswith("#"):
                # no escape exists: InfluxDB would read the whole line as a comment
                raise InvalidPoint(f"measurement {measurement!r} may not start with '#'")
            parts = [_name(measurement, _MEASUREMENT_ESCAPES, "measurement")]
            for tag, value in sorted(tags.items()):  # sorted tags: InfluxDB's fast path
                if value == "":
                    continue  # an empty tag is the same as no tag
                tag_key = _name(tag, _KEY_ESCAPES, "tag key")
                parts.append(f"{tag_key}={_name(value, _KEY_ESCAPES, 'tag value')}")
            key = ",".join(parts)
            if len(self._series) >= _SERIES_CACHE_LIMIT:
                self._series.clear()
            self._series[cache_key] = key
        if len(self._by_identity) >= _SERIES_CACHE_LIMIT:
            self._by_identity.clear()
        self._by_identity[id(tags)] = (tags, measurement, key)
        return key

    def _field_key(self, key: str) -> str:
        escaped = self._fields.get(key)
        if escaped is None:
            escaped = _name(key, _KEY_ESCAPES, "field key")
            if len(self._fields) < _SERIES_CACHE_LIMIT:
                self._fields[key] = escaped
        return escaped

    def line(self, point: Point) -> str:
        """One point's line; raises ``InvalidPoint`` if it cannot be written."""
        body, rejected = self.encode([point])
        if rejected:
            raise InvalidPoint(rejected[0][1], rejected=list(rejected))
        return body.decode()

    def encode(self, points: Iterable[Point]) -> tuple[bytes, list[tuple[Point, str]]]:
        """The lines of the valid points, and each invalid point with the reason."""
        # The hot path of every write, so written out flat: finite floats (nearly all
        # readings) are formatted inline, everything else goes through _field_value.
        by_identity = self._by_identity
        known = self._fields
        divisor = self.divisor
        lines = []
        rejected: list[tuple[Point, str]] = []
        for point in points:
            try:
                tags = point.tags
                entry = by_identity.get(id(tags))
                if entry is not None and entry[0] is tags and entry[1] == point.measurement:
                    series = entry[2]
                else:
                    series = self.series_key(point.measurement, tags)
                fields = point.fields
                if not fields:
                    raise InvalidPoint(f"point of {point.measurement!r} has no fields")
                parts = []
                for key, value in fields.items():
                    escaped = known.get(key) or self._field_key(key)
                    # x - x == 0.0 holds exactly for finite floats (inf - inf, NaN give NaN)
                    if type(value) is float and value - value == 0.0:
                        parts.append(f"{escaped}={value!r}")
                    else:
                        parts.append(f"{escaped}={_field_value(key, value)}")
                lines.append(f"{series} {','.join(parts)} {point.time_ns // divisor}")
            except InvalidPoint as exc:
                rejected.append((point, str(exc)))
        return "\n".join(lines).encode(), rejected
