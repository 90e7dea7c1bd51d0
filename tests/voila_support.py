"""Reusable pieces for browser tests: a Voila server on a free 127.0.0.1 port and a headless Chromium page.

Use from a test module::

    from tests.voila_support import voila_server, chromium_page  # noqa: F401  (fixtures)

``voila_server`` (module scope) serves ``notebooks/`` and yields its base URL; ``chromium_page`` yields a
Playwright page whose console errors, uncaught page errors and failed local responses are collected in
``page.errors``. Both skip the test
with a clear message when Chromium or Playwright is missing. Requests to anything but 127.0.0.1 are recorded in
``page.external`` (the apps must request nothing from another host) and fail in Chromium's resolver
(:data:`BLOCK_EXTERNAL`).

Requests are *not* intercepted with ``page.route``: a routed request waits until Python answers it, and the sync
Playwright API answers only while the test calls into Playwright. The shutdown beacon a page sends as it closes
was therefore held while a test slept waiting for the kernel to go, and dropped when the page was gone (the
flaky "kernel outlived its page" of issue 14).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# "Failed to load resource" console lines carry no URL: they are replaced by the responses themselves (any
# 127.0.0.1 response >= 400 is an error, see ``chromium_page``); blocked external requests are recorded in
# ``page.external`` instead.
IGNORED_CONSOLE = ("Failed to load resource",)
#: Every host but 127.0.0.1 fails to resolve: nothing leaves the machine, and no request is held for Python.
BLOCK_EXTERNAL = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "file://", "data:", "blob:", "about:")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def chromium_executable() -> str:
    """The Chromium binary, or skip."""
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.skip(f"browser test skipped: Chromium not found at {CHROMIUM} nor on PATH (apt install chromium)")
    return path


def stop_process(proc: subprocess.Popen) -> None:
    """Terminate a server process, killing it if it has not stopped after 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_http(url: str, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    """Wait until ``url`` answers (or fail with the server's output)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            raise RuntimeError(f"Voila exited with {proc.returncode}:\n{out[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status < 500:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@contextmanager
def serving(log: Path, **options) -> Iterator[str]:
    """``workbench serve``'s Voila (``options`` for :func:`workbench.apps.serve.voila_command`: ``notebooks_dir``,
    ``max_kernels``, ``preheat``...) on a free 127.0.0.1 port, its output in the file ``log``; yields the base URL
    once it answers (or fails with the output) and stops the server after."""
    from workbench.apps.serve import voila_command

    port = free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(voila_command(port=port, **options), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base = f"http://127.0.0.1:{port}/"
    try:
        try:
            wait_http(base, proc=proc)
        except (RuntimeError, TimeoutError) as exc:
            raise RuntimeError(f"{exc}\n{log.read_text(errors='replace')[-3000:]}") from exc
        yield base
    finally:
        stop_process(proc)


@pytest.fixture(scope="module")
def voila_server(tmp_path_factory) -> Iterator[str]:
    """Voila serving ``notebooks/`` on a free 127.0.0.1 port; yields ``http://127.0.0.1:<port>/``."""
    pytest.importorskip("voila", reason="browser test skipped: voila is not installed")
    with serving(tmp_path_factory.mktemp("voila") / "voila.log", notebooks_dir=ROOT / "notebooks",
                 show_tracebacks=True) as base:
        yield base


@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[object]:
    """A headless Chromium (Playwright), or skip when Playwright or Chromium is missing."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="browser test skipped: playwright is not installed (pip install playwright)")
    exe = chromium_executable()
    with sync_api.sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=exe, args=[*CHROMIUM_ARGS, BLOCK_EXTERNAL])
        except Exception as exc:  # a broken install: say so instead of erroring every test
            pytest.skip(f"browser test skipped: Chromium at {exe} did not start: {exc}")
        yield browser
        browser.close()


@pytest.fixture()
def chromium_page(chromium_browser) -> Iterator[object]:
    """A fresh page (1280x1000); ``page.errors`` collects console errors and uncaught page errors."""
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    errors: list[str] = []

    def on_console(msg) -> None:
        if msg.type == "error" and not any(s in msg.text for s in IGNORED_CONSOLE):
            errors.append(msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))

    def on_response(response) -> None:
        if response.status >= 400 and response.url.startswith("http://127.0.0.1") and "favicon" not in response.url:
            errors.append(f"HTTP {response.status}: {response.url}")

    page.on("response", on_response)
    external: list[str] = []
    page.on("request", lambda req: None if req.url.startswith(LOCAL) else external.append(req.url))
    page.errors, page.external = errors, external
    yield page
    context.close()
