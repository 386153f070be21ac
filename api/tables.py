"""Tables as CSV: every tabular endpoint answers ``?format=csv`` with the same rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from fastapi.responses import Response


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"


def csv_response(rows: Sequence[Mapping[str, Any]], filename: str) -> Response:
    """``rows`` as CSV with a header of every column seen, in order of first appearance."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: "" if value is None else value for key, value in row.items()})
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )
