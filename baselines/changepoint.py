"""Change-point models of energy against outdoor temperature (ASHRAE RP-1050, CalTRACK).

Forms, with h(T) = max(Tb - T, 0) heating and c(T) = max(T - Tc, 0) cooling degrees:

- ``intercept``:   E = b0
- ``2p``:          E = b0 + b1·T
- ``3p_heating``:  E = b0 + bh·h(T)                  (bh > 0)
- ``3p_cooling``:  E = b0 + bc·c(T)                  (bc > 0)
- ``4p``:          E = b0 + bh·h(T) + b2·max(T - Tb, 0)   (bh > 0; one change point, two slopes)
- ``5p``:          E = b0 + bh·h(T) + bc·c(T)        (bh, bc > 0, Th ≤ Tc)

Balance points are found by search over a grid (by default CalTRACK's 30-90 °F, in 1 °C
steps): for every candidate -- and for many meters at once -- the normal equations are formed
and solved as stacked arrays, and the candidate with the least squared error whose slopes have
the required sign wins. Other relevant variables (occupancy, opening days) enter as extra
columns of every candidate.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from baselines.stats import FloatArray, LinearFit, fit_linear

#: CalTRACK's balance-point range, 30..90 °F, in steps of 1 °C (finer than its 3 °F)
DEFAULT_GRID_C = np.arange(-1.0, 32.5, 1.0)
#: after the grid, the balance points are refined to this step within one grid step
REFINE_STEP_C = 0.1
#: a candidate needs this many points on each side of its balance point
MIN_ACTIVE_POINTS = 10
#: work arrays are kept below this many elements (memory, not speed, sets the chunk size)
_CHUNK_ELEMENTS = 4_000_000


class ModelForm(StrEnum):
    INTERCEPT = "intercept"
    TWO_P = "2p"
    THREE_P_HEATING = "3p_heating"
    THREE_P_COOLING = "3p_cooling"
    FOUR_P = "4p"
    FIVE_P = "5p"


#: coefficient names of each form, before any extra variables
COLUMNS: dict[ModelForm, tuple[str, ...]] = {
    ModelForm.INTERCEPT: ("intercept",),
    ModelForm.TWO_P: ("intercept", "temperature"),
    ModelForm.THREE_P_HEATING: ("intercept", "heating"),
    ModelForm.THREE_P_COOLING: ("intercept", "cooling"),
    ModelForm.FOUR_P: ("intercept", "heating", "above"),
    ModelForm.FIVE_P: ("intercept", "heating", "cooling"),
}
#: coefficients that must be positive for the form to make physical sense
POSITIVE: dict[ModelForm, tuple[str, ...]] = {
    ModelForm.THREE_P_HEATING: ("heating",),
    ModelForm.THREE_P_COOLING: ("cooling",),
    ModelForm.FOUR_P: ("heating",),
    ModelForm.FIVE_P: ("heating", "cooling"),
}


def _columns(
    form: ModelForm, temperature: FloatArray, heating_c: FloatArray, cooling_c: FloatArray
) -> list[FloatArray]:
    """The temperature columns of a form; broadcasting over candidate axes."""
    ones = np.ones(np.broadcast_shapes(temperature.shape, heating_c.shape, cooling_c.shape))
    if form is ModelForm.INTERCEPT:
        return [ones]
    if form is ModelForm.TWO_P:
        return [ones, temperature * ones]
    heating = np.maximum(heating_c - temperature, 0.0)
    cooling = np.maximum(temperature - cooling_c, 0.0)
    if form is ModelForm.THREE_P_HEATING:
        return [ones, heating]
    if form is ModelForm.THREE_P_COOLING:
        return [ones, cooling]
    if form is ModelForm.FOUR_P:
        return [ones, heating, np.maximum(temperature - heating_c, 0.0)]
    return [ones, heating, cooling]


def design(
    form: ModelForm,
    temperature: npt.ArrayLike,
    *,
    heating_c: float | None = None,
    cooling_c: float | None = None,
    extra: npt.ArrayLike | None = None,
) -> FloatArray:
    """The design matrix of one model at given balance points.

    ``temperature`` is one value per point, or -- for billing periods -- a row of daily values
    per point (NaN-padded): degrees are then taken per day and averaged over the period, the
    PRISM/ASHRAE way, so a period's heating degrees are not those of its mean temperature.
    """
    t = np.asarray(temperature, dtype=np.float64)
    h = np.asarray(math.nan if heating_c is None else heating_c)
    c = np.asarray(math.nan if cooling_c is None else cooling_c)
    columns = _columns(form, t, h, c)
    if t.ndim == 2:
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: unknown periods
            columns = [np.nanmean(column, axis=1) for column in columns]
    if extra is not None:
        more = np.asarray(extra, dtype=np.float64).reshape(t.shape[0], -1)
        columns += [more[:, j] for j in range(more.shape[1])]
    return np.column_stack(columns)


#: the column families of each form: a family is a set of columns, one per grid point
#: ("h" heating degrees, "c" cooling degrees, "a" degrees above a single change point) or a
#: single column ("1" the intercept, "t" the temperature itself)
FAMILIES: dict[ModelForm, tuple[str, ...]] = {
    ModelForm.INTERCEPT: ("1",),
    ModelForm.TWO_P: ("1", "t"),
    ModelForm.THREE_P_HEATING: ("1", "h"),
    ModelForm.THREE_P_COOLING: ("1", "c"),
    ModelForm.FOUR_P: ("1", "h", "a"),
    ModelForm.FIVE_P: ("1", "h", "c"),
}


def _candidates(form: ModelForm, size: int) -> dict[str, npt.NDArray[np.intp]]:
    """For each column family of a form, the grid index every candidate uses."""
    single = np.zeros(1, dtype=np.intp)
    families = FAMILIES[form]
    if "h" in families and "c" in families:  # 5P: heating balance at or below cooling
        heating, cooling = np.nonzero(np.triu(np.ones((size, size), dtype=bool)))
        index = {"h": heating, "c": cooling}
    elif "h" in families or "c" in families:
        grid = np.arange(size)
        index = {family: grid for family in families if family in "hca"}
    else:
        index = {}
    count = len(next(iter(index.values()))) if index else 1
    return {
        f: index.get(f, np.zeros(count, dtype=np.intp)) if f in "hca" else single.repeat(count)
        for f in families
    }


@dataclass(frozen=True)
class SearchResult:
    """Best balance points per meter (NaN where the form has none or nothing qualified)."""

    heating_c: FloatArray
    cooling_c: FloatArray
    sse: FloatArray  # inf where no candidate qualified


def _family_columns(family: str, T: FloatArray, grid: FloatArray) -> FloatArray:
    """(meters, columns, points) for one family; T is (meters, points[, days])."""
    by_day = T.ndim == 3
    t = T[:, None, :, :] if by_day else T[:, None, :]
    g = grid[None, :, None, None] if by_day else grid[None, :, None]
    if family == "1":
        return np.ones((T.shape[0], 1, T.shape[1]))
    if family == "t":
        values = t
    elif family == "h":
        values = np.maximum(g - t, 0.0)
    else:  # "c" cooling degrees, "a" degrees above a single change point: the same columns
        values = np.maximum(t - g, 0.0)
    if by_day:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: unknown periods
            values = np.nanmean(values, axis=3)
    return np.nan_to_num(values)  # unknown points carry weight 0


def _solve_chunk(
    form: ModelForm,
    *,
    T: FloatArray,
    Y: FloatArray,
    W: FloatArray,
    X_extra: FloatArray | None,
    points: FloatArray,
    index: dict[str, npt.NDArray[np.intp]],
    min_side_points: int,
) -> tuple[FloatArray, npt.NDArray[np.intp]]:
    """SSE of every candidate of some meters (inf where it does not qualify), and the best."""
    families = list(index)
    k = len(families)
    columns = {
        f: X_extra[:, None, :, int(f[1:])] if f.startswith("x") and X_extra is not None
        else _family_columns(f, T, points)
        for f in families
    }  # fmt: skip
    weighted = {f: c * W[:, None, :] for f, c in columns.items()}
    candidates = index["1"].size
    G = np.empty((T.shape[0], candidates, k, k))
    b = np.empty((T.shape[0], candidates, k))
    for i, fi in enumerate(families):
        b[:, :, i] = (weighted[fi] @ Y[:, :, None])[:, index[fi], 0]
        for j in range(i, k):
            fj = families[j]
            sums = weighted[fi] @ columns[fj].transpose(0, 2, 1)  # (meters, |fi|, |fj|)
            G[:, :, i, j] = G[:, :, j, i] = sums[:, index[fi], index[fj]]
    # A change point needs daily data on both of its sides: with no days beyond it the
    # "change" is not observed, and a 3P model degenerates into a 2P line. Billing periods
    # average daily degrees, so few periods have none at all: for them, the active side only.
    active = W > 0
    valid = np.ones(G.shape[:2], dtype=bool)
    for family in ("h", "c", "a"):
        if family in index:
            beyond = (columns[family] > 0) & active[:, None, :]
            valid &= beyond.sum(axis=2)[:, index[family]] >= min_side_points
            if T.ndim == 2:
                within = (columns[family] == 0) & active[:, None, :]
                valid &= within.sum(axis=2)[:, index[family]] >= min_side_points
    scale = np.prod(np.diagonal(G, axis1=2, axis2=3), axis=2)
    valid &= np.abs(np.linalg.det(G)) > 1e-10 * np.abs(scale)  # singular: degenerate candidate
    G = np.where(valid[..., None, None], G, np.eye(k))
    beta = np.linalg.solve(G, b[..., None])[..., 0]
    sse = np.einsum("mn,mn->m", W * Y, Y)[:, None] - np.einsum("mck,mck->mc", beta, b)
    names = COLUMNS[form]
    for name in POSITIVE.get(form, ()):
        valid &= beta[..., names.index(name)] > 0
    sse = np.where(valid, sse, np.inf)
    return sse, np.argmin(sse, axis=1)


def search(
    form: ModelForm,
    temperature: npt.ArrayLike,
    energy: npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    extra: npt.ArrayLike | None = None,
    grid: npt.ArrayLike = DEFAULT_GRID_C,
    min_side_points: int = MIN_ACTIVE_POINTS,
) -> SearchResult:
    """Best balance points of ``form`` for each row (meter) of 2-D inputs.

    ``temperature`` and ``energy`` are (meters, points); ``weights`` of 0 mark missing points
    (and carry period lengths for billing data); ``extra`` is (meters, points, variables).

    Every entry of the normal equations is a sum over points of a product of two columns, so
    for all candidates at once they come from a few matrix products per pair of column
    families; each candidate then picks its entries by index and the small systems are solved
    together.
    """
    T = np.asarray(temperature, dtype=np.float64)
    Y = np.atleast_2d(np.asarray(energy, dtype=np.float64))
    T = T.reshape(Y.shape[0], Y.shape[1], -1) if T.ndim == 3 else np.atleast_2d(T)
    W = np.ones_like(Y) if weights is None else np.atleast_2d(np.asarray(weights, dtype=np.float64))
    known_t = np.isfinite(T).any(axis=2) if T.ndim == 3 else np.isfinite(T)
    W = np.where(np.isfinite(Y) & known_t, W, 0.0)
    Y = np.nan_to_num(Y)
    if T.ndim == 2:
        T = np.nan_to_num(T)
    points = np.asarray(grid, dtype=np.float64)
    X_extra = None if extra is None else np.asarray(extra, dtype=np.float64).reshape(*T.shape, -1)
    index = _candidates(form, points.size)
    if X_extra is not None:
        index |= {f"x{j}": np.zeros_like(index["1"]) for j in range(X_extra.shape[2])}
    meters, n = Y.shape
    best = SearchResult(
        np.full(meters, math.nan), np.full(meters, math.nan), np.full(meters, np.inf)
    )
    days = T.shape[2] if T.ndim == 3 else 1
    chunk = max(1, _CHUNK_ELEMENTS // max(1, points.size * n * days * 3))
    for start in range(0, meters, chunk):
        rows = slice(start, start + chunk)
        extras = None if X_extra is None else X_extra[rows]
        sse, choice = _solve_chunk(
            form,
            T=T[rows],
            Y=Y[rows],
            W=W[rows],
            X_extra=extras,
            points=points,
            index=index,
            min_side_points=min_side_points,
        )
        picked = np.take_along_axis(sse, choice[:, None], axis=1)[:, 0]
        found = np.isfinite(picked)
        best.sse[rows] = picked
        m = picked.size
        heating = points[index["h"][choice]] if "h" in index else np.full(m, math.nan)
        cooling = points[index["c"][choice]] if "c" in index else np.full(m, math.nan)
        best.heating_c[rows] = np.where(found, heating, math.nan)
        best.cooling_c[rows] = np.where(found, cooling, math.nan)
    return best


def refine_grid(grid: npt.ArrayLike, heating_c: float, cooling_c: float) -> FloatArray | None:
    """Candidates in ``REFINE_STEP_C`` steps within one coarse step of the coarse optimum."""
    points = [p for p in (heating_c, cooling_c) if math.isfinite(p)]
    if not points:
        return None
    coarse = np.asarray(grid, dtype=np.float64)
    step = float(np.min(np.diff(coarse))) if coarse.size > 1 else 1.0
    low, high = min(points) - step, max(points) + step
    return np.round(np.arange(low, high + REFINE_STEP_C / 2, REFINE_STEP_C), 6)


@dataclass(frozen=True)
class ChangePointModel:
    """One fitted model: its form, balance points, extra variables and statistics."""

    form: ModelForm
    heating_c: float | None
    cooling_c: float | None
    fit: LinearFit
    extra_names: tuple[str, ...] = ()

    def design(self, temperature: npt.ArrayLike, extra: npt.ArrayLike | None = None) -> FloatArray:
        return design(
            self.form, temperature, heating_c=self.heating_c, cooling_c=self.cooling_c, extra=extra
        )

    def predict(self, temperature: npt.ArrayLike, extra: npt.ArrayLike | None = None) -> FloatArray:
        """Expected consumption at the given temperatures (and extra variables)."""
        return self.design(temperature, extra) @ self.fit.coef

    def positive_ok(self) -> bool:
        return all(self.fit.coefficient(name) > 0 for name in POSITIVE.get(self.form, ()))

    def to_dict(self) -> dict[str, object]:
        return {
            "form": self.form.value,
            "heating_balance_c": self.heating_c,
            "cooling_balance_c": self.cooling_c,
            "extra_variables": list(self.extra_names),
            **self.fit.summary(),
        }


def fit_form(
    form: ModelForm,
    temperature: npt.ArrayLike,
    energy: npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    extra: npt.ArrayLike | None = None,
    extra_names: Sequence[str] = (),
    grid: npt.ArrayLike = DEFAULT_GRID_C,
    min_side_points: int = MIN_ACTIVE_POINTS,
    refine: bool = False,
) -> ChangePointModel | None:
    """The best model of one form for one meter, or None if no candidate qualifies.

    With ``refine``, balance points are refined to 0.1 °C around the grid's best.
    """
    t = np.asarray(temperature, dtype=np.float64)
    y = np.asarray(energy, dtype=np.float64)
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    keep = (np.isfinite(t).any(axis=1) if t.ndim == 2 else np.isfinite(t)) & np.isfinite(y)
    if w is not None:
        keep &= w > 0
    x_extra = None if extra is None else np.asarray(extra, dtype=np.float64).reshape(t.shape[0], -1)
    if len(COLUMNS[form]) + len(extra_names) >= keep.sum():
        return None

    def best(candidates: npt.ArrayLike) -> SearchResult:
        return search(
            form,
            t[None, keep],
            y[None, keep],
            weights=None if w is None else w[None, keep],
            extra=None if x_extra is None else x_extra[None, keep],
            grid=candidates,
            min_side_points=min_side_points,
        )

    searched = any(family in "hca" for family in FAMILIES[form])
    found = best(grid) if searched else None  # intercept and 2P have no balance point
    if found is None:
        heating = cooling = None
    elif not np.isfinite(found.sse[0]):
        return None
    else:
        fine = refine_grid(grid, found.heating_c[0], found.cooling_c[0]) if refine else None
        if fine is not None:
            finer = best(fine)
            if finer.sse[0] <= found.sse[0]:
                found = finer
        heating = None if math.isnan(found.heating_c[0]) else float(found.heating_c[0])
        cooling = None if math.isnan(found.cooling_c[0]) else float(found.cooling_c[0])
    X = design(
        form,
        t[keep],
        heating_c=heating,
        cooling_c=cooling,
        extra=None if x_extra is None else x_extra[keep],
    )
    names = (*COLUMNS[form], *extra_names)
    fit = fit_linear(X, y[keep], names, weights=None if w is None else w[keep])
    return ChangePointModel(form, heating, cooling, fit, tuple(extra_names))
