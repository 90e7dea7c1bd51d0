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
from workbench.report.charts import impact_figure
from workbench.report.labels import attribute_label, glossary, group_label, scope_label, stage_label, ui_label
from workbench.report.messages import translate_message
from workbench.report.scope import suppress_small

__all__ = ["PLOTLY_ASSET", "dataset_sha256", "figure_json", "plotly_script", "render", "use_template_cache",
           "write_audit_report", "write_plotly_asset"]

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


def _count(value: Any) -> str:
    """A count: ``6016.0`` prints as ``6,016``."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{int(round(float(value))):,}"


class _TemplateCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept in a folder (:func:`use_template_cache`). Jinja checks each entry against the
    template's source (and its own and Python's version), so an edited template is compiled afresh; a folder
    that cannot be written is skipped."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            Path(self.directory).mkdir(parents=True, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            return


def use_template_cache(folder: str | Path | None) -> None:
    """Keep the compiled templates in ``folder`` from now on (None: compiled in memory, once per process).

    :func:`workbench.report.write_reports` points it at the user's cache: a report does not compile its
    templates again (a fifth of a second). The pages are the same either way.

    >>> import tempfile
    >>> use_template_cache(tempfile.mkdtemp()); html = render("audit.html.j2", result={"decision": "x"})
    >>> use_template_cache(None); html == render("audit.html.j2", result={"decision": "x"})
    True
    """
    _env().bytecode_cache = None if folder is None else _TemplateCache(str(folder))


@functools.lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.ChainableUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(num=_num, pct=_pct, flag=_flag, count=_count, attr=attribute_label, grp=group_label,
                       stage=stage_label, scope=scope_label, t=ui_label, msg=translate_message)
    return env


def render(template_name: str, **context: Any) -> str:
    """Render ``templates/<template_name>`` with ``context`` (autoescaped)."""
    return _env().get_template(template_name).render(**context)


@functools.lru_cache(maxsize=1)
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().replace("</script", "<\\/script")


PLOTLY_ASSET = "plotly.min.js"


def plotly_script(shared: bool = False) -> Markup:
    """plotly.js inlined in one ``<script>`` element (no network), or (``shared``) a ``<script>`` of the local
    file :data:`PLOTLY_ASSET` beside the page (:func:`write_plotly_asset`).

    >>> str(plotly_script(shared=True))
    '<script src="plotly.min.js"></script>'
    """
    if shared:
        return Markup(f'<script src="{PLOTLY_ASSET}"></script>')
    return Markup("<script>") + Markup(_plotly_js()) + Markup("</script>")


def write_plotly_asset(out_dir: str | Path) -> Path:
    """Write plotly.js once as ``<out_dir>/plotly.min.js`` for pages rendered with ``plotly_script(shared=True)``."""
    path = Path(out_dir) / PLOTLY_ASSET
    path.write_text(_plotly_js(), encoding="utf-8")
    return path


def figure_json(fig: Any) -> Markup:
    """A plotly figure as JSON safe to place inside ``<script>`` (``<``, ``>``, ``&`` as unicode escapes)."""
    from plotly.utils import PlotlyJSONEncoder

    text = json.dumps(fig.to_plotly_json(), cls=PlotlyJSONEncoder)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def write_audit_report(result: Any, dataset: Any, out_dir: str | Path, *, view: str = "auditor",
                       lang: str = "en", shared_plotly: bool = True, doc: dict[str, Any] | None = None,
                       sha256: str | None = None) -> Path:
    """Write the LL144 bias-audit summary of ``result`` as ``<out_dir>/audit_<decision>.html``.

    The page carries the audit date, the data source (dataset SHA-256 of the table files) and period, the
    tool version, the profile versions, the unknown counts, every table and the notes. Only aggregated
    figures and pseudonymous ids appear; ``view="stakeholder"`` suppresses cells with a count under 5.
    ``lang`` chooses the display labels. ``shared_plotly`` (default) refers to ``plotly.min.js`` beside the
    page, written there when missing (:func:`write_plotly_asset`; the page is then about 0.1 MB instead of
    5 MB and still opens offline); ``False`` inlines plotly.js. ``doc`` and ``sha256``: the view's
    ``result.to_dict(view)`` and the dataset digest when the caller has them already.

    Returns
    -------
    Path
        The written file.
    """
    import workbench

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    doc = suppress_small(result.to_dict(view)) if doc is None and view == "stakeholder" else \
        (result.to_dict(view) if doc is None else doc)
    dif = doc["dif"]
    context = {
        "result": doc,
        "title": f"Bias audit summary: {result.decision}",
        "audit_date": dt.date.today().isoformat(),
        "generated_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "source": str(Path(getattr(dataset, "path", "")).name or "in-memory tables"),
        "sha256": sha256 or dataset_sha256(dataset),
        "tool_version": workbench.__version__,
        "profiles": {k: getattr(v, "version", "") for k, v in getattr(dataset, "profiles", {}).items()},
        "dif_flagged": [r for r in dif if r.get("dif") not in (None, "none")],
        "gaps_flagged": [r for r in doc["gaps"] if r.get("gap")],
        "plotly": plotly_script(shared_plotly),
        "figure": figure_json(impact_figure(doc, lang=lang)),
        "view": view, "lang": lang, "glossary": glossary(lang),
    }
    path = out / f"audit_{result.decision}.html"
    path.write_text(render("audit.html.j2", **context), encoding="utf-8")
    if shared_plotly and not (out / PLOTLY_ASSET).exists():
        write_plotly_asset(out)
    return path
