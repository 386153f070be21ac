"""Adopted energy baselines: immutable records that predict as their model did."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest

from baselines.changepoint import ChangePointModel, ModelForm, hinge
from baselines.selection import fit_form, select_model
from baselines.validity import assess
from baselines.versions import EnergyBaseline, RevisionTrigger

rng = np.random.default_rng(11)
TEMPERATURE = rng.uniform(-15, 25, 365)
SCHOOL_DAYS = (np.arange(365) % 7 < 5).astype(float)
ENERGY = 200 + 30 * np.maximum(15 - TEMPERATURE, 0) + 120 * SCHOOL_DAYS + rng.normal(0, 5, 365)


def adopt(
    model: ChangePointModel, variable_means: dict[str, float] | None = None
) -> EnergyBaseline:
    """``model`` adopted as the first baseline of an EnPI for 2025."""
    return EnergyBaseline.adopt(
        enpi="skola-fjv",
        version=1,
        model=model,
        first=date(2025, 1, 1),
        last=date(2025, 12, 31),
        adopted_at="2026-01-02T08:00:00+00:00",
        trigger=RevisionTrigger.INITIAL,
        reason="first baseline",
        validity={"valid": True},
        variable_means=variable_means,
    )


def adopted(model_extra: bool) -> tuple[EnergyBaseline, ChangePointModel]:
    model = fit_form(
        ModelForm.THREE_P_HEATING,
        TEMPERATURE,
        ENERGY,
        extra=SCHOOL_DAYS[:, None] if model_extra else None,
        extra_names=("school_days",) if model_extra else (),
    )
    assert model is not None
    means = {"school_days": float(SCHOOL_DAYS.mean())} if model_extra else None
    return adopt(model, means), model


def test_a_baseline_with_a_relevant_variable_predicts_as_its_model_and_survives_storage() -> None:
    baseline, model = adopted(model_extra=True)
    assert dict(baseline.coefficients)["school_days"] == pytest.approx(120, abs=3)
    expected = model.predict(TEMPERATURE, SCHOOL_DAYS[:, None])
    assert np.allclose(baseline.predict(TEMPERATURE, {"school_days": SCHOOL_DAYS}), expected)
    stored = EnergyBaseline.from_json(baseline.to_json())
    assert stored == baseline
    assert stored.variables == (("school_days", pytest.approx(SCHOOL_DAYS.mean())),)
    assert np.allclose(stored.predict(TEMPERATURE, {"school_days": SCHOOL_DAYS}), expected)


def test_without_the_variable_a_baseline_predicts_at_its_baseline_mean() -> None:
    baseline, _ = adopted(model_extra=True)
    at_mean = baseline.predict(TEMPERATURE, {"school_days": np.full(365, SCHOOL_DAYS.mean())})
    assert np.allclose(baseline.predict(TEMPERATURE), at_mean)  # e.g. the energy signature


def test_a_model_with_variables_needs_their_baseline_means() -> None:
    model = fit_form(ModelForm.THREE_P_HEATING, TEMPERATURE, ENERGY,
                     extra=SCHOOL_DAYS[:, None], extra_names=("school_days",))  # fmt: skip
    assert model is not None
    with pytest.raises(ValueError, match="baseline means of school_days"):
        EnergyBaseline.adopt(enpi="x", version=1, model=model, first=date(2025, 1, 1),
                             last=date(2025, 12, 31), adopted_at="", reason="",
                             trigger=RevisionTrigger.INITIAL, validity={})  # fmt: skip


def test_records_written_before_relevant_variables_existed_still_load() -> None:
    baseline, _ = adopted(model_extra=False)
    old = baseline.to_json().replace('"variables": {}, ', "")
    assert '"variables"' not in old
    assert EnergyBaseline.from_json(old) == baseline


def test_a_spread_balance_point_and_weekday_terms_survive_storage() -> None:
    weekdays = np.arange(365) % 7
    energy = 200 + 30 * hinge(15 - TEMPERATURE, 4.0) + 50 * (weekdays < 5) + rng.normal(0, 5, 365)
    model = select_model(TEMPERATURE, energy, weekdays=weekdays).chosen
    assert (model.spread_c, model.weekday_terms) == (4.0, True)
    baseline = adopt(model)
    stored = EnergyBaseline.from_json(baseline.to_json())
    assert stored == baseline
    assert (stored.spread_c, stored.weekday_terms) == (4.0, True)
    expected = model.predict(TEMPERATURE, weekdays=weekdays)
    assert np.allclose(stored.predict(TEMPERATURE, weekdays=weekdays), expected)
    assert np.allclose(stored.predict(TEMPERATURE), model.predict(TEMPERATURE))  # average day


def test_a_baseline_stored_before_spreads_and_weekday_terms_loads_as_sharp() -> None:
    baseline, model = adopted(model_extra=False)
    record = json.loads(baseline.to_json())
    del record["spread_c"], record["weekday_terms"]
    old = EnergyBaseline.from_json(json.dumps(record))
    assert (old.spread_c, old.weekday_terms) == (0.0, False)
    assert np.allclose(old.predict(TEMPERATURE), model.predict(TEMPERATURE))


def test_a_model_going_below_zero_is_warned_about_and_never_expects_negative_use() -> None:
    # a straight line through a curved heating response: below zero on warm days
    energy = 0.6 * np.maximum(22 - TEMPERATURE, 0) ** 2 + rng.normal(0, 5, 365)
    model = fit_form(ModelForm.TWO_P, TEMPERATURE, energy)
    assert model is not None
    assert model.predict(np.array([25.0]))[0] < 0  # the raw model
    (warning,) = assess(model.fit).warnings
    assert warning.startswith("the model expects negative consumption on ")
    assert "held at zero" in warning
    assert assess(adopted(model_extra=False)[1].fit).warnings == ()
    baseline = adopt(model)
    assert baseline.predict(np.array([25.0]))[0] == 0.0
    assert (baseline.predict(TEMPERATURE) >= 0).all()
    cold = np.array([-10.0])
    assert baseline.predict(cold)[0] == pytest.approx(model.predict(cold)[0])
