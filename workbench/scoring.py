"""Rubric scores -> dimension scores -> weighted total; threshold; borderline band; human-review queue.

- Rubrics: ``workbench/rubrics/<job_id>.yaml``, behaviourally anchored levels 1-5 per question with example
  answers, in English and Chinese (:func:`load_rubric`).
- :func:`score_answer`: a 1-5 score for one answer with its reasons (STAR coverage, relevance to the question's
  dimension, quantified results, specificity), from :func:`workbench.feedback.analyze`.
- :func:`score_candidate`: dimension scores (mean of the dimension's answers), the weighted total under the
  profile, pass or fail at the profile's threshold, the profile version, and a decision that is ``review``
  inside the borderline band.
- The band is threshold ± z·SEM with SEM = SD(total)·sqrt(1 - reliability); the reliability of the weighted total
  is the stratified (Mosier) composite of Cronbach's alpha within each dimension, estimated from the answers in
  the data (:func:`reliability_from_data`).
- :class:`ReviewQueue`: a CSV-backed queue of borderline candidates that records the reviewer's decision.
- Prompting: :func:`prompting_columns` gives ``prompted`` / ``prompt_kind`` per answer so the review can measure
  the effect of real-time hints (unequal prompting breaks standardisation).

Examples
--------
>>> r = score_answer("Last year our churn kept rising and I had to fix it. I interviewed 20 users and rewrote "
...                  "onboarding. Churn fell 15% in two months.", "pm_q01", profile="product_manager")
>>> r.score >= 4, r.level_anchor.startswith("Complete STAR")
(True, True)
>>> band = BorderlineBand.from_sem(threshold=3.2, sd_total=0.5, reliability=0.84)
>>> round(band.sem, 3), band.contains(3.3), band.contains(3.6)
(0.2, True, False)
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from workbench.composite import MISSING_DIMENSION_SCORE, candidate_total, passes
from workbench.data.profiles import as_profile
from workbench.records import AnswerAnalysis, JobProfile

RUBRIC_DIR = Path(__file__).resolve().parent / "rubrics"



def analyze(*args: Any, **kwargs: Any) -> AnswerAnalysis:
    """:func:`workbench.feedback.analyze`, imported on first use (it brings spaCy, 0.5-0.7 s; the review queue
    app needs only this module's bands and reliabilities)."""
    from workbench.feedback import analyze as _analyze

    return _analyze(*args, **kwargs)


__all__ = ["AnswerScore", "BorderlineBand", "CandidateScore", "ReviewQueue", "RubricError", "load_rubric",
           "prompting_columns", "reliability_from_data", "score_answer", "score_candidate"]


class RubricError(ValueError):
    """A rubric file breaks its format; the message names the question and field."""


@lru_cache(maxsize=16)
def load_rubric(job_id_or_path: str) -> dict:
    """The validated rubric of a job: ``{job_id, version, questions: {question_id: {dimension, kind, text, levels}}}``.

    >>> rub = load_rubric("regional_sales_manager")
    >>> sorted(rub["questions"]["rsm_q01"]["levels"][5]["anchor"])
    ['en', 'zh']
    """
    path = Path(job_id_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = RUBRIC_DIR / f"{job_id_or_path}.yaml"
    if not path.is_file():
        raise RubricError(f"{path}: no rubric file")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("questions"), dict):
        raise RubricError(f"{path}: needs a 'questions' mapping")
    for qid, q in data["questions"].items():
        levels = q.get("levels") if isinstance(q, dict) else None
        if not isinstance(levels, dict) or sorted(int(k) for k in levels) != [1, 2, 3, 4, 5]:
            raise RubricError(f"{path}: question {qid}: levels must be 1-5")
        for k, lv in levels.items():
            for key in ("anchor", "example"):
                if not isinstance(lv.get(key), dict) or not {"en", "zh"} <= set(lv[key]):
                    raise RubricError(f"{path}: question {qid} level {k}: {key} needs en and zh")
        if not q.get("dimension"):
            raise RubricError(f"{path}: question {qid}: missing dimension")
    data["questions"] = {qid: {**q, "levels": {int(k): v for k, v in q["levels"].items()}}
                         for qid, q in data["questions"].items()}
    return data


@dataclass(frozen=True)
class AnswerScore:
    """A 1-5 rubric score with its reasons and the anchor of the level reached."""

    question_id: str
    dimension: str
    score: float
    reasons: tuple[str, ...]
    level_anchor: str = ""
    prompted: bool = False
    prompt_kind: str | None = None


def _question(question: Any, rubric: dict | None) -> tuple[str, dict]:
    if isinstance(question, str) and rubric and question in rubric["questions"]:
        return question, rubric["questions"][question]
    if isinstance(question, Mapping):
        return str(question.get("question_id", "")), dict(question)
    return (question if isinstance(question, str) else ""), {}


def score_answer(answer: str | AnswerAnalysis, question: Any = None, profile: Any = None, *,
                 rubric: dict | None = None, lang: str = "auto") -> AnswerScore:
    """Score one answer 1-5 against the question's rubric.

    Points: Situation 0.5, Task 0.5, Action 1, Result 1 (a behavioural question needs the episode; a
    situational one is judged on its plan: actions and the goal), relevance to the dimension (a keyword of the
    question's dimension) 0.5, quantified result 0.5, specificity up to 0.5, on top of 1; capped at 5.
    A generic answer (no concrete episode) to a behavioural question is capped at 2.

    >>> score_answer("I am a hard worker and always do my best.", "pm_q01", profile="product_manager").score
    1.0
    """
    prof = as_profile(profile)
    if rubric is None and prof is not None:
        try:
            rubric = load_rubric(prof.job_id)
        except RubricError:
            rubric = None
    qid, q = _question(question, rubric)
    dimension = q.get("dimension", "")
    kind = q.get("kind", "behavioral")
    a = answer if isinstance(answer, AnswerAnalysis) else analyze(answer, {"dimension": dimension} if dimension else None,
                                                                  prof, lang, question_kind=kind)
    reasons = []
    pts = 1.0
    weights = {"S": 0.5, "T": 0.5, "A": 1.0, "R": 1.0}
    if kind == "situational":
        weights = {"S": 0.25, "T": 0.75, "A": 1.5, "R": 0.5}
    present = [k for k in "STAR" if a.star[k].present]
    pts += sum(weights[k] for k in present)
    reasons.append(f"STAR coverage: {''.join(present) or 'none'} ({len(present)}/4)")
    relevant = [k for k in a.keywords if not dimension or k.dimension == dimension]
    if relevant:
        pts += 0.5
        reasons.append(f"relevant to {dimension or 'the profile'}: " + ", ".join(sorted({k.text for k in relevant})))
    else:
        reasons.append(f"no keyword of {dimension or 'the profile'} found")
    if a.quantified:
        pts += 0.5
        reasons.append("quantified result: " + ", ".join(q.text for q in a.quantified))
    pts += 0.5 * a.specificity
    reasons.append(f"specificity {a.specificity:.2f} ({'concrete episode' if a.concrete else 'generic'})")
    if kind == "behavioral" and not a.concrete:
        pts = min(pts, 2.0)
        reasons.append("behavioural question answered without a concrete episode: at most 2")
    score = round(max(1.0, min(5.0, pts)) * 2) / 2
    anchor = ""
    if q.get("levels"):
        anchor = q["levels"][int(math.floor(score))]["anchor"].get(a.language, "")
    prompts = [h for h in a.hints if h.is_prompt]
    return AnswerScore(qid, dimension, score, tuple(reasons), anchor, bool(prompts),
                       prompts[0].kind if prompts else None)


@dataclass(frozen=True)
class BorderlineBand:
    """threshold ± z·SEM, SEM = sd_total·sqrt(1 - reliability)."""

    threshold: float
    sem: float
    z: float = 1.0
    reliability: float = float("nan")

    @classmethod
    def from_sem(cls, threshold: float, sd_total: float, reliability: float, z: float = 1.0) -> "BorderlineBand":
        """Band from the SD of the weighted total and its reliability (clipped to [0, 1])."""
        rel = min(1.0, max(0.0, float(reliability))) if math.isfinite(reliability) else 0.0
        return cls(float(threshold), float(sd_total) * math.sqrt(1.0 - rel), float(z), float(reliability))

    @property
    def low(self) -> float:
        return self.threshold - self.z * self.sem

    @property
    def high(self) -> float:
        return self.threshold + self.z * self.sem

    def contains(self, total: float) -> bool:
        """True when ``total`` is inside the band (closed interval)."""
        return self.low <= total <= self.high


def reliability_from_data(answers: pd.DataFrame, questions: pd.DataFrame, profile: JobProfile) -> dict:
    """Cronbach's alpha within each dimension and the stratified (Mosier) reliability of the weighted total.

    ``answers`` has candidate_id, question_id, score; ``questions`` has question_id, dimension. Returns
    ``{alpha: {dimension: a}, reliability, sd_total, n}``; a dimension with one question gets alpha NaN and
    counts as reliability 0 in the composite (conservative: a wider band).
    """
    from workbench.review.validity import coefficient_alpha

    q = questions[questions["question_id"].isin(answers["question_id"])][["question_id", "dimension"]]
    wide = answers.pivot_table(index="candidate_id", columns="question_id", values="score", aggfunc="mean")
    alphas, dim_scores = {}, {}
    for d in profile.dimension_names:
        items = [c for c in q.loc[q["dimension"] == d, "question_id"] if c in wide.columns]
        block = wide[items].dropna() if items else pd.DataFrame()
        alphas[d] = float(coefficient_alpha(block)) if len(items) >= 2 and len(block) >= 3 else float("nan")
        dim_scores[d] = wide[items].mean(axis=1) if items else pd.Series(dtype=float)
    frame = pd.DataFrame(dim_scores).dropna()
    w = pd.Series(profile.weights)[frame.columns]
    total = frame.mul(w, axis=1).sum(axis=1)
    var_total = float(total.var(ddof=1)) if len(total) > 1 else float("nan")
    err = sum(w[d] ** 2 * frame[d].var(ddof=1) * (1 - (alphas[d] if math.isfinite(alphas[d]) else 0.0))
              for d in frame.columns)
    rel = 1 - err / var_total if var_total and math.isfinite(var_total) else float("nan")
    return {"alpha": alphas, "reliability": rel, "sd_total": math.sqrt(var_total) if math.isfinite(var_total) else
            float("nan"), "n": int(len(total))}


@dataclass(frozen=True)
class CandidateScore:
    """Dimension scores, weighted total, pass/fail at the threshold and the decision (pass, fail or review)."""

    candidate_id: str
    job_id: str
    profile_version: str
    dimension_scores: Mapping[str, float]
    total: float
    threshold: float
    passed: bool
    decision: str
    band: tuple[float, float] | None = None
    answers: tuple[AnswerScore, ...] = field(default=())

    def to_dict(self) -> dict:
        return {"candidate_id": self.candidate_id, "job_id": self.job_id, "profile_version": self.profile_version,
                "dimension_scores": dict(self.dimension_scores), "total": self.total, "threshold": self.threshold,
                "passed": self.passed, "decision": self.decision, "band": list(self.band) if self.band else None}


def score_candidate(answers: Mapping[str, str | float | AnswerScore], profile: Any, *, candidate_id: str = "",
                    band: BorderlineBand | None = None, rubric: dict | None = None) -> CandidateScore:
    """Score a candidate: ``answers`` maps question_id -> answer text, a 1-5 score or an :class:`AnswerScore`.

    A dimension without answers scores 1 (the floor); the total and the decision are
    :func:`workbench.composite.candidate_total` and :func:`workbench.composite.passes`, as everywhere.
    ``decision`` is ``review`` when the total falls in ``band``, else ``pass``/``fail``.

    >>> prof = as_profile("product_manager")
    >>> s = score_candidate({"pm_q01": 4, "pm_q03": 3, "pm_q05": 4, "pm_q07": 2}, prof)
    >>> s.total, s.passed, s.decision
    (3.4, True, 'pass')
    >>> score_candidate({"pm_q01": 4, "pm_q03": 3, "pm_q05": 4, "pm_q07": 2}, prof,
    ...                 band=BorderlineBand(prof.threshold, 0.2)).decision
    'review'
    """
    prof = as_profile(profile)
    rubric = rubric or load_rubric(prof.job_id)
    scored: list[AnswerScore] = []
    for qid, ans in answers.items():
        if isinstance(ans, AnswerScore):
            scored.append(ans)
        elif isinstance(ans, (int, float)):
            dim = rubric["questions"].get(qid, {}).get("dimension", "")
            if not dim:
                raise RubricError(f"question {qid!r} is not in the rubric of {prof.job_id}")
            scored.append(AnswerScore(qid, dim, float(ans), ("given score",)))
        else:
            scored.append(score_answer(ans, qid, prof, rubric=rubric))
    means, total = candidate_total({d: [s.score for s in scored if s.dimension == d] for d in prof.dimension_names},
                                   prof.weights)
    dims = {d: MISSING_DIMENSION_SCORE if math.isnan(v) else round(v, 4) for d, v in means.items()}
    passed = passes(total, prof.threshold)
    decision = "review" if band is not None and band.contains(total) else ("pass" if passed else "fail")
    return CandidateScore(candidate_id, prof.job_id, prof.version, dims, total, prof.threshold, passed, decision,
                          (round(band.low, 4), round(band.high, 4)) if band else None, tuple(scored))


class ReviewQueue:
    """Borderline candidates waiting for a person, backed by a CSV file that records every decision.

    >>> import tempfile, os
    >>> q = ReviewQueue(os.path.join(tempfile.mkdtemp(), "queue.csv"))
    >>> q.add("C1", "pm", 3.25, (3.0, 3.4))
    >>> q.decide("C1", reviewer="ana", decision="pass", note="strong examples")
    >>> q.frame()[["candidate_id", "status", "decision", "reviewer"]].values.tolist()
    [['C1', 'decided', 'pass', 'ana']]
    """

    COLUMNS = ("candidate_id", "job_id", "total", "band_low", "band_high", "reason", "status", "added_at",
               "reviewer", "decision", "note", "decided_at")
    DECISIONS = ("pass", "fail")

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("w", newline="", encoding="utf-8") as f:
                csv.writer(f).writerow(self.COLUMNS)

    def frame(self) -> pd.DataFrame:
        """All entries."""
        return pd.read_csv(self.path, dtype=str, keep_default_na=False)

    def _write(self, df: pd.DataFrame) -> None:
        tmp = self.path.with_suffix(".tmp")
        df.to_csv(tmp, index=False)
        tmp.replace(self.path)

    def add(self, candidate_id: str, job_id: str, total: float, band: tuple[float, float],
            reason: str = "inside the borderline band") -> None:
        """Queue a candidate (once: a candidate already pending is not added again)."""
        df = self.frame()
        if ((df["candidate_id"] == candidate_id) & (df["status"] == "pending")).any():
            return
        row = dict.fromkeys(self.COLUMNS, "")
        row.update(candidate_id=candidate_id, job_id=job_id, total=f"{total:.4f}", band_low=f"{band[0]:.4f}",
                   band_high=f"{band[1]:.4f}", reason=reason, status="pending",
                   added_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        self._write(pd.concat([df, pd.DataFrame([row])], ignore_index=True))

    def add_scores(self, scores: list[CandidateScore]) -> int:
        """Queue every candidate whose decision is ``review``; returns how many."""
        n = 0
        for s in scores:
            if s.decision == "review" and s.band:
                self.add(s.candidate_id, s.job_id, s.total, s.band)
                n += 1
        return n

    def pending(self) -> pd.DataFrame:
        df = self.frame()
        return df[df["status"] == "pending"].reset_index(drop=True)

    def decide(self, candidate_id: str, *, reviewer: str, decision: str, note: str = "") -> None:
        """Record the reviewer's decision (pass or fail) for a pending candidate."""
        if decision not in self.DECISIONS:
            raise ValueError(f"decision must be one of {', '.join(self.DECISIONS)}, not {decision!r}")
        if not str(reviewer).strip():
            raise ValueError("reviewer is required")
        df = self.frame()
        hit = (df["candidate_id"] == candidate_id) & (df["status"] == "pending")
        if not hit.any():
            raise KeyError(f"candidate {candidate_id!r} is not pending review")
        df.loc[hit, ["status", "reviewer", "decision", "note", "decided_at"]] = [
            "decided", reviewer, decision, note, datetime.now(timezone.utc).isoformat(timespec="seconds")]
        self._write(df)


def prompting_columns(answers: pd.DataFrame, text_column: str = "answer_text") -> pd.DataFrame:
    """``answers`` with ``prompted`` and ``prompt_kind`` filled from the hint each answer would get
    (rows that already record prompting are kept as they are).

    >>> df = pd.DataFrame({"answer_text": ["Last year our team missed deadlines. I had to fix it. I cut scope.", ""]})
    >>> prompting_columns(df)[["prompted", "prompt_kind"]].values.tolist()
    [[True, 'missing_result'], [False, None]]
    """
    out = answers.copy()
    rec = [analyze(t if isinstance(t, str) else "").to_dict() for t in out[text_column]]
    new_p = pd.Series([r["prompted"] for r in rec], index=out.index)
    new_k = pd.Series([r["prompt_kind"] for r in rec], index=out.index, dtype=object)
    if "prompted" in out:
        known = out["prompted"].notna()
        new_p[known] = out.loc[known, "prompted"]
        if "prompt_kind" in out:
            new_k[known] = out.loc[known, "prompt_kind"]
    out["prompted"], out["prompt_kind"] = new_p, new_k
    return out
