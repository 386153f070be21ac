"""Meter profiles for Kamstrup heat meters, shipped as an enms plugin package."""

from __future__ import annotations

from pathlib import Path

from enms.plugin import hookimpl


@hookimpl
def enms_meter_profiles() -> list[Path]:
    return [Path(__file__).parent / "profiles"]
