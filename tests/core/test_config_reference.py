"""The README's configuration reference is the one generated from the models."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from enms.cli.main import main

REPO = Path(__file__).resolve().parents[2]


def _sync_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "sync", REPO / "scripts" / "sync_config_reference.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_reference_matches_the_models() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert _sync_module().with_reference(readme) == readme, (
        "README.md's configuration reference is stale: run "
        ".venv/bin/python scripts/sync_config_reference.py"
    )


def test_every_configuration_field_is_documented(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["config", "reference"]) == 0
    reference = capsys.readouterr().out
    for line in reference.splitlines():
        if line.startswith("| `"):
            meaning = line.rstrip(" |").rsplit("|", 1)[-1].strip()
            assert meaning, f"undocumented field: {line}"
    for section in ("EnmsConfig", "InfluxDBSettings", "Meter", "ModbusSource", "MqttSource"):
        assert f"#### {section}" in reference
