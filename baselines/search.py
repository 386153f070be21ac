"""The change-point search: every candidate of every form, for many meters at once.

A change-point model is a few *fixed* columns -- the intercept, further relevant variables and,
optionally, day-of-week terms -- plus one or two hinge columns whose change point (and spread)
is searched. By the Frisch-Waugh-Lovell theorem the fixed columns can be partialled out once
per meter: each candidate's slopes, its error sum of squares and its slopes' variances then
follow from sums over the data in closed form (1×1 or 2×2 systems), for all candidates of all
meters together. Selection needs no more than that -- the slopes' signs and p values, adjusted
R² and BIC -- so the full fit, with every statistic, is computed only for the model chosen.

Candidates whose change point has fewer than ``min_side_points`` days on either side are not
considered: with no days beyond it the "change" is not observed. For billing periods (daily
temperatures averaged per period) only the temperature-dependent side is counted.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast

import numpy as np
import numpy.typing as npt
from scipy import special

from baselines.changepoint import ModelForm
from baselines.stats import FloatArray

_Array = TypeVar("_Array", bound=npt.NDArray[Any])

#: work arrays are kept below this many elements (memory, not speed, sets the chunk size)
CHUNK_ELEMENTS = 3_000_000
#: a candidate is degenerate when partialling out the fixed columns leaves less than this
#: share of its column (it is then almost a combination of them)
_DEGENERATE = 1e-9


@dataclass(frozen=True)
class Data:
    """Inputs prepared for the search; ``W`` is 0 on unknown points."""

    T: FloatArray  # (meters, points) or, for billing periods, (meters, points, days)
    Y: FloatArray  # (meters, points)
    W: FloatArray  # (meters, points)
    F: FloatArray  # (meters, points, fixed columns): intercept, extras, then day terms

    @property
    def billing(self) -> bool:
        return self.T.ndim == 3

    def rows(self, rows: slice) -> Data:
        return Data(self.T[rows], self.Y[rows], self.W[rows], self.F[rows])


@dataclass(frozen=True)
class Fixed:
    """The fixed columns' part of the normal equations, for the first ``q`` fixed columns."""

    q: int
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
        return cls(A.shape[1], A_inv, fy, np.where(ok, sse, np.inf))


@dataclass(frozen=True)
class Moments:
    """Each meter's points sorted by temperature, with cumulative weighted power sums.

    ``M[m, i, z, k]`` is the sum over the first ``i`` points of w·z·t^k for z the fixed columns
    then energy, and k = 0..4, with t measured from ``origin`` (each meter's mean temperature,
    which keeps the powers small). A hinge is a polynomial of t on each side of its band
    edges, so the sums of any candidate's column -- times a fixed column, times energy, times
    itself or another hinge -- are differences of ``M`` at those edges: their cost does not
    grow with the number of points.
    """

    t: FloatArray  # (meters, points) sorted; +inf for inactive points, which sort last
    origin: FloatArray  # (meters,)
    M: FloatArray  # (meters, points + 1, fixed columns + 1, 5)

    @classmethod
    def of(cls, data: Data) -> Moments:
        W, T = data.W, data.T
        active = W > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            origin = np.nan_to_num(np.einsum("mn,mn->m", W, T) / W.sum(axis=1))
        shifted = np.where(active, T - origin[:, None], np.inf)
        order = np.argsort(shifted, axis=1, kind="stable")
        t = np.take_along_axis(shifted, order, axis=1)
        w = np.take_along_axis(W, order, axis=1)
        z = np.concatenate([data.F, data.Y[:, :, None]], axis=2)
        z = np.take_along_axis(z, order[:, :, None], axis=1) * w[:, :, None]
        powers = np.where(np.isfinite(t), t, 0.0)[:, :, None] ** np.arange(5.0)
        M = np.zeros((t.shape[0], t.shape[1] + 1, z.shape[2], 5))
        np.cumsum(z[:, :, :, None] * powers[:, :, None, :], axis=1, out=M[:, 1:])
        return cls(t, origin, M)

    def count_below(self, cuts: FloatArray, *, inclusive: bool = False) -> npt.NDArray[np.intp]:
        """Active points below each cut (at or below with ``inclusive``); cuts (meters, ...)."""
        side: Literal["left", "right"] = "right" if inclusive else "left"
        result = np.empty(cuts.shape, dtype=np.intp)
        for row in range(cuts.shape[0]):
            result[row] = np.searchsorted(self.t[row], cuts[row], side=side)
        return result

    def between(
        self, lo: npt.NDArray[np.intp], hi: npt.NDArray[np.intp], z: int | None = None
    ) -> FloatArray:
        """Sums over the points [lo, hi) of each meter: (meters, ..., z, k), or of one z."""
        rows = np.arange(self.M.shape[0]).reshape(-1, *([1] * (lo.ndim - 1)))
        M = self.M if z is None else self.M[:, :, z, :]
        result: FloatArray = M[rows, hi] - M[rows, lo]
        return result


def _powers(*coefficients: FloatArray, shape: tuple[int, ...]) -> FloatArray:
    """Polynomial coefficients (of t^0, t^1, ...) stacked on a last axis of length 5."""
    result = np.zeros((*shape, 5))
    for k, c in enumerate(coefficients):
        result[..., k] = c
    return result


@dataclass(frozen=True)
class Family:
    """Hinge columns of one side at candidate (centre, spread) pairs: their sums.

    Candidates are laid out (meters, spreads, centres). Daily data use ``Moments`` (``lo`` and
    ``hi`` index each band's edges in the sorted points); billing periods average daily
    degrees per period, so their columns are formed (``columns``, ``weighted``).
    """

    side: str  # "h": heating, max(Tb - T, 0); "c": cooling (or degrees above), max(T - Tb, 0)
    centres: FloatArray  # (meters, B)
    spreads: FloatArray  # (meters, S)
    XF: FloatArray  # (meters, S, B, fixed columns)
    Xy: FloatArray  # (meters, S, B)
    XX: FloatArray  # (meters, S, B)
    side_ok: npt.NDArray[np.bool_]  # (meters, B)
    lo: npt.NDArray[np.intp] | None = None  # (meters, S, B): first point in the band
    hi: npt.NDArray[np.intp] | None = None  # (meters, S, B): first point above the band
    columns: FloatArray | None = None  # (meters, S, B, points)
    weighted: FloatArray | None = None  # columns times weights

    @classmethod
    def both(
        cls,
        data: Data,
        moments: Moments | None,
        centres: FloatArray,
        spreads: FloatArray,
        min_side_points: int,
    ) -> tuple[Family, Family]:
        """The heating and the cooling family at the same candidates."""
        if moments is None:
            heating_columns, cooling_columns = period_columns(data.T, centres, spreads)
            known = data.W > 0
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: unknown periods
                coldest, warmest = np.nanmin(data.T, axis=2), np.nanmax(data.T, axis=2)
            return (
                cls._formed(
                    "h", data, heating_columns, centres=centres, spreads=spreads,
                    side_ok=_beyond("h", coldest, centres, known) >= min_side_points,
                ),
                cls._formed(
                    "c", data, cooling_columns, centres=centres, spreads=spreads,
                    side_ok=_beyond("c", warmest, centres, known) >= min_side_points,
                ),
            )  # fmt: skip
        g = (centres - moments.origin[:, None])[:, None, :]  # (m, 1, B)
        a = spreads[:, :, None]  # (m, S, 1)
        shape = np.broadcast_shapes(g.shape, a.shape)
        lo = moments.count_below(np.broadcast_to(g - a, shape))  # the band is [lo, hi)
        hi = moments.count_below(np.broadcast_to(g + a, shape))
        at_lo = moments.between(np.zeros_like(lo), lo)
        at_hi = moments.between(np.zeros_like(hi), hi)
        below, inside, above = at_lo, at_hi - at_lo, moments.M[:, -1, None, None] - at_hi
        quarter = np.divide(0.25, a, out=np.zeros(a.shape), where=a > 0)
        sixteenth = quarter * quarter
        ones = np.ones(shape)
        square = _powers(g * g, -2 * g, ones, shape=shape)  # (g - t)², either side
        # heating: g - t below the band, (u - t)²/4a in it; cooling: t - g above the band,
        # (t - v)²/4a in it; and their squares
        u, v = g + a, g - a
        sides = {
            "h": (below, _powers(g, -ones, shape=shape), u),
            "c": (above, _powers(-g, ones, shape=shape), v),
        }
        at = g[:, 0, :]
        active = moments.count_below(np.full((at.shape[0], 1), np.inf))
        beyond = {
            "h": moments.count_below(at),
            "c": active - moments.count_below(at, inclusive=True),
        }
        families = []
        for side, (outer, line, w) in sides.items():
            band = _powers(w * w * quarter, -2 * w * quarter, quarter, shape=shape)
            band2 = _powers(
                w**4 * sixteenth, -4 * w**3 * sixteenth, 6 * w * w * sixteenth,
                -4 * w * sixteenth, sixteenth, shape=shape,
            )  # fmt: skip
            first = np.einsum("msbzk,msbk->msbz", outer, line)
            first += np.einsum("msbzk,msbk->msbz", inside, band)
            XX = np.einsum("msbk,msbk->msb", outer[..., 0, :], square)
            XX += np.einsum("msbk,msbk->msb", inside[..., 0, :], band2)
            far = beyond[side]
            families.append(
                cls(
                    side=side,
                    centres=centres,
                    spreads=spreads,
                    XF=first[..., :-1],
                    Xy=first[..., -1],
                    XX=XX,
                    side_ok=(far >= min_side_points) & (active - far >= min_side_points),
                    lo=lo,
                    hi=hi,
                )
            )
        heating, cooling = families
        return heating, cooling

    @classmethod
    def _formed(
        cls,
        side: str,
        data: Data,
        columns: FloatArray,
        *,
        centres: FloatArray,
        spreads: FloatArray,
        side_ok: npt.NDArray[np.bool_],
    ) -> Family:
        """A family from its columns (meters, S, B, points): periods of several readings."""
        weighted = columns * data.W[:, None, None, :]
        return cls(
            side=side,
            centres=centres,
            spreads=spreads,
            XF=weighted @ data.F[:, None, :, :],
            Xy=np.einsum("msbn,mn->msb", weighted, data.Y),
            XX=np.einsum("msbn,msbn->msb", weighted, columns),
            side_ok=side_ok,
            columns=columns,
            weighted=weighted,
        )

    def expand(self, keep: npt.NDArray[np.bool_]) -> Family:
        """Each row repeated once per fixed-column set of ``keep`` (sets, fixed columns),
        its sums with the columns a set leaves out zeroed."""
        k = keep.shape[0]

        def repeat(array: _Array) -> _Array:
            return cast(_Array, np.repeat(array, k, axis=0))

        mask = np.tile(keep, (self.XF.shape[0], 1))[:, None, None, :]
        return Family(
            side=self.side,
            centres=repeat(self.centres),
            spreads=repeat(self.spreads),
            XF=repeat(self.XF) * mask,
            Xy=repeat(self.Xy),
            XX=repeat(self.XX),
            side_ok=repeat(self.side_ok),
        )

    def partial(self, fixed: Fixed) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(P, x'x, x'y) with the fixed columns partialled out; P maps fixed sums to them."""
        XF = self.XF[..., : fixed.q]
        P = XF @ fixed.A_inv[:, None, :, :]
        xx = self.XX - np.einsum("msbq,msbq->msb", P, XF)
        xy = self.Xy - np.einsum("msbq,mq->msb", P, fixed.fy)
        return P, xx, xy


def period_columns(
    T: FloatArray, centres: FloatArray, spreads: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Heating and cooling degrees averaged over each period's readings, for every candidate.

    ``T`` is (meters, periods, readings), NaN-padded: days of a billing period, or hours of a
    day (degree-hours). Each reading contributes to the cumulative count, sum and sum of
    squares of readings below every band edge; a candidate's column is then a polynomial of
    those at its two edges, so the cost does not grow with the readings per period.
    Returns two (meters, S, B, periods) arrays.
    """
    m, n, _ = T.shape
    g = centres[:, None, :]  # (m, 1, B)
    a = spreads[:, :, None]  # (m, S, 1)
    low, high = np.broadcast_arrays(g - a, g + a)
    cuts = np.unique(np.concatenate([low.ravel(), high.ravel()]))
    size = cuts.size + 1
    finite = np.isfinite(T)
    values = np.where(finite, T, 0.0)
    slot = np.searchsorted(cuts, T, side="right")  # a reading is below the cuts from here on
    bins = (np.arange(m * n).reshape(m, n, 1) * size + slot).ravel()

    def below(weights: FloatArray) -> FloatArray:
        counts = np.bincount(bins, weights=weights.ravel(), minlength=m * n * size)
        return np.cumsum(counts.reshape(m, n, size)[..., :-1], axis=2)

    sharp = not np.any(a > 0)
    sums = [below(finite.astype(np.float64)), below(values)]
    if not sharp:
        sums.append(below(values * values))
    lo = np.searchsorted(cuts, low).reshape(m, 1, -1)
    hi = np.searchsorted(cuts, high).reshape(m, 1, -1)
    shape = (m, n, *low.shape[1:])

    def at(index: npt.NDArray[np.intp]) -> list[FloatArray]:
        taken = np.broadcast_to(index, (m, n, index.shape[2]))
        return [np.take_along_axis(c, taken, 2).reshape(shape) for c in sums]

    count = finite.sum(axis=2).reshape(m, n, 1, 1)
    total = values.sum(axis=2).reshape(m, n, 1, 1)
    g, a = g[:, None], a[:, None]  # (m, 1, 1, B), (m, 1, S, 1)
    low_sums = at(lo)
    high_sums = low_sums if sharp else at(hi)
    heating = g * low_sums[0] - low_sums[1]
    cooling = (total - high_sums[1]) - g * (count - high_sums[0])
    if not sharp:  # the readings inside each band: (u - t)²/4a and (t - v)²/4a
        quarter = np.divide(0.25, a, out=np.zeros(a.shape), where=a > 0)
        n0, n1, n2 = (up - down for up, down in zip(high_sums, low_sums, strict=True))
        u, v = g + a, g - a
        heating = heating + (u * u * n0 - 2 * u * n1 + n2) * quarter
        cooling = cooling + (v * v * n0 - 2 * v * n1 + n2) * quarter
    per = np.divide(1.0, count, out=np.zeros(count.shape), where=count > 0)  # 0: no readings
    return np.moveaxis(heating * per, 1, -1), np.moveaxis(cooling * per, 1, -1)


def _beyond(
    side: str, T: FloatArray, centres: FloatArray, active: npt.NDArray[np.bool_]
) -> npt.NDArray[np.intp]:
    """Active points on the temperature-dependent side of each centre: (meters, B)."""
    if side == "h":
        hit = T[:, None, :] < centres[:, :, None]
    else:
        hit = T[:, None, :] > centres[:, :, None]
    counts: npt.NDArray[np.intp] = (hit & active[:, None, :]).sum(axis=2)
    return counts


def cross(
    heating: Family, cooling: Family, moments: Moments | None, *, same_centre: bool
) -> FloatArray:
    """Σ w·h·c of heating and cooling columns with the same spread: (meters, S, B) for pairs
    at the same centre, else (meters, S, Bh, Bc) for every pair (meaningful where the heating
    centre is at or below the cooling one)."""
    if moments is None:
        if heating.weighted is None or cooling.columns is None:
            raise ValueError("formed families are needed without moments")
        formed: FloatArray = (
            np.einsum("msbn,msbn->msb", heating.weighted, cooling.columns)
            if same_centre
            else heating.weighted @ cooling.columns.transpose(0, 1, 3, 2)
        )
        return formed
    if heating.hi is None or cooling.lo is None:
        raise ValueError("families from moments are needed")
    # Where both are nonzero, [lo, hi), both are in their bands: h = (u - t)²/4a with
    # u = Th + a and c = (t - v)²/4a with v = Tc - a. Their product's sum separates,
    # Σ_jl α_j(u)·β_l(v)·(P_j+l(hi) - P_j+l(lo)) with P the power sums, into two products
    # of small matrices over (heating centre, power) and (cooling centre, power).
    a = heating.spreads[:, :, None]
    u = (heating.centres - moments.origin[:, None])[:, None, :] + a
    v = (cooling.centres - moments.origin[:, None])[:, None, :] - a
    shape = np.broadcast_shapes(u.shape, a.shape)
    alpha = np.stack(np.broadcast_arrays(u * u, -2 * u, np.ones(shape)), axis=-1)
    beta = np.stack(np.broadcast_arrays(v * v, -2 * v, np.ones(shape)), axis=-1)
    windows = np.array([[0, 1, 2], [1, 2, 3], [2, 3, 4]])  # P_{j+l}: rows l (or j), columns j (l)
    at_hi = moments.between(np.zeros_like(heating.hi), heating.hi, z=0)[..., windows]
    at_lo = moments.between(np.zeros_like(cooling.lo), cooling.lo, z=0)[..., windows]
    upper = np.einsum("...j,...lj->...l", alpha, at_hi)  # Σ_j α_j P_j+l(hi), per heating centre
    lower = np.einsum("...l,...jl->...j", beta, at_lo)  # Σ_l β_l P_j+l(lo), per cooling centre
    quarter = np.divide(0.25, a, out=np.zeros(a.shape), where=a > 0)
    if same_centre:
        sums = np.einsum("...l,...l->...", upper, beta) - np.einsum("...j,...j->...", alpha, lower)
        overlap = heating.hi > cooling.lo
    else:
        sums = upper @ beta.swapaxes(-1, -2) - alpha @ lower.swapaxes(-1, -2)
        overlap = heating.hi[..., :, None] > cooling.lo[..., None, :]
        quarter = quarter[..., None]
    result: FloatArray = np.where(overlap, sums * quarter * quarter, 0.0)
    return result


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
    )


def fixed_only(fixed: Fixed) -> Best:
    """The intercept form: the fixed columns alone."""
    return _best(fixed.sse, {})


def line(data: Data, fixed: Fixed) -> Best:
    """The 2P form: temperature itself as the one searched column (nothing to search)."""
    T = data.T
    if data.billing:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            T = np.nanmean(T, axis=2)
    t = np.nan_to_num(T)
    tw = t * data.W
    XF = np.einsum("mn,mnq->mq", tw, data.F[:, :, : fixed.q])
    P = np.einsum("mq,mqr->mr", XF, fixed.A_inv)
    xx = np.einsum("mn,mn->m", tw, t) - np.einsum("mq,mq->m", P, XF)
    xy = np.einsum("mn,mn->m", tw, data.Y) - np.einsum("mq,mq->m", P, fixed.fy)
    ok = xx > _DEGENERATE * np.einsum("mn,mn->m", tw, t)
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
    _, xx, xy = family.partial(fixed)
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
    return _best(best, values)


def pair(
    heating: Family, cooling: Family, fixed: Fixed, raw: FloatArray, *, same_centre: bool
) -> Best:
    """Two hinge columns with a shared spread.

    ``same_centre``: the 4P form (heating below and a second slope above one change point;
    the heating slope positive). Otherwise the 5P form: both slopes positive and the heating
    band below the cooling band (Tc - Th >= 2·spread: a building does not heat and cool at
    the same outdoor temperature). ``raw`` is their ``cross``.
    """
    Ph, hh, hy = heating.partial(fixed)
    _, cc, cy = cooling.partial(fixed)
    if same_centre:
        hc = raw - np.einsum("msbq,msbq->msb", Ph, cooling.XF[..., : fixed.q])
        side_ok = (heating.side_ok & cooling.side_ok)[:, None, :]
        scale = heating.XX * cooling.XX
        centre_h = heating.centres[:, None, :]
        centre_c = None
    else:  # the ordered pairs only, laid out (meters, spreads, pairs)
        i, j = _ordered_pairs(heating.centres[0], cooling.centres[0])
        flat = i * cooling.centres.shape[1] + j
        full = raw - Ph @ cooling.XF[..., : fixed.q].transpose(0, 1, 3, 2)
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
    return _best(best, values)


@functools.lru_cache(maxsize=16)
def _pairs(heating: bytes, cooling: bytes) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    h = np.frombuffer(heating)
    c = np.frombuffer(cooling)
    i, j = np.nonzero(h[:, None] <= c[None, :])
    return i, j


def _ordered_pairs(
    heating: FloatArray, cooling: FloatArray
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Indexes (i, j) of the centre pairs with heating[i] <= cooling[j] (the same for every
    meter: the search's centres are shared)."""
    return _pairs(np.ascontiguousarray(heating).tobytes(), np.ascontiguousarray(cooling).tobytes())


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
