"""Report sections: what a plugin adds to the printable management review, as data.

A section is text and a table, never HTML: the report escapes everything a plugin gives, so a
plugin cannot break the page or inject script into the documented review.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from plugins.findings import ReviewInput

Cell = str | int | float | bool | None


class ReportSection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, max_length=200)
    plugin: str = Field("", description="set by enms: the plugin that made the section")
    review_input: ReviewInput | None = Field(
        None, description="the 9.3 input the section belongs to, if one"
    )
    paragraphs: list[str] = Field(default_factory=list)
    table: list[dict[str, Cell]] = Field(default_factory=list, description="rows, same keys")
