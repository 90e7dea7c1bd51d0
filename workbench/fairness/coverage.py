"""Who the audit covers: rows read, accepted and quarantined, applicants in scope, and who was left out.

Every audit result carries this block (``meta["coverage"]``) and plain-words warnings when more than 1 % of
the applicants (or of any known group) are left out, or when demographic values were unrecognised and so
counted as unknown. Unknown group membership is broken down by reason: ``not_disclosed`` (blank or an
explicit non-disclosure), ``unrecognised`` (a value outside the vocabulary, set to unknown on import or here)
and ``missing_column``.

Examples
--------
>>> import pandas as pd
>>> cands = pd.DataFrame({"candidate_id": ["a", "b", "c"], "job_id": "j", "gender": ["female", "x", None]})
>>> ai = pd.DataFrame({"candidate_id": ["a", "b"]})
>>> block, warnings = coverage_of(None, {"candidates": cands, "ai_decisions": ai}, pd.Index(["a", "b"]),
...                               ("gender",), job_id=None)
>>> block["applicants_in_scope"], block["left_out"][0]["reason"], block["left_out"][0]["n"]
(2, 'no AI decision', 1)
>>> block["unknown_reasons"]["gender"]
{'not_disclosed': 0, 'unrecognised': 1, 'missing_column': 0}
>>> len(warnings)
2
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from workbench.data.coverage import LEFT_OUT_WARN_SHARE, table_coverage
from workbench.data.groups import contract_values, unknown_reasons

__all__ = ["LEFT_OUT_WARN_SHARE", "coverage_of", "coverage_warnings_of", "group_sizes"]

_REASONS = ("not_disclosed", "unrecognised", "missing_column")


def _quarantined_candidates(dataset: Any, job_id: str | None) -> pd.DataFrame:
    """The candidate rows left out on import or load, as raw values (from the quarantine's ``raw`` JSON)."""
    q = getattr(dataset, "quarantine", None)
    if q is None or not len(q) or "table" not in q:
        return pd.DataFrame()
    rows = q[(q["table"] == "candidates") & (q.get("action", pd.Series("", index=q.index)) != "cell set to unknown")]
    raws = []
    for text in rows["raw"]:
        try:
            raws.append(json.loads(text))
        except (TypeError, ValueError):
            raws.append({})
    frame = pd.DataFrame(raws)
    if job_id is not None and "job_id" in frame:
        frame = frame[frame["job_id"].astype(str) == job_id]
    return frame


def _cell_unknowns(dataset: Any, attribute: str) -> set[str]:
    """Candidate ids whose ``attribute`` cell was set to unknown on import or load (unrecognised value)."""
    q = getattr(dataset, "quarantine", None)
    if q is None or not len(q) or "action" not in q:
        return set()
    cells = q[(q["table"] == "candidates") & (q["column"] == attribute) & (q["action"] == "cell set to unknown")]
    ids = set()
    for text in cells["raw"]:
        try:
            ids.add(str(json.loads(text).get("candidate_id")))
        except (TypeError, ValueError, AttributeError):
            continue
    return ids


def _by_group(frame: pd.DataFrame, attributes: Sequence[str]) -> dict[str, dict[str, int]]:
    out = {}
    for attr in attributes:
        if attr in frame:
            counts = contract_values(frame[attr], attr).dropna().value_counts()
            out[attr] = {str(k): int(v) for k, v in counts.items()}
    return out


def _unknown_reasons(dataset: Any, cands: pd.DataFrame, pool: pd.Index, attributes: Sequence[str]) -> dict:
    in_pool = cands[cands["candidate_id"].astype(str).isin(pool)]
    out = {}
    for attr in attributes:
        if attr in ("age_band", "age_band_fine", "gender_x_race_ethnicity"):
            continue
        reasons = unknown_reasons(in_pool[attr] if attr in in_pool else None, attr)
        if attr not in in_pool:
            reasons = pd.Series("missing_column", index=in_pool.index, dtype=object)
        flagged = in_pool["candidate_id"].astype(str).isin(_cell_unknowns(dataset, attr)).to_numpy()
        reasons = reasons.where(~flagged, "unrecognised")
        out[attr] = {r: int((reasons == r).sum()) for r in _REASONS}
    return out


def _left_out(dataset: Any, tables: Mapping[str, pd.DataFrame], pool: pd.Index, job_id: str | None,
              attributes: Sequence[str]) -> list[dict[str, Any]]:
    cands = tables["candidates"]
    if job_id is not None:
        cands = cands[cands["job_id"].astype(str) == job_id]
    no_ai = cands[~cands["candidate_id"].astype(str).isin(pool)]
    out = []
    if len(no_ai):
        out.append({"reason": "no AI decision", "n": int(len(no_ai)), "by_group": _by_group(no_ai, attributes)})
    quarantined = _quarantined_candidates(dataset, job_id)
    if len(quarantined):
        out.append({"reason": "candidate row quarantined (breaks the data contract)", "n": int(len(quarantined)),
                    "by_group": _by_group(quarantined, attributes)})
    return out


def group_sizes(cands: pd.DataFrame, attributes: Sequence[str]) -> dict[str, pd.Series]:
    """Candidates per known group of each attribute that is a column of ``cands`` (for the warnings)."""
    return {attr: contract_values(cands[attr], attr).dropna().value_counts() for attr in attributes if attr in cands}


def coverage_warnings_of(block: Mapping[str, Any], sizes: Mapping[str, pd.Series]) -> list[str]:
    """The warnings of a coverage block (see the module); ``sizes`` from :func:`group_sizes`."""
    warnings = []
    n_scope, left = block["applicants_in_scope"], block["left_out"]
    total_left = sum(item["n"] for item in left)
    n_all = n_scope + total_left
    if n_all and total_left / n_all > LEFT_OUT_WARN_SHARE:
        why = "; ".join(f"{item['n']:,} {item['reason']}" for item in left)
        warnings.append(f"{total_left:,} of {n_all:,} applicants ({total_left / n_all:.1%}) are left out of this "
                        f"audit: {why}. The tables describe the {n_scope:,} in scope only.")
    for attr, size in sizes.items():
        for item in left:
            for group, n in item["by_group"].get(attr, {}).items():
                if group in size and n / size[group] > LEFT_OUT_WARN_SHARE:
                    warnings.append(f"{attr}={group}: {n:,} of {int(size[group]):,} ({n / size[group]:.1%}) left out "
                                    f"({item['reason']})")
    for attr, reasons in block["unknown_reasons"].items():
        if reasons["unrecognised"]:
            warnings.append(f"{attr}: {reasons['unrecognised']:,} applicant(s) with an unrecognised value are counted "
                            "as Unknown (in the Unknown row, not in the ratios); add the spelling to the vocabulary "
                            "if it names a category")
    return warnings


def coverage_of(dataset: Any, tables: Mapping[str, pd.DataFrame], pool: pd.Index, attributes: Sequence[str], *,
                job_id: str | None) -> tuple[dict[str, Any], list[str]]:
    """The coverage block of an audit and its warnings (see the module)."""
    counts = table_coverage(dataset if getattr(dataset, "report", None) is not None else tables)
    pool = pd.Index(pool.astype(str))
    block = {"tables": counts, "applicants_in_scope": int(len(pool)),
             "left_out": _left_out(dataset, tables, pool, job_id, attributes),
             "unknown_reasons": _unknown_reasons(dataset, tables["candidates"], pool, attributes)}
    return block, coverage_warnings_of(block, group_sizes(tables["candidates"], attributes))
