"""The hourly time-of-week-and-temperature model: schedule, occupancy, and a schedule saving."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from baselines.towt import fit_towt, temperature_segments
from enms.cli.main import main

RNG = np.random.default_rng(8)


def building(hours: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """An office: staffed weekdays 07-18, heated below 15 °C, hour 0 a Monday midnight."""
    how = np.arange(hours) % 168
    day = np.arange(hours) // 24
    t = (
        6
        + 12 * np.sin(2 * np.pi * (day - 105) / 365)
        + 3 * np.sin(2 * np.pi * (np.arange(hours) % 24 - 9) / 24)
    )
    t += RNG.normal(0, 1.5, hours)
    staffed = ((how // 24) < 5) & ((how % 24) >= 7) & ((how % 24) < 18)
    y = 20 + 40 * staffed + 2.5 * np.maximum(15 - t, 0) + RNG.normal(0, 4, hours)
    return how, t, y, staffed


def test_segments_split_the_temperature_at_the_knots() -> None:
    segments = temperature_segments(np.array([-5.0, 15.0, 40.0]))
    np.testing.assert_allclose(segments.sum(axis=1), [-5, 15, 40])
    np.testing.assert_allclose(segments[1], [12.8, 2.2, 0, 0, 0])


def test_occupied_hours_and_a_ventilation_schedule_saving_are_found() -> None:
    hours = 168 * 104
    how, t, y, staffed = building(hours)
    half = hours // 2
    y[half:] -= 10 * staffed[half:]  # the ventilation runs shorter from the second year
    model = fit_towt(how[:half], t[:half], y[:half])
    np.testing.assert_array_equal(model.occupied, staffed[:168])
    assert model.fit.r2 > 0.95
    expected = model.predict(how[half:], t[half:])
    saving = (expected.sum() - y[half:].sum()) / expected.sum()
    truth = (10 * staffed[half:]).sum() / expected.sum()
    assert saving == pytest.approx(truth, abs=0.005)


def test_baseline_fit_command_on_hourly_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hours = 168 * 104
    _, t, y, staffed = building(hours)
    y[hours // 2 :] *= 0.9
    start = datetime(2018, 1, 1, tzinfo=UTC)  # a Monday
    consumption, temperature = tmp_path / "use.csv", tmp_path / "t.csv"
    stamps = [(start + timedelta(hours=h)).isoformat() for h in range(hours)]
    consumption.write_text(
        "time,value\n" + "".join(f"{s},{v:.3f}\n" for s, v in zip(stamps, y, strict=True))
    )
    temperature.write_text(
        "time,value\n" + "".join(f"{s},{v:.2f}\n" for s, v in zip(stamps, t, strict=True))
    )
    args = [
        "baseline", "fit", "--consumption", str(consumption), "--temperature", str(temperature),
        "--tz", "UTC", "--granularity", "hourly",
        "--baseline", "2018-01-01..2018-12-30", "--reporting", "2018-12-31..2019-12-29",
    ]  # fmt: skip
    assert main([*args, "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["model"]["form"] == "towt"
    assert len(document["model"]["occupied_hours_of_week"]) == int(staffed[:168].sum())
    assert document["reporting"]["improvement"] == pytest.approx(0.10, abs=0.01)
    assert main(args) == 0
    assert capsys.readouterr().out.startswith("model: time of week and temperature (hourly)")
