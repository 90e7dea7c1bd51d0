"""The audit viewer: browse the LL144 bias audit by decision and attribute.

Pick a decision (AI interview, final round, hire) and a protected attribute; the selection-rate table (and the
scoring-rate table for the AI score) show each group's rate and impact ratio, with groups under the
four-fifths line highlighted. The stakeholder view suppresses cells with a count under 5 (small-cell
suppression, as :meth:`workbench.fairness.AuditTable.to_dict` does); the auditor view shows everything.

- :func:`audit_view` is the pure part: ``(result, attribute, view) -> dict`` of rows ready to show;
- :func:`audit_view_html` renders it (every label escaped);
- :func:`build_audit_viewer` wires dropdowns to them, computing each decision's audit once.

Examples
--------
>>> from workbench.simulate import simulate, small_config
>>> from workbench.fairness import audit
>>> sim = simulate(small_config(n_candidates=400, seed=3, answer_texts=False))
>>> res = audit(sim.tables, by=("gender",), where_from=False)
>>> view = audit_view(res, "gender", "stakeholder")
>>> view["attribute"], view["decision"], sorted(view["tables"])
('gender', 'ai_passed', ['scoring_rate', 'selection_rate'])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workbench.apps._common import STYLE, esc, fmt_num, fmt_pct, load_dataset
from workbench.data.groups import AUDIT_ATTRIBUTES

__all__ = ["DECISION_LABELS", "audit_view", "audit_view_html", "build_audit_viewer"]

DECISION_LABELS = {
    "ai_passed": "AI interview (ai_passed)",
    "final_passed": "Final round (final_passed)",
    "hired": "Hire (hired)",
}
VIEWS = {"stakeholder": "Stakeholder (small cells suppressed)", "auditor": "Auditor (all figures)"}


def audit_view(result: Any, attribute: str, view: str = "stakeholder") -> dict[str, Any]:
    """The rows of one attribute of an audit, for display.

    Parameters
    ----------
    result : workbench.fairness.AuditResult
    attribute : str
        One of ``result.by``.
    view : {"stakeholder", "auditor"}
        Stakeholder view: cells with a count under 5 suppressed.

    Returns
    -------
    dict
        ``decision``, ``population``, ``attribute``, ``view``, ``period``, ``n_applicants``,
        ``unknown`` ({n, selected, rate, share} or suppressed), ``tables``: kind -> {reference, median,
        rows: [group, n, selected, rate, impact_ratio, four_fifths, p_adjusted, excluded_small, suppressed]},
        ``flagged``: groups under four-fifths in the selection-rate table, ``notes``.
    """
    doc = result.to_dict(view)
    tables: dict[str, Any] = {}
    for kind, key in (("selection_rate", "tables"), ("scoring_rate", "scoring_rate_tables")):
        for t in doc[key]:
            if t["attribute"] == attribute:
                tables[kind] = {"reference": t.get("reference"), "median": t.get("median"),
                                "rows": [{k: r.get(k) for k in ("group", "n", "selected", "rate", "impact_ratio",
                                                                 "four_fifths", "p_adjusted", "excluded_small",
                                                                 "suppressed", "reason")} for r in t["rows"]]}
    if "selection_rate" not in tables:
        raise KeyError(f"the audit of {result.decision} has no table for {attribute!r} "
                       f"(have {', '.join(t['attribute'] for t in doc['tables'])})")
    flagged = [r["group"] for r in tables["selection_rate"]["rows"] if r["four_fifths"]]
    meta = doc.get("meta", {})
    return {"decision": doc["decision"], "population": doc["population"], "attribute": attribute, "view": view,
            "period": meta.get("period"), "n_applicants": meta.get("n_applicants"),
            "n_in_population": meta.get("n_in_population"),
            "unknown": doc["unknown"].get(attribute), "tables": tables, "flagged": flagged,
            "notes": [n for n in doc.get("notes", []) if not n.startswith("CMH")]}  # the viewer shows no CMH table


def _table_html(kind: str, table: Mapping[str, Any]) -> str:
    head = "Scoring rate (AI score above the median of all applicants)" if kind == "scoring_rate" else "Selection rate"
    rate_label = "scoring rate" if kind == "scoring_rate" else "selection rate"
    parts = [f'<h3>{esc(head)}</h3><table data-kind="{esc(kind)}"><tr><th class="g">group</th><th>n</th>'
             f'<th>{"above median" if kind == "scoring_rate" else "selected"}</th><th>{rate_label}</th>'
             '<th>impact ratio</th><th>p (Holm)</th><th class="g">note</th></tr>']
    for r in table["rows"]:
        unknown = str(r["group"]).lower() == "unknown"
        cls = "flag" if r["four_fifths"] else ("muted" if unknown or r["excluded_small"] or r["suppressed"] else "")
        notes = []
        if r["group"] == table.get("reference"):
            notes.append("reference (highest rate)")
        if r["four_fifths"]:
            notes.append("below four-fifths")
        if r["suppressed"]:
            notes.append("suppressed: count under 5")
        if r["excluded_small"]:
            notes.append("under 2% of applicants: listed, not rated")
        if unknown:
            notes.append("unknown: counted, not rated")
        parts.append(f'<tr class="{cls}"><td class="g">{esc(r["group"])}</td><td>{esc(fmt_num(r["n"]))}</td>'
                     f'<td>{esc(fmt_num(r["selected"]))}</td><td>{esc(fmt_pct(r["rate"]))}</td>'
                     f'<td>{esc(fmt_num(r["impact_ratio"]))}</td><td>{esc(fmt_num(r["p_adjusted"], 3))}</td>'
                     f'<td class="g">{esc("; ".join(notes))}</td></tr>')
    parts.append("</table>")
    return "".join(parts)


def audit_view_html(view: Mapping[str, Any]) -> str:
    """:func:`audit_view` as an HTML fragment (every label escaped)."""
    period = view.get("period") or ["?", "?"]
    flagged = view["flagged"]
    parts = [f'<div class="wb-app" data-testid="audit-results">{STYLE}',
             f"<p><b>{esc(DECISION_LABELS.get(view['decision'], view['decision']))}</b> by "
             f"<b>{esc(view['attribute'])}</b>: {esc(fmt_num(view.get('n_in_population')))} candidates in the "
             f"audited population ({esc(view['population'])}), applications {esc(period[0])} to {esc(period[1])}.</p>"]
    if flagged:
        parts.append(f'<p class="wb-warn" data-testid="flagged">Below the four-fifths line: '
                     f'{esc(", ".join(map(str, flagged)))}</p>')
    else:
        parts.append('<p class="wb-note" data-testid="flagged">No group below the four-fifths line.</p>')
    for kind in ("selection_rate", "scoring_rate"):
        if kind in view["tables"]:
            parts.append(_table_html(kind, view["tables"][kind]))
    u = view.get("unknown") or {}
    if u:
        n = "suppressed" if u.get("suppressed") else fmt_num(u.get("n"))
        parts.append(f'<p class="wb-note">Unknown {esc(view["attribute"])}: {esc(n)} candidates, counted and left '
                     "out of every impact ratio.</p>")
    parts.append('<p class="wb-note">Impact ratio = the group\'s rate / the highest rate; under 0.80 fails the '
                 "four-fifths rule of thumb (a flag for review, not a verdict). "
                 + ("Stakeholder view: cells with a count under 5 are suppressed to protect individuals. "
                    if view["view"] == "stakeholder" else "Auditor view: every figure shown. ")
                 + "Stages after the AI interview are range-restricted: only those who passed it appear.</p>")
    for note in view.get("notes", [])[:4]:
        parts.append(f'<p class="wb-note">{esc(note)}</p>')
    parts.append("</div>")
    return "".join(parts)


def _chart(res: Any, attribute: str, first: bool) -> Any:
    """The impact-ratio chart of ``attribute`` for the shown stage (plotly.js inlined once per page)."""
    from IPython.display import HTML

    from workbench import plots

    rows = res.table(attribute).rows
    fig = plots.impact_ratio_figure({attribute: rows["impact_ratio"].to_dict()},
                                    title=f"Impact ratios: {DECISION_LABELS.get(res.decision, res.decision)}, "
                                          f"{attribute}, {'job ' + res.job_id if res.job_id else 'all jobs pooled'}")
    return HTML(fig.to_html(include_plotlyjs="inline" if first else False, full_html=False))


def _warnings_html(res: Any) -> str:
    if not res.warnings:
        return ""
    items = "".join(f"<li>{esc(w)}</li>" for w in res.warnings)
    return f'<div class="wb-app"><div class="wb-note" data-testid="audit-warnings"><b>Coverage:</b><ul>{items}</ul></div></div>'


def build_audit_viewer(dataset_or_path: Any = None, *, decision: str = "ai_passed", attribute: str = "gender",
                       view: str = "stakeholder", job_id: str | None = None,
                       attributes: tuple[str, ...] = AUDIT_ATTRIBUTES) -> Any:
    """The audit-viewer app: decision, attribute, view and job selectors drive the tables and the chart together.

    A busy line shows while a stage is computed (the first time; then it is cached); the coverage warnings of
    the audit (applicants left out, unrecognised values) stand above the table.

    Parameters
    ----------
    dataset_or_path : Dataset, str or Path, optional
        Default: the demo data.
    decision, attribute, view : str
        The initial choices.
    job_id : str, optional
        The job shown first (default: all jobs pooled); the job selector switches between them.
    attributes : tuple of str
        The attributes audited (those without data become notes).

    Returns
    -------
    ipywidgets.VBox
        With attributes ``decision``, ``attribute``, ``view_mode``, ``job`` (Dropdowns), ``results`` (HTML)
        and ``chart`` (Output).
    """
    import ipywidgets as W
    from workbench.fairness import audit

    dataset = load_dataset(dataset_or_path)
    cache: dict[tuple[str, str], Any] = {}

    def result_for(d: str, job: str) -> Any:
        if (d, job) not in cache:
            cache[(d, job)] = audit(dataset, d, attributes, job_id=job or None, where_from=False, skip_invalid=True)
        return cache[(d, job)]

    first = result_for(decision, job_id or "")
    style = {"description_width": "80px"}
    dd_decision = W.Dropdown(options=[(v, k) for k, v in DECISION_LABELS.items()], value=decision,
                             description="decision", style=style, layout=W.Layout(width="330px"))
    dd_attr = W.Dropdown(options=list(first.by), value=attribute if attribute in first.by else first.by[0],
                         description="attribute", style=style, layout=W.Layout(width="330px"))
    dd_view = W.Dropdown(options=[(v, k) for k, v in VIEWS.items()], value=view, description="view", style=style,
                         layout=W.Layout(width="360px"))
    dd_job = W.Dropdown(options=[("all jobs pooled", "")] + [(j, j) for j in sorted(dataset.profiles)],
                        value=job_id or "", description="job", style=style, layout=W.Layout(width="330px"))
    results, chart = W.HTML(), W.Output()
    drawn: dict[str, Any] = {"plotly": False, "figure": None}

    def refresh(*_: Any) -> None:
        if (dd_decision.value, dd_job.value) not in cache:
            results.value = (f'<div class="wb-app" data-testid="audit-results"><p class="wb-note">Computing '
                             f"{esc(DECISION_LABELS.get(dd_decision.value, dd_decision.value))} ...</p></div>")
        res = result_for(dd_decision.value, dd_job.value)
        attr = dd_attr.value if dd_attr.value in res.by else res.by[0]
        results.value = _warnings_html(res) + audit_view_html(audit_view(res, attr, dd_view.value))
        drawn["figure"] = _chart(res, attr, not drawn["plotly"])
        chart.outputs = ()  # set on the model directly: no output capture (fast in Voila and in nbclient)
        chart.append_display_data(drawn["figure"])
        drawn["plotly"] = True

    for dd in (dd_decision, dd_attr, dd_view, dd_job):
        dd.observe(refresh, names="value")
    refresh()
    header = W.HTML(f'<div class="wb-app">{STYLE}<h2 style="margin:0">Bias audit viewer</h2>'
                    '<p class="wb-note">NYC Local Law 144 selection-rate tables per job or for all jobs pooled. Pick '
                    "a hiring stage, a protected attribute and a job. A pooled table can hide an impact inside one job "
                    "(and the reverse): look at each job too. Protected attributes are used for this audit only, "
                    "never for scoring.</p></div>")
    app = W.VBox([header, W.HBox([dd_decision, dd_attr, dd_view, dd_job], layout=W.Layout(flex_flow="row wrap")),
                  results, chart])
    app.decision, app.attribute, app.view_mode, app.job, app.results, app.chart = (dd_decision, dd_attr, dd_view,
                                                                                   dd_job, results, chart)
    app.shown_chart = lambda: drawn["figure"].data  # the chart's HTML as last shown (for tests and exports)
    app.add_class("wb-audit-viewer")
    return app
