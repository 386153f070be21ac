"""Open the store the configuration names."""

from __future__ import annotations

from core.config.models import StorageSettings
from core.storage.contract import Store
from core.storage.embedded import EmbeddedStore
from core.storage.influxdb import InfluxDBStore


def open_store(settings: StorageSettings) -> Store:
    if settings.backend == "influxdb":
        assert settings.influxdb is not None  # guaranteed by StorageSettings' validation
        return InfluxDBStore(settings.influxdb)
    return EmbeddedStore(settings.embedded.path)
