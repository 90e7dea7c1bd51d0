"""Constants, errors and the small helpers of the audit."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from workbench.data.groups import UNKNOWN, GroupError
from workbench.jsonable import json_ready
from workbench.metrics.selection import FOUR_FIFTHS, impact_ratios


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


