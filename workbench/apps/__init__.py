"""ipywidgets apps that the Voila notebooks call (each builder returns a widget layout).

- :func:`build_weight_tuner` (``workbench.apps.weight_tuner``): sliders for weights and threshold; pass rate,
  corrected validity, impact ratios and the ranked candidates update as they move.
- :func:`build_live_feedback` (``workbench.apps.live_feedback``): type an answer, watch the STAR meter, the
  hints and the keywords update.
- :func:`build_audit_viewer` (``workbench.apps.audit_viewer``): browse the bias audit.
- :func:`build_review_queue` (``workbench.apps.review_queue``): the borderline candidates of a job; a reviewer
  records pass/fail with a note (append-only), and the override counts follow.

Builders are imported lazily so that importing one app does not pull in the others.
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

__all__ = list(_BUILDERS)


def __getattr__(name: str) -> Any:
    if name in _BUILDERS:
        return getattr(import_module(_BUILDERS[name]), name)
    raise AttributeError(f"module 'workbench.apps' has no attribute {name!r}")
