"""The demo portfolio: one continuous record, readings shaped like the collectors' own."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from core.deployment import Deployment, load_deployment
from core.readings import reading_tags
from daemon.mqtt.payloads import decode_payload
from daemon.mqtt.routing import meter_format
from simulation.demo.config import Ports, demo_config_text
from simulation.demo.devices import payload
from simulation.demo_portfolio import METERS, MqttLink
from simulation.portfolio import NS, ZONE, DemoPortfolio

TODAY = date(2026, 3, 15)


@pytest.fixture(scope="module")
def portfolio() -> DemoPortfolio:
    return DemoPortfolio(TODAY)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, portfolio: DemoPortfolio) -> Deployment:
    path = Path(tmp_path_factory.mktemp("demo")) / "enms-demo.yaml"
    ports = Ports(
        {"gw-ekbacka": 15020, "gw-tallgarden": 15021, "kommunhuset-el": 15022}, 1883, 8080
    )
    path.write_text(demo_config_text(portfolio.timeline, ports), encoding="utf-8")
    return load_deployment(path)


def test_the_timeline_is_a_baseline_year_then_the_saving_then_the_fault(
    portfolio: DemoPortfolio,
) -> None:
    timeline = portfolio.timeline
    first, last = timeline.baseline
    assert (last - first).days + 1 == 365  # a CalTRACK-sufficient baseline year
    assert timeline.saving_from == last + timedelta(days=1)
    assert timeline.saving_from < timeline.fault_from < TODAY
    assert timeline.reporting == (timeline.saving_from, TODAY - timedelta(days=1))


def test_counters_only_grow_and_live_values_continue_the_stored_history(
    portfolio: DemoPortfolio,
) -> None:
    now = datetime.combine(TODAY, datetime.min.time(), ZONE).astimezone(UTC) + timedelta(hours=10)
    history = [p for chunk in portfolio.history(now) for p in chunk]
    assert len(history) == portfolio.history_hours(now) * len(METERS)
    last = {p.tags["meter"]: p for p in history}  # the newest reading of each meter
    for meter in METERS:
        point = last[meter.id]
        at = datetime.fromtimestamp(point.time_ns / NS, UTC)
        assert point.fields[meter.field] == pytest.approx(
            portfolio.value_at(meter.id, at), abs=1e-3
        )
        if meter.counter:
            values = [p.fields["energy_kwh"] for p in history if p.tags["meter"] == meter.id]
            assert np.all(np.diff(values) > 0), meter.id
            # a minute later the register has moved on by about a minute of the hour's energy
            moved = portfolio.value_at(meter.id, at + timedelta(minutes=1)) - portfolio.value_at(
                meter.id, at
            )
            assert moved == pytest.approx(portfolio.power_kw_at(meter.id, at) / 60, rel=1e-6)


def test_history_carries_the_tags_the_collectors_give_the_configured_meters(
    portfolio: DemoPortfolio, deployment: Deployment
) -> None:
    configured = {meter.id: (site, meter) for site, meter in deployment.config.meters()}
    assert set(configured) == {meter.id for meter in METERS}
    for meter in METERS:
        site, configured_meter = configured[meter.id]
        assert portfolio.tags(meter) == reading_tags(site, configured_meter)


def test_each_mqtt_device_publishes_what_its_configured_format_decodes_to_the_simulated_value(
    portfolio: DemoPortfolio, deployment: Deployment
) -> None:
    at = datetime(2026, 3, 14, 9, 30, 7, tzinfo=UTC)
    configured = dict((meter.id, meter) for _, meter in deployment.config.meters())
    decoded = 0
    for meter in METERS:
        if not isinstance(meter.link, MqttLink):
            continue
        mqtt = configured[meter.id].mqtt
        assert mqtt is not None
        fmt = deployment.formats[mqtt.format] if mqtt.format else meter_format(configured[meter.id])
        fields, time_ns = decode_payload(
            payload(portfolio, meter, at), fmt, received_ns=int(at.timestamp()) * NS, zone=ZONE
        )
        tolerance = 0.1 if meter.counter else 0.01  # heat meters show 0.1 kWh (0.0001 MWh)
        assert fields[meter.field] == pytest.approx(portfolio.value_at(meter.id, at), abs=tolerance)
        if mqtt.format:  # the device's own time of measurement, to the second
            assert time_ns == int(at.timestamp()) * NS
        decoded += 1
    assert decoded == 12  # every MQTT device, the hot-water sensor too
