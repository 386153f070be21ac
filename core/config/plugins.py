"""Which plugins evaluate the management review, and their settings."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from core.config.types import StrictModel


class PluginSettings(StrictModel):
    """Plugins run by `enms evaluate`: built-in ones and installed packages (`enms.plugins`).

    Every plugin runs unless disabled. Each plugin checks its own settings and names the
    setting that is wrong.
    """

    disabled: list[str] = Field(
        default_factory=list, description="names of plugins not to run, e.g. [data_quality]"
    )
    timeout_s: float = Field(
        120.0, gt=0, le=3600, description="longest time one plugin may take to evaluate"
    )
    settings: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="settings per plugin name, e.g. {data_quality: {completeness_min: 0.95}}",
    )
