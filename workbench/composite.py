"""The composite: dimension scores, the weighted total and the pass decision. The only copy.

Live scoring (:mod:`workbench.scoring`), the data review (:mod:`workbench.review`), the weight tuner, the
learned model's baseline (:mod:`workbench.explain`) and the simulator all call these functions, so the same
answers give the same total and the same decision everywhere.

The rules
---------
- A dimension's score is the mean of its scored questions (rubric 1-5).
- A dimension with no scored question has no score (NaN) in :func:`dimension_scores`, so statistics leave it
  out; in the total it counts at the rubric floor, :data:`MISSING_DIMENSION_SCORE` = 1 (no evidence earns no
  credit, and an unanswered dimension can never help a candidate pass).
- The total is the weighted sum of the dimension scores with weights that sum to 1, rounded to
  :data:`TOTAL_DECIMALS` = 3 decimals (as ``ai_decisions.ai_score`` is written).
- A candidate passes when total >= threshold, compared on a grid of :data:`COMPARE_DECIMALS` decimals, so float
  noise in a threshold (3.2100000000000004 back from a browser slider) cannot flip a candidate at 3.21.

Examples
--------
>>> import pandas as pd
>>> scores = pd.DataFrame({"q1": [4.0, 2.0], "q2": [2.0, None], "q3": [5.0, None]}, index=["c1", "c2"])
>>> dims = dimension_scores(scores, {"q1": "a", "q2": "a", "q3": "b"}, ("a", "b"))
>>> dims.to_numpy().tolist()
[[3.0, 5.0], [2.0, nan]]
>>> weighted_total(dims, {"a": 0.6, "b": 0.4}).tolist()
[3.8, 1.6]
>>> passes(weighted_total(dims, {"a": 0.6, "b": 0.4}), 3.8000000000000003).tolist()
[True, False]
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["MISSING_DIMENSION_SCORE", "TOTAL_DECIMALS", "COMPARE_DECIMALS", "WeightsError",
           "normalised_weights", "dimension_scores", "weighted_total", "raw_total", "passes", "candidate_total"]

MISSING_DIMENSION_SCORE = 1.0
TOTAL_DECIMALS = 3
COMPARE_DECIMALS = 6


class WeightsError(ValueError):
    """Weights that cannot be used: missing dimensions, negative, or not summing to a positive number."""


def normalised_weights(weights: Any, names: Sequence[str], *, what: str = "weights",
                       error: type[Exception] = WeightsError) -> np.ndarray:
    """``weights`` (mapping, Series or array) in the order of ``names``, non-negative, scaled to sum to 1.

    Examples
    --------
    >>> normalised_weights({"b": 1, "a": 3}, ["a", "b"]).tolist()
    [0.75, 0.25]
    >>> normalised_weights([1, -1], ["a", "b"])
    Traceback (most recent call last):
    ...
    workbench.composite.WeightsError: weights must be non-negative numbers with a positive sum
    """
    names = list(names)
    if isinstance(weights, Mapping | pd.Series):
        missing = [n for n in names if n not in weights]
        if missing:
            raise error(f"{what} has no value for {', '.join(missing)}")
        w = np.array([float(weights[n]) for n in names])
    else:
        w = np.asarray(weights, dtype=float).ravel()
        if w.size != len(names):
            raise error(f"{what} has {w.size} values for {len(names)} dimensions")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise error(f"{what} must be non-negative numbers with a positive sum")
    return w / w.sum()


def dimension_scores(question_scores: pd.DataFrame, question_dimension: Mapping[str, str],
                     dimensions: Sequence[str]) -> pd.DataFrame:
    """Applicants x dimensions: the mean of each dimension's scored questions (NaN when none was scored).

    ``question_scores`` is applicants x questions (NaN where unanswered); ``question_dimension`` maps a
    question to its dimension.

    Examples
    --------
    >>> q = pd.DataFrame({"a": [1.0, 3.0], "b": [3.0, np.nan], "c": [5.0, 4.0]})
    >>> dimension_scores(q, {"a": "x", "b": "x", "c": "y"}, ("x", "y")).to_numpy().tolist()
    [[2.0, 5.0], [3.0, 4.0]]
    """
    cols = {dim: [q for q in question_scores.columns if question_dimension.get(q) == dim] for dim in dimensions}
    return pd.DataFrame(
        {dim: question_scores[qs].mean(axis=1) if qs else np.nan for dim, qs in cols.items()},
        index=question_scores.index, dtype=float,
    )


def weighted_total(dimensions: pd.DataFrame, weights: Any) -> pd.Series:
    """The total of every applicant: weighted dimension scores (unscored at the floor), 3 decimals.

    Examples
    --------
    >>> d = pd.DataFrame({"a": [4.0, np.nan], "b": [2.0, 3.0]})
    >>> weighted_total(d, {"a": 0.5, "b": 0.5}).tolist()
    [3.0, 2.0]
    """
    w = normalised_weights(weights, list(dimensions.columns))
    total = np.round(raw_total(dimensions.to_numpy(dtype=float), w), TOTAL_DECIMALS)
    return pd.Series(total, index=dimensions.index, name="weighted_total")


def raw_total(values: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The unrounded total of applicants x dimensions ``values`` under normalised weights ``w``.

    An unscored dimension (NaN) counts at :data:`MISSING_DIMENSION_SCORE`. :func:`weighted_total` rounds this
    to 3 decimals; correlations use it unrounded.

    Examples
    --------
    >>> raw_total(np.array([[4.0, np.nan], [2.0, 3.0]]), np.array([0.5, 0.5])).tolist()
    [2.5, 2.5]
    """
    values = np.asarray(values, dtype=float)
    return np.where(np.isnan(values), MISSING_DIMENSION_SCORE, values) @ np.asarray(w, dtype=float)


def passes(total: Any, threshold: float) -> Any:
    """Pass decision ``total >= threshold`` on a grid of 6 decimals (float noise cannot flip it).

    Accepts a number, an array or a Series and returns the same shape (NaN totals do not pass).

    Examples
    --------
    >>> passes(3.21, 3.2100000000000004), passes(3.209, 3.21)
    (True, False)
    """
    t = round(float(threshold), COMPARE_DECIMALS)
    if np.isscalar(total):
        return bool(round(float(total), COMPARE_DECIMALS) >= t)
    if isinstance(total, pd.Series):
        return total.round(COMPARE_DECIMALS) >= t
    return np.round(np.asarray(total, dtype=float), COMPARE_DECIMALS) >= t


def candidate_total(scores: Mapping[str, Sequence[float]], weights: Mapping[str, float]) -> tuple[dict, float]:
    """One candidate's dimension scores and total from ``{dimension: [question scores]}``.

    Examples
    --------
    >>> dims, total = candidate_total({"a": [4, 3], "b": []}, {"a": 0.75, "b": 0.25})
    >>> dims, total
    ({'a': 3.5, 'b': nan}, 2.875)
    """
    names = list(weights)
    dims = {d: (float(np.mean(scores[d])) if len(scores.get(d, ())) else float("nan")) for d in names}
    total = weighted_total(pd.DataFrame([dims], columns=names), weights).iloc[0]
    return dims, float(total)
