"""Real-time hints as an intervention: what did a hint do to completeness and to the score?

Hints are triggered by incomplete first drafts, so the answers that got one were worse before it and the
plain prompted-vs-unprompted difference is biased (typically it even has the wrong sign). :func:`prompting`
estimates the effect among the answers whose trigger fired (``hint_eligible``) only:

- **randomised** when the data say hints were withheld at random among eligible answers (every eligible
  answer records ``assignment=random``, e.g. by a :class:`workbench.review.holdout.HoldoutPolicy`): the
  difference between prompted and held-out eligible answers, within question;
- otherwise **observational, adjusted** for the completeness of the draft: the difference within strata of
  question x ``star_before`` (STAR parts before the hint, 0-4). It removes the confounding by how complete
  the draft was, not by anything else that decided whether a hint was shown: an observational estimate,
  labelled so;
- beside it, always, the **naive** prompted-vs-unprompted difference over all answers, to show the bias.

Outcomes: ``completeness`` (STAR parts after the hint, ``star_after``; within a star_before stratum this is the
gain) and ``score`` (the AI rubric score of the answer). CIs resample candidates.

Examples
--------
>>> from workbench.simulate import TriggeredPrompting, simulate, small_config
>>> sim = simulate(small_config(n_candidates=300, seed=2, answer_texts=False,
...                             triggered=TriggeredPrompting(holdout_share=0.3)))
>>> res = prompting(sim.tables, n_boot=100)
>>> res.design, [(e.outcome, e.method) for e in res.estimates][:2]
('randomised', [('completeness', 'randomised'), ('completeness', 'adjusted')])
>>> naive = res.estimate("score", "naive")
>>> bool(naive.effect < res.estimate("score").effect)
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.data.load import tables_of
from workbench.jsonable import json_ready
from workbench.review.rounds import PROMPTING_CAVEAT, _bool, prompting_design, stratified_difference

__all__ = ["METHODS", "OUTCOMES", "PromptingEstimate", "PromptingResult", "prompting"]

OUTCOMES = {"completeness": "star_after", "score": "score"}
METHODS = {
    "randomised": "randomised holdout: prompted vs held-out eligible answers, within question",
    "adjusted": "observational, adjusted for completeness before the hint: prompted vs unprompted eligible "
                "answers within question x star_before",
    "naive": "naive: prompted vs unprompted, all answers, within question (ignores why hints were shown)",
}
UNITS = {"completeness": "STAR parts", "score": "rubric points"}


@dataclass(frozen=True)
class PromptingEstimate:
    """One effect estimate: ``outcome`` by ``method`` (see :data:`METHODS`), with a CI, or why there is none."""

    outcome: str
    method: str
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    n_answers: int
    n_prompted: int
    n_unprompted: int
    n_strata: int
    n_in_compared_strata: int
    primary: bool = False
    reason: str | None = None

    @property
    def available(self) -> bool:
        return self.effect is not None

    def to_dict(self) -> dict[str, Any]:
        return json_ready({**asdict(self), "available": self.available, "label": METHODS[self.method]})


@dataclass(frozen=True)
class PromptingResult:
    """What :func:`prompting` returns: the design read from the data, the estimates, counts and caveats."""

    design: str
    job_id: str | None
    level: float
    n_answers: int
    n_eligible: int
    n_prompted: int
    eligible_column: bool
    estimates: tuple[PromptingEstimate, ...]
    caveats: tuple[str, ...] = field(default=())

    def estimate(self, outcome: str, method: str | None = None) -> PromptingEstimate:
        """The estimate of ``outcome`` by ``method`` (default: the primary one)."""
        for e in self.estimates:
            if e.outcome == outcome and (e.method == method if method else e.primary):
                return e
        raise KeyError(f"no {method or 'primary'} estimate of {outcome}")

    def to_dict(self) -> dict[str, Any]:
        return json_ready({"design": self.design, "job_id": self.job_id, "level": self.level,
                           "n_answers": self.n_answers, "n_eligible": self.n_eligible, "n_prompted": self.n_prompted,
                           "eligible_column": self.eligible_column,
                           "primary": {o: self._primary_method(o) for o in OUTCOMES},
                           "estimates": [e.to_dict() for e in self.estimates], "caveats": list(self.caveats)})

    def _primary_method(self, outcome: str) -> str | None:
        return next((e.method for e in self.estimates if e.outcome == outcome and e.primary), None)

    def summary(self) -> str:
        """Human text: the design, then per outcome each estimate with its CI."""
        head = ("randomised holdout (assignment=random among eligible answers)" if self.design == "randomised"
                else "observational (hints were triggered, not randomised)")
        lines = [f"Prompting effect{f', job {self.job_id}' if self.job_id else ''}: {head}",
                 f"  {self.n_answers:,} answers, {self.n_eligible:,} hint-eligible, {self.n_prompted:,} prompted"]
        for outcome in OUTCOMES:
            lines.append(f"{outcome} ({UNITS[outcome]}):")
            for e in (x for x in self.estimates if x.outcome == outcome):
                tag = " [primary]" if e.primary else ""
                if e.available:
                    lines.append(f"  {e.method}{tag}: {e.effect:+.3f} ({self.level:.0%} CI {e.ci_low:+.3f} to "
                                 f"{e.ci_high:+.3f}, p = {e.p_value:.3g}; {e.n_prompted:,} vs {e.n_unprompted:,} "
                                 f"answers)")
                else:
                    lines.append(f"  {e.method}{tag}: not available ({e.reason})")
        lines.extend(f"Note: {c}" for c in self.caveats)
        return "\n".join(lines)


def _answers(dataset: Any, job_id: str | None) -> pd.DataFrame:
    tables = tables_of(dataset)
    answers = tables.get("answers") if isinstance(tables, Mapping) else None
    if answers is None or answers.empty:
        raise ValueError("the dataset has no answers")
    missing = {"candidate_id", "question_id", "score", "prompted"} - set(answers.columns)
    if missing:
        raise ValueError(f"answers lack column(s) {', '.join(sorted(missing))}")
    if job_id is not None:
        cands = tables.get("candidates")
        if cands is None or job_id not in set(cands["job_id"].astype(str)):
            raise ValueError(f"no candidate applied to job {job_id!r}")
        ids = set(cands.loc[cands["job_id"].astype(str) == job_id, "candidate_id"].astype(str))
        answers = answers[answers["candidate_id"].astype(str).isin(ids)]
    return answers.reset_index(drop=True)


def _estimate(frame: pd.DataFrame, outcome: str, method: str, strata: pd.Series, settings: dict[str, Any],
              primary: bool) -> PromptingEstimate:
    column = OUTCOMES[outcome]
    if column not in frame.columns or pd.to_numeric(frame[column], errors="coerce").isna().all():
        return PromptingEstimate(outcome, method, None, None, None, None, 0, 0, 0, 0, 0, primary,
                                 f"the answers have no {column}")
    try:
        d = stratified_difference(frame["candidate_id"], strata, frame["prompted"],
                                  pd.to_numeric(frame[column], errors="coerce"), **settings)
    except ValueError as exc:
        return PromptingEstimate(outcome, method, None, None, None, None, len(frame), 0, 0, 0, 0, primary, str(exc))
    return PromptingEstimate(outcome, method, d["effect"], d["ci_low"], d["ci_high"], d["p_value"], d["n_answers"],
                             d["n_treated"], d["n_control"], d["n_strata"], d["n_in_compared_strata"], primary)


def _caveats(design: str, eligible_column: bool, has_star: bool, estimates: list[PromptingEstimate]) -> list[str]:
    out = []
    if design == "observational":
        out.append("observational estimate: hints were not randomised; the adjusted figure compares answers of the "
                   "same completeness before the hint and is unbiased only if nothing else that decided whether a "
                   "hint was shown also affects the outcome. Run a randomised holdout (HoldoutPolicy) to know.")
        if not has_star:
            out.append("no star_before: the adjustment is not possible. " + PROMPTING_CAVEAT)
    if not eligible_column:
        out.append("no hint_eligible column: every answer is treated as eligible, so answers the trigger never "
                   "fired for are compared too")
    for e in estimates:
        if e.available and e.n_in_compared_strata < e.n_answers:
            out.append(f"{e.outcome}/{e.method}: {e.n_answers - e.n_in_compared_strata} answer(s) in strata with "
                       "only one arm do not enter the estimate")
    out.append("naive: the difference of all prompted and unprompted answers mixes the hint's effect with the "
               "trigger's selection of worse drafts; shown to make the bias visible, not as an estimate")
    return out


def prompting(dataset: Any, job_id: str | None = None, *, level: float = 0.95, n_boot: int = 1000,
              seed: int = 0) -> PromptingResult:
    """The effect of real-time hints on completeness and on the score, among hint-eligible answers.

    Parameters
    ----------
    dataset : path, Dataset, Simulation or mapping of table name -> DataFrame
        Needs answers with candidate_id, question_id, score, prompted; uses ``hint_eligible``,
        ``star_before``, ``star_after`` and ``assignment`` when present.
    job_id : str, optional
        One job's answers (default: all; strata are per question, so jobs do not mix).
    level : float, default 0.95
    n_boot : int, default 1000
        Candidate bootstrap resamples per estimate.
    seed : int, default 0

    Returns
    -------
    PromptingResult
        ``design`` is ``randomised`` when every eligible answer records ``assignment=random``, else
        ``observational``; per outcome, the primary estimate (randomised or adjusted) and the naive one (and
        the adjusted one beside a randomised estimate, as a check).
    """
    answers = _answers(dataset, job_id)
    eligible_column = "hint_eligible" in answers.columns and answers["hint_eligible"].notna().any()
    el = np.nan_to_num(_bool(answers["hint_eligible"])) > 0 if eligible_column else np.ones(len(answers), bool)
    elig = answers[el].reset_index(drop=True)
    design = prompting_design(elig)
    has_star = "star_before" in elig.columns and pd.to_numeric(elig["star_before"], errors="coerce").notna().any()
    settings = {"level": level, "n_boot": n_boot, "random_state": seed}
    q_all, q_el = answers["question_id"].astype(str), elig["question_id"].astype(str)
    star = pd.to_numeric(elig["star_before"], errors="coerce") if has_star else None
    estimates = []
    for outcome in OUTCOMES:
        if design == "randomised":
            estimates.append(_estimate(elig, outcome, "randomised", q_el, settings, True))
        if has_star:
            keep = star.notna().to_numpy()
            strata = q_el[keep] + "|star" + star[keep].astype(int).astype(str)
            estimates.append(_estimate(elig[keep].reset_index(drop=True), outcome, "adjusted",
                                       strata.reset_index(drop=True), settings, design != "randomised"))
        elif design != "randomised":
            estimates.append(PromptingEstimate(outcome, "adjusted", None, None, None, None, len(elig), 0, 0, 0, 0,
                                               True, "the answers have no star_before"))
        estimates.append(_estimate(answers, outcome, "naive", q_all, settings, False))
    n_prompted = int(np.nan_to_num(_bool(answers["prompted"])).sum())
    return PromptingResult(design, job_id, level, len(answers), int(el.sum()), n_prompted, bool(eligible_column),
                           tuple(estimates), tuple(_caveats(design, bool(eligible_column), has_star, estimates)))
