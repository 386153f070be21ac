"""Every name enms stores: measurements, their tags and their fields (DESIGN §2).

The stores, the energy layer, the plugins, the API and the dashboard generator
(``scripts/build_dashboards.py``) all take the names from here, so a Grafana query and the
code that writes its series cannot drift apart. The values are ``StrEnum`` members: they are
the stored strings themselves and format as such in queries (``f'FROM "{Measurement.ENPI}"'``).
"""

from __future__ import annotations

from enum import StrEnum

from core.config.portfolio import TEMPERATURE_MEDIA, Meter, ValueKind
from core.config.types import DEFAULT_TIME_ZONE
from core.units import Quantity

__all__ = [
    "DEFAULT_TIME_ZONE",  # of local days by default; a deployment's is portfolio.timezone
    "ConsumptionField",
    "DaemonField",
    "EnpiField",
    "EnpiMonthField",
    "EnpiYearField",
    "FindingField",
    "HealthField",
    "Measurement",
    "ReadingField",
    "Tag",
    "error_field",
    "main_field",
    "metric_field",
    "variable_field",
]


class Measurement(StrEnum):
    READINGS = "readings"  # meter values as collected: tags from Tag.reading_tags()
    CONSUMPTION = "consumption"  # derived consumption per meter and bucket
    ENPI = "enpi"  # one point per EnPI and local day: actual, expected, CUSUM
    ENPI_MONTH = "enpi_month"  # one point per EnPI and local month: year-over-year kWh
    ENPI_YEAR = "enpi_year"  # one point per EnPI and year: normal-year corrected figures
    FINDINGS = "findings"  # one point per plugin finding and evaluation
    COLLECTOR_HEALTH = "collector_health"  # per source (meter, topic) health
    DAEMON = "enms_daemon"  # the writer's and spool's counters


class Tag(StrEnum):
    # every reading (core.readings.reading_tags); the EnPI and findings points reuse them
    SITE = "site"
    BUILDING = "building"
    METER = "meter"
    MEDIUM = "medium"
    SEU = "seu"
    # consumption points of a sub-meter: the meter it is part of (summed series filter on "")
    PARENT = "parent"
    # EnPI points
    ENPI = "enpi"
    BASELINE_VERSION = "baseline_version"
    # findings
    PLUGIN = "plugin"
    FINDING = "finding"
    KIND = "kind"
    SEVERITY = "severity"
    PERIOD = "period"
    SCOPE = "scope"
    # collector health
    COLLECTOR = "collector"
    SOURCE = "source"
    # the daemon's own point
    STORE = "store"


class ReadingField(StrEnum):
    """The main field of a single-value meter (``main_field``); profiles and payload formats
    may store more fields, named with their unit the same way (``power_kw``, ``voltage_v``)."""

    ENERGY_KWH = "energy_kwh"
    ENERGY_DELTA_KWH = "energy_delta_kwh"
    VOLUME_M3 = "volume_m3"
    VOLUME_DELTA_M3 = "volume_delta_m3"
    POWER_KW = "power_kw"
    FLOW_M3H = "flow_m3h"
    TEMPERATURE_C = "temperature_c"


class EnpiField(StrEnum):
    ACTUAL_KWH = "actual_kwh"
    EXPECTED_KWH = "expected_kwh"
    RESIDUAL_KWH = "residual_kwh"
    TEMPERATURE_C = "temperature_c"
    REPORTING = "reporting"  # True on reporting-period days, False on baseline days
    #: reporting days of baselines that keep their fitted range: 1 where the day's
    #: temperature lies outside it (baselines.validity.outside), else 0 -- a sum counts days
    EXTRAPOLATED = "extrapolated"
    CUSUM_KWH = "cusum_kwh"  # reporting days only
    ADJUSTMENT_KWH = "adjustment_kwh"  # days a non-routine adjustment applies to
    ACTUAL_KWH_PER_M2 = "actual_kwh_per_m2"  # where the boundary has an Atemp
    #: the baseline model at the day's temperature on an average day (weekday terms and
    #: relevant variables at their baseline means): the energy signature's model line, the
    #: same curve as the API's /signature model
    MODEL_KWH = "model_kwh"
    HEATING_DEGREE_DAYS = "heating_degree_days"  # 17 °C base, as the yearly figures


class EnpiMonthField(StrEnum):
    """energy.enpi_months: a month's kWh and the same days a year earlier and in the baseline."""

    ACTUAL_KWH = "actual_kwh"
    DAYS = "days"  # known days summed
    LAST_YEAR_KWH = "last_year_kwh"
    BASELINE_YEAR_KWH = "baseline_year_kwh"


class EnpiYearField(StrEnum):
    ACTUAL_KWH = "actual_kwh"
    HEATING_KWH = "heating_kwh"  # what the baseline model attributes to heating
    HEATING_DEGREE_DAYS = "heating_degree_days"
    ACTUAL_KWH_PER_M2 = "actual_kwh_per_m2"
    NORMAL_YEAR_CORRECTED_KWH = "normal_year_corrected_kwh"
    NORMAL_YEAR_CORRECTED_KWH_PER_M2 = "normal_year_corrected_kwh_per_m2"


class ConsumptionField(StrEnum):
    KWH = "kwh"
    M3 = "m3"
    COVERAGE = "coverage"  # share of the bucket the readings cover (interval meters)
    #: the bucket's local hour of day (0-23) and ISO weekday (1 Monday .. 7 Sunday), so a query
    #: can select night hours or weekends (InfluxQL has no calendar functions)
    HOUR = "hour"
    WEEKDAY = "weekday"
    #: kWh over the building's Atemp as configured when the hour was derived: summed over a
    #: building's main meters it is the review's kWh/m² (every kWh carrier, each kWh once)
    KWH_PER_M2 = "kwh_per_m2"


class FindingField(StrEnum):
    TITLE = "title"
    SEVERITY_RANK = "severity_rank"
    REVIEW_INPUT = "review_input"


class HealthField(StrEnum):
    ONLINE = "online"
    CONSECUTIVE_FAILURES = "consecutive_failures"
    SUCCESSES = "successes"
    FAILURES = "failures"
    VALUES_READ = "values_read"
    LATENCY_MS = "latency_ms"
    SECONDS_SINCE_SUCCESS = "seconds_since_success"
    #: seconds since the last success, or since the first attempt for a source never read:
    #: what the meter-offline alert judges
    SECONDS_UNREAD = "seconds_unread"
    LAST_ERROR = "last_error"


class DaemonField(StrEnum):
    READINGS_RECEIVED = "readings_received"
    READINGS_WRITTEN = "readings_written"
    READINGS_SPOOLED = "readings_spooled"
    READINGS_REPLAYED = "readings_replayed"
    READINGS_REJECTED = "readings_rejected"
    READINGS_DROPPED = "readings_dropped"
    SPOOL_ERRORS = "spool_errors"
    SPOOL_QUARANTINED_ROWS = "spool_quarantined_rows"
    QUEUE_DEPTH = "queue_depth"
    SPOOL_READINGS = "spool_readings"
    SPOOL_BYTES = "spool_bytes"
    STORE_AVAILABLE = "store_available"
    WRITE_LATENCY_MS = "write_latency_ms"


def variable_field(name: str) -> str:
    """The EnPI point's field holding a relevant variable's value of the day."""
    return f"variable_{name}"


def metric_field(name: str) -> str:
    """The findings point's field holding one numeric metric of the finding (cost, kWh ...)."""
    return f"metric_{name}"


def error_field(kind: str) -> str:
    """The health point's count of one kind of error (timeout, decode ...)."""
    return f"errors_{kind}"


def main_field(meter: Meter) -> tuple[ReadingField, Quantity]:
    """The field a single-value meter's readings are stored in, and what it measures."""
    if meter.medium in TEMPERATURE_MEDIA:
        return ReadingField.TEMPERATURE_C, Quantity.TEMPERATURE
    if meter.kind is ValueKind.INSTANTANEOUS:
        if meter.unit in ("m3/h", "l/s"):
            return ReadingField.FLOW_M3H, Quantity.FLOW
        return ReadingField.POWER_KW, Quantity.POWER
    volume = meter.unit in ("m3", "l")
    interval = meter.kind is ValueKind.INTERVAL
    if volume:
        field = ReadingField.VOLUME_DELTA_M3 if interval else ReadingField.VOLUME_M3
        return field, Quantity.VOLUME
    return (ReadingField.ENERGY_DELTA_KWH if interval else ReadingField.ENERGY_KWH), Quantity.ENERGY
