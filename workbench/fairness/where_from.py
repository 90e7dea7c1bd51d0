"""Where an adverse impact comes from: score gaps per question and dimension, and differential item
functioning.

The t and normal tails are scipy.special's closed forms, as scipy.stats computes them: ``t.sf(x, df) =
stdtr(df, -x)``, ``norm.isf(q) = -ndtri(q)``. The t quantile of the DIF intervals stays scipy.stats' (imported
in :func:`_dif_once`): ``stdtrit(df, 0)`` is ``+inf``, so ``-stdtrit`` would turn a 100 % interval inside out.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from workbench.data.groups import _factor
from workbench.metrics.multiplicity import holm
from workbench.metrics.normal import z_critical


# ------------------------------------------------------------------------------ score gaps and DIF


def cohens_d(n1: Any, mean1: Any, sd1: Any, n2: Any, mean2: Any, sd2: Any, level: float = 0.95) -> dict[str, Any]:
    """Cohen's d (pooled SD) of group 1 minus group 2, its large-sample CI and the pooled-t p-value.

    ``se(d) = sqrt((n1 + n2) / (n1 n2) + d^2 / (2 (n1 + n2)))`` (Hedges & Olkin 1985).

    Examples
    --------
    >>> r = cohens_d(50, 3.5, 1.0, 50, 3.0, 1.0)
    >>> round(float(r["d"]), 2), [round(float(v), 3) for v in (r["ci_low"], r["ci_high"])]
    (0.5, [0.102, 0.898])
    """
    n1, m1, s1, n2, m2, s2 = (np.asarray(x, dtype=float) for x in (n1, mean1, sd1, n2, mean2, sd2))
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = np.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (n1 + n2 - 2))
        d = (m1 - m2) / pooled
        se = np.sqrt((n1 + n2) / (n1 * n2) + d**2 / (2 * (n1 + n2)))
        t = d * np.sqrt(n1 * n2 / (n1 + n2))
        p = 2 * special.stdtr(n1 + n2 - 2, -np.abs(t))
    z = z_critical(level)
    return {"d": d, "ci_low": d - z * se, "ci_high": d + z * se, "p_value": p}


def score_gap_table(scores: pd.DataFrame, group: pd.Series, *, alpha: float = 0.05, level: float = 0.95,
                    min_effect: float = 0.2, min_n: int = 2) -> pd.DataFrame:
    """Cohen's d of each known group against all other known candidates, per score column.

    Parameters
    ----------
    scores : DataFrame
        Candidates x items (questions or dimensions); NaN = not answered.
    group : Series
        Group label per candidate (same index; NaN = unknown, left out).
    min_effect : float
        ``gap`` is flagged when the Holm-adjusted p < ``alpha`` and ``|d| >= min_effect``.

    Returns
    -------
    DataFrame
        One row per item x group: ``item``, ``group``, ``n``, ``mean``, ``n_other``, ``mean_other``, ``d``,
        ``ci_low``, ``ci_high``, ``p_value``, ``p_adjusted`` (Holm over the table), ``gap``.

    Examples
    --------
    >>> s = pd.DataFrame({"q1": [1.0, 2, 3, 4, 5, 6], "q2": [1.0, 2, 1, 2, 1, 2]})
    >>> g = pd.Series(["a", "a", "a", "b", "b", "b"])
    >>> round(float(score_gap_table(s, g).set_index(["item", "group"]).loc[("q2", "a"), "d"]), 3)
    -0.577
    """
    codes, labels = _factor(group.to_numpy(dtype=object))
    rows = []
    X = scores.to_numpy(dtype=float)
    known = codes >= 0
    for j, item in enumerate(scores.columns):
        x = X[:, j]
        ok = known & np.isfinite(x)
        if not ok.any():
            continue
        c, v = codes[ok], x[ok]
        cnt = np.bincount(c, minlength=len(labels)).astype(float)
        s1 = np.bincount(c, weights=v, minlength=len(labels))
        s2 = np.bincount(c, weights=v * v, minlength=len(labels))
        for gi, label in enumerate(labels):
            n1, n2 = cnt[gi], cnt.sum() - cnt[gi]
            if n1 < min_n or n2 < min_n:
                continue
            m1, m2 = s1[gi] / n1, (s1.sum() - s1[gi]) / n2
            v1 = max(s2[gi] - n1 * m1 * m1, 0) / (n1 - 1)
            v2 = max(s2.sum() - s2[gi] - n2 * m2 * m2, 0) / (n2 - 1)
            r = cohens_d(n1, m1, np.sqrt(v1), n2, m2, np.sqrt(v2), level)
            rows.append({"item": item, "group": label, "n": int(n1), "mean": m1, "n_other": int(n2),
                         "mean_other": m2, **{k: float(v) for k, v in r.items()}})
    out = pd.DataFrame(rows, columns=["item", "group", "n", "mean", "n_other", "mean_other", "d", "ci_low",
                                      "ci_high", "p_value"])
    out["p_adjusted"] = holm(out["p_value"].to_numpy(float))
    out["gap"] = (out["p_adjusted"] < alpha) & (out["d"].abs() >= min_effect)
    return out


def _ols(y: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """OLS coefficients, classical standard errors and residual df."""
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    df = X.shape[0] - X.shape[1]
    sigma2 = resid @ resid / df if df > 0 else np.nan
    cov = sigma2 * np.linalg.pinv(X.T @ X)
    return beta, np.sqrt(np.clip(np.diag(cov), 0, None)), df


def _dif_once(scores: np.ndarray, codes: np.ndarray, labels: list[str], ref: int, items: list[str],
              exclude: set[int], level: float) -> list[dict[str, Any]]:
    rows = []
    k = scores.shape[1]
    answered = np.isfinite(scores)
    filled = np.where(answered, scores, 0.0)
    from scipy import stats  # t.isf: see the module's docstring

    focal = [g for g in range(len(labels)) if g != ref]
    tq = z_critical(level)
    for j in range(k):
        match = [i for i in range(k) if i != j and i not in exclude] or [i for i in range(k) if i != j]
        cnt = answered[:, match].sum(axis=1)
        rest = np.divide(filled[:, match].sum(axis=1), cnt, out=np.full(len(cnt), np.nan), where=cnt > 0)
        ok = answered[:, j] & np.isfinite(rest) & (codes >= 0)
        y, r, c = scores[ok, j], rest[ok], codes[ok]
        present = [g for g in focal if (c == g).any()]
        if not present or not (c == ref).any():
            continue
        rc = r - r.mean()
        D = np.stack([(c == g).astype(float) for g in present], axis=1)
        X = np.column_stack([np.ones(len(y)), rc, D, D * rc[:, None]])
        beta, se, df = _ols(y, X)
        if df <= 0:
            continue
        tq = stats.t.isf((1 - level) / 2, df)
        for i, g in enumerate(present):
            bu, su = beta[2 + i], se[2 + i]
            bn, sn = beta[2 + len(present) + i], se[2 + len(present) + i]
            rows.append({"question_id": items[j], "group": labels[g], "reference": labels[ref],
                         "n_group": int((c == g).sum()), "n_reference": int((c == ref).sum()),
                         "uniform": bu, "uniform_ci_low": bu - tq * su, "uniform_ci_high": bu + tq * su,
                         "uniform_p": float(2 * special.stdtr(df, -abs(bu / su))) if su > 0 else np.nan,
                         "nonuniform": bn, "nonuniform_ci_low": bn - tq * sn, "nonuniform_ci_high": bn + tq * sn,
                         "nonuniform_p": float(2 * special.stdtr(df, -abs(bn / sn))) if sn > 0 else np.nan})
    return rows


def dif_table(scores: pd.DataFrame, group: pd.Series, *, reference: str | None = None, alpha: float = 0.05,
              level: float = 0.95, min_effect: float = 0.2, min_group_n: int = 20,
              purify: bool = True) -> pd.DataFrame:
    """Differential item functioning per question: regression of the score on the rest score and the group.

    For question j: ``score_j = b0 + b1 rest + sum_g u_g D_g + sum_g v_g D_g rest + e`` by OLS, where
    ``rest`` is the candidate's mean over the other questions (centred) and ``D_g`` codes the focal groups
    against ``reference`` (default: the largest known group; :func:`audit` passes the group with the highest
    selection rate, so negative effects mean the focal group is scored down). ``u_g`` is uniform DIF (rubric points at equal rest
    score), ``v_g`` non-uniform DIF (slope difference). Scores are continuous 1-5, so linear (not logistic
    or ordinal) regression. p-values are Holm-adjusted across questions x groups, separately for uniform and
    non-uniform DIF. With ``purify``, questions flagged in a first pass are removed from the rest score and
    the models refitted (one step; a biased question otherwise contaminates the matching score). Groups with
    fewer than ``min_group_n`` candidates are left out.

    Returns
    -------
    DataFrame
        One row per question x focal group: ``question_id``, ``group``, ``reference``, ``n_group``,
        ``n_reference``, ``uniform`` (+ ``_ci_low``, ``_ci_high``, ``_p``, ``_p_adjusted``),
        ``nonuniform`` (same), ``dif`` (``uniform``, ``non-uniform``, ``both`` or ``none``: adjusted p <
        ``alpha`` and ``|coefficient| >= min_effect``).

    Examples
    --------
    >>> g = np.random.default_rng(0)
    >>> theta = g.normal(size=600)
    >>> grp = pd.Series(np.where(g.random(600) < 0.5, "a", "b"))
    >>> s = pd.DataFrame({f"q{i}": 3 + 0.7 * theta + g.normal(0, 0.6, 600) for i in range(5)})
    >>> s["q0"] -= 0.8 * (grp == "b")
    >>> tab = dif_table(s, grp)
    >>> tab.loc[tab["dif"] != "none", "question_id"].tolist()
    ['q0']
    """
    codes, labels = _factor(group.to_numpy(dtype=object))
    counts = np.bincount(codes[codes >= 0], minlength=len(labels))
    small = [i for i, c in enumerate(counts) if c < min_group_n]
    codes = np.where(np.isin(codes, small), -1, codes)
    cols = ["question_id", "group", "reference", "n_group", "n_reference", "uniform", "uniform_ci_low",
            "uniform_ci_high", "uniform_p", "uniform_p_adjusted", "nonuniform", "nonuniform_ci_low",
            "nonuniform_ci_high", "nonuniform_p", "nonuniform_p_adjusted", "dif"]
    if (counts >= min_group_n).sum() < 2 or scores.shape[1] < 2:
        return pd.DataFrame(columns=cols)
    ref = int(np.argmax(np.where(counts >= min_group_n, counts, -1)))
    if reference is not None and reference in labels and counts[labels.index(reference)] >= min_group_n:
        ref = labels.index(reference)
    X = scores.to_numpy(dtype=float)
    items = [str(c) for c in scores.columns]

    def run(exclude: set[int]) -> pd.DataFrame:
        out = pd.DataFrame(_dif_once(X, codes, labels, ref, items, exclude, level))
        if out.empty:
            return pd.DataFrame(columns=cols)
        out["uniform_p_adjusted"] = holm(out["uniform_p"].to_numpy(float))
        out["nonuniform_p_adjusted"] = holm(out["nonuniform_p"].to_numpy(float))
        u = (out["uniform_p_adjusted"] < alpha) & (out["uniform"].abs() >= min_effect)
        v = (out["nonuniform_p_adjusted"] < alpha) & (out["nonuniform"].abs() >= min_effect)
        out["dif"] = np.select([u & v, u, v], ["both", "uniform", "non-uniform"], "none")
        return out[cols]

    out = run(set())
    if purify and (out["dif"] != "none").any():
        flagged = {items.index(q) for q in out.loc[out["dif"] != "none", "question_id"]}
        out = run(flagged)
    return out


