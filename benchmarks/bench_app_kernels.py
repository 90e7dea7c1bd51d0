"""CPU and wall time of an app kernel from its start until its first paint, per Voila app (issue 14).

Voila starts one kernel per page and runs the app's notebook in it; the page paints when the notebook has run.
Under load the kernels share the cores, so what an open costs is the kernel's CPU time, not its wall time. For
each app of :data:`workbench.apps.serve.APPS` this starts a real kernel (``jupyter_client.KernelManager``, the
venv's ``python3`` kernelspec, in the notebook's folder as Voila does), runs the notebook with ``nbclient`` (the
executor Voila subclasses), and reads the kernel process's CPU seconds (psutil ``cpu_times``: user + system, its
children included) and the wall time from the kernel's start to the end of the notebook. With ``--settle S``
it reads the CPU again ``S`` seconds later (work an app moved to a background thread after the paint shows
there). Median of ``--repeat`` runs, one kernel at a time; nothing is served, nothing leaves the machine. With
``--against DIR`` each run is repeated with ``DIR`` first on the kernel's ``PYTHONPATH`` (a saved copy of the
package before a change), the two taking turns so that both see the same load on a shared machine.

Usage::

    .venv/bin/python benchmarks/bench_app_kernels.py                      # the four apps, 5 runs each
    .venv/bin/python benchmarks/bench_app_kernels.py --apps live_feedback --repeat 3 --settle 3 --json out.json
    .venv/bin/python benchmarks/bench_app_kernels.py --against /tmp/before   # /tmp/before/workbench: the old code
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import nbformat
import psutil
from jupyter_client import KernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.apps.serve import APPS, NOTEBOOKS_DIR  # noqa: E402

KERNEL = "python3"
TIMEOUT = 600
"""Seconds a cell may run before the run fails."""


def cpu_seconds(proc: psutil.Process) -> float:
    """User + system CPU seconds of ``proc`` and of its (waited-for) children.

    Examples
    --------
    >>> cpu_seconds(psutil.Process()) > 0
    True
    """
    t = proc.cpu_times()
    return t.user + t.system + t.children_user + t.children_system


def run_once(notebook: Path, settle: float = 0.0, pythonpath: str | None = None) -> dict[str, float]:
    """Start a kernel, run ``notebook`` in it, and return its ``cpu_s``, ``wall_s`` (and ``settled_cpu_s``).

    The clock starts just before the kernel process starts and stops when the last cell has run; the CPU time
    is read at that moment, then again after ``settle`` seconds when ``settle > 0``. ``pythonpath`` goes first
    on the kernel's ``PYTHONPATH`` (another copy of the package, e.g. the code before a change). The kernel is
    shut down.
    """
    nb = nbformat.read(notebook, as_version=4)
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [pythonpath, env.get("PYTHONPATH")]))
    km = KernelManager(kernel_name=KERNEL)
    t0 = time.perf_counter()
    km.start_kernel(cwd=str(notebook.parent), env=env)
    try:
        proc = psutil.Process(km.provisioner.process.pid)
        client = NotebookClient(nb, km=km, timeout=TIMEOUT, kernel_name=KERNEL,
                                resources={"metadata": {"path": str(notebook.parent)}})
        client.execute()
        wall = time.perf_counter() - t0
        out = {"cpu_s": cpu_seconds(proc), "wall_s": wall}
        if settle > 0:
            time.sleep(settle)
            out["settled_cpu_s"] = cpu_seconds(proc)
        return out
    finally:
        km.shutdown_kernel(now=True)


def summary(runs: list[dict[str, float]]) -> dict[str, float]:
    """Medians of the runs' figures, the CPU's min and max, and the number of runs.

    Examples
    --------
    >>> summary([{"cpu_s": 1.0, "wall_s": 2.0}, {"cpu_s": 3.0, "wall_s": 4.0}, {"cpu_s": 2.0, "wall_s": 3.0}])
    {'cpu_s': 2.0, 'wall_s': 3.0, 'cpu_min_s': 1.0, 'cpu_max_s': 3.0, 'runs': 3}
    """
    med = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    return {**med, "cpu_min_s": min(r["cpu_s"] for r in runs), "cpu_max_s": max(r["cpu_s"] for r in runs),
            "runs": len(runs)}


def bench(apps: list[str], repeat: int, settle: float = 0.0,
          variants: Mapping[str, str | None] | None = None) -> dict[str, dict[str, dict[str, float]]]:
    """``{variant: {app: summary}}`` over ``repeat`` runs of each app in each variant (name -> ``PYTHONPATH``
    entry, None = this checkout); the variants take turns run by run, so they share the machine's load."""
    variants = dict(variants or {"current": None})
    runs: dict[str, dict[str, list]] = {v: {a: [] for a in apps} for v in variants}
    for app in apps:
        for _ in range(repeat):
            for name, path in variants.items():
                runs[name][app].append(run_once(NOTEBOOKS_DIR / APPS[app], settle, path))
        for name in variants:
            print(f"  {name} {app}: " + ", ".join(f"{r['cpu_s']:.2f}" for r in runs[name][app]) + " CPU s",
                  file=sys.stderr, flush=True)
    return {name: {app: summary(runs[name][app]) for app in apps} for name in variants}


def table(result: dict[str, dict[str, float]]) -> str:
    """The medians as a plain-text table, one row per app.

    Examples
    --------
    >>> print(table({"x": {"cpu_s": 1.0, "cpu_min_s": 0.9, "cpu_max_s": 1.2, "wall_s": 2.0, "runs": 5}}))
    app           runs  CPU s (median)  min-max    wall s  CPU s settled
    x                5            1.00  0.90-1.20    2.00              -
    """
    lines = [f"{'app':<13} {'runs':>4}  {'CPU s (median)':>14}  {'min-max':<10} {'wall s':>6}  CPU s settled"]
    for app, r in result.items():
        settled = f"{r['settled_cpu_s']:.2f}" if "settled_cpu_s" in r else "-"
        spread = f"{r['cpu_min_s']:.2f}-{r['cpu_max_s']:.2f}"
        lines.append(f"{app:<13} {r['runs']:>4}  {r['cpu_s']:>14.2f}  {spread:<10} {r['wall_s']:>6.2f}  {settled:>13}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", nargs="+", choices=list(APPS), default=list(APPS))
    parser.add_argument("--repeat", type=int, default=5, help="runs per app (the median is reported)")
    parser.add_argument("--settle", type=float, default=0.0,
                        help="also read the kernel's CPU this many seconds after the notebook ran")
    parser.add_argument("--against", metavar="DIR",
                        help="also run each app with DIR first on PYTHONPATH (a copy of the package before a "
                             "change, holding workbench/), taking turns with this checkout")
    parser.add_argument("--json", type=Path, help="write the medians to this file")
    args = parser.parse_args(argv)
    variants = {"current": None, **({"against": args.against} if args.against else {})}
    result = bench(args.apps, args.repeat, args.settle, variants)
    for name, rows in result.items():
        where = args.against if name == "against" else "this checkout"
        print(f"App kernels, start until first paint, {where} (median of {args.repeat}, one kernel at a time):")
        print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
