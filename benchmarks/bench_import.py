"""Benchmark: import 1,000,000 answer rows (target: under 20 s and under 2 GB peak RSS on 2 cores).

Generates, in a temporary folder (never the repo), a dataset of 85,000 candidates for one job, 12 questions
and a 1,000,000-row answers.csv with short answer texts; then, in a fresh subprocess per run, imports the
profile + candidates + questions, then answers.csv, into a new dataset folder, and prints the time of the
answers import (median of the runs) and the peak RSS of the process.

With ``--export`` the answers file arrives as HR exports write it: a title row above the header and a totals row
at the end (read by the exact csv-module path instead of pyarrow; the totals row goes to the quarantine).

Run: ``.venv/bin/python benchmarks/bench_import.py [--runs 3] [--answers 1000000] [--export]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

CANDIDATES = 85_000
QUESTIONS = 12
PROFILE = """job_id: sales
version: v1
threshold: 3.2
dimensions:
  - {name: negotiation, weight: 0.3}
  - {name: drive, weight: 0.3}
  - {name: resilience, weight: 0.2}
  - {name: teamwork, weight: 0.2}
"""
TEXTS = np.array(["I closed the deal in two weeks.", "我带领团队完成了季度目标", "", "We cut churn by 12%.", ""], dtype=object)

RUN = """
import json, resource, sys, time
from workbench.data import import_files
src, into = sys.argv[1], sys.argv[2]
start = time.perf_counter()
first = import_files([f"{src}/sales.yaml", f"{src}/candidates.csv", f"{src}/questions.csv"], into)
middle = time.perf_counter()
second = import_files([f"{src}/answers.csv"], into)
end = time.perf_counter()
count = second.tables["answers"]
assert count.accepted + count.rejected == count.rows, count
ok = first.ok and (second.ok or all(e.reason.startswith("a totals row") for e in second.errors))
print(json.dumps({"setup_s": middle - start, "answers_s": end - middle, "rows": count.rows,
                  "accepted": count.accepted, "rejected": count.rejected, "ok": ok,
                  "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def write_source(folder: Path, answers: int, seed: int = 7, *, export: bool = False) -> None:
    """The profile, candidates.csv, questions.csv and answers.csv of the benchmark in ``folder``."""
    rng = np.random.default_rng(seed)
    (folder / "sales.yaml").write_text(PROFILE, encoding="utf-8")
    ids = np.char.add("C", np.arange(CANDIDATES).astype(str).astype(object).astype(str))
    pd.DataFrame(
        {
            "candidate_id": ids,
            "job_id": "sales",
            "applied_at": pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 180, CANDIDATES), unit="D"),
            "gender": rng.choice(["female", "male", "nonbinary", ""], CANDIDATES),
            "age": rng.integers(20, 60, CANDIDATES),
            "education": rng.choice(["bachelor", "master", "associate", ""], CANDIDATES),
            "years_experience": rng.integers(0, 300, CANDIDATES) / 10,
        }
    ).to_csv(folder / "candidates.csv", index=False, date_format="%Y-%m-%d")
    dims = ["negotiation", "drive", "resilience", "teamwork"]
    pd.DataFrame(
        {
            "question_id": [f"q{i + 1}" for i in range(QUESTIONS)],
            "job_id": "sales",
            "dimension": [dims[i % 4] for i in range(QUESTIONS)],
            "kind": "behavioral",
            "text": [f"Question {i + 1}?" for i in range(QUESTIONS)],
            "version": "v1",
            "active": "true",
        }
    ).to_csv(folder / "questions.csv", index=False)
    pair = np.arange(answers)
    pd.DataFrame(
        {
            "candidate_id": ids[pair // QUESTIONS % CANDIDATES],
            "question_id": np.char.add("q", (pair % QUESTIONS + 1).astype(str)),
            "score": rng.integers(2, 11, answers) / 2,
            "answer_text": TEXTS[rng.integers(0, len(TEXTS), answers)],
            "answer_seconds": rng.integers(20, 300, answers),
            "prompted": rng.choice(["true", "false"], answers),
            "prompt_kind": "",
            "interviewed_at": "2026-03-01",
        }
    ).to_csv(folder / "answers.csv", index=False)
    if export:
        text = (folder / "answers.csv").read_text(encoding="utf-8")
        (folder / "answers.csv").write_text("AI interview answers export 2026-03,,,,,,,\n" + text + "合计,,,,,,,\n",
                                            encoding="utf-8")


def run_once(source: Path, into: Path) -> dict:
    """One import in a fresh interpreter, so the peak RSS is the import's own."""
    out = subprocess.run([sys.executable, "-c", RUN, str(source), str(into)], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"benchmark run failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--export", action="store_true", help="title row above the header, totals row at the end")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_import_") as tmp:
        source = Path(tmp) / "source"
        source.mkdir()
        write_source(source, args.answers, export=args.export)
        runs = [run_once(source, Path(tmp) / f"data{i}") for i in range(args.runs)]
    seconds = statistics.median(r["answers_s"] for r in runs)
    setup = statistics.median(r["setup_s"] for r in runs)
    peak_gb = max(r["peak_rss_kb"] for r in runs) / 1024**2
    label = f"median of {args.runs}" if args.runs > 1 else "1 run"
    kind = " (export: title + totals rows)" if args.export else ""
    print(f"import {runs[0]['rows']:,} answer rows{kind}: {seconds:.1f} s ({label}), peak RSS {peak_gb:.2f} GB "
          f"(before: {CANDIDATES:,} candidates + {QUESTIONS} questions in {setup:.1f} s; "
          f"accepted {runs[0]['accepted']:,}, rejected {runs[0]['rejected']:,})")
    return 0 if runs[0]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
