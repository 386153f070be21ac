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
computations, ``baselines.candidates``); only each meter's chosen model is fitted with every
statistic. How the search runs is one frozen ``SearchSettings``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from baselines.candidates import (
    NOT_SIGNIFICANT,
    Candidate,
    Criterion,
    Option,
    Rejection,
    prepare,
    qualify,
    search_candidates,
)
from baselines.changepoint import (
    COLUMNS,
    DEFAULT_GRID_C,
    DEFAULT_SPREADS_C,
    MIN_ACTIVE_POINTS,
    WEEKDAY_NAMES,
    ChangePointModel,
    ModelForm,
    design,
)
from baselines.stats import FloatArray, fit_linear
from baselines.sums import Data

__all__ = [
    "ALL_FORMS",
    "DEFAULT_FORMS",
    "DEFAULT_SEARCH",
    "NOT_SIGNIFICANT",
    "SHARP",
    "Candidate",
    "Criterion",
    "Rejection",
    "SearchSettings",
    "Selection",
    "choose",
    "fit_form",
    "select_many",
    "select_model",
]

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


@dataclass(frozen=True)
class SearchSettings:
    """How the model search runs, the same for every meter of a batch."""

    #: the model forms tried
    forms: tuple[ModelForm, ...] = DEFAULT_FORMS
    #: how qualifying candidates are compared
    criterion: Criterion = Criterion.ADJUSTED_R2
    #: balance points tried, °C
    grid_c: tuple[float, ...] = field(default_factory=lambda: tuple(DEFAULT_GRID_C.tolist()))
    #: balance-point spreads tried, °C; None: the default spreads for one temperature per
    #: point, sharp change points for periods of several days (which carry their own spread)
    spreads_c: tuple[float, ...] | None = None
    #: the fewest points on a change point's temperature-dependent side
    min_side_points: int = MIN_ACTIVE_POINTS
    #: day-of-week terms: None lets the selection choose (when weekdays are known)
    weekday_terms: bool | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "forms", tuple(ModelForm(f) for f in self.forms))
        object.__setattr__(self, "grid_c", tuple(float(t) for t in self.grid_c))
        if self.spreads_c is not None:
            object.__setattr__(self, "spreads_c", tuple(float(s) for s in self.spreads_c))


DEFAULT_SEARCH = SearchSettings()


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
) -> list[Option]:
    """The fixed-column sets to try: without and with weekday terms, or as asked."""
    columns = 1 + len(extra_names)
    if data.F.shape[2] != columns + (len(WEEKDAY_NAMES) if weekdays else 0):
        raise ValueError(f"{data.F.shape[2] - 1} extra variables but {len(extra_names)} names")
    if not weekdays:
        if weekday_terms:
            raise ValueError("weekday terms need the weekday of each point")
        return [Option(False, columns)]
    with_terms = Option(True, columns + len(WEEKDAY_NAMES))
    if weekday_terms is None:
        return [Option(False, columns), with_terms]
    return [with_terms] if weekday_terms else [Option(False, columns)]


def _run(
    data: Data, options: list[Option], forms: Sequence[ModelForm], search: SearchSettings
) -> list[list[Candidate]]:
    """Every meter's candidates."""
    spreads = search.spreads_c
    if spreads is None:
        spreads = SHARP if data.billing else tuple(DEFAULT_SPREADS_C.tolist())
    found, fixable = search_candidates(
        data,
        options,
        forms,
        grid=np.asarray(search.grid_c, dtype=np.float64),
        spreads=np.asarray(spreads, dtype=np.float64),
        min_side_points=search.min_side_points,
    )
    return qualify(found, fixable, data, options)


def select_many(
    temperature: npt.ArrayLike,
    energy: npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    extra: npt.ArrayLike | None = None,
    extra_names: Sequence[str] = (),
    weekdays: npt.ArrayLike | None = None,
    search: SearchSettings = DEFAULT_SEARCH,
) -> list[Selection | None]:
    """A selection per row (meter) of (meters, points) arrays; NaN marks a missing point.

    ``temperature`` is (meters, points) or, for billing periods, (meters, points, days) of
    daily values (NaN-padded); ``weights`` weigh points (period lengths); ``extra`` holds
    further relevant variables (meters, points, variables); ``weekdays`` (0 Monday .. 6
    Sunday per point) makes day-of-week terms a choice -- ``search.weekday_terms`` True or
    False fixes that choice instead. None for a meter whose data are too few for any model.
    """
    data = prepare(temperature, energy, weights, extra, weekdays)
    options = _options(data, extra_names, weekdays is not None, search.weekday_terms)
    T = np.asarray(temperature, dtype=np.float64).reshape(data.T.shape)
    selections: list[Selection | None] = []
    for row, found in enumerate(_run(data, options, search.forms, search)):
        chosen = choose(found, search.criterion)
        if chosen is None:
            selections.append(None)
            continue
        model = _fit(chosen, data, row, temperature=T[row], extra_names=extra_names)
        selections.append(Selection(model, tuple(found), search.criterion))
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
    search: SearchSettings = DEFAULT_SEARCH,
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
        search=search,
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
    search: SearchSettings = DEFAULT_SEARCH,
) -> ChangePointModel | None:
    """The best model of one form for one meter (with weekday terms if ``weekdays`` are
    given), whether or not its slopes are significant; None if no candidate has enough data.
    ``search`` gives the balance points, spreads and side points (its forms, criterion and
    weekday choice do not apply)."""
    y = np.asarray(energy, dtype=np.float64)
    data = prepare(
        _one(temperature),
        y[None],
        None if weights is None else _one(weights),
        None if extra is None else np.asarray(extra, dtype=np.float64).reshape(1, y.size, -1),
        None if weekdays is None else _one(weekdays),
    )
    options = _options(data, extra_names, weekdays is not None, weekdays is not None)
    ((candidate,),) = _run(data, options, [form], search)
    if not candidate.qualified and candidate.rejection not in NOT_SIGNIFICANT:
        return None
    T = np.asarray(temperature, dtype=np.float64).reshape(data.T.shape)
    return _fit(candidate, data, 0, temperature=T[0], extra_names=extra_names)
