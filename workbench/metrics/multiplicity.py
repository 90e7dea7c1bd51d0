"""Multiple-comparison adjustments: the one Holm and the one Benjamini-Hochberg of the workbench.

NaN p-values (tests with too little data) stay NaN and do not count in m.

Examples
--------
>>> holm([0.01, 0.04, 0.03, 0.005]).tolist()
[0.03, 0.06, 0.06, 0.02]
"""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["holm", "benjamini_hochberg", "bh", "holm_multiplier"]


def _as_float(values: Any, name: str) -> np.ndarray:
    """``values`` as a float array; ``None``/``pd.NA`` become NaN."""
    if hasattr(values, "to_numpy"):  # pandas Series/DataFrame/ExtensionArray, incl. nullable dtypes
        try:
            return np.asarray(values.to_numpy(dtype=float, na_value=np.nan), dtype=float)
        except (TypeError, ValueError):
            pass
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numeric (NaN/None for missing): {exc}") from None


def _adjust(pvalues: Any, method: str) -> np.ndarray:
    p = _as_float(pvalues, "pvalues")
    flat = p.ravel()
    finite = np.isfinite(flat)
    if np.any((flat[finite] < 0) | (flat[finite] > 1)):
        raise ValueError("p-values must lie in [0, 1]")
    out = np.full(flat.shape, np.nan)
    q = flat[finite]
    m = q.size
    if m:
        order = np.argsort(q, kind="stable")
        ranked = q[order]
        if method == "holm":
            adj = np.maximum.accumulate((m - np.arange(m)) * ranked)
        else:
            adj = np.minimum.accumulate((ranked * m / np.arange(1, m + 1))[::-1])[::-1]
        back = np.empty(m)
        back[order] = np.minimum(adj, 1.0)
        out[np.flatnonzero(finite)] = back
    return out.reshape(p.shape)


def holm(pvalues: Any) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values (family-wise error rate).

    With the m finite p-values sorted ascending, ``p_adj(i) = max_{j <= i} min(1, (m - j + 1) p(j))``.

    Parameters
    ----------
    pvalues : array_like
        Raw p-values; NaN entries (e.g. questions with too little data) stay NaN and do not count in m.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, same shape as the input.

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03, 0.005]).tolist()
    [0.03, 0.06, 0.06, 0.02]
    """
    return _adjust(pvalues, "holm")


def benjamini_hochberg(pvalues: Any) -> np.ndarray:
    """Benjamini-Hochberg (1995) adjusted p-values (false discovery rate), NaN-aware.

    With the m finite p-values sorted ascending, ``p_adj(i) = min_{j >= i} min(1, m p(j) / j)``; equals
    ``scipy.stats.false_discovery_control(p, method="bh")`` on the finite values.

    Parameters
    ----------
    pvalues : array_like
        Raw p-values; NaN entries stay NaN and do not count in m.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, same shape as the input.

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, float("nan"), 0.03]).round(3).tolist()
    [0.03, 0.04, nan, 0.04]
    """
    return _adjust(pvalues, "bh")


bh = benjamini_hochberg


def holm_multiplier(pvalues: np.ndarray) -> np.ndarray:
    """The factor (m - rank + 1) Holm applies to each p-value (NaN where p is NaN)."""
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    order = ok[np.argsort(p[ok], kind="stable")]
    out[order] = ok.size - np.arange(ok.size)
    return out
