"""LL144 selection-rate and impact-ratio tables with tests, and the CMH test across jobs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, selection_rate
from scipy import stats

from workbench.data.groups import UNKNOWN, _factor
from workbench.metrics.multiplicity import holm, holm_multiplier as _holm_multiplier
from workbench.metrics.selection import impact_ratios
from workbench.metrics.proportions import katz_ci, two_proportion_z
from workbench.fairness.common import AuditError, MIN_SHARE, SMALL_CELL, _as_bool


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


