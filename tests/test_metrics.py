"""workbench.metrics against independent computations: scikit-learn, scipy, fairlearn and hand vectors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from workbench.metrics import (
    auc,
    auc_columns,
    benjamini_hochberg,
    correlate_columns,
    holm,
    impact_ratios,
    pearson_r,
    wilson_ci,
)
from workbench.metrics.bootstrap import percentile_interval, resample_counts, resample_indices


def _cases(n_cases=60, seed=0):
    g = np.random.default_rng(seed)
    for i in range(n_cases):
        n = int(g.integers(5, 80))
        y = g.integers(0, 2, n)
        if y.min() == y.max():
            y[0] = 1 - y[0]
        x = g.integers(0, 6, n).astype(float) if i % 2 else g.normal(size=n)  # ties in every other case
        w = g.integers(1, 4, n).astype(float)
        yield y, x, w


@pytest.mark.parametrize("y,x,w", list(_cases()))
def test_auc_equals_sklearn_with_ties_and_weights(y, x, w):
    assert auc(y, x) == pytest.approx(roc_auc_score(y, x), abs=1e-12)
    assert auc(y, x, sample_weight=w) == pytest.approx(roc_auc_score(y, x, sample_weight=w), abs=1e-12)


def test_auc_columns_equals_sklearn_per_column():
    g = np.random.default_rng(3)
    M = g.integers(0, 4, (200, 5)).astype(float)
    member = g.random(200) < 0.3
    got = auc_columns(M, member)
    assert got == pytest.approx([roc_auc_score(member, M[:, j]) for j in range(5)], abs=1e-12)


def test_auc_is_none_for_one_class():
    assert auc([1, 1, 1], [0.1, 0.2, 0.3]) is None and auc([0, 0], [1, 2], sample_weight=[1, 1]) is None


def test_holm_and_bh_match_hand_vectors_and_scipy():
    p = np.array([0.01, 0.04, 0.03, 0.005, np.nan])
    # Holm: sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 -> 0.02, 0.03, 0.06, 0.04 -> running max
    assert holm(p)[:4].tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert np.isnan(holm(p)[4])
    g = np.random.default_rng(1)
    for _ in range(20):
        q = g.random(int(g.integers(2, 30))) ** 2
        assert benjamini_hochberg(q) == pytest.approx(stats.false_discovery_control(q, method="bh"), abs=1e-12)


def test_pearson_r_and_columns_match_scipy_over_complete_pairs():
    g = np.random.default_rng(2)
    x, y = g.normal(size=100), g.normal(size=100)
    x[[3, 7]] = np.nan
    ok = np.isfinite(x)
    assert pearson_r(x, y) == pytest.approx(stats.pearsonr(x[ok], y[ok]).statistic, abs=1e-12)
    r, n = correlate_columns(np.c_[x, y], y)
    assert r[1] == pytest.approx(1.0) and n.tolist() == [98, 100]


def test_impact_ratios_match_fairlearn_metricframe():
    from fairlearn.metrics import MetricFrame, selection_rate

    g = np.random.default_rng(4)
    group = g.choice(["a", "b", "c", "d"], 3000, p=[0.5, 0.3, 0.19, 0.01])
    sel = (g.random(3000) < np.select([group == "a", group == "b"], [0.5, 0.35], 0.45)).astype(int)
    mf = MetricFrame(metrics=selection_rate, y_true=sel, y_pred=sel, sensitive_features=group)
    rates = mf.by_group
    counts = pd.Series(group).value_counts().reindex(rates.index)
    selected = pd.Series(sel).groupby(group).sum().reindex(rates.index)
    ir = impact_ratios(counts.to_numpy(), selected.to_numpy(), min_share=0.02)
    assert ir.rate == pytest.approx(rates.to_numpy(), abs=1e-12)
    top = rates.drop("d").max()  # d is 1 % of applicants: listed, not rated (LL144)
    expected = (rates / top).where(rates.index != "d")
    assert np.allclose(ir.impact_ratio, expected.to_numpy(), equal_nan=True)
    assert ir.excluded_small.tolist() == [False, False, False, True]
    assert ir.four_fifths.tolist() == list((expected < 0.8).fillna(False))


def test_wilson_matches_the_closed_form():
    low, high = wilson_ci(30, 100)
    z = stats.norm.isf(0.025)
    centre = (0.3 + z * z / 200) / (1 + z * z / 100)
    half = z * np.sqrt(0.3 * 0.7 / 100 + z * z / 40000) / (1 + z * z / 100)
    assert (low, high) == pytest.approx((centre - half, centre + half), abs=1e-12)


@pytest.mark.parametrize("chunk", [1, 7, 64, None])
def test_resample_counts_are_the_index_stream_whatever_the_chunk(chunk):
    n, b = 13, 50
    idx = np.vstack([np.bincount(i, minlength=n) for i in resample_indices(n, b, rng=5)])
    W = np.vstack([w.copy() for _, w in resample_counts(n, b, rng=5, chunk_size=chunk)])
    assert np.array_equal(W, idx) and (W.sum(axis=1) == n).all()


def test_bootstrap_interval_covers_a_known_mean():
    g = np.random.default_rng(0)
    hits = 0
    for rep in range(200):
        x = g.normal(1.0, 1.0, 40)
        reps = np.array([x[i].mean() for i in resample_indices(40, 300, rng=rep)])
        low, high = percentile_interval(reps, 0.9)
        hits += low <= 1.0 <= high
    assert 0.80 <= hits / 200 <= 0.97  # nominal 90 %; the percentile interval is slightly narrow at n = 40


# ----------------------------------------------------------- scipy.special closed forms = scipy.stats
# The metrics, fairness and review modules evaluate the normal, t and chi-square tails with scipy.special (so
# that an app's kernel does not import scipy.stats); these are the identities they rely on, on grids that take
# in the tails, the boundaries and NaN: the very same floats, not approximately.
Q_GRID = np.r_[0.0, 1e-300, 1e-12, 1e-6, np.linspace(0.001, 0.999, 37), 0.025, 0.05, 0.5, 1 - 1e-9, 1.0, np.nan]
X_GRID = np.r_[-np.inf, -40.0, -8.5, np.linspace(-6, 6, 49), 1.959963984540054, 8.5, 40.0, np.inf, np.nan, -0.0]
DF_GRID = [0.5, 1, 2, 2.5, 3, 7, 30, 117.3, 1e4, 1e8, np.inf]


def test_normal_isf_is_minus_ndtri():
    from scipy import special

    np.testing.assert_array_equal(-special.ndtri(Q_GRID), stats.norm.isf(Q_GRID))
    assert -special.ndtri(0.025) == stats.norm.isf(0.025) and type(-special.ndtri(0.025)) is np.float64


def test_normal_sf_is_ndtr_of_minus_x():
    from scipy import special

    np.testing.assert_array_equal(special.ndtr(-X_GRID), stats.norm.sf(X_GRID))
    np.testing.assert_array_equal(2 * special.ndtr(-np.abs(X_GRID)), 2 * stats.norm.sf(np.abs(X_GRID)))


def test_norm_pdf_is_scipy_stats():
    from workbench.metrics.normal import norm_pdf

    x = np.r_[-np.inf, -40.0, np.linspace(-8, 8, 161), 40.0, np.inf, np.nan]
    np.testing.assert_array_equal(norm_pdf(x), stats.norm.pdf(x))
    assert norm_pdf(0.3) == stats.norm.pdf(0.3) and type(norm_pdf(0.3)) is type(stats.norm.pdf(0.3))


@pytest.mark.parametrize("level", [0.5, 0.8, 0.9, 0.95, 0.99, 0.999])
def test_the_normal_helpers_are_scipy_stats(level):
    from workbench.metrics.normal import two_sided_p, z_critical

    assert z_critical(level) == stats.norm.isf((1 - level) / 2)
    np.testing.assert_array_equal(two_sided_p(X_GRID), 2 * stats.norm.sf(np.abs(X_GRID)))
    assert two_sided_p(-1.3) == 2 * stats.norm.sf(1.3)


@pytest.mark.parametrize("df", [1, 2, 5])
def test_chi2_sf_is_chdtrc_on_the_statistics_range(df):
    from scipy import special

    x = np.r_[0.0, 1e-12, np.linspace(0.01, 60, 91), 1e3, np.inf, np.nan]  # a chi-square statistic is >= 0
    np.testing.assert_array_equal(special.chdtrc(df, x), stats.chi2.sf(x, df))


@pytest.mark.parametrize("df", DF_GRID)
def test_t_sf_is_stdtr_of_minus_x(df):
    from scipy import special

    np.testing.assert_array_equal(special.stdtr(df, -X_GRID), stats.t.sf(X_GRID, df))


@pytest.mark.parametrize("df", DF_GRID)
def test_t_isf_is_minus_stdtrit_except_at_zero(df):
    from scipy import special

    q = Q_GRID[1:]  # q = 0: stdtrit(df, 0) is +inf, so -stdtrit is -inf where t.isf(0) is +inf
    np.testing.assert_array_equal(-special.stdtrit(df, q), stats.t.isf(q, df))
    assert stats.t.isf(0.0, df) == np.inf and -special.stdtrit(df, 0.0) == -np.inf  # hence scipy.stats' t.isf


def test_t_tails_with_an_array_of_degrees_of_freedom():
    from scipy import special

    df = np.array([0.0, -1.0, 1.0, 3.5, 40.0, np.inf, np.nan])  # df <= 0 or NaN: NaN in both
    x, q = np.linspace(-3, 3, 7), np.linspace(0.01, 0.5, 7)
    np.testing.assert_array_equal(special.stdtr(df, -x), stats.t.sf(x, df))


@pytest.mark.parametrize("level", [0.5, 0.8, 0.9, 0.95, 0.99, 0.999])
def test_proportions_are_the_scipy_stats_formulas(level):
    from workbench.metrics import katz_ci, two_proportion_z

    g = np.random.default_rng(int(level * 1000))
    n1, n2 = g.integers(0, 60, 40), g.integers(0, 60, 40)
    a, c = (g.random(40) * n1).round(), (g.random(40) * n2).round()
    z = stats.norm.isf((1 - level) / 2)
    k, n = a.astype(float), n1.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low, high = wilson_ci(a, n1, level)
    np.testing.assert_array_equal(low, np.where(n > 0, centre - half, np.nan))
    np.testing.assert_array_equal(high, np.where(n > 0, centre + half, np.nan))
    zs, ps = two_proportion_z(a, n1, c, n2)
    np.testing.assert_array_equal(ps, 2 * stats.norm.sf(np.abs(zs)))
    lo, hi = katz_ci(np.maximum(a, 1), np.maximum(n1, 2), np.maximum(c, 1), np.maximum(n2, 2), level)
    a1, n1_, c1, n2_ = (np.maximum(v, m).astype(float) for v, m in ((a, 1), (n1, 2), (c, 1), (n2, 2)))
    se = np.sqrt(1 / a1 - 1 / n1_ + 1 / c1 - 1 / n2_)
    np.testing.assert_array_equal(lo, np.exp(np.log(a1 / n1_) - np.log(c1 / n2_) - z * se))
    np.testing.assert_array_equal(hi, np.exp(np.log(a1 / n1_) - np.log(c1 / n2_) + z * se))
    assert isinstance(wilson_ci(3, 10, level)[0], float)


@pytest.mark.parametrize("seed", range(6))
def test_mid_ranks_are_scipy_rankdata(seed):
    from workbench.metrics.ranking import mid_ranks

    g = np.random.default_rng(seed)
    n, k = int(g.integers(1, 300)), int(g.integers(1, 6))
    for M in (g.integers(0, 4, (n, k)).astype(float), g.normal(size=(n, k)).round(seed % 3), g.normal(size=(n, k))):
        if seed % 2:
            M[g.random(M.shape) < 0.05] = np.nan  # a column with a NaN ranks NaN (nan_policy="propagate")
        np.testing.assert_array_equal(mid_ranks(M), stats.rankdata(M, axis=0))
    assert mid_ranks(np.empty((0, 2))).shape == (0, 2)


def test_auc_columns_is_the_rank_formula_of_scipy_rankdata():
    g = np.random.default_rng(3)
    M, member = g.integers(0, 5, (200, 4)).astype(float), g.random(200) < 0.3
    ranks = stats.rankdata(M, axis=0)
    n1, n0 = member.sum(), (~member).sum()
    np.testing.assert_array_equal(auc_columns(M, member), (ranks[member].sum(axis=0) - n1 * (n1 + 1) / 2) / (n1 * n0))
