"""Jämförelser: reference values of kWh/m² Atemp per building category, to compare against.

Configured here, or read from a CSV file (``reference_file``: columns ``category``,
``kwh_per_m2`` and optionally ``source``, ``;`` or ``,`` separated -- for instance an export of
a national key-figure database), relative to the configuration file.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from core.config.portfolio import BuildingCategory
from core.config.types import StrictModel


class ReferenceValue(StrictModel):
    """The kWh/m² Atemp a year that buildings of one category are compared with."""

    category: BuildingCategory
    kwh_per_m2: float = Field(gt=0, le=2000, description="normal-year corrected, per year")
    source: str = Field("", max_length=300, description="where the value comes from")


class ComparisonSettings(StrictModel):
    """Reference values per building category, written here or read from a CSV file."""

    references: list[ReferenceValue] = Field(default_factory=list)
    reference_file: Path | None = Field(
        None, description="a CSV of category;kwh_per_m2;source rows (relative to this file)"
    )
