"""Change-point models recover the coefficients and balance points that generated the data."""

from __future__ import annotations

import numpy as np
import pytest

from baselines.changepoint import ModelForm, fit_form, search
from baselines.selection import Criterion, select_model

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
    chosen = select_model(t, y, forms=list(ModelForm)).chosen
    assert chosen.form in ({form, ModelForm.FIVE_P} if form is ModelForm.FOUR_P else {form})
    bic = select_model(t, y, forms=list(ModelForm), criterion=Criterion.BIC).chosen
    assert bic.form == chosen.form or form is ModelForm.FOUR_P


def test_flat_consumption_selects_the_intercept_model() -> None:
    t = temperatures()
    y = 300 + RNG.normal(0, 10, t.size)
    selection = select_model(t, y)
    assert selection.chosen.form is ModelForm.INTERCEPT
    reasons = {c.form: c.reason for c in selection.candidates}
    assert (
        "not significant" in reasons[ModelForm.THREE_P_HEATING]
        or "sign" in reasons[ModelForm.THREE_P_HEATING]
    )


def test_batch_search_equals_one_meter_at_a_time() -> None:
    meters = 25
    T = np.stack([temperatures(365) for _ in range(meters)])
    Y = 100 + 8 * np.maximum(RNG.integers(10, 17, (meters, 1)) - T, 0) + RNG.normal(0, 6, T.shape)
    Y[3, 40:60] = np.nan  # missing days
    batch = search(ModelForm.THREE_P_HEATING, T, Y)
    for m in range(meters):
        single = search(ModelForm.THREE_P_HEATING, T[m], Y[m])
        assert batch.heating_c[m] == single.heating_c[0]
        assert batch.sse[m] == pytest.approx(single.sse[0], rel=1e-9)


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
        ModelForm.THREE_P_HEATING, t, y, weights=days, grid=np.arange(0, 20.0), min_side_points=3
    )
    assert model is not None
    assert model.heating_c == 15
    assert model.fit.coefficient("heating") == pytest.approx(4)


def test_refinement_moves_balance_points_off_the_grid_and_never_fits_worse() -> None:
    t = temperatures()
    y = 150 + 11.0 * np.maximum(14.6 - t, 0) + RNG.normal(0, 4, t.size)
    coarse = fit_form(ModelForm.THREE_P_HEATING, t, y)
    fine = fit_form(ModelForm.THREE_P_HEATING, t, y, refine=True)
    assert coarse is not None
    assert fine is not None
    assert coarse.heating_c in (14.0, 15.0)
    assert fine.heating_c == pytest.approx(14.6, abs=0.3)
    assert fine.fit.sse <= coarse.fit.sse


def test_too_little_data_on_a_side_gives_no_model() -> None:
    t = np.full(50, 20.0)
    assert fit_form(ModelForm.THREE_P_HEATING, t, np.full(50, 5.0)) is None
