"""Sums of candidate hinge columns with the data, for many meters and candidates at once.

A change-point search needs, for every candidate (balance point, spread), the sums over the
data of its hinge column times each fixed column, times energy, times itself and times the
other side's column. Daily data are sorted by temperature once (``Moments``): a hinge is a
polynomial of temperature on each side of its band edges, so each of those sums is a
difference of cumulative power sums taken at the edges -- its cost does not grow with the
number of days. Periods of several readings (hours of a day for degree-hours, days of a bill)
average the degrees of their readings (``period_columns``), from cumulative counts and sums
of each period's readings at every band edge.

A candidate whose change point has fewer than ``min_side_points`` days on either side is
marked (``side_ok``): with no days beyond it the "change" is not observed. For periods of
several readings only the temperature-dependent side is counted.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast

import numpy as np
import numpy.typing as npt

from baselines.stats import FloatArray

_Array = TypeVar("_Array", bound=npt.NDArray[Any])


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
        active = (data.W > 0).sum(axis=1)[:, None]
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
