"""Voila as ``workbench serve`` runs it: ``python -m workbench.apps.voila_main [--max-kernels=N] VOILA-ARGS``.

Plain Voila 0.5 leaks kernels and sessions; this launcher adds, without patching Voila:

- the ``_xsrf`` cookie on every app page (:func:`set_xsrf_cookie`, Voila's ``prelaunch_hook``): the page's
  ``beforeunload`` beacon to ``/voila/api/shutdown/<kernel>`` reads it from ``document.cookie``; without it
  the shutdown was refused (``403 '_xsrf' argument missing``) and the kernel lived on;
- at most ``N`` kernels at once (:func:`limit_kernels`): one visitor more gets HTTP 503 and the "busy, try
  again" page of the ``workbench`` template;
- the ``workbench`` template (``share/``, found through ``JUPYTER_PATH``) and its start page, whose content
  comes from :func:`workbench.apps.serve.landing_page`.

Examples
--------
>>> split_args(["--max-kernels=3", "--port=1", "nb"])
(3, ['--port=1', 'nb'])
>>> split_args(["nb"])[0]
8
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

from workbench.apps.serve import MAX_KERNELS, SHARE_DIR, busy_page, landing_page

__all__ = ["limit_kernels", "main", "set_xsrf_cookie", "split_args"]


def split_args(argv: list[str]) -> tuple[int, list[str]]:
    """``(max_kernels, the arguments left for Voila)``; ``--max-kernels=N`` may stand anywhere."""
    limit, rest = MAX_KERNELS, []
    for arg in argv:
        if arg.startswith("--max-kernels="):
            limit = int(arg.split("=", 1)[1])
        else:
            rest.append(arg)
    return limit, rest


def set_xsrf_cookie(handler: Any, notebook: Any = None, cwd: Any = None) -> None:  # noqa: ARG001
    """Voila ``prelaunch_hook``: reading ``handler.xsrf_token`` makes tornado set the ``_xsrf`` cookie (when the
    browser has none) before the page streams; returns None (the notebook is used as is)."""
    _ = handler.xsrf_token


def limit_kernels(kernel_manager: Any, limit: int) -> None:
    """Wrap ``kernel_manager.start_kernel`` so that at most ``limit`` kernels run (0: no limit).

    Starts are serialised by a lock, so two visitors at once cannot both take the last place; over the limit
    it raises ``tornado.web.HTTPError(503)``, which the handler renders with the template's ``503.html``.

    Examples
    --------
    >>> class KM:
    ...     def __init__(self): self.ids = []
    ...     def list_kernel_ids(self): return list(self.ids)
    ...     async def start_kernel(self, **kw): self.ids.append(str(len(self.ids))); return self.ids[-1]
    >>> km = KM(); limit_kernels(km, 2)
    >>> [asyncio.run(km.start_kernel()) for _ in range(2)]
    ['0', '1']
    >>> asyncio.run(km.start_kernel())
    Traceback (most recent call last):
    tornado.web.HTTPError: HTTP 503: Service Unavailable (2 of 2 kernels running)
    """
    from tornado.web import HTTPError

    if limit <= 0:
        return
    start = kernel_manager.start_kernel
    lock: dict[str, asyncio.Lock] = {}

    async def start_kernel(*args: Any, **kwargs: Any) -> Any:
        guard = lock.setdefault("lock", asyncio.Lock())
        async with guard:
            running = len(kernel_manager.list_kernel_ids())
            if running >= limit:
                raise HTTPError(503, "%d of %d kernels running", running, limit)
            result = start(*args, **kwargs)
            return await result if asyncio.iscoroutine(result) or asyncio.isfuture(result) else result

    kernel_manager.start_kernel = start_kernel


def _app_class(limit: int) -> type:
    from voila.app import Voila

    class WorkbenchVoila(Voila):
        """Voila with the workbench start page, busy page and kernel limit."""

        def init_settings(self) -> dict:
            settings = super().init_settings()
            limit_kernels(self.kernel_manager, limit)
            for env in (settings["voila_jinja2_env"], settings["jinja2_env"]):
                env.globals.update(workbench_landing=landing_page, workbench_busy=lambda: busy_page(limit))
            return settings

    return WorkbenchVoila


def main(argv: list[str] | None = None) -> None:
    """Start Voila with the workbench additions (blocks until stopped)."""
    from traitlets.config import Config

    limit, rest = split_args(list(sys.argv[1:] if argv is None else argv))
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(SHARE_DIR), os.environ.get("JUPYTER_PATH")) if p)
    config = Config()
    config.VoilaConfiguration.prelaunch_hook = set_xsrf_cookie
    _app_class(limit).launch_instance(argv=rest, config=config)


if __name__ == "__main__":
    main()
