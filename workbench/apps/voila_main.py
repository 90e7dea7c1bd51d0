"""Voila as ``workbench serve`` runs it: ``python -m workbench.apps.voila_main [--max-kernels=N] [--preheat=K]
VOILA-ARGS``.

Plain Voila 0.5 leaks kernels and sessions; this launcher adds, without patching Voila:

- the ``_xsrf`` cookie on every app page (:class:`XsrfCookie`, mixed into Voila's page handler): the page's
  ``beforeunload`` beacon to ``/voila/api/shutdown/<kernel>`` reads it from ``document.cookie``; without it
  the shutdown was refused (``403 '_xsrf' argument missing``) and the kernel lived on. (A handler rather than
  Voila's ``prelaunch_hook``, which Voila refuses beside pre-heated kernels.);
- the shutdown of kernels whose page went away without a shutdown request (:class:`KernelReaper`): the
  beacon is best effort (a crashed tab, a dropped network, a browser that drops the request on close), so a
  kernel whose websockets all closed and stayed closed :data:`DISCONNECT_GRACE` seconds, or whose page never
  connected within :data:`NEVER_CONNECTED_IDLE` seconds of its notebook finishing, is shut down at once;
  kernels waiting in the pre-heated pool are never reaped;
- at most ``N`` page kernels at once (:func:`limit_kernels`): one visitor more gets HTTP 503 and the "busy, try
  again" page of the ``workbench`` template;
- optionally ``K`` pre-heated kernels per app (:func:`preheat_config`): Voila runs each app's notebook ahead of
  its visitor, up to :func:`workbench.apps.wait_for_visitor` (libraries loaded, data not yet read), so a visitor
  who finds one waits only for the app to be built;
- the ``workbench`` template (``share/``, found through ``JUPYTER_PATH``) and its start page, whose content
  comes from :func:`workbench.apps.serve.landing_page`.

Examples
--------
>>> split_args(["--max-kernels=3", "--port=1", "--preheat=1", "nb"])
(3, 1, ['--port=1', 'nb'])
>>> split_args(["nb"])[:2]
(8, 0)
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

from workbench.apps.serve import MAX_KERNELS, PREHEAT, SHARE_DIR, busy_page, landing_page

__all__ = ["DISCONNECT_GRACE", "NEVER_CONNECTED_IDLE", "KernelReaper", "XsrfCookie", "limit_kernels", "main",
           "pooled_kernel_ids", "preheat_config", "reap_once", "split_args", "with_xsrf_cookie"]

#: Seconds a kernel may stay without any websocket after its page had one (the page's own reconnect after a
#: network blip comes within 0-1 s), before it is shut down.
DISCONNECT_GRACE = 3.0
#: Seconds a kernel whose page never connected (closed while the notebook ran) may stay idle.
NEVER_CONNECTED_IDLE = 60.0


def split_args(argv: list[str]) -> tuple[int, int, list[str]]:
    """``(max_kernels, preheat, the arguments left for Voila)``; ``--max-kernels=N`` and ``--preheat=K`` may stand
    anywhere."""
    limit, preheat, rest = MAX_KERNELS, PREHEAT, []
    for arg in argv:
        if arg.startswith("--max-kernels="):
            limit = int(arg.split("=", 1)[1])
        elif arg.startswith("--preheat="):
            preheat = int(arg.split("=", 1)[1])
        else:
            rest.append(arg)
    return limit, preheat, rest


class XsrfCookie:
    """Mixin for Voila's page handler: after the usual ``prepare``, reading ``self.xsrf_token`` makes tornado set
    the ``_xsrf`` cookie (when the browser has none) before the page streams, whether the page comes from a new
    kernel or from a pre-heated one."""

    async def prepare(self, *args: Any, **kwargs: Any) -> None:
        await super().prepare(*args, **kwargs)  # type: ignore[misc]
        _ = self.xsrf_token  # type: ignore[attr-defined]


def with_xsrf_cookie(handlers: list) -> list:
    """Voila's handler table with each page handler (a ``VoilaHandler``) replaced by its :class:`XsrfCookie`
    subclass; the other entries are kept as they are.

    Examples
    --------
    >>> from voila.tornado.handler import TornadoVoilaHandler
    >>> table = with_xsrf_cookie([("/a", TornadoVoilaHandler, {}), ("/b", object)])
    >>> issubclass(table[0][1], XsrfCookie), table[0][1].__name__, table[1][1] is object
    (True, 'XsrfTornadoVoilaHandler', True)
    """
    from voila.handler import VoilaHandler

    out = []
    for entry in handlers:
        cls = entry[1] if isinstance(entry, tuple) and len(entry) > 1 else None
        if isinstance(cls, type) and issubclass(cls, VoilaHandler) and not issubclass(cls, XsrfCookie):
            entry = (entry[0], type(f"Xsrf{cls.__name__}", (XsrfCookie, cls), {}), *entry[2:])
        out.append(entry)
    return out


def preheat_config(preheat: int, notebooks: Any = None) -> dict[str, dict[str, int]]:
    """Voila's ``VoilaKernelManager.kernel_pools_config``: ``preheat`` kernels for each app notebook, none for
    the analysis notebooks (they are for reading, and a kernel each would cost memory for nothing).

    >>> preheat_config(1, ["05_weight_tuner.ipynb"])
    {'default': {'pool_size': 0}, '05_weight_tuner.ipynb': {'pool_size': 1}}
    """
    from workbench.apps.serve import APPS

    names = list(APPS.values()) if notebooks is None else list(notebooks)
    return {"default": {"pool_size": 0}, **{name: {"pool_size": int(preheat)} for name in names}}


def pooled_kernel_ids(kernel_manager: Any) -> set[str]:
    """The kernels waiting, pre-heated, in Voila's pool (no page has them yet); empty without pre-heating.

    >>> pooled_kernel_ids(object())
    set()
    """
    ids = set()
    for pool in getattr(kernel_manager, "_pools", {}).values():
        for task in list(pool):
            if task.done() and not task.cancelled() and task.exception() is None:
                ids.add(task.result()["kernel_id"])
    return ids


def limit_kernels(kernel_manager: Any, limit: int) -> None:
    """Let at most ``limit`` kernels serve pages at once (0: no limit).

    Wraps ``kernel_manager.start_kernel`` (a page's new kernel) and, with pre-heating, ``get_rendered_notebook``
    (a page taking a pre-heated kernel): the kernels counted are those handed to a page and still running, so the
    kernels waiting in the pool do not take a visitor's place. Both are serialised by one lock, so two visitors
    at once cannot both take the last place; over the limit they raise ``tornado.web.HTTPError(503)``, which the
    handler renders with the template's ``503.html``.

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
    served: set[str] = set()
    lock: dict[str, asyncio.Lock] = {}

    def guarded(call: Any, kernel_of: Any) -> Any:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            async with lock.setdefault("lock", asyncio.Lock()):
                served.intersection_update(kernel_manager.list_kernel_ids())
                if len(served) >= limit:
                    raise HTTPError(503, "%d of %d kernels running", len(served), limit)
                result = call(*args, **kwargs)
                result = await result if asyncio.iscoroutine(result) or asyncio.isfuture(result) else result
                served.add(kernel_of(result))
                return result
        return wrapper

    kernel_manager.start_kernel = guarded(kernel_manager.start_kernel, lambda kid: kid)
    if hasattr(kernel_manager, "get_rendered_notebook"):  # pre-heating: (render task, cache, kernel id)
        kernel_manager.get_rendered_notebook = guarded(kernel_manager.get_rendered_notebook, lambda r: r[2])


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


async def reap_once(kernel_manager: Any, reaper: KernelReaper, now: float, log: Any = None) -> list[str]:
    """Shut down (``now=True``) the kernels ``reaper`` finds abandoned at ``now``; returns their ids. Kernels
    waiting in the pre-heated pool (:func:`pooled_kernel_ids`) are not looked at: no page has had them yet."""
    models, pooled = [], pooled_kernel_ids(kernel_manager)
    for kid in list(kernel_manager.list_kernel_ids()):
        if kid in pooled:  # pre-heated, waiting for its visitor
            continue
        try:
            models.append(kernel_manager.kernel_model(kid))
        except Exception:  # noqa: BLE001 - shut down in between: nothing to do
            continue
    due = reaper.due(models, now)
    for kid in due:
        if log is not None:
            log.info("Kernel %s lost its page (no websocket); shutting it down", kid)
        try:
            await kernel_manager.shutdown_kernel(kid, now=True)
        except Exception as exc:  # noqa: BLE001 - already gone
            if log is not None:
                log.warning("Kernel %s: shutdown failed: %s", kid, exc)
    return due


def reap_abandoned(kernel_manager: Any, reaper: KernelReaper, log: Any = None) -> Any:
    """Start a 1-second tornado ``PeriodicCallback`` that runs :func:`reap_once`; returns the callback
    (``.stop()`` ends it). ``kernel_manager.notify_connect`` (jupyter server's count of websockets) is wrapped to
    tell the reaper of every connection."""
    import time

    from tornado.ioloop import PeriodicCallback

    notify = kernel_manager.notify_connect

    def notify_connect(kernel_id: str) -> Any:
        reaper.connected(kernel_id)
        return notify(kernel_id)

    kernel_manager.notify_connect = notify_connect

    async def tick() -> None:
        await reap_once(kernel_manager, reaper, time.monotonic(), log)

    callback = PeriodicCallback(tick, 1000)
    callback.start()
    return callback


def _app_class(limit: int) -> type:
    from voila.app import Voila

    class WorkbenchVoila(Voila):
        """Voila with the workbench start page, busy page, kernel limit and the pages' ``_xsrf`` cookie."""

        def init_settings(self) -> dict:
            settings = super().init_settings()
            limit_kernels(self.kernel_manager, limit)
            for env in (settings["voila_jinja2_env"], settings["jinja2_env"]):
                env.globals.update(workbench_landing=landing_page, workbench_busy=lambda: busy_page(limit))
            return settings

        def init_handlers(self) -> list:
            return with_xsrf_cookie(super().init_handlers())

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

    limit, preheat, rest = split_args(list(sys.argv[1:] if argv is None else argv))
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(SHARE_DIR), os.environ.get("JUPYTER_PATH")) if p)
    config = Config()
    if preheat > 0:
        config.VoilaConfiguration.preheat_kernel = True
        config.VoilaKernelManager.kernel_pools_config = preheat_config(preheat)
    _app_class(limit).launch_instance(argv=rest, config=config)


if __name__ == "__main__":
    main()
