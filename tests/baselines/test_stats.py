"""OLS and WLS statistics against statsmodels (a test-only oracle), to 1e-8 relative."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from baselines.stats import fit_linear, lag1_autocorrelation

RTOL = 1e-8


def data(seed: int, n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    temperature = rng.uniform(-15, 25, n)
    occupancy = rng.integers(0, 2, n).astype(float)
    X = np.column_stack([np.ones(n), np.maximum(17 - temperature, 0), occupancy])
    y = 120 + 9.5 * X[:, 1] + 40 * occupancy + rng.normal(0, 15, n)
    return X, y


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ols_statistics_match_statsmodels(seed: int) -> None:
    X, y = data(seed)
    ours = fit_linear(X, y, ("intercept", "hdd", "occupied"))
    oracle = sm.OLS(y, X).fit()
    np.testing.assert_allclose(ours.coef, oracle.params, rtol=RTOL)
    np.testing.assert_allclose(ours.se, oracle.bse, rtol=RTOL)
    np.testing.assert_allclose(ours.t, oracle.tvalues, rtol=RTOL)
    np.testing.assert_allclose(ours.p, oracle.pvalues, rtol=1e-6, atol=1e-300)
    assert ours.r2 == pytest.approx(oracle.rsquared, rel=RTOL)
    assert ours.adj_r2 == pytest.approx(oracle.rsquared_adj, rel=RTOL)
    assert ours.f == pytest.approx(oracle.fvalue, rel=RTOL)
    assert ours.f_p == pytest.approx(oracle.f_pvalue, rel=1e-6, abs=1e-300)
    assert ours.aic == pytest.approx(oracle.aic, rel=RTOL)
    assert ours.bic == pytest.approx(oracle.bic, rel=RTOL)
    assert ours.sse == pytest.approx(oracle.ssr, rel=RTOL)
    assert ours.rmse == pytest.approx(np.sqrt(oracle.mse_resid), rel=RTOL)


@pytest.mark.parametrize("seed", [4, 5])
def test_wls_statistics_match_statsmodels(seed: int) -> None:
    X, y = data(seed, 24)
    days = np.random.default_rng(seed).integers(27, 34, 24).astype(float)  # billing periods
    ours = fit_linear(X, y, ("intercept", "hdd", "occupied"), weights=days)
    oracle = sm.WLS(y, X, weights=days).fit()
    np.testing.assert_allclose(ours.coef, oracle.params, rtol=RTOL)
    np.testing.assert_allclose(ours.se, oracle.bse, rtol=RTOL)
    np.testing.assert_allclose(ours.t, oracle.tvalues, rtol=RTOL)
    assert ours.r2 == pytest.approx(oracle.rsquared, rel=RTOL)
    assert ours.adj_r2 == pytest.approx(oracle.rsquared_adj, rel=RTOL)
    assert ours.f == pytest.approx(oracle.fvalue, rel=RTOL)
    assert ours.aic == pytest.approx(oracle.aic, rel=RTOL)
    assert ours.bic == pytest.approx(oracle.bic, rel=RTOL)


def test_guideline_14_figures_follow_their_definitions() -> None:
    X, y = data(7)
    fit = fit_linear(X, y, ("intercept", "hdd", "occupied"))
    n, p = len(y), 3
    residuals = y - X @ fit.coef
    assert fit.cv_rmse == pytest.approx(np.sqrt(residuals @ residuals / (n - p)) / y.mean())
    assert fit.nmbe == pytest.approx(residuals.sum() / ((n - p) * y.mean()))
    assert abs(fit.nmbe) < 1e-12  # OLS with an intercept is unbiased in-sample
    assert fit.autocorrelation == pytest.approx(
        (residuals[1:] @ residuals[:-1]) / (residuals @ residuals)
    )


def test_lag1_autocorrelation_of_an_ar1_series_is_recovered() -> None:
    rng = np.random.default_rng(11)
    e = np.zeros(20_000)
    for i in range(1, e.size):
        e[i] = 0.6 * e[i - 1] + rng.normal()
    assert lag1_autocorrelation(e) == pytest.approx(0.6, abs=0.02)


def test_results_are_read_only() -> None:
    X, y = data(8)
    fit = fit_linear(X, y, ("intercept", "hdd", "occupied"))
    with pytest.raises(ValueError, match="read-only"):
        fit.coef[0] = 1.0
