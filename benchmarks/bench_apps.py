"""The Voila apps under load (issue 14): first paint per app, interaction p50/p95, kernel memory, kernels left.

Starts ``workbench serve``'s Voila (``workbench.apps.serve.voila_command``) on a free 127.0.0.1 port, then
``--users`` simulated users (headless Chromium pages, loopback only) open and close the three apps in turn for
``--duration`` seconds; each open moves the tuner's threshold slider / types into the feedback answer / picks
an audit attribute and times the update. Kernel memory is the RSS of Voila's kernel processes, sampled every
second; after the run the script waits up to 30 s and reports the kernels still alive (should be 0).

Usage::

    .venv/bin/python benchmarks/bench_apps.py                      # 8 users, 120 s
    .venv/bin/python benchmarks/bench_apps.py --users 2 --duration 20   # a quick run
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.voila_support import CHROMIUM_ARGS, free_port, stop_process, wait_http  # noqa: E402
from workbench.apps.serve import APPS, voila_command  # noqa: E402

READY = {"live_feedback": ".wb-meter", "weight_tuner": "[data-testid=tuner-results] .wb-cards",
         "audit_viewer": "[data-testid=audit-results]"}


def kernel_rss(pid: int) -> tuple[int, float]:
    """(number of kernel processes under Voila, their total RSS in MB)."""
    import psutil

    try:
        kids = [p for p in psutil.Process(pid).children(recursive=True) if "ipykernel" in " ".join(p.cmdline())]
        return len(kids), sum(p.memory_info().rss for p in kids) / 2**20
    except psutil.Error:
        return 0, 0.0


def interact(page, app: str, k: int) -> float:
    """One interaction; seconds until the page shows its result."""
    sel = "body" if app == "live_feedback" else READY[app]  # the highlighted answer echoes each keystroke
    before = page.locator(sel).first.inner_text()
    t = time.perf_counter()
    if app == "weight_tuner":
        h = page.locator(".widget-slider .noUi-handle, .widget-slider .slider-handle").last
        h.focus()
        page.keyboard.press("ArrowRight")
    elif app == "live_feedback":
        page.locator(".wb-answer textarea").press_sequentially(" Churn fell 15%." if k % 2 else " I led the fix.")
    else:
        page.locator(".widget-dropdown select").nth(1).select_option(index=1 + k % 2)
    page.wait_for_function("([s, b]) => { const e = document.querySelector(s); return e && e.innerText !== b; }",
                           arg=[sel, before], timeout=60_000)
    return time.perf_counter() - t


def user(base: str, deadline: float, out: dict, lock: threading.Lock, offset: int) -> None:
    from playwright.sync_api import sync_playwright

    apps = list(APPS)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        i = offset
        while time.monotonic() < deadline:
            app = apps[i % len(apps)]
            i += 1
            page = browser.new_context().new_page()
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("http://127.0.0.1", "data:", "blob:"))
                       else r.abort())
            t = time.perf_counter()
            resp = page.goto(base + "voila/render/" + APPS[app], timeout=120_000)
            if resp is not None and resp.status == 503:
                with lock:
                    out["busy"] += 1
                page.close()
                time.sleep(2)
                continue
            try:
                page.locator(READY[app]).first.wait_for(timeout=120_000)
                paint = time.perf_counter() - t
                lat = [interact(page, app, k) for k in range(3)]
                with lock:
                    out["paint"].setdefault(app, []).append(paint)
                    out["interact"].extend(lat)
            except Exception as exc:  # noqa: BLE001 - counted, the run goes on
                with lock:
                    out["failed"].append(f"{app}: {str(exc)[:80]}")
            page.close(run_before_unload=True)
            time.sleep(1)  # as a real tab close does, let the page's shutdown beacon go out
        browser.close()


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=8)
    ap.add_argument("--duration", type=float, default=120.0)
    ap.add_argument("--max-kernels", type=int, default=8)
    args = ap.parse_args()
    port = free_port()
    proc = subprocess.Popen(voila_command(port=port, max_kernels=args.max_kernels), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    out: dict = {"paint": {}, "interact": [], "busy": 0, "failed": []}
    samples: list[tuple[int, float]] = []
    try:
        wait_http(base, proc=proc)
        start = kernel_rss(proc.pid)
        deadline = time.monotonic() + args.duration
        lock = threading.Lock()
        threads = [threading.Thread(target=user, args=(base, deadline, out, lock, k)) for k in range(args.users)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            samples.append(kernel_rss(proc.pid))
            time.sleep(1)
        end_wait = time.monotonic() + 30
        while kernel_rss(proc.pid)[0] and time.monotonic() < end_wait:
            time.sleep(0.5)
        left = kernel_rss(proc.pid)
    finally:
        stop_process(proc)
    print(f"users {args.users}, duration {args.duration:.0f} s, max kernels {args.max_kernels}")
    for app, v in out["paint"].items():
        print(f"first paint {app}: median {statistics.median(v):.2f} s, max {max(v):.2f} s ({len(v)} opens)")
    lat = [x * 1000 for x in out["interact"]]
    print(f"interaction (browser, incl. round trip): p50 {pct(lat, .5):.0f} ms, p95 {pct(lat, .95):.0f} ms "
          f"({len(lat)} interactions)")
    print(f"kernels at start {start[0]} ({start[1]:.0f} MB); peak {max((s[0] for s in samples), default=0)} kernels, "
          f"{max((s[1] for s in samples), default=0):.0f} MB RSS; left after the run: {left[0]} ({left[1]:.0f} MB)")
    print(f"busy pages (503): {out['busy']}; failed opens: {len(out['failed'])} {out['failed'][:3]}")


if __name__ == "__main__":
    main()
