"""Time and size of ``workbench report`` on the demo data: wall time, peak RSS, and the size of each page.

Run: ``.venv/bin/python benchmarks/bench_report.py [--inline-plotly]`` (default: plotly.min.js shared beside the
pages, as ``write_reports`` does by default). Targets (issue 13): under 10 s and pages
under 1.5 MB; both are printed beside the figures.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from workbench.data import load
from workbench.data.provenance import demo_path
from workbench.report import write_reports


def main(shared_plotly: bool = True) -> None:
    dataset = load(demo_path())
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        paths = write_reports(dataset, out, progress=False, shared_plotly=shared_plotly)
        wall = time.perf_counter() - t0
        pages = sorted((Path(p) for p in paths if str(p).endswith(".html")), key=lambda p: p.name)
        sizes = {p.name: p.stat().st_size / 2**20 for p in pages}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"workbench report on the demo ({len(dataset.candidates):,} candidates): {wall:.1f} s wall (target < 10 s), "
          f"peak RSS {peak:.0f} MB, {len(paths)} files, shared plotly: {shared_plotly}")
    for name, mb in sizes.items():
        print(f"  {name:<32} {mb:6.2f} MB{'  (over 1.5 MB)' if mb > 1.5 else ''}")


if __name__ == "__main__":
    main("--inline-plotly" not in sys.argv[1:])
