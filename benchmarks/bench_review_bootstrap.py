"""Speed and memory of the candidate bootstrap of corrected validities (workbench.review.stats).

1,000 resamples of Case III-corrected validities for 12 questions, at n = 10,000 and 100,000 applicants
(35% selected, 5% of answers missing). Each size runs in a fresh process so that its peak RSS is its own.
Prints one line per size:

    bootstrap n=100000 k=12 B=1000: 3.1 s, peak RSS 420 MB (+300 MB over data)

Usage: ``python benchmarks/bench_review_bootstrap.py [--n N ...] [--boot B]``.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time

K = 12


def _rss_mb() -> float:
    """Current resident set size in MB (Linux /proc), falling back to the peak."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:
        return _peak_mb()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def run_one(n: int, n_boot: int) -> str:
    import numpy as np

    from workbench.review.stats import bootstrap_corrected_validity

    g = np.random.default_rng(2026)
    X = g.normal(size=(n, K))
    z = X.sum(axis=1)
    y = X[:, :4] @ np.array([0.4, 0.3, 0.2, 0.1]) + g.normal(size=n)
    selected = z >= np.quantile(z, 0.65)
    y = np.where(selected, y, np.nan)
    X[g.random((n, K)) < 0.05] = np.nan
    bootstrap_corrected_validity(X[:200], z[:200], selected[:200], y[:200], n_boot=2, rng=0)  # warm up
    before = _rss_mb()
    start = time.perf_counter()
    res = bootstrap_corrected_validity(X, z, selected, y, n_boot=n_boot, rng=1)
    seconds = time.perf_counter() - start
    peak = _peak_mb()
    assert res.ci_low.shape == (K,) and np.isfinite(res.ci_low).all()
    return (
        f"bootstrap n={n} k={K} B={n_boot}: {seconds:.2f} s, peak RSS {peak:.0f} MB "
        f"(+{peak - before:.0f} MB over data)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--boot", type=int, default=1000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(run_one(args.n[0], args.boot), flush=True)
        return 0
    failures = 0
    for n in args.n:
        cmd = [sys.executable, __file__, "--child", "--n", str(n), "--boot", str(args.boot)]
        failures += subprocess.call(cmd) != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
