"""Voila as ``workbench serve`` runs it: ``python -m workbench.apps.voila_main [--max-kernels=N] VOILA-ARGS``.

Plain Voila 0.5 leaks kernels and sessions; this launcher adds, without patching Voila:

- the ``_xsrf`` cookie on every app page (:func:`set_xsrf_cookie`, Voila's ``prelaunch_hook``): the page's
  ``beforeunload`` beacon to ``/voila/api/shutdown/<kernel>`` reads it from ``document.cookie``; without it
  the shutdown was refused (``403 '_xsrf' argument missing``) and the kernel lived on;
- the shutdown of kernels whose page went away without a shutdown request (:class:`KernelReaper`): the
  beacon is best effort (a crashed tab, a dropped network, a browser that drops the request on close), so a
  kernel whose websockets all closed and stayed closed :data:`DISCONNECT_GRACE` seconds, or whose page never
  connected within :data:`NEVER_CONNECTED_IDLE` seconds of its notebook finishing, is shut down at once;
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

__all__ = ["DISCONNECT_GRACE", "NEVER_CONNECTED_IDLE", "KernelReaper", "limit_kernels", "main", "set_xsrf_cookie",
           "split_args"]

#: Seconds a kernel may stay without any websocket after its page had one (the page's own reconnect after a
#: network blip comes within 0-1 s), before it is shut down.
DISCONNECT_GRACE = 3.0
#: Seconds a kernel whose page never connected (closed while the notebook ran) may stay idle.
NEVER_CONNECTED_IDLE = 60.0


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


class KernelReaper:
    """Which kernels lost their page: call :meth:`due` every second with the kernel models.

    A model is what ``kernel_manager.kernel_model(id)`` returns (``id``, ``connections``, ``execution_state``;
    ``last_activity`` is not needed: idleness is timed here, from ``now``). A kernel is due when it had a
    websocket and has had none for ``grace`` seconds, or when it never had one and has been idle for
    ``never_connected`` seconds (its page was closed while the notebook ran, so no page will ever come).

    Examples
    --------
    >>> r = KernelReaper(grace=3, never_connected=60)
    >>> m = lambda c, s="idle": [{"id": "k", "connections": c, "execution_state": s}]
    >>> r.due(m(0, "busy"), now=0), r.due(m(1), now=5), r.due(m(0), now=6), r.due(m(0), now=8.9), r.due(m(0), now=9)
    ([], [], [], [], ['k'])
    >>> r = KernelReaper(grace=3, never_connected=60)
    >>> r.due(m(0), now=0), r.due(m(1), now=1), r.due(m(0), now=2), r.due(m(1), now=3), r.due(m(0), now=5.5)
    ([], [], [], [], [])
    >>> r = KernelReaper(grace=3, never_connected=60)
    >>> r.due(m(0, "busy"), now=0), r.due(m(0), now=30), r.due(m(0), now=89), r.due(m(0), now=90)
    ([], [], [], ['k'])
    """

    def __init__(self, grace: float = DISCONNECT_GRACE, never_connected: float = NEVER_CONNECTED_IDLE) -> None:
        self.grace, self.never_connected = float(grace), float(never_connected)
        self._seen: set[str] = set()  # kernels that had a page connected
        self._since: dict[str, float] = {}  # kernel -> first tick it was seen without a page (and idle, if never)

    def connected(self, kernel_id: str) -> None:
        """Note a websocket connection (called from the kernel manager's ``notify_connect``), so a page that
        connects and goes between two ticks still counts as having been there."""
        self._seen.add(kernel_id)
        self._since.pop(kernel_id, None)

    def due(self, models: list[dict], now: float) -> list[str]:
        """The ids to shut down now (each reported once); forgets kernels no longer listed."""
        out, live = [], set()
        for m in models:
            kid, conns = m["id"], int(m.get("connections") or 0)
            live.add(kid)
            if conns > 0:
                self._seen.add(kid)
                self._since.pop(kid, None)
                continue
            if kid not in self._seen and m.get("execution_state") != "idle":
                self._since.pop(kid, None)  # still starting or running its notebook
                continue
            since = self._since.setdefault(kid, now)
            limit = self.grace if kid in self._seen else self.never_connected
            if now - since >= limit:
                out.append(kid)
                self._since[kid] = float("inf")  # once
        for kid in (set(self._since) | self._seen) - live:
            self._since.pop(kid, None)
            self._seen.discard(kid)
        return out


def reap_abandoned(kernel_manager: Any, reaper: KernelReaper, log: Any = None) -> Any:
    """Start a 1-second tornado ``PeriodicCallback`` that shuts down (``now=True``) the kernels ``reaper``
    finds abandoned; returns the callback (``.stop()`` ends it). ``kernel_manager.notify_connect`` (jupyter
    server's count of websockets) is wrapped to tell the reaper of every connection."""
    import time

    from tornado.ioloop import PeriodicCallback

    notify = kernel_manager.notify_connect

    def notify_connect(kernel_id: str) -> Any:
        reaper.connected(kernel_id)
        return notify(kernel_id)

    kernel_manager.notify_connect = notify_connect

    async def tick() -> None:
        models = []
        for kid in list(kernel_manager.list_kernel_ids()):
            try:
                models.append(kernel_manager.kernel_model(kid))
            except Exception:  # noqa: BLE001 - shut down in between: nothing to do
                continue
        for kid in reaper.due(models, time.monotonic()):
            if log is not None:
                log.info("Kernel %s lost its page (no websocket); shutting it down", kid)
            try:
                await kernel_manager.shutdown_kernel(kid, now=True)
            except Exception as exc:  # noqa: BLE001 - already gone
                if log is not None:
                    log.warning("Kernel %s: shutdown failed: %s", kid, exc)

    callback = PeriodicCallback(tick, 1000)
    callback.start()
    return callback


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

        def start(self) -> None:
            # the ioloop exists once start() runs; the callback is driven by it
            from tornado.ioloop import IOLoop

            IOLoop.current().add_callback(lambda: setattr(self, "_reaper", reap_abandoned(
                self.kernel_manager, KernelReaper(), self.log)))
            super().start()

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
