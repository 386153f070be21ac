"""From an MQTT payload to field values and a timestamp, or a reason why not.

A bad payload never raises past the collector: it becomes ``BadPayload`` with one of a few
stable reasons, which the collector counts per topic.

Numbers written as text ("231.2", as many gateways send them) are accepted when the text is a
plain decimal number (sign, digits, one point, an exponent); "nan", "inf", "1_000", "0x10"
and decimal commas are not numbers here, though Python's ``float`` would take some of them.

Times are computed in integers from the text the device sent, never through float seconds:
an epoch-millisecond time round-trips to the exact millisecond (a float nanosecond count
above 2**53 does not).
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from core.meters.formats import FieldMapping, PayloadFormat, TimestampFormat
from core.units import PLAUSIBLE, conversion

NS = 1_000_000_000
#: a payload time this far ahead of the receipt time is a device clock error
MAX_FUTURE_NS = 300 * NS
#: epoch values above this are milliseconds (1e11 s is the year 5138)
MS_THRESHOLD = 1e11
EARLIEST_NS = 946_684_800 * NS  # 2000-01-01
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
#: a number written as text: what JSON calls a number, plus a leading '+'
_NUMERIC_TEXT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: longer numeric text is no meter value (and Python refuses ints past 4,300 digits)
_MAX_NUMBER_TEXT = 64


class Reason:
    NOT_JSON = "not_json"
    NOT_A_NUMBER = "not_a_number"
    MISSING_PATH = "missing_path"
    WRONG_TYPE = "wrong_type"
    ABSURD_VALUE = "absurd_value"
    BAD_TIMESTAMP = "bad_timestamp"
    UNKNOWN_TOPIC = "unknown_topic"
    UNKNOWN_DEVICE = "unknown_device"  # a subscription's {meter} that no meter is configured as
    TOO_LARGE = "too_large"
    UNREADABLE = "unreadable"  # anything else that went wrong decoding it (logged with a trace)


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


def _numeric(text: str) -> bool:
    """Whether stripped ``text`` is a number as this module reads one (module docstring)."""
    return len(text) <= _MAX_NUMBER_TEXT and _NUMERIC_TEXT.fullmatch(text) is not None


def _parse_text(text: str, what: str) -> float:
    """A number written as text, or BadPayload (see the module docstring for the rule)."""
    text = text.strip()
    if not _numeric(text):
        raise BadPayload(Reason.WRONG_TYPE, f"{what} is {text[:40]!r}, not a number")
    return float(text)  # the pattern admits only what float reads; huge exponents give inf


def _number(raw: Any, path: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise BadPayload(Reason.WRONG_TYPE, f"{path} is {type(raw).__name__}, not a number")
    try:
        value = _parse_text(raw, path) if isinstance(raw, str) else float(raw)
    except OverflowError:  # an integer with hundreds of digits
        raise BadPayload(Reason.ABSURD_VALUE, f"{path} is too large for a reading") from None
    if not math.isfinite(value):
        raise BadPayload(Reason.ABSURD_VALUE, f"{path} is {str(raw)[:40]!r}")
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


def _exact(raw: Any, path: str) -> Decimal:
    """A JSON number or numeric text exactly as the device wrote it."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise BadPayload(Reason.BAD_TIMESTAMP, f"{path} is {type(raw).__name__}, not a time")
    if isinstance(raw, int):
        return Decimal(raw)
    # repr gives the shortest text that reads back as the same float: the device's own
    # digits for any time written with up to 15 significant digits (ms since 1970 in s)
    text = repr(raw) if isinstance(raw, float) else raw.strip()
    if not _numeric(text):
        raise BadPayload(Reason.BAD_TIMESTAMP, f"{path} = {str(raw)[:40]!r} is not a time")
    return Decimal(text)


def _timestamp(raw: Any, fmt: TimestampFormat, zone: ZoneInfo, path: str) -> int:
    """Nanoseconds since 1970, in integer arithmetic throughout."""
    try:
        if isinstance(raw, str) and fmt in (TimestampFormat.AUTO, TimestampFormat.ISO8601):
            try:
                parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            except ValueError:
                if fmt is TimestampFormat.ISO8601:
                    raise
            else:
                if parsed.tzinfo is None:
                    parsed = parsed.replace(tzinfo=zone)
                return (parsed - _EPOCH) // _MICROSECOND * 1000
        number = _exact(raw, path)
        milliseconds = fmt is TimestampFormat.EPOCH_MS or (
            fmt is TimestampFormat.AUTO and number > MS_THRESHOLD
        )
        return int((number * (10**6 if milliseconds else 10**9)).to_integral_value())
    except (ValueError, OverflowError, ArithmeticError, InvalidOperation, BadPayload):
        raise BadPayload(
            Reason.BAD_TIMESTAMP, f"{path} = {str(raw)[:40]!r} is not a time"
        ) from None


def _plain_number(payload: bytes, fmt: PayloadFormat) -> dict[str, float]:
    (mapping,) = fmt.fields
    try:
        text = payload.decode().strip()
    except UnicodeDecodeError:
        raise BadPayload(Reason.NOT_A_NUMBER, "payload is not text") from None
    if not _numeric(text):
        raise BadPayload(Reason.NOT_A_NUMBER, f"payload {text[:40]!r} is not a number")
    raw = float(text)
    if not math.isfinite(raw):
        raise BadPayload(Reason.ABSURD_VALUE, f"payload is {text[:40]!r}")
    return {mapping.field: _convert(mapping, raw)}


def decode_payload(
    payload: bytes, fmt: PayloadFormat, *, received_ns: int, zone: ZoneInfo
) -> tuple[dict[str, float], int]:
    """The message's field values (canonical units) and time of measurement."""
    if fmt.payload == "number":
        return _plain_number(payload, fmt), received_ns

    try:
        document = json.loads(payload)
    except RecursionError:
        raise BadPayload(Reason.NOT_JSON, "payload is JSON nested too deeply") from None
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
