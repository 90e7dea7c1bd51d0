"""Time and size of ``workbench report`` on the demo data: wall and CPU time, peak RSS, and the size of each page.

Run: ``.venv/bin/python benchmarks/bench_report.py [--repeat N] [--cold] [--inline-plotly]``

- ``--repeat N`` (default 3): N fresh processes, one report each (imports, model loading and the dataset's
  load included, as for ``workbench report``), each figure printed, then the medians;
- ``--cold``: every run with an empty resume cache (``WORKBENCH_CACHE_DIR`` set to a fresh temporary folder):
  the time of a first report on new files. By default the user's cache is used, so the first run may parse the
  resumes and later runs read their features from the cache (:mod:`workbench.explain.cache`);
- ``--inline-plotly``: plotly.js inlined in every page (default: shared beside the pages, as ``write_reports``).

Targets (issue 13): under 10 s and pages under 1.5 MB; both are printed beside the figures. CPU time (of the
process and of the child that computes the model card beside the audits) is printed too: on a machine shared
with other work the wall time says more about the neighbours than about the report.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from workbench.data import load
from workbench.data.provenance import demo_path
from workbench.report import write_reports


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the report may compute its model card in one)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _run(dataset, shared_plotly: bool, cold: bool) -> tuple[float, float, dict[str, float], int]:
    before = os.environ.get("WORKBENCH_CACHE_DIR")
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as cache:
        if cold:
            os.environ["WORKBENCH_CACHE_DIR"] = cache
        try:
            w0, c0 = time.perf_counter(), _cpu()
            paths = write_reports(dataset, out, progress=False, shared_plotly=shared_plotly)
            wall, cpu = time.perf_counter() - w0, _cpu() - c0
        finally:
            if cold and before is None:
                del os.environ["WORKBENCH_CACHE_DIR"]
            elif cold:
                os.environ["WORKBENCH_CACHE_DIR"] = before
        pages = sorted((Path(p) for p in paths if str(p).endswith(".html")), key=lambda p: p.name)
        sizes = {p.name: p.stat().st_size / 2**20 for p in pages}
    return wall, cpu, sizes, len(paths)


def once(shared_plotly: bool, cold: bool) -> None:
    """One report in this process (as ``workbench report`` runs it): its figures as one JSON line."""
    w0, c0 = time.perf_counter(), _cpu()
    dataset = load(demo_path())
    wall, cpu, sizes, n_files = _run(dataset, shared_plotly, cold)
    print(json.dumps({"wall": wall, "cpu": cpu, "wall_with_load": time.perf_counter() - w0,
                      "cpu_with_load": _cpu() - c0, "sizes": sizes, "files": n_files,
                      "candidates": len(dataset.candidates),
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def main(shared_plotly: bool = True, repeat: int = 3, cold: bool = False) -> None:
    """``repeat`` fresh processes, one report each (imports and model loading included, as on the command line)."""
    flags = ["--once"] + ([] if shared_plotly else ["--inline-plotly"]) + (["--cold"] if cold else [])
    runs = []
    for i in range(repeat):
        done = subprocess.run([sys.executable, __file__, *flags], capture_output=True, text=True, check=True)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        r = runs[-1]
        print(f"run {i + 1}/{repeat}: report {r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU (with loading the "
              f"dataset: {r['wall_with_load']:.1f} s wall, {r['cpu_with_load']:.1f} s CPU)", flush=True)
    med = {k: statistics.median(r[k] for r in runs) for k in ("wall", "cpu", "peak_mb")}
    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"workbench report on the demo ({runs[0]['candidates']:,} candidates): median of {repeat} "
          f"{'cold ' if cold else ''}runs {med['wall']:.1f} s wall (target < 10 s), {med['cpu']:.1f} s CPU, "
          f"peak RSS {med['peak_mb']:.0f} MB, {runs[0]['files']} files, shared plotly: {shared_plotly}, "
          f"load average {load_avg:.1f} on {os.cpu_count()} CPUs")
    for name, mb in runs[-1]["sizes"].items():
        print(f"  {name:<32} {mb:6.2f} MB{'  (over 1.5 MB)' if mb > 1.5 else ''}")


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--once" in args:
        once("--inline-plotly" not in args, "--cold" in args)
    else:
        main("--inline-plotly" not in args, repeat=int(args[args.index("--repeat") + 1]) if "--repeat" in args
             else 3, cold="--cold" in args)
