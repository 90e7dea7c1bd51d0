"""The Voila apps under load (issue 14): first paint, interaction latency, the feedback app's first analysis,
kernels left and memory, for ``--users`` simulated users over ``--duration`` seconds, loopback only.

Starts ``workbench serve``'s Voila (:func:`workbench.apps.serve.voila_command`) on a free 127.0.0.1 port with a
short cull timeout (``--cull-idle``, checked every :data:`CULL_INTERVAL` s). One headless Chromium holds one
browser context per user; nothing leaves the machine: every host but 127.0.0.1 fails in Chromium's resolver
(:data:`tests.voila_support.BLOCK_EXTERNAL`, no ``page.route``, which holds each request for Python). Then:

1. solo: the live feedback app opened alone ``--solo`` times; the first keystroke after the page is ready,
   timed until its analysis shows (target < 100 ms);
2. load: each user opens and closes the live feedback app, the weight tuner and the audit viewer in turn until
   ``--duration`` ends; on each open, the first paint (navigation until the app's result is on the page) and
   three interactions: a keystroke in the answer, a step of the tuner's threshold slider (arrow key), a change
   of the viewer's attribute dropdown. Latency is timed in the page (``performance.now()`` from the key/change
   event until the DOM shows the new result), so it is the browser -> kernel -> browser round trip;
3. kernels running when the users stop, after the reaper's grace and after the cull timeout: each kernel a
   page started, asked for at ``GET /api/kernels/<id>`` on the served port (Voila serves no list at
   ``/api/kernels``), and the kernel processes under the server; the RSS of the Voila server and of its
   kernels at start, peak and after the cull timeout (psutil, sampled every second).

Usage::

    .venv/bin/python benchmarks/bench_apps.py                          # 8 users, 120 s
    .venv/bin/python benchmarks/bench_apps.py --users 2 --duration 20  # a quick run
    .venv/bin/python benchmarks/bench_apps.py --preheat 1              # with one pre-heated kernel per app
    .venv/bin/python benchmarks/bench_apps.py --waves 2                # memory after a second load phase too

Besides the figures above it prints the CPU seconds the server with its kernels and the simulated users' Chromium
spent during the load (both run on this machine; a real visitor's browser does not).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.voila_support import (  # noqa: E402
    BLOCK_EXTERNAL, CHROMIUM, CHROMIUM_ARGS, LOCAL, free_port, stop_process, wait_http)
from workbench.apps.serve import APPS, PREHEAT, voila_command  # noqa: E402
from workbench.apps.voila_main import DISCONNECT_GRACE  # noqa: E402

BENCH_APPS = ("live_feedback", "weight_tuner", "audit_viewer")
#: What is on the page once the app has painted, and the element whose text an interaction changes.
READY = {"live_feedback": ".wb-meter", "weight_tuner": "[data-testid=tuner-results] .wb-cards",
         "audit_viewer": "[data-testid=audit-results]"}
CHANGED = {"live_feedback": ".wb-text", **{a: READY[a] for a in ("weight_tuner", "audit_viewer")}}
FIRST_ANALYSIS_TARGET_MS = 100.0
CULL_INTERVAL = 5
"""Seconds between the culler's checks in the bench (``serve`` checks every 60 s)."""
PAINT_TIMEOUT_MS = 180_000

# Arms the page: the first keydown/input/change event starts the clock; the first DOM change after it that
# makes the watched element's text differ from its text now stops it.
_ARM = """(sel) => {
  const text = () => { const e = document.querySelector(sel); return e ? e.innerText : null; };
  const st = window.__wbLat = {t0: null, t1: null, before: text()};
  const start = () => { if (st.t0 === null) st.t0 = performance.now(); };
  for (const ev of ["keydown", "input", "change"]) document.addEventListener(ev, start, {capture: true, once: true});
  const obs = new MutationObserver(() => {
    if (st.t0 !== null && st.t1 === null) { const now = text(); if (now !== null && now !== st.before) {
      st.t1 = performance.now(); obs.disconnect(); } }
  });
  obs.observe(document.body, {subtree: true, childList: true, characterData: true});
}"""
_DONE = "() => window.__wbLat && window.__wbLat.t1 !== null"
_READ = "() => window.__wbLat.t1 - window.__wbLat.t0"


def serve_command(port: int, max_kernels: int, cull_idle: int, preheat: int = PREHEAT) -> list[str]:
    """``workbench serve``'s command with the bench's cull timeout, checked every :data:`CULL_INTERVAL` s."""
    return voila_command(port=port, max_kernels=max_kernels, cull_idle=cull_idle, cull_interval=CULL_INTERVAL,
                         preheat=preheat)


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of process ``pid`` and all its descendants so far, those that ended included
    (a parent's ``children_*`` times hold the children it has waited for; live children are counted apart)."""
    import psutil

    try:
        procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for proc in procs:
        try:
            t = proc.cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


def cpu_split(pid: int) -> tuple[float, float]:
    """CPU seconds so far of (the server ``pid`` with its kernels, this process's Chromium with its renderers:
    the browsers Playwright's driver started, each counted with :func:`tree_cpu`)."""
    import psutil

    browsers = [p.pid for p in psutil.Process(os.getpid()).children(recursive=True)
                if "chrom" in p.name().lower() and p.parent() is not None
                and "chrom" not in p.parent().name().lower()]
    return tree_cpu(pid), sum(tree_cpu(b) for b in browsers)


async def wait_pool(pid: int, kernels: int, timeout: float = 180.0) -> float:
    """Wait until ``kernels`` kernel processes run under the server (the pre-heated pool is full) and the server
    has been quiet (< 5 % CPU) for 3 s; returns the seconds waited."""
    t0 = time.monotonic()
    quiet = 0
    while time.monotonic() - t0 < timeout:
        before = tree_cpu(pid)
        await asyncio.sleep(1)
        busy = tree_cpu(pid) - before
        quiet = quiet + 1 if memory(pid)[2] >= kernels and busy < 0.05 else 0
        if quiet >= 3:
            break
    return time.monotonic() - t0


def memory(pid: int) -> tuple[float, float, int]:
    """(Voila server RSS, its kernels' total RSS, both in MB; the number of kernel processes)."""
    import psutil

    try:
        server = psutil.Process(pid)
        kids = [p for p in server.children(recursive=True) if "ipykernel" in " ".join(p.cmdline())]
        return server.memory_info().rss / 2**20, sum(p.memory_info().rss for p in kids) / 2**20, len(kids)
    except psutil.Error:
        return 0.0, 0.0, 0


def alive(base: str, kernel_ids: list[str]) -> int:
    """How many of ``kernel_ids`` the server still has (``GET /api/kernels/<id>`` answers 200; Voila serves no
    kernel list at ``/api/kernels``)."""
    import urllib.error

    n = 0
    for kid in kernel_ids:
        try:
            with urllib.request.urlopen(f"{base}api/kernels/{kid}", timeout=10) as r:
                n += r.status == 200
        except urllib.error.HTTPError:
            continue
    return n


async def kernel_id(page) -> str | None:
    """The kernel of a Voila page (its ``jupyter-config-data``)."""
    try:
        return json.loads(await page.locator("#jupyter-config-data").last.text_content(timeout=5_000))["kernelId"]
    except Exception:  # noqa: BLE001 - a page gone before its config: counted by the process count instead
        return None


async def interact(page, app: str, k: int) -> float:
    """One interaction of ``app``; milliseconds from the event to the result on the page (timed in the page)."""
    await page.evaluate(_ARM, CHANGED[app])
    if app == "weight_tuner":
        handle = page.locator(".widget-slider .noUi-handle, .widget-slider .slider-handle").last
        await handle.focus()
        await page.keyboard.press("ArrowRight" if k % 2 == 0 else "ArrowLeft")
    elif app == "live_feedback":
        await page.locator(".wb-answer textarea").press("I" if k == 0 else "a")
    else:
        await page.locator(".widget-dropdown select").nth(1).select_option(index=1 + k % 2)
    await page.wait_for_function(_DONE, timeout=60_000)
    return float(await page.evaluate(_READ))


async def open_app(context, base: str, app: str, out: dict) -> bool:
    """Open ``app`` in a new page of ``context``, paint, interact three times, close; False on a busy page."""
    page = await context.new_page()
    page.on("request", lambda req: None if req.url.startswith(LOCAL) else out["external"].append(req.url))
    try:
        t = time.perf_counter()
        resp = await page.goto(base + "voila/render/" + APPS[app], timeout=PAINT_TIMEOUT_MS)
        if resp is not None and resp.status == 503:
            out["busy"] += 1
            return False
        out["kernel_ids"].append(await kernel_id(page))  # before the wait: a page that never paints counts too
        await page.locator(READY[app]).first.wait_for(timeout=PAINT_TIMEOUT_MS)
        out["paint"].setdefault(app, []).append(time.perf_counter() - t)
        lat = [await interact(page, app, k) for k in range(3)]
        out["interact"].setdefault(app, []).extend(lat)
        if app == "live_feedback":
            out["first_analysis"].append(lat[0])
        out["opens"] += 1
        return True
    except Exception as exc:  # noqa: BLE001 - counted, the run goes on
        out["failed"].append(f"{app}: {str(exc).splitlines()[0][:100]}")
        return True
    finally:
        await page.close(run_before_unload=True)
        await asyncio.sleep(1)  # as a real tab close does, let the page's shutdown beacon go out


async def user(browser, base: str, deadline: float, out: dict, offset: int) -> None:
    """One simulated user: a browser context cycling through the three apps until ``deadline``."""
    context = await browser.new_context(viewport={"width": 1280, "height": 1000})
    i = offset
    try:
        while time.monotonic() < deadline:
            app = BENCH_APPS[i % len(BENCH_APPS)]
            i += 1
            if not await open_app(context, base, app, out):
                await asyncio.sleep(2)
    finally:
        await context.close()


async def sample_memory(pid: int, samples: list, stop: asyncio.Event) -> None:
    while not stop.is_set():
        samples.append(memory(pid))
        await asyncio.sleep(1)


async def run(base: str, pid: int, args: argparse.Namespace) -> dict:
    from playwright.async_api import async_playwright

    solo, out = ({"paint": {}, "interact": {}, "first_analysis": [], "busy": 0, "failed": [], "external": [],
                  "opens": 0, "kernel_ids": []} for _ in range(2))
    samples: list = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, BLOCK_EXTERNAL])
        context = await browser.new_context(viewport={"width": 1280, "height": 1000})
        await wait_pool(pid, args.preheat * len(APPS))
        for _ in range(args.solo):
            await open_app(context, base, "live_feedback", solo)
            await wait_pool(pid, args.preheat * len(APPS))  # each lone open finds its pre-heated kernel
        await context.close()
        await asyncio.sleep(DISCONNECT_GRACE + 2)  # the solo kernels gone before the start figures
        await wait_pool(pid, args.preheat * len(APPS))
        start = memory(pid)
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_memory(pid, samples, stop))
        out["wall"], out["waves_after"], out["cpu"] = 0.0, [], (0.0, 0.0)
        for _ in range(args.waves):  # a later wave back at the same level: no growth from wave to wave
            cpu0 = cpu_split(pid)
            deadline = time.monotonic() + args.duration
            await asyncio.gather(*(user(browser, base, deadline, out, k) for k in range(args.users)))
            out["wall"] += args.duration + max(0.0, time.monotonic() - deadline)
            out["cpu"] = tuple(total + now - before for total, now, before in zip(out["cpu"], cpu_split(pid), cpu0))
            ids = [k for k in solo["kernel_ids"] + out["kernel_ids"] if k]
            for when, wait in (("end", 0), ("grace", DISCONNECT_GRACE + 2),
                               ("cull", args.cull_idle + CULL_INTERVAL + 2)):
                await asyncio.sleep(wait)
                out[f"kernels_{when}"] = (alive(base, ids), memory(pid)[2], len(ids))
            out["waves_after"].append(memory(pid))
        stop.set()
        await sampler
        out["after_cull"] = memory(pid)
        await browser.close()
    out.update(solo=solo, start=start, samples=samples)
    return out


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank); nan for none."""
    return sorted(values)[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def report(out: dict, args: argparse.Namespace) -> None:
    print(f"users {args.users} (browser contexts of one headless Chromium), {args.waves} x {args.duration:.0f} s "
          f"(last page closed at {out['wall']:.0f} s), max kernels {args.max_kernels}, cull idle {args.cull_idle} s, "
          f"pre-heated kernels per app {args.preheat}")
    solo = out["solo"]["first_analysis"]
    print(f"live feedback, first analysis after page load, alone: {', '.join(f'{x:.0f}' for x in solo)} ms "
          f"(median {pct(solo, .5):.0f} ms; target < {FIRST_ANALYSIS_TARGET_MS:.0f} ms)")
    alone = out["solo"]["paint"].get("live_feedback", [])
    print(f"live feedback, first paint alone: {', '.join(f'{x:.1f}' for x in alone)} s "
          f"(median {statistics.median(alone) if alone else float('nan'):.1f} s)")
    first = out["first_analysis"]
    print(f"live feedback, first analysis after page load, under load: median {pct(first, .5):.0f} ms, "
          f"p95 {pct(first, .95):.0f} ms ({len(first)} opens; target < {FIRST_ANALYSIS_TARGET_MS:.0f} ms)")
    for app in BENCH_APPS:
        paint, lat = out["paint"].get(app, []), out["interact"].get(app, [])
        what = {"live_feedback": "keystroke", "weight_tuner": "slider step", "audit_viewer": "dropdown change"}[app]
        print(f"{app}: first paint median {statistics.median(paint) if paint else float('nan'):.1f} s "
              f"(max {max(paint, default=float('nan')):.1f} s, {len(paint)} opens); {what} p50 {pct(lat, .5):.0f} ms, "
              f"p95 {pct(lat, .95):.0f} ms ({len(lat)})")
    end, grace, cull = out["kernels_end"], out["kernels_grace"], out["kernels_cull"]
    print(f"kernels still running of the {end[2]} the pages started (GET /api/kernels/<id>; kernel processes in "
          f"brackets): when the users stopped {end[0]} [{end[1]}], {DISCONNECT_GRACE + 2:.0f} s later {grace[0]} "
          f"[{grace[1]}], after the cull timeout {cull[0]} [{cull[1]}]")
    s, peak, after = out["start"], out["samples"], out["after_cull"]
    tot = [x[0] + x[1] for x in peak] or [0.0]
    print(f"RSS MB (server + kernels): start {s[0]:.0f} + {s[1]:.0f} ({s[2]} kernels); peak {max(tot):.0f} total "
          f"(server {max((x[0] for x in peak), default=0):.0f}, kernels {max((x[1] for x in peak), default=0):.0f}, "
          f"{max((x[2] for x in peak), default=0)} kernels at most); after the cull timeout {after[0]:.0f} + "
          f"{after[1]:.0f} ({after[2]} kernels)")
    if len(out["waves_after"]) > 1:
        print("RSS MB after each wave's cull timeout (server + kernels): "
              + ", ".join(f"{m[0]:.0f} + {m[1]:.0f}" for m in out["waves_after"]))
    server, browsers = out["cpu"]
    cores = os.cpu_count() or 1
    print(f"CPU seconds during the load: server and kernels {server:.0f}, the simulated users' Chromium {browsers:.0f} "
          f"(together {100 * (server + browsers) / (cores * out['wall']):.0f} % of {cores} cores x {out['wall']:.0f} s); "
          f"per completed open: server {server / max(out['opens'], 1):.1f} s, browser {browsers / max(out['opens'], 1):.1f} s")
    print(f"opens completed {out['opens']}; busy pages (503) {out['busy']}; failed {len(out['failed'])} "
          f"{out['failed'][:3]}; requests to another host {len(out['external']) + len(out['solo']['external'])}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=8, help="simulated users (browser contexts)")
    ap.add_argument("--duration", type=float, default=120.0, help="seconds the users open and close apps")
    ap.add_argument("--max-kernels", type=int, default=8)
    ap.add_argument("--cull-idle", type=int, default=20, help="the served cull timeout (s) for the bench")
    ap.add_argument("--solo", type=int, default=3, help="lone opens of the live feedback app first")
    ap.add_argument("--waves", type=int, default=1, help="load phases of --duration s, each followed by the cull "
                    "timeout (memory after each: does it come back to the same level?)")
    ap.add_argument("--preheat", type=int, default=PREHEAT, help="pre-heated kernels per app (serve --preheat)")
    args = ap.parse_args()
    port = free_port()
    proc = subprocess.Popen(serve_command(port, args.max_kernels, args.cull_idle, args.preheat), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_http(base, proc=proc)
        out = asyncio.run(run(base, proc.pid, args))
    finally:
        stop_process(proc)
    report(out, args)


if __name__ == "__main__":
    main()
