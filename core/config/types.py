"""Types every configuration model shares: the strict base model, ids, tag keys, time zones."""

from __future__ import annotations

import zoneinfo
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)

Identifier = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$"),
    Field(
        description="lower-case letters, digits, '-', '_' or '.', at most 64 characters; "
        "used as a tag value in storage",
    ),
]
TagKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]


def _known_timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r}; use an IANA name such as 'Europe/Stockholm'"
        ) from None
    return value


TimeZoneName = Annotated[str, AfterValidator(_known_timezone)]
#: the first user's time zone: the default of ``portfolio.timezone`` and of the queries that
#: take a zone; a deployment elsewhere sets its own
DEFAULT_TIME_ZONE = "Europe/Stockholm"


class StrictModel(BaseModel):
    """Base: unknown keys are errors (a misspelt key must never be silently ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
