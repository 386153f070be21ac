"""`enms collect --listen S` against the real Mosquitto: what each MQTT meter sends, shown.

The readings are published retained on topics of this test alone, so they reach the listener
whenever its subscription starts; nothing depends on how fast the machine is.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from enms.cli.main import main
from tests.daemon.mqtt.conftest import Broker
from tests.process_output import Output

LISTEN_S = 15


def test_listen_shows_each_meters_readings_refusals_and_silence(
    broker: Broker, tmp_path: Path
) -> None:
    prefix = f"listen-{uuid.uuid4().hex[:8]}"
    config = tmp_path / "site.yaml"
    config.write_text(
        textwrap.dedent(f"""\
        version: 1
        portfolio: {{name: Testkommun}}
        storage: {{backend: embedded, embedded: {{path: data.sqlite}}}}
        mqtt: {{host: {broker.host}, port: {broker.port}, client_id: {prefix}-daemon}}
        sites:
          - id: skolan
            name: Skolan
            buildings: [{{id: a, name: Hus A, category: school, atemp_m2: 1000}}]
            meters:
              - {{id: skolan-ute, building: a, medium: outdoor_temperature, kind: instantaneous,
                  unit: °C, mqtt: {{topic: "{prefix}/ute"}}}}
              - {{id: skolan-fjv, building: a, medium: district_heating, unit: kWh,
                  mqtt: {{topic: "{prefix}/fjv", format: mbus_heat_meter_json}}}}
              - {{id: skolan-vatten, building: a, medium: water, unit: l,
                  mqtt: {{topic: "{prefix}/vatten"}}}}
        """)
    )
    publisher = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"{prefix}-pub")
    publisher.connect(broker.host, broker.port)
    publisher.loop_start()
    topics = [f"{prefix}/ute", f"{prefix}/fjv"]
    try:
        for topic, payload in zip(topics, (b"-3.5", b"{not json"), strict=True):
            publisher.publish(topic, payload, qos=1, retain=True).wait_for_publish(timeout=10)
        process = subprocess.Popen(
            [sys.executable, "-m", "enms.cli.main", "collect", "--config", str(config),
             "--listen", str(LISTEN_S), "--lang", "en"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        output = Output(process)
        output.wait_for("skolan-ute: temperature_c -3.5 °C", timeout_s=LISTEN_S + 30)
        text = output.finish(timeout_s=LISTEN_S + 60)
    finally:
        for topic in topics:  # the retained messages go with the test
            publisher.publish(topic, b"", qos=1, retain=True).wait_for_publish(timeout=10)
        publisher.disconnect()
        publisher.loop_stop()
    assert process.returncode == 1, text  # a configured meter sent nothing
    rows = {line.split()[0]: line for line in text.splitlines() if line.startswith("skolan-")}
    assert "1" in rows["skolan-ute"].split()
    assert rows["skolan-ute"].rstrip().endswith("ok")
    assert "refused" in rows["skolan-fjv"]
    assert "nothing arrived" in rows["skolan-vatten"]
    assert "2 of 3 MQTT meters sent readings" not in text
    assert "1 of 3 MQTT meters sent readings" in text
    assert "nothing stored" in text
    assert not (tmp_path / "data.sqlite").exists()  # the store was never opened


@pytest.mark.parametrize("seconds", ["0", "-5", "nan", "inf"])
def test_listen_wants_a_number_of_seconds_above_zero(
    seconds: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["collect", "--config", "unused.yaml", "--listen", seconds])
    assert stopped.value.code == 2
    assert "is not a number of seconds above zero" in capsys.readouterr().err
