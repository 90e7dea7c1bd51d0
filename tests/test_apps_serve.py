"""``workbench serve``'s additions to Voila: the kernel limit with its busy page, the start page's content."""

from __future__ import annotations

import os
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.voila_support import ROOT, free_port, stop_process, wait_http
from workbench.apps.serve import APPS, busy_page, landing_page, voila_command


def test_landing_page_describes_every_app_in_both_languages():
    page = landing_page(sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")))
    apps = page["sections"][0]
    assert apps["key"] == "apps" and [e["notebook"] for e in apps["entries"]] == sorted(APPS.values())
    for section in page["sections"]:
        for e in section["entries"]:
            if section["key"] != "other":
                assert all(e[k]["en"] and e[k]["zh"] for k in ("name", "for", "shows")), e["notebook"]
    listed = {e["notebook"] for s in page["sections"] for e in s["entries"]}
    assert listed == {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}


@pytest.mark.parametrize("limit", [1, 8, 12])
def test_busy_page_names_the_limit(limit):
    page = busy_page(limit)
    assert f" {limit} " in page["text"]["en"] and f" {limit} " in page["text"]["zh"]


@pytest.mark.slow
def test_beyond_the_kernel_limit_a_busy_page_and_the_kernel_freed_after(tmp_path):
    pytest.importorskip("voila", reason="voila is not installed")
    nb = tmp_path / "nb"
    nb.mkdir()
    (nb / "tiny.ipynb").write_text('{"cells": [{"cell_type": "code", "execution_count": null, "metadata": {}, '
                                   '"outputs": [], "source": "import time; time.sleep(4); print(1)"}], "metadata": '
                                   '{"kernelspec": {"name": "python3", "display_name": "Python 3", "language": '
                                   '"python"}}, "nbformat": 4, "nbformat_minor": 5}', encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen(voila_command(port=port, notebooks_dir=nb, max_kernels=1), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ})
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_http(base, proc=proc)
        first: dict = {}

        def open_first() -> None:
            with urllib.request.urlopen(base + "voila/render/tiny.ipynb", timeout=60) as r:
                first["status"], first["cookie"] = r.status, r.headers.get_all("Set-Cookie") or []
                first["html"] = r.read().decode()

        t = threading.Thread(target=open_first)
        t.start()
        time.sleep(2.5)  # the first page holds the only kernel while its notebook runs
        with pytest.raises(urllib.error.HTTPError) as busy:
            urllib.request.urlopen(base + "voila/render/tiny.ipynb", timeout=30)
        body = busy.value.read().decode()
        assert busy.value.code == 503 and "All app sessions are in use" in body and "所有应用会话都在使用中" in body
        t.join(60)
        assert first["status"] == 200 and any(c.startswith("_xsrf=") for c in first["cookie"])
        assert "cdn." not in first["html"]  # no CDN asset in the app page (Font Awesome, mermaid)
    finally:
        stop_process(proc)
