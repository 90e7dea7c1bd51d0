"""Serve the apps with Voila on 127.0.0.1 (``workbench serve [APP]``, ``make app``).

Without an app, Voila serves the ``notebooks/`` folder: its start page (:func:`landing_page`, content in
``landing.yaml``) names each app and notebook, who it is for and what it shows, in English and Chinese; each
opens as a page without code. With an app name, Voila serves that notebook alone.

Voila runs through :mod:`workbench.apps.voila_main`, which adds what plain Voila lacks: the page's ``_xsrf``
cookie (so closing a page shuts its kernel down), at most :data:`MAX_KERNELS` kernels at once (a "busy, try
again" page beyond), and the ``workbench`` page template (no CDN asset, the start page).

Examples
--------
>>> cmd = voila_command(port=9000, notebooks_dir="/tmp/nb")
>>> cmd[1:3], "--port=9000" in cmd, "--Voila.ip=127.0.0.1" in cmd, "--max-kernels=8" in cmd, cmd[-1]
(['-m', 'workbench.apps.voila_main'], True, True, True, '/tmp/nb')
>>> voila_command("weight_tuner", notebooks_dir="/tmp/nb")[-1]
'/tmp/nb/05_weight_tuner.ipynb'
>>> [a.split("=")[1] for a in cmd if a.startswith("--VoilaConfiguration.extension_allowlist=")]
['@jupyter-widgets/jupyterlab-manager', '@voila-dashboards/widgets-manager8']
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["APPS", "CULL_IDLE_SECONDS", "MAX_KERNELS", "NOTEBOOKS_DIR", "PREHEAT", "TEMPLATE", "app_url", "busy_page",
           "landing_page", "run_forwarding", "voila_command"]

#: Kernels idle this long (no execution, no connected page) are shut down; checked every minute.
CULL_IDLE_SECONDS = 600
#: At most this many kernels (open app pages) at once; the next visitor gets the "busy, try again" page.
MAX_KERNELS = 8
#: Pre-heated kernels kept per app by default (see :func:`voila_command`): none. Measured with
#: ``benchmarks/bench_apps.py`` on 2 cores: a pool of 1 per app brings the first paint of a lone visitor from
#: 2.9 s to 1.1 s, but under 8 users opening apps back to back its refills compete with the pages for the cores
#: (first paint median 20-28 s without, 25-37 s with). ``serve --preheat 1`` suits a server where a few visitors
#: come at a time.
PREHEAT = 0
#: The Voila template of the apps (``share/voila/templates/workbench``: lab without CDN links, the start page).
TEMPLATE = "workbench"
SHARE_DIR = Path(__file__).resolve().parent / "share"
"""A Jupyter data directory (prepended to ``JUPYTER_PATH`` by the launcher) holding the template."""
LANDING = Path(__file__).resolve().parent / "landing.yaml"

NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"

APPS: dict[str, str] = {
    "live_feedback": "03_live_feedback.ipynb",
    "weight_tuner": "05_weight_tuner.ipynb",
    "audit_viewer": "07_bias_audit.ipynb",
    "review_queue": "09_review_queue.ipynb",
}
"""App name -> its notebook in ``notebooks/``."""

LAB_EXTENSIONS_ALLOWED = ("@jupyter-widgets/jupyterlab-manager", "@voila-dashboards/widgets-manager8")
"""The only JupyterLab extensions an app page loads: ipywidgets' model registry and Voila's widget manager, which
need each other (without the first, no widget renders: "No version of module @jupyter-widgets/base is
registered"). Everything else in the environment is for the JupyterLab editor (jupytext, the Voila preview,
pygments' code theme, jupyterlab-plotly) and is not loaded; figures render from their HTML output (plotly.js
inlined by the notebook renderer). An allowlist rather than a denylist, so an editor extension installed later
cannot reach the apps' pages."""


LOCKED = ("--VoilaConfiguration.allow_template_override=NO", "--VoilaConfiguration.allow_theme_override=NO")
"""A visitor cannot pick another template or theme with ``?template=`` / ``?theme=`` (Voila's default allows it,
and Voila 0.5.8 does not check the name for path parts): every page is the ``workbench`` template."""


def voila_command(app: str | None = None, *, port: int = 8866, notebooks_dir: str | Path = NOTEBOOKS_DIR,
                  show_tracebacks: bool = False, cull_idle: int = CULL_IDLE_SECONDS,
                  max_kernels: int = MAX_KERNELS, cull_interval: int = 60, preheat: int = PREHEAT) -> list[str]:
    """The command line that starts Voila on 127.0.0.1 (no browser opened).

    Parameters
    ----------
    app : str, optional
        One of :data:`APPS` (or a notebook file name in ``notebooks_dir``); default: the whole folder, whose
        start page lists the apps.
    port : int, default 8866
    notebooks_dir : str or Path
        The folder of the notebooks (default: ``notebooks/`` of the checkout).
    show_tracebacks : bool
        Send Python tracebacks to the page (for debugging; off for stakeholders).
    cull_idle : int, default 600
        Seconds after which an idle kernel (nothing running, no page connected) is shut down, so pages left
        without a clean close cannot pile up kernels; 0 turns culling off.
    cull_interval : int, default 60
        Seconds between the culler's checks.
    max_kernels : int, default 8
        At most this many kernels serving pages at once; a visitor beyond gets a "busy, try again" page (HTTP
        503); 0: no limit.
    preheat : int, default :data:`PREHEAT`
        Kernels kept pre-heated per app (Voila's ``preheat_kernel``): each runs its app's notebook up to
        :func:`workbench.apps.wait_for_visitor` (the libraries and pipelines loaded) before any visitor comes, and
        reads the data when one does, so the visitor waits only for the app to be built; used kernels are
        replaced one second later. They are kept beside the ``max_kernels`` of the pages (up to
        ``preheat`` x the 4 apps more kernels, about 300 MB each). 0: none.

    Returns
    -------
    list of str
        For :func:`subprocess.run` / :class:`subprocess.Popen`; uses this interpreter, so the kernel is the
        environment's.

    Raises
    ------
    ValueError
        An unknown app.
    """
    folder = Path(notebooks_dir)
    target = folder
    if app is not None:
        name = APPS.get(app, app)
        if not name.endswith(".ipynb"):
            raise ValueError(f"unknown app {app!r}; choose one of {', '.join(APPS)}")
        target = folder / name
    allow = [f"--VoilaConfiguration.extension_allowlist={name}" for name in LAB_EXTENSIONS_ALLOWED]
    cull = ([f"--MappingKernelManager.cull_idle_timeout={int(cull_idle)}",
             f"--MappingKernelManager.cull_interval={int(cull_interval)}",
             "--MappingKernelManager.cull_connected=False"] if cull_idle else [])
    return [sys.executable, "-m", "workbench.apps.voila_main", f"--max-kernels={int(max_kernels)}",
            f"--preheat={int(preheat)}", "--no-browser",
            "--Voila.ip=127.0.0.1", f"--port={int(port)}", f"--VoilaConfiguration.template={TEMPLATE}",
            f"--VoilaConfiguration.show_tracebacks={show_tracebacks}", *LOCKED, *allow, *cull, str(target)]


def run_forwarding(command: list[str]) -> int:
    """Run ``command`` and forward SIGTERM/SIGINT to it, so stopping ``workbench serve`` stops Voila too (no
    child left bound to the port); returns the child's exit code.

    Examples
    --------
    >>> run_forwarding([sys.executable, "-c", "raise SystemExit(3)"])
    3
    """
    import signal
    import subprocess

    child = subprocess.Popen(command)
    previous = {}

    def forward(signum, frame):  # noqa: ARG001
        if child.poll() is None:
            child.send_signal(signum)

    for sig in (signal.SIGTERM, signal.SIGINT):
        previous[sig] = signal.signal(sig, forward)
    try:
        return child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if child.poll() is None:
            child.terminate()
            child.wait(timeout=10)


def app_url(app: str | None = None, *, port: int = 8866) -> str:
    """Where an app opens once :func:`voila_command` runs (folder mode: under ``/voila/render/``).

    >>> app_url(port=9000), app_url("weight_tuner", port=9000)
    ('http://127.0.0.1:9000/', 'http://127.0.0.1:9000/voila/render/05_weight_tuner.ipynb')
    """
    base = f"http://127.0.0.1:{int(port)}/"
    return base if app is None else f"{base}voila/render/{APPS.get(app, app)}"


@lru_cache(maxsize=1)
def _landing_data() -> dict[str, Any]:
    import yaml

    return yaml.safe_load(LANDING.read_text(encoding="utf-8"))


def landing_page(notebooks: Iterable[Any], data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The start page's content: the apps, then the analysis notebooks, then any other notebook (by file name).

    Parameters
    ----------
    notebooks : iterable of str or of Jupyter contents models (dicts with ``name`` and ``type``)
        What the served folder holds; only notebooks are kept, and only those are listed.
    data : mapping, optional
        The content (default: ``landing.yaml``).

    Returns
    -------
    dict
        ``title``, ``intro``, ``labels`` (each ``{en, zh}``) and ``sections``: ``[{key, title, entries}]``, an
        entry ``{notebook, name, for, shows}``; entries whose notebook is not in the folder are left out.

    Examples
    --------
    >>> page = landing_page(["07_bias_audit.ipynb", "01_job_profile.ipynb", "99_scratch.ipynb", "notes.txt"])
    >>> [(s["key"], [e["notebook"] for e in s["entries"]]) for s in page["sections"]]
    [('apps', ['07_bias_audit.ipynb']), ('notebooks', ['01_job_profile.ipynb']), ('other', ['99_scratch.ipynb'])]
    >>> page["sections"][0]["entries"][0]["name"]["zh"]
    '偏差审计查看器'
    """
    data = data or _landing_data()
    names = [n if isinstance(n, str) else n.get("name", "") for n in notebooks
             if isinstance(n, str) or n.get("type") in ("notebook", None)]
    present = [n for n in names if n.endswith(".ipynb")]
    sections, described = [], set()
    for key in ("apps", "notebooks"):
        entries = [dict(e) for e in data.get(key, []) if e["notebook"] in present]
        described |= {e["notebook"] for e in entries}
        sections.append({"key": key, "title": data["sections"][key], "entries": entries})
    other = [{"notebook": n, "name": {"en": n, "zh": ""}, "for": {}, "shows": {}}
             for n in sorted(present) if n not in described]
    sections.append({"key": "other", "title": data["sections"]["other"], "entries": other})
    labels = {k: data["sections"][k] for k in ("for", "shows")}
    return {"title": data["title"], "intro": data["intro"], "labels": labels,
            "sections": [s for s in sections if s["entries"]]}


def busy_page(limit: int, data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The "busy, try again" page's texts (``title``, ``text``, ``retry``, ``home``; each ``{en, zh}``).

    >>> busy_page(8)["text"]["en"][:40]
    'The server runs at most 8 app sessions a'
    """
    sec = (data or _landing_data())["sections"]
    text = {lang: sec["busy_text"][lang].format(limit=int(limit)) for lang in ("en", "zh")}
    return {"title": sec["busy_title"], "text": text, "retry": sec["busy_retry"], "home": sec["home"]}
