"""Benchmark: simulate 100,000 applicants (1.2M answers with texts) and write the dataset to a temp dir.

Run ``.venv/bin/python benchmarks/bench_simulate.py [N]``; prints one line with seconds and peak RSS.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time

from workbench.simulate import demo_config, simulate, write_simulation


def main(n: int = 100_000) -> str:
    cfg = demo_config(n_candidates=n)
    n_answers = sum(len(j.questions) for j in cfg.jobs) * n // len(cfg.jobs)
    start = time.perf_counter()
    sim = simulate(cfg)
    t_sim = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        write_simulation(sim, tmp)
    total = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    line = (f"simulate {n:,} candidates ({n_answers:,} answers): {total:.1f} s "
            f"(simulate {t_sim:.1f} s + write {total - t_sim:.1f} s), peak RSS {peak_kb / 1024**2:.2f} GB")
    print(line)
    return line


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
