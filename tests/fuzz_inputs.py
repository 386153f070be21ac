"""Hostile inputs for the collectors' boundaries, from a seeded ``random.Random``.

Shared by the test suite (a few thousand per run, and through Hypothesis' ``randoms()``) and
by ``tests/benchmarks/fuzz_inputs.py`` (100,000 and more, results in docs/benchmarks.md).
Payloads are built around each format's own paths, so they reach the value, unit and time
code rather than stopping at "not JSON".
"""

from __future__ import annotations

import json
import random
import textwrap
from collections.abc import Iterable

from core.meters.formats import FieldMapping, PayloadFormat
from core.meters.profiles import MeterProfile
from core.units import PLAUSIBLE, conversion
from daemon.modbus.blocks import Block, bind, plan

_WORDS = [
    "",
    " ",
    "nan",
    "NaN",
    "inf",
    "-Infinity",
    "1_000",
    "0x10",
    "12,5",
    "١٢٣",
    "1e400",
    "−5",
    "true",
    "null",
    "2024-13-45T99:99:99",
    "9999-12-31T23:59:59Z",
    "\x00",
    "🔥",
]


def _hostile_value(rng: random.Random, depth: int = 0) -> object:
    pick = rng.randrange(14)
    if pick == 0:
        return rng.choice([10**400, -(10**400), 2**63, 2**64 + 1, 10**20, -1, 0])
    if pick == 1:
        return rng.choice([1e308, -1e308, 5e-324, 1.7976931348623157e308, 0.0, -0.0])
    if pick == 2:
        return rng.uniform(-1e6, 1e6)
    if pick == 3:
        return rng.randrange(-(10**13), 10**13)
    if pick == 4:
        return rng.choice(_WORDS)
    if pick == 5:
        return "".join(rng.choice("0123456789.eE+- ") for _ in range(rng.randrange(1, 30)))
    if pick == 6:
        return rng.choice([True, False, None])
    if pick == 7 and depth < 3:
        return [_hostile_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if pick == 8 and depth < 3:
        return {rng.choice(["a", "0", "ENERGY", "ts"]): _hostile_value(rng, depth + 1)}
    if pick == 9:
        return str(rng.uniform(-1e9, 1e9))
    if pick == 10:  # epoch times around now, in s, ms, text and float
        seconds = 1_700_000_000 + rng.randrange(10**8)
        return rng.choice(
            [
                seconds,
                seconds * 1000 + rng.randrange(1000),
                str(seconds),
                seconds + rng.random(),
                f"{seconds}.{rng.randrange(1000):03d}",
            ]
        )
    if pick == 11:
        return rng.choice(
            [
                "2024-01-15T10:30:00",
                "2024-01-15T10:30:00Z",
                "2024-01-15",
                "0001-01-01T00:00:00",
                "2024-01-15T10:30:00+25:00",
            ]
        )
    return rng.random() * 1000


def _plausible(rng: random.Random, mapping: FieldMapping) -> float:
    """A raw value whose converted value lies in the plausible range of its quantity."""
    factor, offset = conversion(mapping.quantity, mapping.source_unit)
    low, high = PLAUSIBLE.get(mapping.quantity, (0.0, 1000.0))
    low = mapping.min if mapping.min is not None else max(low, -1000.0)
    high = mapping.max if mapping.max is not None else min(high, 1000.0)
    canonical = rng.uniform(low, high)
    return round((canonical - offset) / (factor * mapping.scale), 3)


def _plausible_time(rng: random.Random) -> object:
    seconds = 1_700_000_000 + rng.randrange(10**7)
    return rng.choice(
        [
            seconds,
            seconds * 1000 + rng.randrange(1000),
            f"{seconds}.{rng.randrange(1000):03d}",
            "2024-01-15T10:30:00",
            "2024-01-15T10:30:00.250+01:00",
        ]
    )


def _put(document: dict[str, object], path: str, value: object) -> None:
    parts = path.split(".")
    node: object = document
    for part in parts[:-1]:
        if not isinstance(node, dict):
            return
        node = node.setdefault(part, {})
    if isinstance(node, dict):
        node[parts[-1]] = value


def hostile_payload(rng: random.Random, fmt: PayloadFormat) -> bytes:
    """One payload for ``fmt``: mostly well-formed around its paths, with hostile values."""
    kind = rng.randrange(10)
    if kind == 0:
        return rng.randbytes(rng.randrange(200))
    if kind == 1:
        depth = rng.choice([10, 1000, 100_000])
        return b"[" * depth + b"]" * rng.choice([0, depth])
    if kind == 2:
        return b'{"v": 1' + b"0" * rng.choice([400, 5000]) + b"}"
    if kind == 3 or fmt.payload == "number":
        value = _hostile_value(rng)
        return (value if isinstance(value, str) else json.dumps(value)).encode(
            "utf-8", "surrogatepass"
        )
    document: dict[str, object] = {}
    paths = [m.path for m in fmt.fields if m.path]
    if kind in (5, 6, 7):  # plausible values, at most one of them hostile: the accepted path
        for mapping in fmt.fields:
            if mapping.path:
                _put(document, mapping.path, _plausible(rng, mapping))
        if fmt.timestamp is not None:
            _put(document, fmt.timestamp.path, _plausible_time(rng))
        if kind == 7:
            paths_and_time = [*paths, *([fmt.timestamp.path] if fmt.timestamp else [])]
            _put(document, rng.choice(paths_and_time), _hostile_value(rng))
        return json.dumps(document).encode()
    if fmt.timestamp is not None:
        paths.append(fmt.timestamp.path)
    for path in paths:
        if rng.random() < 0.9:
            _put(document, path, _hostile_value(rng))
    text = json.dumps(document, allow_nan=True)
    if kind == 4 and len(text) > 2:
        cut = rng.randrange(len(text))
        text = text[:cut]
    return text.encode()


def register_reads(rng: random.Random, profile: MeterProfile) -> list[tuple[Block, list[int]]]:
    """Random register contents for every block of ``profile`` (SunSpec at model start 40002)."""
    start = 40002 if profile.sunspec is not None else None
    blocks = plan(bind(profile, start), max_count=profile.max_registers_per_read, max_gap=0)
    special = [0, 0xFFFF, 0x8000, 0x7FFF, 0x7F80, 0xFF80, 0x7FC0, 0x7FF0, 0x0190, 0xFE70]
    reads = []
    for block in blocks:
        words = [
            rng.choice(special) if rng.random() < 0.4 else rng.randrange(0x10000)
            for _ in range(block.count)
        ]
        reads.append((block, words))
    return reads


def all_formats_config(formats: Iterable[str], *, max_payload_bytes: int = 4096) -> str:
    """A configuration subscribing to every named format (dev/{meter}/<format>) for one
    configured meter 'm', plus a plain-number meter (plain/ute) and one whose value and time
    are at paths (plain/ms)."""
    subscriptions = "\n".join(
        f'    - {{topic: "dev/{{meter}}/{name}", format: {name}}}' for name in formats
    )
    return (
        "version: 1\n"
        "portfolio: {name: Testkommun, timezone: Europe/Stockholm}\n"
        f"mqtt:\n  host: 127.0.0.1\n  max_payload_bytes: {max_payload_bytes}\n"
        "  subscriptions:\n"
        + subscriptions
        + textwrap.dedent("""
        sites:
          - id: s
            name: S
            buildings: [{id: b, name: B, category: school, atemp_m2: 100}]
            meters:
              - {id: m, building: b, medium: electricity, unit: kWh, mqtt: {}}
              - {id: ute, building: b, medium: outdoor_temperature, kind: instantaneous,
                 unit: °C, mqtt: {topic: plain/ute}}
              - {id: ms, building: b, medium: water, unit: l,
                 mqtt: {topic: plain/ms, value_path: v, timestamp_path: t}}
        """)
    )
