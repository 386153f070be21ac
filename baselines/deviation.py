"""Sustained deviations from a baseline: tabular CUSUM on standardised daily residuals.

A day's residual (actual - expected) divided by the baseline model's RMSE is ~N(0, 1) while
performance is as in the baseline period. The one-sided tabular CUSUM (Page 1954; as in
ISO 7870-4) accumulates what exceeds a slack ``k`` and signals when the sum passes ``h``.
Siegmund's approximation of the average run length with k = 0.5: h = 5, the textbook choice,
signals a shift of one RMSE after ~10 days but also falsely about once in 940 days -- more
than once in three years of daily energy data, whose residuals are autocorrelated besides.
enms uses h = 10: a one-RMSE shift is signalled after ~20 days, two RMSE after ~7, while
noise alone would take hundreds of years (the approximation says ~140,000 days; tests with
seeded noise and h = 8 still saw signals within three years).

An episode runs from the day after the sum last stood at zero to the day the sum peaked --
after which the shift was over, though the sum takes a while to drain back to zero -- or to
the last day given while it is still running; its size is the sum of the residuals over
those days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

K_SLACK = 0.5
H_DECISION = 10.0


@dataclass(frozen=True)
class Episode:
    """Days ``first``..``last`` (indices, inclusive) of a signalled shift."""

    first: int
    last: int  # the peak of the sum when it ended; the last day given while ongoing
    signalled: int  # the index where the sum passed h
    ongoing: bool  # still running at the last day given
    size: float  # sum of the residuals over the episode, in the residuals' unit
    peak: float  # the largest cumulative sum reached (in RMSE units)


def episodes(
    residuals: npt.ArrayLike,
    sigma: float,
    *,
    upward: bool = True,
    k: float = K_SLACK,
    h: float = H_DECISION,
) -> list[Episode]:
    """Signalled episodes of residuals above (``upward``) or below the baseline.

    NaN days (not known) neither add to nor reset the sum.
    """
    r = np.asarray(residuals, dtype=np.float64)
    if not (sigma > 0) or r.size == 0:
        return []
    z = (r if upward else -r) / sigma
    found: list[Episode] = []
    total = 0.0
    start = 0
    signalled: int | None = None
    peak, peak_at = 0.0, 0
    for i, value in enumerate(z):
        if not np.isfinite(value):
            continue
        if total == 0.0:
            start = i
        total = max(0.0, total + value - k)
        if total > peak:
            peak, peak_at = total, i
        if signalled is None and total > h:
            signalled = i
        if total == 0.0:
            if signalled is not None:
                found.append(_episode(r, start, peak_at, signalled, ongoing=False, peak=peak))
            signalled, peak = None, 0.0
    if signalled is not None:
        found.append(_episode(r, start, r.size - 1, signalled, ongoing=True, peak=peak))
    return found


def sums(
    residuals: npt.ArrayLike, sigma: float, *, upward: bool = True, k: float = K_SLACK
) -> npt.NDArray[np.float64]:
    """The one-sided tabular CUSUM of each day, in RMSEs (what ``episodes`` compares with h).

    A NaN day keeps the previous day's sum, as in ``episodes``.
    """
    r = np.asarray(residuals, dtype=np.float64)
    out = np.zeros(r.size)
    if not (sigma > 0):
        return np.full(r.size, np.nan)
    z = (r if upward else -r) / sigma
    total = 0.0
    for i, value in enumerate(z):
        if np.isfinite(value):
            total = max(0.0, total + value - k)
        out[i] = total
    return out


def _episode(r: np.ndarray, first: int, last: int, signalled: int, *, ongoing: bool,
             peak: float) -> Episode:  # fmt: skip
    size = float(np.nansum(r[first : last + 1]))
    return Episode(first, last, signalled, ongoing, size, peak)


def rmse(residuals: npt.ArrayLike) -> float:
    """Root mean square of the known residuals (the baseline model's RMSE on its own days)."""
    r = np.asarray(residuals, dtype=np.float64)
    r = r[np.isfinite(r)]
    return float(np.sqrt(np.mean(r * r))) if r.size else float("nan")
