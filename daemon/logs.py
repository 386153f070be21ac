"""Logging set-up: readable text for people, JSON lines for log collectors.

enms logs state changes (a meter offline, the store back, a broker lost), never one line per
reading, so either format stays short enough to read.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Literal

_STANDARD = set(vars(logging.makeLogRecord({})))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and any extra context."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure(*, verbose: bool = False, style: Literal["text", "json"] = "text") -> None:
    handler = logging.StreamHandler()
    if style == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if not verbose:
        handler.addFilter(without_frames)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # libraries log per request; enms logs state changes
    for noisy in ("httpx", "httpcore", "pymodbus", "paho"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)


#: how pymodbus appends the last Modbus frames to its errors when not debugging
_FRAME_DUMP = "\n>>>>> "


def without_frames(record: logging.LogRecord) -> bool:
    """pymodbus's warnings and errors without the hex dumps of the last frames it appends
    (kept with ``-v``): the log says what failed, once per state change, not the bytes."""
    if record.name.startswith("pymodbus"):
        text = record.getMessage()
        if _FRAME_DUMP in text:
            record.msg, record.args = text.split(_FRAME_DUMP, 1)[0], None
    return True


class RateLimitedLog:
    """Log a kind of event at most once per ``interval_s`` per key, with the count since.

    Bad input can arrive thousands of times a second; the log says what was wrong, once,
    then how often it happened again -- never one line per bad message.
    """

    def __init__(
        self,
        logger: logging.Logger,
        level: int,
        *,
        interval_s: float = 60.0,
        exc_info: bool = False,
        max_keys: int = 10_000,
    ) -> None:
        self.logger, self.level, self.interval_s = logger, level, interval_s
        self.exc_info, self.max_keys = exc_info, max_keys
        self._seen: dict[str, tuple[float, int]] = {}

    def log(self, key: str, message: str, *args: object, exc_info: bool | None = None) -> bool:
        """Log now, or count it as suppressed; True when logged."""
        now = time.monotonic()
        last, suppressed = self._seen.get(key, (-self.interval_s, 0))
        if now - last < self.interval_s:
            self._seen[key] = (last, suppressed + 1)
            return False
        if len(self._seen) >= self.max_keys:
            self._seen.clear()  # bounded: at worst one line comes early
        self._seen[key] = (now, 0)
        more = f" ({suppressed} more since the last one)" if suppressed else ""
        self.logger.log(
            self.level,
            message + more,
            *args,
            exc_info=self.exc_info if exc_info is None else exc_info,
        )
        return True
