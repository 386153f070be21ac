"""Fuzzing: hostile inputs through every shipped payload format and meter profile.

    .venv/bin/python -m tests.benchmarks.fuzz_inputs [--count 100000] [--seed 1]

Each shipped MQTT payload format gets ``count`` generated payloads (tests/fuzz_inputs.py:
deep nesting, integers with hundreds of digits, numbers as odd text, truncated JSON, random
bytes, and well-formed documents around the format's own paths) decoded twice: by
``decode_payload``, where anything but ``BadPayload`` is a finding, and through the MQTT
collector's boundary (``MqttCollector.handle``), where any exception escaping is a finding.
Each shipped meter profile gets ``count`` random register blocks (sentinels, NaN and infinity
patterns, extreme scale factors) through ``ValueDecoder.decode``: an exception, or a value
that is not a finite float or None, is a finding. The suite runs a few thousand of each.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import random
import tempfile
import time
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

from core.deployment import load_deployment
from core.meters.formats import load_formats
from core.meters.profiles import load_profiles
from daemon.modbus.values import ValueDecoder
from daemon.mqtt.client import Message
from daemon.mqtt.collector import MqttCollector
from daemon.mqtt.payloads import BadPayload, decode_payload
from tests.fuzz_inputs import all_formats_config, hostile_payload, register_reads

NOW_NS = 1_765_000_000 * 10**9
ZONE = ZoneInfo("Europe/Stockholm")


def collector_for(formats: list[str], folder: Path) -> MqttCollector:
    path = folder / "site.yaml"
    path.write_text(
        all_formats_config(formats).replace("max_payload_bytes: 4096", "max_payload_bytes: 65536")
    )
    return MqttCollector(load_deployment(path))


def fuzz_formats(count: int, seed: int) -> list[dict[str, object]]:
    formats = load_formats()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        collector = collector_for(list(formats), Path(folder))
        for name, fmt in formats.items():
            rng = random.Random(f"{seed}-{name}")
            reasons: Counter[str] = Counter()
            findings = accepted = 0
            began = time.perf_counter()
            for i in range(count):
                payload = hostile_payload(rng, fmt)
                try:
                    values, _ = decode_payload(payload, fmt, received_ns=NOW_NS, zone=ZONE)
                    accepted += 1
                    if not all(math.isfinite(v) for v in values.values()):
                        findings += 1
                except BadPayload as bad:
                    reasons[bad.reason] += 1
                except Exception:  # a finding: only BadPayload may leave the decoder
                    findings += 1
                try:
                    collector.handle(Message(f"dev/m/{name}", payload, NOW_NS + i, i % 65535, 1))
                except Exception:  # a finding: nothing may leave the boundary
                    findings += 1
            rows.append(
                {
                    "format": name,
                    "payloads": count,
                    "accepted": accepted,
                    "bad_by_reason": dict(reasons.most_common()),
                    "findings": findings,
                    "seconds": round(time.perf_counter() - began, 1),
                }
            )
    return rows


def fuzz_profiles(count: int, seed: int) -> list[dict[str, object]]:
    rows = []
    for name, profile in load_profiles().items():
        decoder = ValueDecoder(profile)
        rng = random.Random(f"{seed}-{name}")
        findings = missing = problems = 0
        began = time.perf_counter()
        for _ in range(count):
            try:
                decoded = decoder.decode(register_reads(rng, profile))
            except Exception:  # a finding
                findings += 1
                continue
            for value in decoded.values.values():
                if value is None:
                    missing += 1
                elif not math.isfinite(value):
                    findings += 1
            problems += len(decoded.problems)
        rows.append(
            {
                "profile": name,
                "register_blocks": count,
                "values_missing": missing,
                "values_undecodable": problems,
                "findings": findings,
                "seconds": round(time.perf_counter() - began, 1),
            }
        )
    return rows


def main() -> None:
    logging.getLogger("daemon").setLevel(logging.CRITICAL)  # bad payloads are the point here
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for row in [*fuzz_formats(args.count, args.seed), *fuzz_profiles(args.count, args.seed)]:
        print(json.dumps(row))


if __name__ == "__main__":
    main()
