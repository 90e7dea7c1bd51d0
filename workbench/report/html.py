"""A small Jinja2 environment for self-contained HTML reports.

Autoescape is on for every template: candidate-supplied text (answers, group labels, question texts) is
escaped. Plotly is embedded once (:func:`plotly_script`), figures are passed as JSON with ``<``, ``>`` and
``&`` escaped (:func:`figure_json`), so no report loads anything from the network.

Examples
--------
>>> "&lt;b&gt;" in render("audit.html.j2", result={"decision": "<b>x</b>"})
True
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from workbench.data.provenance import dataset_sha256

__all__ = ["dataset_sha256", "figure_json", "plotly_script", "render", "write_audit_report"]

TEMPLATES = Path(__file__).with_name("templates")


def _num(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.{digits}g}" if abs(value) < 1e-3 and value != 0 else f"{value:.{digits}f}"
    return str(value)


def _pct(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{100 * value:.1f}%"


def _flag(value: Any) -> str:
    return "–" if value is None else ("yes" if value else "no")


@functools.lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.ChainableUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(num=_num, pct=_pct, flag=_flag)
    return env


def render(template_name: str, **context: Any) -> str:
    """Render ``templates/<template_name>`` with ``context`` (autoescaped)."""
    return _env().get_template(template_name).render(**context)


@functools.lru_cache(maxsize=1)
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().replace("</script", "<\\/script")


def plotly_script() -> Markup:
    """plotly.js inlined in one ``<script>`` element (no network)."""
    return Markup("<script>") + Markup(_plotly_js()) + Markup("</script>")


def figure_json(fig: Any) -> Markup:
    """A plotly figure as JSON safe to place inside ``<script>`` (``<``, ``>``, ``&`` as unicode escapes)."""
    from plotly.utils import PlotlyJSONEncoder

    text = json.dumps(fig.to_plotly_json(), cls=PlotlyJSONEncoder)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _impact_figure(result: Any) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    for t in result.tables:
        rows = t.rows[t.rows["impact_ratio"].notna()]
        fig.add_trace(go.Bar(name=t.attribute, x=[f"{t.attribute}: {g}" for g in rows.index],
                             y=rows["impact_ratio"].round(3).tolist()))
    fig.add_hline(y=0.8, line_dash="dash", line_color="firebrick", annotation_text="four-fifths (0.80)")
    fig.update_layout(title=f"Impact ratios of {result.decision}", yaxis_title="impact ratio",
                      yaxis_range=[0, 1.05], showlegend=False, height=420, margin={"b": 160})
    return fig


def write_audit_report(result: Any, dataset: Any, out_dir: str | Path, *, view: str = "auditor") -> Path:
    """Write the LL144 bias-audit summary of ``result`` as ``<out_dir>/audit_<decision>.html``.

    The page carries the audit date, the data source (dataset SHA-256 of the table files) and period, the
    tool version, the profile versions, the unknown counts, every table and the notes. Only aggregated
    figures and pseudonymous ids appear; ``view="stakeholder"`` suppresses cells with a count under 5.

    Returns
    -------
    Path
        The written file.
    """
    import workbench

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    doc = result.to_dict(view)
    dif = doc["dif"]
    context = {
        "result": doc,
        "title": f"Bias audit summary: {result.decision}",
        "audit_date": dt.date.today().isoformat(),
        "generated_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "source": str(Path(getattr(dataset, "path", "")).name or "in-memory tables"),
        "sha256": dataset_sha256(dataset),
        "tool_version": workbench.__version__,
        "profiles": {k: getattr(v, "version", "") for k, v in getattr(dataset, "profiles", {}).items()},
        "dif_flagged": [r for r in dif if r.get("dif") not in (None, "none")],
        "gaps_flagged": [r for r in doc["gaps"] if r.get("gap")],
        "plotly": plotly_script(),
        "figure": figure_json(_impact_figure(result)),
        "view": view,
    }
    path = out / f"audit_{result.decision}.html"
    path.write_text(render("audit.html.j2", **context), encoding="utf-8")
    return path
