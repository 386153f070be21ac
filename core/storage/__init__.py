"""Storage: the contract, its InfluxDB and embedded implementations, and their data types."""

from core.storage.contract import Instant, Store, as_ns
from core.storage.embedded import EmbeddedStore
from core.storage.factory import open_store
from core.storage.influxdb import InfluxDBStore
from core.storage.points import (
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
