"""Feedback from the municipality's case system, as a CSV export: each row checked on its own.

Columns are named in English or Swedish (``received_at``/``inkommen``, ``building``/``byggnad``,
``category``/``kategori``, ``text``/``synpunkt``, and optionally ``case_ref``/``ärende``,
``zone``/``rum``, ``channel``/``kanal``, ``answered_at``/``besvarad``); the delimiter is ``;``
or ``,``. Categories may be given in Swedish ("för kallt", "felanmälan", "beröm" ...). Times
without an offset are local in the portfolio's time zone. A row that cannot be read is
reported with its line and why, and the others are still imported.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from energy.feedback import Category

#: column name (lower case) -> field
COLUMNS = {
    "received_at": "received_at", "inkommen": "received_at", "datum": "received_at",
    "building": "building", "byggnad": "building",
    "category": "category", "kategori": "category",
    "text": "text", "synpunkt": "text", "beskrivning": "text",
    "case_ref": "case_ref", "ärende": "case_ref", "ärendenummer": "case_ref",
    "zone": "zone", "rum": "zone", "zon": "zone",
    "channel": "channel", "kanal": "channel",
    "answered_at": "answered_at", "besvarad": "answered_at",
}  # fmt: skip
REQUIRED = ("received_at", "building", "category", "text")
#: categories as a Swedish case system may name them
CATEGORY_NAMES = {
    "för kallt": Category.TOO_COLD, "kallt": Category.TOO_COLD,
    "för varmt": Category.TOO_HOT, "varmt": Category.TOO_HOT,
    "drag": Category.DRAUGHT, "luftkvalitet": Category.AIR_QUALITY,
    "dålig luft": Category.AIR_QUALITY, "felanmälan": Category.FAULT_REPORT,
    "beröm": Category.PRAISE, "övrigt": Category.OTHER,
    **{category.value: category for category in Category},
    **{category.text: category for category in Category},
}  # fmt: skip
MAX_TEXT = 4000


@dataclass(frozen=True)
class ImportedFeedback:
    line: int
    building: str
    category: Category
    received_at: datetime
    text: str
    zone: str | None
    channel: str | None
    case_ref: str | None
    answered_at: datetime | None


def moment(text: str, zone: ZoneInfo) -> datetime:
    """An ISO 8601 date and time (a space or T between them); local in ``zone`` without an
    offset. ValueError if it is none."""
    value = datetime.fromisoformat(text.strip())
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def category_of(text: str) -> Category:
    found = CATEGORY_NAMES.get(text.strip().lower())
    if found is None:
        known = ", ".join(c.value for c in Category)
        raise ValueError(f"category {text.strip()!r} is none of {known} (or their Swedish names)")
    return found


def parse_feedback_csv(
    text: str, *, zone: str, buildings: set[str]
) -> tuple[list[ImportedFeedback], list[tuple[int, str]]]:
    """The rows that can be recorded, and (line, what is wrong) for those that cannot."""
    tz = ZoneInfo(zone)
    body = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").replace("\0", "")
    first_line = body.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return [], [(1, f"the header cannot be read: {exc}")]
    if header is None:
        return [], [(1, "the file is empty")]
    fields = [COLUMNS.get(name.strip().lower()) for name in header]
    missing = [name for name in REQUIRED if name not in fields]
    if missing:
        return [], [(1, f"no column {', '.join(missing)} (header: {', '.join(header)})")]
    rows: list[ImportedFeedback] = []
    problems: list[tuple[int, str]] = []
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # a broken quote: the rest of the file is not readable rows
            problems.append((line, f"not CSV from here on: {exc}"))
            break
        if not any(value.strip() for value in values):
            continue
        row = {f: v.strip() for f, v in zip(fields, values, strict=False) if f is not None}
        try:
            rows.append(_row(line, row, tz, buildings))
        except ValueError as exc:
            problems.append((line, str(exc)))
    return rows, problems


def _row(line: int, row: dict[str, str], tz: ZoneInfo, buildings: set[str]) -> ImportedFeedback:
    for name in REQUIRED:
        if not row.get(name):
            raise ValueError(f"{name} is empty")
    if row["building"] not in buildings:
        raise ValueError(f"building {row['building']!r} is not in the configuration")
    if len(row["text"]) > MAX_TEXT:
        raise ValueError(f"text is longer than {MAX_TEXT} characters")
    try:
        received = moment(row["received_at"], tz)
        answered = moment(row["answered_at"], tz) if row.get("answered_at") else None
    except ValueError:
        raise ValueError("a time is not ISO 8601, e.g. 2025-03-04 08:15") from None
    if answered is not None and answered < received:
        raise ValueError("answered_at is before received_at")
    return ImportedFeedback(
        line=line,
        building=row["building"],
        category=category_of(row["category"]),
        received_at=received,
        text=row["text"],
        zone=row.get("zone") or None,
        channel=row.get("channel") or None,
        case_ref=row.get("case_ref") or None,
        answered_at=answered,
    )
