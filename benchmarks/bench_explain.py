"""Benchmark: training the scoring model on 100,000 candidates and SHAP values for 10,000 (targets 30 s and 5 s).

One job (``product_manager``, English answer texts, 12 questions) is simulated with ``n`` applicants; the
model is trained on all of them against the counterfactual ``final_passed`` the simulator keeps for every
applicant (``population_truth``), so the training set has the full size. Timed separately:

- features: :func:`workbench.explain.candidate_features` (pivoting the scores; language check and tokenising
  once per distinct answer text up to its numbers, jieba/word terms once per distinct sentence);
- train: :meth:`ScoringModel.fit` (imputation, scaling, word vocabulary, L2 logistic regression by L-BFGS-B
  with non-negative weights on question and dimension scores);
- shap: :meth:`ScoringModel.shap_values` for ``--explain`` rows (exact linear SHAP, ``w (x - E[x])``).

Prints, e.g. (2 cores; before the caching, unigram default and L-BFGS-B fit: 37.1 s, 25.4 s, 1.15 s)::

    features 100,000 candidates (1,200,000 answers): 6.9 s
    train    100,000 candidates, 136 features: 7.9 s (target < 30 s)
    shap     10,000 candidates: 0.46 s (target < 5 s); max additivity error 1.1e-14

Usage: ``python benchmarks/bench_explain.py [--candidates 100000] [--explain 10000]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from workbench.explain import ScoringModel, candidate_features
from workbench.review.inputs import review_inputs_from_tables
from workbench.simulate import SimulationConfig, simulate, small_config


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--candidates", type=int, default=100_000)
    ap.add_argument("--explain", type=int, default=10_000)
    args = ap.parse_args()
    base = small_config(seed=11)
    config = SimulationConfig(**{**{f: getattr(base, f) for f in base.__dataclass_fields__},
                                 "jobs": (base.jobs[1],), "n_candidates": args.candidates,
                                 "resume_files": (0, 0, 0), "biases": ()})
    t = time.perf_counter()
    sim = simulate(config)
    print(f"simulate {args.candidates:,} candidates: {time.perf_counter() - t:.1f} s (not timed below)")
    job = config.jobs[0].job_id
    inputs = review_inputs_from_tables(sim.tables, sim.profiles[job], "final_passed")
    t = time.perf_counter()
    feats = candidate_features(inputs, sim.tables)
    n_answers = len(sim.tables["answers"])
    print(f"features {len(feats.frame):,} candidates ({n_answers:,} answers): {time.perf_counter() - t:.1f} s")
    pop = sim.population.set_index("candidate_id")
    y = pop.loc[feats.frame.index, "final_passed_cf"].astype(int).to_numpy()
    t = time.perf_counter()
    model = ScoringModel().fit(feats.frame, y)
    train_s = time.perf_counter() - t
    print(f"train    {len(y):,} candidates, {len(model.coef_):,} features: {train_s:.1f} s (target < 30 s); "
          f"{model.n_iter_} L-BFGS-B iterations")
    rows = feats.frame.iloc[: args.explain]
    t = time.perf_counter()
    phi = model.shap_values(rows)
    shap_s = time.perf_counter() - t
    err = float(np.max(np.abs(phi.sum(axis=1).to_numpy() + model.expected_value_ - model.decision_function(rows))))
    print(f"shap     {len(rows):,} candidates: {shap_s:.2f} s (target < 5 s); max additivity error {err:.1e}")


if __name__ == "__main__":
    main()
