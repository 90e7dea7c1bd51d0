"""Evaluate workbench.review.validity against simulated truth (not a test; prints figures).

Each dataset is ``demo_config(seed, n_candidates=20000)`` from :mod:`workbench.simulate`: 20,000 applicants
split over the two demo jobs (10,000 each, about 35 % AI-passed, 45 % of those pass the final round, about
1,300 hires), with the demo's injected measurement biases and human overrides left in. Per dataset, job and
criterion the validity table is compared with the truth:

- precision and recall of the ``invalid`` verdicts against ``truth["invalid_questions"]`` (loading 0);
- the share of weakly valid questions (0 < loading < .5, population validity about .10-.28) flagged invalid;
- the mean absolute error of ``r_corrected`` and of ``r_observed`` against the population validity (empirical,
  counterfactual criterion for every applicant) and against the theoretical one, for questions, dimensions and
  the AI total;
- run time of ``validity_table``.

performance and retained_12m exist only for hires (two selection stages: AI interview, then final round and
offer acceptance). ``validity_table`` corrects both stages when final_score is known (sequential Pearson-Lawley,
:func:`workbench.review.stats.bootstrap_two_stage_validity`); ``--one-stage`` drops final_score from the inputs
to measure the earlier Case III-only correction. truth.json has no validities for retained_12m: its population
validity is computed here from ``population_truth`` (counterfactual retention of every applicant;
point-biserial; no theoretical value).

Seeds 1000-1019 were used while developing the method (``--dev``); the reported figures use seeds 0-19
(the default), which were not looked at before the method was fixed.

Usage: ``python benchmarks/eval_review_validity.py [--dev] [--datasets 20] [--candidates 20000] [--boot 1000]
[--criteria final_passed final_score performance retained_12m] [--one-stage]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np
import pandas as pd

from workbench.review.inputs import review_inputs_from_tables
from workbench.review.validity import ValiditySettings, validity_table
from workbench.simulate import demo_config, simulate


_COUNTERFACTUAL = {"retained_12m": "retained_12m_cf"}  # criteria without validities in truth.json


def _counterfactual_validity(sim, ri, criterion: str) -> dict[str, dict]:
    """Population validity of every question, dimension and the total from the counterfactual criterion."""
    pop = sim.population.set_index("candidate_id")[_COUNTERFACTUAL[criterion]].astype(float)
    y = pop.reindex(ri.ai_score.index)
    frame = pd.concat([ri.questions, ri.dimensions, ri.ai_score.rename("__total__")], axis=1)
    r = frame.corrwith(y)
    return {name: {"population": float(v), "theoretical": np.nan} for name, v in r.items()}


def rows_of(sim, criterion: str, settings: ValiditySettings, one_stage: bool = False) -> tuple[list[dict], float]:
    """One row per question, dimension and total of every job, with truth beside the estimates."""
    rows, seconds = [], 0.0
    for job_id, job in sim.truth["jobs"].items():
        ri = review_inputs_from_tables(sim.tables, sim.profiles[job_id], criterion)
        if one_stage:
            ri = dataclasses.replace(ri, final_score=None)
        start = time.perf_counter()
        res = validity_table(ri, settings)
        seconds += time.perf_counter() - start
        qtruth = {q["question_id"]: q for q in job["questions"]}
        cf = _counterfactual_validity(sim, ri, criterion) if criterion in _COUNTERFACTUAL else None

        def truth(name: str, record: dict) -> dict:
            return cf[name] if cf is not None else record["validity"][criterion]

        dtruth = {d["dimension"]: d for d in job["dimensions"]}
        for _, r in res.questions.iterrows():
            t = qtruth[r.question_id]
            rows.append({"kind": "question", "job": job_id, "name": r.question_id, "loading": t["loading"],
                         **_pair(r, truth(r.question_id, t))})
        for _, r in res.dimensions.iterrows():
            rows.append({"kind": "dimension", "job": job_id, "name": r.dimension, "loading": np.nan,
                         **_pair(r, truth(r.dimension, dtruth[r.dimension]))})
        rows.append({"kind": "total", "job": job_id, "name": "ai_total", "loading": np.nan,
                     **_pair(res.total, truth("__total__", job["ai_total"]))})
    return rows, seconds


def _pair(est, truth: dict) -> dict:
    return {"verdict": est["verdict"], "r_corrected": est["r_corrected"], "r_observed": est["r_observed"],
            "ci_low": est["ci_low"], "ci_high": est["ci_high"], "population": truth["population"],
            "theoretical": truth["theoretical"]}


def summary(frame: pd.DataFrame, min_validity: float = 0.10) -> dict[str, float]:
    q = frame[frame.kind == "question"]
    invalid_true = q.loading == 0
    flagged = q.verdict == "invalid"
    weak = (q.loading > 0) & (q.loading < 0.5)
    tp = int((flagged & invalid_true).sum())
    out = {
        "precision": tp / max(int(flagged.sum()), 1),
        # of the invalid verdicts, the share whose population validity is below min_validity (what the verdict
        # claims); differs from precision when valid questions have little validity (retained_12m)
        "precision_pop": float((q.population[flagged] < min_validity).mean()) if flagged.any() else float("nan"),
        "recall": tp / max(int(invalid_true.sum()), 1),
        "weak_flagged": float(flagged[weak].mean()),
        "strong_flagged": float(flagged[q.loading >= 0.5].mean()),
        "insufficient": float((q.verdict == "insufficient_data").mean()),
    }
    for kind in ("question", "dimension", "total"):
        part = frame[frame.kind == kind]
        for est in ("r_corrected", "r_observed"):
            out[f"mae_{kind}_{est[2:]}"] = float((part[est] - part.population).abs().mean())
        out[f"mae_{kind}_corrected_vs_theory"] = float((part.r_corrected - part.theoretical).abs().mean())
        out[f"bias_{kind}_corrected"] = float((part.r_corrected - part.population).mean())
    covered = (q.ci_low <= q.population) & (q.population <= q.ci_high)
    out["ci_coverage_questions"] = float(covered.mean())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dev", action="store_true", help="development seeds 1000-1019 instead of 0-19")
    parser.add_argument("--datasets", type=int, default=20)
    parser.add_argument("--candidates", type=int, default=20000)
    parser.add_argument("--boot", type=int, default=1000)
    parser.add_argument("--criteria", nargs="+",
                        default=["final_passed", "final_score", "performance", "retained_12m"])
    parser.add_argument("--one-stage", action="store_true",
                        help="drop final_score from the inputs: performance/retained_12m corrected through the AI "
                             "total only (the earlier method, for comparison)")
    args = parser.parse_args()
    first = 1000 if args.dev else 0
    seeds = range(first, first + args.datasets)
    settings = ValiditySettings(n_boot=args.boot)
    print(f"{'development' if args.dev else 'evaluation'} seeds {seeds.start}-{seeds.stop - 1}: {args.datasets} "
          f"datasets x {args.candidates:,} applicants (two demo jobs, {args.candidates // 2:,} each), "
          f"B = {args.boot}, min_validity = {settings.min_validity}, Holm"
          + (", ONE-STAGE correction for hires-only criteria" if args.one_stage else ""))
    rows: dict[str, list] = {c: [] for c in args.criteria}
    seconds = {c: 0.0 for c in args.criteria}
    tables = 0
    sim_seconds = 0.0
    for seed in seeds:
        start = time.perf_counter()
        sim = simulate(demo_config(seed=seed, n_candidates=args.candidates, answer_texts=False,
                                   resume_files=(0, 0, 0)))
        sim_seconds += time.perf_counter() - start
        for crit in args.criteria:
            got, sec = rows_of(sim, crit, settings, args.one_stage)
            rows[crit] += [{**r, "seed": seed} for r in got]
            seconds[crit] += sec
        tables += len(sim.truth["jobs"])
    print(f"simulation: {sim_seconds:.1f} s in total\n")
    header = (f"{'criterion':13s} {'prec':>5s} {'recall':>6s} {'weak':>5s} {'strong':>6s} "
              f"{'p<min':>5s} | {'MAE q corr':>10s} {'q obs':>6s} {'q vs th':>7s} | {'dim corr':>8s} {'dim obs':>7s} | "
              f"{'tot corr':>8s} {'tot obs':>7s} | {'bias q':>6s} {'cover':>5s} | s/table")
    print(header)
    print("-" * len(header))
    for crit in args.criteria:
        s = summary(pd.DataFrame(rows[crit]), settings.min_validity)
        print(f"{crit:13s} {s['precision']:5.3f} {s['recall']:6.3f} {s['weak_flagged']:5.3f} "
              f"{s['strong_flagged']:6.3f} {s['precision_pop']:5.3f} | {s['mae_question_corrected']:10.3f} {s['mae_question_observed']:6.3f} "
              f"{s['mae_question_corrected_vs_theory']:7.3f} | {s['mae_dimension_corrected']:8.3f} "
              f"{s['mae_dimension_observed']:7.3f} | {s['mae_total_corrected']:8.3f} {s['mae_total_observed']:7.3f} | "
              f"{s['bias_question_corrected']:+6.3f} {s['ci_coverage_questions']:5.3f} | "
              f"{seconds[crit] / tables:.2f}")
    print("\nprec/recall: of 'invalid' verdicts against the loading-0 questions; weak: share of weakly valid "
          "questions (0 < loading < .5) flagged; strong: loading >= .5 flagged; p<min: share of 'invalid' verdicts "
          "whose population validity is below min_validity; MAE against the population "
          "(counterfactual) validity unless 'vs th' (theoretical); cover: 95% CI covers the population validity. "
          "performance and retained_12m are observed for hires only: corrected for both selection stages (final "
          "round, then AI interview) unless --one-stage; retained_12m truth is the counterfactual point-biserial "
          "(no theoretical value, so 'q vs th' is nan).")


if __name__ == "__main__":
    main()
