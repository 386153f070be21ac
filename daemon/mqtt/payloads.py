"""From an MQTT payload to field values and a timestamp, or a reason why not.

A bad payload never raises past the collector: it becomes ``BadPayload`` with one of a few
stable reasons, which the collector counts per topic.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from daemon.mqtt.formats import FieldMapping, PayloadFormat, TimestampFormat
from daemon.units import PLAUSIBLE, conversion

NS = 1_000_000_000
#: a payload time this far ahead of the receipt time is a device clock error
MAX_FUTURE_NS = 300 * NS
#: epoch values above this are milliseconds (1e11 s is the year 5138)
MS_THRESHOLD = 1e11
EARLIEST_NS = 946_684_800 * NS  # 2000-01-01


class Reason:
    NOT_JSON = "not_json"
    NOT_A_NUMBER = "not_a_number"
    MISSING_PATH = "missing_path"
    WRONG_TYPE = "wrong_type"
    ABSURD_VALUE = "absurd_value"
    BAD_TIMESTAMP = "bad_timestamp"
    UNKNOWN_TOPIC = "unknown_topic"


class BadPayload(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


_MISSING = object()


def _lookup(document: Any, path: str) -> Any:
    node = document
    for part in path.split("."):
        if isinstance(node, dict):
            node = node.get(part, _MISSING)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
        if node is _MISSING:
            return _MISSING
    return node


def _number(raw: Any, path: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise BadPayload(Reason.WRONG_TYPE, f"{path} is {type(raw).__name__}, not a number")
    try:
        value = float(raw)  # gateways often send numbers as text: "231.2"
    except ValueError:
        raise BadPayload(Reason.WRONG_TYPE, f"{path} is {raw!r}, not a number") from None
    if not math.isfinite(value):
        raise BadPayload(Reason.ABSURD_VALUE, f"{path} is {raw!r}")
    return value


def _convert(mapping: FieldMapping, raw: float) -> float:
    factor, offset = conversion(mapping.quantity, mapping.source_unit)
    value = raw * mapping.scale * factor + offset
    low, high = PLAUSIBLE.get(mapping.quantity, (-math.inf, math.inf))
    low = mapping.min if mapping.min is not None else low
    high = mapping.max if mapping.max is not None else high
    if not low <= value <= high:
        raise BadPayload(
            Reason.ABSURD_VALUE,
            f"{mapping.field} = {value:g} is outside the plausible {low:g}..{high:g}",
        )
    return value


def _timestamp(raw: Any, fmt: TimestampFormat, zone: ZoneInfo, path: str) -> int:
    try:
        if isinstance(raw, str) and fmt in (TimestampFormat.AUTO, TimestampFormat.ISO8601):
            try:
                parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            except ValueError:
                if fmt is TimestampFormat.ISO8601:
                    raise
                raw = float(raw)  # auto: maybe epoch digits as text
            else:
                if parsed.tzinfo is None:
                    parsed = parsed.replace(tzinfo=zone)
                return int(parsed.timestamp()) * NS + parsed.microsecond * 1000
        number = _number(raw, path)
        milliseconds = fmt is TimestampFormat.EPOCH_MS or (
            fmt is TimestampFormat.AUTO and number > MS_THRESHOLD
        )
        return round(number * (1e6 if milliseconds else 1e9))
    except (ValueError, OverflowError, BadPayload):
        raise BadPayload(Reason.BAD_TIMESTAMP, f"{path} = {raw!r} is not a time") from None


def decode_payload(
    payload: bytes, fmt: PayloadFormat, *, received_ns: int, zone: ZoneInfo
) -> tuple[dict[str, float], int]:
    """The message's field values (canonical units) and time of measurement."""
    if fmt.payload == "number":
        (mapping,) = fmt.fields
        try:
            text = payload.decode().strip()
        except UnicodeDecodeError:
            raise BadPayload(Reason.NOT_A_NUMBER, "payload is not text") from None
        try:
            raw = float(text)
        except ValueError:
            raise BadPayload(
                Reason.NOT_A_NUMBER, f"payload {text[:40]!r} is not a number"
            ) from None
        if not math.isfinite(raw):
            raise BadPayload(Reason.ABSURD_VALUE, f"payload is {text[:40]!r}")
        return {mapping.field: _convert(mapping, raw)}, received_ns

    try:
        document = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise BadPayload(Reason.NOT_JSON, "payload is not JSON") from None
    if not isinstance(document, dict):
        raise BadPayload(
            Reason.WRONG_TYPE, f"payload is a JSON {type(document).__name__}, not an object"
        )
    values: dict[str, float] = {}
    for mapping in fmt.fields:
        raw = _lookup(document, mapping.path)
        if raw is _MISSING or raw is None:
            if mapping.required:
                raise BadPayload(Reason.MISSING_PATH, f"no value at {mapping.path}")
            continue
        values[mapping.field] = _convert(mapping, _number(raw, mapping.path))
    time_ns = received_ns
    if fmt.timestamp is not None:
        spec = fmt.timestamp
        raw_time = _lookup(document, spec.path)
        if raw_time is _MISSING or raw_time is None:
            raise BadPayload(Reason.MISSING_PATH, f"no time at {spec.path}")
        own_zone = ZoneInfo(spec.timezone) if spec.timezone else zone
        time_ns = _timestamp(raw_time, spec.format, own_zone, spec.path)
        if not EARLIEST_NS <= time_ns <= received_ns + MAX_FUTURE_NS:
            raise BadPayload(
                Reason.BAD_TIMESTAMP, f"{spec.path} = {raw_time!r} is before 2000 or in the future"
            )
    return values, time_ns
