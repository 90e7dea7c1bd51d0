"""Validity of each question, dimension and the AI total against a later criterion, with verdicts.

For one job's applicant pool (:class:`workbench.review.inputs.ReviewInputs`) and one criterion
(final_passed, final_score, performance, retained_12m), :func:`validity_table` reports per question and per
dimension, and for the AI total:

- ``n``: selected candidates with the score and the criterion (the sample of ``r_observed``);
- ``r_observed``: the correlation among them (point-biserial for a pass/fail criterion), range-restricted;
- ``r_corrected``: the applicant-pool estimate. Case III through the AI total ``z`` for questions and
  dimensions, Case II for the total (Case III with ``x = z``), Case IV on request. For a pass/fail criterion
  the correction runs on the latent scale and returns a point-biserial at the estimated applicant-pool pass
  rate (:func:`workbench.review.stats.correct_case_iii_dichotomous`). performance and retained_12m exist only
  for hires, selected in two stages (AI interview on the total, then the final round on final_score and chance
  offer acceptance): when final_score is known (``ReviewInputs.final_score``) both stages are corrected by a
  sequential Pearson-Lawley correction, last stage first (:func:`workbench.review.stats.bootstrap_two_stage_validity`;
  corrections ``two_stage_case_iii[_dichotomous]`` and ``two_stage_case_ii`` for the total); without it, one
  stage only, with a caveat in ``notes``;
- ``ci_low``, ``ci_high``: percentile bootstrap interval, resampling all applicants (so ``u`` and the number
  selected vary as in a new pool; both stages in every resample); Fisher-z intervals for ``correction="none"`` and Case IV;
- ``p_value``: the one-sided test of H0 "corrected validity >= ``min_validity``" (see below) and
  ``p_adjusted`` across questions (Holm by default, or Benjamini-Hochberg);
- ``verdict`` and ``reason``.

The p-value decision
--------------------
The t test of the observed r against 0 answers the wrong question twice: selection on the total makes a
useless question correlate negatively among the selected (so it looks "significant"), and "r differs from 0"
is not "the question is not worth asking". The verdict asks whether the applicant-pool validity is below
``min_validity``, so the p-value tests exactly that: H0 ``rho_corrected >= min_validity`` against
``rho_corrected < min_validity``, read off the same bootstrap distribution as the interval
(:func:`workbench.review.stats.bootstrap_p_value`). A small p is evidence that the question is below the
minimum; the percentile interval lies wholly below ``min_validity`` when p < (1 - level) / 2. Adjusted
p-values are a family-wise (Holm) or false-discovery (BH) statement over the questions; dimensions are
adjusted as their own family and the total is a single test. The verdict itself follows the issue's rule on
the per-question interval; the reason of an ``invalid`` verdict quotes the adjusted p beside it.

Verdicts
--------
- ``insufficient_data``: fewer than ``min_n`` (default 30) selected candidates with the score and the
  criterion, or an undefined estimate (a score or criterion that does not vary, an undefined interval, a
  Case IV reliability that was not given). 30 is where a percentile bootstrap of a correlation starts to be
  trustworthy, and at n = 30 the interval of a corrected r is about +/-.35 wide, so no question can be shown
  to be below .10 with fewer candidates anyway.
- ``invalid``: the whole interval of the corrected validity lies below ``min_validity``.
- ``keep``: the interval does not lie below ``min_validity`` and its lower bound is above 0 (evidence that
  the question predicts the criterion).
- ``inconclusive``: neither holds (the interval reaches below 0 without lying wholly below the minimum):
  the data show neither that the question predicts nor that it falls below the minimum.

Examples
--------
>>> from workbench.simulate import simulate, small_config
>>> from workbench.review.inputs import review_inputs_from_tables
>>> sim = simulate(small_config(n_candidates=3000, seed=4, answer_texts=False, resume_files=(0, 0, 0)))
>>> ri = review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], "final_score")
>>> res = validity_table(ri, ValiditySettings(n_boot=200))
>>> res.questions.set_index("question_id").loc[["pm_q01", "pm_q09"], "verdict"].tolist()
['keep', 'invalid']
>>> res.total["correction"], bool(res.total["r_corrected"] > res.total["r_observed"])
('case_ii', True)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from workbench.review.inputs import ReviewInputError, ReviewInputs
from workbench.review.stats import (
    corrected_validity_point,
    applicant_pass_rate,
    benjamini_hochberg,
    bootstrap_corrected_validity,
    bootstrap_p_value,
    bootstrap_two_stage_validity,
    correct_case_iv,
    fisher_ci,
    holm,
)
from workbench.jsonable import json_ready

__all__ = ["COLUMNS", "PoolFacts", "ValidityResult", "ValiditySettings", "assemble_validity", "coefficient_alpha",
           "corrected_validity", "facts_of",
           "corrected_validity_of", "correction_arrays",
           "validity_table"]

#: The leading columns of the question table (the dimension table has ``dimension`` first, no question_id).
COLUMNS = (
    "question_id", "dimension", "n", "r_observed", "r_corrected", "ci_low", "ci_high", "p_value", "p_adjusted",
    "verdict", "reason",
)
_ADJUST = {"holm": ("Holm", "family-wise error rate", holm),
           "bh": ("Benjamini-Hochberg", "false discovery rate", benjamini_hochberg)}
_CORRECTIONS = ("case_iii", "case_iv", "none")
_TWO_STAGE = {"performance", "retained_12m"}
# u above this counts as "no range restriction" in the notes.
_NO_RESTRICTION_U = 0.98


@dataclass(frozen=True)
class ValiditySettings:
    """How :func:`validity_table` decides.

    Parameters
    ----------
    min_validity : float, default 0.10
        A question is ``invalid`` when the interval of its corrected validity lies wholly below this.
    min_n : int, default 30
        Least number of selected candidates with the score and the criterion for a verdict (module docstring).
    n_boot : int, default 1000
        Bootstrap resamples (candidates, selected or not).
    level : float, default 0.95
        Confidence level of the intervals.
    adjust : {"holm", "bh"}
        Multiplicity adjustment of the p-values across questions.
    correction : {"case_iii", "case_iv", "none"}
        Range-restriction correction of questions and dimensions (the AI total always gets Case II, except
        with ``"none"``).
    seed : int or None, default 0
        Seed of the bootstrap (fixed by default: the same data give the same table).
    reliabilities : mapping of str to float
        Applicant-pool reliabilities for Case IV, by question_id or dimension name; a dimension without one
        gets coefficient alpha of its questions in the applicant pool.

    Examples
    --------
    >>> ValiditySettings(adjust="bh").adjust
    'bh'
    >>> ValiditySettings(min_validity=2)
    Traceback (most recent call last):
    ...
    ValueError: min_validity must lie in (-1, 1), got 2
    """

    min_validity: float = 0.10
    min_n: int = 30
    n_boot: int = 1000
    level: float = 0.95
    adjust: str = "holm"
    correction: str = "case_iii"
    seed: int | None = 0
    reliabilities: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not -1.0 < float(self.min_validity) < 1.0:
            raise ValueError(f"min_validity must lie in (-1, 1), got {self.min_validity}")
        if int(self.min_n) != self.min_n or self.min_n < 4:
            raise ValueError(f"min_n must be an integer of at least 4, got {self.min_n}")
        if int(self.n_boot) != self.n_boot or self.n_boot < 100:
            raise ValueError(f"n_boot must be an integer of at least 100, got {self.n_boot}")
        if not 0.5 <= float(self.level) < 1.0:
            raise ValueError(f"level must lie in [0.5, 1), got {self.level}")
        if self.adjust not in _ADJUST:
            raise ValueError(f"adjust must be one of {', '.join(_ADJUST)}, got {self.adjust!r}")
        if self.correction not in _CORRECTIONS:
            raise ValueError(f"correction must be one of {', '.join(_CORRECTIONS)}, got {self.correction!r}")
        for name, value in self.reliabilities.items():
            if not 0.0 < float(value) <= 1.0:
                raise ValueError(f"reliabilities[{name!r}] must lie in (0, 1], got {value}")


@dataclass(frozen=True, eq=False)
class ValidityResult:
    """The validity tables of one job against one criterion (see :func:`validity_table`).

    Attributes
    ----------
    job_id, criterion : str
    n : int
        Selected candidates with the criterion.
    n_applicants, n_selected : int
    u : float
        ``SD_selected(z) / SD_all(z)`` of the AI total.
    settings : ValiditySettings
    questions : DataFrame
        :data:`COLUMNS`, then r_xz, r_yz, u, reliability, correction; one row per question.
    dimensions : DataFrame
        The same columns without question_id; one row per dimension.
    total : Series
        The same fields for the AI total (``dimension`` is None; Case II).
    notes : tuple of str
        What the numbers mean and where they can mislead; always includes the range-restriction caveat and
        the adjustment method.
    interval_method : str
        How ``ci_low``/``ci_high`` and ``p_value`` were computed: ``"bootstrap"`` (percentile bootstrap over
        applicants, or Fisher z for ``correction="none"``/Case IV) or ``"delta"`` (analytic: Fisher z with the
        delta-method standard error through the correction, for large pools; :mod:`workbench.review.at_scale`).
    """

    job_id: str
    criterion: str
    n: int
    n_applicants: int
    n_selected: int
    u: float
    settings: ValiditySettings
    questions: pd.DataFrame
    dimensions: pd.DataFrame
    total: pd.Series
    notes: tuple[str, ...]
    interval_method: str = "bootstrap"

    def to_records(self) -> dict[str, Any]:
        """JSON-ready dict (NaN -> None) with the ``workbench review`` keys.

        >>> import json
        >>> json.dumps(_tiny_result().to_records())[:40]
        '{"job_id": "demo", "criterion": "final_s'
        """
        return {
            "job_id": self.job_id,
            "criterion": self.criterion,
            "n": self.n,
            "n_applicants": self.n_applicants,
            "n_selected": self.n_selected,
            "u": _clean(self.u),
            "min_validity": self.settings.min_validity,
            "level": self.settings.level,
            "adjust": self.settings.adjust,
            "correction": self.settings.correction,
            "questions": _frame_records(self.questions),
            "dimensions": _frame_records(self.dimensions),
            "total": {k: _clean(v) for k, v in self.total.items()},
            "notes": list(self.notes),
            "interval_method": self.interval_method,
        }


# ------------------------------------------------------------------------------------------ helpers


def _clean(value: Any) -> Any:
    """A JSON-ready scalar: NaN/NA -> None, numpy scalars -> Python."""
    return json_ready(value)

def _frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _fmt_r(value: float) -> str:
    """A correlation APA-style: two decimals, no leading zero (``-.05``, ``.10``)."""
    text = f"{value:.2f}"
    return text.replace("0.", ".", 1) if text.lstrip("-").startswith("0.") else text


def _fmt_p(value: float) -> str:
    """A p-value APA-style: ``.012``, ``< .001``."""
    return "< .001" if value < 0.001 else f"{value:.3f}".replace("0.", ".", 1)


def coefficient_alpha(items: pd.DataFrame) -> float:
    """Cronbach's alpha of the columns of ``items`` over the rows that have all of them.

    NaN with fewer than two items, fewer than three complete rows, or a constant sum.

    >>> round(coefficient_alpha(pd.DataFrame({"a": [1, 2, 3, 4.0], "b": [2, 2, 4, 4.0], "c": [1, 3, 3, 5.0]})), 4)
    0.9333
    """
    complete = items.dropna()
    k = complete.shape[1]
    if k < 2 or len(complete) < 3:
        return math.nan
    total_var = complete.sum(axis=1).var(ddof=1)
    if not total_var > 0:
        return math.nan
    return float(k / (k - 1) * (1.0 - complete.var(ddof=1).sum() / total_var))


def _uncorrect_case_iv(r_corrected: np.ndarray, u_x: np.ndarray, rxx_a: np.ndarray) -> np.ndarray:
    """The observed r among the selected that Case IV would correct to ``r_corrected`` (its inverse)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        rxx_i = 1.0 - (1.0 - rxx_a) / (u_x * u_x)
        u_t = np.sqrt((u_x * u_x - (1.0 - rxx_a)) / rxx_a)
        big = r_corrected / np.sqrt(rxx_a)  # true-score validity in the pool
        small = big * u_t / np.sqrt(1.0 + big * big * (u_t * u_t - 1.0))  # inverse Case II
        return small * np.sqrt(rxx_i)


def _fisher_p_below(r: np.ndarray, n: np.ndarray, r0: np.ndarray) -> np.ndarray:
    """One-sided Fisher-z p-value of H0 rho >= r0 against rho < r0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        zstat = (np.arctanh(np.clip(r, -0.999999, 0.999999)) - np.arctanh(np.clip(r0, -0.999999, 0.999999)))
        p = special.ndtr(zstat * np.sqrt(n - 3.0))
    return np.where(np.isfinite(r) & np.isfinite(r0) & (n >= 4), p, np.nan)


# ------------------------------------------------------------------------------------- estimation


@dataclass(frozen=True)
class _Estimates:
    """Per-column estimates (questions, then dimensions, then the total) before verdicts."""

    n: np.ndarray
    r_observed: np.ndarray
    r_xz: np.ndarray
    r_yz: np.ndarray
    u: np.ndarray
    reliability: np.ndarray
    r_corrected: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    p_value: np.ndarray
    correction: tuple[str, ...]
    missing_reliability: np.ndarray  # Case IV without a reliability
    u_z: float
    stages: int = 1  # selection stages corrected (2: final round, then AI interview)
    u_s: float = math.nan  # SD of final_score among hires / among finalists (two stages)


@dataclass(frozen=True)
class PoolFacts:
    """The counts and means of one job's pool that the notes of a validity table quote.

    Computed from the rows (:func:`facts_of`) or by an engine (:mod:`workbench.review.at_scale`).
    """

    criterion: str
    binary: bool
    n_applicants: int
    n_selected: int
    n_criterion: int  # selected with the criterion
    outside: int  # not selected but with a criterion value
    overturned: int  # AI decisions that differ from 'total >= threshold'
    threshold: float
    y_distinct: int  # distinct criterion values among the selected
    y_value: float  # the criterion value among the selected when it is constant
    n_finalists: int = 0  # selected with final_score
    n_hires: int = 0  # selected with final_score and the criterion
    lost: int = 0  # selected with the criterion but no final_score
    p_selected: float = math.nan  # mean criterion among the selected with z (pass/fail)
    d_z: float = math.nan  # (mean z of all - mean z of them) / SD z of them


def facts_of(inputs: ReviewInputs) -> PoolFacts:
    """:class:`PoolFacts` from the rows of ``inputs``.

    >>> f = facts_of(_tiny_inputs())
    >>> f.n_applicants, f.n_selected, f.n_criterion
    (8, 5, 5)
    """
    sel = inputs.selected.to_numpy(dtype=bool)
    z = inputs.ai_score.to_numpy(dtype=float)
    y = inputs.criterion_values.to_numpy(dtype=float)
    ys = y[sel & np.isfinite(y)]
    s = inputs.final_score.reindex(inputs.ai_score.index).to_numpy(dtype=float) \
        if inputs.final_score is not None else np.full(len(y), np.nan)
    base = sel & np.isfinite(y) & np.isfinite(z)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        p_s = float(y[base].mean()) if base.any() else math.nan
        d_z = float((np.nanmean(z) - z[base].mean()) / z[base].std(ddof=1)) if base.sum() >= 2 else math.nan
    return PoolFacts(
        criterion=inputs.criterion, binary=inputs.binary, n_applicants=inputs.n_applicants,
        n_selected=int(sel.sum()), n_criterion=int(len(ys)), outside=int((~sel & np.isfinite(y)).sum()),
        overturned=int((sel != (inputs.ai_score.to_numpy() >= inputs.profile.threshold)).sum()),
        threshold=float(inputs.profile.threshold), y_distinct=int(len(np.unique(ys))),
        y_value=float(ys[0]) if len(ys) else math.nan, n_finalists=int((sel & np.isfinite(s)).sum()),
        n_hires=int((sel & np.isfinite(s) & np.isfinite(y)).sum()),
        lost=int((sel & np.isfinite(y) & ~np.isfinite(s)).sum()) if inputs.final_score is not None else 0,
        p_selected=p_s, d_z=d_z)


def _sd_ratio(X: np.ndarray, in_sample: np.ndarray) -> np.ndarray:
    """``SD(x | analysis sample) / SD(x | all applicants with x)`` per column."""
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN or single-value columns
        sd_all = np.nanstd(X, axis=0, ddof=1)
        sd_sel = np.nanstd(np.where(in_sample[:, None], X, np.nan), axis=0, ddof=1)
        return sd_sel / sd_all


def _reliabilities(inputs: ReviewInputs, settings: ValiditySettings) -> np.ndarray:
    """Applicant-pool reliability per question (user-given or NaN) and dimension (given, else alpha)."""
    rel = [float(settings.reliabilities.get(q, math.nan)) for q in inputs.questions.columns]
    for dim in inputs.dimensions.columns:
        given = settings.reliabilities.get(dim)
        if given is not None:
            rel.append(float(given))
            continue
        items = [q for q in inputs.questions.columns if inputs.question_dimension.get(q) == dim]
        rel.append(coefficient_alpha(inputs.questions[items]))
    return np.array(rel + [1.0])  # the total: Case II (reliability 1 in Case IV is Case II)


def _two_stage_possible(inputs: ReviewInputs) -> bool:
    """Whether the criterion comes after the final round and final_score is known for some who have it."""
    if inputs.criterion not in _TWO_STAGE or inputs.final_score is None:
        return False
    both = inputs.selected.to_numpy(dtype=bool) & inputs.criterion_values.notna().to_numpy() \
        & inputs.final_score.reindex(inputs.criterion_values.index).notna().to_numpy()
    return bool(both.any())


def _estimate_two_stage(inputs: ReviewInputs, settings: ValiditySettings, X: np.ndarray) -> _Estimates:
    """Sequential Pearson-Lawley: hires -> finalists on (x, z, final_score), then finalists -> pool on z."""
    s = inputs.final_score.reindex(inputs.ai_score.index).to_numpy(dtype=float)
    boot = bootstrap_two_stage_validity(
        X, inputs.ai_score.to_numpy(dtype=float), inputs.selected.to_numpy(dtype=bool), s,
        inputs.criterion_values.to_numpy(dtype=float), n_boot=settings.n_boot, level=settings.level,
        rng=settings.seed, return_replicates=True, dichotomous=inputs.binary,
    )
    k = X.shape[1]
    p = bootstrap_p_value(boot.replicates, settings.min_validity, alternative="less")
    p = np.where(np.isfinite(boot.ci_low), p, np.nan)
    method = "two_stage_case_iii_dichotomous" if inputs.binary else "two_stage_case_iii"
    correction = (method,) * (k - 1) + ("two_stage_case_ii",)
    return _Estimates(boot.n.astype(float), boot.r_observed, boot.r_xz, boot.r_yz, np.full(k, boot.u_z),
                      np.full(k, np.nan), boot.r_corrected, boot.ci_low, boot.ci_high, p, correction,
                      np.zeros(k, dtype=bool), boot.u_z, stages=2, u_s=boot.u_s)


def corrected_validity(inputs: ReviewInputs, X: Any) -> np.ndarray:
    """Point estimates of the corrected validity of predictors ``X``, by the rule of the validity table.

    The one choice of correction for a criterion (Case III through the AI total; the dichotomous form for a
    pass/fail criterion; the two-stage Pearson-Lawley correction for performance and retention when the final
    round's score is known), so that the cross-validated figures of :mod:`workbench.review.weights` and the
    validity table agree. ``X`` holds one value per applicant of ``inputs`` (n, or n x k); NaN rows are left
    out of the selected sample of that column.

    Examples
    --------
    >>> from workbench.simulate import simulate, small_config
    >>> from workbench.review.inputs import review_inputs_from_tables
    >>> sim = simulate(small_config(n_candidates=600, seed=2, answer_texts=False))
    >>> ri = review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], "final_passed")
    >>> tab = validity_table(ri, ValiditySettings(n_boot=100))
    >>> bool(abs(corrected_validity(ri, ri.ai_score)[0] - tab.total["r_corrected"]) < 1e-9)
    True
    """
    return corrected_validity_of(X, **correction_arrays(inputs))


def correction_arrays(inputs: ReviewInputs) -> dict[str, Any]:
    """The arrays :func:`corrected_validity_of` needs: ``z``, ``selected``, ``y``, ``s`` and ``dichotomous``.

    ``s`` (the final round's score) is None unless the validity table corrects in two stages.
    """
    s = None
    if _two_stage_possible(inputs):
        s = inputs.final_score.reindex(inputs.ai_score.index).to_numpy(dtype=float)
    return {"z": inputs.ai_score.to_numpy(dtype=float), "selected": inputs.selected.to_numpy(dtype=bool),
            "y": inputs.criterion_values.to_numpy(dtype=float), "s": s, "dichotomous": bool(inputs.binary)}


def corrected_validity_of(X: Any, *, z: Any, selected: Any, y: Any, s: Any = None,
                          dichotomous: bool = False) -> np.ndarray:
    """Point estimates of corrected validities from arrays (see :func:`corrected_validity`).

    Two-stage Pearson-Lawley when ``s`` is given, else Case III through ``z`` (dichotomous on request).

    Examples
    --------
    >>> g = np.random.default_rng(0)
    >>> z = g.normal(size=5000)
    >>> y = 0.5 * z + g.normal(size=5000)
    >>> r = corrected_validity_of(z, z=z, selected=z > 0.3, y=np.where(z > 0.3, y, np.nan))
    >>> round(float(r[0]), 2), round(float(np.corrcoef(z, y)[0, 1]), 2)
    (0.45, 0.46)
    """
    return np.atleast_1d(corrected_validity_point(X, z, selected, y, s=s, dichotomous=dichotomous))


def _estimate(inputs: ReviewInputs, settings: ValiditySettings, X: np.ndarray) -> _Estimates:
    if settings.correction == "case_iii" and _two_stage_possible(inputs):
        return _estimate_two_stage(inputs, settings, X)
    z = inputs.ai_score.to_numpy(dtype=float)
    sel = inputs.selected.to_numpy(dtype=bool)
    y = inputs.criterion_values.to_numpy(dtype=float)
    k = X.shape[1]
    boot = bootstrap_corrected_validity(
        X, z, sel, y, n_boot=settings.n_boot, level=settings.level, rng=settings.seed,
        return_replicates=True, dichotomous=inputs.binary and settings.correction == "case_iii",
    )
    n = boot.n.astype(float)
    reliability = np.full(k, np.nan)
    missing_rel = np.zeros(k, dtype=bool)
    u = np.full(k, boot.u_z)
    if settings.correction == "case_iii":
        method = "case_iii_dichotomous" if inputs.binary else "case_iii"
        p = bootstrap_p_value(boot.replicates, settings.min_validity, alternative="less")
        p = np.where(np.isfinite(boot.ci_low), p, np.nan)  # too few valid resamples: no interval, no test
        correction = (method,) * (k - 1) + ("case_ii",)
        return _Estimates(n, boot.r_observed, boot.r_xz, boot.r_yz, u, reliability, boot.r_corrected,
                          boot.ci_low, boot.ci_high, p, correction, missing_rel, boot.u_z)
    r_obs = boot.r_observed
    lo, hi = fisher_ci(r_obs, n, settings.level)
    if settings.correction == "none":
        p = _fisher_p_below(r_obs, n, np.full(k, settings.min_validity))
        return _Estimates(n, r_obs, boot.r_xz, boot.r_yz, np.full(k, np.nan), reliability, r_obs.copy(),
                          np.asarray(lo), np.asarray(hi), p, ("none",) * k, missing_rel, boot.u_z)
    # Case IV: questions and dimensions; the total keeps its Case II bootstrap
    in_sample = sel & np.isfinite(y) & np.isfinite(z)
    u = _sd_ratio(X, in_sample)
    u[-1] = boot.u_z
    reliability = _reliabilities(inputs, settings)
    missing_rel = ~np.isfinite(reliability)
    r_c = np.asarray(correct_case_iv(r_obs, u, reliability), dtype=float)
    ci_low = np.asarray(correct_case_iv(lo, u, reliability), dtype=float)
    ci_high = np.asarray(correct_case_iv(hi, u, reliability), dtype=float)
    p = _fisher_p_below(r_obs, n, _uncorrect_case_iv(np.full(k, settings.min_validity), u, reliability))
    p_total = bootstrap_p_value(boot.replicates[:, -1], settings.min_validity, alternative="less")
    r_c[-1], ci_low[-1], ci_high[-1], p[-1] = boot.r_corrected[-1], boot.ci_low[-1], boot.ci_high[-1], p_total
    correction = ("case_iv",) * (k - 1) + ("case_ii",)
    return _Estimates(n, r_obs, boot.r_xz, boot.r_yz, u, reliability, r_c, ci_low, ci_high, p, correction,
                      missing_rel, boot.u_z)


# --------------------------------------------------------------------------------------- verdicts


def _verdict(est: _Estimates, j: int, settings: ValiditySettings, what: str, p_adj: float,
             constant_criterion: str | None) -> tuple[str, str]:
    """Verdict and its reason for column ``j``."""
    n = int(est.n[j])
    if constant_criterion:
        return "insufficient_data", constant_criterion
    if n < settings.min_n:
        who = "no selected candidate has" if n == 0 else f"only {n:,} selected candidate{'s' if n != 1 else ''} ha{'ve' if n != 1 else 's'}"
        return "insufficient_data", f"{who} both this {what} and the criterion; at least {settings.min_n} needed"
    if not np.isfinite(est.r_observed[j]):
        return "insufficient_data", (f"the {what} or the criterion does not vary among the {n:,} selected "
                                     "candidates who have both: the correlation is undefined")
    if est.missing_reliability[j]:
        return "insufficient_data", (f"Case IV needs the applicant-pool reliability of this {what}; none was given "
                                     "(ValiditySettings.reliabilities) and none can be estimated")
    r, lo, hi = est.r_corrected[j], est.ci_low[j], est.ci_high[j]
    if est.correction[j] == "case_iv" and not np.isfinite(r):
        return "insufficient_data", (f"Case IV is undefined: u² = {est.u[j] ** 2:.2f} of this {what} is not above "
                                     f"1 - reliability = {1 - est.reliability[j]:.2f} (its spread among the selected "
                                     "is smaller than its error variance allows); use Case III")
    if not (np.isfinite(r) and np.isfinite(lo) and np.isfinite(hi)):
        return "insufficient_data", (f"the corrected validity is undefined here or in too many bootstrap resamples "
                                     f"(observed r = {_fmt_r(est.r_observed[j])}, n = {n:,}): no interval")
    level = f"{settings.level * 100:g}%"
    mv = _fmt_r(settings.min_validity)
    text = f"corrected r = {_fmt_r(r)}, {level} CI [{_fmt_r(lo)}, {_fmt_r(hi)}]"
    if hi < settings.min_validity:
        label = "p" if what == "AI total" else f"{_ADJUST[settings.adjust][0]}-adjusted p"
        adj = f"; {label} = {_fmt_p(p_adj)}" if np.isfinite(p_adj) else ""
        return "invalid", f"{text} lies below {mv} with n = {n:,}{adj}"
    if lo > 0:
        return "keep", f"{text} does not lie below {mv} and lies above 0 (n = {n:,}): the {what} predicts"
    return "inconclusive", (f"{text} does not lie below {mv} but spans 0 (n = {n:,}): no evidence either way "
                            "that the " + what + " predicts")


def _table(est: _Estimates, idx: slice, ids: list[str], dims: list[Any], settings: ValiditySettings,
           what: str, constant_criterion: str | None, id_column: str | None) -> pd.DataFrame:
    p = est.p_value[idx]
    adjusted = _ADJUST[settings.adjust][2](p) if what != "AI total" else p
    js = range(idx.start, idx.stop)
    verdicts = [_verdict(est, j, settings, what, a, constant_criterion) for j, a in zip(js, adjusted)]
    frame = pd.DataFrame({
        "dimension": dims,
        "n": est.n[idx].astype(int),
        "r_observed": est.r_observed[idx],
        "r_corrected": est.r_corrected[idx],
        "ci_low": est.ci_low[idx],
        "ci_high": est.ci_high[idx],
        "p_value": p,
        "p_adjusted": adjusted,
        "verdict": [v for v, _ in verdicts],
        "reason": [r for _, r in verdicts],
        "r_xz": est.r_xz[idx],
        "r_yz": est.r_yz[idx],
        "u": est.u[idx],
        "reliability": est.reliability[idx],
        "correction": list(est.correction[idx]),
    })
    if id_column:
        frame.insert(0, id_column, ids)
    return frame


# ------------------------------------------------------------------------------------------ notes


def _constant_criterion(facts: PoolFacts) -> str | None:
    """Why no correlation with the criterion can be computed, or None."""
    if facts.y_distinct > 1:
        return None
    value = facts.y_value
    shown = (("passed" if value else "failed") if facts.binary else f"{value:g}")
    return (f"the criterion {facts.criterion} is constant among the {facts.n_criterion:,} selected candidates who "
            f"have it (all {shown}): no correlation with it can be computed")


def _notes(facts: PoolFacts, settings: ValiditySettings, est: _Estimates, n_crit: int,
           constant: str | None, questions: pd.DataFrame, interval_method: str = "bootstrap") -> tuple[str, ...]:
    crit = facts.criterion
    n_sel, n_all = facts.n_selected, facts.n_applicants
    who = "hires" if crit in _TWO_STAGE else "AI-passed finalists"
    notes = [
        f"Range restriction: {crit} is known only for {n_crit:,} {who} of {n_all:,} applicants "
        f"({n_sel:,} passed the AI interview; u = SD of the AI total among them / among all = {est.u_z:.2f}). "
        "Correlations among them (r_observed) understate validity in the applicant pool, and a useless question "
        "looks harmful (negative r) among candidates selected on the total, so verdicts use r_corrected."
    ]
    if est.stages == 2:
        notes.append(_two_stage_note(facts, est))
    elif settings.correction == "case_iii":
        notes.append("r_corrected: Thorndike Case III through the AI total for questions and dimensions, Case II "
                     "for the AI total itself (Pearson-Lawley: assumes linear, homoscedastic relations with the "
                     "AI total and selection on it alone).")
    elif settings.correction == "case_iv":
        notes.append("r_corrected: Hunter-Schmidt-Le Case IV (indirect selection on an unknown variable) for "
                     "questions and dimensions, with the applicant-pool reliability given in "
                     "ValiditySettings.reliabilities or, for a dimension, coefficient alpha of its questions among "
                     "all applicants; questions without a given reliability get insufficient_data. Case II for the "
                     "AI total. Intervals: Fisher-z bounds of r_observed, corrected.")
    else:
        notes.append("r_corrected = r_observed: no range-restriction correction was asked for (correction='none'); "
                     "these are validities among the selected only. Intervals: Fisher z.")
    if facts.binary and est.stages == 2:
        notes.append(f"{crit} is pass/fail: r_observed is point-biserial. Both stages run on the latent scale "
                     "(biserials among hires, assuming a normal latent criterion; latent means and variance carried "
                     "through both stages) and r_corrected is a point-biserial at the estimated applicant-pool "
                     "retention rate.")
    elif facts.binary:
        if settings.correction == "case_iii" and math.isfinite(est.u_z):
            notes.append(_binary_note(facts, est))
        else:
            notes.append(f"{crit} is pass/fail: r_observed is a point-biserial correlation.")
    if crit in _TWO_STAGE and est.stages == 1:
        why = ("no final_score is available for the hires who have it, so the second stage (final round) cannot "
               "be corrected" if settings.correction == "case_iii" else
               f"the two-stage correction is used only with correction='case_iii' (here {settings.correction!r})")
        notes.append(f"{crit} exists only for hires: two-stage selection (AI interview, then final round and offer "
                     f"acceptance), but {why}. The correction through the AI total removes only the first stage, so "
                     "r_corrected still understates applicant-pool validity; read it as a lower bound for valid "
                     "questions.")
    m = int(np.isfinite(questions["p_value"]).sum())
    notes.append(_p_value_note(settings, m, n_all, interval_method))
    if n_sel == n_all:
        notes.append("Every applicant passed the AI interview: there is no range restriction, so r_corrected equals "
                     "r_observed.")
    elif math.isfinite(est.u_z) and est.u_z > _NO_RESTRICTION_U:
        notes.append(f"u = {est.u_z:.2f}: almost no range restriction, so r_corrected is close to r_observed.")
    if constant:
        notes.append(constant[0].upper() + constant[1:] + "; every verdict is insufficient_data.")
    elif n_crit < settings.min_n:
        notes.append(f"Only {n_crit:,} selected candidates have {crit}; at least {settings.min_n} are needed for "
                     "a verdict, so every verdict is insufficient_data.")
    outside = facts.outside
    if outside:
        notes.append(f"{outside:,} applicants who did not pass the AI interview have a value for {crit}; they are "
                     "left out (the correction assumes the criterion is seen only for the selected).")
    overturned = facts.overturned
    if overturned and n_sel < n_all:
        notes.append(f"{overturned:,} AI decisions differ from 'AI total >= threshold {facts.threshold:g}' "
                     "(human overrides or another profile version): selection was not on the total alone, which "
                     "the correction assumes.")
    few = questions.loc[(questions["n"] < settings.min_n) & (questions["n"] > 0), "question_id"].tolist()
    if few and not constant and n_crit >= settings.min_n:
        notes.append(f"Too few answers for a verdict: {', '.join(map(str, few))}.")
    return tuple(notes)


def _p_value_note(settings: ValiditySettings, m: int, n_all: int, interval_method: str) -> str:
    """How the p-values and intervals were computed, and the verdict rule."""
    name, rate, _ = _ADJUST[settings.adjust]
    return (
            f"p_value: one-sided bootstrap test of H0 'corrected validity >= {_fmt_r(settings.min_validity)}' (small p = "
            f"evidence the question is below the minimum; the observed-r t test is not used). p_adjusted: {name} "
            f"({rate}) across the {m} questions with a p-value; dimensions are adjusted among themselves; the total is "
            f"one test. Verdicts: invalid when the {settings.level * 100:g}% interval of r_corrected lies below "
            f"{_fmt_r(settings.min_validity)} with n >= {settings.min_n}; insufficient_data below n = {settings.min_n}."
            if settings.correction == "case_iii" and interval_method != "delta" else
            f"p_value and intervals: analytic (this pool is large: {n_all:,} applicants). Fisher z of r_corrected with "
            "its delta-method standard error through the correction (the first-order variance of the same estimate "
            "over a resampling of all applicants, computed by the engine from per-applicant influence values); "
            f"one-sided test of H0 'corrected validity >= {_fmt_r(settings.min_validity)}'. p_adjusted: {name} "
            f"({rate}) across the {m} questions with a p-value; dimensions among themselves. Verdicts: invalid when the "
            f"{settings.level * 100:g}% interval lies below {_fmt_r(settings.min_validity)} with n >= {settings.min_n}."
            if settings.correction == "case_iii" else
            f"p_value: one-sided Fisher-z test of H0 'corrected validity >= {_fmt_r(settings.min_validity)}' (small p = "
            f"evidence the question is below the minimum). p_adjusted: {name} ({rate}) across the {m} questions with a "
            f"p-value; dimensions among themselves. Verdicts: invalid when the {settings.level * 100:g}% interval lies "
            f"below {_fmt_r(settings.min_validity)} with n >= {settings.min_n}."
    )


def _two_stage_note(facts: PoolFacts, est: _Estimates) -> str:
    n_fin, n_hires, lost = facts.n_finalists, facts.n_hires, facts.lost
    text = (f"r_corrected: two-stage sequential Pearson-Lawley correction. Stage 2 (final round): the {n_hires:,} "
            f"hires with {facts.criterion} were selected from {n_fin:,} AI-passed finalists on final_score (u = SD "
            f"among hires / among finalists = {est.u_s:.2f}; offers, then chance acceptance); the regression of the "
            "criterion on (score, AI total, final_score) among hires is carried to the finalists, whose covariances "
            "of these three are observed (Lawley 1943). Stage 1 (AI interview): Case III through the AI total for "
            "questions and dimensions, Case II for the total, from finalists to all applicants. Order and logic of "
            "sequential corrections: Sackett & Yang 2000; Hunter, Schmidt & Le 2006. Assumes linear, homoscedastic "
            "regressions and selection on the AI total and final_score (plus chance) only. Intervals: percentile "
            "bootstrap over applicants, both stages in every resample.")
    if lost:
        text += f" {lost:,} candidates with {facts.criterion} but no final_score are left out."
    return text


def _binary_note(facts: PoolFacts, est: _Estimates) -> str:
    p_s = facts.p_selected
    p_a = float(applicant_pass_rate(p_s, est.r_yz[-1], est.u_z, facts.d_z))
    return (f"{facts.criterion} is pass/fail: r_observed is point-biserial. The correction runs on the latent scale "
            f"(biserial, assuming a normal latent criterion) and returns a point-biserial at the estimated "
            f"applicant-pool pass rate ({p_a:.0%}; {p_s:.0%} among the selected), since a point-biserial depends "
            "on the pass rate.")


# --------------------------------------------------------------------------------------------- API


def validity_table(inputs: ReviewInputs, settings: ValiditySettings = ValiditySettings()) -> ValidityResult:
    """Validity of every question, dimension and the AI total of one job against the criterion of ``inputs``.

    Parameters
    ----------
    inputs : ReviewInputs
        One job's applicant pool (:func:`workbench.review.inputs.review_inputs`).
    settings : ValiditySettings
        Minimum validity, minimum n, bootstrap, adjustment and correction.

    Returns
    -------
    ValidityResult

    Raises
    ------
    ReviewInputError
        No selected candidate has the criterion, or nobody passed the AI interview.

    Examples
    --------
    >>> res = _tiny_result()
    >>> list(res.questions.columns[:11]) == list(COLUMNS)
    True
    >>> res.questions.verdict.tolist(), res.questions.reason[0]
    (['insufficient_data', 'insufficient_data'], 'only 5 selected candidates have both this question and the criterion; at least 30 needed')
    """
    facts = facts_of(inputs)
    _require_criterion(inputs.job_id, facts)
    qids = [str(q) for q in inputs.questions.columns]
    dims = [str(d) for d in inputs.dimensions.columns]
    X = np.column_stack([inputs.questions.to_numpy(dtype=float), inputs.dimensions.to_numpy(dtype=float),
                         inputs.ai_score.to_numpy(dtype=float)])
    est = _estimate(inputs, settings, X)
    return assemble_validity(inputs.job_id, facts, qids, [inputs.question_dimension.get(q) for q in qids], dims,
                             est, settings)


def _require_criterion(job_id: str, facts: PoolFacts) -> None:
    if not facts.n_selected:
        raise ReviewInputError(f"{job_id}: nobody passed the AI interview, so no candidate has {facts.criterion!r}")
    if facts.n_criterion == 0:
        raise ReviewInputError(f"{job_id}: no AI-passed candidate has a value for {facts.criterion!r}")


def assemble_validity(job_id: str, facts: PoolFacts, qids: list[str], question_dims: list[Any], dims: list[str],
                      est: _Estimates, settings: ValiditySettings, interval_method: str = "bootstrap") -> ValidityResult:
    """The :class:`ValidityResult` of per-column estimates (questions, dimensions, then the total) and the facts
    of the pool, whoever computed them (the rows here, or an engine's sums in :mod:`workbench.review.at_scale`)."""
    constant = _constant_criterion(facts)
    nq, nd = len(qids), len(dims)
    questions = _table(est, slice(0, nq), qids, question_dims, settings, "question", constant, "question_id")
    dimensions = _table(est, slice(nq, nq + nd), dims, dims, settings, "dimension", constant, None)
    total = _table(est, slice(nq + nd, nq + nd + 1), ["ai_total"], [None], settings, "AI total", constant,
                   "question_id").iloc[0].rename("ai_total").drop("question_id")
    return ValidityResult(
        job_id=job_id,
        criterion=facts.criterion,
        n=facts.n_criterion,
        n_applicants=facts.n_applicants,
        n_selected=facts.n_selected,
        u=est.u_z,
        settings=settings,
        questions=questions,
        dimensions=dimensions,
        total=total,
        notes=_notes(facts, settings, est, facts.n_criterion, constant, questions, interval_method),
        interval_method=interval_method,
    )


def _tiny_inputs() -> ReviewInputs:
    """A hand-built 8-applicant pool for the doctests (5 with the criterion)."""
    from workbench.records import Dimension, JobProfile

    profile = JobProfile("demo", "v1", 3.0, (Dimension("a", 1.0),))
    idx = pd.Index([f"C{i}" for i in range(8)], name="candidate_id")
    questions = pd.DataFrame({"q1": [1, 2, 3, 4, 5, 2, 3, 4.0], "q2": [2, 2, 3, 5, 4, 3, 3, 5.0]}, index=idx)
    ai = questions.mean(axis=1)
    selected = ai >= 3.0
    inputs = ReviewInputs(
        job_id="demo", criterion="final_score", profile=profile, questions=questions,
        question_dimension={"q1": "a", "q2": "a"}, dimensions=questions.mean(axis=1).to_frame("a"),
        ai_score=ai, selected=selected,
        criterion_values=pd.Series([np.nan, np.nan, 3.1, 4.0, 4.4, np.nan, 3.0, 3.9], index=idx).where(selected),
        groups=pd.DataFrame(index=idx),
    )
    return inputs


def _tiny_result() -> ValidityResult:
    """The validity table of :func:`_tiny_inputs` (every verdict is insufficient_data)."""
    return validity_table(_tiny_inputs(), ValiditySettings(n_boot=100))
