"""Series from CSV files, for the commands that take a consumption or temperature file.

Each CSV has a time column and a value column (found by name, or named with --time-column and
--value-column); times with an offset are exact, times without one are local to --tz. A file
from a Swedish spreadsheet (";" between columns, decimal comma, a byte-order mark) is read as
such.
"""

from __future__ import annotations

import csv
import math
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from baselines.analysis import Period

TIME_NAMES = ("time", "timestamp", "start", "dt", "date", "datetime", "tid")
NS = 1_000_000_000


class InputError(ValueError):
    """A CSV file or an argument cannot be used; the message says which and why."""


def _columns(
    path: Path, header: list[str], time_column: str | None, value_column: str | None
) -> tuple[int, int]:
    """Indexes of the time and value columns: as named, or found by name and position."""
    names = [name.strip().lower() for name in header]

    def named(column: str) -> int:
        if column.lower() not in names:
            raise InputError(f"{path}: no column {column!r} (columns: {', '.join(header)})")
        return names.index(column.lower())

    if time_column:
        t_index = named(time_column)
    else:
        t_index = next((i for i, name in enumerate(names) if name in TIME_NAMES), 0)
    if value_column:
        return t_index, named(value_column)
    others = [i for i in range(len(names)) if i != t_index]
    if not others:
        raise InputError(f"{path}: needs a time column and a value column")
    return t_index, others[0]


def read_series(
    path: Path, *, tz: str, time_column: str | None, value_column: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """(epoch ns, values) of a two-column CSV; 'nan' and empty values become NaN."""
    zone = ZoneInfo(tz)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            first = handle.readline()  # utf-8-sig drops a byte-order mark
            handle.seek(0)
            # a Swedish spreadsheet writes ";" between columns and a decimal comma
            swedish = ";" in first
            reader = csv.reader(handle, delimiter=";" if swedish else ",")
            header = next(reader)
            rows = list(reader)
    except (OSError, StopIteration, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read a CSV with a header row ({exc})") from None
    t_index, v_index = _columns(path, header, time_column, value_column)
    times, values = [], []
    for line, row in enumerate(rows, start=2):
        if not row or not row[t_index].strip():
            continue
        try:
            moment = datetime.fromisoformat(row[t_index].strip().replace("Z", "+00:00"))
        except ValueError:
            raise InputError(f"{path}:{line}: {row[t_index]!r} is not an ISO 8601 time") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        text = row[v_index].strip() if v_index < len(row) else ""
        if swedish:
            text = text.replace("\u00a0", "").replace(" ", "").replace(",", ".")
        try:
            value = float(text) if text else math.nan
        except ValueError:
            raise InputError(f"{path}:{line}: {text!r} is not a number") from None
        times.append(int(moment.timestamp()) * NS + moment.microsecond * 1000)
        values.append(value)
    if not times:
        raise InputError(f"{path}: no data rows")
    order = np.argsort(times, kind="stable")
    return np.asarray(times, dtype=np.int64)[order], np.asarray(values, dtype=np.float64)[order]


def parse_period(text: str) -> Period:
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise InputError(str(exc)) from None
