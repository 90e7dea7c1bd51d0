"""Ranking metrics: the one ROC AUC of the workbench (rank formula, average ranks for ties).

Examples
--------
>>> auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
0.75
"""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["auc", "auc_columns", "mid_ranks"]


def auc(y_true: Any, y_score: Any, *, sample_weight: Any = None) -> float | None:
    """ROC AUC of ``y_score`` for the positives of ``y_true`` (Mann-Whitney form; ties count one half).

    Equals :func:`sklearn.metrics.roc_auc_score`; None when one class is absent. With ``sample_weight``
    each case counts with its weight (frequency weights).

    Examples
    --------
    >>> auc([1, 0, 1, 0], [3, 1, 2, 2])
    0.875
    >>> auc([1, 1], [0.2, 0.4]) is None
    True
    """
    pos = np.asarray(y_true).astype(float) == 1
    x = np.asarray(y_score, dtype=float)
    if sample_weight is None:
        return None if pos.all() or not pos.any() else float(auc_columns(x[:, None], pos)[0])
    w = np.ones(x.size) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    w1, w0 = float(w[pos].sum()), float(w[~pos].sum())
    if w1 == 0 or w0 == 0:
        return None
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])
    ends = np.r_[starts[1:], xs.size]
    cum = np.r_[0.0, np.cumsum(ws)]
    # weighted mid-rank of each run of tied values: weight below it plus half the run's weight
    mid = cum[starts] + (cum[ends] - cum[starts]) / 2.0
    ranks = np.empty(x.size)
    ranks[order] = np.repeat(mid, ends - starts)
    # the positives' weighted mid-ranks less their ranks among themselves (w1^2 / 2), over all pos-neg pairs
    s_pos = float((w[pos] * ranks[pos]).sum())
    return float((s_pos - w1 * w1 / 2.0) / (w1 * w0))


def auc_columns(M: Any, member: Any) -> np.ndarray:
    """ROC AUC of every column of ``M`` for the rows in ``member`` against the rest (ties count one half).

    Mid-ranks per column (:func:`mid_ranks`), so many columns cost one sort each; both classes must be present.

    Examples
    --------
    >>> auc_columns(np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]]), np.array([False, True, True])).tolist()
    [1.0, 0.0]
    """
    member = np.asarray(member, dtype=bool)
    ranks = mid_ranks(np.asarray(M, dtype=float))
    n1 = member.sum()
    n0 = len(member) - n1
    return (ranks[member].sum(axis=0) - n1 * (n1 + 1) / 2) / (n1 * n0)


def mid_ranks(M: Any) -> np.ndarray:
    """1-based ranks of each column of ``M``, ties sharing the mean of their ranks; a column with a NaN is NaN.

    The values of ``scipy.stats.rankdata(M, axis=0)`` (``method="average"``, ``nan_policy="propagate"``):
    ranks are whole or half numbers, exact in floating point, so they are the same numbers; numpy only, so
    the apps' first AUC does not import scipy.stats.

    Examples
    --------
    >>> mid_ranks(np.array([[3.0, 1.0], [1.0, np.nan], [3.0, 2.0]])).tolist()
    [[2.5, nan], [1.0, nan], [2.5, nan]]
    """
    M = np.asarray(M, dtype=float)
    if M.ndim != 2:
        raise ValueError(f"M must be 2-d (rows x columns), got {M.ndim}-d")
    n = M.shape[0]
    if n == 0:
        return np.empty(M.shape)
    order = np.argsort(M, axis=0, kind="stable")
    y = np.take_along_axis(M, order, axis=0)
    idx = np.arange(n)[:, None]
    first = np.ones(M.shape, dtype=bool)  # the first of a run of equal values (in sorted order)
    first[1:] = y[1:] != y[:-1]
    last = np.ones(M.shape, dtype=bool)
    last[:-1] = first[1:]
    start = np.maximum.accumulate(np.where(first, idx, 0), axis=0)
    end = np.minimum.accumulate(np.where(last, idx, n - 1)[::-1], axis=0)[::-1]
    ranks = np.empty(M.shape)
    np.put_along_axis(ranks, order, (start + 1) + (end - start) / 2, axis=0)
    ranks[:, np.isnan(M).any(axis=0)] = np.nan
    return ranks
