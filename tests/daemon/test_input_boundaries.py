"""Every input is data, never control flow: payloads and registers at their boundaries.

The payloads and register blocks that once stopped the daemon, the rule for numbers written
as text, exact device times, and generated hostile inputs through every shipped payload format
and meter profile (a few thousand per run here; ``tests/benchmarks/fuzz_inputs.py`` runs
100,000 of each and more).
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.deployment import Deployment, load_deployment
from core.meters.formats import PayloadFormat, load_formats
from core.meters.profiles import load_profiles
from core.meters.registers import DataType, encode
from daemon.modbus.values import Problem, ValueDecoder
from daemon.mqtt.client import Message
from daemon.mqtt.collector import MqttCollector
from daemon.mqtt.payloads import BadPayload, Reason, decode_payload
from tests.fuzz_inputs import all_formats_config, hostile_payload, register_reads

FORMATS = load_formats()
PROFILES = load_profiles()
ZONE = ZoneInfo("Europe/Stockholm")
NOW_NS = 1_765_000_000 * 10**9
CRASH_PAYLOADS = {
    "overflowing integer": b'{"total_act": 1' + b"0" * 400 + b"}",
    "deep nesting": b"[" * 100_000,
    "deep nesting in an object": b'{"total_act": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "digits past Python's int limit": b'{"total_act": ' + b"9" * 5000 + b"}",
}


@pytest.fixture
def deployment(tmp_path: Path) -> Deployment:
    """Every shipped format on a subscription, one configured meter each, and plain meters."""
    path = tmp_path / "site.yaml"
    path.write_text(all_formats_config(FORMATS))
    return load_deployment(path)


def message(topic: str, payload: bytes, received_ns: int = NOW_NS) -> Message:
    return Message(topic, payload, received_ns)


@pytest.mark.parametrize("name", sorted(CRASH_PAYLOADS))
def test_a_payload_that_once_stopped_the_daemon_is_counted_and_the_next_is_stored(
    deployment: Deployment, name: str
) -> None:
    collector = MqttCollector(deployment)
    topic = "dev/m/shelly_pro_3em_energy"
    assert collector.handle(message(topic, CRASH_PAYLOADS[name])) is None
    point = collector.handle(message(topic, b'{"total_act": 1500.0}', NOW_NS + 1))
    assert point is not None
    assert point.fields["energy_kwh"] == 1.5
    (health,) = collector.health()
    assert health.failures == 1
    assert health.successes == 1
    assert set(health.errors) <= {Reason.NOT_JSON, Reason.ABSURD_VALUE, Reason.TOO_LARGE}


def test_a_payload_over_the_size_limit_is_counted_unparsed(deployment: Deployment) -> None:
    collector = MqttCollector(deployment)
    big = json.dumps({"total_act": 1.0, "pad": "x" * 5000}).encode()
    assert collector.handle(message("dev/m/shelly_pro_3em_energy", big)) is None
    assert dict(collector.health()[0].errors) == {Reason.TOO_LARGE: 1}


def test_a_device_no_meter_is_configured_as_is_counted_not_stored(
    deployment: Deployment,
) -> None:
    collector = MqttCollector(deployment)
    payload = b'{"total_act": 1.0}'
    assert collector.handle(message("dev/stranger/shelly_pro_3em_energy", payload)) is None
    (health,) = collector.health()
    assert dict(health.errors) == {Reason.UNKNOWN_DEVICE: 1}
    assert "stranger" in (health.last_error or "")


def test_an_unforeseen_error_while_decoding_is_counted_with_its_trace(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The boundary holds for errors nobody foresaw, too (a bug in a converter, say)."""

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr("daemon.mqtt.collector.decode_payload", broken)
    collector = MqttCollector(deployment)
    assert collector.handle(message("dev/m/shelly_pro_3em_energy", b"{}")) is None
    assert dict(collector.health()[0].errors) == {Reason.UNREADABLE: 1}
    assert any(r.exc_info for r in caplog.records)


@pytest.mark.parametrize(
    ("text", "value"),
    [("231.2", 231.2), (" 12 ", 12.0), ("-1e3", -1000.0), ("+.5", 0.5), ("7.", 7.0)],
)
def test_numbers_written_as_plain_decimal_text_are_numbers(text: str, value: float) -> None:
    fmt = FORMATS["mbus_heat_meter_json"]
    document = {"ts": 1_705_313_400, "heat": {"energy_mwh": text}}
    values, _ = decode_payload(json.dumps(document).encode(), fmt, received_ns=NOW_NS, zone=ZONE)
    assert values["energy_kwh"] == pytest.approx(value * 1000)


@pytest.mark.parametrize(
    "text", ["nan", "inf", "-Infinity", "1_000", "0x10", "12,5", "١٢٣", "1e", "", "5 kWh"]
)
def test_other_text_is_not_a_number(text: str) -> None:
    fmt = FORMATS["mbus_heat_meter_json"]
    document = {"ts": 1_705_313_400, "heat": {"energy_mwh": text}}
    with pytest.raises(BadPayload) as caught:
        decode_payload(json.dumps(document).encode(), fmt, received_ns=NOW_NS, zone=ZONE)
    assert caught.value.reason == Reason.WRONG_TYPE


def test_plain_number_payloads_follow_the_same_rule(deployment: Deployment) -> None:
    collector = MqttCollector(deployment)
    assert collector.handle(message("plain/ute", b"nan")) is None
    assert collector.handle(message("plain/ute", b"1_0")) is None
    point = collector.handle(message("plain/ute", b"-7.25"))
    assert point is not None
    assert point.fields == {"temperature_c": -7.25}


def test_epoch_millisecond_times_one_apart_stay_exact_and_distinct(
    deployment: Deployment,
) -> None:
    """3,000 device times 1 ms apart: each stored at its own millisecond, exactly."""
    collector = MqttCollector(deployment)
    first_ms = 1_765_000_000_000
    times = []
    for i in range(3000):
        payload = json.dumps({"v": 1000 + i, "t": first_ms + i}).encode()
        point = collector.handle(message("plain/ms", payload, NOW_NS + 10**12))
        assert point is not None
        times.append(point.time_ns)
    assert times == [(first_ms + i) * 1_000_000 for i in range(3000)]


@pytest.mark.parametrize(
    ("written", "expected_ns"),
    [
        ("1765000000.123", 1_765_000_000_123_000_000),
        (1765000000.123, 1_765_000_000_123_000_000),
        (1765000000.999999, 1_765_000_000_999_999_000),
        ("1765000000123", 1_765_000_000_123_000_000),
        ("2025-12-06T05:46:40.123456Z", 1_765_000_000_123_456_000),
    ],
)
def test_device_times_are_computed_in_integers(
    deployment: Deployment, written: object, expected_ns: int
) -> None:
    collector = MqttCollector(deployment)  # plain/ms: its time at "t", told apart by form
    payload = json.dumps({"v": 1, "t": written}).encode()
    point = collector.handle(message("plain/ms", payload, NOW_NS + 10**12))
    assert point is not None
    assert point.time_ns == expected_ns


def test_a_burst_received_in_one_instant_gets_one_time_per_reading(
    deployment: Deployment,
) -> None:
    """20 Shelly messages stamped with the same receipt time: 20 distinct stored times."""
    collector = MqttCollector(deployment)
    points = [
        collector.handle(message("dev/m/shelly_pro_3em_energy", b'{"total_act": %d}' % i))
        for i in range(20)
    ]
    times = [p.time_ns for p in points if p is not None]
    assert len(set(times)) == 20
    assert times == sorted(times)
    assert times[0] == NOW_NS


def _check_format(fmt: PayloadFormat, rng: random.Random) -> None:
    payload = hostile_payload(rng, fmt)
    try:
        values, time_ns = decode_payload(payload, fmt, received_ns=NOW_NS, zone=ZONE)
    except BadPayload:
        return
    assert all(type(v) is float and math.isfinite(v) for v in values.values()), payload
    assert type(time_ns) is int


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_thousands_of_hostile_payloads_through_every_shipped_format(name: str) -> None:
    rng = random.Random(f"payloads-{name}")
    for _ in range(3000):
        _check_format(FORMATS[name], rng)


@settings(max_examples=300, deadline=None)
@given(rng=st.randoms(use_true_random=False))
def test_hostile_payloads_from_hypothesis_only_ever_make_bad_payloads(
    rng: random.Random,
) -> None:
    for fmt in FORMATS.values():
        _check_format(fmt, rng)


def _check_profile(decoder: ValueDecoder, rng: random.Random) -> None:
    decoded = decoder.decode(register_reads(rng, decoder.profile))
    for field, value in decoded.values.items():
        assert value is None or math.isfinite(value), field
    assert set(decoded.problems) <= {f for f, v in decoded.values.items() if v is None}


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_thousands_of_random_register_blocks_through_every_shipped_profile(name: str) -> None:
    decoder = ValueDecoder(PROFILES[name])
    rng = random.Random(f"registers-{name}")
    for _ in range(3000):
        _check_profile(decoder, rng)


def test_a_huge_scale_factor_or_an_infinity_loses_that_value_only() -> None:
    profile = PROFILES["sunspec"]
    decoder = ValueDecoder(profile)
    reads = register_reads(random.Random(1), profile)

    def put(field: str, registers: list[int]) -> None:
        for block, words in reads:
            for register in block.registers:
                if register.spec.field == field:
                    start = register.address - block.address
                    words[start : start + len(registers)] = registers

    put("w_sf", encode(400, DataType.SUNSSF))
    put("a_sf", encode(-2, DataType.SUNSSF))
    put("current_a", encode(3527, DataType.INT16))
    put("totwh_sf", encode(0, DataType.SUNSSF))
    put("energy_kwh", encode(54321123, DataType.ACC32))
    decoded = decoder.decode(reads)
    assert decoded.values["power_kw"] is None
    assert decoded.problems["power_kw"] == Problem.BAD_SCALE_FACTOR
    assert decoded.values["current_a"] == pytest.approx(35.27)
    assert decoded.values["energy_kwh"] == pytest.approx(54321.123)

    sdm = PROFILES["eastron_sdm630"]
    sdm_decoder = ValueDecoder(sdm)
    sdm_reads = register_reads(random.Random(2), sdm)
    for block, words in sdm_reads:
        for register in block.registers:
            start = register.address - block.address
            value = math.inf if register.spec.field == "voltage_l1_v" else 100.0
            words[start : start + 2] = encode(value, DataType.FLOAT32)
    sdm_decoded = sdm_decoder.decode(sdm_reads)
    assert sdm_decoded.values["voltage_l1_v"] is None
    assert sdm_decoded.problems == {"voltage_l1_v": Problem.NOT_FINITE}
    assert sdm_decoded.values["energy_kwh"] == 100.0
