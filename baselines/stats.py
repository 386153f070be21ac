"""Least squares with the statistics an M&V engineer and an ISO 50001 auditor ask for.

``fit_linear`` solves ordinary or weighted least squares and returns a read-only result with
coefficients, standard errors, t and p values, R², adjusted R², F and its p value, RMSE,
CV(RMSE), NMBE, lag-1 autocorrelation of the residuals, AIC and BIC. Definitions follow
ASHRAE Guideline 14: RMSE = sqrt(SSE / (n - p)), CV(RMSE) = RMSE / mean(y),
NMBE = sum(y - ŷ) / ((n - p) · mean(y)), p counting every fitted parameter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import special  # the t and F distribution functions, without scipy.stats' overhead

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class LinearFit:
    """A fitted linear model y = X·β (+ noise). Arrays are read-only."""

    names: tuple[str, ...]
    coef: FloatArray
    se: FloatArray
    t: FloatArray
    p: FloatArray
    n: int
    k: int  # fitted parameters (columns of X), intercept included
    sse: float
    sst: float
    r2: float
    adj_r2: float
    f: float
    f_p: float
    rmse: float
    cv_rmse: float
    nmbe: float
    autocorrelation: float
    aic: float
    bic: float
    fitted: FloatArray = field(repr=False)
    residuals: FloatArray = field(repr=False)
    has_intercept: bool = True
    #: (X'WX)^-1, the coefficients' covariance divided by σ²
    xtx_inverse: FloatArray | None = field(default=None, repr=False, compare=False)

    @property
    def dof(self) -> int:
        return self.n - self.k

    def coefficient(self, name: str) -> float:
        return float(self.coef[self.names.index(name)])

    def p_value(self, name: str) -> float:
        return float(self.p[self.names.index(name)])

    def joint_p(self, names: tuple[str, ...] | list[str]) -> float:
        """p value of the F-test that the named coefficients are all zero (a group of terms,
        such as the dummies of one categorical variable, tested together)."""
        if self.xtx_inverse is None or self.dof <= 0:
            return math.nan
        index = [self.names.index(name) for name in names]
        beta = self.coef[index]
        block = self.xtx_inverse[np.ix_(index, index)] * (self.sse / self.dof)
        try:
            wald = float(beta @ np.linalg.solve(block, beta))
        except np.linalg.LinAlgError:
            return math.nan
        return float(special.fdtrc(len(index), self.dof, wald / len(index)))

    def summary(self) -> dict[str, object]:
        """Every statistic as plain JSON-ready values."""
        return {
            "coefficients": {
                name: {
                    "value": float(self.coef[i]),
                    "std_error": _finite(self.se[i]),
                    "t": _finite(self.t[i]),
                    "p": _finite(self.p[i]),
                }
                for i, name in enumerate(self.names)
            },
            "n": self.n,
            "parameters": self.k,
            "r2": _finite(self.r2),
            "adj_r2": _finite(self.adj_r2),
            "f": _finite(self.f),
            "f_p": _finite(self.f_p),
            "rmse": _finite(self.rmse),
            "cv_rmse": _finite(self.cv_rmse),
            "nmbe": _finite(self.nmbe),
            "autocorrelation_lag1": _finite(self.autocorrelation),
            "aic": _finite(self.aic),
            "bic": _finite(self.bic),
            "sse": self.sse,
        }


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _readonly(array: npt.ArrayLike) -> FloatArray:
    result = np.array(array, dtype=np.float64)
    result.setflags(write=False)
    return result


def row_means(values: npt.ArrayLike) -> FloatArray:
    """The mean of each row's finite values (a period's readings); NaN for a row without any."""
    array = np.asarray(values, dtype=np.float64)
    known = np.isfinite(array)
    count = known.sum(axis=-1)
    total = np.where(known, array, 0.0).sum(axis=-1)
    means: FloatArray = np.divide(total, count, out=np.full(count.shape, np.nan), where=count > 0)
    return means


def lag1_autocorrelation(residuals: FloatArray) -> float:
    """ρ = Σ e_t e_(t-1) / Σ e_t², the serial correlation G14's uncertainty corrects for."""
    denominator = float(residuals @ residuals)
    if residuals.size < 3 or denominator == 0:
        return 0.0
    return float(residuals[1:] @ residuals[:-1]) / denominator


def fit_linear(
    X: npt.ArrayLike,
    y: npt.ArrayLike,
    names: tuple[str, ...] | list[str],
    *,
    weights: npt.ArrayLike | None = None,
    has_intercept: bool = True,
) -> LinearFit:
    """Ordinary (or, with ``weights``, weighted) least squares of ``y`` on the columns of ``X``.

    With weights -- billing periods of different lengths -- sums of squares, R² and the
    likelihood are weighted as in weighted least squares; CV(RMSE) and NMBE stay per period.
    """
    design = np.asarray(X, dtype=np.float64)
    target = np.asarray(y, dtype=np.float64)
    n, k = design.shape
    if target.shape != (n,):
        raise ValueError(f"y has shape {target.shape}, X has {n} rows")
    if len(names) != k:
        raise ValueError(f"{len(names)} names for {k} columns")
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    root_w = np.sqrt(w)
    # One SVD gives both the least-squares solution and (X'WX)^-1; directions with singular
    # values at rounding level are dropped, as lstsq and pinv do.
    U, singular, Vt = np.linalg.svd(design * root_w[:, None], full_matrices=False)
    kept = singular > singular.max(initial=0.0) * max(n, k) * np.finfo(np.float64).eps
    inverse_s = np.divide(1.0, singular, out=np.zeros_like(singular), where=kept)
    coef = Vt.T @ (inverse_s * (U.T @ (target * root_w)))
    fitted = design @ coef
    residuals = target - fitted
    weighted_residuals = residuals * root_w
    sse = float(weighted_residuals @ weighted_residuals)
    dof = n - k
    weighted_mean = float(w @ target / w.sum())
    centred = target - (weighted_mean if has_intercept else 0.0)
    sst = float((w * centred) @ centred)
    r2 = 1.0 - sse / sst if sst > 0 else math.nan
    model_dof = k - 1 if has_intercept else k
    adj_r2 = 1.0 - (1.0 - r2) * (n - (1 if has_intercept else 0)) / dof if dof > 0 else math.nan
    sigma2 = sse / dof if dof > 0 else math.nan
    xtx_inverse = (Vt.T * inverse_s**2) @ Vt
    se = np.sqrt(np.maximum(np.diagonal(xtx_inverse) * sigma2, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = coef / se
    p = 2 * special.stdtr(dof, -np.abs(t)) if dof > 0 else np.full(k, math.nan)
    if model_dof > 0 and dof > 0 and sse > 0:
        f = ((sst - sse) / model_dof) / (sse / dof)
        f_p = float(special.fdtrc(model_dof, dof, f))
    else:
        f, f_p = math.nan, math.nan
    mean_y = float(target.mean())
    rmse = math.sqrt(sse / dof) if dof > 0 else math.nan
    if weights is not None and dof > 0:  # per-period figures for CV(RMSE), as G14 reports them
        rmse = math.sqrt(float(residuals @ residuals) / dof)
    cv_rmse = rmse / mean_y if mean_y else math.nan
    nmbe = float(residuals.sum()) / (dof * mean_y) if dof > 0 and mean_y else math.nan
    log_likelihood = -0.5 * n * (math.log(2 * math.pi) + math.log(sse / n) + 1)
    log_likelihood += 0.5 * float(np.log(w).sum())
    aic = -2 * log_likelihood + 2 * k
    bic = -2 * log_likelihood + k * math.log(n)
    return LinearFit(
        names=tuple(names),
        coef=_readonly(coef),
        se=_readonly(se),
        t=_readonly(t),
        p=_readonly(p),
        n=n,
        k=k,
        sse=sse,
        sst=sst,
        r2=r2,
        adj_r2=adj_r2,
        f=float(f),
        f_p=f_p,
        rmse=rmse,
        cv_rmse=cv_rmse,
        nmbe=nmbe,
        autocorrelation=lag1_autocorrelation(residuals),
        aic=aic,
        bic=bic,
        fitted=_readonly(fitted),
        residuals=_readonly(residuals),
        has_intercept=has_intercept,
        xtx_inverse=_readonly(xtx_inverse),
    )
