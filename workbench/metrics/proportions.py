"""Proportions: Wilson intervals, the pooled two-proportion z test and Katz's log interval of a ratio.

The normal tail and its inverse come from :mod:`workbench.metrics.normal` (scipy.special's closed forms, what
scipy.stats computes too), so importing this module does not import scipy.stats (0.5-0.8 s of an app kernel's
start).

Examples
--------
>>> [round(v, 4) for v in wilson_ci(30, 100)]
[0.2189, 0.3958]
"""
from __future__ import annotations

from typing import Any

import numpy as np

from workbench.metrics.normal import two_sided_p, z_critical

__all__ = ["wilson_ci", "two_proportion_z", "katz_ci"]


def wilson_ci(successes: Any, n: Any, level: float = 0.95) -> tuple[Any, Any]:
    """Wilson score interval of a proportion (NaN where ``n == 0``).

    Examples
    --------
    >>> [round(v, 4) for v in wilson_ci(30, 100)]
    [0.2189, 0.3958]
    """
    k, n = np.broadcast_arrays(np.asarray(successes, dtype=float), np.asarray(n, dtype=float))
    z = z_critical(level)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        low, high = np.where(n > 0, centre - half, np.nan), np.where(n > 0, centre + half, np.nan)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def two_proportion_z(a: Any, n1: Any, c: Any, n2: Any) -> tuple[Any, Any]:
    """Pooled two-proportion z of ``a/n1`` against ``c/n2`` and its two-sided p-value.

    Examples
    --------
    >>> z, p = two_proportion_z(40, 100, 60, 100)
    >>> round(float(z), 4), round(float(p), 4)
    (-2.8284, 0.0047)
    """
    a, n1, c, n2 = (np.asarray(x, dtype=float) for x in (a, n1, c, n2))
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (a + c) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (a / n1 - c / n2) / se
    return z, two_sided_p(z)


def katz_ci(a: Any, n1: Any, c: Any, n2: Any, level: float = 0.95) -> tuple[Any, Any]:
    """Katz log interval of the risk ratio ``(a/n1) / (c/n2)``; 0.5 is added to a zero count (Haldane).

    ``log RR +/- z sqrt(1/a - 1/n1 + 1/c - 1/n2)`` (Katz, Baptista, Azen & Pike 1978).

    Examples
    --------
    >>> [round(float(v), 4) for v in katz_ci(40, 100, 60, 100)]
    [0.4996, 0.8896]
    """
    a, n1, c, n2 = (np.asarray(x, dtype=float) for x in (a, n1, c, n2))
    zero = (a == 0) | (c == 0)
    a, c = np.where(zero, a + 0.5, a), np.where(zero, c + 0.5, c)
    n1, n2 = np.where(zero, n1 + 0.5, n1), np.where(zero, n2 + 0.5, n2)
    z = z_critical(level)
    with np.errstate(invalid="ignore", divide="ignore"):
        log_rr = np.log(a / n1) - np.log(c / n2)
        se = np.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    return np.exp(log_rr - z * se), np.exp(log_rr + z * se)
