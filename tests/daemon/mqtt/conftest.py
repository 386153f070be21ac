"""Real Mosquitto brokers on 127.0.0.1, a publisher, and a deployment subscribing to them."""

from __future__ import annotations

import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from core.config.models import InfluxDBSettings
from core.deployment import Deployment, load_deployment
from tests.private_services import PrivateBroker
from tests.services import require_mqtt


@dataclass
class Broker:
    host: str
    port: int


@pytest.fixture
def broker() -> Broker:
    host, port = require_mqtt()
    return Broker(host, port)


class Publisher:
    """Publishes with QoS 1 and waits for each PUBACK: the broker has the message."""

    def __init__(self, broker: Broker | PrivateBroker) -> None:
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}"
        )
        self.client.max_inflight_messages_set(1000)
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()

    def publish(self, topic: str, payload: bytes | str, qos: int = 1) -> None:
        self.client.publish(topic, payload, qos=qos).wait_for_publish(timeout=10)

    def publish_many(self, topic: str, payloads: list[bytes], qos: int = 1) -> None:
        """Publish back to back (up to 1,000 in flight), then wait until the broker has all."""
        infos = [self.client.publish(topic, payload, qos=qos) for payload in payloads]
        for info in infos:
            info.wait_for_publish(timeout=60)
            assert info.is_published()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def publisher(broker: Broker) -> Iterator[Publisher]:
    instance = Publisher(broker)
    yield instance
    instance.close()


def mqtt_config(
    broker: Broker | PrivateBroker,
    influx: InfluxDBSettings,
    *,
    client_id: str,
    extra_subscriptions: str = "",
    protocol: str = "5",
) -> str:
    """A school and a preschool whose meters report over MQTT in every shipped format."""
    return textwrap.dedent(f"""\
        version: 1
        portfolio: {{name: Testkommun, timezone: Europe/Stockholm}}
        storage:
          backend: influxdb
          influxdb: {{url: "{influx.url}", database: {influx.database}, create_database: true}}
        mqtt:
          host: {broker.host}
          port: {broker.port}
          client_id: {client_id}
          protocol: "{protocol}"
          subscriptions:
            - {{topic: "shellies/{{meter}}/status/em:0", format: shelly_pro_3em}}
            - {{topic: "shellies/{{meter}}/status/emdata:0", format: shelly_pro_3em_energy}}
            - {{topic: "fastighet/{{building}}/{{meter}}/SENSOR", format: tasmota_energy}}
        {extra_subscriptions}
        sites:
          - id: skolan
            name: Skolan
            buildings:
              - {{id: skolan-a, name: Hus A, category: school, atemp_m2: 4000}}
            meters:
              - {{id: skolan-fjv, building: skolan-a, medium: district_heating, unit: kWh,
                  mqtt: {{topic: "fastighet/skolan/fjv/state", format: mbus_heat_meter_json}}}}
              - {{id: skolan-ute, building: skolan-a, medium: outdoor_temperature,
                  kind: instantaneous, unit: °C, mqtt: {{topic: "fastighet/skolan/ute"}}}}
              - {{id: skolan-vatten, building: skolan-a, medium: water, unit: l,
                  mqtt: {{topic: "fastighet/skolan/vatten", value_path: reading.litres,
                          timestamp_path: reading.time}}}}
              - {{id: skolan-el-3em, building: skolan-a, medium: electricity, unit: kWh,
                  mqtt: {{}}}}  # through the shellies/{{meter}}/status/emdata:0 subscription
          - id: solrosen
            name: Förskolan Solrosen
            buildings:
              - {{id: solrosen, name: Solrosen, category: preschool, atemp_m2: 720}}
            meters:  # these arrive through the subscriptions' {{meter}} level
              - {{id: solrosen-el, building: solrosen, medium: electricity, unit: kWh, mqtt: {{}}}}
              - {{id: solrosen-3em, building: solrosen, medium: electricity, unit: kWh,
                  mqtt: {{}}}}
        """)


@pytest.fixture
def client_id() -> str:
    return f"enms-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def mqtt_deployment(
    broker: Broker, influx_settings: InfluxDBSettings, tmp_path: Path, client_id: str
) -> Deployment:
    path = tmp_path / "site.yaml"
    path.write_text(mqtt_config(broker, influx_settings, client_id=client_id))
    return load_deployment(path)
