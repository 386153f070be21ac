"""Choosing the baseline model among the change-point forms.

Every form is fitted at its best balance points; a form *qualifies* if its temperature
slopes have the physical sign and are significant (p ≤ 0.1, CalTRACK's rule, which is also
DOE's rule for a model's most significant variable). Among qualifying forms the one with the
highest adjusted R² is chosen -- the criterion of CalTRACK and of DOE's EnPI tool, and the one
an M&V reviewer can check by hand: it rewards fit and charges for each extra parameter.
BIC is offered for larger samples (hourly data), where adjusted R² favours bigger models.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy.typing as npt

from baselines.changepoint import (
    DEFAULT_GRID_C,
    MIN_ACTIVE_POINTS,
    ChangePointModel,
    ModelForm,
    fit_form,
)

#: CalTRACK's daily candidate set; 2P and 4P (ASHRAE) are available on request
DEFAULT_FORMS = (
    ModelForm.INTERCEPT,
    ModelForm.THREE_P_HEATING,
    ModelForm.THREE_P_COOLING,
    ModelForm.FIVE_P,
)
ALL_FORMS = tuple(ModelForm)
SLOPE_P_MAX = 0.1
_SLOPES = ("heating", "cooling", "temperature")


class Criterion(StrEnum):
    ADJUSTED_R2 = "adj_r2"
    BIC = "bic"


@dataclass(frozen=True)
class Candidate:
    form: ModelForm
    model: ChangePointModel | None
    qualified: bool
    reason: str  # why it does not qualify; empty if it does


@dataclass(frozen=True)
class Selection:
    chosen: ChangePointModel
    candidates: tuple[Candidate, ...]
    criterion: Criterion

    def to_dict(self) -> dict[str, object]:
        return {
            "criterion": self.criterion.value,
            "chosen": self.chosen.form.value,
            "candidates": [
                {
                    "form": c.form.value,
                    "qualified": c.qualified,
                    "reason": c.reason or None,
                    "adj_r2": None if c.model is None else c.model.fit.summary()["adj_r2"],
                    "bic": None if c.model is None else c.model.fit.summary()["bic"],
                    "heating_balance_c": None if c.model is None else c.model.heating_c,
                    "cooling_balance_c": None if c.model is None else c.model.cooling_c,
                }
                for c in self.candidates
            ],
        }


def qualify(form: ModelForm, model: ChangePointModel | None) -> str:
    """Why a candidate does not qualify; empty if it does (the intercept model always does)."""
    if form is ModelForm.INTERCEPT and model is not None:
        return ""
    if model is None:
        return "no balance point with enough data on the temperature-dependent side"
    for name in model.fit.names:
        if name in _SLOPES and model.fit.p_value(name) > SLOPE_P_MAX:
            return (
                f"{name} slope not significant (p = {model.fit.p_value(name):.3g} > {SLOPE_P_MAX})"
            )
    if not model.positive_ok():
        return "a temperature slope has the wrong sign"
    return ""


def select_model(
    temperature: npt.ArrayLike,
    energy: npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    extra: npt.ArrayLike | None = None,
    extra_names: Sequence[str] = (),
    forms: Sequence[ModelForm] = DEFAULT_FORMS,
    criterion: Criterion = Criterion.ADJUSTED_R2,
    grid: npt.ArrayLike = DEFAULT_GRID_C,
    min_side_points: int = MIN_ACTIVE_POINTS,
) -> Selection:
    """Fit every form and choose; the intercept-only model always qualifies as a fallback."""
    candidates = []
    for form in forms:
        model = fit_form(
            form,
            temperature,
            energy,
            weights=weights,
            extra=extra,
            extra_names=extra_names,
            grid=grid,
            min_side_points=min_side_points,
        )
        reason = qualify(form, model)
        candidates.append(Candidate(form, model, not reason, reason))
    selection = choose(candidates, criterion)
    if selection is None:
        raise ValueError("no model could be fitted: too few valid data points")
    return selection


def choose(candidates: Sequence[Candidate], criterion: Criterion) -> Selection | None:
    """The best qualifying candidate by ``criterion``; None if none qualifies."""
    qualified = [c.model for c in candidates if c.qualified and c.model is not None]
    if not qualified:
        return None
    if criterion is Criterion.BIC:
        chosen = min(qualified, key=lambda m: m.fit.bic)
    else:
        chosen = max(qualified, key=lambda m: m.fit.adj_r2 if m.fit.k > 1 else 0.0)
    return Selection(chosen, tuple(candidates), criterion)
