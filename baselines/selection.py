"""Choosing the baseline model: every form, with and without day-of-week terms.

Every form is fitted at its best balance points and spread (``baselines.search``), without
and -- for daily data with known weekdays -- with day-of-week terms. A candidate *qualifies*
if its temperature slopes have the physical sign and are significant (p ≤ 0.1, CalTRACK's
rule, which is also DOE's rule for a model's most significant variable). Among qualifying
candidates the one with the highest adjusted R² is chosen -- the criterion of CalTRACK and of
DOE's EnPI tool, and one an M&V reviewer can check by hand: it rewards fit and charges for each
parameter, so six weekday terms are kept only when the weekly rhythm is worth them. BIC is
offered for larger samples (hourly data), where adjusted R² favours bigger models.

Many meters are selected in one pass (``select_many``: the search runs across meters as array
computations); only each meter's chosen model is fitted with every statistic.
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

from baselines.changepoint import (
    COLUMNS,
    DEFAULT_GRID_C,
    DEFAULT_SPREADS_C,
    MIN_ACTIVE_POINTS,
    WEEKDAY_NAMES,
    ChangePointModel,
    ModelForm,
    design,
    weekday_columns,
)
from baselines.search import CHUNK_ELEMENTS, Best, Fixed, best_of, p_values
from baselines.stats import FloatArray, fit_linear
from baselines.sums import Data, Family, Moments, cross

#: CalTRACK's daily candidate set; 2P and 4P (ASHRAE) are available on request
DEFAULT_FORMS = (
    ModelForm.INTERCEPT,
    ModelForm.THREE_P_HEATING,
    ModelForm.THREE_P_COOLING,
    ModelForm.FIVE_P,
)
ALL_FORMS = tuple(ModelForm)
#: the spreads of sharp change points only, as CalTRACK fits
SHARP = (0.0,)
SLOPE_P_MAX = 0.1
#: the searched slopes whose significance qualifies a form (4P's slope above is not one)
_TESTED: dict[ModelForm, tuple[str, ...]] = {
    ModelForm.TWO_P: ("temperature",),
    ModelForm.THREE_P_HEATING: ("heating",),
    ModelForm.THREE_P_COOLING: ("cooling",),
    ModelForm.FOUR_P: ("heating",),
    ModelForm.FIVE_P: ("heating", "cooling"),
}


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


@dataclass(frozen=True)
class Selection:
    chosen: ChangePointModel
    candidates: tuple[Candidate, ...]
    criterion: Criterion

    def to_dict(self) -> dict[str, object]:
        return {
            "criterion": self.criterion.value,
            "chosen": self.chosen.form.value,
            "weekday_terms": self.chosen.weekday_terms,
            "candidates": [c.to_dict() for c in self.candidates],
        }


def _optional(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _prepare(
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
class _Option:
    weekday_terms: bool
    columns: int  # fixed columns: the intercept, extra variables and any weekday terms


def _expand(data: Data, options: Sequence[_Option]) -> Data:
    """One row per meter and option: the fixed columns an option leaves out are zeroed."""
    k = len(options)
    F = np.repeat(data.F, k, axis=0)
    for o, option in enumerate(options):
        F[o::k, :, option.columns :] = 0.0
    T, Y, W = (np.repeat(a, k, axis=0) for a in (data.T, data.Y, data.W))
    return Data(T, Y, W, F)


def _search(
    data: Data,
    options: Sequence[_Option],
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


def _candidates(
    found: dict[ModelForm, Best],
    fixable: npt.NDArray[np.bool_],
    data: Data,
    options: Sequence[_Option],
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
        p = p_values(slopes / np.sqrt(sigma2[..., None] * inverse), dof[..., None].astype(float))
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


def _weekday_p(
    sse: FloatArray, dof: npt.NDArray[np.intp], options: Sequence[_Option]
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


def _fit(
    candidate: Candidate,
    data: Data,
    row: int,
    *,
    temperature: FloatArray,
    extra_names: Sequence[str],
) -> ChangePointModel:
    """The full fit, with every statistic, of one meter's candidate (``data`` unexpanded)."""
    keep = data.W[row] > 0
    fixed = 1 + len(extra_names) + (len(WEEKDAY_NAMES) if candidate.weekday_terms else 0)
    temperature_columns = design(
        candidate.form,
        temperature[keep],
        heating_c=candidate.heating_c,
        cooling_c=candidate.cooling_c,
        spread_c=candidate.spread_c or 0.0,
    )  # the intercept first, as in the fixed columns, which add the variables and weekdays
    X = np.column_stack([temperature_columns, data.F[row, keep, 1:fixed]])
    names = (
        *COLUMNS[candidate.form],
        *extra_names,
        *(WEEKDAY_NAMES if candidate.weekday_terms else ()),
    )
    weights = data.W[row, keep]
    fit = fit_linear(X, data.Y[row, keep], names, weights=None if np.all(weights == 1) else weights)
    return ChangePointModel(
        candidate.form,
        candidate.heating_c,
        candidate.cooling_c,
        fit,
        tuple(extra_names),
        spread_c=candidate.spread_c or 0.0,
        weekday_terms=candidate.weekday_terms,
    )


def choose(candidates: Sequence[Candidate], criterion: Criterion) -> Candidate | None:
    """The best qualifying candidate by ``criterion``; None if none qualifies."""
    qualified = [c for c in candidates if c.qualified]
    return max(qualified, key=lambda c: c.score(criterion)) if qualified else None


def _options(
    data: Data, extra_names: Sequence[str], weekdays: bool, weekday_terms: bool | None
) -> list[_Option]:
    """The fixed-column sets to try: without and with weekday terms, or as asked."""
    columns = 1 + len(extra_names)
    if data.F.shape[2] != columns + (len(WEEKDAY_NAMES) if weekdays else 0):
        raise ValueError(f"{data.F.shape[2] - 1} extra variables but {len(extra_names)} names")
    if not weekdays:
        if weekday_terms:
            raise ValueError("weekday terms need the weekday of each point")
        return [_Option(False, columns)]
    with_terms = _Option(True, columns + len(WEEKDAY_NAMES))
    if weekday_terms is None:
        return [_Option(False, columns), with_terms]
    return [with_terms] if weekday_terms else [_Option(False, columns)]


def _run(
    data: Data,
    options: list[_Option],
    forms: Sequence[ModelForm],
    *,
    grid: npt.ArrayLike,
    spreads: npt.ArrayLike | None,
    min_side_points: int,
) -> list[list[Candidate]]:
    """Every meter's candidates. Without ``spreads``: the default spreads for one temperature
    per point, sharp change points for several readings per point (which carry the spread of
    temperatures within the period themselves)."""
    if spreads is None:
        spreads = SHARP if data.billing else DEFAULT_SPREADS_C
    found, fixable = _search(
        data,
        options,
        forms,
        grid=np.asarray(grid, dtype=np.float64),
        spreads=np.asarray(spreads, dtype=np.float64),
        min_side_points=min_side_points,
    )
    return _candidates(found, fixable, data, options)


def select_many(
    temperature: npt.ArrayLike,
    energy: npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    extra: npt.ArrayLike | None = None,
    extra_names: Sequence[str] = (),
    weekdays: npt.ArrayLike | None = None,
    weekday_terms: bool | None = None,
    forms: Sequence[ModelForm] = DEFAULT_FORMS,
    criterion: Criterion = Criterion.ADJUSTED_R2,
    grid: npt.ArrayLike = DEFAULT_GRID_C,
    spreads: npt.ArrayLike | None = None,
    min_side_points: int = MIN_ACTIVE_POINTS,
) -> list[Selection | None]:
    """A selection per row (meter) of (meters, points) arrays; NaN marks a missing point.

    ``temperature`` is (meters, points) or, for billing periods, (meters, points, days) of
    daily values (NaN-padded); ``weights`` weigh points (period lengths); ``extra`` holds
    further relevant variables (meters, points, variables); ``weekdays`` (0 Monday .. 6
    Sunday per point) makes day-of-week terms a choice -- ``weekday_terms`` True or False
    fixes that choice instead. None for a meter whose data are too few for any model.
    """
    data = _prepare(temperature, energy, weights, extra, weekdays)
    options = _options(data, extra_names, weekdays is not None, weekday_terms)
    T = np.asarray(temperature, dtype=np.float64).reshape(data.T.shape)
    selections: list[Selection | None] = []
    for row, candidates in enumerate(
        _run(data, options, forms, grid=grid, spreads=spreads, min_side_points=min_side_points)
    ):
        chosen = choose(candidates, criterion)
        if chosen is None:
            selections.append(None)
            continue
        model = _fit(chosen, data, row, temperature=T[row], extra_names=extra_names)
        selections.append(Selection(model, tuple(candidates), criterion))
    return selections


def _one(array: npt.ArrayLike) -> FloatArray:
    """One meter's array as the first row of a batch."""
    return np.asarray(array, dtype=np.float64)[None]


def select_model(
    temperature: npt.ArrayLike,
    energy: npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    extra: npt.ArrayLike | None = None,
    extra_names: Sequence[str] = (),
    weekdays: npt.ArrayLike | None = None,
    weekday_terms: bool | None = None,
    forms: Sequence[ModelForm] = DEFAULT_FORMS,
    criterion: Criterion = Criterion.ADJUSTED_R2,
    grid: npt.ArrayLike = DEFAULT_GRID_C,
    spreads: npt.ArrayLike | None = None,
    min_side_points: int = MIN_ACTIVE_POINTS,
) -> Selection:
    """The selection for one meter: ``temperature`` (points[, days]) and ``energy`` (points).

    The intercept-only model always qualifies as a fallback; ``ValueError`` when the data are
    too few even for it.
    """
    y = np.asarray(energy, dtype=np.float64)
    (selection,) = select_many(
        _one(temperature),
        y[None],
        weights=None if weights is None else _one(weights),
        extra=None if extra is None else np.asarray(extra, dtype=np.float64).reshape(1, y.size, -1),
        extra_names=extra_names,
        weekdays=None if weekdays is None else _one(weekdays),
        weekday_terms=weekday_terms,
        forms=forms,
        criterion=criterion,
        grid=grid,
        spreads=spreads,
        min_side_points=min_side_points,
    )
    if selection is None:
        raise ValueError("no model could be fitted: too few valid data points")
    return selection


def fit_form(
    form: ModelForm,
    temperature: npt.ArrayLike,
    energy: npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    extra: npt.ArrayLike | None = None,
    extra_names: Sequence[str] = (),
    weekdays: npt.ArrayLike | None = None,
    grid: npt.ArrayLike = DEFAULT_GRID_C,
    spreads: npt.ArrayLike | None = None,
    min_side_points: int = MIN_ACTIVE_POINTS,
) -> ChangePointModel | None:
    """The best model of one form for one meter (with weekday terms if ``weekdays`` are
    given), whether or not its slopes are significant; None if no candidate has enough data."""
    y = np.asarray(energy, dtype=np.float64)
    data = _prepare(
        _one(temperature),
        y[None],
        None if weights is None else _one(weights),
        None if extra is None else np.asarray(extra, dtype=np.float64).reshape(1, y.size, -1),
        None if weekdays is None else _one(weekdays),
    )
    options = _options(data, extra_names, weekdays is not None, weekdays is not None)
    (candidates,) = _run(
        data, options, [form], grid=grid, spreads=spreads, min_side_points=min_side_points
    )
    (candidate,) = candidates
    if not candidate.qualified and candidate.rejection not in NOT_SIGNIFICANT:
        return None
    T = np.asarray(temperature, dtype=np.float64).reshape(data.T.shape)
    return _fit(candidate, data, 0, temperature=T[0], extra_names=extra_names)
