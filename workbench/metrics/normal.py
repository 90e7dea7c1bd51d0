"""The standard normal as the analyses use it: the two-sided critical value, the two-sided p-value and the
density.

scipy.special's closed forms, the functions scipy.stats evaluates (``norm.isf(q) = -ndtri(q)``, ``norm.sf(x) =
ndtr(-x)``, ``norm.pdf(x) = exp(-x^2/2) / sqrt(2 pi)``), so that importing an analysis does not import
scipy.stats (0.5-0.8 s of an app kernel's start).

Examples
--------
>>> round(float(z_critical(0.95)), 4), round(float(two_sided_p(1.959964)), 4), round(float(norm_pdf(0.0)), 6)
(1.96, 0.05, 0.398942)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

__all__ = ["norm_pdf", "two_sided_p", "z_critical"]

_SQRT_2PI = np.sqrt(2 * np.pi)


def z_critical(level: float = 0.95) -> float:
    """The normal quantile of a two-sided ``level`` interval (``scipy.stats.norm.isf((1 - level) / 2)``)."""
    return -special.ndtri((1 - level) / 2)


def two_sided_p(z: Any) -> Any:
    """The two-sided normal p-value of ``z`` (``2 * scipy.stats.norm.sf(abs(z))``); arrays element-wise."""
    return 2 * special.ndtr(-np.abs(z))


def norm_pdf(x: Any) -> Any:
    """The standard normal density, as ``scipy.stats.norm.pdf`` computes it (``exp(-x^2/2) / sqrt(2 pi)``).

    >>> float(norm_pdf(np.inf))
    0.0
    """
    x = np.asarray(x, dtype=float)
    return np.exp(-x**2 / 2.0) / _SQRT_2PI
