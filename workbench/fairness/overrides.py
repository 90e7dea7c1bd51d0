"""The AI decision and the final decision after human review, per group.

Human review of borderline candidates changes who passes. An audit of ``ai_passed`` (the decision that took
effect) sees the combined system; :func:`override_audit` puts beside it what the AI alone decided
(``ai_score >= threshold``) and what the reviewers changed, per group, so an auditor can tell whether review
narrowed or widened an impact ratio (LL144 asks about the AEDT's own selection rates).

The caller applies recorded decisions first when there are any
(:func:`workbench.review.queue.apply_decisions`); this module reads tables only.

Examples
--------
>>> ai = pd.DataFrame({"candidate_id": list("abcdef"), "ai_score": [3.5, 3.1, 2.9, 3.4, 2.0, 3.05],
...                    "ai_passed": [True, True, True, True, False, False],
...                    "human_reviewed": [False, False, True, False, False, True],
...                    "human_override": [None, None, True, None, None, True]})
>>> cands = pd.DataFrame({"candidate_id": list("abcdef"), "job_id": "j", "gender": ["female"] * 3 + ["male"] * 3})
>>> tab = override_audit(ai, cands, {"j": 3.0}, "gender")
>>> tab[["n", "ai_selected", "final_selected", "overridden_to_pass", "overridden_to_fail"]].to_dict("index")
{'female': {'n': 3, 'ai_selected': 2, 'final_selected': 3, 'overridden_to_pass': 1, 'overridden_to_fail': 0}, \
'male': {'n': 3, 'ai_selected': 2, 'final_selected': 1, 'overridden_to_pass': 0, 'overridden_to_fail': 1}}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from workbench.composite import passes
from workbench.data.groups import UNKNOWN, group_labels
from workbench.fairness.common import impact_ratio_table

__all__ = ["override_audit", "override_audit_of"]

NOTE = ("AI decision = ai_score >= the profile threshold; final = the decision that took effect after human "
        "review (ai_passed). Overrides change selection rates, so the final impact ratios describe the AI "
        "with its reviewers, the AI ones the tool alone.")


def override_audit(ai_decisions: pd.DataFrame, candidates: pd.DataFrame, thresholds: Mapping[str, float],
                   attribute: str = "gender", *, min_share: float = 0.0) -> pd.DataFrame:
    """Per group of ``attribute``: the AI's and the final selection rates and impact ratios, and the overrides.

    Parameters
    ----------
    ai_decisions : DataFrame
        candidate_id, ai_score, ai_passed, human_reviewed, human_override.
    candidates : DataFrame
        candidate_id, job_id and the attribute's column.
    thresholds : mapping of job_id -> float
        The profile threshold of each job (the AI decision is ``ai_score >= threshold``).
    attribute : str
        ``gender``, ``race_ethnicity``, ``education`` or ``age_band``.
    min_share : float
        Groups under this share of known applicants get no impact ratio.

    Returns
    -------
    DataFrame
        Indexed by group (Unknown last): ``n``, ``ai_selected``, ``ai_rate``, ``ai_impact_ratio``,
        ``final_selected``, ``final_rate``, ``final_impact_ratio``, ``reviewed``, ``overridden_to_pass``,
        ``overridden_to_fail``, ``rate_change`` (final - AI). ``attrs["note"]`` explains the columns;
        ``attrs["left_out"]`` counts decisions of jobs without a threshold.
    """
    f = ai_decisions.merge(candidates, on="candidate_id", how="inner")
    thr = f["job_id"].map(dict(thresholds)).astype(float)
    left_out = int(thr.isna().sum())
    f, thr = f[thr.notna()].reset_index(drop=True), thr[thr.notna()].reset_index(drop=True)
    ai = pd.Series([bool(passes(s, t)) for s, t in zip(f["ai_score"], thr)], index=f.index, dtype=float)
    final = f["ai_passed"].astype("boolean").astype(float)
    group = group_labels(f, attribute)
    a = impact_ratio_table(ai, group, min_share=min_share)
    b = impact_ratio_table(final, group, min_share=min_share)
    over = f["human_override"].astype("boolean").fillna(False).to_numpy(bool)
    reviewed = f["human_reviewed"].astype("boolean").fillna(False).to_numpy(bool)
    g = group.fillna(UNKNOWN).to_numpy()
    per = pd.DataFrame({"g": g, "reviewed": reviewed, "up": over & (final.to_numpy() == 1),
                        "down": over & (final.to_numpy() == 0)}).groupby("g")[["reviewed", "up", "down"]].sum()
    out = pd.DataFrame({"n": a["n"], "ai_selected": a["selected"], "ai_rate": a["rate"],
                        "ai_impact_ratio": a["impact_ratio"], "final_selected": b["selected"],
                        "final_rate": b["rate"], "final_impact_ratio": b["impact_ratio"]})
    out["reviewed"] = per["reviewed"].reindex(out.index).fillna(0).astype(int)
    out["overridden_to_pass"] = per["up"].reindex(out.index).fillna(0).astype(int)
    out["overridden_to_fail"] = per["down"].reindex(out.index).fillna(0).astype(int)
    out["rate_change"] = out["final_rate"] - out["ai_rate"]
    out.attrs.update(note=NOTE, left_out=left_out, attribute=attribute)
    return out


def override_audit_of(dataset: Any, attribute: str = "gender", *, ai_decisions: pd.DataFrame | None = None,
                      min_share: float = 0.0) -> pd.DataFrame:
    """:func:`override_audit` of a loaded dataset (thresholds from its profiles; ``ai_decisions`` default the
    dataset's, pass :func:`workbench.review.queue.apply_decisions` to include recorded review decisions)."""
    thresholds = {j: p.threshold for j, p in dataset.profiles.items()}
    ai = dataset.ai_decisions if ai_decisions is None else ai_decisions
    return override_audit(ai, dataset.candidates, thresholds, attribute, min_share=min_share)

