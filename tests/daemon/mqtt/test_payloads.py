"""Payload decoding: shipped formats, units, timestamps, and every reason a payload is bad."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.config.models import Meter
from core.meters.formats import PayloadFormat, load_formats
from core.topics import TopicPattern
from daemon.mqtt.payloads import BadPayload, Reason, decode_payload
from daemon.mqtt.routing import meter_format

FORMATS = load_formats()
ZONE = ZoneInfo("Europe/Stockholm")
NOW = int(datetime(2024, 1, 15, 12, 0, tzinfo=UTC).timestamp()) * 10**9

TASMOTA = {
    "Time": "2024-01-15T10:30:00",
    "ENERGY": {
        "TotalStartTime": "2023-01-01T00:00:00",
        "Total": 1234.567,
        "Yesterday": 5.1,
        "Today": 3.2,
        "Power": 450,
        "ApparentPower": 500,
        "ReactivePower": 218,
        "Factor": 0.90,
        "Voltage": 231,
        "Current": 2.165,
    },
}
SHELLY_EM = {
    "id": 0,
    "a_current": 4.02,
    "a_voltage": 231.4,
    "a_act_power": 851.2,
    "a_aprt_power": 930.1,
    "a_pf": 0.92,
    "b_current": 3.1,
    "b_voltage": 230.9,
    "b_act_power": 700.0,
    "b_aprt_power": 760.0,
    "b_pf": 0.92,
    "c_current": 4.9,
    "c_voltage": 232.0,
    "c_act_power": 1061.5,
    "c_aprt_power": 1111.8,
    "c_pf": 0.95,
    "n_current": None,
    "total_current": 12.02,
    "total_act_power": 2612.7,
    "total_aprt_power": 2801.9,
}
SHELLY_EMDATA = {
    "id": 0,
    "a_total_act_energy": 2235.76,
    "a_total_act_ret_energy": 0.0,
    "b_total_act_energy": 1931.34,
    "b_total_act_ret_energy": 0.0,
    "c_total_act_energy": 2540.18,
    "c_total_act_ret_energy": 0.0,
    "total_act": 6707.28,
    "total_act_ret": 0.0,
}
MBUS = {"ts": 1705313400, "heat": {"energy_mwh": 1234.567, "power_kw": 85.2, "supply_c": 81.2}}


def decode(fmt: PayloadFormat, document: object) -> tuple[dict[str, float], int]:
    return decode_payload(json.dumps(document).encode(), fmt, received_ns=NOW, zone=ZONE)


def test_tasmota_energy_in_kwh_and_kw_at_local_device_time() -> None:
    values, time_ns = decode(FORMATS["tasmota_energy"], TASMOTA)
    assert values["energy_kwh"] == 1234.567
    assert values["power_kw"] == pytest.approx(0.45)
    assert values["voltage_v"] == 231
    assert values["power_factor"] == 0.9
    # 10:30 local time in Stockholm in January is 09:30 UTC
    assert time_ns == int(datetime(2024, 1, 15, 9, 30, tzinfo=UTC).timestamp()) * 10**9


def test_shelly_pro_3em_power_and_energy_in_canonical_units_at_receipt_time() -> None:
    values, time_ns = decode(FORMATS["shelly_pro_3em"], SHELLY_EM)
    assert values["power_kw"] == pytest.approx(2.6127)
    assert values["power_l3_kw"] == pytest.approx(1.0615)
    assert values["current_a"] == 12.02
    assert time_ns == NOW
    energy, _ = decode(FORMATS["shelly_pro_3em_energy"], SHELLY_EMDATA)
    assert energy["energy_kwh"] == pytest.approx(6.70728)
    assert energy["energy_l1_kwh"] == pytest.approx(2.23576)


def test_mbus_heat_meter_megawatt_hours_become_kilowatt_hours_at_meter_time() -> None:
    values, time_ns = decode(FORMATS["mbus_heat_meter_json"], MBUS)
    assert values == {
        "energy_kwh": pytest.approx(1_234_567.0),
        "power_kw": 85.2,
        "supply_temperature_c": 81.2,
    }
    assert time_ns == 1705313400 * 10**9


def meter(**kwargs: object) -> Meter:
    return Meter.model_validate({"id": "m", "building": "b", **kwargs})


def test_a_meter_with_a_value_path_stores_its_main_field_converted_from_its_unit() -> None:
    fmt = meter_format(
        meter(
            medium="district_heating",
            unit="MWh",
            mqtt={"topic": "t", "value_path": "heat.e", "timestamp_path": "ts"},
        )
    )
    values, time_ns = decode(fmt, {"heat": {"e": "12.5"}, "ts": 1705313400000})
    assert values == {"energy_kwh": 12500.0}
    assert time_ns == 1705313400 * 10**9  # epoch milliseconds told apart by size


@pytest.mark.parametrize(
    ("medium", "kind", "unit", "payload", "field", "value"),
    [
        ("outdoor_temperature", "instantaneous", "°C", b" -7.25\n", "temperature_c", -7.25),
        ("water", "counter", "l", b"123456", "volume_m3", 123.456),
        ("electricity", "instantaneous", "W", b"1500", "power_kw", 1.5),
        ("electricity", "interval", "Wh", b"250", "energy_delta_kwh", 0.25),
    ],
)
def test_plain_number_payloads(
    medium: str, kind: str, unit: str, payload: bytes, field: str, value: float
) -> None:
    fmt = meter_format(meter(medium=medium, kind=kind, unit=unit, mqtt={"topic": "t"}))
    values, time_ns = decode_payload(payload, fmt, received_ns=NOW, zone=ZONE)
    assert values == {field: pytest.approx(value)}
    assert time_ns == NOW


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"not json {", Reason.NOT_JSON),
        (b"[1, 2]", Reason.WRONG_TYPE),
        (json.dumps({"Time": "2024-01-15T10:30:00"}).encode(), Reason.MISSING_PATH),
        (
            json.dumps({**TASMOTA, "ENERGY": {**TASMOTA["ENERGY"], "Total": "lots"}}).encode(),
            Reason.WRONG_TYPE,
        ),
        (
            json.dumps({**TASMOTA, "ENERGY": {**TASMOTA["ENERGY"], "Total": True}}).encode(),
            Reason.WRONG_TYPE,
        ),
        (
            json.dumps({**TASMOTA, "ENERGY": {**TASMOTA["ENERGY"], "Voltage": 1e7}}).encode(),
            Reason.ABSURD_VALUE,
        ),
        (
            json.dumps({**TASMOTA, "ENERGY": {**TASMOTA["ENERGY"], "Factor": 3.5}}).encode(),
            Reason.ABSURD_VALUE,
        ),
        (json.dumps({**TASMOTA, "Time": "yesterday"}).encode(), Reason.BAD_TIMESTAMP),
        (json.dumps({**TASMOTA, "Time": "2031-01-01T00:00:00"}).encode(), Reason.BAD_TIMESTAMP),
        (b"\xff\xfe\x00", Reason.NOT_JSON),
    ],
)
def test_bad_payloads_are_refused_with_their_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(BadPayload) as caught:
        decode_payload(payload, FORMATS["tasmota_energy"], received_ns=NOW, zone=ZONE)
    assert caught.value.reason == reason


@given(payload=st.binary(max_size=300) | st.text(max_size=200).map(str.encode))
def test_no_payload_makes_decoding_fail_other_than_as_a_bad_payload(payload: bytes) -> None:
    for name in FORMATS:
        with contextlib.suppress(BadPayload):
            decode_payload(payload, FORMATS[name], received_ns=NOW, zone=ZONE)


def test_topic_patterns_capture_named_levels() -> None:
    pattern = TopicPattern("fastighet/{building}/{meter}/SENSOR")
    assert pattern.subscription == "fastighet/+/+/SENSOR"
    assert pattern.match("fastighet/solrosen/el-1/SENSOR") == {
        "building": "solrosen",
        "meter": "el-1",
    }
    assert pattern.match("fastighet/solrosen/el-1/STATE") is None
    assert pattern.match("fastighet/solrosen/SENSOR") is None
    assert pattern.match("fastighet//el-1/SENSOR") is None
    deep = TopicPattern("shellies/{meter}/#")
    assert deep.subscription == "shellies/+/#"
    assert deep.match("shellies/pro3em-1/status/em:0") == {"meter": "pro3em-1"}
