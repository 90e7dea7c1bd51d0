"""Audit groups: the attribute lists, age bands, group labels and the one UNKNOWN label.

Protected attributes are for auditing only. Every table, app and report that shows a group uses these
labels; unknown membership (missing, blank) is always spelled :data:`UNKNOWN`.

Examples
--------
>>> g = pd.DataFrame({"age": [25, 41, None], "gender": ["female", None, "male"]})
>>> group_labels(g, "age_band").fillna(UNKNOWN).tolist()
['<30', '40+', 'Unknown']
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.data.vocabulary import load_vocabulary, map_values

__all__ = ["UNKNOWN", "ATTRIBUTES", "AUDIT_ATTRIBUTES", "AGE_BANDS", "AGE_BANDS_FINE", "INTERSECTION",
           "DECISIONS", "GroupError", "group_labels"]

UNKNOWN = "Unknown"
ATTRIBUTES = ("gender", "race_ethnicity", "gender_x_race_ethnicity", "age_band", "age_band_fine", "education")
AUDIT_ATTRIBUTES = ("gender", "race_ethnicity", "age_band", "education")
DECISIONS = ("ai_passed", "final_passed", "hired")
AGE_BANDS = ((0, 29, "<30"), (30, 39, "30-39"), (40, 200, "40+"))
AGE_BANDS_FINE = ((0, 24, "<25"), (25, 29, "25-29"), (30, 34, "30-34"), (35, 39, "35-39"), (40, 49, "40-49"),
                  (50, 59, "50-59"), (60, 200, "60+"))
INTERSECTION = "gender_x_race_ethnicity"


class GroupError(ValueError):
    """The data cannot support the requested grouping (or audit); the message says why."""


def _float(values: Any) -> np.ndarray:
    return pd.Series(values).astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _factor(values: Any) -> tuple[np.ndarray, list[str]]:
    """Integer codes (-1 = unknown: missing or blank) and sorted string labels."""
    codes, uniques = pd.factorize(pd.Series(values), sort=True, use_na_sentinel=True)
    labels = [str(u).strip() for u in uniques]
    keep = [i for i, u in enumerate(labels) if u != ""]
    if len(keep) != len(labels):
        remap = np.full(len(labels) + 1, -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        codes = remap[codes]  # -1 indexes the trailing -1
        labels = [labels[i] for i in keep]
    return codes.astype(np.int64), labels


def _age_codes(age: Any, bands: Sequence[tuple[int, int, str]]) -> tuple[np.ndarray, list[str]]:
    a = _float(age)
    codes = np.full(a.shape, -1, dtype=np.int64)
    for i, (lo, hi, _) in enumerate(bands):
        codes[(a >= lo) & (a <= hi)] = i
    return codes, [label for _, _, label in bands]


def _encode(groups: pd.DataFrame, attribute: str) -> tuple[np.ndarray, list[str]]:
    """Codes (-1 = unknown) and labels of ``attribute`` for the rows of ``groups``."""
    if attribute in ("age_band", "age_band_fine"):
        if "age" not in groups.columns:
            raise GroupError(f"{attribute} needs an 'age' column in candidates")
        return _age_codes(groups["age"], AGE_BANDS if attribute == "age_band" else AGE_BANDS_FINE)
    if attribute == INTERSECTION:
        g, gl = _encode(groups, "gender")
        r, rl = _encode(groups, "race_ethnicity")
        codes = np.where((g >= 0) & (r >= 0), g * max(len(rl), 1) + r, -1)
        return codes, [f"{a} × {b}" for a in gl for b in rl]
    if attribute not in groups.columns:
        options = ", ".join(sorted(set(groups.columns) - {"age"} | {"age_band", "age_band_fine", INTERSECTION}))
        raise GroupError(f"attribute {attribute!r} is not a column of candidates (use one of {options})")
    return _factor(contract_values(groups[attribute], attribute))


def contract_values(values: pd.Series, attribute: str) -> pd.Series:
    """``values`` in the contract's spelling where the vocabulary knows ``attribute`` (gender, race_ethnicity,
    education): other spellings mapped, non-disclosure and unrecognised values missing; else as given.

    Examples
    --------
    >>> contract_values(pd.Series(["Female", "男", "prefer not to say", "x"]), "gender").tolist()
    ['female', 'male', None, None]
    """
    if not load_vocabulary().values_of(attribute):
        return values
    mapped, _ = map_values(attribute, values)
    return mapped


def unknown_reasons(values: pd.Series | None, attribute: str) -> pd.Series:
    """Why each value of ``attribute`` is unknown: ``""`` (known), ``not_disclosed`` (blank or an explicit
    non-disclosure), ``unrecognised`` (a value outside the vocabulary) or ``missing_column`` (``values`` is
    None or the column holds no value at all).

    Examples
    --------
    >>> unknown_reasons(pd.Series(["female", "", "Decline to self-identify", "Martian"]), "gender").tolist()
    ['', 'not_disclosed', 'not_disclosed', 'unrecognised']
    """
    if values is None:
        return pd.Series([], dtype=object)
    if values.isna().all() or (values.astype(str).str.strip() == "").all():
        return pd.Series("missing_column", index=values.index, dtype=object)
    if not load_vocabulary().values_of(attribute):
        blank = values.isna() | (values.astype(str).str.strip() == "")
        return pd.Series(np.where(blank, "not_disclosed", ""), index=values.index, dtype=object)
    _, status = map_values(attribute, values)
    out = np.select([status == "unknown", status == "unrecognised"], ["not_disclosed", "unrecognised"], "")
    return pd.Series(out, index=values.index, dtype=object)


def group_labels(groups: pd.DataFrame, attribute: str) -> pd.Series:
    """Group label per candidate for ``attribute`` (a column of ``groups``, or a derived attribute).

    Derived attributes: ``age_band`` (``<30``, ``30-39``, ``40+``; 40+ is the ADEA protected age),
    ``age_band_fine`` (five-year bands to 40, then decades) and ``gender_x_race_ethnicity`` (LL144
    intersectional categories, unknown when either part is). Missing or blank values stay missing (the
    caller counts them as unknown).

    Examples
    --------
    >>> g = pd.DataFrame({"age": [25, 41, None], "gender": ["female", None, "male"]})
    >>> group_labels(g, "age_band").tolist(), group_labels(g, "gender").tolist()
    (['<30', '40+', nan], ['female', nan, 'male'])
    """
    if attribute == "age_band" and "age" not in groups.columns:
        raise ValueError("age_band needs an 'age' column")
    if attribute not in groups.columns and attribute not in ("age_band", "age_band_fine", INTERSECTION):
        raise ValueError(f"unknown attribute {attribute!r}; use one of {', '.join(groups.columns)} or age_band")
    codes, labels = _encode(groups, attribute)
    lookup = np.array([*labels, np.nan], dtype=object)
    return pd.Series(lookup[codes], index=groups.index, name=attribute)
