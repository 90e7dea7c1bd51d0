"""Evaluation material for :mod:`workbench.feedback`: the real SIOP 2024 answers and our STAR labels.

The answer text stays in ``../shared/external/interviews/siop2024/`` (MIT, copied byte for byte from its
source); this package only holds our labels (``siop_labels.csv``), which point back into the source files by
``answer_id`` = ``<file stem>:<row _id>:<question index 1-4>``. :func:`load_siop_answers` rebuilds one row per
answer from the source; :func:`load_labels` joins the labels to the text.

Layout of the source (see its README): every candidate answered 4 behavioural questions. ``questions_answers``
holds ``Question: ...\\nResponse: ...`` pairs run together for questions 1-3 and the 4th question without a
response; the 4th response is ``last_answer`` (train) or ``output`` in ``answers_{dev,test}_release.csv`` rows
whose ``benchmark`` is ``interview`` (val -> dev, test -> test).

Examples
--------
>>> split_questions("Question: Why?\\nResponse: Because. Question: How?")
[('Why?', 'Because.'), ('How?', '')]
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
LABELS_CSV = HERE / "siop_labels.csv"
DEFAULT_ROOT = HERE.parents[2] / "shared" / "external" / "interviews" / "siop2024"
LABEL_COLUMNS = ("S", "T", "A", "R", "quantified")
_FILES = {"interview_interview_train": None, "interview_interview_val": "answers_dev_release",
          "interview_interview_test": "answers_test_release"}
_SPLIT = re.compile(r"Question:\s*")


class MissingSourceError(FileNotFoundError):
    """The external SIOP files are not where expected (tests skip on this)."""


def split_questions(blob: str) -> list[tuple[str, str]]:
    """``Question: ... Response: ...`` pairs run together -> [(question, response)] in order."""
    out = []
    for chunk in _SPLIT.split(blob or ""):
        if not chunk.strip():
            continue
        q, _, r = chunk.partition("Response:")
        out.append((q.strip(), r.strip()))
    return out


def load_siop_answers(root: str | Path | None = None) -> pd.DataFrame:
    """One row per real answer: ``answer_id, source, row_id, q_index, question, answer``.

    Raises
    ------
    MissingSourceError
        When the source folder is absent.
    """
    root = Path(root) if root else DEFAULT_ROOT
    if not (root / "interview_interview_train.csv").is_file():
        raise MissingSourceError(f"SIOP 2024 answers not found under {root} (see ../shared/external/README.md)")
    rows = []
    for stem, release in _FILES.items():
        df = pd.read_csv(root / f"{stem}.csv", encoding="utf-8-sig")
        last = {}
        if release is None:
            last = dict(zip(df["_id"], df["last_answer"]))
        else:
            rel = pd.read_csv(root / f"{release}.csv", encoding="utf-8-sig")
            rel = rel[rel["benchmark"] == "interview"]
            last = dict(zip(rel["_id"], rel["output"]))
        for rid, blob in zip(df["_id"], df["questions_answers"]):
            pairs = split_questions(blob)
            for k, (q, a) in enumerate(pairs, 1):
                if k == len(pairs) and not a:
                    a = last.get(rid, "")
                a = "" if not isinstance(a, str) else a.strip()
                rows.append({"answer_id": f"{stem}:{rid}:{k}", "source": stem, "row_id": rid, "q_index": k,
                             "question": q, "answer": a})
    return pd.DataFrame(rows)


def load_labels(root: str | Path | None = None, *, split: str | None = None) -> pd.DataFrame:
    """Our labels joined to the answer text; ``split`` = ``dev`` or ``heldout`` to keep one part.

    The held-out third was fixed (by a seeded draw, before any rule was written) and is never tuned on.
    """
    labels = pd.read_csv(LABELS_CSV, dtype={"answer_id": str, "split": str})
    if split is not None:
        labels = labels[labels["split"] == split]
    answers = load_siop_answers(root)
    out = labels.merge(answers, on="answer_id", how="left", validate="one_to_one")
    missing = out["answer"].isna().sum()
    if missing:
        raise ValueError(f"{missing} label(s) point to no answer in the source")
    return out.reset_index(drop=True)
