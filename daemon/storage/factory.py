"""Open the store the configuration names."""

from __future__ import annotations

from daemon.config.models import StorageSettings
from daemon.storage.contract import Store
from daemon.storage.embedded import EmbeddedStore
from daemon.storage.influxdb import InfluxDBStore


def open_store(settings: StorageSettings) -> Store:
    if settings.backend == "influxdb":
        assert settings.influxdb is not None  # guaranteed by StorageSettings' validation
        return InfluxDBStore(settings.influxdb)
    return EmbeddedStore(settings.embedded.path)
