"""Evaluation: coverage of the delta-method (Fisher z) intervals beside the percentile bootstrap, on the simulator.

For each size, ``--reps`` simulations (different seeds); per simulation and job, the validity table against
``--criterion`` twice: percentile bootstrap (``validity_table``) and analytic (``engine_validity`` with
``analytic_above=0``). Prints, per size and method, the share of question intervals that contain the
simulator's theoretical applicant-pool validity, the mean width, and the mean |difference| of the bounds
between the two methods. This is what sets :data:`workbench.review.at_scale.ANALYTIC_ABOVE`.

Usage: ``python benchmarks/eval_delta_coverage.py [--sizes 4000,20000,100000] [--reps 20] [--criterion final_score]``
"""

from __future__ import annotations

import argparse

import numpy as np

from workbench.review.at_scale import engine_validity
from workbench.review.inputs import review_inputs_from_tables
from workbench.review.validity import ValiditySettings, validity_table
from workbench.simulate import simulate, small_config


def one(n: int, seed: int, criterion: str, n_boot: int) -> list[tuple[float, ...]]:
    sim = simulate(small_config(n_candidates=n, seed=seed, answer_texts=False, resume_files=(0, 0, 0)))
    settings = ValiditySettings(n_boot=n_boot)
    out = []
    for job, profile in sim.profiles.items():
        truth = {q["question_id"]: q["validity"][criterion]["theoretical"]
                 for q in sim.truth["jobs"][job]["questions"]}
        boot = validity_table(review_inputs_from_tables(sim.tables, profile, criterion), settings).questions
        delta = engine_validity(sim.tables, profile, criterion, settings, engine="duckdb", analytic_above=0).questions
        for (_, b), (_, d) in zip(boot.iterrows(), delta.iterrows()):
            t = truth[b["question_id"]]
            out.append((b["ci_low"] <= t <= b["ci_high"], d["ci_low"] <= t <= d["ci_high"],
                        b["ci_high"] - b["ci_low"], d["ci_high"] - d["ci_low"],
                        abs(b["ci_low"] - d["ci_low"]) + abs(b["ci_high"] - d["ci_high"])))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="4000,20000,100000")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--criterion", default="final_score")
    ap.add_argument("--n-boot", type=int, default=500)
    args = ap.parse_args()
    for n in map(int, args.sizes.split(",")):
        rows = np.array([r for s in range(args.reps) for r in one(n, 1000 + s, args.criterion, args.n_boot)],
                        dtype=float)
        print(f"{n:>9,} candidates, {len(rows)} question intervals ({args.criterion}): coverage bootstrap "
              f"{rows[:, 0].mean():.3f} / delta {rows[:, 1].mean():.3f}; mean width {rows[:, 2].mean():.4f} / "
              f"{rows[:, 3].mean():.4f}; mean |bound difference| {rows[:, 4].mean() / 2:.4f}", flush=True)


if __name__ == "__main__":
    main()
