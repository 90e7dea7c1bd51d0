"""Statistical core of the data review: correlations, range-restriction corrections, multiplicity, bootstrap.

Closed-form vectors are checked to 4 decimals; simulations use large n with tolerances of at least ~4 SDs of
the estimator (measured: at n = 1,000,000 the SD of a Case III estimate is about 0.002).
"""

from __future__ import annotations

import math
import shutil
import subprocess
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from workbench.review.stats import (
    BootstrapValidity,
    benjamini_hochberg,
    bootstrap_corrected_validity,
    bootstrap_two_stage_validity,
    correct_case_ii,
    correct_case_iii,
    correct_case_iv,
    correct_lawley,
    correlation_p_value,
    fisher_ci,
    holm,
    pearson,
    point_biserial,
)

CASE_II_VECTORS = [(0.30, 0.80, 0.3659), (0.25, 0.60, 0.3953)]  # DESIGN.md test vectors


def trivariate(n, r_xy, r_xz, r_yz, seed):
    R = np.array([[1.0, r_xy, r_xz], [r_xy, 1.0, r_yz], [r_xz, r_yz, 1.0]])
    assert np.all(np.linalg.eigvalsh(R) > 0)
    g = np.random.default_rng(seed)
    return g.multivariate_normal(np.zeros(3), R, size=n, method="cholesky").T


def select_top(z, share):
    return z >= np.quantile(z, 1.0 - share)


def observed_case_iii_inputs(x, y, z, sel):
    """The selected-group correlations and u, computed the plain way."""
    u = z[sel].std(ddof=1) / z.std(ddof=1)
    return pearson(x[sel], y[sel]).r, pearson(x[sel], z[sel]).r, pearson(y[sel], z[sel]).r, u


# ------------------------------------------------------------------------------------- correlations


def test_pearson_matches_scipy_on_complete_data():
    g = np.random.default_rng(1)
    x, y = g.normal(size=(2, 80))
    y += 0.4 * x
    got = pearson(x, y)
    ref = stats.pearsonr(x, y)
    assert got.n == 80
    assert got.r == pytest.approx(ref.statistic, abs=1e-12)
    assert got.p_value == pytest.approx(ref.pvalue, rel=1e-9)


def test_pearson_is_pairwise_complete():
    x = np.array([1.0, 2.0, np.nan, 4.0, 5.0, 6.0])
    y = np.array([2.0, 1.0, 3.0, np.nan, 7.0, 6.5])
    keep = np.isfinite(x) & np.isfinite(y)
    got = pearson(x, y)
    assert got.n == 4
    assert got.r == pytest.approx(stats.pearsonr(x[keep], y[keep]).statistic, abs=1e-12)


def test_pearson_columns_equal_one_at_a_time():
    g = np.random.default_rng(2)
    X = g.normal(size=(50, 4))
    X[g.random((50, 4)) < 0.2] = np.nan
    y = X[:, 0] * 0.5 + g.normal(size=50)
    y[:5] = np.nan
    got = pearson(X, y)
    for j in range(4):
        one = pearson(X[:, j], y)
        assert got.r[j] == pytest.approx(one.r, abs=1e-12)
        assert got.n[j] == one.n
        assert got.p_value[j] == pytest.approx(one.p_value, rel=1e-9)


@pytest.mark.parametrize(
    ("x", "y", "n"),
    [
        ([1.0, 2.0], [1.0, 3.0], 2),  # n < 3
        ([1.0, 2.0, np.nan, 4.0], [1.0, np.nan, 2.0, 5.0], 2),  # n < 3 after pairing
        ([3.0, 3.0, 3.0, 3.0], [1.0, 2.0, 3.0, 4.0], 4),  # constant x
        ([0.1, 0.1, 0.1, 0.1, 0.1], [1.0, 2.0, 3.0, 4.0, 5.0], 5),  # constant, not exactly representable
        ([1.0, 2.0, 3.0, 9.0], [2.0, 2.0, 2.0, np.nan], 3),  # constant y among complete pairs
        ([], [], 0),
    ],
)
def test_pearson_undefined_is_nan_with_n_and_silent(x, y, n):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = pearson(x, y)
    assert math.isnan(got.r) and math.isnan(got.p_value)
    assert got.n == n


def test_pearson_accepts_pandas_nullable_and_none():
    x = pd.array([1.0, 2.0, None, 4.0, 5.0], dtype="Float64")
    y = [2.0, 3.0, 1.0, None, 4.0]
    got = pearson(x, y)
    assert got.n == 3
    assert got.r == pytest.approx(stats.pearsonr([1, 2, 5], [2, 3, 4]).statistic)


def test_pearson_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="same number of rows"):
        pearson([1, 2, 3], [1, 2])


def test_point_biserial_matches_scipy_and_ignores_missing_outcomes():
    g = np.random.default_rng(3)
    score = g.normal(3, 1, size=200)
    passed = (score + g.normal(size=200)) > 3.2
    outcome = pd.array(np.where(np.arange(200) < 150, passed, None), dtype="boolean")  # 50 never reached it
    got = point_biserial(score, outcome)
    ref = stats.pointbiserialr(passed[:150], score[:150])
    assert got.n == 150
    assert got.r == pytest.approx(ref.statistic, abs=1e-12)
    assert got.p_value == pytest.approx(ref.pvalue, rel=1e-9)


def test_point_biserial_rejects_non_binary():
    with pytest.raises(ValueError, match="booleans"):
        point_biserial([1, 2, 3], [0, 1, 2])


@pytest.mark.parametrize(("r", "n"), [(0.3, 50), (-0.12, 400), (0.0, 10), (0.9, 5)])
def test_correlation_p_value_is_the_t_test(r, n):
    t = r * math.sqrt((n - 2) / (1 - r * r))
    assert correlation_p_value(r, n) == pytest.approx(2 * stats.t.sf(abs(t), n - 2), rel=1e-12)


def test_correlation_p_value_edges():
    assert correlation_p_value(1.0, 10) == 0.0
    assert math.isnan(correlation_p_value(0.5, 2))
    assert math.isnan(correlation_p_value(np.nan, 50))


# -------------------------------------------------------------------------------------- Fisher CI


@pytest.mark.parametrize(
    ("r", "n", "level", "crit"),
    [(0.3, 103, 0.95, 1.959963984540054), (-0.25, 40, 0.95, 1.959963984540054), (0.6, 28, 0.90, 1.6448536269514722)],
)
def test_fisher_ci_by_hand(r, n, level, crit):
    half = crit / math.sqrt(n - 3)
    low, high = fisher_ci(r, n, level)
    assert low == pytest.approx(math.tanh(math.atanh(r) - half), abs=1e-12)
    assert high == pytest.approx(math.tanh(math.atanh(r) + half), abs=1e-12)


def test_fisher_ci_hand_numbers():
    # atanh(.3) = 0.309520, 1.96 / sqrt(100) = 0.196 -> tanh(0.113520), tanh(0.505520)
    low, high = fisher_ci(0.3, 103)
    assert (round(low, 4), round(high, 4)) == (0.1130, 0.4664)


def test_fisher_ci_vectorised_and_undefined():
    low, high = fisher_ci([0.2, np.nan, 0.5, 1.5], [50, 50, 3, 50])
    assert np.isfinite(low[0]) and low[0] < 0.2 < high[0]
    assert np.isnan(low[1:]).all() and np.isnan(high[1:]).all()
    with pytest.raises(ValueError, match="level"):
        fisher_ci(0.2, 50, level=95)


# ---------------------------------------------------------------------------------- Case II / III / IV


@pytest.mark.parametrize(("r", "u", "expected"), CASE_II_VECTORS)
def test_case_ii_vectors(r, u, expected):
    assert round(correct_case_ii(r, u), 4) == expected


def test_case_ii_behaviour():
    assert correct_case_ii(0.3, 1.0) == pytest.approx(0.3)  # no restriction, no change
    assert correct_case_ii(-0.3, 0.8) == pytest.approx(-0.3659, abs=1e-4)  # odd in r
    us = np.linspace(0.2, 1.0, 9)
    assert np.all(np.diff(correct_case_ii(0.3, us)) < 0)  # more restriction, bigger correction
    assert np.isnan(correct_case_ii([0.3, 0.3], [0.0, -1.0])).all()


@pytest.mark.parametrize("u", [0.15, 0.3, 0.5, 0.7, 0.85, 1.0, 1.3])
def test_case_iii_with_x_equal_z_is_case_ii(u):
    r = np.linspace(-0.95, 0.95, 39)
    np.testing.assert_allclose(correct_case_iii(r, 1.0, r, u), correct_case_ii(r, u), atol=1e-12)


def test_case_iii_without_restriction_changes_nothing():
    r_xy = np.array([-0.2, 0.0, 0.35])
    np.testing.assert_allclose(correct_case_iii(r_xy, 0.4, 0.3, 1.0), r_xy)


@pytest.mark.parametrize(
    ("r_xy", "r_xz", "r_yz"),
    [(0.30, 0.50, 0.40), (0.10, 0.70, 0.35), (-0.15, 0.40, 0.30)],
)
def test_case_iii_recovers_population_validity(r_xy, r_xz, r_yz):
    # n = 1e6: SD of the corrected r is ~0.002 here (0.004 at n = 2e5, where 0.01 would be only ~2.4 SD).
    x, y, z = trivariate(1_000_000, r_xy, r_xz, r_yz, seed=11)
    sel = select_top(z, 0.35)
    obs_xy, obs_xz, obs_yz, u = observed_case_iii_inputs(x, y, z, sel)
    corrected = correct_case_iii(obs_xy, obs_xz, obs_yz, u)
    assert abs(corrected - r_xy) < 0.01
    assert abs(obs_xy - r_xy) > 0.05  # the uncorrected number is off


def test_useless_question_looks_harmful_until_corrected():
    """DESIGN.md: selection on the total makes a useless question look harmful among those selected.

    x is one of two questions in the total z = (x + w) / sqrt(2); only w predicts y (corr 0.5), so in the
    applicant pool r_xy = 0, r_xz = 0.707, r_yz = 0.354. Selecting the top 35% on z makes x and w negatively
    correlated among the selected (they trade off to clear the bar), so x correlates negatively with y:
    Pearson-Lawley predicts r_xy(selected) = -0.23.
    """
    g = np.random.default_rng(7)
    n = 1_000_000
    x, w = g.normal(size=(2, n))
    y = 0.5 * w + math.sqrt(1 - 0.25) * g.normal(size=n)
    z = (x + w) / math.sqrt(2)
    assert abs(pearson(x, y).r) < 0.005  # useless in the applicant pool
    sel = select_top(z, 0.35)
    obs_xy, obs_xz, obs_yz, u = observed_case_iii_inputs(x, y, z, sel)
    assert obs_xy == pytest.approx(-0.232, abs=0.01)
    assert fisher_ci(obs_xy, sel.sum())[1] < 0  # "significantly harmful" if left uncorrected
    assert abs(correct_case_iii(obs_xy, obs_xz, obs_yz, u)) < 0.01


def test_case_iv_by_hand():
    # r = .30, u_X = .80, rXXa = .80: rXXi = 1 - .2/.64 = .6875; u_T = sqrt((.64 - .2)/.8) = sqrt(.55);
    # rTPi = .3/sqrt(.6875) = .361814; rTPa = .361814/sqrt(.55 + .130909*.45) = .463661; rXPa = rTPa*sqrt(.8)
    rtpi = 0.3 / math.sqrt(0.6875)
    rtpa = rtpi / math.sqrt(0.55 + rtpi**2 * 0.45)
    assert correct_case_iv(0.30, 0.80, 0.80, true_score=True) == pytest.approx(rtpa, abs=1e-12)
    assert round(correct_case_iv(0.30, 0.80, 0.80), 4) == round(rtpa * math.sqrt(0.8), 4) == 0.4147


@pytest.mark.parametrize(("r", "u", "expected"), CASE_II_VECTORS)
def test_case_iv_with_perfect_reliability_is_case_ii(r, u, expected):
    assert round(correct_case_iv(r, u, 1.0), 4) == expected


def test_case_iv_criterion_reliability_and_domain():
    base = correct_case_iv(0.3, 0.8, 0.8)
    assert correct_case_iv(0.3, 0.8, 0.8, ryy=0.6) > base  # disattenuating y raises it
    assert math.isnan(correct_case_iv(0.3, 0.4, 0.8))  # u_X^2 = .16 < 1 - rXXa = .2: u_T undefined
    assert math.isnan(correct_case_iv(0.3, 0.8, 0.0))


def test_case_iv_recovers_validity_under_indirect_selection():
    """Selection on an unobserved S that reaches x and y only through the true score T (HSL 2006 model)."""
    g = np.random.default_rng(21)
    n, rxx, rho_ty, a = 1_000_000, 0.8, 0.5, 0.7
    T = g.normal(size=n)
    X = math.sqrt(rxx) * T + math.sqrt(1 - rxx) * g.normal(size=n)
    Y = rho_ty * T + math.sqrt(1 - rho_ty**2) * g.normal(size=n)
    S = a * T + math.sqrt(1 - a * a) * g.normal(size=n)
    truth = rho_ty * math.sqrt(rxx)  # 0.447: operational validity of observed X
    sel = select_top(S, 0.30)
    r = pearson(X[sel], Y[sel]).r
    u_x = X[sel].std(ddof=1) / X.std(ddof=1)
    assert abs(correct_case_iv(r, u_x, rxx) - truth) < 0.01
    assert abs(correct_case_iv(r, u_x, rxx, true_score=True) - rho_ty) < 0.01
    assert correct_case_ii(r, u_x) < truth - 0.02  # Case II on u_X undercorrects indirect restriction
    assert r < truth - 0.05


# ------------------------------------------------------------------------------------ multiplicity

HOLM_TABLE = [
    # raw p                        Holm by hand (sorted: multiply by m, m-1, ..., then running max, cap 1)
    ([0.01, 0.04, 0.03, 0.005], [0.03, 0.06, 0.06, 0.02]),
    ([0.2, np.nan, 0.5, 0.01], [0.4, np.nan, 0.5, 0.03]),  # NaN kept and not counted: m = 3
    ([0.02, 0.02, 0.9], [0.06, 0.06, 0.9]),  # ties
    ([0.4, 0.6], [0.8, 0.8]),  # running max
    ([0.7, 0.6, 0.8], [1.0, 1.0, 1.0]),  # capped at 1
    ([np.nan, np.nan], [np.nan, np.nan]),
    ([], []),
]


@pytest.mark.parametrize(("raw", "expected"), HOLM_TABLE)
def test_holm_hand_table(raw, expected):
    np.testing.assert_allclose(holm(raw), expected, atol=1e-12)


BH_TABLE = [
    ([0.01, 0.04, 0.03, 0.005], [0.02, 0.04, 0.04, 0.02]),  # 4p/rank: .02,.02,.04,.04 then running min from top
    ([0.2, np.nan, 0.5, 0.01], [0.3, np.nan, 0.5, 0.03]),
]


@pytest.mark.parametrize(("raw", "expected"), BH_TABLE)
def test_bh_hand_table(raw, expected):
    np.testing.assert_allclose(benjamini_hochberg(raw), expected, atol=1e-12)


@pytest.mark.parametrize("m", [1, 2, 5, 12, 100])
def test_bh_matches_scipy_and_ignores_nan(m):
    g = np.random.default_rng(m)
    p = np.concatenate([g.uniform(size=m) ** 3, [np.nan, np.nan]])
    g.shuffle(p)
    got = benjamini_hochberg(p)
    finite = np.isfinite(p)
    np.testing.assert_allclose(got[finite], stats.false_discovery_control(p[finite], method="bh"), rtol=1e-12)
    assert np.isnan(got[~finite]).all()


@pytest.mark.parametrize("m", [3, 12, 50])
def test_adjustments_agree_with_statsmodels_if_installed(m):
    multitest = pytest.importorskip("statsmodels.stats.multitest", reason="statsmodels not installed (optional)")
    p = np.random.default_rng(m).uniform(size=m) ** 2
    np.testing.assert_allclose(holm(p), multitest.multipletests(p, method="holm")[1], rtol=1e-12)
    np.testing.assert_allclose(benjamini_hochberg(p), multitest.multipletests(p, method="fdr_bh")[1], rtol=1e-12)


def test_adjustment_properties():
    p = np.random.default_rng(5).uniform(size=30) ** 2
    h, b = holm(p), benjamini_hochberg(p)
    assert np.all(h >= b - 1e-15) and np.all(b >= p - 1e-15) and np.all(h <= 1)
    order = np.argsort(p)
    assert np.all(np.diff(h[order]) >= 0) and np.all(np.diff(b[order]) >= 0)  # order preserved
    assert holm(p.reshape(5, 6)).shape == (5, 6)


@pytest.mark.parametrize("fn", [holm, benjamini_hochberg])
def test_adjustments_reject_non_probabilities(fn):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fn([0.5, 1.2])


# -------------------------------------------------------------------------------------- bootstrap


def interview_pool(n, seed, share=0.35, missing=0.0):
    """Three questions; z is their sum; q2 is useless; y only for the selected."""
    g = np.random.default_rng(seed)
    q = g.normal(size=(n, 3))
    z = q.sum(axis=1)
    y = 0.5 * q[:, 0] + 0.3 * q[:, 1] + g.normal(size=n)
    sel = select_top(z, share)
    X = q.copy()
    if missing:
        X[g.random((n, 3)) < missing] = np.nan
    return X, z, sel, np.where(sel, y, np.nan)


def test_bootstrap_point_estimates_match_the_plain_computation():
    X, z, sel, y = interview_pool(3000, seed=1, missing=0.2)
    res = bootstrap_corrected_validity(X, z, sel, y, n_boot=20, rng=0)
    u = z[sel].std(ddof=1) / z.std(ddof=1)
    assert res.u_z == pytest.approx(u, rel=1e-10)
    for j in range(3):
        keep = sel & np.isfinite(X[:, j])
        xs, ys, zs = X[keep, j], y[keep], z[keep]
        assert res.n[j] == keep.sum()
        obs = (pearson(xs, ys).r, pearson(xs, zs).r, pearson(ys, zs).r)
        np.testing.assert_allclose((res.r_observed[j], res.r_xz[j], res.r_yz[j]), obs, atol=1e-10)
        assert res.r_corrected[j] == pytest.approx(correct_case_iii(*obs, u), abs=1e-10)


def test_bootstrap_replicates_equal_explicit_resampling():
    """The count-matrix shortcut gives exactly what resampling rows and recomputing gives."""
    X, z, sel, y = interview_pool(300, seed=2, missing=0.1)
    res = bootstrap_corrected_validity(X, z, sel, y, n_boot=5, rng=123, return_replicates=True)
    g = np.random.default_rng(123)
    for b in range(5):
        i = g.integers(0, 300, size=300)
        again = bootstrap_corrected_validity(X[i], z[i], sel[i], y[i], n_boot=1, rng=0)
        np.testing.assert_allclose(res.replicates[b], again.r_corrected, atol=1e-9)


def test_bootstrap_with_z_as_a_column_is_case_ii():
    X, z, sel, y = interview_pool(2000, seed=3)
    res = bootstrap_corrected_validity(np.c_[X, z], z, sel, y, n_boot=10, rng=0)
    u = z[sel].std(ddof=1) / z.std(ddof=1)
    assert res.r_xz[-1] == pytest.approx(1.0)
    assert res.r_corrected[-1] == pytest.approx(correct_case_ii(pearson(z[sel], y[sel]).r, u), abs=1e-10)


def test_bootstrap_is_deterministic_and_chunk_free():
    X, z, sel, y = interview_pool(1500, seed=4, missing=0.1)
    a = bootstrap_corrected_validity(X, z, sel, y, n_boot=50, rng=9, return_replicates=True)
    b = bootstrap_corrected_validity(X, z, sel, y, n_boot=50, rng=np.random.default_rng(9), chunk_size=7,
                                     return_replicates=True)
    c = bootstrap_corrected_validity(X, z, sel, y, n_boot=50, rng=10)
    np.testing.assert_allclose(a.replicates, b.replicates, atol=1e-12)
    np.testing.assert_allclose(a.ci_low, b.ci_low, atol=1e-12)  # equal up to BLAS summation order
    assert not np.allclose(a.ci_low, c.ci_low)


def test_bootstrap_shapes_and_names():
    X, z, sel, y = interview_pool(500, seed=5)
    frame = pd.DataFrame(X, columns=["q_negotiation", "q_drive", "q_useless"])
    res = bootstrap_corrected_validity(frame, pd.Series(z), pd.Series(sel), pd.Series(y), n_boot=30, rng=0)
    assert isinstance(res, BootstrapValidity)
    assert res.names == ("q_negotiation", "q_drive", "q_useless")
    for field in ("n", "r_observed", "r_xz", "r_yz", "r_corrected", "ci_low", "ci_high", "n_valid"):
        assert getattr(res, field).shape == (3,)
    assert res.replicates is None and res.n_boot == 30
    table = res.to_frame()
    assert list(table.index) == list(res.names) and "u_z" in table
    one = bootstrap_corrected_validity(X[:, 0], z, sel, y, n_boot=30, rng=0)
    assert one.names == ("x0",) and one.r_corrected.shape == (1,)
    assert one.r_corrected[0] == pytest.approx(res.r_corrected[0])


def test_bootstrap_runs_with_nans_and_degenerate_columns_silently():
    X, z, sel, y = interview_pool(2000, seed=6, missing=0.3)
    X = np.c_[X, np.full(2000, np.nan), np.full(2000, 3.0)]  # never answered; constant
    y[np.flatnonzero(sel)[:50]] = np.nan  # some selected lack the criterion
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = bootstrap_corrected_validity(X, z, sel, y, n_boot=100, rng=0)
    assert np.isfinite(res.r_corrected[:3]).all() and np.isfinite(res.ci_low[:3]).all()
    assert np.all(res.ci_low[:3] < res.r_corrected[:3]) and np.all(res.r_corrected[:3] < res.ci_high[:3])
    assert res.n[3] == 0 and np.isnan(res.r_corrected[3:]).all() and np.isnan(res.ci_high[3:]).all()
    assert list(res.n_valid[3:]) == [0, 0]


def test_bootstrap_ci_needs_enough_defined_resamples():
    # 4 selected with the criterion: many resamples have < 3 of them, so no CI is reported.
    g = np.random.default_rng(8)
    z = g.normal(size=200)
    sel = z > np.sort(z)[-5]
    y = np.where(sel, g.normal(size=200), np.nan)
    res = bootstrap_corrected_validity(z, z, sel, y, n_boot=200, rng=0)
    assert res.n_valid[0] < 0.9 * 200
    assert np.isnan(res.ci_low[0]) and np.isnan(res.ci_high[0])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_boot": 0}, "n_boot"),
        ({"n_boot": 2.5}, "n_boot"),
        ({"level": 1.0}, "level"),
        ({"min_valid": 2}, "min_valid"),
    ],
)
def test_bootstrap_argument_errors(kwargs, message):
    X, z, sel, y = interview_pool(100, seed=0)
    with pytest.raises(ValueError, match=message):
        bootstrap_corrected_validity(X, z, sel, y, **kwargs)


def test_bootstrap_shape_errors():
    X, z, sel, y = interview_pool(100, seed=0)
    with pytest.raises(ValueError, match="z must have shape"):
        bootstrap_corrected_validity(X, z[:-1], sel, y)
    with pytest.raises(ValueError, match="selected must be boolean"):
        bootstrap_corrected_validity(X, z, np.where(sel, 1.0, np.nan), y)


def test_bootstrap_ci_covers_the_truth():
    """Coverage over 60 independent pools (n = 2,000, 35% selected) of the 95% percentile CI.

    Population: r_xy = .30, r_xz = .50, r_yz = .40 for the question; .40 for z itself (Case II).
    Measured coverage with 100 pools and 400 resamples: 0.97 and 0.93.
    """
    hits = []
    for s in range(60):
        x, y, z = trivariate(2000, 0.30, 0.50, 0.40, seed=1000 + s)
        sel = select_top(z, 0.35)
        res = bootstrap_corrected_validity(np.c_[x, z], z, sel, np.where(sel, y, np.nan), n_boot=300, rng=s)
        hits.append([res.ci_low[0] <= 0.30 <= res.ci_high[0], res.ci_low[1] <= 0.40 <= res.ci_high[1]])
    coverage = np.mean(hits, axis=0)
    assert np.all(coverage >= 0.83), coverage


# ------------------------------------------------------------------------------------------ R peer


def _rscript_with_psych() -> str | None:
    rscript = shutil.which("Rscript")
    if not rscript:
        return None
    probe = subprocess.run([rscript, "-e", "quit(status = !requireNamespace('psych', quietly = TRUE))"],
                           capture_output=True, timeout=60)
    return rscript if probe.returncode == 0 else None


@pytest.mark.parametrize(("r", "u", "expected"), CASE_II_VECTORS)
def test_case_ii_agrees_with_r_psych_rangeCorrection(r, u, expected):
    rscript = _rscript_with_psych()
    if rscript is None:
        pytest.skip("R peer check skipped: needs Rscript with the psych package (Debian: apt-get install r-cran-psych)")
    code = f"cat(sprintf('%.10f', psych::rangeCorrection({r}, sdu = 1, sdr = {u})))"
    out = subprocess.run([rscript, "-e", code], capture_output=True, text=True, timeout=60, check=True).stdout
    assert float(out) == pytest.approx(correct_case_ii(r, u), abs=1e-9)
    assert round(float(out), 4) == expected


# ----------------------------------------------------------------------- Lawley and two-stage selection


@pytest.mark.parametrize(("r_xy", "r_xz", "r_yz", "u"), [(0.2, 0.5, 0.3, 0.6), (-0.1, 0.7, 0.4, 0.55),
                                                        (0.0, 0.3, 0.2, 0.9), (0.35, -0.2, 0.25, 0.45)])
def test_lawley_with_one_selection_variable_is_case_iii_and_case_ii(r_xy, r_xz, r_yz, u):
    """Closed form: Lawley on one explicit variable z is Case III for (x, y) and Case II for (z, y)."""
    sd = np.array([0.7, 2.0, 1.3])  # covariances, not only correlations: the result is scale-free
    R = np.array([[1.0, r_xy, r_xz], [r_xy, 1.0, r_yz], [r_xz, r_yz, 1.0]])
    S = R * np.outer(sd, sd)
    star = correct_lawley(S, [2], [[S[2, 2] / u**2]])
    r = star / np.sqrt(np.outer(np.diag(star), np.diag(star)))
    assert r[0, 1] == pytest.approx(correct_case_iii(r_xy, r_xz, r_yz, u), abs=1e-12)
    assert r[1, 2] == pytest.approx(correct_case_ii(r_yz, u), abs=1e-12)
    assert star[2, 2] == pytest.approx(S[2, 2] / u**2)


@pytest.mark.parametrize(("r", "u", "expected"), CASE_II_VECTORS)
def test_lawley_reproduces_the_case_ii_test_vectors(r, u, expected):
    star = correct_lawley(np.array([[1.0, r], [r, 1.0]]), [0], [[1 / u**2]])
    assert star[0, 1] / math.sqrt(star[0, 0] * star[1, 1]) == pytest.approx(expected, abs=5e-5)


def test_lawley_batches_moves_means_and_handles_a_duplicated_explicit_variable():
    g = np.random.default_rng(0)
    A = g.normal(size=(5, 4, 4))
    S = A @ np.swapaxes(A, -1, -2) + 4 * np.eye(4)
    star = correct_lawley(S, [1, 3], S[:, [1, 3]][:, :, [1, 3]])  # no change in the explicit block
    np.testing.assert_allclose(star, S, atol=1e-10)
    one = correct_lawley(S[2], [1, 3], 2 * S[2][np.ix_([1, 3], [1, 3])])
    np.testing.assert_allclose(correct_lawley(S, [1, 3], 2 * S[:, [1, 3]][:, :, [1, 3]])[2], one, atol=1e-10)
    # means: mu* = mu + B (mu*_s - mu_s), B = regression on z
    S2 = np.array([[1.0, 0.5], [0.5, 2.0]])
    cov, mu = correct_lawley(S2, [1], [[4.0]], mean=[0.0, 1.0], mean_explicit=[0.0])
    assert mu.tolist() == pytest.approx([-0.25, 0.0])
    # x is z: a singular explicit block (x, z) still gives Case II
    R = np.array([[1.0, 1.0, 0.3], [1.0, 1.0, 0.3], [0.3, 0.3, 1.0]])
    out = correct_lawley(R, [0, 1], np.full((2, 2), 1 / 0.8**2))
    assert out[0, 2] / math.sqrt(out[0, 0] * out[2, 2]) == pytest.approx(correct_case_ii(0.3, 0.8), abs=1e-9)
    with pytest.raises(ValueError, match="cov_explicit"):
        correct_lawley(R, [0, 1], [[1.0]])


def two_stage_pool(n, seed, *, binary=False):
    """A true potential T; questions, the AI total z, the final-round score s and the criterion measure it.

    Stage 1: the top 35 % on z pass the AI interview; stage 2: finalists above the 55th percentile of s get an
    offer, 85 % accept. y is known for hires only. Returns X (3 questions + z), z, selected, s, y, the
    population criterion, and its population correlations with the columns of X.
    """
    g = np.random.default_rng(seed)
    T = g.normal(size=n)
    pres = g.normal(size=n)
    X = np.c_[0.7 * T + 0.3 * pres, 0.4 * T + 0.3 * pres, 0.0 * T + 0.3 * pres]
    X += g.normal(size=X.shape) * np.sqrt(1 - np.array([0.58, 0.25, 0.09]))  # unit variances
    z = X.mean(axis=1)
    s = 0.7 * T + 0.714 * g.normal(size=n)
    latent = 0.5 * T + np.sqrt(0.75) * g.normal(size=n)
    y_all = (latent > 0.6).astype(float) if binary else latent
    sel = select_top(z, 0.35)
    offer = sel & (s >= np.quantile(s[sel], 0.55))
    hired = offer & (g.random(n) < 0.85)
    Xz = np.c_[X, z]
    truth = np.array([np.corrcoef(Xz[:, j], y_all)[0, 1] for j in range(Xz.shape[1])])
    return Xz, z, sel, np.where(sel, s, np.nan), np.where(hired, y_all, np.nan), truth


@pytest.mark.parametrize("binary", [False, True])
def test_two_stage_recovers_the_population_correlation_and_one_stage_does_not(binary):
    X, z, sel, s, y, truth = two_stage_pool(300_000, seed=11, binary=binary)
    two = bootstrap_two_stage_validity(X, z, sel, s, y, n_boot=1, rng=0, dichotomous=binary)
    one = bootstrap_corrected_validity(X, z, sel, y, n_boot=1, rng=0, dichotomous=binary)
    np.testing.assert_allclose(two.r_corrected, truth, atol=0.015)
    valid = truth > 0.1
    assert np.all(one.r_corrected[valid] < truth[valid])  # one stage understates every valid column
    assert abs(one.r_corrected[0] - truth[0]) > 0.035 and abs(one.r_corrected[-1] - truth[-1]) > 0.025
    assert np.mean(np.abs(one.r_corrected - truth)) > 3 * np.mean(np.abs(two.r_corrected - truth))
    assert two.stages == 2 and one.stages == 1 and 0 < two.u_s < 1


def test_two_stage_without_second_stage_selection_is_case_iii():
    """Everyone who passed has the criterion: stage 2 changes nothing and the result is (dichotomous) Case III."""
    X, z, sel, y = interview_pool(4000, seed=7)
    s = np.where(sel, z + np.random.default_rng(1).normal(size=z.size), np.nan)
    two = bootstrap_two_stage_validity(np.c_[X, z], z, sel, s, y, n_boot=1, rng=0)
    one = bootstrap_corrected_validity(np.c_[X, z], z, sel, y, n_boot=1, rng=0)
    np.testing.assert_allclose(two.r_corrected, one.r_corrected, atol=1e-10)
    np.testing.assert_allclose(two.r_observed, one.r_observed, atol=1e-10)
    assert two.u_s == pytest.approx(1.0)
    yb = np.where(sel, (y > np.nanmedian(y)).astype(float), np.nan)
    two = bootstrap_two_stage_validity(np.c_[X, z], z, sel, s, yb, n_boot=1, rng=0, dichotomous=True)
    one = bootstrap_corrected_validity(np.c_[X, z], z, sel, yb, n_boot=1, rng=0, dichotomous=True)
    np.testing.assert_allclose(two.r_corrected, one.r_corrected, atol=1e-10)


def test_two_stage_replicates_equal_explicit_resampling():
    X, z, sel, s, y, _ = two_stage_pool(600, seed=3)
    X[np.random.default_rng(0).random(X.shape) < 0.05] = np.nan
    res = bootstrap_two_stage_validity(X, z, sel, s, y, n_boot=4, rng=5, return_replicates=True, chunk_size=3)
    g = np.random.default_rng(5)
    for b in range(4):
        i = g.integers(0, 600, size=600)
        again = bootstrap_two_stage_validity(X[i], z[i], sel[i], s[i], y[i], n_boot=1, rng=0)
        np.testing.assert_allclose(res.replicates[b], again.r_corrected, atol=1e-9)


def test_two_stage_ci_covers_and_degenerate_input_is_silent():
    X, z, sel, s, y, truth = two_stage_pool(20_000, seed=8)
    res = bootstrap_two_stage_validity(X, z, sel, s, y, n_boot=300, rng=2)
    assert np.all((res.ci_low <= truth) & (truth <= res.ci_high))
    X[:, 1] = np.where(sel, 3.0, X[:, 1])  # constant among the selected
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = bootstrap_two_stage_validity(X, z, sel, s, y, n_boot=100, rng=2)
    assert np.isnan(res.r_corrected[1]) and np.isnan(res.ci_low[1]) and np.isfinite(res.r_corrected[0])


def test_two_stage_argument_errors():
    X, z, sel, s, y, _ = two_stage_pool(500, seed=1)
    with pytest.raises(ValueError, match="s must have shape"):
        bootstrap_two_stage_validity(X, z, sel, s[:-1], y)
    with pytest.raises(ValueError, match="0/1 among the hires"):
        bootstrap_two_stage_validity(X, z, sel, s, y, dichotomous=True)


# ------------------------------------------- the tails are scipy.special's: the same floats as scipy.stats
@pytest.mark.parametrize("n", [0, 2, 3, 4, 10, 57, 1000, 10**6])
def test_correlation_p_value_is_scipy_stats_t(n):
    r = np.r_[-1.0, -0.999, np.linspace(-0.95, 0.95, 39), 0.999, 1.0, np.nan]
    df = n - 2
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.abs(r) * np.sqrt(df / (1.0 - r * r))
        p = 2.0 * stats.t.sf(t, df if df > 0 else 1.0)
    p = np.where(np.abs(r) >= 1.0, 0.0, p)
    expected = np.where(np.isfinite(r) & (np.abs(r) <= 1.0) & (n >= 3), p, np.nan)
    np.testing.assert_array_equal(correlation_p_value(r, n), expected)


def test_applicant_pass_rate_is_the_scipy_stats_formula():
    from scipy import special

    from workbench.review.stats import applicant_pass_rate

    g = np.random.default_rng(4)
    p_s, r_yz = g.uniform(0.01, 0.99, 200), g.uniform(-0.4, 0.6, 200)
    u_z, d_z = g.uniform(0.3, 1.2, 200), g.normal(0, 1, 200)
    p_s[:3] = [0.0, 1.0, np.nan]
    with np.errstate(invalid="ignore", divide="ignore"):
        c = special.ndtri(1.0 - p_s)
        k = np.where((p_s > 0) & (p_s < 1), stats.norm.pdf(c) / np.sqrt(p_s * (1.0 - p_s)), np.nan)
        rho = np.clip(r_yz / k, -1.0, 1.0)
        expected = stats.norm.sf((c - rho * d_z) / np.sqrt(1.0 + rho * rho * (1.0 / (u_z * u_z) - 1.0)))
    np.testing.assert_array_equal(applicant_pass_rate(p_s, r_yz, u_z, d_z), expected)


def test_importing_the_review_package_loads_neither_scipy_stats_nor_sklearn():
    import sys

    code = ("import sys, workbench.review, workbench.review.queue, workbench.review.validity; "
            "print(sorted(m for m in ('scipy.stats', 'sklearn', 'workbench.review.loop') if m in sys.modules)); "
            "from workbench.review import review_dataset, WeightTuner, pearson; import workbench.review as r; "
            "print(r.loop.review_dataset is review_dataset, r.weights.WeightTuner is WeightTuner)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "True True"]
