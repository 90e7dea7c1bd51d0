"""Benchmark: the review's validity tables and the audit through the engines at 1M / 3M / 10M candidates.

Each size is simulated in chunks (:func:`workbench.engine.generate.write_chunked`, 12 answers per candidate) into
a Parquet dataset folder; every measurement then runs in a fresh process that reads the folder in place, so the
peak RSS printed is the run's own (for Spark, the Python driver's and, beside it, the JVM's). Per size and
engine, one line each for:

- ``review``: :func:`workbench.review.loop.review_dataset` on the folder with ``engine=``, criterion
  final_passed, every job: validity of all questions, dimensions and the total, corrected; delta-method
  intervals above :data:`workbench.review.at_scale.ANALYTIC_ABOVE` applicants per job (the weights, funnel and
  prompting figures need the rows in memory and are not part of the at-scale review);
- ``audit``: :func:`workbench.fairness.audit` of ai_passed on the folder with ``engine=``: the LL144 tables of
  every attribute, stages, scoring rate, CMH, coverage (score gaps and DIF need the rows: left out).

Usage::

    python benchmarks/bench_scale.py                         # 200,000 on DuckDB (quick)
    python benchmarks/bench_scale.py --sizes 1000000,3000000,10000000 --compare 1000000 --repeats 3

``--compare N`` also runs pandas and Spark local[2] at size N; ``--data DIR`` keeps the generated folders.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUN = """
import json, resource, sys, time
folder, what, engine = sys.argv[1], sys.argv[2], sys.argv[3]
start = time.perf_counter()
if what == "review":
    from workbench.review.loop import review_dataset
    doc = review_dataset(folder, "final_passed", engine=engine).to_dict()
    n = sum(j["validity"]["n_applicants"] for j in doc["jobs"].values())
    method = sorted({j["validity"]["interval_method"] for j in doc["jobs"].values()})
else:
    from workbench.fairness import audit
    res = audit(folder, engine=engine, where_from=False)
    n, method = res.meta["n_applicants"], ["counts"]
seconds = time.perf_counter() - start
me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 ** 2
if engine == "spark":  # the JVM is still running: its high-water mark from /proc
    from pyspark import SparkContext
    status = open(f"/proc/{SparkContext._gateway.proc.pid}/status").read()
    kids = int(next(l for l in status.splitlines() if l.startswith("VmHWM")).split()[1]) / 1024 ** 2
print(json.dumps({"seconds": seconds, "rss_gb": me, "children_rss_gb": kids, "n": n, "method": method}))
"""


def generate(folder: Path, n: int) -> None:
    if (folder / "candidates").is_dir():
        return
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import sys; from workbench.engine.generate import write_chunked; "
                    "write_chunked(sys.argv[1], int(sys.argv[2]), chunk=500_000)", str(folder), str(n)], check=True)
    print(f"generated {n:,} candidates ({12 * n:,} answers) in {time.perf_counter() - start:.1f} s", flush=True)


def measure(folder: Path, what: str, engine: str, repeats: int) -> str:
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", RUN, str(folder), what, engine], check=True,
                             capture_output=True, text=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    sec = statistics.median(r["seconds"] for r in runs)
    rss = max(r["rss_gb"] for r in runs)
    jvm = max(r["children_rss_gb"] for r in runs)
    extra = f", JVM peak RSS {jvm:.2f} GB" if engine == "spark" else ""
    return (f"{what:6s} {runs[0]['n']:>11,} candidates on {engine:6s}: median {sec:7.2f} s of {repeats}, "
            f"peak RSS {rss:.2f} GB{extra} ({'/'.join(runs[0]['method'])})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="200000")
    ap.add_argument("--compare", type=int, default=0, help="also run pandas and Spark local[2] at this size")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--data", default=None, help="folder to keep the generated datasets in")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.compare and args.compare not in sizes:
        sizes.append(args.compare)
    tmp = tempfile.TemporaryDirectory() if args.data is None else None
    root = Path(args.data or tmp.name)
    for n in sizes:
        folder = root / f"sim_{n}"
        generate(folder, n)
        engines = ["duckdb"] + (["pandas", "spark"] if n == args.compare else [])
        for engine in engines:
            for what in ("review", "audit"):
                print(measure(folder, what, engine, args.repeats), flush=True)
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
