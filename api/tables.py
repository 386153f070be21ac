"""Tables as CSV: every tabular endpoint answers ``?format=csv`` with the same rows.

``?dialect=excel-sv`` -- the default when the reader's language is Swedish -- writes them for
a spreadsheet in Swedish: ``;`` between columns, a decimal comma, numbers rounded to what they
mean (no ``118247.62999999989``), ``ja``/``nej`` for booleans, and a UTF-8 byte-order mark so
Excel reads å, ä and ö; ``?dialect=excel`` gives ``,`` and a decimal point in any language.
Handlers declare ``table: Table`` and answer ``table.csv(rows, name)`` when ``table.wanted``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, Query
from fastapi.responses import Response

from api.dependencies import Lang
from core.i18n import Language


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"


class Dialect(StrEnum):
    EXCEL = "excel"  # "," and a decimal point
    EXCEL_SV = "excel-sv"  # ";" and a decimal comma, for Swedish spreadsheets


#: decimals kept in a CSV cell: kWh and kr to the tenth and öre, shares and factors finer
DECIMALS = 3


def cell(value: Any, dialect: Dialect) -> Any:
    """A value as the dialect writes it."""
    if value is None:
        return ""
    if dialect is Dialect.EXCEL:
        return value
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        text = f"{round(value, DECIMALS):.{DECIMALS}f}".rstrip("0").rstrip(".")
        return text.replace(".", ",")
    return value


@dataclass(frozen=True)
class TableFormat:
    format: Format
    dialect: Dialect

    @property
    def wanted(self) -> bool:
        return self.format is Format.CSV

    def csv(self, rows: Sequence[Mapping[str, Any]], filename: str) -> Response:
        """``rows`` as CSV with a header of every column seen, in order of first appearance."""
        columns: dict[str, None] = {}
        for row in rows:
            columns.update(dict.fromkeys(row))
        out = io.StringIO()
        delimiter = ";" if self.dialect is Dialect.EXCEL_SV else ","
        writer = csv.DictWriter(
            out, fieldnames=list(columns), lineterminator="\n", delimiter=delimiter
        )
        writer.writeheader()
        for row in rows:
            writer.writerow({key: cell(value, self.dialect) for key, value in row.items()})
        text = out.getvalue()
        if self.dialect is Dialect.EXCEL_SV:
            text = "\ufeff" + text  # Excel reads UTF-8 only after a byte-order mark
        return Response(
            text,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
        )


def _table(
    locale: Lang,
    format: Format = Format.JSON,
    dialect: Annotated[
        Dialect | None,
        Query(
            description="with format=csv: excel (, and .) or excel-sv (; and ,); by default "
            "excel-sv when the language is Swedish"
        ),
    ] = None,
) -> TableFormat:
    if dialect is None:
        dialect = Dialect.EXCEL_SV if locale.language is Language.SV else Dialect.EXCEL
    return TableFormat(format, dialect)


Table = Annotated[TableFormat, Depends(_table)]
