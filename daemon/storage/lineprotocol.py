"""InfluxDB line protocol encoding (shared by InfluxDB 1.x, 2.x and 3)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from daemon.errors import InvalidPoint
from daemon.storage.points import FieldValue, Point

_MEASUREMENT_ESCAPES = str.maketrans({",": "\\,", " ": "\\ "})
_KEY_ESCAPES = str.maketrans({",": "\\,", "=": "\\=", " ": "\\ "})
_PRECISION_DIVISOR = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000}
_SERIES_CACHE_LIMIT = 100_000


def _name(text: str, table: dict[int, str], what: str) -> str:
    if not text or "\n" in text or "\r" in text or text.endswith("\\"):
        raise InvalidPoint(f"{what} {text!r} cannot be written: empty, a newline or a final '\\'")
    return text.translate(table)


def _field_value(key: str, value: FieldValue) -> str:
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
    """Encodes points, caching each series' escaped key since a meter repeats it every reading."""

    def __init__(self, precision: str = "ms") -> None:
        if precision not in _PRECISION_DIVISOR:
            raise ValueError(f"precision must be one of {', '.join(_PRECISION_DIVISOR)}")
        self.divisor = _PRECISION_DIVISOR[precision]
        self._series: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}
        self._fields: dict[str, str] = {}

    def series_key(self, measurement: str, tags: Mapping[str, str]) -> str:
        cache_key = (measurement, tuple(tags.items()))
        key = self._series.get(cache_key)
        if key is None:
            parts = [_name(measurement, _MEASUREMENT_ESCAPES, "measurement")]
            for tag, value in sorted(tags.items()):  # sorted tags: InfluxDB's fast path
                if value == "":
                    continue  # an empty tag is the same as no tag
                parts.append(
                    f"{_name(tag, _KEY_ESCAPES, 'tag key')}={_name(value, _KEY_ESCAPES, 'tag value')}"
                )
            key = ",".join(parts)
            if len(self._series) >= _SERIES_CACHE_LIMIT:
                self._series.clear()
            self._series[cache_key] = key
        return key

    def _field_key(self, key: str) -> str:
        escaped = self._fields.get(key)
        if escaped is None:
            escaped = _name(key, _KEY_ESCAPES, "field key")
            if len(self._fields) < _SERIES_CACHE_LIMIT:
                self._fields[key] = escaped
        return escaped

    def line(self, point: Point) -> str:
        if not point.fields:
            raise InvalidPoint(f"point of {point.measurement!r} has no fields")
        fields = ",".join(
            f"{self._field_key(key)}={_field_value(key, value)}"
            for key, value in point.fields.items()
        )
        return (
            f"{self.series_key(point.measurement, point.tags)} {fields} "
            f"{point.time_ns // self.divisor}"
        )

    def encode(self, points: Iterable[Point]) -> bytes:
        return "\n".join([self.line(point) for point in points]).encode()
