"""Selection: the one LL144 impact ratio of the workbench, from per-group counts.

Every table that shows an impact ratio (the audit's LL144 tables, the review's projected ratios, the weight
tuner) gets it from :func:`impact_ratios`. The rule (NYC Local Law 144, 6 RCNY 5-301): selection rate =
selected / n per category; impact ratio = rate / the highest rate among the rated categories; a category under
``min_share`` of the known applicants may be left out (listed, not rated, never the reference); unknown
membership is counted apart by the caller and never rated.

Examples
--------
>>> r = impact_ratios([100, 50, 1], [40, 10, 1], min_share=0.02)
>>> r.impact_ratio.round(2).tolist(), r.excluded_small.tolist(), r.reference
([1.0, 0.5, nan], [False, False, True], 0)
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

__all__ = ["FOUR_FIFTHS", "ImpactRatios", "impact_ratios"]

FOUR_FIFTHS = 0.8


class ImpactRatios(NamedTuple):
    """Per-category arrays (in the order given) and the index of the reference category (-1: none)."""

    rate: np.ndarray
    share: np.ndarray
    excluded_small: np.ndarray
    impact_ratio: np.ndarray
    four_fifths: np.ndarray
    reference: int


def impact_ratios(n: Any, selected: Any, *, min_share: float = 0.0, rates: Any = None) -> ImpactRatios:
    """Selection rates and impact ratios of the known categories from their counts.

    Parameters
    ----------
    n, selected : array_like of counts (or weights), one entry per known category
    min_share : float, default 0
        Categories with a smaller share of the known applicants are listed but get no ratio.
    rates : array_like, optional
        Selection rates computed elsewhere (e.g. by fairlearn's MetricFrame); default ``selected / n``.

    Returns
    -------
    ImpactRatios
        ``four_fifths`` is True where a rated category's ratio is under 0.80. Empty categories (n = 0) get
        NaN rates and are never rated.

    Examples
    --------
    >>> impact_ratios([10, 10], [5, 3]).four_fifths.tolist()
    [False, True]
    """
    n = np.asarray(n, dtype=float)
    sel = np.asarray(selected, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(n > 0, sel / np.where(n > 0, n, 1.0), np.nan) if rates is None else \
            np.asarray(rates, dtype=float)
        total = n.sum()
        share = n / total if total > 0 else np.full(n.shape, np.nan)
    excluded = (share < min_share) if total > 0 else np.zeros(n.shape, dtype=bool)
    eligible = ~excluded & (n > 0) & np.isfinite(rate)
    ref = int(np.flatnonzero(eligible)[np.argmax(rate[eligible])]) if eligible.any() else -1
    top = rate[ref] if ref >= 0 else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(eligible & (top > 0), rate / top, np.nan)
    return ImpactRatios(rate, share, np.asarray(excluded, dtype=bool), ratio,
                        np.isfinite(ratio) & (ratio < FOUR_FIFTHS), ref)
