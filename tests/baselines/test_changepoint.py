"""Change-point models recover the coefficients, balance points, spreads and weekday terms
that generated the data; the search's shortcuts give what forming every column would."""

from __future__ import annotations

import numpy as np
import pytest

from baselines.changepoint import WEEKDAY_NAMES, ModelForm, hinge
from baselines.selection import Criterion, SearchSettings, fit_form, select_many, select_model
from baselines.sums import Data, Family, Moments, cross, period_columns

RNG = np.random.default_rng(2024)
N = 730


def temperatures(n: int = N) -> np.ndarray:
    days = np.arange(n)
    return 7 + 13 * np.sin(2 * np.pi * (days - 100) / 365) + RNG.normal(0, 3, n)  # Nordic year


CASES = {
    ModelForm.TWO_P: (lambda t: 500 - 9.0 * t, {"intercept": 500, "temperature": -9.0}, None, None),
    ModelForm.THREE_P_HEATING: (
        lambda t: 150 + 11.0 * np.maximum(15 - t, 0), {"intercept": 150, "heating": 11.0}, 15, None,
    ),
    ModelForm.THREE_P_COOLING: (
        lambda t: 90 + 7.0 * np.maximum(t - 18, 0), {"intercept": 90, "cooling": 7.0}, None, 18,
    ),
    ModelForm.FOUR_P: (
        lambda t: 150 + 11.0 * np.maximum(13 - t, 0) + 2.5 * np.maximum(t - 13, 0),
        {"intercept": 150, "heating": 11.0, "above": 2.5}, 13, None,
    ),
    ModelForm.FIVE_P: (
        lambda t: 120 + 9.0 * np.maximum(12 - t, 0) + 6.0 * np.maximum(t - 19, 0),
        {"intercept": 120, "heating": 9.0, "cooling": 6.0}, 12, 19,
    ),
}  # fmt: skip


@pytest.mark.parametrize("form", list(CASES))
def test_each_form_recovers_its_coefficients_and_balance_points(form: ModelForm) -> None:
    generate, coefficients, heating, cooling = CASES[form]
    t = temperatures()
    y = generate(t) + RNG.normal(0, 8, t.size)
    model = fit_form(form, t, y)
    assert model is not None
    assert model.heating_c == heating
    assert model.cooling_c == cooling
    assert model.spread_c == 0  # sharp change points in, sharp out
    for name, value in coefficients.items():
        se = model.fit.se[model.fit.names.index(name)]
        assert abs(model.fit.coefficient(name) - value) < 4 * se + 1e-9, (
            name,
            model.fit.coefficient(name),
        )


@pytest.mark.parametrize("form", list(CASES))
def test_selection_picks_the_generating_form(form: ModelForm) -> None:
    generate, *_ = CASES[form]
    t = temperatures()
    y = generate(t) + RNG.normal(0, 5, t.size)
    chosen = select_model(t, y, search=SearchSettings(forms=tuple(ModelForm))).chosen
    assert chosen.form in ({form, ModelForm.FIVE_P} if form is ModelForm.FOUR_P else {form})
    bic = select_model(
        t, y, search=SearchSettings(forms=tuple(ModelForm), criterion=Criterion.BIC)
    ).chosen
    assert bic.form == chosen.form or form is ModelForm.FOUR_P


def test_a_spread_balance_point_is_recovered() -> None:
    """Heating switched on gradually over 11..19 °C: the centre and the spread come back."""
    t = temperatures()
    y = 140 + 10.0 * hinge(15 - t, 4.0) + RNG.normal(0, 4, t.size)
    selection = select_model(t, y)
    model = selection.chosen
    assert model.form is ModelForm.THREE_P_HEATING
    assert (model.heating_c, model.spread_c) == (15, 4)
    assert model.fit.coefficient("heating") == pytest.approx(10.0, rel=0.03)
    sharp = select_model(t, y, search=SearchSettings(spreads_c=(0.0,))).chosen
    assert sharp.fit.sse > 1.1 * model.fit.sse  # a sharp hinge cannot follow the bend
    assert model.to_dict()["balance_spread_c"] == 4


def test_hinge_is_the_average_of_sharp_hinges_over_the_band() -> None:
    x = np.linspace(-12, 12, 97)
    for spread in (0.5, 3.0, 8.0):
        band = np.linspace(-spread, spread, 20_001)
        averaged = np.maximum(x[:, None] - band[None, :], 0).mean(axis=1)
        assert hinge(x, spread) == pytest.approx(averaged, abs=1e-4 * spread)
    assert hinge(x, 0.0) == pytest.approx(np.maximum(x, 0))
    assert hinge(x, 5.0) - hinge(-x, 5.0) == pytest.approx(x)  # heating minus cooling: a line


def test_weekday_terms_are_recovered_and_chosen_only_with_a_weekly_rhythm() -> None:
    t = temperatures()
    weekdays = np.arange(t.size) % 7
    effect = np.array([40.0, 42, 41, 39, 35, 5, 0])  # an office: weekends low
    base = 100 + 9.0 * np.maximum(14 - t, 0)
    y = base + effect[weekdays] + RNG.normal(0, 6, t.size)
    selection = select_model(t, y, weekdays=weekdays)
    model = selection.chosen
    assert model.weekday_terms
    assert model.form is ModelForm.THREE_P_HEATING
    assert model.heating_c == 14
    for day, name in enumerate(WEEKDAY_NAMES):
        se = model.fit.se[model.fit.names.index(name)]
        assert abs(model.fit.coefficient(name) - effect[day]) < 4 * se
    assert model.predict([0.0], weekdays=[6])[0] == pytest.approx(100 + 126, rel=0.03)
    average_day = model.predict([0.0])[0]  # no weekday given: the week's average day
    assert average_day == pytest.approx(100 + 126 + effect.mean(), rel=0.03)
    both = {(c.form, c.weekday_terms) for c in selection.candidates}
    assert (ModelForm.THREE_P_HEATING, False) in both
    assert (ModelForm.THREE_P_HEATING, True) in both
    without = select_model(
        t, y, weekdays=weekdays, search=SearchSettings(weekday_terms=False)
    ).chosen
    assert not without.weekday_terms
    assert without.fit.cv_rmse > 1.5 * model.fit.cv_rmse


def test_weekday_terms_need_every_weekday() -> None:
    t = temperatures(364)
    weekdays = np.arange(t.size) % 7
    y = 100 + 9.0 * np.maximum(14 - t, 0) + RNG.normal(0, 6, t.size)
    keep = weekdays != 6  # no Sunday at all
    selection = select_model(t[keep], y[keep], weekdays=weekdays[keep])
    assert not selection.chosen.weekday_terms
    reasons = {c.reason for c in selection.candidates if c.weekday_terms}
    assert reasons == {"the weekday terms cannot be estimated (a weekday without data)"}


def test_flat_consumption_selects_the_intercept_model() -> None:
    t = temperatures()
    y = 300 + RNG.normal(0, 10, t.size)
    selection = select_model(t, y)
    assert selection.chosen.form is ModelForm.INTERCEPT
    reasons = {c.form: c.reason for c in selection.candidates}
    assert (
        "not significant" in reasons[ModelForm.THREE_P_HEATING]
        or "sign" in reasons[ModelForm.THREE_P_HEATING]
        or "no balance point" in reasons[ModelForm.THREE_P_HEATING]
    )


def test_many_meters_at_once_equal_one_meter_at_a_time() -> None:
    meters = 25
    T = np.stack([temperatures(365) for _ in range(meters)])
    W = np.tile(np.arange(365) % 7, (meters, 1))
    balance = RNG.integers(10, 17, (meters, 1))
    Y = 100 + 8 * hinge(balance - T, RNG.choice([0.0, 4.0], (meters, 1)))
    Y += 6 * (W >= 5) + RNG.normal(0, 6, T.shape)
    Y[3, 40:60] = np.nan  # missing days
    Y[7, :] = 250 + RNG.normal(0, 5, 365)  # weather-independent
    batch = select_many(T, Y, weekdays=W)
    for m in range(meters):
        single = select_model(T[m], Y[m], weekdays=W[m])
        many = batch[m]
        assert many is not None
        assert (many.chosen.form, many.chosen.weekday_terms) == (
            single.chosen.form,
            single.chosen.weekday_terms,
        )
        assert many.chosen.heating_c == single.chosen.heating_c
        assert many.chosen.spread_c == single.chosen.spread_c
        assert many.chosen.fit.sse == pytest.approx(single.chosen.fit.sse, rel=1e-12)
        for a, b in zip(many.candidates, single.candidates, strict=True):
            assert (a.form, a.weekday_terms, a.qualified, a.reason) == (
                b.form,
                b.weekday_terms,
                b.qualified,
                b.reason,
            )
            assert a.adj_r2 == pytest.approx(b.adj_r2, rel=1e-9, nan_ok=True)
    assert batch[7] is not None
    assert batch[7].chosen.form is ModelForm.INTERCEPT


def test_the_search_error_is_the_full_fit_error() -> None:
    """The search's closed-form SSE of the chosen candidate is the full least-squares SSE."""
    t = temperatures()
    weekdays = np.arange(t.size) % 7
    y = 120 + 9.0 * hinge(12 - t, 4.0) + 6.0 * hinge(t - 20, 4.0) + 9 * (weekdays == 6)
    y = y + RNG.normal(0, 5, t.size)
    selection = select_model(
        t, y, weekdays=weekdays, search=SearchSettings(forms=(ModelForm.FIVE_P,))
    )
    model = selection.chosen
    assert (model.heating_c, model.cooling_c, model.spread_c) == (12, 20, 4)
    candidate = next(c for c in selection.candidates if c.weekday_terms == model.weekday_terms)
    assert candidate.adj_r2 == pytest.approx(model.fit.adj_r2, rel=1e-9)
    assert candidate.bic == pytest.approx(model.fit.bic, rel=1e-9)


def test_sums_from_sorted_moments_equal_sums_of_formed_columns() -> None:
    """Daily data use power sums at band edges; forming every column gives the same sums."""
    meters, n = 3, 200
    T = np.stack([temperatures(n) for _ in range(meters)])
    Y = 50 + 3 * np.maximum(14 - T, 0) + RNG.normal(0, 2, T.shape)
    W = np.where(RNG.random(T.shape) < 0.05, 0.0, 1.0)
    F = np.concatenate([np.ones((meters, n, 1)), RNG.normal(size=(meters, n, 2))], axis=2)
    daily = Data(T, Y, W, F)
    formed = Data(T[:, :, None], Y, W, F)  # one day per "period": columns are formed
    grid = np.broadcast_to(np.arange(-1.0, 30.0, 1.5), (meters, 21))
    spreads = np.broadcast_to(np.array([0.0, 2.5, 6.0]), (meters, 3))
    moments = Moments.of(daily)
    fast = Family.both(daily, moments, grid, spreads, 10)
    slow = Family.both(formed, None, grid, spreads, 10)
    for a, b in zip(fast, slow, strict=True):
        assert pytest.approx(b.XF, rel=1e-9, abs=1e-7) == a.XF
        assert a.Xy == pytest.approx(b.Xy, rel=1e-9, abs=1e-7)
        assert pytest.approx(b.XX, rel=1e-9, abs=1e-7) == a.XX
    for same_centre in (True, False):
        quick = cross(*fast, moments, same_centre=same_centre)
        full = cross(*slow, None, same_centre=same_centre)
        if not same_centre:  # only pairs with the heating centre at or below the cooling one
            ordered = grid[0][:, None] <= grid[0][None, :]
            quick, full = quick[..., ordered], full[..., ordered]
        assert quick == pytest.approx(full, rel=1e-9, abs=1e-7)


def test_extra_variables_enter_every_candidate() -> None:
    t = temperatures()
    open_days = (np.arange(t.size) % 7 < 5).astype(float)  # weekdays
    y = 100 + 10 * np.maximum(14 - t, 0) + 60 * open_days + RNG.normal(0, 5, t.size)
    model = fit_form(ModelForm.THREE_P_HEATING, t, y, extra=open_days, extra_names=("open",))
    assert model is not None
    assert model.heating_c == 14
    assert model.fit.coefficient("open") == pytest.approx(60, abs=3)
    assert model.predict([0.0], extra=[1.0])[0] == pytest.approx(100 + 140 + 60, rel=0.03)


def test_weighted_fit_for_billing_periods_of_different_length() -> None:
    t = np.linspace(-10, 25, 24)
    days = np.tile([28.0, 31.0, 30.0], 8)
    y = 50 + 4 * np.maximum(15 - t, 0)
    model = fit_form(
        ModelForm.THREE_P_HEATING,
        t,
        y,
        weights=days,
        search=SearchSettings(
            grid_c=tuple(np.arange(0, 20.0)), spreads_c=(0.0,), min_side_points=3
        ),
    )
    assert model is not None
    assert model.heating_c == 15
    assert model.fit.coefficient("heating") == pytest.approx(4)


def test_too_little_data_on_a_side_gives_no_model() -> None:
    t = np.full(50, 20.0)
    assert fit_form(ModelForm.THREE_P_HEATING, t, np.full(50, 5.0)) is None


def test_degrees_of_readings_averaged_per_period_equal_forming_them() -> None:
    """Periods of several readings (hours of a day, days of a bill): the cumulative sums at
    band edges give each candidate's degrees averaged over the period's readings."""
    readings = RNG.normal(8, 9, (2, 40, 25))
    readings[:, :, 24] = np.nan  # most days have 24 hours
    readings[0, 5, 23:] = np.nan  # a 23-hour day
    readings[1, 7, :] = np.nan  # a day without readings
    centres = np.broadcast_to(np.arange(-1.0, 30.0, 2.0), (2, 16))
    spreads = np.broadcast_to(np.array([0.0, 1.5, 5.0]), (2, 3))
    heating, cooling = period_columns(readings, centres, spreads)
    g = centres[:, None, :, None, None]
    a = spreads[:, :, None, None, None]
    x = readings[:, None, None, :, :]
    known = np.isfinite(x)
    count = np.maximum(known.sum(axis=-1), 1)
    expected_h = np.where(known, hinge(g - x, a), 0.0).sum(axis=-1) / count
    expected_c = np.where(known, hinge(x - g, a), 0.0).sum(axis=-1) / count
    assert heating == pytest.approx(expected_h, rel=1e-9, abs=1e-9)
    assert cooling == pytest.approx(expected_c, rel=1e-9, abs=1e-9)
    assert np.all(heating[1, :, :, 7] == 0)  # no readings: no degrees (weight 0 in fits)


def test_a_weather_independent_building_rarely_gets_a_temperature_term() -> None:
    """Slopes tested at their best balance point once passed on noise ~20-40 % of the time,
    and each such pick then failed the R² gate. With the search allowed for (Davies's bound)
    a temperature term is chosen in at most 10 % of noise draws -- in one batch, as the
    daemon's nightly refit would meet them."""
    rng = np.random.default_rng(5)
    draws, n = 400, 365
    t = 6 + 11 * np.sin(2 * np.pi * (np.arange(n) - 105) / 365) + rng.normal(0, 3, n)
    Y = 500 + rng.normal(0, 25, (draws, n))
    chosen = select_many(np.tile(t, (draws, 1)), Y, weekdays=np.tile(np.arange(n) % 7, (draws, 1)))
    weather = sum(s is not None and s.chosen.form is not ModelForm.INTERCEPT for s in chosen)
    assert weather / draws <= 0.10


def test_heating_buildings_keep_their_heating_form_after_the_correction() -> None:
    rng = np.random.default_rng(8)
    draws, n = 200, 365
    T = 6 + 11 * np.sin(2 * np.pi * (np.arange(n) - 105) / 365) + rng.normal(0, 3, (draws, n))
    slope = rng.uniform(3, 10, (draws, 1))
    Y = 150 + slope * np.maximum(15 - T, 0)
    Y += rng.normal(0, 1, Y.shape) * 0.08 * Y.mean(axis=1, keepdims=True)  # as the batch benchmark
    chosen = select_many(T, Y)
    heating = sum(s is not None and s.chosen.form is ModelForm.THREE_P_HEATING for s in chosen)
    assert heating / draws >= 0.95


def test_the_search_correction_grows_with_the_search_and_vanishes_without_one() -> None:
    from baselines.search import search_corrected_p  # noqa: PLC0415

    t = np.array([1.0, 2.0, 3.0, 3.0])
    p = np.array([0.3, 0.05, 0.003, 0.003])
    none = search_corrected_p(t, p, np.full(4, np.nan))
    np.testing.assert_array_equal(none, p)
    small, large = (
        search_corrected_p(t, p, np.full(4, 1.0)),
        search_corrected_p(t, p, np.full(4, 8.0)),
    )
    assert np.all(small >= p)
    assert np.all(large >= small)
    assert large[1] > 0.1 >= p[1]  # significant alone, not after a wide search
    assert np.all(large <= 1.0)
