"""Sub-meters: a three-level tree is summed with every kWh once, and a boundary that would
count a meter and its ancestor is refused."""

from __future__ import annotations

import textwrap

import pytest

from core.config import parse_config
from core.config.meter_tree import ancestors, counted_once, nested_pairs
from core.config.models import EnmsConfig
from core.errors import ConfigError
from energy.enpi_run import boundary_meters

# main electricity -> the air handling unit -> its supply fan; the hall's own main meter
TREE = """\
version: 1
portfolio:
  name: Testkommun
  seus: [{id: ventilation, name: Ventilation}]
mqtt: {host: 127.0.0.1}
sites:
  - id: skolan
    name: Skolan
    buildings:
      - {id: skolan-a, name: Hus A, category: school, atemp_m2: 1000}
      - {id: hallen, name: Hallen, category: sports_hall, atemp_m2: 500}
    meters:
      - {id: el-main, building: skolan-a, medium: electricity, unit: kWh, mqtt: {topic: m/1}}
      - {id: el-ftx, building: skolan-a, medium: electricity, unit: kWh, parent: el-main,
         seu: ventilation, mqtt: {topic: m/2}}
      - {id: el-fan, building: skolan-a, medium: electricity, unit: kWh, parent: el-ftx,
         seu: ventilation, mqtt: {topic: m/3}}
      - {id: el-hall, building: hallen, medium: electricity, unit: kWh, mqtt: {topic: m/4}}
      - {id: ute, building: skolan-a, medium: outdoor_temperature, kind: instantaneous,
         unit: °C, mqtt: {topic: m/5}}
enpis:
"""
BASELINE = "baseline: {first: 2024-01-01, last: 2024-12-31}"


def config_with(*enpis: str) -> EnmsConfig:
    text = TREE + "".join(f"  - {enpi}\n" for enpi in enpis) if enpis else TREE + "  []\n"
    return parse_config(textwrap.dedent(text), file="tree.yaml")


def ids(meters: list[object]) -> list[str]:
    return [m.id for m in meters]  # type: ignore[attr-defined]


def test_ancestors_walk_up_the_tree() -> None:
    config = config_with()
    by_id = {m.id: m for _, m in config.meters()}
    assert list(ancestors(config, by_id["el-fan"])) == ["el-ftx", "el-main"]
    assert list(ancestors(config, by_id["el-main"])) == []


def test_a_sum_over_the_tree_counts_each_kwh_once() -> None:
    config = config_with()
    every = [m for _, m in config.meters() if m.medium.value == "electricity"]
    assert ids(counted_once(config, every)) == ["el-main", "el-hall"]
    by_id = {m.id: m for m in every}
    # the fan's grandparent is summed: the fan is inside it even with the middle level absent
    assert ids(counted_once(config, [by_id["el-main"], by_id["el-fan"]])) == ["el-main"]
    # a sub-meter alone is counted: its ancestors are not in the sum
    assert ids(counted_once(config, [by_id["el-ftx"], by_id["el-fan"]])) == ["el-ftx"]
    assert ids(counted_once(config, [by_id["el-fan"]])) == ["el-fan"]


def test_enpi_boundaries_leave_out_sub_meters_of_meters_inside_them() -> None:
    config = config_with(
        f"{{id: a-el, name: El hus A, building: skolan-a, medium: electricity, "
        f"temperature_meter: ute, {BASELINE}}}",
        f"{{id: vent, name: Ventilation, seu: ventilation, medium: electricity, "
        f"temperature_meter: ute, {BASELINE}}}",
        f"{{id: all-el, name: El, medium: electricity, temperature_meter: ute, {BASELINE}}}",
    )
    enpis = {enpi.id: enpi for enpi in config.enpis}
    assert ids(boundary_meters(config, enpis["a-el"])) == ["el-main"]
    assert ids(boundary_meters(config, enpis["vent"])) == ["el-ftx"]
    assert ids(boundary_meters(config, enpis["all-el"])) == ["el-main", "el-hall"]


def test_a_meters_boundary_holding_a_meter_and_its_ancestor_is_refused() -> None:
    enpi = (
        "{id: x, name: X, meters: [el-hall, el-fan, el-main], medium: electricity, "
        f"temperature_meter: ute, {BASELINE}}}"
    )
    with pytest.raises(ConfigError) as caught:
        config_with(enpi)
    (issue,) = [str(i) for i in caught.value.issues]
    assert "enpis[0].meters[1]" in issue
    assert "'el-fan' is a sub-meter of 'el-main', also in this boundary" in issue
    assert nested_pairs(config_with(), ["el-fan", "el-ftx", "el-main"]) == [
        ("el-fan", "el-ftx"),
        ("el-fan", "el-main"),
        ("el-ftx", "el-main"),
    ]
