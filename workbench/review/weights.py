"""Dimension weights learned from history, and what adopting them would change.

The AI total is a weighted sum of dimension scores, ``z = w'x`` with ``w >= 0`` and ``sum(w) = 1``. A
:class:`WeightTuner` proposes ``w`` from the candidates who have a later criterion (final round, job
performance). Those candidates were selected on ``z``, a function of the predictors ``x`` only, so the
regression of the criterion on ``x`` among them is unbiased under linearity (selection on the predictors
leaves ``E[y | x]`` unchanged), while correlations shrink (DESIGN.md, "Weights"). Hence: fit on the selected
group, but report validities corrected for range restriction (Thorndike Case III, :mod:`.stats`).

Only the direction of ``w`` matters: validity is scale-invariant, so regression coefficients are clipped at
zero by the fit (non-negative least squares, or a non-negative logistic fit for a pass/fail criterion) and
normalised to sum 1. They can be shrunk toward the expert weights of the profile.

Before anyone adopts proposed weights, :func:`weight_proposal` shows, side by side for the current and the
proposed weights: cross-validated validity on the same folds, the projected AI pass rate, and the projected
impact ratios by group.

Examples
--------
>>> import numpy as np, pandas as pd
>>> g = np.random.default_rng(0)
>>> X = pd.DataFrame(g.normal(3, 0.7, (300, 3)), columns=["a", "b", "c"])
>>> y = 0.6 * X["a"] + 0.3 * X["b"] + g.normal(0, 0.5, 300)
>>> tuner = WeightTuner(n_boot=50, random_state=0).fit(X, y)
>>> tuner.weights_.round(1).to_dict()
{'a': 0.6, 'b': 0.4, 'c': 0.0}
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils.validation import check_consistent_length, check_is_fitted, column_or_1d, validate_data

from workbench import composite
from workbench.composite import normalised_weights
from workbench.review.inputs import ReviewInputError, ReviewInputs
from workbench.data.groups import AUDIT_ATTRIBUTES, group_labels
from workbench.fairness import MIN_SHARE, impact_ratio_table
from workbench.metrics import auc
from workbench.metrics.bootstrap import percentile_interval, resample_indices
from workbench.review.stats import pearson
from workbench.review.validity import corrected_validity
from workbench.jsonable import json_ready

__all__ = [
    "WeightProposal",
    "WeightTuner",
    "cross_validated_validity",
    "matched_threshold",
    "projected_impact_ratios",
    "projected_pass_rate",
    "weight_proposal",
    "weighted_total",
]

RESTRICTION_CAVEAT = (
    "Observed validities are range-restricted: the criterion exists only for AI-passed candidates, so r among "
    "them understates the applicant-pool validity; r_corrected applies the correction of the validity table (Thorndike Case III "
    "through the AI total, dichotomous for pass/fail, two-stage for performance and retention). Weights fitted on the selected are unbiased only under linearity."
)


class WeightError(ReviewInputError):
    """The data cannot support fitting or comparing weights; the message says why."""


# ------------------------------------------------------------------------------------------- fitting


def _nnls(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Least squares with a free intercept and non-negative slopes (centre, then scipy's NNLS)."""
    mx, my = X.mean(axis=0), y.mean()
    coef, _ = optimize.nnls(X - mx, y - my)
    return coef, float(my - mx @ coef)


def _nonneg_logistic(X: np.ndarray, y: np.ndarray,
                     start: tuple[np.ndarray, float] | None = None) -> tuple[np.ndarray, float]:
    """Logistic regression with a free intercept and non-negative slopes (L-BFGS-B on standardised X).

    ``start`` (coef, intercept on the original scale), e.g. the full-sample fit, warm-starts the optimiser:
    a bootstrap resample's solution lies close to it, so fewer iterations are needed.
    """
    mx = X.mean(axis=0)
    sd = X.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    Z = (X - mx) / sd
    n, k = Z.shape

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        eta = theta[0] + Z @ theta[1:]
        resid = special.expit(eta) - y
        return float(np.mean(np.logaddexp(0.0, eta) - y * eta)), np.r_[resid.mean(), Z.T @ resid / n]

    if start is None:
        theta0 = np.r_[special.logit(np.clip(y.mean(), 1e-6, 1 - 1e-6)), np.zeros(k)]
    else:
        coef0, intercept0 = start
        theta0 = np.r_[intercept0 + mx @ coef0, np.maximum(coef0, 0.0) * sd]
    res = optimize.minimize(loss, theta0, jac=True, method="L-BFGS-B", bounds=[(None, None)] + [(0.0, None)] * k)
    coef = res.x[1:] / sd
    return coef, float(res.x[0] - mx @ coef)


def _is_binary(y: np.ndarray) -> bool:
    return bool(np.all((y == 0) | (y == 1)))


def _check_criterion(y: np.ndarray, name: str = "the criterion") -> None:
    """Clear messages for a criterion that cannot teach weights."""
    values = np.unique(y)
    if values.size > 1:
        return
    if _is_binary(y):
        outcome = "passed" if values[0] == 1 else "failed"
        raise WeightError(
            f"every one of the {y.size} candidates with {name} {outcome} it: a pass/fail criterion without both "
            "outcomes cannot tell good weights from bad ones")
    raise WeightError(f"{name} is constant ({values[0]:g}) among the {y.size} candidates who have it: no weights "
                      "can be learned from it")


class WeightTuner(TransformerMixin, BaseEstimator):
    """Propose non-negative dimension weights summing to 1 from a criterion.

    Fit it on the candidates who have the criterion (the selected group): dimension scores ``X`` and the
    criterion ``y``. Rows with a missing value in ``X`` or ``y`` are left out of the fit.

    Parameters
    ----------
    method : {"auto", "nnls", "logistic"}, default "auto"
        ``nnls``: least squares with non-negative slopes (scipy.optimize.nnls after centring, so the intercept
        is free). ``logistic``: logistic regression with non-negative slopes (for pass/fail criteria: the
        linear-probability slopes are biased under selection, the logistic ones are not when the model
        holds). ``auto``: logistic when ``y`` is 0/1, else nnls.
    shrinkage : float in [0, 1], default 0.0
        ``weights_ = (1 - shrinkage) * fitted + shrinkage * expert_weights``; 1 returns the expert weights.
    expert_weights : mapping or array_like, optional
        The profile's weights (by feature name, or in column order); needed when ``shrinkage > 0``.
    n_boot : int, default 200
        Bootstrap resamples (of the fitted rows) for :attr:`stability_`; 0 skips it.
    level : float, default 0.95
        Level of the percentile intervals in :attr:`stability_`.
    min_samples : int, default 10
        Fewest complete rows to fit on.
    random_state : int, numpy.random.Generator or None
        Seed of the bootstrap.

    Attributes
    ----------
    weights_ : pandas.Series
        Proposed weights (>= 0, sum 1) indexed by feature name.
    raw_weights_ : pandas.Series
        The normalised fitted coefficients before shrinkage.
    coef_ : numpy.ndarray
        Fitted coefficients on the scale of ``X`` (before normalising), ``intercept_`` their intercept.
    method_ : str
        ``"nnls"`` or ``"logistic"``.
    stability_ : pandas.DataFrame or None
        Per feature: ``weight``, bootstrap ``sd``, ``ci_low``, ``ci_high``, ``share_zero`` (share of resamples
        in which the fitted weight is 0); ``attrs`` hold ``n_boot`` and ``n_valid``.
    n_fit_ : int
        Complete rows used.
    n_features_in_, feature_names_in_
        As in scikit-learn.

    Examples
    --------
    >>> import numpy as np
    >>> g = np.random.default_rng(1)
    >>> X = g.normal(3, 0.7, (200, 2))
    >>> y = (X @ [0.2, 0.8] + g.normal(0, 0.4, 200) > 3).astype(int)
    >>> t = WeightTuner(shrinkage=0.5, expert_weights=[0.5, 0.5], n_boot=0).fit(X, y)
    >>> t.method_, round(float(t.weights_.sum()), 6), bool(t.weights_["x1"] > 0.5)
    ('logistic', 1.0, True)
    >>> t.transform(X[:2]).shape
    (2, 1)
    """

    def __init__(self, *, method: str = "auto", shrinkage: float = 0.0, expert_weights: Any = None,
                 n_boot: int = 200, level: float = 0.95, min_samples: int = 10, random_state: Any = None):
        self.method = method
        self.shrinkage = shrinkage
        self.expert_weights = expert_weights
        self.n_boot = n_boot
        self.level = level
        self.min_samples = min_samples
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.target_tags.required = True
        return tags

    # ----------------------------------------------------------------------------------- helpers

    def _names(self) -> list[str]:
        if hasattr(self, "feature_names_in_"):
            return [str(c) for c in self.feature_names_in_]
        return [f"x{j}" for j in range(self.n_features_in_)]

    def _expert(self, names: list[str]) -> np.ndarray | None:
        ew = self.expert_weights
        if ew is None:
            return None
        return normalised_weights(ew, names, what="expert_weights", error=ValueError)

    def _fit_raw(self, X: np.ndarray, y: np.ndarray, method: str,
                 start: tuple[np.ndarray, float] | None = None) -> tuple[np.ndarray, float]:
        return _nonneg_logistic(X, y, start) if method == "logistic" else _nnls(X, y)

    # ------------------------------------------------------------------------------------ sklearn

    def fit(self, X, y):
        """Fit the weights on complete rows of ``X`` (dimension scores) and ``y`` (criterion); returns self."""
        X = validate_data(self, X, ensure_all_finite="allow-nan", ensure_min_samples=1)
        y = column_or_1d(y, warn=True).astype(float)  # NaN = no criterion (left out), like a missing score
        check_consistent_length(X, y)
        if np.isinf(y).any():
            raise ValueError("Input y contains infinity: the criterion must be finite or NaN (missing)")
        if not 0.0 <= float(self.shrinkage) <= 1.0:
            raise ValueError(f"shrinkage must be in [0, 1], got {self.shrinkage!r}")
        if self.method not in ("auto", "nnls", "logistic"):
            raise ValueError(f"method must be 'auto', 'nnls' or 'logistic', got {self.method!r}")
        if int(self.n_boot) != self.n_boot or self.n_boot < 0:
            raise ValueError(f"n_boot must be a non-negative integer, got {self.n_boot!r}")
        names = self._names()
        expert = self._expert(names)
        if self.shrinkage > 0 and expert is None:
            raise ValueError("shrinkage > 0 needs expert_weights to shrink toward")
        ok = np.isfinite(X).all(axis=1) & np.isfinite(y)
        X, y = X[ok], y[ok]
        if len(y) < max(int(self.min_samples), 2):
            raise WeightError(
                f"too few candidates to fit weights: n_samples={len(y)} with complete scores and criterion, "
                f"need at least {max(int(self.min_samples), 2)}")
        _check_criterion(y)
        binary = _is_binary(y)
        method = self.method if self.method != "auto" else ("logistic" if binary else "nnls")
        if method == "logistic" and not binary:
            raise ValueError("method='logistic' needs a 0/1 criterion")
        coef, intercept = self._fit_raw(X, y, method)
        if coef.sum() <= 0:
            fallback = "the expert weights" if expert is not None else "equal weights"
            warnings.warn(f"no dimension is positively related to the criterion among the {len(y)} candidates: "
                          f"proposing {fallback}", UserWarning, stacklevel=2)
            raw = expert if expert is not None else np.full(len(names), 1.0 / len(names))
        else:
            raw = coef / coef.sum()
        s = float(self.shrinkage)
        w = raw if expert is None else (1.0 - s) * raw + s * expert
        self.method_ = method
        self.coef_ = coef
        self.intercept_ = intercept
        self.raw_weights_ = pd.Series(raw, index=names, name="weight")
        self.weights_ = pd.Series(w, index=names, name="weight")
        self.n_fit_ = int(len(y))
        self.stability_ = self._bootstrap(X, y, method, expert) if self.n_boot else None
        return self

    def _bootstrap(self, X: np.ndarray, y: np.ndarray, method: str, expert: np.ndarray | None) -> pd.DataFrame:
        n, k = X.shape
        reps = np.full((int(self.n_boot), k), np.nan)
        zero = np.zeros(k)
        for b, idx in enumerate(resample_indices(n, int(self.n_boot), self.random_state)):
            yb = y[idx]
            if np.unique(yb).size < 2:
                continue
            coef, _ = self._fit_raw(X[idx], yb, method, start=(self.coef_, self.intercept_))
            if coef.sum() <= 0:
                continue
            raw = coef / coef.sum()
            zero += raw == 0
            reps[b] = raw if expert is None else (1 - self.shrinkage) * raw + self.shrinkage * expert
        valid = np.isfinite(reps[:, 0])
        low, high = percentile_interval(reps[valid], float(self.level))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            sd = np.nanstd(reps, axis=0, ddof=1) if valid.sum() > 1 else zero * np.nan
        out = pd.DataFrame({"weight": self.weights_.to_numpy(), "sd": sd, "ci_low": low, "ci_high": high,
                            "share_zero": zero / max(int(valid.sum()), 1)}, index=self.weights_.index)
        out.attrs.update({"n_boot": int(self.n_boot), "n_valid": int(valid.sum()), "level": float(self.level)})
        return out

    def predict(self, X) -> np.ndarray:
        """Weighted total ``X @ weights_`` (NaN where a score is missing), shape (n,)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan")
        return X @ self.weights_.to_numpy()

    def transform(self, X):
        """Weighted total as one column ``weighted_total`` (pandas with ``set_output(transform="pandas")``)."""
        return self.predict(X)[:, None]

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self)
        return np.array(["weighted_total"], dtype=object)

    def score(self, X, y) -> float:
        """Validity of the weighted total: Pearson (point-biserial for 0/1) r with ``y`` over complete pairs."""
        return float(pearson(self.predict(X), np.asarray(y, dtype=float)).r)


# ------------------------------------------------------------------------------------ projections


def _weights_vector(inputs: ReviewInputs, weights: Any) -> np.ndarray:
    """Weights in the order of ``inputs.dimensions`` (from a mapping, Series, fitted tuner or array)."""
    names = list(inputs.dimensions.columns)
    if isinstance(weights, WeightTuner):
        weights = weights.weights_
    return normalised_weights(weights, names, what="weights", error=WeightError)


def weighted_total(inputs: ReviewInputs, weights: Any) -> pd.Series:
    """The AI total every applicant would get under ``weights``: :func:`workbench.composite.weighted_total`.

    Examples
    --------
    >>> from workbench.simulate import simulate, small_config
    >>> from workbench.review.inputs import review_inputs_from_tables
    >>> sim = simulate(small_config(n_candidates=200, seed=2, answer_texts=False))
    >>> ri = review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], "final_score")
    >>> bool((weighted_total(ri, ri.profile.weights) - ri.ai_score).abs().max() < 1e-9)
    True
    """
    return composite.weighted_total(inputs.dimensions, _weights_vector(inputs, weights))


def projected_pass_rate(inputs: ReviewInputs, weights: Any, threshold: float | None = None) -> float:
    """Share of the applicants whose total under ``weights`` reaches ``threshold`` (default: the profile's).

    The share is over all applicants (an unscored dimension counts at the floor, as in live scoring; see
    :mod:`workbench.composite`); it projects the score rule ``total >= threshold`` and so leaves out human
    overrides.

    Examples
    --------
    >>> from workbench.simulate import simulate, small_config
    >>> from workbench.review.inputs import review_inputs_from_tables
    >>> sim = simulate(small_config(n_candidates=400, seed=2, answer_texts=False))
    >>> ri = review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], "final_score")
    >>> rate = projected_pass_rate(ri, ri.profile.weights)
    >>> bool(abs(rate - (ri.ai_score >= ri.profile.threshold).mean()) < 1e-12)
    True
    """
    total = weighted_total(inputs, weights).dropna()
    if total.empty:
        raise WeightError("no applicant has a score on every dimension")
    t = inputs.profile.threshold if threshold is None else float(threshold)
    return float(composite.passes(total, t).mean())


def matched_threshold(inputs: ReviewInputs, weights: Any, pass_rate: float) -> float:
    """The threshold at which ``weights`` pass ``pass_rate`` of the applicants (quantile matching).

    The smallest total among the top ``round(pass_rate * n)`` applicants; ties at the cut can raise the
    realised rate slightly.

    Examples
    --------
    >>> from workbench.simulate import simulate, small_config
    >>> from workbench.review.inputs import review_inputs_from_tables
    >>> sim = simulate(small_config(n_candidates=400, seed=2, answer_texts=False))
    >>> ri = review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], "final_score")
    >>> w = {"product_sense": .4, "data_analysis": .4, "stakeholder_communication": .1, "execution": .1}
    >>> t = matched_threshold(ri, w, 0.35)
    >>> round(projected_pass_rate(ri, w, t), 2)
    0.35
    """
    if not 0.0 < pass_rate < 1.0:
        raise WeightError(f"pass rate {pass_rate:g} leaves nothing to match: every applicant passes or none does")
    total = np.sort(weighted_total(inputs, weights).dropna().to_numpy())[::-1]
    k = max(1, int(round(pass_rate * total.size)))
    return float(total[k - 1])


def projected_impact_ratios(inputs: ReviewInputs, weights: Any, threshold: float | None = None,
                            attribute: str = "gender") -> pd.DataFrame:
    """Selection rate per group under ``weights`` at ``threshold``, and its ratio to the highest rate.

    Unknown group membership is counted in its own row and left out of the ratios (NYC LL144), and so are
    categories under 2 % of the known applicants (listed, ``excluded_small``). See
    :func:`workbench.review.rounds.impact_ratio_table` for the columns. ``attribute`` is a column of
    ``inputs.groups`` or ``age_band``. Protected attributes are used for this audit only.

    Examples
    --------
    >>> from workbench.simulate import simulate, small_config
    >>> from workbench.review.inputs import review_inputs_from_tables
    >>> sim = simulate(small_config(n_candidates=400, seed=2, answer_texts=False))
    >>> ri = review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], "final_score")
    >>> tab = projected_impact_ratios(ri, ri.profile.weights, attribute="gender")
    >>> int(tab["n"].sum()) == ri.n_applicants, float(tab["impact_ratio"].max())
    (True, 1.0)
    """
    total = weighted_total(inputs, weights)
    t = inputs.profile.threshold if threshold is None else float(threshold)
    passed = composite.passes(total, t).where(total.notna())
    return impact_ratio_table(passed, group_labels(inputs.groups, attribute), min_share=MIN_SHARE)


# ------------------------------------------------------------------------------------ cross-validation


def _fit_rows(inputs: ReviewInputs) -> tuple[pd.DataFrame, pd.Series]:
    """Dimension scores and criterion of the selected candidates who have both (the sample weights learn from)."""
    X = inputs.dimensions
    y = inputs.criterion_values
    ok = inputs.selected & y.notna() & X.notna().all(axis=1)
    if inputs.selected.all():
        warnings.warn("every applicant passed the AI interview: there is no range restriction and the threshold "
                      "does not select anyone out", UserWarning, stacklevel=3)
    return X[ok], y[ok]


def cross_validated_validity(
    inputs: ReviewInputs,
    weights: Mapping[str, Any] | None = None,
    *,
    folds: int = 5,
    random_state: int | None = 0,
) -> dict[str, Any]:
    """Cross-validated validity of several weightings on the same folds of the selected candidates.

    The selected candidates with the criterion are split into ``folds`` folds (stratified for a pass/fail
    criterion). A fixed weighting (mapping or Series) is just evaluated on each held-out fold; an estimator
    (a :class:`WeightTuner`) is cloned and refitted on the training folds first. On each held-out fold:
    the weighted total is predicted out of fold. The headline figures are computed on the pooled
    out-of-fold totals (3 decimals, as decisions use them; weights sum to 1, so folds share a scale): ``r``
    (Pearson, point-biserial for pass/fail) with the criterion, its correction for range restriction by the
    same rule as the validity table (:func:`workbench.review.validity.corrected_validity`: Case III through the AI total,
    dichotomous for pass/fail, two-stage Pearson-Lawley for performance and retention), and the ROC AUC for a
    pass/fail criterion. Per-fold values are kept too (small folds make them noisy).

    Parameters
    ----------
    inputs : ReviewInputs
    weights : mapping of name -> weights or estimator, optional
        Default: ``{"current": profile weights, "proposed": WeightTuner(expert_weights=profile weights)}``.
    folds : int, default 5
    random_state : int or None, default 0
        Shuffling of the folds.

    Returns
    -------
    dict
        ``criterion``, ``n``, ``folds``, ``binary``, ``caveat`` and ``weights``: name -> {``r_observed``,
        ``r_corrected``, ``auc`` (None for a continuous criterion), ``r_observed_fold_mean``,
        ``r_observed_fold_sd``, ``per_fold``: [{n, r_observed, r_corrected, auc}]}.

    Examples
    --------
    >>> from workbench.simulate import simulate, small_config
    >>> from workbench.review.inputs import review_inputs_from_tables
    >>> sim = simulate(small_config(n_candidates=600, seed=2, answer_texts=False))
    >>> ri = review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], "final_passed")
    >>> cv = cross_validated_validity(ri, {"current": ri.profile.weights,
    ...                                    "proposed": WeightTuner(n_boot=0)}, folds=3)
    >>> sorted(cv["weights"]), cv["binary"], 0.5 < cv["weights"]["current"]["auc"] < 1
    (['current', 'proposed'], True, True)
    """
    from sklearn.model_selection import KFold, StratifiedKFold  # here: the apps import this module, not CV

    X, y = _fit_rows(inputs)
    if weights is None:
        weights = {"current": inputs.profile.weights,
                   "proposed": WeightTuner(expert_weights=inputs.profile.weights, n_boot=0)}
    binary = inputs.binary
    _check_criterion(y.to_numpy(), f"{inputs.criterion!r}")
    folds = int(folds)
    if folds < 2:
        raise WeightError(f"folds must be at least 2, got {folds}")
    if binary:
        minority = int(min(y.sum(), len(y) - y.sum()))
        if minority < folds:
            raise WeightError(f"too few candidates for {folds}-fold cross-validation: only {minority} in the "
                              f"smaller outcome of {inputs.criterion!r}")
        splitter = StratifiedKFold(folds, shuffle=True, random_state=random_state)
    else:
        if len(y) < 4 * folds:
            raise WeightError(f"too few selected candidates with {inputs.criterion!r} for {folds}-fold "
                              f"cross-validation: {len(y)}")
        splitter = KFold(folds, shuffle=True, random_state=random_state)
    Xa, ya = X.to_numpy(dtype=float), y.to_numpy(dtype=float)
    rows = inputs.dimensions.index.get_indexer(X.index)  # the fit rows among all applicants
    oof = {name: np.full(len(ya), np.nan) for name in weights}
    per: dict[str, list[dict[str, Any]]] = {name: [] for name in weights}
    splits = list(splitter.split(Xa, ya if binary else None))
    for train, test in splits:
        for name, w in weights.items():
            vec = _fitted_vector(inputs, w, X.iloc[train], ya[train])
            oof[name][test] = np.round(Xa[test] @ vec, composite.TOTAL_DECIMALS)  # the total as decisions use it
    summary = {}
    for name, w in weights.items():
        x_all = _pool_totals(inputs, _fitted_vector(inputs, w, X, ya), rows, oof[name])
        for train, test in splits:
            x_fold = x_all.copy()
            x_fold[rows[train]] = np.nan
            per[name].append({"n": int(len(test)), **_validity(inputs, x_fold, rows[test], ya[test], binary)})
        r_fold = np.array([row["r_observed"] for row in per[name]], dtype=float)
        summary[name] = {**_validity(inputs, x_all, rows, ya, binary),
                         "r_observed_fold_mean": float(np.nanmean(r_fold)),
                         "r_observed_fold_sd": float(np.nanstd(r_fold, ddof=1)), "per_fold": per[name]}
    return {"criterion": inputs.criterion, "n": int(len(y)), "folds": folds, "binary": binary,
            "caveat": RESTRICTION_CAVEAT, "weights": summary}


def _fitted_vector(inputs: ReviewInputs, w: Any, X: pd.DataFrame, y: np.ndarray) -> np.ndarray:
    """The weight vector of a fixed weighting, or of an estimator refitted on ``(X, y)``."""
    if not hasattr(w, "fit"):
        return _weights_vector(inputs, w)
    est = clone(w)
    if "n_boot" in est.get_params():
        est.set_params(n_boot=0)  # stability is not needed inside the folds
    return _weights_vector(inputs, est.fit(X, y).weights_)


def _pool_totals(inputs: ReviewInputs, vec: np.ndarray, rows: np.ndarray, oof: np.ndarray) -> np.ndarray:
    """Totals of every applicant for the corrections: out of fold on the fit rows, NaN on other selected
    candidates with the criterion (not in the fit sample), the full-sample weights elsewhere (they enter only
    the finalists' moments of the two-stage correction, never a correlation with the criterion)."""
    x_all = np.round(composite.raw_total(inputs.dimensions.to_numpy(dtype=float), vec), composite.TOTAL_DECIMALS)
    x_all[(inputs.selected & inputs.criterion_values.notna()).to_numpy()] = np.nan
    x_all[rows] = oof
    return x_all


def _validity(inputs: ReviewInputs, x_all: np.ndarray, rows: np.ndarray, y: np.ndarray,
              binary: bool) -> dict[str, Any]:
    """Observed r on ``rows``, the corrected validity of the validity table, and (pass/fail) the ROC AUC."""
    x = x_all[rows]
    r = pearson(x, y).r
    rc = float(corrected_validity(inputs, x_all)[0])
    return {"r_observed": r, "r_corrected": rc, "auc": auc(y, x) if binary else None}


# ----------------------------------------------------------------------------------------- proposal


def _clean(value: Any) -> Any:
    """JSON-ready, floats rounded to 6 decimals."""
    return json_ready(value, digits=6)

@dataclass(frozen=True, eq=False)
class WeightProposal:
    """Current versus proposed weights, side by side, with what adopting them would change.

    Attributes
    ----------
    job_id, criterion : str
    weights : DataFrame
        Per dimension: ``current``, ``proposed``, and the bootstrap ``sd``, ``ci_low``, ``ci_high``,
        ``share_zero`` of the proposed weight.
    cv : dict
        Contract keys ``baseline_auc``, ``tuned_auc`` (None for a continuous criterion), plus ``baseline_r``,
        ``tuned_r`` (observed, range-restricted), ``baseline_r_corrected``, ``tuned_r_corrected``, ``n``,
        ``folds``, ``caveat`` (see :func:`cross_validated_validity`).
    threshold : float
        The profile threshold.
    matched_threshold : float
        The threshold at which the proposed weights keep the current projected pass rate.
    pass_rate : dict
        ``current`` (current weights at the threshold; the score rule, without human overrides),
        ``proposed_same_threshold`` and ``proposed_matched_threshold``.
    impact_ratios : DataFrame
        Per attribute and group: ``n``, and for current and proposed weights (the proposed at the matched
        threshold) the selection rate and impact ratio; unknown groups counted, without a ratio.
    n_fit, shrinkage : int, float
    caveats : tuple of str
    """

    job_id: str
    criterion: str
    weights: pd.DataFrame
    cv: dict[str, Any]
    threshold: float
    matched_threshold: float
    pass_rate: dict[str, float]
    impact_ratios: pd.DataFrame
    n_fit: int
    shrinkage: float
    caveats: tuple[str, ...] = field(default=())

    @property
    def suggested_weights(self) -> dict[str, float]:
        """Proposed weights rounded to 4 decimals (the ``suggested_weights`` of ``workbench review``)."""
        return {k: round(float(v), 4) for k, v in self.weights["proposed"].items()}

    def to_records(self) -> dict[str, Any]:
        """JSON-ready dict (NaN as None)."""
        imp = self.impact_ratios.astype(object).where(self.impact_ratios.notna(), None)
        return _clean({
            "job_id": self.job_id, "criterion": self.criterion, "n_fit": self.n_fit, "shrinkage": self.shrinkage,
            "weights": [{"dimension": d, **row} for d, row in self.weights.to_dict(orient="index").items()],
            "suggested_weights": self.suggested_weights, "cv": self.cv, "threshold": self.threshold,
            "matched_threshold": self.matched_threshold, "pass_rate": self.pass_rate,
            "impact_ratios": imp.to_dict(orient="records"), "caveats": list(self.caveats),
        })


def weight_proposal(
    inputs: ReviewInputs,
    *,
    shrinkage: float = 0.0,
    attributes: tuple[str, ...] = AUDIT_ATTRIBUTES,
    folds: int = 5,
    n_boot: int = 200,
    random_state: int | None = 0,
    tuner: WeightTuner | None = None,
) -> WeightProposal:
    """Fit proposed weights and set them beside the current ones: validity, pass rate, impact ratios.

    Parameters
    ----------
    inputs : ReviewInputs
    shrinkage : float, default 0
        Toward the profile's weights (ignored when ``tuner`` is given).
    attributes : tuple of str
        Protected attributes for the projected impact ratios (those missing from ``inputs.groups`` are
        skipped).
    folds, n_boot, random_state
        Cross-validation folds, bootstrap resamples of the weights, seed.
    tuner : WeightTuner, optional
        A configured tuner to use instead of the default.

    Returns
    -------
    WeightProposal

    Raises
    ------
    WeightError
        Criterion constant (or every finalist passing), too few selected candidates to fit or to cross-validate.

    Warns
    -----
    UserWarning
        Every applicant passed the AI interview (no restriction; the threshold selects no one out); no
        dimension relates positively to the criterion (the expert weights are proposed).

    Examples
    --------
    >>> from workbench.simulate import simulate, small_config
    >>> from workbench.review.inputs import review_inputs_from_tables
    >>> sim = simulate(small_config(n_candidates=600, seed=2, answer_texts=False))
    >>> ri = review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], "final_score")
    >>> prop = weight_proposal(ri, n_boot=20, folds=3, attributes=("gender",))
    >>> round(sum(prop.suggested_weights.values()), 3), sorted(prop.pass_rate)
    (1.0, ['current', 'proposed_matched_threshold', 'proposed_same_threshold'])
    """
    X, y = _fit_rows(inputs)
    current = inputs.profile.weights
    if tuner is None:
        tuner = WeightTuner(shrinkage=shrinkage, expert_weights=current, n_boot=n_boot, random_state=random_state)
    _check_criterion(y.to_numpy(), f"{inputs.criterion!r}")
    if len(y) < max(int(tuner.min_samples), 2):
        raise WeightError(f"too few selected candidates to fit weights: {len(y)} have {inputs.criterion!r} and "
                          f"every dimension scored, need at least {max(int(tuner.min_samples), 2)}")
    fitted = clone(tuner).fit(X, y.to_numpy(dtype=float))
    proposed = fitted.weights_
    cv = cross_validated_validity(inputs, {"current": current, "proposed": tuner}, folds=folds,
                                  random_state=random_state)
    cw, pw = cv["weights"]["current"], cv["weights"]["proposed"]
    cv_flat = {"baseline_auc": cw["auc"], "tuned_auc": pw["auc"], "baseline_r": cw["r_observed"],
               "tuned_r": pw["r_observed"], "baseline_r_corrected": cw["r_corrected"],
               "tuned_r_corrected": pw["r_corrected"], "n": cv["n"], "folds": cv["folds"], "caveat": cv["caveat"]}
    table = pd.DataFrame({"current": pd.Series(current, dtype=float), "proposed": proposed})
    if fitted.stability_ is not None:
        table = table.join(fitted.stability_.drop(columns="weight"))
    table.index.name = "dimension"
    threshold = inputs.profile.threshold
    rate_now = projected_pass_rate(inputs, current, threshold)
    caveats = [cv["caveat"]]
    if 0.0 < rate_now < 1.0:
        matched = matched_threshold(inputs, proposed, rate_now)
    else:
        matched = threshold
        caveats.append(f"the current weights pass {rate_now:.0%} of applicants at the threshold: the "
                       "matched threshold is the profile threshold")
    rates = {"current": rate_now, "proposed_same_threshold": projected_pass_rate(inputs, proposed, threshold),
             "proposed_matched_threshold": projected_pass_rate(inputs, proposed, matched)}
    frames = []
    for attr in attributes:
        if attr not in inputs.groups.columns and not (attr == "age_band" and "age" in inputs.groups.columns):
            continue
        now = projected_impact_ratios(inputs, current, threshold, attr)
        new = projected_impact_ratios(inputs, proposed, matched, attr)
        frames.append(pd.DataFrame({
            "attribute": attr, "group": now.index, "n": now["n"].to_numpy(),
            "current_rate": now["rate"].to_numpy(), "current_impact_ratio": now["impact_ratio"].to_numpy(),
            "proposed_rate": new["rate"].reindex(now.index).to_numpy(),
            "proposed_impact_ratio": new["impact_ratio"].reindex(now.index).to_numpy()}))
    impact = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["attribute", "group", "n", "current_rate", "current_impact_ratio", "proposed_rate",
                 "proposed_impact_ratio"])
    caveats.append("Projections re-score past applicants with the proposed weights; the proposed weights are "
                   "projected at the matched threshold (same pass rate as now) unless stated otherwise.")
    return WeightProposal(
        job_id=inputs.job_id, criterion=inputs.criterion, weights=table, cv=cv_flat, threshold=float(threshold),
        matched_threshold=float(matched), pass_rate=rates, impact_ratios=impact, n_fit=fitted.n_fit_,
        shrinkage=float(fitted.shrinkage), caveats=tuple(caveats),
    )
