"""Units: each quantity is stored in one canonical unit, named in the field (energy_kwh).

Devices report in whatever unit they like (Wh, MWh, GJ, W, l ...); conversions to the
canonical unit happen once, where readings enter enms.
"""

from __future__ import annotations

from enum import StrEnum


class Quantity(StrEnum):
    """What a value is."""

    ENERGY = "energy"
    POWER = "power"
    REACTIVE_POWER = "reactive_power"
    APPARENT_POWER = "apparent_power"
    VOLTAGE = "voltage"
    CURRENT = "current"
    FREQUENCY = "frequency"
    POWER_FACTOR = "power_factor"
    TEMPERATURE = "temperature"
    HUMIDITY = "humidity"
    VOLUME = "volume"
    FLOW = "flow"
    SCALE_FACTOR = "scale_factor"  # a SunSpec scale factor other registers refer to
    OTHER = "other"


#: canonical unit and the field-name suffix that states it
CANONICAL: dict[Quantity, tuple[str, str]] = {
    Quantity.ENERGY: ("kWh", "_kwh"),
    Quantity.POWER: ("kW", "_kw"),
    Quantity.REACTIVE_POWER: ("kvar", "_kvar"),
    Quantity.APPARENT_POWER: ("kVA", "_kva"),
    Quantity.VOLTAGE: ("V", "_v"),
    Quantity.CURRENT: ("A", "_a"),
    Quantity.FREQUENCY: ("Hz", "_hz"),
    Quantity.TEMPERATURE: ("°C", "_c"),
    Quantity.HUMIDITY: ("%", "_pct"),
    Quantity.VOLUME: ("m3", "_m3"),
    Quantity.FLOW: ("m3/h", "_m3h"),
}

#: multiply by factor, then add offset, to get the canonical unit
CONVERSIONS: dict[Quantity, dict[str, tuple[float, float]]] = {
    Quantity.ENERGY: {"Wh": (1e-3, 0), "kWh": (1, 0), "MWh": (1e3, 0), "GJ": (1e6 / 3600, 0)},
    Quantity.POWER: {"W": (1e-3, 0), "kW": (1, 0), "MW": (1e3, 0)},
    Quantity.REACTIVE_POWER: {"var": (1e-3, 0), "kvar": (1, 0)},
    Quantity.APPARENT_POWER: {"VA": (1e-3, 0), "kVA": (1, 0)},
    Quantity.VOLTAGE: {"V": (1, 0), "kV": (1e3, 0)},
    Quantity.CURRENT: {"A": (1, 0), "mA": (1e-3, 0)},
    Quantity.FREQUENCY: {"Hz": (1, 0)},
    Quantity.TEMPERATURE: {"°C": (1, 0), "K": (1, -273.15)},
    Quantity.HUMIDITY: {"%": (1, 0)},
    Quantity.VOLUME: {"m3": (1, 0), "l": (1e-3, 0)},
    Quantity.FLOW: {"m3/h": (1, 0), "l/s": (3.6, 0), "l/h": (1e-3, 0)},
    Quantity.POWER_FACTOR: {"": (1, 0), "%": (0.01, 0)},
}

#: values outside these are not measurements but faults or misconfigurations
PLAUSIBLE: dict[Quantity, tuple[float, float]] = {
    Quantity.ENERGY: (-1e12, 1e12),
    Quantity.POWER: (-1e6, 1e6),
    Quantity.VOLTAGE: (0, 100_000),
    Quantity.CURRENT: (-1e5, 1e5),
    Quantity.FREQUENCY: (0, 500),
    Quantity.POWER_FACTOR: (-1.0, 1.0),
    Quantity.TEMPERATURE: (-90, 400),
    Quantity.HUMIDITY: (0, 100),
    Quantity.VOLUME: (-1e12, 1e12),
    Quantity.FLOW: (-1e6, 1e6),
}


def conversion(quantity: Quantity, unit: str) -> tuple[float, float]:
    """(factor, offset) from ``unit`` to the canonical unit of ``quantity``."""
    table = CONVERSIONS.get(quantity)
    if table is None:
        return 1.0, 0.0
    if unit not in table:
        raise ValueError(
            f"unit {unit!r} is not a unit of {quantity.value}; use one of "
            + ", ".join(repr(u) for u in table)
        )
    return table[unit]


def check_field_name(field: str, quantity: Quantity) -> str | None:
    """A problem with a field name that does not state its canonical unit, or None."""
    canonical = CANONICAL.get(quantity)
    if canonical is None or field.endswith(canonical[1]):
        return None
    unit, suffix = canonical
    return f"a {quantity.value} field is stored in {unit}: its name must end in {suffix!r}"


def unit_of(field: str) -> str:
    """The unit a stored field's name states (energy_kwh -> kWh), or "" where it states none
    (power_factor, a helper register)."""
    matches = [(suffix, unit) for unit, suffix in CANONICAL.values() if field.endswith(suffix)]
    # the longest suffix wins: "_m3h" before "_m3", "_kvar" before "_a"
    return max(matches, key=lambda m: len(m[0]))[1] if matches else ""
