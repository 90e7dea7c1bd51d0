"""How close do proposed weights come to the oracle weights? (workbench.review.weights, simulated truth)

For each seed, simulates the demo jobs (``small_config``, no texts or resume files), fits a
:class:`~workbench.review.weights.WeightTuner` on the AI-passed candidates who have the criterion (what a
real review sees) and scores three weightings of the observed dimension scores:

- ``expert``: the profile weights the AI decisions were made with,
- ``oracle``: the weights with which the latent competencies truly drive the criteria (simulation truth),
- ``proposed``: the tuner's weights (``--shrinkage`` toward the expert weights, default 0).

Two yardsticks: ``pop`` = correlation with the counterfactual criterion over ALL applicants
(``Simulation.population``: what the weights would really achieve), and ``cv`` = the range-restriction
corrected cross-validated validity among the selected (what :func:`cross_validated_validity` reports; the
tuner refitted in each training fold, same folds for all three). ``gap`` = oracle - proposed (positive =
proposed worse). Develop on seeds 1000-1009, report on seeds 0-9.

Usage: ``python benchmarks/eval_review_weights.py [--seeds 0-9] [--candidates 2000] [--criteria ...]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from workbench.review.inputs import review_inputs_from_tables
from workbench.review.weights import WeightTuner, cross_validated_validity, weighted_total
from workbench.simulate import simulate, small_config


def _seeds(text: str) -> list[int]:
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0-9", help="seed range, e.g. 0-9 (report) or 1000-1009 (develop)")
    ap.add_argument("--candidates", type=int, default=2000, help="applicants per simulation (split over 2 jobs)")
    ap.add_argument("--criteria", nargs="+", default=["final_score", "final_passed", "performance"])
    ap.add_argument("--shrinkage", type=float, default=0.0)
    args = ap.parse_args()
    start = time.perf_counter()
    rows = []
    print(f"seeds {args.seeds}, {args.candidates} applicants, shrinkage {args.shrinkage}")
    print(f"{'seed':>5} {'job':<24}{'criterion':<14}{'n_fit':>6}  {'pop: expert oracle proposed  gap':<34}"
          f"{'cv: expert oracle proposed  gap':<32}")
    for seed in _seeds(args.seeds):
        sim = simulate(small_config(n_candidates=args.candidates, seed=seed, answer_texts=False,
                                    resume_files=(0, 0, 0)))
        pop = sim.population.set_index("candidate_id")
        for job_id, profile in sim.profiles.items():
            truth = sim.truth["jobs"][job_id]
            for crit in args.criteria:
                ri = review_inputs_from_tables(sim.tables, profile, crit)
                fit_rows = ri.selected & ri.criterion_values.notna()
                tuner = WeightTuner(shrinkage=args.shrinkage, expert_weights=profile.weights, n_boot=0)
                tuner.fit(ri.dimensions[fit_rows], ri.criterion_values[fit_rows])
                weights = {"expert": truth["expert_weights"], "oracle": truth["oracle_weights"],
                           "proposed": tuner.weights_}
                cf = pop.loc[ri.dimensions.index, f"{crit}_cf"].astype(float)
                popv = {k: float(np.corrcoef(weighted_total(ri, w), cf)[0, 1]) for k, w in weights.items()}
                cv = cross_validated_validity(
                    ri, {"expert": truth["expert_weights"], "oracle": truth["oracle_weights"],
                         "proposed": WeightTuner(shrinkage=args.shrinkage, expert_weights=profile.weights,
                                                 n_boot=0)}, folds=5, random_state=seed)
                cvv = {k: v["r_corrected"] for k, v in cv["weights"].items()}
                rows.append((popv["oracle"] - popv['proposed'], cvv["oracle"] - cvv['proposed'], crit))
                print(f"{seed:>5} {job_id:<24}{crit:<14}{int(fit_rows.sum()):>6}  "
                      f"{popv['expert']:>9.3f}{popv['oracle']:>7.3f}{popv['proposed']:>9.3f}{rows[-1][0]:>+7.3f}     "
                      f"{cvv['expert']:>9.3f}{cvv['oracle']:>7.3f}{cvv['proposed']:>9.3f}{rows[-1][1]:>+7.3f}")
    print("\nsummary of gap = oracle - proposed (positive = proposed worse)")
    for crit in args.criteria:
        pg = np.array([r[0] for r in rows if r[2] == crit])
        cg = np.array([r[1] for r in rows if r[2] == crit])
        print(f"  {crit:<13} pop: mean {pg.mean():+.4f} max {pg.max():+.4f} within .02 {np.mean(pg <= .02):.0%}"
              f"   cv: mean {cg.mean():+.4f} max {cg.max():+.4f} within .02 {np.mean(cg <= .02):.0%}")
    print(f"{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
