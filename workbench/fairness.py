r"""Bias audit: NYC Local Law 144 tables, significance, and where an adverse impact comes from.

The audit answers three questions about a hiring decision (``ai_passed``, ``final_passed`` or ``hired``):

1. **Is there an adverse impact?** Per attribute (gender, race/ethnicity, their intersection, age band with
   ``40+`` as in US law and finer bands, education) an LL144 table (6 RCNY 5-301): n, selected, selection
   rate = selected / n, impact ratio = rate / highest rate, the four-fifths flag (ratio < 0.80, 29 CFR
   1607.4(D)), a pooled two-proportion z test against the top group (Fisher's exact test instead when an
   expected cell count is under 5; the row says which), the Katz log confidence interval of the ratio,
   p-values adjusted across the table (Holm, family-wise), the shortfall (selections the group lacks for
   parity) and whether one changed selection flips the conclusion. Missing demographics form an explicit
   ``Unknown`` group: counted and reported, left out of every ratio. Categories under 2 % of the known
   applicants are listed with their rate but left out of the ratios, with the reason (6 RCNY 5-301(d)).
   The LL144 scoring-rate table does the same for the AI score: the share scoring above the median of all
   applicants.
2. **At which stage, and consistently across jobs?** The same tables for the AI interview, the final round
   (among finalists: range-restricted), the hire (among those offered) and the whole process (hired among
   all applicants), and a Cochran-Mantel-Haenszel test per group across jobs.
3. **Where does it come from?** Score gaps per question and per dimension (Cohen's d with CI) and
   differential item functioning (DIF) per question: a linear regression of the question score on the
   candidate's rest score (mean of the job's other questions) and the group; the group coefficient is
   uniform DIF, the group x rest-score interaction non-uniform DIF. Question scores are continuous on the
   1-5 rubric (0.1 steps), hence linear rather than logistic/ordinal regression. The rest score is purified
   once (flagged questions are dropped from the matching score and the model refitted).

Everything is computed from counts per group: rows are aggregated first and fairlearn's
:class:`~fairlearn.metrics.MetricFrame` runs on the cells with sample weights, so a million candidates
audit in seconds. Mitigation is a diagnostic only (:func:`mitigation_diagnostic`,
:func:`threshold_diagnostic`; group-specific thresholds are unlawful in US hiring, 42 U.S.C. 2000e-2(l)).
:func:`screen_high_risk_inputs` flags emotion / facial-expression data (EU AI Act Art. 5(1)(f)).
Protected attributes are used for auditing only, never as model features.

Examples
--------
>>> import numpy as np, pandas as pd
>>> tab = selection_rate_table([1, 0, 1, 0], ["m", "m", "f", "f"], sample_weight=[60, 40, 40, 60])
>>> tab[["rate", "impact_ratio", "four_fifths"]].round(3).to_dict("index")
{'f': {'rate': 0.4, 'impact_ratio': 0.667, 'four_fifths': True}, 'm': {'rate': 0.6, 'impact_ratio': 1.0, 'four_fifths': False}}
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, selection_rate
from scipy import stats
from workbench.data.groups import (
    AGE_BANDS,
    AGE_BANDS_FINE,
    ATTRIBUTES,
    AUDIT_ATTRIBUTES,
    DECISIONS,
    INTERSECTION,
    UNKNOWN,
    GroupError,
    _encode,
    _factor,
    group_labels,
)
from workbench.jsonable import json_ready
from workbench.metrics.multiplicity import holm
from workbench.metrics.multiplicity import holm_multiplier as _holm_multiplier
from workbench.metrics.selection import FOUR_FIFTHS, impact_ratios
from workbench.metrics.proportions import katz_ci, two_proportion_z, wilson_ci

__all__ = [
    "AGE_BANDS",
    "AGE_BANDS_FINE",
    "ATTRIBUTES",
    "DECISIONS",
    "UNKNOWN",
    "AuditError",
    "AuditResult",
    "AuditTable",
    "UnlawfulThresholdWarning",
    "audit",
    "cmh_test",
    "cohens_d",
    "dif_table",
    "group_labels",
    "holm",
    "impact_ratio_table",
    "katz_ci",
    "mitigation_diagnostic",
    "score_gap_table",
    "screen_high_risk_inputs",
    "selection_rate_table",
    "threshold_diagnostic",
    "two_proportion_z",
    "wilson_ci",
]


MIN_SHARE = 0.02  # 6 RCNY 5-301(d): categories under 2 % may be left out of the ratios
SMALL_CELL = 5  # expected count below which Fisher's exact test replaces the z test; suppression threshold
ADJUSTMENT = "holm"
RESTRICTED = ("range-restricted: only candidates who passed the AI interview reach the final round, so final-round "
              "and hire figures describe those selected before, not the applicant pool")
UNLAWFUL = ("DIAGNOSTIC ONLY - group-specific thresholds are unlawful in US hiring: 42 U.S.C. 2000e-2(l) forbids "
            "adjusting scores or using different cutoff scores on the basis of race, color, religion, sex or "
            "national origin. Never apply them to decisions.")
EMOTION_PATTERN = re.compile(
    r"emotion|facial|(^|_)face(_|$)|micro_?expression|(^|_)expression|smile|(^|_)affect(ive)?(_|$)|(^|_)mood(_|$)"
    r"|voice_?stress|gaze|eye_?contact", re.IGNORECASE)


AuditError = GroupError  # the data cannot support the requested audit; the message says why


class UnlawfulThresholdWarning(UserWarning):
    """Group-specific thresholds were computed (diagnostic only; unlawful in US hiring)."""


# ------------------------------------------------------------------------------------------ helpers


def _jsonable(v: Any) -> Any:
    return json_ready(v)

def _float(values: Any) -> np.ndarray:
    return pd.Series(values).astype("Float64").to_numpy(dtype=float, na_value=np.nan)


_TRUE = {"true", "1", "yes", "y", "t", "是", "1.0"}
_FALSE = {"false", "0", "no", "n", "f", "否", "0.0"}


def _as_bool(values: Any, name: str) -> np.ndarray:
    """0/1/NaN floats from a boolean-like column; :class:`AuditError` if it is not boolean."""
    s = pd.Series(values)
    if s.dtype == bool:
        return s.to_numpy(dtype=float)
    if isinstance(s.dtype, pd.BooleanDtype):
        return s.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    if pd.api.types.is_numeric_dtype(s.dtype):
        f = _float(s)
        bad = np.isfinite(f) & (f != 0) & (f != 1)
        if bad.any():
            shown = ", ".join(map(str, pd.unique(f[bad])[:5]))
            raise AuditError(f"decision column {name!r} is not boolean: it holds values other than 0/1 ({shown})")
        return f
    text = s.astype(object)
    missing = text.isna() | (text.astype(str).str.strip() == "")
    low = text[~missing].astype(str).str.strip().str.lower()
    ok = low.isin(_TRUE | _FALSE)
    if not ok.all():
        shown = ", ".join(map(repr, pd.unique(low[~ok])[:5]))
        raise AuditError(f"decision column {name!r} is not boolean: it holds {shown} (use true/false, 1/0, yes/no)")
    out = np.full(len(s), np.nan)
    out[np.flatnonzero(~missing.to_numpy())] = low.isin(_TRUE).to_numpy(dtype=float)
    return out


def impact_ratio_table(selected: Any, group: Any, *, min_share: float = 0.0) -> pd.DataFrame:
    """Selection rate per group and its ratio to the highest rate (LL144), unknowns counted apart.

    The compact table used by the review module; :func:`selection_rate_table` adds the tests.

    Parameters
    ----------
    selected : Series of bool (NaN = no decision, left out)
    group : Series of labels (NaN = unknown), same index
    min_share : float, default 0
        Groups with a smaller share of the known applicants are listed but get no ratio (and are not the
        reference); LL144 allows leaving out categories under 2 %.

    Returns
    -------
    DataFrame
        Indexed by group (known groups by size, then ``Unknown``): ``n``, ``selected``, ``rate``,
        ``impact_ratio`` (NaN for unknown and excluded groups), ``four_fifths`` (ratio below 0.8),
        ``excluded_small``.

    Examples
    --------
    >>> sel = pd.Series([1, 1, 0, 1, 0, 0, 1], dtype=float)
    >>> grp = pd.Series(["a", "a", "a", "b", "b", "b", None])
    >>> impact_ratio_table(sel, grp)[["n", "selected", "impact_ratio"]].round(2).to_dict("index")
    {'a': {'n': 3, 'selected': 2, 'impact_ratio': 1.0}, 'b': {'n': 3, 'selected': 1, 'impact_ratio': 0.5}, \
'Unknown': {'n': 1, 'selected': 1, 'impact_ratio': nan}}
    """
    sel = pd.Series(_float(pd.Series(selected).astype("boolean").astype("Float64")),
                    index=getattr(selected, "index", None))
    grp = pd.Series(group, index=sel.index).astype(object)
    keep = sel.notna()
    sel, grp = sel[keep], grp[keep].where(grp[keep].notna(), UNKNOWN)
    counts = pd.DataFrame({"n": grp.value_counts(), "selected": sel.groupby(grp).sum()}).fillna(0)
    known = counts.drop(index=UNKNOWN, errors="ignore").sort_values("n", ascending=False, kind="stable")
    order = list(known.index) + ([UNKNOWN] if UNKNOWN in counts.index else [])
    out = counts.loc[order].astype(int)
    out["rate"] = out["selected"] / out["n"]
    ir = impact_ratios(known["n"].to_numpy(), known["selected"].to_numpy(), min_share=min_share)
    is_known = out.index != UNKNOWN
    out["excluded_small"] = False
    out.loc[is_known, "excluded_small"] = ir.excluded_small
    out["impact_ratio"] = np.nan
    out.loc[is_known, "impact_ratio"] = ir.impact_ratio
    out["four_fifths"] = out["impact_ratio"] < FOUR_FIFTHS
    out.index.name = "group"
    return out[["n", "selected", "rate", "impact_ratio", "four_fifths", "excluded_small"]]


# ----------------------------------------------------------------------------------- LL144 tables


def _rates(cells: pd.DataFrame) -> pd.Series:
    """Selection rate per (table, group) from fairlearn's MetricFrame over aggregated cells.

    ``cells`` has one row per table x group x outcome: ``table``, ``group``, ``y`` (0/1) and ``w`` (count);
    the count is the sample weight, so the metric sees every candidate without a row per candidate. One
    MetricFrame serves all tables of an attribute (``table`` is its control feature).
    """
    cells = cells[cells["w"] > 0]
    mf = MetricFrame(metrics=selection_rate, y_true=cells["y"].to_numpy(), y_pred=cells["y"].to_numpy(),
                     sensitive_features=cells["group"].rename("group"),
                     control_features=cells["table"].rename("table"),
                     sample_params={"sample_weight": cells["w"].to_numpy(dtype=float)})
    return mf.by_group


def _cells(key: str, labels: Sequence[str], n: np.ndarray, sel: np.ndarray) -> pd.DataFrame:
    G = len(labels)
    return pd.DataFrame({"table": key, "group": list(labels) * 2,
                         "y": np.r_[np.ones(G, int), np.zeros(G, int)], "w": np.r_[sel, np.asarray(n) - sel]})


def _table(labels: Sequence[str], n: np.ndarray, sel: np.ndarray, unknown_n: int = 0, unknown_sel: int = 0, *,
           min_share: float = MIN_SHARE, alpha: float = 0.05, level: float = 0.95,
           rates: pd.Series | None = None) -> pd.DataFrame:
    """The LL144 table with tests from counts of the known groups (and the unknown counts).

    ``rates``: selection rate per label from :func:`_rates` (computed here when not given).
    """
    n, sel = np.asarray(n, dtype=np.int64), np.asarray(sel, dtype=np.int64)
    present = n > 0
    labels = [lab for lab, p in zip(labels, present) if p]
    n, sel = n[present], sel[present]
    order = np.argsort(-n, kind="stable")
    labels, n, sel = [labels[i] for i in order], n[order], sel[order]
    if rates is None and labels:
        rates = _rates(_cells("t", labels, n, sel)).loc["t"]
    out = pd.DataFrame(index=pd.Index(labels, name="group"))
    out["n"], out["selected"] = n, sel
    out["rate"] = rates.reindex(labels).to_numpy(dtype=float) if labels else np.array([])
    ir = impact_ratios(n, sel, min_share=min_share, rates=out["rate"].to_numpy(dtype=float))
    out["share"] = ir.share
    out["excluded_small"] = ir.excluded_small
    out["reason"] = np.where(out["excluded_small"], [
        f"under {min_share:.0%} of known applicants ({s:.1%}): listed, left out of impact ratios "
        "(6 RCNY 5-301(d))" for s in out["share"]], "")
    eligible = ~ir.excluded_small
    rates = out["rate"].to_numpy()
    ref = ir.reference
    top = rates[ref] if ref >= 0 else np.nan
    a, n1 = out["selected"].to_numpy(float), out["n"].to_numpy(float)
    c, n2 = (a[ref], n1[ref]) if ref >= 0 else (np.nan, np.nan)
    compare = eligible & (np.arange(len(out)) != ref)
    ratio = ir.impact_ratio
    z, p = two_proportion_z(a, n1, c, n2)
    # Fisher's exact test when an expected count of the 2x2 table is under 5
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (a + c) / (n1 + n2)
        expected = np.minimum.reduce([n1 * pooled, n1 * (1 - pooled), n2 * pooled, n2 * (1 - pooled)])
    fisher = compare & (expected < SMALL_CELL)
    for i in np.flatnonzero(fisher):
        p[i] = stats.fisher_exact([[a[i], n1[i] - a[i]], [c, n2 - c]]).pvalue
    z, p = np.where(compare, z, np.nan), np.where(compare, p, np.nan)
    low, high = katz_ci(a, n1, c, n2, level)
    low, high = np.where(compare, low, np.where(np.arange(len(out)) == ref, 1.0, np.nan)), \
        np.where(compare, high, np.where(np.arange(len(out)) == ref, 1.0, np.nan))
    padj = holm(p)
    out["impact_ratio"] = ratio
    out["four_fifths"] = pd.array(np.where(eligible & np.isfinite(ratio), ratio < 0.8, None), dtype="boolean")
    out["z"], out["p_value"], out["p_adjusted"] = z, p, padj
    out["test"] = np.where(compare, np.where(fisher, "fisher_exact", "z_pooled"), "")
    out["ci_low"], out["ci_high"] = low, high
    out["reference"] = np.arange(len(out)) == ref
    out["significant"] = pd.array(np.where(compare, padj < alpha, None), dtype="boolean")
    with np.errstate(invalid="ignore"):
        short = np.ceil(top * n1 - a - 1e-9) if ref >= 0 else np.full(len(out), np.nan)
    out["shortfall"] = pd.array(np.where(compare, np.maximum(short, 0), np.nan), dtype="Float64").astype("Int64")
    # one selection more (flagged / significant rows) or fewer (others), reference and other rows held fixed
    step = np.where(out["four_fifths"].fillna(False).to_numpy(bool), 1.0, -1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio_moved = np.clip(a + step, 0, n1) / n1 / top
    out["flips_four_fifths"] = pd.array(np.where(compare, (ratio_moved < 0.8) != (ratio < 0.8), None),
                                        dtype="boolean")
    mult = _holm_multiplier(p)
    sig = padj < alpha
    toward = np.where(a / np.where(n1 > 0, n1, 1) < top, 1.0, -1.0)
    moved = np.clip(a + np.where(sig, toward, -toward), 0, n1)
    _, p_moved = two_proportion_z(moved, n1, c, n2)
    for i in np.flatnonzero(fisher):
        p_moved[i] = stats.fisher_exact([[moved[i], n1[i] - moved[i]], [c, n2 - c]]).pvalue
    out["flips_significance"] = pd.array(
        np.where(compare, (np.minimum(1, p_moved * mult) < alpha) != sig, None), dtype="boolean")
    unknown = pd.DataFrame({"n": [int(unknown_n)], "selected": [int(unknown_sel)],
                            "rate": [unknown_sel / unknown_n if unknown_n else np.nan]},
                           index=pd.Index([UNKNOWN], name="group"))
    unknown["excluded_small"] = False
    unknown["reason"] = "unknown: counted and reported, left out of impact ratios"
    unknown["reference"] = False
    if unknown_n:
        out = pd.concat([out, unknown])
        for col, dtype in (("four_fifths", "boolean"), ("significant", "boolean"), ("flips_four_fifths", "boolean"),
                           ("flips_significance", "boolean"), ("shortfall", "Int64")):
            out[col] = out[col].astype(dtype)
        out["test"] = out["test"].fillna("")
    return out


def selection_rate_table(selected: Any, group: Any, *, sample_weight: Any = None, min_share: float = MIN_SHARE,
                         alpha: float = 0.05, level: float = 0.95) -> pd.DataFrame:
    """LL144 selection-rate table with significance, from rows (or weighted cells) of a decision.

    Parameters
    ----------
    selected : array_like of bool
        The decision per row (NaN/None rows are left out).
    group : array_like
        Group label per row; missing or blank = ``Unknown`` (counted, left out of the ratios).
    sample_weight : array_like, optional
        Row counts (e.g. one row per group x decision cell); defaults to 1.
    min_share : float, default 0.02
        Known groups under this share are listed with their rate but excluded from the ratios.
    alpha, level : float
        Significance level of the adjusted p-values; confidence level of the Katz interval.

    Returns
    -------
    DataFrame
        Indexed by group (known groups by size, then ``Unknown``): ``n``, ``selected``, ``rate``,
        ``share``, ``excluded_small``, ``reason``, ``impact_ratio``, ``four_fifths``, ``z``, ``p_value``,
        ``p_adjusted`` (Holm across the table), ``test`` (``z_pooled`` or ``fisher_exact``), ``ci_low``,
        ``ci_high`` (Katz, of the impact ratio), ``reference``, ``significant``, ``shortfall``,
        ``flips_four_fifths``, ``flips_significance``.

    Examples
    --------
    >>> tab = selection_rate_table([1, 0, 1, 0, 1], ["a", "a", "b", "b", None], sample_weight=[30, 70, 50, 50, 4])
    >>> [round(float(tab.loc["a", k]), 3) for k in ("rate", "impact_ratio")], int(tab.loc["a", "shortfall"])
    ([0.3, 0.6], 20)
    >>> tab.loc["Unknown", ["n", "selected"]].tolist()
    [4, 4]
    """
    y = _as_bool(selected, "selected")
    codes, labels = _factor(group)
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    if not (len(codes) == len(y) == len(w)):
        raise AuditError(f"selected, group and sample_weight differ in length: {len(y)}, {len(codes)}, {len(w)}")
    keep = np.isfinite(y)
    y, codes, w = y[keep], codes[keep], w[keep]
    G = len(labels)
    n = np.bincount(codes[codes >= 0], weights=w[codes >= 0], minlength=G)
    sel = np.bincount(codes[codes >= 0], weights=(w * y)[codes >= 0], minlength=G)
    unk = codes < 0
    return _table(labels, np.round(n), np.round(sel), round(w[unk].sum()), round((w * y)[unk].sum()),
                  min_share=min_share, alpha=alpha, level=level)


# --------------------------------------------------------------------------------------------- CMH


def cmh_test(tables: Any, *, correction: bool = True) -> dict[str, float]:
    """Cochran-Mantel-Haenszel test of a common association across strata of 2x2 tables.

    Each stratum is ``[[a, b], [c, d]]``: focal group selected / not, reference group selected / not.
    Strata with fewer than two candidates or an empty row are skipped.

    Returns
    -------
    dict
        ``statistic`` (chi-square, 1 df; with continuity correction unless ``correction=False``),
        ``p_value``, ``mh_odds_ratio`` and ``mh_risk_ratio`` (Mantel-Haenszel common estimates; the risk ratio
        is the stratified analogue of the impact ratio), ``strata`` (used).

    Examples
    --------
    >>> r = cmh_test([[[10, 20], [20, 10]], [[15, 15], [25, 5]]])
    >>> round(r["statistic"], 4), round(r["mh_risk_ratio"], 4)
    (12.5288, 0.5556)
    """
    t = np.asarray(tables, dtype=float).reshape(-1, 2, 2)
    a, b, c, d = t[:, 0, 0], t[:, 0, 1], t[:, 1, 0], t[:, 1, 1]
    n1, n2 = a + b, c + d
    N = n1 + n2
    m1, m0 = a + c, b + d
    use = (N >= 2) & (n1 > 0) & (n2 > 0)
    a, b, c, d, n1, n2, N, m1, m0 = (x[use] for x in (a, b, c, d, n1, n2, N, m1, m0))
    expected = n1 * m1 / N
    var = n1 * n2 * m1 * m0 / (N * N * (N - 1))
    diff = abs(a.sum() - expected.sum())
    if correction:
        diff = max(diff - 0.5, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        stat = diff**2 / var.sum()
        odds = (a * d / N).sum() / (b * c / N).sum()
        risk = (a * n2 / N).sum() / (c * n1 / N).sum()
    return {"statistic": float(stat), "p_value": float(stats.chi2.sf(stat, 1)), "mh_odds_ratio": float(odds),
            "mh_risk_ratio": float(risk), "strata": int(use.sum())}


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
        p = 2 * stats.t.sf(np.abs(t), n1 + n2 - 2)
    z = stats.norm.isf((1 - level) / 2)
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
    focal = [g for g in range(len(labels)) if g != ref]
    tq = stats.norm.isf((1 - level) / 2)
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
                         "uniform_p": float(2 * stats.t.sf(abs(bu / su), df)) if su > 0 else np.nan,
                         "nonuniform": bn, "nonuniform_ci_low": bn - tq * sn, "nonuniform_ci_high": bn + tq * sn,
                         "nonuniform_p": float(2 * stats.t.sf(abs(bn / sn), df)) if sn > 0 else np.nan})
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


# -------------------------------------------------------------------------------------- screening


def screen_high_risk_inputs(dataset: Any) -> list[dict[str, str]]:
    """Columns that look like emotion or facial-expression data, in any table of the dataset.

    Emotion recognition in the workplace is prohibited in the EU (AI Act, Regulation (EU) 2024/1689, Art.
    5(1)(f)); such features must not feed a hiring decision. The screen matches column names.

    Examples
    --------
    >>> screen_high_risk_inputs({"answers": pd.DataFrame(columns=["score", "facial_expression_joy"])})[0]["column"]
    'facial_expression_joy'
    """
    found = []
    for name, frame in _tables_of(dataset).items():
        for col in getattr(frame, "columns", []):
            if EMOTION_PATTERN.search(str(col)):
                found.append({"table": name, "column": str(col),
                              "reason": "emotion / facial-expression feature: emotion recognition in the workplace "
                                        "is prohibited under EU AI Act Art. 5(1)(f); remove it from any decision"})
    return found


# ------------------------------------------------------------------------------------------ the pool


def _tables_of(dataset: Any) -> dict[str, pd.DataFrame]:
    if isinstance(dataset, Mapping):
        return {str(k): v for k, v in dataset.items() if isinstance(v, pd.DataFrame)}
    names = ("candidates", "questions", "answers", "ai_decisions", "final_rounds", "outcomes")
    return {n: getattr(dataset, n) for n in names if isinstance(getattr(dataset, n, None), pd.DataFrame)}


def _indexer(ids: pd.Series, pool: pd.Index) -> np.ndarray:
    """Positions in ``ids`` of each pool id (-1 where absent)."""
    return pd.Index(ids.astype(str)).get_indexer(pool)


@dataclass(frozen=True, eq=False)
class _Pool:
    candidate_id: pd.Index
    job: np.ndarray
    jobs: list[str]
    ai_score: np.ndarray
    ai: np.ndarray
    final: np.ndarray
    hired: np.ndarray
    groups: pd.DataFrame
    applied_at: tuple[Any, Any]
    profile_versions: list[str]


def _pool(tables: Mapping[str, pd.DataFrame], job_id: str | None, by: Iterable[str] = ()) -> _Pool:
    for name in ("candidates", "ai_decisions"):
        if name not in tables or tables[name] is None or tables[name].empty:
            raise AuditError(f"the {name} table is empty or missing: nothing to audit")
    cands, ai = tables["candidates"], tables["ai_decisions"]
    if job_id is not None:
        cands = cands[(cands["job_id"].astype(str) == job_id).to_numpy()]
        if cands.empty:
            jobs = ", ".join(sorted(tables["candidates"]["job_id"].astype(str).unique()))
            raise AuditError(f"job {job_id!r} has no candidates (jobs: {jobs})")
    ids = cands["candidate_id"].astype(str)
    same = len(ai) == len(cands) and ai["candidate_id"].astype(str).to_numpy().tolist() == ids.to_numpy().tolist() \
        if len(cands) < 5000 else (len(ai) == len(cands) and (ai["candidate_id"].astype(str).to_numpy()
                                                              == ids.to_numpy()).all())
    if same:
        pos_c, pos_a = np.arange(len(cands)), np.arange(len(ai))
        pool = pd.Index(ids.to_numpy())
    else:
        pool_ids = pd.Index(ids.to_numpy())
        pos_a_all = _indexer(ai["candidate_id"], pool_ids)
        keep = pos_a_all >= 0
        pool = pool_ids[keep]
        pos_c, pos_a = np.flatnonzero(keep), pos_a_all[keep]
    if len(pool) == 0:
        raise AuditError("no candidate has an AI decision")
    ai_passed = _as_bool(ai["ai_passed"], "ai_passed")[pos_a]
    final = np.full(len(pool), np.nan)
    fr = tables.get("final_rounds")
    if fr is not None and not fr.empty:
        fb = _as_bool(fr["final_passed"], "final_passed")
        pos = _indexer(fr["candidate_id"], pool)
        final[pos >= 0] = fb[pos[pos >= 0]]
    hired = np.zeros(len(pool))
    oc = tables.get("outcomes")
    if oc is not None and not oc.empty:
        hb = _as_bool(oc["hired"], "hired")
        pos = _indexer(oc["candidate_id"], pool)
        hired[pos >= 0] = np.nan_to_num(hb[pos[pos >= 0]])
    job_codes, jobs = _factor(cands["job_id"].to_numpy(dtype=object)[pos_c])
    group_cols = [c for c in dict.fromkeys(("gender", "age", "race_ethnicity", "education", *by))
                  if c in cands.columns and c not in ("candidate_id", "job_id")]
    groups = cands[group_cols].iloc[pos_c].reset_index(drop=True)
    applied = pd.to_datetime(cands["applied_at"], errors="coerce") if "applied_at" in cands else pd.Series([], "M8[ns]")
    versions = sorted(set(ai["profile_version"].dropna().astype(str).iloc[pos_a])) if "profile_version" in ai else []
    return _Pool(candidate_id=pool, job=job_codes, jobs=jobs, ai_score=_float(ai["ai_score"])[pos_a]
                 if "ai_score" in ai else np.full(len(pool), np.nan), ai=ai_passed, final=final, hired=hired,
                 groups=groups, applied_at=(applied.min(), applied.max()), profile_versions=versions)


def _stage_arrays(pool: _Pool) -> dict[str, tuple[np.ndarray, np.ndarray, str]]:
    """stage -> (population mask, selected 0/1, description)."""
    ai = np.nan_to_num(pool.ai).astype(bool)
    final_known = np.isfinite(pool.final)
    final = np.nan_to_num(pool.final).astype(bool)
    return {
        "ai_passed": (np.isfinite(pool.ai), ai, "AI interview: passed among all applicants"),
        "final_passed": (final_known, final, "final round: passed among finalists (range-restricted)"),
        "hired": (final_known & final, pool.hired.astype(bool), "hire: hired among those who passed the final round"),
        "whole_process": (np.isfinite(pool.ai), pool.hired.astype(bool), "whole process: hired among all applicants"),
    }


def _counts(job: np.ndarray, codes: np.ndarray, y: np.ndarray, mask: np.ndarray, J: int, G: int) -> np.ndarray:
    """(J, G + 1, 2) counts of [not selected, selected]; index G holds the unknown group."""
    g = np.where(codes >= 0, codes, G)[mask]
    idx = (job[mask] * (G + 1) + g) * 2 + y[mask].astype(np.int64)
    return np.bincount(idx, minlength=J * (G + 1) * 2).reshape(J, G + 1, 2)


# ------------------------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class AuditTable:
    """One LL144 table: ``rows`` indexed by group, as :func:`selection_rate_table` returns it."""

    attribute: str
    rows: pd.DataFrame
    kind: str = "selection_rate"
    median: float | None = None

    @property
    def reference(self) -> str | None:
        ref = self.rows.index[self.rows["reference"].to_numpy(bool)]
        return str(ref[0]) if len(ref) else None

    @property
    def flagged(self) -> list[str]:
        """Groups under the four-fifths line."""
        return [str(g) for g in self.rows.index[self.rows["four_fifths"].fillna(False).to_numpy(bool)]]

    @property
    def significant(self) -> list[str]:
        """Groups whose adjusted p-value is below alpha."""
        return [str(g) for g in self.rows.index[self.rows["significant"].fillna(False).to_numpy(bool)]]

    def to_dict(self, view: str = "auditor") -> dict[str, Any]:
        rows = []
        for group, r in self.rows.iterrows():
            row = {"group": str(group), **{k: _jsonable(v) for k, v in r.items()}}
            if view == "stakeholder" and min(row["n"], row["selected"], row["n"] - row["selected"]) < SMALL_CELL:
                for key in ("n", "selected", "rate", "impact_ratio", "z", "p_value", "p_adjusted", "ci_low",
                            "ci_high", "shortfall", "share"):
                    row[key] = None
                row["suppressed"] = True
            else:
                row["suppressed"] = False
            rows.append(row)
        out: dict[str, Any] = {"attribute": self.attribute, "kind": self.kind, "reference": self.reference,
                               "rows": rows}
        if self.median is not None:
            out["median"] = _jsonable(self.median)
        return out


@dataclass(frozen=True, eq=False)
class AuditResult:
    """The outcome of :func:`audit`. ``to_dict()`` gives the ``workbench audit --json`` document.

    Attributes
    ----------
    decision, population : str
        The decision audited and its population (``stage``: those who reached the stage; ``applicants``:
        all applicants, selected = reached and passed).
    job_id : str or None
    by : tuple of str
        The attributes, derived ones included (intersection, fine age bands).
    tables, scoring_rate_tables : tuple of AuditTable
    unknown : mapping attribute -> {n, selected, rate, share}
    stages : tuple of dict
        Per stage and attribute, the compact table rows.
    cmh : tuple of dict
        Cochran-Mantel-Haenszel per attribute and focal group across jobs.
    gaps, dif : DataFrame
        Score gaps (Cohen's d) per question / dimension and DIF per question, with job and attribute.
    screen : tuple of dict
        Emotion / facial-expression columns found.
    mitigation : dict or None
    notes : tuple of str
    meta : mapping
        n_applicants, jobs, period, profile_versions, alpha, level, min_share, adjustment, tool_version.
    """

    decision: str
    population: str
    job_id: str | None
    by: tuple[str, ...]
    tables: tuple[AuditTable, ...]
    scoring_rate_tables: tuple[AuditTable, ...]
    unknown: Mapping[str, Mapping[str, Any]]
    stages: tuple[Mapping[str, Any], ...]
    cmh: tuple[Mapping[str, Any], ...]
    gaps: pd.DataFrame
    dif: pd.DataFrame
    screen: tuple[Mapping[str, str], ...]
    mitigation: Mapping[str, Any] | None
    notes: tuple[str, ...]
    meta: Mapping[str, Any] = field(default_factory=dict)

    def table(self, attribute: str) -> AuditTable:
        """The selection-rate table of ``attribute``."""
        for t in self.tables:
            if t.attribute == attribute:
                return t
        raise KeyError(f"no table for {attribute!r} (have {', '.join(t.attribute for t in self.tables)})")

    def to_dict(self, view: str = "auditor") -> dict[str, Any]:
        """JSON-ready dict: the contract keys (decision, unknown, tables, scoring_rate_tables) and extras.

        ``view="stakeholder"`` suppresses counts, rates and tests of cells with a count under 5 (auditor
        view: everything).
        """
        if view not in ("auditor", "stakeholder"):
            raise AuditError(f"view must be 'auditor' or 'stakeholder', got {view!r}")
        unknown = {a: dict(u) for a, u in self.unknown.items()}
        if view == "stakeholder":
            for u in unknown.values():
                if 0 < u["n"] < SMALL_CELL or 0 < u["selected"] < SMALL_CELL:
                    u.update(n=None, selected=None, rate=None, suppressed=True)
        return _jsonable({
            "decision": self.decision,
            "unknown": unknown,
            "tables": [t.to_dict(view) for t in self.tables],
            "scoring_rate_tables": [t.to_dict(view) for t in self.scoring_rate_tables],
            "population": self.population,
            "job_id": self.job_id,
            "by": list(self.by),
            "view": view,
            "adjustment": ADJUSTMENT,
            "stages": list(self.stages),
            "cmh": list(self.cmh),
            "gaps": self.gaps.to_dict("records"),
            "dif": self.dif.to_dict("records"),
            "screen": list(self.screen),
            "mitigation": self.mitigation,
            "notes": list(self.notes),
            "meta": dict(self.meta),
        })

    def summary(self) -> str:
        """Human-readable summary: per attribute the reference, flagged and significant groups; DIF hits."""
        m = self.meta
        lines = [f"Bias audit of {self.decision} ({self.population} population"
                 f"{', job ' + self.job_id if self.job_id else ''}): {m.get('n_applicants')} applicants, "
                 f"period {m.get('period', ['?', '?'])[0]} to {m.get('period', ['?', '?'])[1]}; "
                 f"p-values {ADJUSTMENT}-adjusted per table, alpha {m.get('alpha')}"]
        for t in self.tables:
            u = self.unknown.get(t.attribute, {})
            flagged = ", ".join(f"{g} ({t.rows.loc[g, 'impact_ratio']:.2f})" for g in t.flagged) or "none"
            sig = ", ".join(t.significant) or "none"
            lines.append(f"  {t.attribute}: reference {t.reference}; under 4/5: {flagged}; significant: {sig}; "
                         f"unknown {u.get('n', 0)}")
        for t in self.scoring_rate_tables:
            flagged = ", ".join(t.flagged) or "none"
            lines.append(f"  scoring rate (ai_score > median {t.median:.2f}) by {t.attribute}: under 4/5: {flagged}")
        if len(self.dif):
            hits = self.dif[self.dif["dif"] != "none"]
            if len(hits):
                lines.append("  DIF (question, group, uniform effect in rubric points):")
                lines += [f"    {r.job_id} {r.question_id} {r.attribute}={r.group}: {r.uniform:+.2f} "
                          f"(p_adj {r.uniform_p_adjusted:.2g}, {r.dif})" for r in hits.itertuples()]
            else:
                lines.append("  DIF: no question flagged")
        for s in self.screen:
            lines.append(f"  HIGH RISK INPUT {s['table']}.{s['column']}: {s['reason']}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------- audit


def _attributes(by: Iterable[str], groups: pd.DataFrame, intersections: bool, fine_age: bool) -> list[str]:
    by = list(dict.fromkeys(by))
    out = []
    for a in by:
        out.append(a)
        if a == "age_band" and fine_age and "age_band_fine" not in by:
            out.append("age_band_fine")
    if intersections and "gender" in by and "race_ethnicity" in by and INTERSECTION not in by:
        out.insert(out.index("race_ethnicity") + 1, INTERSECTION)
    return out


def _unknown_entry(counts: np.ndarray) -> dict[str, Any]:
    tot = counts.sum(axis=(0,))
    n_unk, sel_unk = int(tot[-1].sum()), int(tot[-1, 1])
    n_all = int(tot.sum())
    return {"n": n_unk, "selected": sel_unk, "rate": sel_unk / n_unk if n_unk else None,
            "share": n_unk / n_all if n_all else None}


def _where_from(tables: Mapping[str, pd.DataFrame], pool: _Pool, attributes: list[str],
                references: Mapping[str, str | None], *, alpha: float, level: float, min_effect: float) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    answers, questions = tables.get("answers"), tables.get("questions")
    notes: list[str] = []
    if answers is None or answers.empty or questions is None or questions.empty:
        return pd.DataFrame(), pd.DataFrame(), ["no answers/questions: score gaps and DIF not computed"]
    gaps, difs = [], []
    pos = pd.Index(pool.candidate_id)
    for j, job in enumerate(pool.jobs):
        bank = questions[questions["job_id"].astype(str) == job]
        qids = list(bank["question_id"].astype(str))
        rows = answers[answers["question_id"].astype(str).isin(qids)]
        if rows.empty:
            continue
        wide = rows.pivot_table(index=rows["candidate_id"].astype(str), columns=rows["question_id"].astype(str),
                                values="score", aggfunc="mean")
        in_job = pos[pool.job == j]
        wide = wide.reindex(index=in_job.intersection(wide.index), columns=[q for q in qids if q in wide.columns])
        if wide.shape[0] < 10:
            continue
        at = pos.get_indexer(wide.index)
        dims = dict(zip(bank["question_id"].astype(str), bank["dimension"].astype(str)))
        dim_scores = pd.DataFrame({d: wide[[q for q in wide.columns if dims.get(q) == d]].mean(axis=1)
                                   for d in dict.fromkeys(dims[q] for q in wide.columns)})
        for attribute in attributes:
            if attribute in ("age_band_fine", INTERSECTION):
                continue  # where-from runs on the main attributes (limits multiplicity)
            codes, labels = _encode(pool.groups, attribute)
            lookup = np.array([*labels, np.nan], dtype=object)
            grp = pd.Series(lookup[codes[at]], index=wide.index)
            if grp.nunique() < 2:
                continue
            for level_name, frame in (("question", wide), ("dimension", dim_scores)):
                g = score_gap_table(frame, grp, alpha=alpha, level=level, min_effect=min_effect)
                gaps.append(g.assign(job_id=job, attribute=attribute, level=level_name))
            d = dif_table(wide, grp, reference=references.get(attribute), alpha=alpha, level=level,
                          min_effect=min_effect)
            if len(d):
                d.insert(0, "dimension", d["question_id"].map(dims))
                text = dict(zip(bank["question_id"].astype(str), bank["text"].astype(str))) \
                    if "text" in bank else {}
                d["text"] = d["question_id"].map(text)
                difs.append(d.assign(job_id=job, attribute=attribute))
    gap = pd.concat(gaps, ignore_index=True) if gaps else pd.DataFrame()
    dif = pd.concat(difs, ignore_index=True) if difs else pd.DataFrame()
    if len(gap):
        gap = gap[["job_id", "attribute", "level", *[c for c in gap.columns if c not in
                                                      ("job_id", "attribute", "level")]]]
    if len(dif):
        dif = dif[["job_id", "attribute", *[c for c in dif.columns if c not in ("job_id", "attribute")]]]
        notes.append("DIF: linear regression of each question score (continuous 1-5) on the rest score (mean of the "
                     "job's other questions, purified once) and the group; uniform DIF = group coefficient, "
                     f"non-uniform = group x rest interaction; Holm-adjusted; flagged at p_adj < {alpha} and "
                     f"|effect| >= {min_effect} rubric points; reference = the group with the highest selection rate")
    return gap, dif, notes


def _encoded_attributes(pool: Any, attributes: Sequence[str], mask: np.ndarray, decision: str,
                        skip_invalid: bool, notes: list[str]) -> dict[str, tuple[np.ndarray, list[str]]]:
    """Group codes of every attribute that can be audited; the others raise, or (``skip_invalid``) are noted."""
    encoded: dict[str, tuple[np.ndarray, list[str]]] = {}
    for attribute in attributes:
        try:
            codes, labels = _encode(pool.groups, attribute)
            known = codes[mask]
            if (known < 0).all():
                raise AuditError(f"attribute {attribute!r}: every candidate is unknown ({int(mask.sum())} with a "
                                 f"{decision} decision): nothing to compare")
            present = np.flatnonzero(np.bincount(known[known >= 0], minlength=1))
            if present.size < 2:
                raise AuditError(f"attribute {attribute!r} has a single known group ({labels[present[0]]!r}): "
                                 "impact ratios need at least two groups")
        except AuditError as err:
            if not skip_invalid:
                raise
            notes.append(f"skipped: {err}")
            continue
        encoded[attribute] = (codes, labels)
    if not encoded:
        raise AuditError("no attribute could be audited: " + "; ".join(notes))
    return encoded


def _attribute_tables(pool: Any, codes: np.ndarray, labels: list[str], specs: dict[str, tuple[np.ndarray, np.ndarray]],
                      settings: Mapping[str, Any]) -> dict[str, tuple[pd.DataFrame, np.ndarray]]:
    """All tables of one attribute (``specs``: name -> (in scope, selected)), with one MetricFrame for their rates."""
    J = len(pool.jobs)
    cnts = {k: _counts(pool.job, codes, yy, m, J, len(labels)) for k, (m, yy) in specs.items()}
    tots = {k: c.sum(axis=0) for k, c in cnts.items()}
    rates = _rates(pd.concat([_cells(k, labels, t[:-1].sum(axis=1), t[:-1, 1]) for k, t in tots.items()],
                             ignore_index=True))
    return {k: (_table(labels, t[:-1].sum(axis=1), t[:-1, 1], int(t[-1].sum()), int(t[-1, 1]), **settings,
                       rates=rates.xs(k, level="table") if k in rates.index.get_level_values("table")
                       else None), cnts[k]) for k, t in tots.items()}


def _cmh_rows(attribute: str, rows: pd.DataFrame, reference: str, labels: list[str], cnt: np.ndarray,
              jobs: Sequence[str]) -> list[dict[str, Any]]:
    """CMH of each rated group against the reference across jobs, Holm-adjusted within the attribute."""
    ref = labels.index(reference)
    focal = [g for g in rows.index if g != UNKNOWN and not rows.loc[g, "reference"]
             and not rows.loc[g, "excluded_small"]]
    out = []
    for g in focal:
        gi = labels.index(g)
        strata = np.stack([[[cnt[j, gi, 1], cnt[j, gi, 0]], [cnt[j, ref, 1], cnt[j, ref, 0]]]
                           for j in range(len(jobs))])
        out.append({"attribute": attribute, "group": g, "reference": reference, "jobs": jobs, **cmh_test(strata)})
    for row, pa in zip(out, holm([r["p_value"] for r in out])):
        row["p_adjusted"] = pa
    return out


def _method_notes(n_scored: int, median: float, n_jobs: int, min_share: float) -> list[str]:
    """The notes that say how the audit's tables were computed."""
    notes = []
    if n_scored:
        notes.append(f"scoring rate = share of applicants with ai_score above the median of all {n_scored}"
                     f" applicants in scope ({median:.3f})" + (f"; {n_jobs} jobs pooled, pass job_id for per-job "
                                                               "medians" if n_jobs > 1 else ""))
    notes.append(f"Unknown groups are counted and reported but left out of impact ratios; known categories under "
                 f"{min_share:.0%} are listed and left out of ratios (6 RCNY 5-301(d)); Holm adjustment per table; "
                 "z = pooled two-proportion test against the top group, Fisher's exact test where an expected "
                 "cell count is under 5; CI = Katz log interval of the impact ratio")
    if n_jobs >= 2:
        notes.append("CMH: Cochran-Mantel-Haenszel test (continuity-corrected) of each group against the reference "
                     "across jobs, with Mantel-Haenszel common risk ratio; Holm-adjusted per attribute")
    return notes


def audit(dataset: Any, decision: str = "ai_passed",
          by: Sequence[str] = AUDIT_ATTRIBUTES, *, job_id: str | None = None,
          population: str = "stage", intersections: bool = True, fine_age: bool = True,
          min_share: float = MIN_SHARE, alpha: float = 0.05, level: float = 0.95, where_from: bool = True,
          min_effect: float = 0.2, mitigation: bool = False, skip_invalid: bool = False) -> AuditResult:
    """Bias audit of one decision: LL144 tables with tests, stages, CMH across jobs, gaps and DIF.

    Parameters
    ----------
    dataset : Dataset or mapping of table name -> DataFrame
        From :func:`workbench.data.load` (or ``Simulation.tables``).
    decision : {"ai_passed", "final_passed", "hired"}
    by : sequence of str
        Attributes: candidate columns (``gender``, ``race_ethnicity``, ``education``) or derived ones
        (``age_band``, ``age_band_fine``, ``gender_x_race_ethnicity``).
    job_id : str, optional
        One job (default: all jobs pooled, with CMH across jobs).
    population : {"stage", "applicants"}
        ``stage``: among those who reached the decision (final_passed among finalists, hired among those who
        passed the final round; range-restricted); ``applicants``: among all applicants.
    intersections, fine_age : bool
        Add ``gender_x_race_ethnicity`` when both parts are in ``by``, and ``age_band_fine`` after
        ``age_band``.
    min_share : float, default 0.02
        LL144 2 % rule: smaller known categories are listed but left out of the ratios.
    alpha, level : float
        Significance level (Holm-adjusted per table) and confidence level.
    where_from : bool
        Compute score gaps and DIF from the answers.
    min_effect : float
        Smallest flagged gap (Cohen's d) and DIF effect (rubric points).
    mitigation : bool
        Run :func:`mitigation_diagnostic` per job for the first attribute (slow; diagnostic only).
    skip_invalid : bool
        Turn an attribute that cannot be audited (absent, all unknown, a single group) into a note instead of
        an :class:`AuditError`.

    Raises
    ------
    AuditError
        Unknown decision, a decision column that is not boolean, no one selected, an attribute that is
        absent, all unknown or has one known group (unless ``skip_invalid``).

    Examples
    --------
    >>> from workbench.simulate import simulate, small_config
    >>> sim = simulate(small_config(n_candidates=400, seed=3, answer_texts=False))
    >>> res = audit(sim.tables, by=("gender",), where_from=False)
    >>> sorted(res.to_dict())[:6]
    ['adjustment', 'by', 'cmh', 'decision', 'dif', 'gaps']
    >>> bool(res.table("gender").rows.loc["Unknown", "n"] == res.unknown["gender"]["n"])
    True
    """
    if decision not in DECISIONS:
        raise AuditError(f"decision {decision!r} is not one of {', '.join(DECISIONS)}")
    if population not in ("stage", "applicants"):
        raise AuditError(f"population must be 'stage' or 'applicants', got {population!r}")
    tables = _tables_of(dataset)
    pool = _pool(tables, job_id, by)
    stages = _stage_arrays(pool)
    mask, y, _ = stages[decision] if population == "stage" or decision == "ai_passed" else \
        (np.isfinite(pool.ai), {"final_passed": np.nan_to_num(pool.final).astype(bool),
                                "hired": pool.hired.astype(bool)}[decision], "")
    notes: list[str] = []
    if not mask.any():
        raise AuditError(f"no candidate has a {decision} decision"
                         + (f" for job {job_id!r}" if job_id else ""))
    if not y[mask].any():
        raise AuditError(f"no candidate was selected ({decision} is false for all {int(mask.sum())}): "
                         "selection rates are all 0 and impact ratios undefined")
    if decision != "ai_passed" and population == "stage":
        notes.append(f"{decision}: {RESTRICTED}")
    attributes = _attributes(by, pool.groups, intersections, fine_age)
    J = len(pool.jobs)
    encoded = _encoded_attributes(pool, attributes, mask, decision, skip_invalid, notes)
    settings = {"min_share": min_share, "alpha": alpha, "level": level}
    main, scoring, unknown, cmh_rows, stage_rows = [], [], {}, [], []
    score = pool.ai_score
    has_score = np.isfinite(score)
    median = float(np.median(score[has_score])) if has_score.any() else np.nan
    above = score > median
    for attribute, (codes, labels) in encoded.items():
        specs = {"main": (mask, y)}
        if has_score.any():
            specs["scoring"] = (has_score, above)
        for stage, (m, yy, _) in stages.items():
            if m.any() and yy[m].any() and (np.bincount(codes[m & (codes >= 0)], minlength=1) > 0).sum() >= 2:
                specs[stage] = (m, yy)
        built = _attribute_tables(pool, codes, labels, specs, settings)
        rows, cnt = built["main"]
        t = AuditTable(attribute, rows)
        main.append(t)
        unknown[attribute] = _unknown_entry(cnt)
        for g in rows.index[(rows["selected"] == 0) & (rows.index != UNKNOWN) & ~rows["excluded_small"].astype(bool)]:
            notes.append(f"{attribute}={g}: zero selections of {int(rows.loc[g, 'n'])}: impact ratio 0; Fisher's "
                         "exact test and a 0.5-corrected Katz interval are used")
        if "scoring" in built:
            scoring.append(AuditTable(attribute, built["scoring"][0], kind="scoring_rate", median=median))
        for stage, (m, yy, desc) in stages.items():
            if stage not in built:
                continue
            srows = built[stage][0]
            stage_rows.append({"stage": stage, "description": desc, "attribute": attribute,
                               "rows": [{"group": str(g), **{k: _jsonable(srows.loc[g, k]) for k in
                                        ("n", "selected", "rate", "impact_ratio", "four_fifths", "p_adjusted",
                                         "excluded_small")}} for g in srows.index]})
        if J >= 2 and t.reference is not None:
            cmh_rows += _cmh_rows(attribute, rows, t.reference, labels, cnt, pool.jobs)
    notes += _method_notes(int(has_score.sum()), median, J, min_share)
    gaps, dif = pd.DataFrame(), pd.DataFrame()
    if where_from:
        refs = {t.attribute: t.reference for t in main}
        gaps, dif, more = _where_from(tables, pool, list(encoded), refs, alpha=alpha, level=level,
                                      min_effect=min_effect)
        notes += more
    screen = screen_high_risk_inputs(tables)
    mit = None
    if mitigation:
        first = next(a for a in encoded if a not in ("age_band_fine", INTERSECTION))
        mit = {job: mitigation_diagnostic(tables, job, first, alpha=alpha) for job in pool.jobs}
    first_d, last_d = (d.date() if isinstance(d, pd.Timestamp) and not pd.isna(d) else None for d in pool.applied_at)
    import workbench

    meta = {"n_applicants": int(len(pool.candidate_id)), "n_in_population": int(mask.sum()), "jobs": pool.jobs,
            "period": [_jsonable(first_d), _jsonable(last_d)], "profile_versions": pool.profile_versions,
            "alpha": alpha, "level": level, "min_share": min_share, "adjustment": ADJUSTMENT,
            "tool_version": workbench.__version__, "audit_date": dt.date.today().isoformat()}
    return AuditResult(decision=decision, population=population, job_id=job_id, by=tuple(encoded),
                       tables=tuple(main), scoring_rate_tables=tuple(scoring),
                       unknown=MappingProxyType(unknown), stages=tuple(stage_rows), cmh=tuple(cmh_rows),
                       gaps=gaps, dif=dif, screen=tuple(screen), mitigation=mit, notes=tuple(notes),
                       meta=MappingProxyType(meta))


# -------------------------------------------------------------------------------------- mitigation


def _job_design(tables: Mapping[str, pd.DataFrame], job_id: str, attribute: str) -> tuple[Any, ...]:
    pool = _pool(tables, job_id)
    answers, questions = tables.get("answers"), tables.get("questions")
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
