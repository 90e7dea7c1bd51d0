"""Latency of the weight tuner's update (``tuner_update``) at 100,000 candidates: median and p95.

Run: ``.venv/bin/python benchmarks/bench_weight_tuner.py [N]``. The target is under 100 ms per update.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from workbench.apps.weight_tuner import TunerState, rebalance, tuner_update


def synthetic_state(n: int, k: int = 5, seed: int = 0) -> TunerState:
    rng = np.random.default_rng(seed)
    X = np.clip(rng.normal(3.0, 0.7, size=(n, k)), 1, 5).round(2)
    dims = [f"dim_{i}" for i in range(k)]
    z = X.mean(axis=1)
    selected = z >= np.quantile(z, 0.64)
    y = np.where(selected, (rng.random(n) < 0.45).astype(float), np.nan)
    groups = {"gender": rng.choice(["female", "male", "nonbinary", None], n, p=[.47, .49, .02, .02]),
              "race_ethnicity": rng.choice(["asian", "white", "black", "hispanic", None], n),
              "age_band": rng.choice(["<30", "30-39", "40+", None], n),
              "education": rng.choice(["bachelor", "master", "doctorate", None], n)}
    return TunerState.from_arrays(X, dims, candidate_ids=[f"C{i:07d}" for i in range(n)], threshold=3.2,
                                  selected=selected, criterion=y, ai_score=z, groups=groups)


def main(n: int = 100_000, repeats: int = 60) -> None:
    state = synthetic_state(n)
    rng = np.random.default_rng(1)
    weights = dict(state.weights)
    times = []
    for _ in range(repeats):
        name = state.dimensions[int(rng.integers(len(state.dimensions)))]
        weights = rebalance(weights, name, float(rng.uniform(0.05, 0.6)))
        t0 = time.perf_counter()
        tuner_update(state, weights, float(rng.uniform(2.8, 3.6)))
        times.append((time.perf_counter() - t0) * 1000)
    t = np.array(times)
    print(f"tuner_update, {n:,} candidates, {repeats} updates: median {np.median(t):.1f} ms, "
          f"p95 {np.percentile(t, 95):.1f} ms (target < 100 ms)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
