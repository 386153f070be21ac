"""Configuration: typed models, the YAML loader and the generated reference."""

from core.config.loader import load_config, parse_config
from core.config.models import (
    Building,
    BuildingCategory,
    EnmsConfig,
    InfluxDBSettings,
    Medium,
    Meter,
    Site,
    StorageSettings,
    ValueKind,
)

__all__ = [
    "Building",
    "BuildingCategory",
    "EnmsConfig",
    "InfluxDBSettings",
    "Medium",
    "Meter",
    "Site",
    "StorageSettings",
    "ValueKind",
    "load_config",
    "parse_config",
]
