"""The change-point search: every candidate of every form, for many meters at once.

A change-point model is a few *fixed* columns -- the intercept, further relevant variables and,
optionally, day-of-week terms -- plus one or two hinge columns whose change point (and spread)
is searched. By the Frisch-Waugh-Lovell theorem the fixed columns can be partialled out once
per meter: each candidate's slopes, its error sum of squares and its slopes' variances then
follow from sums over the data in closed form (1×1 or 2×2 systems), for all candidates of all
meters together. Selection needs no more than that -- the slopes' signs and p values, adjusted
R² and BIC -- so the full fit, with every statistic, is computed only for the model chosen.
The sums themselves come from ``baselines.sums``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

from baselines.changepoint import ModelForm
from baselines.stats import FloatArray, row_means
from baselines.sums import Data, Family

#: work arrays are kept below this many elements (memory, not speed, sets the chunk size)
CHUNK_ELEMENTS = 3_000_000
#: a candidate is degenerate when partialling out the fixed columns leaves less than this
#: share of its column (it is then almost a combination of them)
_DEGENERATE = 1e-9


@dataclass(frozen=True)
class Fixed:
    """The fixed columns' part of the normal equations; columns a row's option leaves out
    (all zero) are absent from it."""

    A_inv: FloatArray  # (meters, q, q)
    fy: FloatArray  # (meters, q)
    sse: FloatArray  # (meters,): the error of the fixed columns alone; inf if singular

    @classmethod
    def of(cls, data: Data, columns: npt.NDArray[np.intp]) -> Fixed:
        """``columns``: how many fixed columns each row must have with data; columns that are
        all zero are left out (a row for a model without them), and a row with fewer than
        ``columns`` left (e.g. a weekday without data) cannot be fitted: its sse is inf."""
        F = data.F
        Fw = F * data.W[:, :, None]
        A = Fw.transpose(0, 2, 1) @ F
        absent = np.diagonal(A, axis1=1, axis2=2) == 0
        A = A + absent[:, :, None] * np.eye(A.shape[1])
        fy = np.einsum("mnq,mn->mq", Fw, data.Y)
        scale = np.prod(np.diagonal(A, axis1=1, axis2=2), axis=1)
        ok = np.abs(np.linalg.det(A)) > 1e-10 * np.abs(scale)
        ok &= (~absent).sum(axis=1) == columns
        A_inv = np.linalg.inv(np.where(ok[:, None, None], A, np.eye(A.shape[1])))
        yy = np.einsum("mn,mn->m", data.W * data.Y, data.Y)
        sse = yy - np.einsum("mq,mq->m", fy, np.einsum("mqr,mr->mq", A_inv, fy))
        return cls(A_inv, fy, np.where(ok, sse, np.inf))


def partial(family: Family, fixed: Fixed) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(P, x'x, x'y) of a family's columns with the fixed columns partialled out; P maps
    fixed sums to them."""
    P = family.XF @ fixed.A_inv[:, None, :, :]
    xx = family.XX - np.einsum("msbq,msbq->msb", P, family.XF)
    xy = family.Xy - np.einsum("msbq,mq->msb", P, fixed.fy)
    return P, xx, xy


@dataclass(frozen=True)
class Best:
    """Each meter's best candidate of one form with one set of fixed columns.

    ``slopes`` and ``inverse`` hold the searched columns' coefficients and the diagonal of
    their partialled Gram matrix's inverse (NaN for an absent second column); ``sse`` is inf
    where no candidate qualified.
    """

    heating_c: FloatArray
    cooling_c: FloatArray
    spread_c: FloatArray
    sse: FloatArray
    slopes: FloatArray  # (meters, 2)
    inverse: FloatArray  # (meters, 2)
    #: (meters, 2), per searched slope: the total variation of its column's projection (the
    #: added-variable statistic's numerator) along the balance points searched, divided by the
    #: root of the chosen candidate's error sum of squares -- times the root of its degrees of
    #: freedom, the V of Davies's bound for a test after a search (``search_corrected_p``);
    #: NaN where nothing was searched
    variation: FloatArray


def _pick(sse: FloatArray, **fields: FloatArray) -> tuple[FloatArray, dict[str, FloatArray]]:
    """Each meter's least-error candidate: its error, and each field there (NaN if none).

    ``sse`` is (meters, candidate axes...); each field has as many axes, of the same size or 1.
    """
    m = sse.shape[0]
    choice = np.argmin(sse.reshape(m, -1), axis=1)
    index = np.unravel_index(choice, sse.shape[1:])
    rows = np.arange(m)
    best = sse[(rows, *index)]
    found = np.isfinite(best)
    picked = {}
    for name, field in fields.items():
        at = tuple(i if size > 1 else 0 for i, size in zip(index, field.shape[1:], strict=True))
        picked[name] = np.where(found, field[(rows if field.shape[0] > 1 else 0, *at)], math.nan)
    return best, picked


def _best(sse: FloatArray, values: dict[str, FloatArray]) -> Best:
    nan = np.full(sse.shape, math.nan)

    def get(name: str) -> FloatArray:
        return values.get(name, nan)

    return Best(
        heating_c=get("heating"),
        cooling_c=get("cooling"),
        spread_c=get("spread"),
        sse=sse,
        slopes=np.column_stack([get("slope_h"), get("slope_c")]),
        inverse=np.column_stack([get("inverse_h"), get("inverse_c")]),
        variation=np.column_stack([get("variation_h"), get("variation_c")]),
    )


def fixed_only(fixed: Fixed) -> Best:
    """The intercept form: the fixed columns alone."""
    return _best(fixed.sse, {})


def line(data: Data, fixed: Fixed) -> Best:
    """The 2P form: temperature itself as the one searched column (nothing to search)."""
    t = np.nan_to_num(row_means(data.T) if data.billing else data.T)
    tw = t * data.W
    XF = np.einsum("mn,mnq->mq", tw, data.F)
    P = np.einsum("mq,mqr->mr", XF, fixed.A_inv)
    tt = np.einsum("mn,mn->m", tw, t)
    xx = tt - np.einsum("mq,mq->m", P, XF)
    xy = np.einsum("mn,mn->m", tw, data.Y) - np.einsum("mq,mq->m", P, fixed.fy)
    ok = xx > _DEGENERATE * tt
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = xy / xx
        sse = np.where(ok, fixed.sse - xy * slope, np.inf)
        inverse = 1.0 / xx
    found = np.isfinite(sse)
    return _best(
        sse,
        {
            "slope_h": np.where(found, slope, math.nan),
            "inverse_h": np.where(found, inverse, math.nan),
        },
    )


def single(family: Family, fixed: Fixed) -> Best:
    """3P heating or cooling: one hinge column, its slope positive."""
    _, xx, xy = partial(family, fixed)
    ok = (xx > _DEGENERATE * family.XX) & family.side_ok[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = xy / xx
    ok &= slope > 0
    sse = np.where(ok, fixed.sse[:, None, None] - xy * slope, np.inf)
    best, values = _pick(
        sse,
        centre=family.centres[:, None, :],
        spread=family.spreads[:, :, None],
        slope_h=slope,
        xx=xx,
    )
    values["heating" if family.side == "h" else "cooling"] = values.pop("centre")
    with np.errstate(divide="ignore", invalid="ignore"):
        values["inverse_h"] = 1.0 / values.pop("xx")
        # the projection of y on each balance point's normalised hinge, kept where the slope
        # has its sign (the one-sided process), along the balance points at the chosen spread
        usable = (xx > _DEGENERATE * family.XX) & family.side_ok[:, None, :]
        projection = np.where(usable, np.maximum(xy, 0.0) / np.sqrt(xx), math.nan)
        m = sse.shape[0]
        choice = np.argmin(sse.reshape(m, -1), axis=1)
        spread_at, centre_at = choice // sse.shape[2], choice % sse.shape[2]
        rows = np.arange(m)
        # along the balance points at the chosen spread, then along the spreads there
        along = _variation(projection[rows, spread_at]) + _variation(projection[rows, :, centre_at])
        values["variation_h"] = along / np.sqrt(best)
    return _best(best, values)


def _variation(paths: FloatArray) -> FloatArray:
    """The total variation of each row along its axis, over the finite points in order."""
    if paths.shape[1] < 2:
        return np.zeros(paths.shape[0])
    positions = np.where(np.isfinite(paths), np.arange(paths.shape[1]), 0)
    np.maximum.accumulate(positions, axis=1, out=positions)  # each point's last finite one
    held = np.take_along_axis(paths, positions, axis=1)
    steps: FloatArray = np.abs(np.diff(held, axis=1))
    total: FloatArray = np.where(np.isfinite(steps), steps, 0.0).sum(axis=1)
    return total


def search_corrected_p(t: FloatArray, p: FloatArray, variation: FloatArray) -> FloatArray:
    """A slope's p value allowing for the balance point it was searched at (Davies 1987).

    The slope is tested at the best of many balance points, so its plain t-test p value is
    too small: with no weather dependence a temperature term would be selected far more often
    than the test's level says. Davies's bound for the largest of a smooth family of test
    statistics, P(sup |Z| > u) <= P(|Z| > u) + V exp(-u²/2) / π, adds a term that grows with
    V, how much the statistic varies along the balance points searched: nothing for a search
    over one point, much for a statistic that wanders. NaN ``variation``: no search (the
    plain p stands).
    """
    with np.errstate(invalid="ignore", over="ignore"):
        extra = np.where(np.isfinite(variation), variation * np.exp(-0.5 * t * t) / math.pi, 0.0)
    return np.minimum(1.0, p + extra)


def pair(
    heating: Family, cooling: Family, fixed: Fixed, raw: FloatArray, *, same_centre: bool
) -> Best:
    """Two hinge columns with a shared spread.

    ``same_centre``: the 4P form (heating below and a second slope above one change point;
    the heating slope positive). Otherwise the 5P form: both slopes positive and the heating
    band below the cooling band (Tc - Th >= 2·spread: a building does not heat and cool at
    the same outdoor temperature). ``raw`` is their ``cross``.
    """
    Ph, hh, hy = partial(heating, fixed)
    _, cc, cy = partial(cooling, fixed)
    if same_centre:
        hc = raw - np.einsum("msbq,msbq->msb", Ph, cooling.XF)
        side_ok = (heating.side_ok & cooling.side_ok)[:, None, :]
        scale = heating.XX * cooling.XX
        centre_h = heating.centres[:, None, :]
        centre_c = None
    else:  # the ordered pairs only, laid out (meters, spreads, pairs)
        i, j = _ordered_pairs(heating.centres[0], cooling.centres[0])
        flat = i * cooling.centres.shape[1] + j
        full = raw - Ph @ cooling.XF.transpose(0, 1, 3, 2)
        hc = np.take(full.reshape(*full.shape[:2], -1), flat, axis=-1)
        hh, hy = np.take(hh, i, axis=-1), np.take(hy, i, axis=-1)
        cc, cy = np.take(cc, j, axis=-1), np.take(cy, j, axis=-1)
        side_ok = (np.take(heating.side_ok, i, axis=-1) & np.take(cooling.side_ok, j, axis=-1))[
            :, None, :
        ]
        # a dead band: the heating band ends where the cooling band begins, or below it
        gap = np.take(cooling.centres, j, axis=-1) - np.take(heating.centres, i, axis=-1)
        side_ok = side_ok & (gap[:, None, :] >= 2 * heating.spreads[:, :, None])
        scale = np.take(heating.XX, i, axis=-1) * np.take(cooling.XX, j, axis=-1)
        centre_h = np.take(heating.centres, i, axis=-1)[:, None, :]
        centre_c = np.take(cooling.centres, j, axis=-1)[:, None, :]
    # slopes b_h = n_h/det and b_c = n_c/det by Cramer's rule; det > 0 for a valid candidate
    det = hh * cc - hc * hc
    n_h = cc * hy - hc * cy
    n_c = hh * cy - hc * hy
    ok = side_ok & (det > _DEGENERATE * scale) & (n_h > 0)
    if not same_centre:
        ok &= n_c > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = (n_h * hy + n_c * cy) / det
    sse = np.where(ok, fixed.sse[:, None, None] - gain, np.inf)
    spread = heating.spreads[:, :, None]
    fields = {"heating": centre_h, "spread": spread, "n_h": n_h, "n_c": n_c}
    if centre_c is not None:  # 4P reports its one change point as the heating balance point
        fields["cooling"] = centre_c
    best, values = _pick(sse, **fields, hh=hh, cc=cc, det=det)
    with np.errstate(divide="ignore", invalid="ignore"):
        det_at = values.pop("det")
        values["slope_h"] = values.pop("n_h") / det_at
        values["slope_c"] = values.pop("n_c") / det_at
        values["inverse_h"] = values.pop("cc") / det_at
        values["inverse_c"] = values.pop("hh") / det_at
    if not same_centre:
        usable = side_ok & (det > _DEGENERATE * scale)
        values.update(
            _pair_variation(
                sse, best, usable=usable, n_h=n_h, n_c=n_c, hh=hh, cc=cc, det=det, i=i, j=j
            )
        )
    return _best(best, values)


def _pair_variation(
    sse: FloatArray,
    best: FloatArray,
    *,
    usable: npt.NDArray[np.bool_],
    n_h: FloatArray,
    n_c: FloatArray,
    hh: FloatArray,
    cc: FloatArray,
    det: FloatArray,
    i: npt.NDArray[np.intp],
    j: npt.NDArray[np.intp],
) -> dict[str, FloatArray]:
    """5P: each slope's variation along each searched parameter -- the heating point, the
    cooling point, the spread -- with the others held where chosen.

    A slope's added-variable statistic is n / sqrt(det · (the other column's x'x)); pairs are
    laid out heating index first, so the pairs sharing the chosen heating point run along the
    cooling points in order, and those sharing the chosen cooling point along the heating ones.
    """
    m = sse.shape[0]
    choice = np.argmin(sse.reshape(m, -1), axis=1)
    spread_at, pair_at = choice // sse.shape[2], choice % sse.shape[2]
    rows = np.arange(m)
    same_heating = i[None, :] == i[pair_at][:, None]  # the cooling point moves
    same_cooling = j[None, :] == j[pair_at][:, None]  # the heating point moves
    found = {}

    def statistic(index: tuple[Any, ...], n: FloatArray, other: FloatArray) -> FloatArray:
        return np.where(
            usable[index], np.maximum(n[index], 0.0) / np.sqrt(other[index] * det[index]), math.nan
        )

    at_spread = (rows, spread_at)  # (meters, pairs): the chosen spread
    at_pair = (rows, slice(None), pair_at)  # (meters, spreads): the chosen pair
    with np.errstate(divide="ignore", invalid="ignore"):
        for side, n, other in (("h", n_h, cc), ("c", n_c, hh)):
            at = statistic(at_spread, n, other)
            # along each searched parameter in turn, the others where chosen
            along = _variation(np.where(same_heating, at, math.nan))
            along += _variation(np.where(same_cooling, at, math.nan))
            along += _variation(statistic(at_pair, n, other))
            found[f"variation_{side}"] = along / np.sqrt(best)
    return found


def _ordered_pairs(
    heating: FloatArray, cooling: FloatArray
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Indexes (i, j) of the centre pairs with heating[i] <= cooling[j] (the same for every
    meter: the search's centres are shared)."""
    i, j = np.nonzero(heating[:, None] <= cooling[None, :])
    return i, j


def best_of(
    form: ModelForm,
    data: Data,
    fixed: Fixed,
    families: dict[str, Family],
    crosses: dict[bool, FloatArray],
) -> Best:
    """The best candidate of ``form`` per meter, from families built for it."""
    if form is ModelForm.INTERCEPT:
        return fixed_only(fixed)
    if form is ModelForm.TWO_P:
        return line(data, fixed)
    if form is ModelForm.THREE_P_HEATING:
        return single(families["h"], fixed)
    if form is ModelForm.THREE_P_COOLING:
        return single(families["c"], fixed)
    same_centre = form is ModelForm.FOUR_P
    return pair(families["h"], families["c"], fixed, crosses[same_centre], same_centre=same_centre)


def p_values(t: FloatArray, dof: FloatArray) -> FloatArray:
    """Two-sided p values of t statistics with ``dof`` degrees of freedom."""
    with np.errstate(invalid="ignore"):
        result: FloatArray = 2 * special.stdtr(dof, -np.abs(t))
    return result
