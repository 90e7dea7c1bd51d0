"""The questions table as the analyses read it: one row per question.

The contract keys ``questions`` on ``(question_id, version)``: a rewording keeps the question's id (and its job
and dimension) and adds a row with a new ``version`` and ``text``; answers say which version they answered in
``answers.question_version``. Analyses that map a question to its job and dimension need one row per id:
:func:`current_questions` gives it (the active version; else the last listed). Validity per version is
:func:`workbench.review.bank.validity_by_version`.

Examples
--------
>>> import pandas as pd
>>> bank = pd.DataFrame({"question_id": ["q1", "q1", "q2"], "job_id": "j", "dimension": ["d1", "d1", "d2"],
...                      "version": ["v1", "v2", "v1"], "text": ["Old wording", "New wording", "Other"],
...                      "active": [False, True, True]})
>>> current_questions(bank)[["question_id", "version", "text"]].values.tolist()
[['q1', 'v2', 'New wording'], ['q2', 'v1', 'Other']]
"""

from __future__ import annotations

import pandas as pd


def current_questions(questions: pd.DataFrame | None) -> pd.DataFrame | None:
    """One row per ``question_id``: its active version (the last listed active one), else its last listed row.

    Row order is that of each id's first row; a table already one row per id is returned as it is (the same
    object), as is None.
    """
    if questions is None or questions.empty or "question_id" not in questions.columns:
        return questions
    ids = questions["question_id"]
    if not ids.duplicated().any():
        return questions
    active = questions["active"].fillna(False).astype(bool) if "active" in questions.columns else \
        pd.Series(False, index=questions.index)
    rank = pd.DataFrame({"id": ids.to_numpy(), "active": active.to_numpy(), "pos": range(len(questions))})
    chosen = rank.sort_values(["active", "pos"]).groupby("id", sort=False)["pos"].last()
    first = rank.groupby("id", sort=False)["pos"].first()
    return questions.iloc[chosen.reindex(first.sort_values().index).to_numpy()].reset_index(drop=True)
