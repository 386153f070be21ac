"""Evidence: where a figure comes from, so the management review can follow it back."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import BaseModel, Field


class Evidence(BaseModel):
    first: date | None = Field(None, description="first day of the data window")
    last: date | None = Field(None, description="last day of the data window")
    measurement: str | None = Field(None, description="where the data is stored")
    query: str | None = Field(None, description="the selection behind the figure")
    baseline_version: int | None = Field(None, description="the energy baseline version used")
    model: str | None = Field(None, description="the baseline model form")
    links: dict[str, str] = Field(
        default_factory=dict, description="API paths of the data behind the figure"
    )


def utc_text(epoch_s: float) -> str:
    """An instant as every answer writes it: UTC, ISO 8601, to the second."""
    return datetime.fromtimestamp(epoch_s, UTC).isoformat(timespec="seconds")
