"""Benchmark: the full data review (validity of all questions, dimensions and the total with 1,000 bootstrap
resamples; proposed weights with bootstrap stability and 5-fold cross-validation) at growing sizes.

Each size is simulated once (two demo jobs, 12 questions each, no answer texts) and stored as Parquet in a
temporary folder; the review then runs in a fresh process that reads those tables, so the peak RSS printed is
the review's own (plus the tables it holds). Prints one line per size:

    review 100,000 candidates (1,200,000 answers): 4.1 s, peak RSS 1.2 GB

Usage: ``python benchmarks/bench_review.py [--sizes 10000,100000,1000000]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile

SIMULATE = """
import sys
from pathlib import Path
from workbench.simulate import simulate, small_config
out = Path(sys.argv[1]); n = int(sys.argv[2])
sim = simulate(small_config(n_candidates=n, seed=7, answer_texts=False, resume_files=(0, 0, 0)))
for name, frame in sim.tables.items():
    frame.to_parquet(out / f"{name}.parquet")
import pickle
(out / "profiles.pkl").write_bytes(pickle.dumps(sim.profiles))
"""

REVIEW = """
import json, pickle, resource, sys, time
from pathlib import Path
import pandas as pd
from workbench.review.inputs import review_inputs_from_tables
from workbench.review.validity import ValiditySettings, validity_table
from workbench.review.weights import weight_proposal
folder = Path(sys.argv[1])
tables = {p.stem: pd.read_parquet(p) for p in folder.glob("*.parquet")}
profiles = pickle.loads((folder / "profiles.pkl").read_bytes())
start = time.perf_counter()
for profile in profiles.values():
    inputs = review_inputs_from_tables(tables, profile, "final_passed")
    validity_table(inputs, ValiditySettings(n_boot=1000))
    weight_proposal(inputs, n_boot=200, folds=5)
seconds = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
print(json.dumps({"seconds": seconds, "rss_gb": rss, "answers": int(len(tables["answers"]))}))
"""


def run_size(n: int, repeats: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-c", SIMULATE, tmp, str(n)], check=True)
        runs = []
        for _ in range(repeats):
            out = subprocess.run([sys.executable, "-c", REVIEW, tmp], check=True, capture_output=True, text=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    runs.sort(key=lambda r: r["seconds"])
    mid = runs[len(runs) // 2]
    return (f"review {n:,} candidates ({mid['answers']:,} answers): {mid['seconds']:.1f} s "
            f"(median of {repeats}), peak RSS {max(r['rss_gb'] for r in runs):.2f} GB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for n in (int(s) for s in args.sizes.split(",")):
        print(run_size(n, args.repeats if n < 1_000_000 else 1), flush=True)


if __name__ == "__main__":
    main()
