"""Meter profiles: the shipped ones are valid; mistakes name file, line, register and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from core.errors import ConfigError
from core.meters.profiles import load_profile, load_profiles
from enms.cli.main import main

REPO = Path(__file__).resolve().parents[3]


def test_shipped_and_example_profiles_load() -> None:
    profiles = load_profiles([REPO / "config" / "profiles"])
    assert {"eastron_sdm630", "eastron_sdm120", "sunspec", "mbus_heat_meter"} <= set(profiles)
    sunspec = profiles["sunspec"]
    assert sunspec.sunspec is not None
    assert sunspec.sunspec.models == [201, 202, 203, 204]
    energy = next(r for r in profiles["eastron_sdm630"].registers if r.field == "energy_kwh")
    assert (energy.address, energy.type.value, energy.value_kind.value) == (
        0x48,
        "float32",
        "counter",
    )


BROKEN = """\
id: broken_meter
description: A profile with mistakes
registers:
  - {field: energy_kwh, address: 0, type: uint32, quantity: energy}
  - {field: power_kw, address: 1, type: int16, quantity: power}
  - {field: volume_m3, address: 4, type: uint24, quantity: volume}
  - {field: flow_m3h, address: 6, type: int16, quantity: flow, scale_factor: flow_sf}
  - field: temp_c
    address: 70000
    type: int16
    quantity: temperature
"""


def test_profile_mistakes_name_file_line_register_and_field(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)
    with pytest.raises(ConfigError) as caught:
        load_profile(path)
    messages = [str(issue) for issue in caught.value.issues]
    # structural errors and cross-register problems in one run, in the order of the file
    assert (
        messages[0] == f"{path}:5:5: registers[1]: overlaps registers[0] (holding registers 0..1)"
    )
    assert messages[1].startswith(f"{path}:6:36: registers[2].type: Input should be 'int16'")
    assert (
        messages[2] == f"{path}:7:64: registers[3].scale_factor: no register with field 'flow_sf'"
    )
    assert messages[3] == (
        f"{path}:9:5: registers[4].address: Input should be less than or equal to 65535 (got 70000)"
    )
    assert len(messages) == 4
    fixed = BROKEN.replace("uint24", "uint16").replace("70000", "7")
    path.write_text(fixed)
    with pytest.raises(ConfigError) as caught:
        load_profile(path)
    assert [str(issue) for issue in caught.value.issues] == [
        f"{path}:5:5: registers[1]: overlaps registers[0] (holding registers 0..1)",
        f"{path}:7:64: registers[3].scale_factor: no register with field 'flow_sf'",
    ]


def test_config_check_reports_errors_in_profile_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "broken.yaml").write_text(BROKEN)
    config = tmp_path / "site.yaml"
    config.write_text(
        textwrap.dedent("""\
        version: 1
        portfolio: {name: Test}
        modbus:
          profile_dirs: [profiles]
          gateways: [{id: gw, host: 127.0.0.1}]
        sites:
          - id: s
            name: S
            buildings: [{id: b, name: B, category: office, atemp_m2: 100}]
            meters:
              - {id: m, building: b, medium: electricity, unit: kWh,
                 modbus: {gateway: gw, unit_id: 1, profile: broken_meter}}
        """)
    )
    assert main(["config", "check", str(config)]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'profiles' / 'broken.yaml'}:6:36: registers[2].type" in err


def test_a_meter_naming_an_unknown_profile_is_reported_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "site.yaml"
    config.write_text(
        textwrap.dedent("""\
        version: 1
        portfolio: {name: Test}
        modbus:
          gateways: [{id: gw, host: 127.0.0.1}]
        sites:
          - id: s
            name: S
            buildings: [{id: b, name: B, category: office, atemp_m2: 100}]
            meters:
              - id: m
                building: b
                medium: electricity
                unit: kWh
                modbus: {gateway: gw, unit_id: 1, profile: eastron_sdm603}
        """)
    )
    assert main(["config", "check", str(config)]) == 1
    err = capsys.readouterr().err
    assert (
        f"{config}:14:43: meter 'm' (sites[0].meters[0].modbus.profile): unknown profile "
        "'eastron_sdm603'" in err
    )
