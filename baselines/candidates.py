"""The candidates of the model search, for many meters at once, and why each qualifies or not.

For every meter, form and fixed-column option (with or without day-of-week terms) the search
(``baselines.search``) finds the best balance points; this module turns those fits into
``Candidate`` records: adjusted R², BIC, and the significance tests that qualify a candidate
(its temperature slopes, and its weekday terms together). ``baselines.selection`` chooses
among them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import cast

import numpy as np
import numpy.typing as npt
from scipy import special

from baselines.changepoint import COLUMNS, WEEKDAY_NAMES, ModelForm, weekday_columns
from baselines.search import CHUNK_ELEMENTS, Best, Fixed, best_of, p_values, search_corrected_p
from baselines.stats import FloatArray
from baselines.sums import Data, Family, Moments, cross

SLOPE_P_MAX = 0.1
#: the searched slopes whose significance qualifies a form (4P's slope above is not one)
_TESTED: dict[ModelForm, tuple[str, ...]] = {
    ModelForm.TWO_P: ("temperature",),
    ModelForm.THREE_P_HEATING: ("heating",),
    ModelForm.THREE_P_COOLING: ("cooling",),
    ModelForm.FOUR_P: ("heating",),
    ModelForm.FIVE_P: ("heating", "cooling"),
}


_ONE_HINGE = (ModelForm.THREE_P_HEATING, ModelForm.THREE_P_COOLING)


class Criterion(StrEnum):
    ADJUSTED_R2 = "adj_r2"
    BIC = "bic"


class Rejection(StrEnum):
    """Why a candidate does not qualify (``Candidate.reason`` says it with the figures)."""

    TOO_FEW_POINTS = "too_few_points"
    NO_BALANCE_POINT = "no_balance_point"
    WEEKDAYS_INESTIMABLE = "weekdays_inestimable"
    SLOPE_NOT_SIGNIFICANT = "slope_not_significant"
    WEEKDAYS_NOT_SIGNIFICANT = "weekdays_not_significant"


#: rejections of a fit that exists but whose terms are not significant
NOT_SIGNIFICANT = frozenset({Rejection.SLOPE_NOT_SIGNIFICANT, Rejection.WEEKDAYS_NOT_SIGNIFICANT})


@dataclass(frozen=True)
class Candidate:
    """One form's best fit, with or without weekday terms, as selection saw it."""

    form: ModelForm
    weekday_terms: bool
    reason: str  # why it does not qualify, for people; empty if it does
    rejection: Rejection | None = None  # the same, for code
    heating_c: float | None = None
    cooling_c: float | None = None
    spread_c: float | None = None
    adj_r2: float = math.nan
    bic: float = math.nan

    @property
    def qualified(self) -> bool:
        return self.rejection is None

    def score(self, criterion: Criterion) -> float:
        """Higher is better; -inf for a figure that cannot be computed."""
        value = -self.bic if criterion is Criterion.BIC else self.adj_r2
        return value if math.isfinite(value) else -math.inf

    def to_dict(self) -> dict[str, object]:
        return {
            "form": self.form.value,
            "weekday_terms": self.weekday_terms,
            "qualified": self.qualified,
            "reason": self.reason or None,
            "rejection": self.rejection.value if self.rejection else None,
            "adj_r2": self.adj_r2 if math.isfinite(self.adj_r2) else None,
            "bic": self.bic if math.isfinite(self.bic) else None,
            "heating_balance_c": self.heating_c,
            "cooling_balance_c": self.cooling_c,
            "balance_spread_c": self.spread_c,
        }


def _optional(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def prepare(
    temperature: npt.ArrayLike,
    energy: npt.ArrayLike,
    weights: npt.ArrayLike | None,
    extra: npt.ArrayLike | None,
    weekdays: npt.ArrayLike | None,
) -> Data:
    """Arrays for the search: (meters, points[, days]); unknown points get weight 0."""
    Y = np.atleast_2d(np.asarray(energy, dtype=np.float64))
    m, n = Y.shape
    T = np.asarray(temperature, dtype=np.float64)
    billing = T.size != Y.size
    T = T.reshape(m, n, -1) if billing else T.reshape(m, n)
    W = np.ones((m, n)) if weights is None else np.asarray(weights, dtype=np.float64).reshape(m, n)
    known = np.isfinite(T).any(axis=2) if billing else np.isfinite(T)
    columns = [np.ones((m, n, 1))]
    if extra is not None:
        X = np.asarray(extra, dtype=np.float64).reshape(m, n, -1)
        known &= np.isfinite(X).all(axis=2)
        columns.append(np.nan_to_num(X))
    if weekdays is not None:
        days = np.asarray(weekdays, dtype=np.float64).reshape(m, n)
        columns.append(weekday_columns(days).reshape(m, n, len(WEEKDAY_NAMES)))
    W = np.where(np.isfinite(Y) & known & (W > 0), W, 0.0)
    if not billing:
        T = np.nan_to_num(T)
    return Data(T, np.nan_to_num(Y), W, np.concatenate(columns, axis=2))


@dataclass(frozen=True)
class Option:
    weekday_terms: bool
    columns: int  # fixed columns: the intercept, extra variables and any weekday terms


def _expand(data: Data, options: Sequence[Option]) -> Data:
    """One row per meter and option: the fixed columns an option leaves out are zeroed."""
    k = len(options)
    F = np.repeat(data.F, k, axis=0)
    for o, option in enumerate(options):
        F[o::k, :, option.columns :] = 0.0
    T, Y, W = (np.repeat(a, k, axis=0) for a in (data.T, data.Y, data.W))
    return Data(T, Y, W, F)


def search_candidates(
    data: Data,
    options: Sequence[Option],
    forms: Sequence[ModelForm],
    *,
    grid: FloatArray,
    spreads: FloatArray,
    min_side_points: int,
) -> tuple[dict[ModelForm, Best], npt.NDArray[np.bool_]]:
    """Each meter's best candidate per form and option, chunk by chunk of meters.

    Rows of the results are (meter, option) in order; the second array tells whether each
    row's fixed columns could be fitted at all. Hinge sums do not depend on the option: they
    are formed per meter, then repeated for each option with its left-out columns zeroed.
    """
    m, n = data.Y.shape
    k = len(options)
    keep = np.array([np.arange(data.F.shape[2]) < option.columns for option in options])
    candidates = grid.size * spreads.size
    if data.billing:  # columns are formed: (candidates, periods, days) per side
        per_meter = 2 * candidates * n * data.T.shape[2] * 2
    else:  # sums at band edges: the 5P pairs dominate
        per_meter = candidates * (grid.size + data.F.shape[2] + 1) * 5 * 2 * k
    chunk = max(1, CHUNK_ELEMENTS // per_meter)
    parts: dict[ModelForm, list[Best]] = {form: [] for form in forms}
    fixable = np.zeros(m * k, dtype=bool)
    for start in range(0, m, chunk):
        rows = data.rows(slice(start, start + chunk))
        size = rows.Y.shape[0]
        centres = np.broadcast_to(grid, (size, grid.size))
        widths = np.broadcast_to(spreads, (size, spreads.size))
        moments = None if rows.billing else Moments.of(rows)
        heating, cooling = Family.both(rows, moments, centres, widths, min_side_points)
        families = {"h": heating, "c": cooling}
        crosses = {
            same_centre: np.repeat(
                cross(families["h"], families["c"], moments, same_centre=same_centre), k, axis=0
            )
            for same_centre, form in ((True, ModelForm.FOUR_P), (False, ModelForm.FIVE_P))
            if form in forms
        }
        families = {side: family.expand(keep) for side, family in families.items()}
        expanded = _expand(rows, options)
        fixed = Fixed.of(expanded, np.tile([option.columns for option in options], size))
        fixable[start * k : (start + size) * k] = np.isfinite(fixed.sse)
        for form in forms:
            parts[form].append(best_of(form, expanded, fixed, families, crosses))
    best = {
        form: found[0] if len(found) == 1 else _concatenate(found) for form, found in parts.items()
    }
    return best, fixable


def _concatenate(parts: list[Best]) -> Best:
    return Best(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in Best.__dataclass_fields__)
    )


def _unusable(form: ModelForm, *, weekdays_inestimable: bool) -> tuple[str, Rejection]:
    """Why a form has no fit at all."""
    if weekdays_inestimable:
        return (
            "the weekday terms cannot be estimated (a weekday without data)",
            Rejection.WEEKDAYS_INESTIMABLE,
        )
    if form is ModelForm.INTERCEPT:
        return "too few data points", Rejection.TOO_FEW_POINTS
    return (
        "no balance point with enough data on the temperature-dependent side",
        Rejection.NO_BALANCE_POINT,
    )


def _insignificant(
    slopes_p: Sequence[tuple[str, float]], weekdays_p: float
) -> tuple[str, Rejection | None]:
    """Why a fit does not qualify on significance, or ("", None) if it does."""
    for name, value in slopes_p:
        if not value <= SLOPE_P_MAX:
            return (
                f"{name} slope not significant (p = {value:.3g} > {SLOPE_P_MAX})",
                Rejection.SLOPE_NOT_SIGNIFICANT,
            )
    if not weekdays_p <= SLOPE_P_MAX:
        return (
            f"weekday terms not significant together (F-test p = {weekdays_p:.3g} > {SLOPE_P_MAX})",
            Rejection.WEEKDAYS_NOT_SIGNIFICANT,
        )
    return "", None


def qualify(
    found: dict[ModelForm, Best],
    fixable: npt.NDArray[np.bool_],
    data: Data,
    options: Sequence[Option],
) -> list[list[Candidate]]:
    """Each meter's candidates with their qualification, adjusted R² and BIC.

    ``found`` and ``fixable`` have a row per meter and option, in that order.
    """
    W, Y = data.W, data.Y
    total = W.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.einsum("mn,mn->m", W, Y) / total
        sst = np.einsum("mn,mn->m", W, (Y - mean[:, None]) ** 2)
        log_w = np.where(W > 0, np.log(np.where(W > 0, W, 1.0)), 0.0).sum(axis=1)
    n, sst, log_w = (np.repeat(a, len(options)) for a in ((W > 0).sum(axis=1), sst, log_w))
    forms = list(found)
    rows = fixable.size
    option_of = [options[row % len(options)] for row in range(rows)]
    searched = np.array([len(COLUMNS[form]) - 1 for form in forms])
    k = searched[:, None] + np.array([option.columns for option in option_of])[None, :]
    best_sse = np.stack([found[form].sse for form in forms])  # (forms, rows)
    slopes = np.stack([found[form].slopes for form in forms])  # (forms, rows, 2)
    inverse = np.stack([found[form].inverse for form in forms])
    dof = n - k
    usable = np.isfinite(best_sse) & (dof > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        sse = np.where(usable, np.maximum(best_sse, 0.0), math.nan)
        sigma2 = sse / dof
        t = slopes / np.sqrt(sigma2[..., None] * inverse)
        p = _searched_p(found, forms, t, p_values(t, dof[..., None].astype(float)), dof)
        adj_r2 = 1.0 - sse / sst * (n - 1) / dof
        log_likelihood = -0.5 * n * (math.log(2 * math.pi) + np.log(sse / n) + 1) + 0.5 * log_w
        bic = -2 * log_likelihood + k * np.log(n)
    adj_r2 = np.where(k == 1, np.where(usable, 0.0, math.nan), adj_r2)  # the intercept alone
    weekday_p = _weekday_p(sse, dof, options)
    per_meter: list[list[Candidate]] = [[] for _ in range(rows // len(options))]
    values = {
        "heating": np.stack([found[form].heating_c for form in forms]).tolist(),
        "cooling": np.stack([found[form].cooling_c for form in forms]).tolist(),
        "spread": np.stack([found[form].spread_c for form in forms]).tolist(),
        "adj_r2": adj_r2.tolist(),
        "bic": bic.tolist(),
    }
    usable_list, p_list, fixable_list = usable.tolist(), p.tolist(), fixable.tolist()
    for f, form in enumerate(forms):
        tested = [
            (j, name) for j, name in enumerate(COLUMNS[form][1:]) if name in _TESTED.get(form, ())
        ]
        for row in range(rows):
            option = option_of[row]
            first = row - row % len(options)
            rejection: Rejection | None
            if not usable_list[f][row]:
                inestimable = option.weekday_terms and not fixable_list[row] and fixable_list[first]
                reason, rejection = _unusable(form, weekdays_inestimable=inestimable)
            else:
                slopes_p = [(name, p_list[f][row][j]) for j, name in tested]
                reason, rejection = _insignificant(slopes_p, weekday_p[f][row])
            per_meter[row // len(options)].append(
                Candidate(
                    form=form,
                    weekday_terms=option.weekday_terms,
                    reason=reason,
                    rejection=rejection,
                    heating_c=_optional(values["heating"][f][row]),
                    cooling_c=_optional(values["cooling"][f][row]),
                    spread_c=_optional(values["spread"][f][row]),
                    adj_r2=values["adj_r2"][f][row],
                    bic=values["bic"][f][row],
                )
            )
    return per_meter


def _searched_p(
    found: dict[ModelForm, Best],
    forms: Sequence[ModelForm],
    t: FloatArray,
    p: FloatArray,
    dof: npt.NDArray[np.intp],
) -> FloatArray:
    """The slopes' p values (forms, rows, 2) allowing for the balance-point search.

    Each searched slope is tested allowing for the search over its balance points
    (``search.search_corrected_p``): a one-hinge slope against the search over both sides'
    points (heating or cooling is part of what was searched), a 5P slope along each of its
    searched parameters with the others held.
    """
    variation = np.stack([found[form].variation for form in forms]) * np.sqrt(dof)[..., None]
    sides = [f for f, form in enumerate(forms) if form in _ONE_HINGE]
    if len(sides) == 2:
        variation[sides, :, 0] = np.nansum(variation[sides, :, 0], axis=0)
    return search_corrected_p(t, p, variation)


def _weekday_p(
    sse: FloatArray, dof: npt.NDArray[np.intp], options: Sequence[Option]
) -> list[list[float]]:
    """Per (form, row): the p value of the F-test of a row's weekday terms against the same
    form without them; 0 where there is nothing to test (no choice, or no terms)."""
    p = np.zeros(sse.shape)
    if len(options) == 2 and options[1].weekday_terms and not options[0].weekday_terms:
        terms = options[1].columns - options[0].columns
        without, with_terms, left = sse[:, 0::2], sse[:, 1::2], dof[:, 1::2]
        with np.errstate(invalid="ignore", divide="ignore"):
            f = (without - with_terms) / terms / (with_terms / left)
            tested = special.fdtrc(terms, left, np.maximum(f, 0.0))
        p[:, 1::2] = np.where(np.isfinite(without), tested, 0.0)
    return cast(list[list[float]], p.tolist())
