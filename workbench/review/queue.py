"""Human review, closed: the borderline queue of a dataset, reviewers' decisions, and their export.

- :func:`borderline_queue`: per job, the candidates whose AI total lies in the borderline band (threshold ±
  SEM, reliability from the data: :func:`workbench.scoring.reliability_from_data` and
  :class:`workbench.scoring.BorderlineBand`, the same band as the demo's scoring step), with any decision
  already recorded.
- :func:`record_decision`: appends a reviewer's pass/fail to ``review_decisions.csv`` in the dataset folder
  (append-only, UTC time; a later line for the same candidate supersedes an earlier one, nothing is
  rewritten).
- :func:`apply_decisions` / :func:`write_decisions`: ``ai_decisions`` with the decisions applied
  (``human_reviewed`` true, ``human_override`` = the person's decision differs from ``ai_score >=
  threshold``, ``ai_passed`` = the decision that took effect), returned and written.
- :func:`override_counts`: how many decisions were reviewed and overturned per job, with the note the review
  and the validity correction need (selection was not on the AI total alone).

Examples
--------
>>> import tempfile
>>> from workbench.simulate import simulate, small_config, write_simulation
>>> from workbench.data import load
>>> folder = tempfile.mkdtemp()
>>> _ = write_simulation(simulate(small_config(n_candidates=300, seed=2, answer_texts=False)), folder)
>>> ds = load(folder)
>>> q = borderline_queue(ds)
>>> first = q.iloc[0]
>>> bool(first.band_low <= first.ai_score <= first.band_high), first.status
(True, 'pending')
>>> _ = record_decision(ds, first.candidate_id, "fail", reviewer="rev-1", note="thin examples")
>>> borderline_queue(ds).set_index("candidate_id").loc[first.candidate_id, "status"]
'decided'
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.composite import passes
from workbench.jsonable import json_ready
from workbench.review.overrides import OVERRIDE_NOTE, override_counts

__all__ = ["DECISIONS_FILE", "DECISION_COLUMNS", "apply_decisions", "borderline_queue", "decisions",
           "override_counts", "record_decision", "write_decisions"]

DECISIONS_FILE = "review_decisions.csv"
DECISION_COLUMNS = ("decided_at", "candidate_id", "job_id", "decision", "reviewer", "note", "ai_score",
                    "ai_decision", "in_band")

def _path(dataset: Any) -> Path:
    path = getattr(dataset, "path", None)
    if path is None:
        raise ValueError("the dataset has no folder to keep the review decisions in")
    return Path(path) / DECISIONS_FILE


def decisions(dataset: Any, *, latest: bool = True) -> pd.DataFrame:
    """The recorded decisions (:data:`DECISION_COLUMNS`); ``latest``: one row per candidate, the last one."""
    path = _path(dataset)
    if not path.is_file():
        return pd.DataFrame(columns=list(DECISION_COLUMNS))
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frame.drop_duplicates("candidate_id", keep="last").reset_index(drop=True) if latest else frame


def _bands(dataset: Any, job_id: str | None, z: float) -> pd.DataFrame:
    """Per job: threshold, band low/high, SEM and reliability."""
    from workbench.scoring import BorderlineBand, reliability_from_data

    rows = []
    for jid, profile in dataset.profiles.items():
        if job_id is not None and jid != job_id:
            continue
        cands = dataset.candidates.loc[dataset.candidates["job_id"] == jid, "candidate_id"]
        answers = dataset.answers[dataset.answers["candidate_id"].isin(cands)]
        if answers.empty:
            continue
        rel = reliability_from_data(answers, dataset.questions[dataset.questions["job_id"] == jid], profile)
        band = BorderlineBand.from_sem(profile.threshold, rel["sd_total"], rel["reliability"], z)
        rows.append({"job_id": jid, "threshold": profile.threshold, "band_low": band.low, "band_high": band.high,
                     "sem": band.sem, "reliability": rel["reliability"]})
    if job_id is not None and not rows:
        raise ValueError(f"job {job_id!r} has no profile or no answers in the dataset")
    return pd.DataFrame(rows, columns=["job_id", "threshold", "band_low", "band_high", "sem", "reliability"])


def _scored(dataset: Any, job_id: str | None, z: float) -> pd.DataFrame:
    """Every candidate with an AI decision: job, score, its band, the score-based AI decision, in_band."""
    ai = dataset.ai_decisions[["candidate_id", "ai_score"]].merge(
        dataset.candidates[["candidate_id", "job_id"]], on="candidate_id", how="inner")
    f = ai.merge(_bands(dataset, job_id, z), on="job_id", how="inner")
    f["ai_decision"] = [("pass" if passes(s, t) else "fail") for s, t in zip(f["ai_score"], f["threshold"])]
    f["in_band"] = (f["ai_score"] >= f["band_low"] - 1e-9) & (f["ai_score"] <= f["band_high"] + 1e-9)
    return f


def borderline_queue(dataset: Any, job_id: str | None = None, *, z: float = 1.0,
                     include_decided: bool = True) -> pd.DataFrame:
    """The candidates inside the borderline band, nearest the threshold first, with their review status.

    Returns
    -------
    DataFrame
        ``candidate_id``, ``job_id``, ``ai_score``, ``threshold``, ``band_low``, ``band_high``,
        ``ai_decision`` (pass/fail by the score), ``status`` (pending or decided), ``decision``,
        ``reviewer``, ``decided_at``. ``attrs["bands"]`` has each job's band, SEM and reliability.
    """
    f = _scored(dataset, job_id, z)
    q = f[f["in_band"]].copy()
    done = decisions(dataset).set_index("candidate_id")
    q["status"] = np.where(q["candidate_id"].isin(done.index), "decided", "pending")
    for col in ("decision", "reviewer", "decided_at"):
        q[col] = q["candidate_id"].map(done[col]) if len(done) else None
    if not include_decided:
        q = q[q["status"] == "pending"]
    q = q.assign(_d=(q["ai_score"] - q["threshold"]).abs()).sort_values(["_d", "candidate_id"]).drop(columns="_d")
    cols = ["candidate_id", "job_id", "ai_score", "threshold", "band_low", "band_high", "ai_decision", "status",
            "decision", "reviewer", "decided_at"]
    out = q[cols].reset_index(drop=True)
    out.attrs["bands"] = json_ready(_bands(dataset, job_id, z).to_dict("records"))
    return out


def record_decision(dataset: Any, candidate_id: str, decision: str, *, reviewer: str, note: str = "",
                    z: float = 1.0, now: dt.datetime | None = None) -> dict[str, Any]:
    """Append a reviewer's decision to ``review_decisions.csv`` (created with a header); returns the row.

    The candidate must have an AI decision; one outside the band is accepted and recorded with
    ``in_band=false`` (a person may review anyone, and the record says so).
    """
    if decision not in ("pass", "fail"):
        raise ValueError(f"decision must be pass or fail, not {decision!r}")
    if not str(reviewer).strip():
        raise ValueError("a reviewer is required (--reviewer)")
    f = _scored(dataset, None, z).set_index("candidate_id")
    if candidate_id not in f.index:
        raise KeyError(f"candidate {candidate_id!r} has no AI decision in the dataset")
    c = f.loc[candidate_id]
    stamp = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).isoformat(timespec="seconds")
    row = {"decided_at": stamp, "candidate_id": candidate_id, "job_id": c["job_id"], "decision": decision,
           "reviewer": str(reviewer).strip(), "note": " ".join(str(note).split()),
           "ai_score": f"{float(c['ai_score']):.4f}", "ai_decision": c["ai_decision"],
           "in_band": "true" if bool(c["in_band"]) else "false"}
    path = _path(dataset)
    new = not path.is_file()
    with path.open("a", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=DECISION_COLUMNS)
        if new:
            writer.writeheader()
        writer.writerow(row)
    return row


def apply_decisions(dataset: Any, recorded: pd.DataFrame | None = None) -> pd.DataFrame:
    """``ai_decisions`` with the reviewers' decisions applied (the latest per candidate).

    For a decided candidate: ``human_reviewed`` = True, ``ai_passed`` = the reviewer's decision,
    ``human_override`` = whether it differs from ``ai_score >= threshold``. Other rows are unchanged.
    ``attrs["applied"]`` counts the decisions applied, ``attrs["overrides"]`` those that overturn, and
    ``attrs["final_round_conflicts"]`` lists candidates failed by a reviewer who already have a final round
    (the contract keeps final rounds for AI-passed candidates: decide before the final round).
    """
    recorded = decisions(dataset) if recorded is None else recorded
    out = dataset.ai_decisions.copy()
    if recorded.empty:
        out.attrs.update(applied=0, overrides=0, final_round_conflicts=[])
        return out
    latest = recorded.drop_duplicates("candidate_id", keep="last").set_index("candidate_id")
    hit = out["candidate_id"].isin(latest.index)
    dec = out.loc[hit, "candidate_id"].map(latest["decision"]) == "pass"
    by_score = out.loc[hit, "candidate_id"].map(latest["ai_decision"]) == "pass"
    out["human_reviewed"] = out["human_reviewed"].astype("boolean")
    out["human_override"] = out["human_override"].astype("boolean")
    out["ai_passed"] = out["ai_passed"].astype("boolean")
    out.loc[hit, "human_reviewed"] = True
    out.loc[hit, "ai_passed"] = dec.to_numpy()
    out.loc[hit, "human_override"] = (dec != by_score).to_numpy()
    failed = set(out.loc[hit, "candidate_id"][~dec.to_numpy()])
    finals = set(getattr(dataset, "final_rounds", pd.DataFrame(columns=["candidate_id"]))["candidate_id"])
    out.attrs.update(applied=int(hit.sum()), overrides=int((dec != by_score).sum()),
                     final_round_conflicts=sorted(failed & finals))
    return out


def write_decisions(dataset: Any, out: str | Path | None = None) -> tuple[Path, pd.DataFrame]:
    """Write :func:`apply_decisions` as ``ai_decisions.csv`` (default: the dataset's own, replaced atomically;
    the decisions file stays the record). Returns the path and the frame."""
    frame = apply_decisions(dataset)
    path = Path(out) if out is not None else Path(dataset.path) / "ai_decisions.csv"
    text = frame.copy()
    for col in ("ai_passed", "human_reviewed", "human_override"):
        text[col] = text[col].map({True: "true", False: "false"}).astype(object).where(text[col].notna(), None)
    tmp = path.with_suffix(".tmp")
    text.to_csv(tmp, index=False, lineterminator="\n")
    tmp.replace(path)
    return path, frame
