"""Serve the apps with Voila on 127.0.0.1 (``workbench serve [APP]``, ``make app``).

Without an app, Voila serves the ``notebooks/`` folder: its start page lists every notebook, the apps among
them (:data:`APPS`), and each opens as a page without code. With an app name, Voila serves that notebook
alone.

Examples
--------
>>> cmd = voila_command(port=9000, notebooks_dir="/tmp/nb")
>>> cmd[1:3], "--port=9000" in cmd, "--Voila.ip=127.0.0.1" in cmd, cmd[-1]
(['-m', 'voila'], True, True, '/tmp/nb')
>>> voila_command("weight_tuner", notebooks_dir="/tmp/nb")[-1]
'/tmp/nb/05_weight_tuner.ipynb'
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["APPS", "CULL_IDLE_SECONDS", "NOTEBOOKS_DIR", "app_url", "run_forwarding", "voila_command"]

#: Kernels idle this long (no execution, no connected page) are shut down; checked every minute.
CULL_IDLE_SECONDS = 600

NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"

APPS: dict[str, str] = {
    "live_feedback": "03_live_feedback.ipynb",
    "weight_tuner": "05_weight_tuner.ipynb",
    "audit_viewer": "07_bias_audit.ipynb",
}
"""App name -> its notebook in ``notebooks/``."""

LAB_EXTENSIONS_DENIED = ("jupyterlab-jupytext", "@voila-dashboards/jupyterlab-preview", "jupyterlab-plotly")
"""JupyterLab extensions Voila must not load: they are for the JupyterLab editor, target a newer JupyterLab
core than Voila's page and would only log errors there; without jupyterlab-plotly, figures render from
their HTML output (plotly.js inlined by the notebook renderer)."""


def voila_command(app: str | None = None, *, port: int = 8866, notebooks_dir: str | Path = NOTEBOOKS_DIR,
                  show_tracebacks: bool = False, cull_idle: int = CULL_IDLE_SECONDS) -> list[str]:
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
    deny = [f"--VoilaConfiguration.extension_denylist={name}" for name in LAB_EXTENSIONS_DENIED]
    cull = ([f"--MappingKernelManager.cull_idle_timeout={int(cull_idle)}", "--MappingKernelManager.cull_interval=60",
             "--MappingKernelManager.cull_connected=False"] if cull_idle else [])
    return [sys.executable, "-m", "voila", "--no-browser", "--Voila.ip=127.0.0.1", f"--port={int(port)}",
            f"--VoilaConfiguration.show_tracebacks={show_tracebacks}", *deny, *cull, str(target)]


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
