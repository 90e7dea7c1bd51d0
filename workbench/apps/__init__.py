"""ipywidgets apps that the Voila notebooks call (each builder returns a widget layout).

- :func:`build_weight_tuner` (``workbench.apps.weight_tuner``): sliders for weights and threshold; pass rate,
  corrected validity, impact ratios and the ranked candidates update as they move.
- :func:`build_live_feedback` (``workbench.apps.live_feedback``): type an answer, watch the STAR meter, the
  hints and the keywords update.
- :func:`build_audit_viewer` (``workbench.apps.audit_viewer``): browse the bias audit.
- :func:`build_review_queue` (``workbench.apps.review_queue``): the borderline candidates of a job; a reviewer
  records pass/fail with a note (append-only), and the override counts follow.

Builders are imported lazily so that importing one app does not pull in the others.

With pre-heated kernels (``workbench serve --preheat K``), Voila runs each app's notebook before any visitor
comes; the notebook calls :func:`wait_for_visitor` before its builder, so the libraries (and the language
pipelines of live feedback) are loaded ahead, while the data is read only when the visitor takes the kernel: a
profile saved or a review decision recorded meanwhile is on the page.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_BUILDERS = {
    "build_weight_tuner": "workbench.apps.weight_tuner",
    "build_live_feedback": "workbench.apps.live_feedback",
    "build_audit_viewer": "workbench.apps.audit_viewer",
    "build_review_queue": "workbench.apps.review_queue",
}

#: What each app's first paint needs that does not depend on the data: modules to import, and ``module:function``
#: to call, in a pre-heated kernel before the visitor comes (:func:`preload`).
PRELOAD: dict[str, tuple[str, ...]] = {
    "live_feedback": ("workbench.apps.live_feedback", "workbench.apps.live_feedback:warm_up"),
    "weight_tuner": ("workbench.apps.weight_tuner", "workbench.data.load", "workbench.fairness", "workbench.plots",
                     "plotly.graph_objects"),
    "audit_viewer": ("workbench.apps.audit_viewer", "workbench.data.load", "workbench.fairness", "workbench.plots",
                     "plotly.graph_objects", "scipy.stats"),
    "review_queue": ("workbench.apps.review_queue", "workbench.data.load", "workbench.scoring", "workbench.feedback"),
}

__all__ = [*_BUILDERS, "PRELOAD", "preload", "wait_for_visitor"]


def preload(app: str) -> list[str]:
    """Import the modules and run the warm-ups of ``PRELOAD[app]``; returns what was done, in order.

    Examples
    --------
    >>> preload("weight_tuner")[:2]
    ['workbench.apps.weight_tuner', 'workbench.data.load']
    """
    done = []
    for entry in PRELOAD[app]:
        module, _, function = entry.partition(":")
        loaded = import_module(module)
        if function:
            getattr(loaded, function)()
        done.append(entry)
    return done


def wait_for_visitor(app: str | None = None) -> bool:
    """In a kernel Voila pre-heats (``serve --preheat``): :func:`preload` ``app``, then wait until a visitor's
    page takes the kernel (Voila's ``wait_for_request``) and return True, so that the next line, the builder,
    reads the data as it is at the visit. Anywhere else (JupyterLab, nbconvert, the kernel Voila starts for a
    visitor) return False at once.

    Examples
    --------
    >>> wait_for_visitor("weight_tuner")  # not a pre-heated kernel: nothing to wait for
    False
    """
    import os

    if os.environ.get("VOILA_PREHEAT", "False") != "True":
        return False
    if app is not None:
        preload(app)
    from voila.utils import wait_for_request

    wait_for_request()
    return True


def __getattr__(name: str) -> Any:
    if name in _BUILDERS:
        return getattr(import_module(_BUILDERS[name]), name)
    raise AttributeError(f"module 'workbench.apps' has no attribute {name!r}")
