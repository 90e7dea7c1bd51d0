"""LL144 selection-rate and impact-ratio tables with tests, and the CMH test across jobs.

Rates are ``selected / n`` from the counts per group (the value fairlearn's ``MetricFrame(selection_rate)``
gives with the counts as sample weights, which the tests check); every table is built from arrays at once.
The CMH p-value is scipy.special's chi-square tail (``chi2.sf(x, 1) = chdtrc(1, x)``, as in scipy.stats).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from workbench.data.groups import UNKNOWN, _factor
from workbench.metrics.multiplicity import holm, holm_multiplier as _holm_multiplier
from workbench.metrics.selection import impact_ratios
from workbench.metrics.proportions import katz_ci, two_proportion_z
from workbench.fairness.common import AuditError, MIN_SHARE, SMALL_CELL, _as_bool


# ----------------------------------------------------------------------------------- LL144 tables


def _rates(cells: pd.DataFrame) -> pd.Series:
    """Selection rate per (table, group) of aggregated cells: weighted share of ``y == 1``.

    ``cells`` has one row per table x group x outcome: ``table``, ``group``, ``y`` (0/1) and ``w`` (count).
    The rate is ``sum(w * y) / sum(w)`` per (table, group), a plain group-by of the counts: the value of
    fairlearn's ``MetricFrame(metrics=selection_rate, ..., sample_params={"sample_weight": w})`` with
    ``table`` as control feature, without its per-group Python calls.

    Examples
    --------
    >>> c = pd.DataFrame({"table": "t", "group": ["a", "b", "a", "b"], "y": [1, 1, 0, 0], "w": [3, 1, 1, 3]})
    >>> _rates(c).round(2).to_dict()
    {('t', 'a'): 0.75, ('t', 'b'): 0.25}
    """
    cells = cells[cells["w"] > 0]
    w = cells["w"].to_numpy(dtype=float)
    frame = pd.DataFrame({"table": cells["table"].to_numpy(), "group": cells["group"].to_numpy(),
                          "yw": w * (cells["y"].to_numpy() == 1), "w": w})
    sums = frame.groupby(["table", "group"], sort=True)[["yw", "w"]].sum()
    return (sums["yw"] / sums["w"]).rename("selection_rate")


def _cells(key: str, labels: Sequence[str], n: np.ndarray, sel: np.ndarray) -> pd.DataFrame:
    G = len(labels)
    return pd.DataFrame({"table": key, "group": list(labels) * 2,
                         "y": np.r_[np.ones(G, int), np.zeros(G, int)], "w": np.r_[sel, np.asarray(n) - sel]})


def _fisher_p(a: np.ndarray, n1: np.ndarray, c: float, n2: float, rows: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``p`` with Fisher's exact p-value of each row in ``rows`` (focal a of n1 against the reference c of n2).

    scipy.stats is imported here, not with the module: only tables with a small expected count need it.
    """
    from scipy import stats

    for i in rows:
        p[i] = stats.fisher_exact([[a[i], n1[i] - a[i]], [c, n2 - c]]).pvalue
    return p


def _tests(a: np.ndarray, n1: np.ndarray, ref: int, compare: np.ndarray, level: float) -> dict[str, np.ndarray]:
    """z and p against the reference (Fisher's exact test where an expected count is under 5), Katz CI."""
    c, n2 = (a[ref], n1[ref]) if ref >= 0 else (np.nan, np.nan)
    z, p = two_proportion_z(a, n1, c, n2)
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (a + c) / (n1 + n2)
        expected = np.minimum.reduce([n1 * pooled, n1 * (1 - pooled), n2 * pooled, n2 * (1 - pooled)])
    fisher = compare & (expected < SMALL_CELL)
    p = _fisher_p(a, n1, c, n2, np.flatnonzero(fisher), p)
    low, high = katz_ci(a, n1, c, n2, level)
    is_ref = np.arange(len(a)) == ref
    return {"z": np.where(compare, z, np.nan), "p": np.where(compare, p, np.nan), "fisher": fisher,
            "low": np.where(compare, low, np.where(is_ref, 1.0, np.nan)),
            "high": np.where(compare, high, np.where(is_ref, 1.0, np.nan)), "c": c, "n2": n2}


def _fragility(a: np.ndarray, n1: np.ndarray, top: float, ratio: np.ndarray, four: np.ndarray, t: dict[str, Any],
               compare: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Whether one selection more (flagged or significant rows) or fewer (others) moves the ratio across 0.80,
    and the Holm-adjusted test across alpha (reference and other rows held fixed)."""
    step = np.where(four, 1.0, -1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio_moved = np.clip(a + step, 0, n1) / n1 / top
    flips = np.where(compare, (ratio_moved < 0.8) != (ratio < 0.8), None)
    mult = _holm_multiplier(t["p"])
    sig = t["padj"] < alpha
    toward = np.where(a / np.where(n1 > 0, n1, 1) < top, 1.0, -1.0)
    moved = np.clip(a + np.where(sig, toward, -toward), 0, n1)
    _, p_moved = two_proportion_z(moved, n1, t["c"], t["n2"])
    p_moved = _fisher_p(moved, n1, t["c"], t["n2"], np.flatnonzero(t["fisher"]), p_moved)
    return flips, np.where(compare, (np.minimum(1, p_moved * mult) < alpha) != sig, None)


def _with_unknown(cols: dict[str, Any], labels: list[str], unknown_n: int, unknown_sel: int) -> list[str]:
    """Append the ``Unknown`` row (counted, never rated) to the column arrays ``cols``; the labels with it."""
    fill = {"n": int(unknown_n), "selected": int(unknown_sel), "excluded_small": False, "reference": False,
            "rate": unknown_sel / unknown_n if unknown_n else np.nan, "test": "",
            "reason": "unknown: counted and reported, left out of impact ratios"}
    for k, v in cols.items():
        if k in fill:
            cols[k] = np.append(np.asarray(v, dtype=object if k in ("reason", "test") else None), fill[k])
        elif isinstance(v, pd.api.extensions.ExtensionArray):
            cols[k] = pd.array(list(v) + [pd.NA], dtype=v.dtype)
        else:
            cols[k] = np.append(v, np.nan)
    return [*labels, UNKNOWN]


def _table(labels: Sequence[str], n: np.ndarray, sel: np.ndarray, unknown_n: int = 0, unknown_sel: int = 0, *,
           min_share: float = MIN_SHARE, alpha: float = 0.05, level: float = 0.95,
           rates: pd.Series | None = None) -> pd.DataFrame:
    """The LL144 table with tests from counts of the known groups (and the unknown counts).

    ``rates``: selection rate per label from :func:`_rates` (``selected / n`` when not given).
    """
    n, sel = np.asarray(n, dtype=np.int64), np.asarray(sel, dtype=np.int64)
    present = n > 0
    labels = [lab for lab, p in zip(labels, present) if p]
    n, sel = n[present], sel[present]
    order = np.argsort(-n, kind="stable")
    labels, n, sel = [labels[i] for i in order], n[order], sel[order]
    if rates is not None and labels:
        rate = rates.reindex(labels).to_numpy(dtype=float)
    else:  # n > 0 for every label left
        rate = sel / n if labels else np.array([])
    ir = impact_ratios(n, sel, min_share=min_share, rates=rate)
    eligible, ref = ~ir.excluded_small, ir.reference
    top = rate[ref] if ref >= 0 else np.nan
    a, n1 = sel.astype(float), n.astype(float)
    compare = eligible & (np.arange(len(n)) != ref)
    ratio = ir.impact_ratio
    t = _tests(a, n1, ref, compare, level)
    t["padj"] = holm(t["p"])
    four = np.where(eligible & np.isfinite(ratio), ratio < 0.8, None)
    with np.errstate(invalid="ignore"):
        short = np.ceil(top * n1 - a - 1e-9) if ref >= 0 else np.full(len(n), np.nan)
    flips, flips_sig = _fragility(a, n1, top, ratio, pd.array(four, dtype="boolean").fillna(False).to_numpy(bool),
                                  t, compare, alpha)
    cols: dict[str, Any] = {
        "n": n, "selected": sel, "rate": rate, "share": ir.share, "excluded_small": ir.excluded_small,
        "reason": pd.Series(np.where(ir.excluded_small, [
            f"under {min_share:.0%} of known applicants ({s:.1%}): listed, left out of impact ratios "
            "(6 RCNY 5-301(d))" for s in ir.share], ""), dtype=object).to_numpy(),
        "impact_ratio": ratio, "four_fifths": pd.array(four, dtype="boolean"),
        "z": t["z"], "p_value": t["p"], "p_adjusted": t["padj"],
        "test": pd.Series(np.where(compare, np.where(t["fisher"], "fisher_exact", "z_pooled"), ""),
                          dtype=object).to_numpy(),
        "ci_low": t["low"], "ci_high": t["high"], "reference": np.arange(len(n)) == ref,
        "significant": pd.array(np.where(compare, t["padj"] < alpha, None), dtype="boolean"),
        "shortfall": pd.array(np.where(compare, np.maximum(short, 0), np.nan), dtype="Float64").astype("Int64"),
        "flips_four_fifths": pd.array(flips, dtype="boolean"),
        "flips_significance": pd.array(flips_sig, dtype="boolean"),
    }
    if unknown_n:
        labels = _with_unknown(cols, labels, unknown_n, unknown_sel)
    return pd.DataFrame(cols, index=pd.Index(labels, name="group"))


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
    return {"statistic": float(stat), "p_value": float(special.chdtrc(1, stat)), "mh_odds_ratio": float(odds),
            "mh_risk_ratio": float(risk), "strata": int(use.sum())}


