"""Correlation: the one Pearson r of the workbench (pairwise complete, column-vectorised). The review's
:func:`workbench.review.stats.pearson` adds a p-value on top of it.

Examples
--------
>>> round(pearson_r([1, 2, 3, 4], [1, 3, 2, 4]), 3)
0.8
"""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["correlate_columns", "pearson_r"]


def correlate_columns(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise-complete Pearson r and n of every column of ``X`` (n x k) with ``y`` (n,). Two-pass, exact.

    r is NaN where fewer than 3 complete pairs remain or either variable is constant among them.

    Examples
    --------
    >>> r, n = correlate_columns(np.array([[1., 2.], [2., 1.], [3., 5.], [np.nan, 0.]]), np.array([1., 2., 3., 4.]))
    >>> r.round(3).tolist(), n.tolist()
    ([1.0, -0.12], [3, 4])
    """
    mask = np.isfinite(X) & np.isfinite(y)[:, None]
    n = mask.sum(axis=0)
    safe_n = np.maximum(n, 1)
    Y = np.broadcast_to(y[:, None], X.shape)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        mean_x = np.where(mask, X, 0.0).sum(axis=0) / safe_n
        mean_y = np.where(mask, Y, 0.0).sum(axis=0) / safe_n
        dx = np.where(mask, X - mean_x, 0.0)
        dy = np.where(mask, Y - mean_y, 0.0)
        sxy = (dx * dy).sum(axis=0)
        sxx = (dx * dx).sum(axis=0)
        syy = (dy * dy).sum(axis=0)
        r = sxy / np.sqrt(sxx * syy)
    # Constant means max == min among the complete pairs (exact, unlike a variance threshold).
    def varies(V: np.ndarray) -> np.ndarray:
        return np.where(mask, V, np.inf).min(axis=0, initial=np.inf) < np.where(mask, V, -np.inf).max(
            axis=0, initial=-np.inf
        )

    ok = (n >= 3) & varies(X) & varies(Y)
    return np.where(ok, np.clip(r, -1.0, 1.0), np.nan), n


def pearson_r(x: Any, y: Any) -> float:
    """Pearson's r of ``x`` and ``y`` over the pairs where both are finite (see :func:`correlate_columns`).

    Examples
    --------
    >>> pearson_r([1, 2, 3], [3, 2, 1])
    -1.0
    >>> import math; math.isnan(pearson_r([1, 1, 1], [1, 2, 3]))
    True
    """
    r, _ = correlate_columns(np.asarray(x, dtype=float)[:, None], np.asarray(y, dtype=float))
    return float(r[0])
