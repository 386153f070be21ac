"""Monthly (billing) models: kWh per day against the month's average daily degrees, weighted."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from baselines.analysis import Period, analyse_monthly, months
from baselines.changepoint import ModelForm
from enms.cli.main import main
from tests.enms.test_baseline_cli import fit, write_fixture

RNG = np.random.default_rng(21)


def test_whole_calendar_months_only() -> None:
    days = [date(2024, 1, 15) + timedelta(days=i) for i in range(80)]
    groups = months(days, Period(date(2024, 1, 1), date(2024, 12, 31)))
    assert [days[g[0]].isoformat() for g in groups] == ["2024-02-01", "2024-03-01"]
    assert [len(g) for g in groups] == [29, 31]  # 2024 is a leap year


def test_monthly_model_recovers_the_daily_generating_model_and_the_saving() -> None:
    days = [date(2022, 1, 1) + timedelta(days=i) for i in range(730)]
    t = 6 + 12 * np.sin(2 * np.pi * (np.arange(730) - 105) / 365) + RNG.normal(0, 3, 730)
    use = 100 + 9 * np.maximum(15 - t, 0) + RNG.normal(0, 5, 730)
    use[365:] *= 0.9
    analysis = analyse_monthly(
        days, use, t,
        baseline=Period(date(2022, 1, 1), date(2022, 12, 31)),
        reporting=Period(date(2023, 1, 1), date(2023, 12, 31)),
    )  # fmt: skip
    model = analysis.selection.chosen
    assert model.form is ModelForm.THREE_P_HEATING
    assert model.heating_c == pytest.approx(15, abs=1)
    assert model.fit.coefficient("heating") == pytest.approx(9, rel=0.1)
    assert model.fit.n == 12
    assert analysis.result is not None
    assert analysis.result.improvement == pytest.approx(0.10, abs=0.02)
    assert analysis.validity.valid


def test_baseline_fit_command_on_monthly_granularity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    consumption, temperature = write_fixture(tmp_path)
    assert (
        main([*fit(consumption, temperature), "--granularity", "monthly", "--format", "json"]) == 0
    )
    document = json.loads(capsys.readouterr().out)
    assert document["model"]["n"] == 12
    assert document["model"]["form"] == "3p_heating"
    assert document["reporting"]["improvement"] == pytest.approx(0.10, abs=0.03)
