"""Counts of human reviews and overrides of AI decisions: the one home, used by the review, the trend and the queue.

Kept apart from :mod:`workbench.review.queue` (which scores the borderline band) so that the review loop can
count overrides without importing the scoring stack.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["OVERRIDE_NOTE", "override_counts"]

OVERRIDE_NOTE = ("{n} AI decision(s) were overturned by human review: selection was not on the AI total alone, "
                 "so a range-restriction correction that assumes selection on the total is approximate.")


def override_counts(ai_decisions: pd.DataFrame, candidates: pd.DataFrame | None = None) -> dict[str, Any]:
    """Reviewed and overturned AI decisions (overall and per job), with the note for the review.

    Examples
    --------
    >>> ai = pd.DataFrame({"candidate_id": ["a", "b", "c"], "ai_passed": [True, False, True],
    ...                    "human_reviewed": [True, True, False], "human_override": [True, False, None]})
    >>> d = override_counts(ai)
    >>> d["reviewed"], d["overridden"], d["overridden_to_pass"], d["note"][:26]
    (2, 1, 1, '1 AI decision(s) were over')
    """
    ai = ai_decisions
    reviewed = ai["human_reviewed"].astype("boolean").fillna(False).to_numpy(bool)
    over = ai["human_override"].astype("boolean").fillna(False).to_numpy(bool) if "human_override" in ai else \
        np.zeros(len(ai), bool)
    passed = ai["ai_passed"].astype("boolean").fillna(False).to_numpy(bool)

    def counts(mask: np.ndarray) -> dict[str, int]:
        return {"decisions": int(mask.sum()), "reviewed": int((reviewed & mask).sum()),
                "overridden": int((over & mask).sum()), "overridden_to_pass": int((over & passed & mask).sum()),
                "overridden_to_fail": int((over & ~passed & mask).sum())}

    out: dict[str, Any] = counts(np.ones(len(ai), bool))
    if candidates is not None:
        job = ai["candidate_id"].map(candidates.set_index("candidate_id")["job_id"])
        out["by_job"] = {str(j): counts((job == j).to_numpy()) for j in sorted(job.dropna().unique())}
    out["note"] = OVERRIDE_NOTE.format(n=out["overridden"]) if out["overridden"] else None
    return out
