"""Cross-round checks: does the AI round predict the final round and the job, and what is it worth?

Small plain functions over the contract tables or aligned arrays:

- funnel shares: :func:`predictive_accuracy` (the "predictive accuracy" vendors quote: the share of
  AI-passed candidates who pass the final round, and who are hired), :func:`compare_versions` (per profile
  version or period);
- tables of the AI score against a pass/fail outcome: :func:`expectancy_table`, :func:`lift_by_decile`,
  :func:`calibration_table`;
- closed forms at the observed selection ratio: :func:`brogden_utility` (Brogden-Cronbach-Gleser) and
  :func:`taylor_russell` (success ratio);
- real-time prompting: :func:`prompting_effect` (naive, confounded unless randomised: see its caveat),
  :func:`prompting_matched` (same completeness before the hint), :func:`prompting_design`,
  :func:`prompting_validity`, :func:`prompting_group_gaps`;
- group helpers shared with the weights module: :func:`group_labels`, :func:`impact_ratio_table`.

Everything about final_passed, final_score or performance is range-restricted (only AI-passed candidates
have them): tables say so in ``DataFrame.attrs["caveat"]``.

Examples
--------
>>> round(taylor_russell(0.40, 0.30, 0.50), 2)
0.69
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from workbench.data.groups import AGE_BANDS, group_labels
from workbench.fairness import impact_ratio_table
from workbench.metrics import holm, wilson_ci
from workbench.metrics.bootstrap import percentile_interval, resample_counts
from workbench.metrics.normal import norm_pdf, two_sided_p, z_critical
from workbench.review.stats import correct_case_ii, pearson

__all__ = [
    "AGE_BANDS",
    "brogden_utility",
    "calibration_table",
    "compare_versions",
    "expectancy_table",
    "funnel_frame",
    "group_labels",
    "impact_ratio_table",
    "lift_by_decile",
    "predictive_accuracy",
    "prompting_design",
    "prompting_effect",
    "prompting_matched",
    "prompting_group_gaps",
    "prompting_validity",
    "taylor_russell",
    "wilson_ci",
]

RESTRICTED = ("range-restricted: only candidates who passed the AI interview reach the final round, so these "
              "figures describe the AI-passed, not the applicant pool")


# ------------------------------------------------------------------------------------------ helpers


def _bool(values: Any) -> np.ndarray:
    """0/1/NaN floats from booleans with missing values."""
    return pd.Series(values).astype("boolean").astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _float(values: Any) -> np.ndarray:
    return pd.Series(values).astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _cluster_bootstrap(F: np.ndarray, stat: Callable[[np.ndarray], np.ndarray], n_boot: int, level: float,
                       random_state: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Point estimate and percentile CI of ``stat`` of column sums of per-cluster rows ``F`` (resampling rows).

    ``stat`` maps (b x m) weighted column sums to (b x k) statistics. Rows are clusters (candidates), so the
    CI respects the correlation of one candidate's answers.
    """
    point = stat(F.sum(axis=0, keepdims=True))[0]
    n = F.shape[0]
    R = np.vstack([stat(W @ F) for _, W in resample_counts(n, n_boot, random_state, 2_000_000 // max(n, 1))])
    low, high = percentile_interval(R, level)
    return point, low, high


# ------------------------------------------------------------------------------------------- funnel


def funnel_frame(tables: Mapping[str, pd.DataFrame], job_id: str | None = None) -> pd.DataFrame:
    """One row per candidate with an AI decision: job, date, AI score and decision, final round, hire, groups.

    Columns: ``job_id``, ``applied_at``, ``ai_score``, ``ai_passed`` (the decision that took effect),
    ``profile_version``, ``final_score`` / ``final_passed`` (NaN outside the final round), ``hired``,
    ``performance`` (hires only, else NaN) and the demographic columns of ``candidates``.

    Examples
    --------
    >>> from workbench.simulate import simulate, small_config
    >>> sim = simulate(small_config(n_candidates=200, seed=1, answer_texts=False))
    >>> f = funnel_frame(sim.tables)
    >>> len(f), bool(f.loc[~f["ai_passed"], "final_passed"].isna().all())
    (200, True)
    >>> bool(f.loc[~f["hired"], "performance"].isna().all())
    True
    """
    cands = tables["candidates"].set_index("candidate_id")
    ai = tables["ai_decisions"].set_index("candidate_id")
    pool = ai.index[ai.index.isin(cands.index)]
    if job_id is not None:
        pool = pool[(cands.loc[pool, "job_id"] == job_id).to_numpy()]
    if len(pool) == 0:
        where = f"job {job_id!r}" if job_id else "the dataset"
        raise ValueError(f"{where}: no candidate has an AI decision")
    out = pd.DataFrame(index=pool)
    out["job_id"] = cands.loc[pool, "job_id"].to_numpy()
    out["applied_at"] = pd.to_datetime(cands.loc[pool, "applied_at"], errors="coerce").to_numpy()
    out["ai_score"] = _float(ai.loc[pool, "ai_score"])
    out["ai_passed"] = np.nan_to_num(_bool(ai.loc[pool, "ai_passed"])).astype(bool)
    out["profile_version"] = ai.loc[pool, "profile_version"].astype(str).to_numpy()
    final = tables.get("final_rounds")
    if final is not None and not final.empty:
        f = final.set_index("candidate_id").reindex(pool)
        out["final_score"], out["final_passed"] = _float(f["final_score"]), _bool(f["final_passed"])
    else:
        out["final_score"], out["final_passed"] = np.nan, np.nan
    outcomes = tables.get("outcomes")
    hired, perf = np.zeros(len(pool)), np.full(len(pool), np.nan)
    if outcomes is not None and not outcomes.empty:
        o = outcomes.set_index("candidate_id").reindex(pool)
        hired = np.nan_to_num(_bool(o["hired"]))
        if "performance" in o.columns:
            perf = np.where(hired > 0, _float(o["performance"]), np.nan)
    out["hired"] = hired.astype(bool)
    out["performance"] = perf
    for col in ("gender", "age", "race_ethnicity", "education"):
        if col in cands.columns:
            out[col] = cands.loc[pool, col].to_numpy()
    return out


def predictive_accuracy(tables: Mapping[str, pd.DataFrame], job_id: str | None = None, *,
                        level: float = 0.95) -> dict[str, Any]:
    """The funnel shares vendors call predictive accuracy, with Wilson CIs.

    ``final_pass_share`` = AI-passed candidates who passed the final round / AI-passed candidates (an
    AI-passed candidate without a final-round row counts as not passing; ``final_pass_share_attended`` uses
    only those with a row); ``hired_share`` = hired / AI-passed. These are base rates among the selected,
    not validities: they rise with a stricter AI threshold whatever the AI measures.

    Parameters
    ----------
    tables : mapping of table name -> DataFrame
        The contract tables.
    job_id : str, optional
        One job (default: all).

    Examples
    --------
    >>> from workbench.simulate import simulate, small_config
    >>> sim = simulate(small_config(n_candidates=300, seed=2, answer_texts=False))
    >>> acc = predictive_accuracy(sim.tables, "product_manager")
    >>> acc["n_final_passed"] <= acc["n_final_round"] <= acc["n_ai_passed"], 0 < acc["final_pass_share"] < 1
    (True, True)
    """
    f = funnel_frame(tables, job_id)
    sel = f[f["ai_passed"]]
    n_sel = len(sel)
    attended = int(sel["final_passed"].notna().sum())
    passed = int((sel["final_passed"] == 1).sum())
    hired = int(sel["hired"].sum())
    out: dict[str, Any] = {"job_id": job_id, "n_applicants": int(len(f)), "n_ai_passed": n_sel,
                           "ai_pass_rate": n_sel / len(f), "n_final_round": attended, "n_final_passed": passed,
                           "n_hired": hired}
    for key, k, n in (("final_pass_share", passed, n_sel), ("final_pass_share_attended", passed, attended),
                      ("hired_share", hired, n_sel)):
        lo, hi = wilson_ci(k, n, level)
        out[key] = k / n if n else None
        out[f"{key}_ci"] = [lo, hi] if n else [None, None]
    out["caveat"] = RESTRICTED
    return out


# ---------------------------------------------------------------------------------- score tables


def _pairs(score: Any, outcome: Any) -> tuple[np.ndarray, np.ndarray]:
    s, y = _float(score), _bool(outcome)
    if s.shape != y.shape:
        raise ValueError(f"scores and outcomes differ in length: {s.size} and {y.size}")
    ok = np.isfinite(s) & np.isfinite(y)
    if not ok.any():
        raise ValueError("no candidate has both a score and an outcome")
    return s[ok], y[ok]


def expectancy_table(ai_score: Any, final_passed: Any, bands: int | Any = 5, *, level: float = 0.95) -> pd.DataFrame:
    """Chance of passing the final round by AI-score band, with n and a Wilson CI per band.

    Parameters
    ----------
    ai_score, final_passed : array_like
        Aligned; candidates without ``final_passed`` (NaN/None: not in the final round) are left out.
    bands : int or sequence of float
        Number of quantile bands of the AI score among those kept (ties can merge bands), or band edges.

    Returns
    -------
    DataFrame
        One row per band, lowest scores first: ``band``, ``low``, ``high``, ``n``, ``passed``, ``rate``,
        ``ci_low``, ``ci_high``; ``attrs["caveat"]`` notes the range restriction.

    Examples
    --------
    >>> import numpy as np
    >>> g = np.random.default_rng(0)
    >>> s = g.normal(3.5, 0.3, 400)
    >>> passed = s + g.normal(0, 0.3, 400) > 3.5
    >>> tab = expectancy_table(s, passed, 4)
    >>> int(tab["n"].sum()), bool(tab["rate"].is_monotonic_increasing)
    (400, True)
    """
    s, y = _pairs(ai_score, final_passed)
    if np.ndim(bands) == 0:
        cut = pd.qcut(s, int(bands), duplicates="drop")
    else:
        cut = pd.cut(s, np.asarray(bands, dtype=float), include_lowest=True)
    frame = pd.DataFrame({"band": cut, "s": s, "y": y})
    g = frame.groupby("band", observed=True)
    tab = pd.DataFrame({"low": g["s"].min(), "high": g["s"].max(), "n": g.size(), "passed": g["y"].sum().astype(int)})
    tab["rate"] = tab["passed"] / tab["n"]
    tab["ci_low"], tab["ci_high"] = wilson_ci(tab["passed"].to_numpy(), tab["n"].to_numpy(), level)
    tab = tab.reset_index(drop=True)
    tab.insert(0, "band", np.arange(1, len(tab) + 1))
    tab.attrs["caveat"] = RESTRICTED
    return tab


def lift_by_decile(y_true: Any, y_score: Any, *, n_bins: int = 10) -> pd.DataFrame:
    """Outcome rate and lift by score decile (decile 1 = highest scores), with cumulative capture.

    ``lift`` = decile rate / overall rate; ``cumulative_lift`` and ``capture`` (share of all positives found
    in the top deciles so far). Equal-size bins by rank (ties broken by order).

    Examples
    --------
    >>> import numpy as np
    >>> g = np.random.default_rng(1)
    >>> s = g.normal(size=1000)
    >>> tab = lift_by_decile(s + g.normal(size=1000) > 1, s)
    >>> int(tab["n"].sum()), bool(tab["lift"].iloc[0] > 2), float(tab["capture"].iloc[-1])
    (1000, True, 1.0)
    """
    s, y = _pairs(y_score, y_true)
    if y.sum() == 0:
        raise ValueError("no positive outcome: lift is undefined")
    rank = pd.Series(-s).rank(method="first").to_numpy()
    decile = np.ceil(rank * n_bins / len(s)).astype(int)
    frame = pd.DataFrame({"decile": decile, "s": s, "y": y})
    g = frame.groupby("decile")
    tab = pd.DataFrame({"n": g.size(), "score_min": g["s"].min(), "score_max": g["s"].max(),
                        "positives": g["y"].sum().astype(int)})
    base = y.mean()
    tab["rate"] = tab["positives"] / tab["n"]
    tab["lift"] = tab["rate"] / base
    tab["cumulative_rate"] = tab["positives"].cumsum() / tab["n"].cumsum()
    tab["cumulative_lift"] = tab["cumulative_rate"] / base
    tab["capture"] = tab["positives"].cumsum() / tab["positives"].sum()
    return tab.reset_index()


def calibration_table(y_true: Any, y_prob: Any, *, n_bins: int = 10, strategy: str = "quantile",
                      level: float = 0.95) -> pd.DataFrame:
    """Predicted probability against observed rate per bin, with Wilson CIs; Brier score and ECE in ``attrs``.

    ``y_prob`` must be a probability (e.g. out-of-fold ``predict_proba`` of a logistic model of
    final_passed on the AI score: ``sklearn.model_selection.cross_val_predict``); an AI score on the rubric
    scale is not one.

    Examples
    --------
    >>> import numpy as np
    >>> g = np.random.default_rng(2)
    >>> p = g.uniform(size=5000)
    >>> tab = calibration_table(g.uniform(size=5000) < p, p, n_bins=5)
    >>> bool(tab.attrs["ece"] < 0.03), int(tab["n"].sum())
    (True, 5000)
    """
    p, y = _pairs(y_prob, y_true)
    if np.any((p < 0) | (p > 1)):
        raise ValueError("y_prob must hold probabilities in [0, 1]")
    if strategy == "quantile":
        cut = pd.qcut(p, n_bins, duplicates="drop")
    elif strategy == "uniform":
        cut = pd.cut(p, np.linspace(0, 1, n_bins + 1), include_lowest=True)
    else:
        raise ValueError(f"strategy must be 'quantile' or 'uniform', got {strategy!r}")
    frame = pd.DataFrame({"bin": cut, "p": p, "y": y})
    g = frame.groupby("bin", observed=True)
    tab = pd.DataFrame({"n": g.size(), "mean_predicted": g["p"].mean(), "positives": g["y"].sum().astype(int)})
    tab["observed_rate"] = tab["positives"] / tab["n"]
    tab["ci_low"], tab["ci_high"] = wilson_ci(tab["positives"].to_numpy(), tab["n"].to_numpy(), level)
    tab = tab.reset_index(drop=True)
    tab.attrs["brier"] = float(np.mean((p - y) ** 2))
    tab.attrs["ece"] = float((tab["n"] * (tab["mean_predicted"] - tab["observed_rate"]).abs()).sum() / len(p))
    return tab


# -------------------------------------------------------------------------------- utility closed forms


def _check_ratio(value: float, name: str) -> float:
    value = float(value)
    if not 0.0 < value < 1.0:
        hint = " (every candidate passing means there is no selection to evaluate)" if value >= 1 else ""
        raise ValueError(f"{name} must be in (0, 1), got {value:g}{hint}")
    return value


def brogden_utility(validity: float, selection_ratio: float, sd_y: float, n_selected: float,
                    cost_per_applicant: float = 0.0, n_applicants: float | None = None, *,
                    tenure: float = 1.0) -> float:
    r"""Brogden-Cronbach-Gleser utility gain of selecting top-down on a predictor instead of at random.

    .. math:: \Delta U = T\,N_s\,r\,SD_y\,\bar z_x - N_a\,C, \qquad \bar z_x = \phi(z_c) / SR,
              \; z_c = \Phi^{-1}(1 - SR)

    where :math:`\bar z_x` is the mean standardised predictor score of those selected (top-down selection
    from a normal applicant pool), :math:`T` the tenure in years, :math:`C` the cost per applicant.

    Parameters
    ----------
    validity : float
        Operational validity in the applicant pool (use a range-restriction-corrected value).
    selection_ratio : float in (0, 1)
        Selected / applicants.
    sd_y : float
        SD of job performance in money per year.
    n_selected : float
    cost_per_applicant : float, default 0
    n_applicants : float, optional
        Default ``n_selected / selection_ratio``.
    tenure : float, default 1
        Years the selected stay.

    Examples
    --------
    >>> round(brogden_utility(0.40, 0.30, 10_000, 30, 50, 100))
    134077
    """
    sr = _check_ratio(selection_ratio, "selection_ratio")
    n_a = n_selected / sr if n_applicants is None else float(n_applicants)
    mean_z = float(norm_pdf(-special.ndtri(sr)) / sr)
    return float(tenure * n_selected * validity * sd_y * mean_z - n_a * cost_per_applicant)


def taylor_russell(validity: float, selection_ratio: float, base_rate: float) -> float:
    """Taylor-Russell success ratio: the share of those selected who succeed, under a bivariate normal.

    ``P(Y > y_c | X > x_c) = P(X > x_c, Y > y_c) / SR`` with ``x_c = Phi^-1(1 - SR)``,
    ``y_c = Phi^-1(1 - base_rate)`` and correlation ``validity`` (scipy's multivariate normal CDF).

    Examples
    --------
    >>> round(taylor_russell(0.40, 0.30, 0.50), 4)
    0.6887
    >>> taylor_russell(0.0, 0.30, 0.50)
    0.5
    """
    sr = _check_ratio(selection_ratio, "selection_ratio")
    br = _check_ratio(base_rate, "base_rate")
    r = float(validity)
    if not -1.0 < r < 1.0:
        raise ValueError(f"validity must be in (-1, 1), got {r:g}")
    if r == 0.0:
        return br
    from scipy import stats  # the bivariate normal CDF: imported here, not with the module

    xc, yc = -special.ndtri(sr), -special.ndtri(br)
    mvn = stats.multivariate_normal(mean=[0.0, 0.0], cov=[[1.0, r], [r, 1.0]], abseps=1e-10, releps=1e-10)
    joint = mvn.cdf([-xc, -yc], rng=0)
    return float(joint / sr)


# ------------------------------------------------------------------------------------------ prompting


def _answers_frame(answers: pd.DataFrame) -> pd.DataFrame:
    missing = {"candidate_id", "question_id", "score", "prompted"} - set(answers.columns)
    if missing:
        raise ValueError(f"answers lack column(s) {', '.join(sorted(missing))}")
    a = pd.DataFrame({"candidate_id": answers["candidate_id"].astype(str).to_numpy(),
                      "question_id": answers["question_id"].astype(str).to_numpy(),
                      "score": _float(answers["score"]), "prompted": _bool(answers["prompted"])})
    a = a[np.isfinite(a["score"]) & np.isfinite(a["prompted"])]
    if a.empty:
        raise ValueError("no answer has both a score and a prompted flag")
    if a["prompted"].nunique() < 2:
        raise ValueError("every answer has the same prompted flag: no contrast to estimate a prompting effect")
    return a


def _cell_sums(a: pd.DataFrame, values: dict[str, np.ndarray]) -> tuple[np.ndarray, pd.Index, pd.Index]:
    """Per candidate (rows) and question x prompted cell: the sums of each value (columns grouped by value)."""
    cand = pd.Index(sorted(a["candidate_id"].unique()))
    ques = pd.Index(pd.unique(a["question_id"]))
    ci = cand.get_indexer(a["candidate_id"])
    cell = ques.get_indexer(a["question_id"]) * 2 + a["prompted"].to_numpy().astype(int)
    m = 2 * len(ques)
    F = np.zeros((len(cand), m * len(values)))
    for v, arr in enumerate(values.values()):
        np.add.at(F, (ci, v * m + cell), arr)
    return F, cand, ques


PROMPTING_CAVEAT = (
    "confounded unless hints were randomised: real-time hints are triggered by incomplete answers, so prompted "
    "answers were worse before the hint and the prompted-vs-unprompted difference mixes the hint's effect with "
    "that selection (it understates a real effect, or shows a harmful one). Compare answers of the same "
    "completeness before the hint (star_before), among hint-eligible answers, or randomise a holdout.")


def _weighted_cell_difference(m: int) -> Callable[[np.ndarray], np.ndarray]:
    """Statistic of :func:`_cluster_bootstrap`: answer-weighted mean over cells of prompted - unprompted means."""

    def stat(S: np.ndarray) -> np.ndarray:
        N, X = S[:, :m], S[:, m:]
        with np.errstate(invalid="ignore", divide="ignore"):
            means = X / N
            d = means[:, 1::2] - means[:, 0::2]
            w = N[:, 1::2] + N[:, 0::2]
            ok = np.isfinite(d)
            return (np.where(ok, d * w, 0).sum(axis=1) / np.where(ok, w, 0).sum(axis=1))[:, None]

    return stat


def stratified_difference(candidate_id: Any, stratum: Any, treated: Any, outcome: Any, *, level: float = 0.95,
                          n_boot: int = 1000, random_state: Any = 0) -> dict[str, Any]:
    """Treated minus untreated mean of ``outcome`` within strata, averaged with the strata's sizes as weights.

    The estimate of the average effect over the units of strata that have both arms (post-stratification;
    with strata of what assignment depended on, it removes that confounding). CI: percentile bootstrap
    resampling candidates (a candidate's answers are correlated); p-value: normal, from the bootstrap SE.

    Returns
    -------
    dict
        ``effect``, ``ci_low``, ``ci_high``, ``p_value``, ``n_answers`` (with a finite outcome),
        ``n_treated``, ``n_control``, ``n_strata`` (with both arms), ``n_in_compared_strata`` (answers in
        those strata: the others do not enter the estimate).

    Examples
    --------
    >>> d = stratified_difference(["a", "b", "c", "d"], ["s", "s", "t", "t"], [1, 0, 1, 0], [3.0, 2.0, 5.0, 5.0],
    ...                           n_boot=50)
    >>> d["effect"], d["n_strata"]
    (0.5, 2)
    """
    y = _float(pd.Series(outcome))
    t = _bool(pd.Series(treated))
    a = pd.DataFrame({"candidate_id": pd.Series(candidate_id).astype(str).to_numpy(),
                      "question_id": pd.Series(stratum).astype(str).to_numpy(), "prompted": t, "y": y})
    a = a[np.isfinite(a["y"]) & np.isfinite(a["prompted"])]
    if a.empty or a["prompted"].nunique() < 2:
        raise ValueError("no contrast: every answer with an outcome is in the same arm")
    F, _, cells = _cell_sums(a, {"n": np.ones(len(a)), "x": a["y"].to_numpy()})
    m = 2 * len(cells)
    N = F[:, :m].sum(axis=0)
    both = (N[0::2] > 0) & (N[1::2] > 0)
    if not both.any():
        raise ValueError("no stratum has both treated and untreated answers")
    point, low, high = _cluster_bootstrap(F, _weighted_cell_difference(m), n_boot, level, random_state)
    se = (high[0] - low[0]) / (2 * z_critical(level))
    p = float(two_sided_p(point[0] / se)) if se > 0 else (1.0 if point[0] == 0 else 0.0)
    return {"effect": float(point[0]), "ci_low": float(low[0]), "ci_high": float(high[0]), "p_value": p,
            "n_answers": int(len(a)), "n_treated": int((a["prompted"] == 1).sum()),
            "n_control": int((a["prompted"] == 0).sum()), "n_strata": int(both.sum()),
            "n_in_compared_strata": int((N[0::2] + N[1::2])[both].sum())}


def prompting_design(answers: pd.DataFrame) -> str:
    """``randomised`` when every answer records ``assignment=random``, else ``observational``.

    Examples
    --------
    >>> prompting_design(pd.DataFrame({"assignment": ["random", "random"]}))
    'randomised'
    >>> prompting_design(pd.DataFrame({"score": [3.0]}))
    'observational'
    """
    if "assignment" in answers.columns:
        a = answers["assignment"].astype(str).str.strip().str.lower()
        if len(a) and (a == "random").all():
            return "randomised"
    return "observational"


def prompting_matched(answers: pd.DataFrame, *, level: float = 0.95, n_boot: int = 1000,
                      random_state: Any = 0) -> dict[str, Any]:
    """Prompted minus unprompted score among answers of the same completeness before the hint.

    Among hint-eligible answers (``hint_eligible``, when the column exists), answers are stratified by
    question and ``star_before`` (STAR parts present before the hint, 0-4); the estimate is the
    answer-weighted mean of the within-stratum differences, with a candidate bootstrap CI. It removes the
    confounding by completeness before the hint, not by anything else that triggered the hint: it is an
    observational estimate unless the data record ``assignment=random``.

    Returns
    -------
    dict
        ``available`` (False, with ``reason``, when the answers lack ``star_before``), ``design``,
        ``effect``, ``ci_low``, ``ci_high``, ``n_answers``, ``n_strata`` (strata with both arms).

    Examples
    --------
    >>> prompting_matched(pd.DataFrame({"candidate_id": ["a"], "question_id": ["q"], "score": [3.0],
    ...                                 "prompted": [True]}))["available"]
    False
    """
    if "star_before" not in answers.columns or pd.to_numeric(answers["star_before"], errors="coerce").isna().all():
        return {"available": False, "design": prompting_design(answers),
                "reason": "the answers have no star_before (completeness before the hint), so answers of the same "
                          "quality before the hint cannot be matched; the naive difference stays confounded"}
    keep = answers
    if "hint_eligible" in answers.columns:
        keep = answers[np.nan_to_num(_bool(answers["hint_eligible"])) > 0]
    star = pd.to_numeric(keep["star_before"], errors="coerce")
    keep = keep[star.notna()]
    strata = keep["question_id"].astype(str) + "|star" + star[star.notna()].astype(int).astype(str)
    try:
        a = _answers_frame(keep.assign(question_id=strata.to_numpy()))
    except ValueError as exc:
        return {"available": False, "design": prompting_design(keep), "reason": f"hint-eligible answers: {exc}"}
    F, _, cells = _cell_sums(a, {"n": np.ones(len(a)), "x": a["score"].to_numpy()})
    m = 2 * len(cells)
    point, low, high = _cluster_bootstrap(F, _weighted_cell_difference(m), n_boot, level, random_state)
    N = F[:, :m].sum(axis=0)
    both = int(((N[0::2] > 0) & (N[1::2] > 0)).sum())
    return {"available": True, "design": prompting_design(keep), "effect": float(point[0]),
            "ci_low": float(low[0]), "ci_high": float(high[0]), "n_answers": int(len(a)), "n_strata": both}


def prompting_effect(answers: pd.DataFrame, *, level: float = 0.95, n_boot: int = 1000,
                     random_state: Any = 0) -> pd.DataFrame:
    """Mean score of prompted minus unprompted answers, per question and overall, with CIs.

    The difference estimates the causal effect of a hint only when hints were randomised (as in the
    simulator). Real hints are triggered by incomplete answers, so this naive comparison is confounded:
    ``attrs["caveat"]`` says so, ``attrs["design"]`` is :func:`prompting_design`, and ``attrs["matched"]``
    holds :func:`prompting_matched` (same completeness before the hint, or why it is not possible). Per
    question: Welch difference with a t interval and p-value (each candidate answers a question once), Holm
    adjusted across questions. Overall (row ``overall``): the answer-weighted mean of the per-question
    differences, with a percentile bootstrap CI resampling candidates (a candidate's answers are
    correlated) and a normal p-value from the bootstrap SE.

    Returns
    -------
    DataFrame
        Indexed by question_id and ``overall``: ``n_prompted``, ``n_unprompted``, ``mean_prompted``,
        ``mean_unprompted``, ``difference``, ``ci_low``, ``ci_high``, ``p_value``, ``p_adjusted``.

    Examples
    --------
    >>> from workbench.simulate import simulate, small_config
    >>> sim = simulate(small_config(n_candidates=300, seed=2, answer_texts=False))
    >>> eff = prompting_effect(sim.tables["answers"], n_boot=200)
    >>> row = eff.loc["overall"]
    >>> bool(row.ci_low < 0.25 < row.ci_high), eff.attrs["design"], eff.attrs["matched"]["available"]
    (True, 'observational', False)
    """
    from scipy import stats  # the t quantile (-stdtrit(df, 0) is -inf, t.isf(0, df) +inf): not with the module

    a = _answers_frame(answers)
    g = a.groupby(["question_id", "prompted"], sort=False)["score"]
    tab = g.agg(["size", "mean", "var"]).unstack("prompted")
    tab = tab.reindex(pd.unique(a["question_id"]))
    n1, n0 = tab[("size", 1.0)].fillna(0), tab[("size", 0.0)].fillna(0)
    m1, m0 = tab[("mean", 1.0)], tab[("mean", 0.0)]
    v1, v0 = tab[("var", 1.0)], tab[("var", 0.0)]
    se = np.sqrt(v1 / n1 + v0 / n0)
    df = se**4 / ((v1 / n1) ** 2 / (n1 - 1) + (v0 / n0) ** 2 / (n0 - 1))
    diff = m1 - m0
    tcrit = stats.t.isf((1 - level) / 2, df)
    out = pd.DataFrame({"n_prompted": n1.astype(int), "n_unprompted": n0.astype(int), "mean_prompted": m1,
                        "mean_unprompted": m0, "difference": diff, "ci_low": diff - tcrit * se,
                        "ci_high": diff + tcrit * se, "p_value": 2 * stats.t.sf(np.abs(diff / se), df)})
    out["p_adjusted"] = holm(out["p_value"].to_numpy())
    # overall: candidate bootstrap of the answer-weighted mean of per-question differences
    F, _, ques = _cell_sums(a, {"n": np.ones(len(a)), "x": a["score"].to_numpy()})
    point, low, high = _cluster_bootstrap(F, _weighted_cell_difference(2 * len(ques)), n_boot, level, random_state)
    R_se = (high[0] - low[0]) / (2 * z_critical(level))
    out.loc["overall"] = {"n_prompted": int(n1.sum()), "n_unprompted": int(n0.sum()),
                          "mean_prompted": float(a.loc[a.prompted == 1, "score"].mean()),
                          "mean_unprompted": float(a.loc[a.prompted == 0, "score"].mean()),
                          "difference": float(point[0]), "ci_low": float(low[0]), "ci_high": float(high[0]),
                          "p_value": float(two_sided_p(point[0] / R_se)) if R_se > 0 else np.nan,
                          "p_adjusted": np.nan}
    out.index.name = "question_id"
    out.attrs["design"] = prompting_design(answers)
    out.attrs["caveat"] = None if out.attrs["design"] == "randomised" else PROMPTING_CAVEAT
    out.attrs["matched"] = prompting_matched(answers, level=level, n_boot=n_boot, random_state=random_state)
    return out


def prompting_validity(answers: pd.DataFrame, criterion: pd.Series, *, level: float = 0.95,
                       n_boot: int = 1000, random_state: Any = 0) -> pd.DataFrame:
    """Does prompting change a question's validity? r(score, criterion) for prompted vs unprompted answers.

    Per question: the two correlations (independent candidates, since prompting is randomised per answer),
    their difference, a Fisher-z test and Holm-adjusted p-values. Overall: the mean over questions of the
    difference, with a candidate bootstrap CI. Correlations are among the candidates who have the
    criterion (range-restricted, not corrected: both arms are restricted by the same selection on the
    total, which also contained the prompted answers).

    Parameters
    ----------
    answers : DataFrame
        candidate_id, question_id, score, prompted.
    criterion : Series
        Criterion per candidate_id (NaN where absent), e.g. ``ReviewInputs.criterion_values``.

    Examples
    --------
    >>> from workbench.simulate import simulate, small_config
    >>> from workbench.review.inputs import review_inputs_from_tables
    >>> sim = simulate(small_config(n_candidates=600, seed=2, answer_texts=False))
    >>> ri = review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], "final_score")
    >>> tab = prompting_validity(sim.tables["answers"], ri.criterion_values, n_boot=100)
    >>> list(tab.columns[:4]), "overall" in tab.index
    (['n_prompted', 'r_prompted', 'n_unprompted', 'r_unprompted'], True)
    """
    a = _answers_frame(answers)
    y = pd.Series(_float(criterion), index=pd.Index(criterion.index.astype(str)))
    a = a.assign(y=y.reindex(a["candidate_id"]).to_numpy())
    a = a[np.isfinite(a["y"])]
    if a.empty:
        raise ValueError("no answering candidate has the criterion")
    x, yy = a["score"].to_numpy(), a["y"].to_numpy()
    F, _, ques = _cell_sums(a, {"n": np.ones(len(a)), "x": x, "y": yy, "xx": x * x, "yy": yy * yy, "xy": x * yy})
    m = 2 * len(ques)

    def corr(S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        N, X, Y, XX, YY, XY = (S[:, i * m:(i + 1) * m] for i in range(6))
        with np.errstate(invalid="ignore", divide="ignore"):
            r = (XY - X * Y / N) / np.sqrt((XX - X * X / N) * (YY - Y * Y / N))
        return np.where(N >= 3, np.clip(r, -1, 1), np.nan), N

    def stat(S: np.ndarray) -> np.ndarray:
        r, _ = corr(S)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmean(r[:, 1::2] - r[:, 0::2], axis=1)[:, None]

    r, N = corr(F.sum(axis=0, keepdims=True))
    r1, r0, n1, n0 = r[0, 1::2], r[0, 0::2], N[0, 1::2], N[0, 0::2]
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (np.arctanh(r1) - np.arctanh(r0)) / np.sqrt(1 / (n1 - 3) + 1 / (n0 - 3))
    p = two_sided_p(z)
    out = pd.DataFrame({"n_prompted": n1.astype(int), "r_prompted": r1, "n_unprompted": n0.astype(int),
                        "r_unprompted": r0, "difference": r1 - r0, "z": z, "p_value": p,
                        "p_adjusted": holm(p)}, index=pd.Index(ques, name="question_id"))
    point, low, high = _cluster_bootstrap(F, stat, n_boot, level, random_state)
    out.loc["overall"] = {"n_prompted": int(n1.sum()), "r_prompted": float(np.nanmean(r1)),
                          "n_unprompted": int(n0.sum()), "r_unprompted": float(np.nanmean(r0)),
                          "difference": float(point[0]), "z": np.nan, "p_value": np.nan, "p_adjusted": np.nan}
    out["ci_low"], out["ci_high"] = np.nan, np.nan  # bootstrap CI for the overall row only
    out.loc["overall", ["ci_low", "ci_high"]] = [float(low[0]), float(high[0])]
    out.attrs["caveat"] = RESTRICTED
    return out


def prompting_group_gaps(answers: pd.DataFrame, groups: pd.Series, *, level: float = 0.95, n_boot: int = 1000,
                         random_state: Any = 0) -> pd.DataFrame:
    """Does prompting widen or narrow group score gaps? Gap of each group vs all other known candidates.

    Scores are centred on their question's mean; for each known group, ``gap_unprompted`` and
    ``gap_prompted`` are the group's mean minus the other known candidates' mean among unprompted and
    prompted answers, and ``change`` = gap_prompted - gap_unprompted with a candidate bootstrap CI.
    Candidates with an unknown group are left out. Protected attributes are used for this audit only.

    Parameters
    ----------
    answers : DataFrame
        candidate_id, question_id, score, prompted.
    groups : Series
        Group label per candidate_id (NaN = unknown), e.g. ``group_labels(inputs.groups, "gender")``.

    Examples
    --------
    >>> from workbench.simulate import simulate, small_config
    >>> sim = simulate(small_config(n_candidates=300, seed=2, answer_texts=False))
    >>> grp = sim.tables["candidates"].set_index("candidate_id")["gender"]
    >>> tab = prompting_group_gaps(sim.tables["answers"], grp, n_boot=100)
    >>> {"female", "male"} <= set(tab.index), list(tab.columns[-3:])
    (True, ['change', 'ci_low', 'ci_high'])
    """
    a = _answers_frame(answers)
    labels = pd.Series(groups.to_numpy(dtype=object), index=pd.Index(groups.index.astype(str)))
    a = a.assign(g=labels.reindex(a["candidate_id"]).to_numpy())
    a = a[a["g"].notna()]
    if a["g"].nunique() < 2:
        raise ValueError("need at least two known groups to compare")
    score = (a["score"] - a.groupby("question_id")["score"].transform("mean")).to_numpy()
    cand = pd.Index(sorted(a["candidate_id"].unique()))
    ci = cand.get_indexer(a["candidate_id"])
    pr = a["prompted"].to_numpy().astype(int)
    base = np.zeros((len(cand), 4))  # n_unprompted, sum_unprompted, n_prompted, sum_prompted
    np.add.at(base, (ci, 2 * pr), 1.0)
    np.add.at(base, (ci, 2 * pr + 1), score)
    first = a.drop_duplicates("candidate_id").set_index("candidate_id")["g"].reindex(cand).to_numpy()
    names = [g for g in pd.Series(first).value_counts().index]
    member = np.stack([first == g for g in names], axis=1).astype(float)  # candidates x G
    F = np.hstack([base, *(member[:, [j]] * base for j in range(len(names)))])
    G = len(names)

    def stat(S: np.ndarray) -> np.ndarray:
        tot = S[:, :4]
        out = np.empty((S.shape[0], 3 * G))
        with np.errstate(invalid="ignore", divide="ignore"):
            for j in range(G):
                g = S[:, 4 + 4 * j: 8 + 4 * j]
                rest = tot - g
                gap_u = g[:, 1] / g[:, 0] - rest[:, 1] / rest[:, 0]
                gap_p = g[:, 3] / g[:, 2] - rest[:, 3] / rest[:, 2]
                out[:, 3 * j: 3 * j + 3] = np.c_[gap_u, gap_p, gap_p - gap_u]
        return out

    point, low, high = _cluster_bootstrap(F, stat, n_boot, level, random_state)
    return pd.DataFrame({"n_candidates": member.sum(axis=0).astype(int), "gap_unprompted": point[0::3],
                         "gap_prompted": point[1::3], "change": point[2::3], "ci_low": low[2::3],
                         "ci_high": high[2::3]}, index=pd.Index(names, name="group"))


# ------------------------------------------------------------------------------------------ versions


def compare_versions(tables: Mapping[str, pd.DataFrame], by: str = "profile_version", *,
                     job_id: str | None = None, freq: str = "Q", attribute: str = "gender",
                     min_share: float = 0.0) -> pd.DataFrame:
    """Pass rate, predictive accuracy, validity and impact ratios per profile version or application period.

    Point estimates only, one attribute; :func:`workbench.review.trend.trend` adds CIs, tests of each change,
    the mix shift and the standardised comparison (and uses the dichotomous correction of the validity table).

    Parameters
    ----------
    tables : mapping of table name -> DataFrame
    by : {"profile_version", "period"}
        ``period`` groups on ``candidates.applied_at`` by ``freq`` (a pandas period alias: ``Q``, ``M``,
        ``Y``).
    job_id : str, optional
        One job (default all; AI scores of different jobs are then mixed).
    attribute : str
        For the impact ratios of the AI decision (``gender``, ``race_ethnicity``, ``education``,
        ``age_band``).

    Returns
    -------
    DataFrame
        One row per version/period: ``n_applicants``, ``ai_pass_rate``, ``n_ai_passed``,
        ``final_pass_share``, ``hired_share``, ``n_validity``, ``validity_observed`` (point-biserial of
        ai_score with final_passed among finalists, range-restricted), ``validity_corrected`` (Case II with
        ``u`` = SD of ai_score among the AI-passed / among all applicants of that version), and
        ``impact_ratio_min`` with its group and one ``impact_ratio[<group>]`` column per group.

    Examples
    --------
    >>> from workbench.simulate import simulate, small_config
    >>> sim = simulate(small_config(n_candidates=400, seed=2, answer_texts=False))
    >>> tab = compare_versions(sim.tables, "period", job_id="product_manager", freq="Y")
    >>> int(tab["n_applicants"].sum())
    200
    """
    f = funnel_frame(tables, job_id)
    if by == "profile_version":
        key = f["profile_version"]
    elif by == "period":
        if f["applied_at"].isna().all():
            raise ValueError("no candidate has an applied_at date to group periods by")
        key = f["applied_at"].dt.to_period(freq).astype(str)
    else:
        raise ValueError(f"by must be 'profile_version' or 'period', got {by!r}")
    rows = {}
    for value, part in f.groupby(key, sort=True):
        sel = part[part["ai_passed"]]
        fin = sel[sel["final_passed"].notna()]
        r = pearson(fin["ai_score"], fin["final_passed"]).r if len(fin) else np.nan
        sd_all = part["ai_score"].std(ddof=1)
        u = sel["ai_score"].std(ddof=1) / sd_all if sd_all > 0 else np.nan
        row = {"n_applicants": len(part), "ai_pass_rate": len(sel) / len(part), "n_ai_passed": len(sel),
               "final_pass_share": float((sel["final_passed"] == 1).mean()) if len(sel) else np.nan,
               "hired_share": float(sel["hired"].mean()) if len(sel) else np.nan, "n_validity": len(fin),
               "validity_observed": r, "validity_corrected": float(correct_case_ii(r, u))}
        ir = impact_ratio_table(part["ai_passed"], group_labels(part, attribute), min_share=min_share)
        known = ir["impact_ratio"].dropna()
        row["impact_ratio_min"] = float(known.min()) if len(known) else np.nan
        row["impact_ratio_min_group"] = known.idxmin() if len(known) else None
        row.update({f"impact_ratio[{g}]": v for g, v in known.items()})
        rows[value] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = by
    out.attrs["caveat"] = RESTRICTED
    return out
