"""`enms baseline fit` from CSV files: JSON and table output, counters, clear input errors."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from enms.cli.main import main

RNG = np.random.default_rng(3)
START = datetime(2016, 1, 1, tzinfo=UTC)


def write_fixture(folder: Path, *, counter: bool = False) -> tuple[Path, Path]:
    """Two years: hourly temperature (°F, with offsets) and daily gas use with a 10 % saving.

    The same data on every call, whichever tests ran before."""
    rng = np.random.default_rng(3)
    hours = 730 * 24
    day_of_year = np.arange(hours) / 24
    temp_c = 5 + 14 * np.sin(2 * np.pi * (day_of_year - 110) / 365) + rng.normal(0, 2, hours)
    temperature = folder / "temperature.csv"
    with temperature.open("w") as handle:
        handle.write("dt,tempF\n")
        for h in range(hours):
            moment = (START + timedelta(hours=h)).isoformat()
            handle.write(f"{moment},{temp_c[h] * 9 / 5 + 32:.2f}\n")
    daily_t = temp_c.reshape(730, 24).mean(axis=1)
    use = 40 + 6 * np.maximum(16 - daily_t, 0) + rng.normal(0, 4, 730)
    use[366:] *= 0.9
    consumption = folder / "consumption.csv"
    with consumption.open("w") as handle:
        handle.write("start,value\n")
        register = 10_000.0
        for d in range(730):
            moment = (START + timedelta(days=d)).isoformat()
            if counter:
                handle.write(f"{moment},{register:.3f}\n")
                register += use[d]
            else:
                handle.write(f"{moment},{use[d]:.3f}\n")
        if counter:
            handle.write(f"{(START + timedelta(days=730)).isoformat()},{register:.3f}\n")
    return consumption, temperature


def fit(consumption: Path, temperature: Path, *extra: str) -> list[str]:
    return [
        "baseline", "fit", "--consumption", str(consumption), "--temperature", str(temperature),
        "--temperature-unit", "F", "--tz", "UTC",
        "--baseline", "2016-01-01..2016-12-31", "--reporting", "2017-01-02..2017-12-30", *extra,
    ]  # fmt: skip


@pytest.mark.parametrize("counter", [False, True])
def test_json_holds_the_model_statistics_gates_and_reporting_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], counter: bool
) -> None:
    consumption, temperature = write_fixture(tmp_path, counter=counter)
    args = fit(consumption, temperature, "--format", "json", *(["--counter"] if counter else []))
    assert main(args) == 0
    document = json.loads(capsys.readouterr().out)
    model = document["model"]
    assert model["form"] == "3p_heating"
    assert model["heating_balance_c"] == pytest.approx(16, abs=1)
    assert model["coefficients"]["heating"]["value"] == pytest.approx(6, rel=0.1)
    assert {"std_error", "t", "p"} <= set(model["coefficients"]["heating"])
    assert {
        "r2",
        "adj_r2",
        "f",
        "f_p",
        "rmse",
        "cv_rmse",
        "nmbe",
        "autocorrelation_lag1",
        "aic",
        "bic",
    } <= set(model)
    assert document["data"]["baseline_days"] == 366
    assert document["reporting"]["improvement"] == pytest.approx(0.10, abs=0.02)
    assert document["validity"]["label"] == "valid for an improvement claim"
    candidates = document["selection"]["candidates"]
    assert len(candidates) == 8  # four forms, each without and with day-of-week terms
    assert {c["weekday_terms"] for c in candidates} == {False, True}
    assert model["weekday_terms"] is False  # no weekly rhythm in the data: no weekday terms


def test_table_output_names_the_model_and_each_gate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    consumption, temperature = write_fixture(tmp_path)
    assert main(fit(consumption, temperature)) == 0
    out = capsys.readouterr().out
    assert out.startswith("model: 3p_heating, heating balance")
    assert "SEnPI" in out
    assert "PASS  CV(RMSE)" in out


def test_bad_input_is_reported_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    consumption, temperature = write_fixture(tmp_path)
    lines = consumption.read_text().splitlines()
    lines[5] = lines[5].split(",")[0] + ",lots"
    consumption.write_text("\n".join(lines) + "\n")
    assert main(fit(consumption, temperature)) == 2
    assert f"{consumption}:6: 'lots' is not a number" in capsys.readouterr().err
    assert main([*fit(consumption, temperature)[:-4], "--baseline", "2016-12-31..2016-01-01"]) == 2
    assert "ends before it starts" in capsys.readouterr().err


def test_relevant_variables_beyond_temperature(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A school: 60 kWh more on opening days; the variable enters the model and its gates."""
    consumption, temperature = write_fixture(tmp_path)
    rows = consumption.read_text().splitlines()
    opening = ["time,open"]
    adjusted = [rows[0]]
    for row in rows[1:]:
        moment, value = row.split(",")
        is_open = datetime.fromisoformat(moment).weekday() < 5
        opening.append(f"{moment},{int(is_open)}")
        adjusted.append(f"{moment},{float(value) + (60 if is_open else 0):.3f}")
    consumption.write_text("\n".join(adjusted) + "\n")
    open_days = tmp_path / "open.csv"
    open_days.write_text("\n".join(opening) + "\n")
    args = [*fit(consumption, temperature), "--variable", f"open={open_days}", "--format", "json"]
    assert main(args) == 0
    document = json.loads(capsys.readouterr().out)
    coefficients = document["model"]["coefficients"]
    assert coefficients["open"]["value"] == pytest.approx(60, abs=3)
    assert coefficients["open"]["p"] < 1e-10
    codes = {gate["code"] for gate in document["validity"]["gates"]}
    assert "doe.reporting_range.open" in codes
    assert main([*fit(consumption, temperature), "--variable", "open"]) == 2
    assert "write NAME=FILE.csv" in capsys.readouterr().err


def test_degree_hours_follow_a_load_that_responds_hour_by_hour(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A building whose heat follows each hour's temperature (a 10 °C swing over the day)
    is modelled closer with degrees taken hour by hour than with degrees of the daily mean."""
    hours = 730 * 24
    hour = np.arange(hours)
    temp_c = (
        6 + 12 * np.sin(2 * np.pi * (hour / 24 - 110) / 365)
        + 5 * np.sin(2 * np.pi * (hour % 24 - 9) / 24)
        + RNG.normal(0, 1, hours)
    )  # fmt: skip
    temperature = tmp_path / "temperature.csv"
    temperature.write_text(
        "time,celsius\n"
        + "".join(
            f"{(START + timedelta(hours=int(h))).isoformat()},{temp_c[h]:.3f}\n" for h in hour
        )
    )
    heat = (30 + 7 * np.maximum(15 - temp_c, 0)).reshape(730, 24).mean(axis=1) * 24
    use = heat + RNG.normal(0, 20, 730)
    consumption = tmp_path / "consumption.csv"
    consumption.write_text(
        "time,kwh\n"
        + "".join(f"{(START + timedelta(days=d)).isoformat()},{use[d]:.3f}\n" for d in range(730))
    )
    base = [
        "baseline", "fit", "--consumption", str(consumption), "--temperature", str(temperature),
        "--tz", "UTC", "--baseline", "2016-01-01..2016-12-31", "--format", "json",
    ]  # fmt: skip
    assert main([*base, "--degree-hours"]) == 0
    hourly_model = json.loads(capsys.readouterr().out)["model"]
    assert main(base) == 0
    daily_model = json.loads(capsys.readouterr().out)["model"]
    assert hourly_model["heating_balance_c"] == 15
    assert hourly_model["balance_spread_c"] == 0
    assert hourly_model["coefficients"]["heating"]["value"] == pytest.approx(7 * 24, rel=0.03)
    assert hourly_model["cv_rmse"] < 0.9 * daily_model["cv_rmse"]
    assert main([*base, "--degree-hours", "--granularity", "monthly"]) == 2
    assert "--degree-hours work with daily granularity only" in capsys.readouterr().err


def test_a_csv_from_a_swedish_spreadsheet_fits_like_the_original(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    consumption, temperature = write_fixture(tmp_path)
    swedish = []
    for path in (consumption, temperature):
        lines = path.read_text().splitlines()
        converted = [line.replace(",", ";").replace(".", ",") for line in lines]
        # times keep their points: only the value column takes a decimal comma
        fixed = [f"{row.split(';')[0].replace(',', '.')};{row.split(';')[1]}" for row in converted]
        target = tmp_path / f"sv-{path.name}"
        target.write_text("\ufeff" + "\n".join(fixed) + "\n", encoding="utf-8")
        swedish.append(target)
    assert main([*fit(consumption, temperature), "--format", "json"]) == 0
    original = json.loads(capsys.readouterr().out)
    assert main([*fit(swedish[0], swedish[1]), "--format", "json"]) == 0
    converted_fit = json.loads(capsys.readouterr().out)
    assert converted_fit["model"] == original["model"]
    assert converted_fit["reporting"] == original["reporting"]


def scaled_reporting(consumption: Path, factor: float) -> None:
    """The fixture's reporting year (day 366 on) using ``factor`` times the baseline's level."""
    rows = consumption.read_text().splitlines()
    kept = [rows[0]]
    for i, row in enumerate(rows[1:]):
        moment, value = row.split(",")
        kept.append(f"{moment},{float(value) / 0.9 * factor if i >= 366 else float(value):.3f}")
    consumption.write_text("\n".join(kept) + "\n")


def strict_json(text: str) -> dict[str, object]:
    """JSON as the standard has it: NaN and Infinity refused."""

    def refuse(constant: str) -> object:
        raise AssertionError(f"{constant} is not JSON")

    document: dict[str, object] = json.loads(text, parse_constant=refuse)
    return document


@pytest.mark.parametrize("factor", [1.10, 1.0])
def test_more_or_equal_use_is_reported_with_its_uncertainty_in_valid_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], factor: float
) -> None:
    """Avoided energy of zero or less once crashed the JSON (FSU divided by it: inf)."""
    consumption, temperature = write_fixture(tmp_path)
    scaled_reporting(consumption, factor)
    assert main(fit(consumption, temperature, "--format", "json")) == 0
    reporting = strict_json(capsys.readouterr().out)["reporting"]
    assert isinstance(reporting, dict)
    assert reporting["fractional_savings_uncertainty"] is None  # a share of no savings
    uncertainty = reporting["savings_uncertainty_kwh"]
    assert isinstance(uncertainty, float)
    assert 0 < uncertainty < 0.05 * reporting["expected_kwh"]
    if factor > 1:
        assert reporting["avoided_kwh"] < -uncertainty  # worse, beyond its uncertainty
    else:
        assert abs(reporting["avoided_kwh"]) < 0.02 * reporting["expected_kwh"]
    assert main(fit(consumption, temperature)) == 0
    out = capsys.readouterr().out
    assert "kWh (68 %)" in out
    assert "inf" not in out
    assert "nan" not in out


def test_a_reporting_period_without_data_is_refused_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    consumption, temperature = write_fixture(tmp_path)
    args = [*fit(consumption, temperature)[:-2], "--reporting", "2019-01-01..2019-03-31"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "the reporting period 2019-01-01..2019-03-31 has no day with both" in err
    assert "nan" not in err


def test_days_summed_from_too_few_hours_count_as_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """8 of 24 hours once made a whole day, and savings went from +11 % to -7 %."""
    consumption, temperature = write_fixture(tmp_path)
    rows = consumption.read_text().splitlines()
    hourly = [rows[0]]
    short = {"baseline": 0, "reporting": 0}
    for i, row in enumerate(rows[1:]):
        moment, value = row.split(",")
        start = datetime.fromisoformat(moment)
        # every fifth reporting day and every tenth baseline day only sent its first 8 hours
        hours = 8 if (i >= 366 and i % 5 == 0) or (i < 366 and i % 10 == 0) else 24
        if hours < 24:
            in_reporting = date(2017, 1, 2) <= start.date() <= date(2017, 12, 30)
            short["reporting" if in_reporting else "baseline"] += start.year == 2016 or in_reporting
        hourly += [
            f"{(start + timedelta(hours=h)).isoformat()},{float(value) / 24:.5f}"
            for h in range(hours)
        ]
    consumption.write_text("\n".join(hourly) + "\n")
    assert main(fit(consumption, temperature, "--format", "json")) == 0
    document = strict_json(capsys.readouterr().out)
    held_back = document["input"]
    assert isinstance(held_back, dict)
    assert held_back["partial_days"] == 37 + 72 == sum(short.values())
    data, reporting = document["data"], document["reporting"]
    assert isinstance(data, dict)
    assert isinstance(reporting, dict)
    assert data["missing_days"] == short["baseline"] == 37  # the gate counts them
    assert reporting["points"] == 363 - short["reporting"]
    assert reporting["improvement"] == pytest.approx(0.10, abs=0.02)  # not a false loss
    assert main(fit(consumption, temperature)) == 0
    assert "109 days with readings covering less than 90% of the day" in capsys.readouterr().out


def test_hourly_granularity_on_daily_readings_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    consumption, temperature = write_fixture(tmp_path)
    assert main(fit(consumption, temperature, "--granularity", "hourly")) == 2
    assert "needs readings at least hourly; these are 24 h apart" in capsys.readouterr().err


def write_bills(folder: Path, *, counter: bool) -> tuple[Path, Path]:
    """Two years of bills read 25 to 38 days apart from a heating building (16 °C, 6 kWh per
    degree-day, 40 kWh a day), 10 % less in the second year; daily temperatures."""
    rng = np.random.default_rng(17)
    days = 760
    day_of_year = np.arange(days)
    temp_c = 5 + 14 * np.sin(2 * np.pi * (day_of_year - 110) / 365) + rng.normal(0, 2, days)
    use = 40 + 6 * np.maximum(16 - temp_c, 0)
    use[366:] *= 0.9
    temperature = folder / "temperature.csv"
    temperature.write_text(
        "time,temp\n"
        + "".join(
            f"{(START + timedelta(days=d)).isoformat()},{temp_c[d]:.2f}\n" for d in range(days)
        )
    )
    reads, day = [0], 0
    while day < days - 40:
        day += int(rng.integers(25, 39))
        reads.append(day)
    rows, register = ["read,kwh"], 50_000.0
    for start, end in itertools.pairwise(reads):
        kwh = float(use[start:end].sum()) * (1 + rng.normal(0, 0.01))
        rows.append(f"{(START + timedelta(days=start)).date()},{register if counter else kwh:.2f}")
        register += kwh
    end = (START + timedelta(days=reads[-1])).date()
    rows.append(f"{end},{register:.2f}" if counter else f"{end},")  # the last read ends a period
    bills = folder / "bills.csv"
    bills.write_text("\n".join(rows) + "\n")
    return bills, temperature


@pytest.mark.parametrize("counter", [False, True])
def test_bills_of_uneven_length_are_fitted_weighted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], counter: bool
) -> None:
    """Bills once gave "no model could be fitted": calendar months were built from days."""
    bills, temperature = write_bills(tmp_path, counter=counter)
    args = [
        "baseline", "fit", "--consumption", str(bills), "--temperature", str(temperature),
        "--tz", "UTC", "--granularity", "billing", "--baseline", "2016-01-01..2016-12-31",
        "--reporting", "2017-01-01..2017-12-31", "--format", "json",
        *(["--counter"] if counter else []),
    ]  # fmt: skip
    assert main(args) == 0
    document = strict_json(capsys.readouterr().out)
    model, reporting = document["model"], document["reporting"]
    assert isinstance(model, dict)
    assert isinstance(reporting, dict)
    assert model["form"] == "3p_heating"
    assert model["heating_balance_c"] == pytest.approx(16, abs=1.5)
    assert model["coefficients"]["heating"]["value"] == pytest.approx(6, rel=0.1)
    assert 10 <= model["n"] <= 15  # a bill per 25 to 38 days of the baseline year
    assert reporting["improvement"] == pytest.approx(0.10, abs=0.02)
    uncertainty = reporting["savings_uncertainty_kwh"]
    assert isinstance(uncertainty, float)
    assert 0 < uncertainty < reporting["avoided_kwh"]


@pytest.mark.parametrize("value", ["0", "-0.5", "1.5", "nan"])
def test_a_day_coverage_outside_zero_to_one_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    consumption, temperature = write_fixture(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        main(fit(consumption, temperature, "--min-day-coverage", value))
    assert stopped.value.code == 2
    assert "is not a share above 0 and at most 1" in capsys.readouterr().err
