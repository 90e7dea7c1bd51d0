"""Helpers shared by the apps: loading the dataset they show, escaping, the page style.

Examples
--------
>>> esc("<b>x</b>")
'&lt;b&gt;x&lt;/b&gt;'
>>> demo_path().name
'demo'
"""

from __future__ import annotations

import html
import math
from typing import Any

from workbench.data.load import load_dataset  # noqa: F401  (re-exported for the apps)
from workbench.data.provenance import demo_path  # noqa: F401  (re-exported for the apps)

__all__ = ["STYLE", "demo_path", "esc", "fmt_num", "fmt_pct", "load_dataset"]

STYLE = """<style>
.wb-app { font-family: system-ui, sans-serif; color: #222; font-size: 14px; line-height: 1.4; }
.wb-app h3 { margin: .6rem 0 .3rem; font-size: 15px; }
.wb-app table { border-collapse: collapse; margin: .2rem 0 .8rem; font-size: 13px; }
.wb-app th, .wb-app td { border: 1px solid #ccc; padding: 2px 8px; text-align: right; }
.wb-app th { background: #f3f3f3; } .wb-app td.g, .wb-app th.g { text-align: left; }
.wb-app tr.flag td { background: #fde8e8; } .wb-app tr.muted td { color: #777; font-style: italic; }
.wb-app tr.pass td { background: #eef7ee; }
.wb-cards { display: flex; flex-wrap: wrap; gap: 10px; margin: .3rem 0 .6rem; }
.wb-card { border: 1px solid #ddd; border-radius: 6px; padding: 6px 12px; min-width: 150px; background: #fafafa; }
.wb-card .v { font-size: 22px; font-weight: 600; } .wb-card .l { font-size: 12px; color: #555; }
.wb-note { font-size: 12px; color: #555; max-width: 900px; } .wb-warn { color: #a00; font-weight: 600; }
</style>"""


def esc(value: Any) -> str:
    """``html.escape`` of ``str(value)`` (quotes too)."""
    return html.escape(str(value), quote=True)


def fmt_num(value: Any, digits: int = 2) -> str:
    """A number for display; ``–`` for missing.

    >>> fmt_num(0.12345), fmt_num(None), fmt_num(float("nan")), fmt_num(1200)
    ('0.12', '–', '–', '1,200')
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, int | bool):
        return f"{int(value):,}"
    return f"{float(value):.{digits}f}"


def fmt_pct(value: Any) -> str:
    """A share as a percentage; ``–`` for missing.

    >>> fmt_pct(0.3456), fmt_pct(None)
    ('34.6%', '–')
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{100 * float(value):.1f}%"


