"""Storage: the contract, its InfluxDB and embedded implementations, and their data types."""

from daemon.storage.contract import Instant, Store, as_ns
from daemon.storage.embedded import EmbeddedStore
from daemon.storage.factory import open_store
from daemon.storage.influxdb import InfluxDBStore
from daemon.storage.points import (
    Aggregate,
    Bucket,
    BucketSeries,
    Point,
    RawSeries,
    SeriesSelector,
)

__all__ = [
    "Aggregate",
    "Bucket",
    "BucketSeries",
    "EmbeddedStore",
    "InfluxDBStore",
    "Instant",
    "Point",
    "RawSeries",
    "SeriesSelector",
    "Store",
    "as_ns",
    "open_store",
]
