"""Mitigation diagnostics (never for decisions): group thresholds are unlawful in US hiring."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.data.groups import _encode
from workbench.data.questions import current_questions
from workbench.fairness.common import AuditError, RESTRICTED, UNLAWFUL, UnlawfulThresholdWarning, _jsonable
from workbench.fairness.pool import _pool, _tables_of


# -------------------------------------------------------------------------------------- mitigation


def _job_design(tables: Mapping[str, pd.DataFrame], job_id: str, attribute: str) -> tuple[Any, ...]:
    pool = _pool(tables, job_id)
    answers, questions = tables.get("answers"), current_questions(tables.get("questions"))
    if answers is None or answers.empty:
        raise AuditError("mitigation needs the answers table")
    bank = questions[questions["job_id"].astype(str) == job_id]
    dims = dict(zip(bank["question_id"].astype(str), bank["dimension"].astype(str)))
    rows = answers[answers["question_id"].astype(str).isin(dims)]
    wide = rows.pivot_table(index=rows["candidate_id"].astype(str), columns=rows["question_id"].astype(str),
                            values="score", aggfunc="mean").reindex(pool.candidate_id)
    X = pd.DataFrame({d: wide[[q for q in wide.columns if dims[q] == d]].mean(axis=1)
                      for d in dict.fromkeys(dims.values())}, index=wide.index)
    X = X.fillna(X.mean())
    codes, labels = _encode(pool.groups, attribute)
    ok = codes >= 0
    lookup = np.array(labels, dtype=object)
    return X[ok], np.nan_to_num(pool.ai[ok]).astype(int), pd.Series(lookup[codes[ok]], name=attribute), \
        pool.final[ok]


def _min_ratio(y: np.ndarray, g: pd.Series) -> float:
    rates = pd.Series(y).groupby(g.to_numpy()).mean()
    return float(rates.min() / rates.max()) if rates.max() > 0 else np.nan


def _validity(score: np.ndarray, criterion: np.ndarray) -> float:
    ok = np.isfinite(criterion)
    if ok.sum() < 3 or np.std(score[ok]) == 0 or np.std(criterion[ok]) == 0:
        return np.nan
    return float(np.corrcoef(score[ok], criterion[ok])[0, 1])


def mitigation_diagnostic(dataset: Any, job_id: str, attribute: str = "gender", *,
                          ratio_bounds: Sequence[float] = (0.8, 0.9, 0.95), alpha: float = 0.05,
                          random_state: int = 0) -> dict[str, Any]:
    """Trade-off between validity and impact ratio under a demographic-parity constraint (diagnostic).

    fairlearn's ExponentiatedGradient with ``DemographicParity(ratio_bound=b)`` learns a randomised
    classifier of the current AI decision from the dimension scores (protected attributes are used only as
    the constraint's sensitive feature, never as features). Per bound: the pass rate, the lowest impact
    ratio, agreement with the current decisions, and the validity (correlation with final_passed among
    finalists; range-restricted) of the constrained classifier's pass probability. Nothing is applied.

    Examples
    --------
    >>> from workbench.simulate import simulate, small_config
    >>> sim = simulate(small_config(n_candidates=300, seed=2, answer_texts=False))
    >>> r = mitigation_diagnostic(sim.tables, "product_manager", "gender", ratio_bounds=(0.9,))
    >>> [row["ratio_bound"] for row in r["rows"]]
    [None, 0.9]
    """
    from fairlearn.reductions import DemographicParity, ExponentiatedGradient
    from sklearn.linear_model import LogisticRegression

    X, y, g, crit = _job_design(_tables_of(dataset), job_id, attribute)
    if len(np.unique(y)) < 2:
        raise AuditError(f"{job_id}: the AI decision has one value, nothing to mitigate")
    base = LogisticRegression(max_iter=1000).fit(X, y)
    p0 = base.predict_proba(X)[:, 1]
    current = y.astype(float)
    rows = [{"ratio_bound": None, "model": "current decisions", "pass_rate": float(current.mean()),
             "min_impact_ratio": _min_ratio(current, g), "agreement": 1.0,
             "validity_observed": _validity(p0, crit)}]
    for b in ratio_bounds:
        eg = ExponentiatedGradient(LogisticRegression(max_iter=1000), DemographicParity(ratio_bound=b),
                                   max_iter=50)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            eg.fit(X, y, sensitive_features=g)
        prob = eg._pmf_predict(X)[:, 1]
        pred = eg.predict(X, random_state=random_state).astype(float)
        rows.append({"ratio_bound": b, "model": "ExponentiatedGradient(DemographicParity)",
                     "pass_rate": float(pred.mean()), "min_impact_ratio": _min_ratio(pred, g),
                     "agreement": float((pred == current).mean()), "validity_observed": _validity(prob, crit)})
    return _jsonable({"job_id": job_id, "attribute": attribute, "rows": rows,
                      "note": "diagnostic only: shows what a parity constraint would cost in validity "
                              f"(validity_observed is {RESTRICTED})"})


def threshold_diagnostic(dataset: Any, job_id: str, attribute: str = "gender") -> dict[str, Any]:
    """Group-specific thresholds that would equalise selection rates: a DIAGNOSTIC that must never be applied.

    Using different cutoffs by race, color, religion, sex or national origin is unlawful in US hiring
    (42 U.S.C. 2000e-2(l)). fairlearn's ThresholdOptimizer (demographic parity) is fitted on a logistic model
    of the AI decision from the dimension scores; the result shows how far apart the groups' thresholds would
    have to be, which measures the size of the disparity. Emits :class:`UnlawfulThresholdWarning`.

    Examples
    --------
    >>> import warnings
    >>> from workbench.simulate import simulate, small_config
    >>> sim = simulate(small_config(n_candidates=300, seed=2, answer_texts=False))
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     r = threshold_diagnostic(sim.tables, "product_manager", "gender")
    >>> r["warning"].startswith("DIAGNOSTIC ONLY"), w[0].category.__name__
    (True, 'UnlawfulThresholdWarning')
    """
    from fairlearn.postprocessing import ThresholdOptimizer
    from sklearn.linear_model import LogisticRegression

    warnings.warn(UNLAWFUL, UnlawfulThresholdWarning, stacklevel=2)
    X, y, g, _ = _job_design(_tables_of(dataset), job_id, attribute)
    mixed = pd.Series(y).groupby(g.to_numpy()).transform(lambda v: v.nunique() > 1).to_numpy(bool)
    left_out = sorted(set(g[~mixed]))
    X, y, g = X[mixed], y[mixed], g[mixed].reset_index(drop=True)
    if g.nunique() < 2:
        raise AuditError(f"{job_id}/{attribute}: fewer than two groups with both passes and fails")
    to = ThresholdOptimizer(estimator=LogisticRegression(max_iter=1000), constraints="demographic_parity",
                            predict_method="predict_proba")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        to.fit(X, y, sensitive_features=g)
        pred = to.predict(X, sensitive_features=g, random_state=0).astype(float)
    rates = pd.Series(pred).groupby(g.to_numpy()).mean()
    thresholds = {str(k): str(v) for k, v in getattr(to, "interpolated_thresholder_", None).interpolation_dict.items()} \
        if hasattr(to, "interpolated_thresholder_") else {}
    return _jsonable({"warning": UNLAWFUL, "job_id": job_id, "attribute": attribute,
                      "rates": rates.to_dict(), "min_impact_ratio": _min_ratio(pred, g),
                      "current_min_impact_ratio": _min_ratio(y.astype(float), g), "thresholds": thresholds,
                      "left_out": left_out})
