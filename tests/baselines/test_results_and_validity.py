"""Reporting results, savings uncertainty, validity gates and EnPIs, against figures by hand."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from scipy import stats

from baselines.analysis import Analysis, Period, analyse_daily
from baselines.changepoint import ModelForm
from baselines.daily import daily, heating_degree_days
from baselines.enpi import heating_part, normal_year_corrected, normalised, ratio
from baselines.results import (
    backcast,
    chain,
    forecast,
    forecast_from_statistics,
    fractional_savings_uncertainty,
)
from baselines.selection import fit_form
from baselines.stats import fit_linear
from baselines.validity import NOT_VALID, VALID, Sufficiency, assess

RNG = np.random.default_rng(7)


def baseline_fit():  # type: ignore[no-untyped-def]
    t = RNG.uniform(-10, 20, 365)
    y = 100 + 8 * np.maximum(15 - t, 0) + RNG.normal(0, 10, 365)
    model = fit_form(ModelForm.THREE_P_HEATING, t, y)
    assert model is not None
    return model, t, y


def test_forecast_results_follow_their_definitions() -> None:
    model, *_ = baseline_fit()
    expected = np.array([100.0, 120.0, 80.0])
    actual = np.array([90.0, 110.0, 85.0])
    result = forecast(model.fit, expected, actual)
    assert result.expected_kwh == 300
    assert result.actual_kwh == 285
    assert result.avoided_kwh == 15
    assert result.improvement == pytest.approx(0.05)
    assert result.senpi == pytest.approx(0.95)
    np.testing.assert_allclose(result.cusum, [-10, -20, -15])  # ISO 50006: actual - expected


def test_fractional_savings_uncertainty_is_guideline_14_annex_b() -> None:
    model, *_ = baseline_fit()
    fit = model.fit
    m, savings = 365, 0.12
    rho = fit.autocorrelation
    n_eff = fit.n * (1 - rho) / (1 + rho)
    t = stats.t.ppf(0.84, fit.n - fit.k)
    by_hand = t * 1.26 * fit.cv_rmse * math.sqrt((fit.n / n_eff) * (1 + 2 / n_eff) / m) / savings
    assert fractional_savings_uncertainty(
        fit, reporting_points=m, savings_fraction=savings
    ) == pytest.approx(by_hand)
    assert math.isnan(  # defined for savings only; the kWh uncertainty is (PeriodResult)
        fractional_savings_uncertainty(fit, reporting_points=m, savings_fraction=-0.1)
    )


def test_a_stored_baseline_gives_the_same_results_as_its_fit() -> None:
    """The register keeps a baseline's statistics, not its fit: the figures must not change."""
    model, t, y = baseline_fit()
    expected = model.predict(t)[:200]
    actual = y[:200] * 0.9
    from_fit = forecast(model.fit, expected, actual)
    stored = forecast_from_statistics(model.to_dict(), expected, actual)
    assert stored.fsu == pytest.approx(from_fit.fsu, rel=1e-12)
    assert (stored.avoided_kwh, stored.senpi) == (from_fit.avoided_kwh, from_fit.senpi)
    assert 0 < stored.fsu < math.inf
    assert math.isnan(forecast_from_statistics({}, expected, actual).fsu)  # nothing to go on


def test_autocorrelation_widens_the_uncertainty() -> None:
    x = np.column_stack([np.ones(400), np.arange(400.0)])
    noise = np.zeros(400)
    for i in range(1, 400):
        noise[i] = 0.7 * noise[i - 1] + RNG.normal()
    correlated = fit_linear(x, 50 + noise, ("intercept", "trend"))
    independent = fit_linear(x, 50 + RNG.normal(0, correlated.rmse, 400), ("intercept", "trend"))
    kwargs = {"reporting_points": 365, "savings_fraction": 0.1}
    assert fractional_savings_uncertainty(
        correlated, **kwargs
    ) > 1.5 * fractional_savings_uncertainty(independent, **kwargs)


def test_backcast_and_chaining() -> None:
    model, *_ = baseline_fit()
    result = backcast(model.fit, expected_baseline=[90.0, 90.0], actual_baseline=[100.0, 100.0])
    assert result.senpi == pytest.approx(0.9)
    assert result.improvement == pytest.approx(0.1)
    assert chain([0.95, 0.97]) == pytest.approx(0.9215)


def test_validity_gates_report_each_rule_and_label_the_model() -> None:
    model, t, _ = baseline_fit()
    good = assess(
        model.fit,
        variables={"temperature": (t, t[:200])},
        reporting_months=12,
        fractional_savings_uncertainty=0.2,
        sufficiency=Sufficiency(365, 0, 1.0),
    )
    assert good.label == VALID
    assert {g.code for g in good.gates} >= {
        "doe.points", "doe.r2", "doe.f_test", "doe.variable_p", "doe.best_variable_p",
        "doe.reporting_range", "g14.nmbe", "g14.cv_rmse", "g14.fsu", "caltrack.baseline_days",
        "caltrack.missing_days", "caltrack.temperature_coverage",
    }  # fmt: skip
    bad = assess(
        model.fit,
        variables={"temperature": (t, t + 40)},  # a reporting climate far outside the baseline's
        fractional_savings_uncertainty=0.8,
        sufficiency=Sufficiency(300, 60, 0.8),
    )
    assert bad.label == NOT_VALID
    failed = {g.code for g in bad.gates if g.passed is False}
    assert failed == {
        "doe.reporting_range", "g14.fsu", "caltrack.baseline_days", "caltrack.missing_days",
        "caltrack.temperature_coverage",
    }  # fmt: skip
    assert any("fractional savings uncertainty = 0.8" in reason for reason in bad.reasons)


def test_cv_rmse_limit_depends_on_reporting_length() -> None:
    x = np.column_stack([np.ones(100), RNG.normal(size=100)])
    fit = fit_linear(x, 10 + x[:, 1] + RNG.normal(0, 2.2, 100), ("intercept", "temperature"))
    assert 0.2 < fit.cv_rmse < 0.25
    short = {g.code: g for g in assess(fit, reporting_months=6).gates}
    long = {g.code: g for g in assess(fit, reporting_months=24).gates}
    assert short["g14.cv_rmse"].passed is False
    assert long["g14.cv_rmse"].passed is True


def test_enpis_and_normal_year_correction() -> None:
    model, t, y = baseline_fit()
    assert ratio(120_000, 4000) == 30
    assert math.isnan(ratio(1, 0))
    heating = heating_part(model, t)
    assert heating == pytest.approx(model.fit.coefficient("heating") * np.maximum(15 - t, 0).sum())
    # a mild year (80 % of normal degree days): the heating part is scaled up to normal
    corrected = normal_year_corrected(1000.0, 600.0, degree_days=3200, normal_degree_days=4000)
    assert corrected == pytest.approx(400 + 600 * 4000 / 3200)
    assert normalised(model, float(y.sum()), t, t) == pytest.approx(float(y.sum()))


def test_daily_alignment_is_dst_correct() -> None:
    zone = ZoneInfo("Europe/Stockholm")
    start = int(datetime(2024, 3, 30, tzinfo=zone).timestamp())
    hours = np.arange(72)
    times = (start + hours * 3600) * 10**9
    series = daily(
        times,
        np.ones(72),
        first=date(2024, 3, 30),
        last=date(2024, 4, 1),
        tz="Europe/Stockholm",
        how="sum",
    )
    np.testing.assert_array_equal(series.values, [24, 23, 24])  # the 23-hour day
    counter = daily(
        times,
        np.arange(72.0) * 2,
        first=date(2024, 3, 30),
        last=date(2024, 4, 1),
        tz="Europe/Stockholm",
        how="counter",
    )
    np.testing.assert_allclose(counter.values[:2], [48, 46])
    assert heating_degree_days([10.0, 20.0]).tolist() == [7.0, 0.0]


def test_analysis_of_a_building_with_a_saving_measure() -> None:
    days = [date(2023, 1, 1) + timedelta(days=i) for i in range(730)]
    t = 7 + 13 * np.sin(2 * np.pi * (np.arange(730) - 100) / 365) + RNG.normal(0, 3, 730)
    y = 150 + 11 * np.maximum(15 - t, 0) + RNG.normal(0, 8, 730)
    y[365:] *= 0.9  # a 10 % saving from the second year
    analysis = analyse_daily(
        days, y, t,
        baseline=Period(date(2023, 1, 1), date(2023, 12, 31)),
        reporting=Period(date(2024, 1, 1), date(2024, 12, 30)),
    )  # fmt: skip
    assert analysis.selection.chosen.form is ModelForm.THREE_P_HEATING
    assert analysis.result is not None
    assert analysis.result.improvement == pytest.approx(0.10, abs=0.015)
    assert analysis.validity.valid
    document = analysis.to_dict()
    assert document["validity"]["label"] == VALID
    assert len(document["reporting"]["cusum_kwh"]) == 365


def summer_building(hot_spell_c: float) -> Analysis:
    """A building with cooling; its reporting summer has three weeks ``hot_spell_c`` warmer."""
    rng = np.random.default_rng(11)
    days = [date(2023, 1, 1) + timedelta(days=i) for i in range(365 + 244)]  # to 2024-08-31
    t = (
        8
        + 10 * np.sin(2 * np.pi * (np.arange(len(days)) - 105) / 365)
        + rng.normal(0, 2, len(days))
    )
    reporting = Period(date(2024, 6, 1), date(2024, 8, 31))
    spell = [i for i, d in enumerate(days) if date(2024, 7, 1) <= d <= date(2024, 7, 21)]
    t[spell] = t[:365].max() + hot_spell_c
    # cooling that rises faster in real heat than the baseline's mild summer showed
    use = 200 + 12 * np.maximum(t - 18, 0) + 3 * np.maximum(t - 26, 0) ** 2
    use += 6 * np.maximum(12 - t, 0) + rng.normal(0, 8, len(days))
    return analyse_daily(days, use, t, baseline=Period(date(2023, 1, 1), date(2023, 12, 31)),
                         reporting=reporting)  # fmt: skip


def test_a_reporting_period_far_outside_the_fitted_temperatures_is_not_valid() -> None:
    """Three weeks 10 °C hotter than anything in the baseline were once "valid"."""
    hot = summer_building(10.0)
    assert hot.extrapolation is not None
    assert hot.extrapolation.days_outside == 21
    assert hot.extrapolation.kwh_share > 0.10
    gate = next(g for g in hot.validity.gates if g.code == "iso50006.extrapolation")
    assert gate.passed is False
    assert not hot.validity.valid
    fitted_low, fitted_high = hot.temperature_range_c  # the fitted days' range, reported
    assert (fitted_low, fitted_high) == (
        hot.extrapolation.fitted_low,
        hot.extrapolation.fitted_high,
    )
    document = hot.to_dict()
    json.dumps(document, allow_nan=False)
    assert document["extrapolation"]["days_outside"] == 21  # type: ignore[index]

    usual = summer_building(-3.0)  # the same summer without the heat
    assert usual.extrapolation is not None
    assert usual.extrapolation.days_outside == 0
    gate = next(g for g in usual.validity.gates if g.code == "iso50006.extrapolation")
    assert gate.passed is True
