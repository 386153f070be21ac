"""docker-compose.yml, the Dockerfile and .env.example agree with each other and with enms.

No Docker engine runs here; CI validates the compose file with `docker-compose config -q`
(.ci/run). These checks catch what that cannot: an unpinned image, a literal secret, a service
without a health check, a command enms does not have.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from enms.cli.main import build_parser

REPO = Path(__file__).resolve().parents[1]
SECRET = re.compile(r"PASSWORD|TOKEN|SECRET|API_KEY", re.IGNORECASE)


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return loaded


def test_every_service_is_pinned_healthchecked_and_keeps_state_in_named_volumes() -> None:
    services = compose()["services"]
    assert set(services) == {"influxdb", "mosquitto", "grafana", "enms-daemon", "enms-api"}
    assert services["influxdb"]["image"].startswith("influxdb:1.8.")
    named = set(compose()["volumes"])
    for name, service in services.items():
        image = service["image"]
        assert ":" in image, name
        assert not image.endswith(":latest"), name
        assert service["healthcheck"]["test"], name
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert source.startswith("./") or source in named, (name, volume)
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), (name, port)  # published on loopback only


def test_no_secret_is_written_in_the_compose_file() -> None:
    for name, service in compose()["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET.search(key):
                assert str(value).startswith("${"), f"{name}: {key} must come from .env"
    example = (REPO / ".env.example").read_text()
    referenced = set(re.findall(r"\$\{([A-Z_]+)", (REPO / "docker-compose.yml").read_text()))
    documented = set(re.findall(r"^([A-Z_]+)=", example, re.MULTILINE))
    assert referenced <= documented, f"not in .env.example: {referenced - documented}"
    assert ".env" in (REPO / ".gitignore").read_text().split()


def test_the_enms_services_run_commands_enms_has_from_one_image() -> None:
    services = compose()["services"]
    daemon, api = services["enms-daemon"], services["enms-api"]
    assert daemon["build"] == api["build"] == "."
    assert daemon["image"] == api["image"]
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert daemon["command"][0] == "run"
    assert api["command"][0] == "api"
    for service in (daemon, api):
        assert service["command"][0] in commands
        assert service["environment"]["ENMS_VAR"] == "/var/lib/enms"
        assert "enms-data:/var/lib/enms" in service["volumes"]


def test_the_image_contains_every_package_enms_installs() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    packages = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]["find"]["include"]
    for pattern in packages:
        package = pattern.rstrip("*")
        assert f"COPY {package} ./{package}" in dockerfile, package


def test_the_example_configuration_reads_its_connections_from_the_environment() -> None:
    lines = (REPO / "config" / "example.yaml").read_text().splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    environment = compose()["services"]["enms-daemon"]["environment"]
    used = set(re.findall(r"\$\{([A-Z_]+)", text))
    assert {"INFLUX_URL", "MQTT_HOST", "ENMS_VAR", "INFLUX_DATABASE"} <= used
    assert used - {"INFLUX_TOKEN", "MQTT_PASSWORD"} <= set(environment)
