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
