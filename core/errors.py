"""The errors enms raises at its boundaries.

Library errors (httpx, sqlite3, pydantic, yaml) are converted to these where they cross into
enms, so callers handle one small hierarchy and every message says what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass


class EnmsError(Exception):
    """Base of every error enms raises on purpose."""


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem in a configuration file, located as precisely as the file allows."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.path}:" if self.path else ""
        return f"{where}:{field} {self.message}"


class ConfigError(EnmsError):
    """A configuration file cannot be used; ``issues`` lists every problem found in one pass."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = issues
        count = len(issues)
        lines = "\n".join(str(issue) for issue in issues)
        super().__init__(f"{count} configuration error{'s' if count != 1 else ''}:\n{lines}")


class StoreError(EnmsError):
    """Base for storage failures."""


class StoreUnavailable(StoreError):
    """The store could not be reached, or kept failing after the retries: nothing was written."""


class StoreRejected(StoreError):
    """The store refused a request (bad data, unknown database, authentication).

    Retrying the same request will not help.
    """

    def __init__(self, message: str, *, status: int | None = None, written: int = 0) -> None:
        super().__init__(message)
        self.status = status
        #: points accepted before the rejected batch (earlier batches of the same call)
        self.written = written


class InvalidPoint(StoreRejected):
    """Points that cannot be represented (no fields, NaN, a newline in a name).

    Raised after every valid point of the same call was written: ``written`` counts those,
    ``rejected`` pairs each refused point with the reason.
    """

    def __init__(
        self, message: str, *, written: int = 0, rejected: list[tuple[object, str]] | None = None
    ) -> None:
        super().__init__(message, written=written)
        self.rejected = rejected or []

    @classmethod
    def after_write(cls, written: int, rejected: list[tuple[object, str]]) -> InvalidPoint:
        """The error for a write call that stored ``written`` points and refused ``rejected``."""
        count = len(rejected)
        return cls(
            f"{count} point{'s' if count != 1 else ''} not written ({written} written): "
            f"{rejected[0][1]}",
            written=written,
            rejected=rejected,
        )


class MeterReadError(EnmsError):
    """A meter could not be read (timeout, Modbus exception, decode failure).

    ``kind`` is a short, stable reason used to count errors in health metrics.
    """

    kind = "read_error"


class MeterTimeout(MeterReadError):
    """The device (or the gateway for it) did not answer in time."""

    kind = "timeout"


class MeterUnreachable(MeterReadError):
    """No connection to the gateway or device."""

    kind = "unreachable"


class MeterException(MeterReadError):
    """The device answered with a Modbus exception code."""

    kind = "modbus_exception"

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code
