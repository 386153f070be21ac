"""Totals over EnPIs: each meter's energy once, and improvements only beyond uncertainty."""

from __future__ import annotations

import math

from energy.totals import Verdict, additive_enpis, verdict
from tests.core.test_meter_tree import BASELINE, config_with


def enpi(enpi_id: str, boundary: str) -> str:
    return (
        f"{{id: {enpi_id}, name: {enpi_id}, {boundary}, medium: electricity, "
        f"temperature_meter: ute, {BASELINE}}}"
    )


def test_an_improvement_counts_only_beyond_its_68_percent_uncertainty() -> None:
    assert verdict(1000.0, 300.0) is Verdict.IMPROVED
    assert verdict(200.0, 300.0) is Verdict.NO_SIGNIFICANT_CHANGE
    assert verdict(-200.0, 300.0) is Verdict.NO_SIGNIFICANT_CHANGE
    assert verdict(-1000.0, 300.0) is Verdict.WORSE
    assert verdict(5.0, None) is Verdict.NO_SIGNIFICANT_CHANGE
    assert verdict(5.0, math.nan) is Verdict.NO_SIGNIFICANT_CHANGE


def test_overlapping_enpis_are_added_once_largest_boundary_first() -> None:
    config = config_with(
        enpi("vent", "seu: ventilation"),  # el-ftx, inside el-main
        enpi("school", "building: skolan-a"),  # el-main
        enpi("hall", "building: hallen"),  # el-hall
        enpi("fan", "meters: [el-fan]"),  # inside el-ftx, inside el-main
    )
    added = additive_enpis(config, config.enpis)
    assert added.counted == ("school", "hall")
    assert set(added.left_out) == {"vent", "fan"}
    assert "'school'" in str(added.left_out["vent"])


def test_siblings_under_one_main_meter_do_not_overlap() -> None:
    config = config_with(enpi("vent", "seu: ventilation"), enpi("hall", "building: hallen"))
    assert additive_enpis(config, config.enpis).counted == ("vent", "hall")
    # the main meter measures more than its sub-meter, whatever the order of the EnPIs
    config = config_with(enpi("fan", "meters: [el-fan]"), enpi("school", "meters: [el-main]"))
    added = additive_enpis(config, config.enpis)
    assert added.counted == ("school",)
    assert "'school'" in str(added.left_out["fan"])
