"""``workbench serve``'s additions to Voila: the kernel limit with its busy page, the start page's content."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.voila_support import ROOT, serving
from workbench.apps.serve import APPS, busy_page, landing_page, voila_command


def _notebook(folder: Path, name: str, source: str) -> Path:
    """Write a one-cell python3 notebook ``folder/name`` running ``source``; returns its path."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    path = folder / name
    path.write_text(json.dumps({"cells": [cell], "metadata": meta, "nbformat": 4, "nbformat_minor": 5}),
                    encoding="utf-8")
    return path


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
    nb = _notebook(tmp_path / "nb", "tiny.ipynb", "import time; time.sleep(4); print(1)").parent
    with serving(tmp_path / "voila.log", notebooks_dir=nb, max_kernels=1) as base:
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


@pytest.mark.slow
def test_a_visitor_cannot_switch_the_template_or_theme(tmp_path):
    """``?template=lab`` would give Voila's own lab template, which links Font Awesome from a CDN; the apps are
    served with template and theme overrides off (serve.LOCKED), so the page stays the ``workbench`` one."""
    pytest.importorskip("voila", reason="voila is not installed")
    nb = _notebook(tmp_path / "nb", "tiny.ipynb", "print(1)").parent
    with serving(tmp_path / "voila.log", notebooks_dir=nb, max_kernels=2) as base:
        with urllib.request.urlopen(base + "voila/render/tiny.ipynb?template=lab&theme=dark", timeout=60) as r:
            html = r.read().decode()
        assert r.status == 200 and "fontawesome" not in html and "cdn." not in html
        assert "theme-dark" not in html and 'data-jp-theme-name="JupyterLab Dark"' not in html


#: Prints ``stamp.txt`` of its folder, after :func:`workbench.apps.wait_for_visitor` (``{wait}``) or not.
STAMP_SOURCE = ("from pathlib import Path\nfrom workbench.apps import wait_for_visitor\n{wait}"
                "print('stamp:', Path('stamp.txt').read_text())")


@pytest.mark.slow
@pytest.mark.parametrize("wait, shown", [(True, "after"), (False, "before")])
def test_a_pre_heated_page_reads_the_data_at_the_visit_when_its_notebook_waits_for_the_visitor(tmp_path, wait, shown):
    """The pool's kernel runs its notebook at server start; the data changes; then a visitor comes. A notebook
    that calls ``wait_for_visitor()`` (as the apps' do) shows the data as it is now; one that does not shows the
    data of the server's start (the control case, which is why the apps call it)."""
    pytest.importorskip("voila", reason="voila is not installed")
    name = APPS["live_feedback"]  # a name the pool pre-heats
    nb = _notebook(tmp_path / "nb", name, STAMP_SOURCE.format(wait="wait_for_visitor()\n" if wait else "")).parent
    (nb / "stamp.txt").write_text("before", encoding="utf-8")
    log = tmp_path / "voila.log"
    with serving(log, notebooks_dir=nb, preheat=1) as base:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and f"Kernel pool of {name} is filled" not in log.read_text():
            time.sleep(0.3)
        time.sleep(8.0)  # "filled" is logged once the kernel runs its notebook: let it reach the wait (or the end)
        (nb / "stamp.txt").write_text("after", encoding="utf-8")
        with urllib.request.urlopen(base + "voila/render/" + name, timeout=60) as r:
            html = r.read().decode()
        assert "Using pre-heated kernel" in log.read_text()
        assert f"stamp: {shown}" in html


class _Pool:
    """A finished pre-heat task of Voila's pool (what ``VoilaKernelManager._pools`` holds)."""

    def __init__(self, kernel_id: str) -> None:
        self.kernel_id = kernel_id

    def done(self) -> bool:
        return True

    def cancelled(self) -> bool:
        return False

    def exception(self) -> None:
        return None

    def result(self) -> dict:
        return {"kernel_id": self.kernel_id}


class _FakeKernels:
    """A kernel manager with pre-heated kernels ``p0..`` in one pool; pages start ``k0..`` or take from the pool."""

    def __init__(self, pooled: int) -> None:
        self.ids = [f"p{i}" for i in range(pooled)]
        self._pools = {"app.ipynb": [_Pool(k) for k in self.ids]}
        self.models: dict[str, dict] = {}
        self.shut: list[str] = []

    def list_kernel_ids(self) -> list[str]:
        return list(self.ids)

    async def start_kernel(self, **kwargs) -> str:
        self.ids.append(f"k{len(self.ids)}")
        return self.ids[-1]

    async def get_rendered_notebook(self, notebook_name: str, **kwargs) -> tuple:
        kid = self._pools[notebook_name].pop(0).kernel_id
        self.ids.append(f"p{len(self.ids)}")  # the refill
        self._pools[notebook_name].append(_Pool(self.ids[-1]))
        return None, [], kid

    def kernel_model(self, kid: str) -> dict:
        return self.models.get(kid, {"id": kid, "connections": 0, "execution_state": "idle"})

    async def shutdown_kernel(self, kid: str, now: bool = False) -> None:
        self.shut.append(kid)
        self.ids.remove(kid)


def test_the_kernel_limit_counts_the_pages_kernels_not_the_pre_heated_pool():
    import asyncio

    from tornado.web import HTTPError

    from workbench.apps.voila_main import limit_kernels

    km = _FakeKernels(pooled=3)
    limit_kernels(km, 2)

    async def scenario() -> list:
        got = [await km.start_kernel(), (await km.get_rendered_notebook("app.ipynb"))[2]]
        with pytest.raises(HTTPError) as busy:  # two pages: full, from a new kernel or from the pool alike
            await km.get_rendered_notebook("app.ipynb")
        assert busy.value.status_code == 503
        with pytest.raises(HTTPError):
            await km.start_kernel()
        km.ids.remove(got[0])  # a page closed: its place is free again
        got.append((await km.get_rendered_notebook("app.ipynb"))[2])
        return got

    assert asyncio.run(scenario()) == ["k3", "p0", "p1"]
    assert len(km.list_kernel_ids()) == 5  # 2 pages + 3 waiting in the pool: the pool took nobody's place


def test_the_reaper_leaves_pre_heated_kernels_alone_and_frees_a_lost_page():
    import asyncio

    from workbench.apps.voila_main import NEVER_CONNECTED_IDLE, KernelReaper, pooled_kernel_ids, reap_once

    km = _FakeKernels(pooled=2)
    km.ids += ["lost", "open"]
    km.models["open"] = {"id": "open", "connections": 1, "execution_state": "idle"}
    reaper = KernelReaper(grace=3, never_connected=NEVER_CONNECTED_IDLE)
    reaper.connected("lost")  # its page had a websocket, then went without a shutdown request
    due = [asyncio.run(reap_once(km, reaper, now)) for now in (0.0, 3.0, NEVER_CONNECTED_IDLE + 10)]
    assert due == [[], ["lost"], []]
    assert pooled_kernel_ids(km) == {"p0", "p1"} and set(km.list_kernel_ids()) == {"p0", "p1", "open"}


@pytest.mark.parametrize("preheat, expected", [(0, "--preheat=0"), (2, "--preheat=2")])
def test_serve_passes_the_pre_heat_to_the_launcher(preheat, expected):
    from workbench.apps.voila_main import preheat_config, split_args

    cmd = voila_command(port=9000, preheat=preheat)
    assert expected in cmd
    limit, heat, rest = split_args(cmd[3:])
    assert (limit, heat) == (8, preheat) and not any(a.startswith("--preheat") for a in rest)
    pools = preheat_config(heat)
    assert pools["default"] == {"pool_size": 0}  # the analysis notebooks get no standby kernel
    assert {name: pools[name]["pool_size"] for name in APPS.values()} == dict.fromkeys(APPS.values(), preheat)


def test_every_voila_page_handler_sets_the_xsrf_cookie():
    pytest.importorskip("voila", reason="voila is not installed")
    from voila.handler import VoilaHandler
    from voila.tornado.handler import TornadoVoilaHandler
    from voila.tornado.treehandler import TornadoVoilaTreeHandler

    from workbench.apps.voila_main import XsrfCookie, with_xsrf_cookie

    table = with_xsrf_cookie([("/", TornadoVoilaTreeHandler, {}), ("/voila/render/(.*)", TornadoVoilaHandler, {"a": 1})])
    assert table[0][1] is TornadoVoilaTreeHandler  # the start page: no kernel, nothing to shut down
    page = table[1]
    assert page[0] == "/voila/render/(.*)" and page[2] == {"a": 1}
    assert issubclass(page[1], TornadoVoilaHandler) and issubclass(page[1], VoilaHandler)
    assert page[1].prepare is XsrfCookie.prepare
    assert with_xsrf_cookie(table)[1][1] is page[1]  # applied once
