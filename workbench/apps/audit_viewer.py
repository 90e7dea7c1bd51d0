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

__all__ = ["DECISION_LABELS", "AuditCache", "audit_view", "audit_view_csv", "audit_view_html", "build_audit_viewer",
           "pooled_vs_jobs"]

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


def _chart(res: Any, attribute: str) -> Any:
    """The impact-ratio chart of ``attribute`` for the shown stage and job (:func:`workbench.plots.figure_html`)."""
    from IPython.display import HTML

    from workbench import plots

    rows = res.table(attribute).rows
    fig = plots.impact_ratio_figure({attribute: rows["impact_ratio"].to_dict()},
                                    title=f"Impact ratios: {DECISION_LABELS.get(res.decision, res.decision)}, "
                                          f"{attribute}, {'job ' + res.job_id if res.job_id else 'all jobs pooled'}")
    return HTML(plots.figure_html(fig))


def _warnings_html(res: Any) -> str:
    if not res.warnings:
        return ""
    items = "".join(f"<li>{esc(w)}</li>" for w in res.warnings)
    return f'<div class="wb-app"><div class="wb-note" data-testid="audit-warnings"><b>Coverage:</b><ul>{items}</ul></div></div>'


_CSV_COLUMNS = ("group", "n", "selected", "rate", "impact_ratio", "four_fifths", "p_adjusted", "excluded_small",
                "suppressed")


def audit_view_csv(view: Mapping[str, Any], job: str | None = None) -> str:
    """The tables of an :func:`audit_view` as CSV, exactly as shown (the stakeholder view keeps its suppressed
    cells empty); one row per group and table, with the stage, attribute and job on every row.

    Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``) are quoted with a
    leading apostrophe.

    >>> v = {"decision": "hired", "attribute": "gender", "view": "stakeholder", "tables": {"selection_rate": {
    ...     "rows": [{"group": "=x", "n": 12, "selected": 3, "rate": 0.25, "impact_ratio": 1.0}]}}}
    >>> print(audit_view_csv(v, "pm").splitlines()[1])
    hired,pm,gender,stakeholder,selection_rate,'=x,12,3,0.25,1.0,,,,
    """
    import csv
    import io

    def cell(value: Any) -> Any:
        text = "" if value is None else str(value)
        return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("decision", "job", "attribute", "view", "table", *_CSV_COLUMNS))
    for kind, table in view["tables"].items():
        for r in table["rows"]:
            writer.writerow((view["decision"], job or "all jobs pooled", view["attribute"], view["view"], kind,
                             *(cell(r.get(c)) for c in _CSV_COLUMNS)))
    return out.getvalue()


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _download_html(view: Mapping[str, Any], job: str) -> str:
    """A link that downloads the shown tables as CSV (a ``data:`` URL: nothing is stored on the server)."""
    import base64

    data = base64.b64encode(audit_view_csv(view, job or None).encode("utf-8")).decode("ascii")
    name = f"audit_{view['decision']}_{view['attribute']}_{job or 'pooled'}_{view['view']}.csv"
    return (f'<div class="wb-app"><a data-testid="audit-csv" download="{esc(name)}" '
            f'href="data:text/csv;charset=utf-8;base64,{data}">Download the table shown (CSV)</a></div>')


def pooled_vs_jobs(pooled: Mapping[str, Any] | None, per_job: Mapping[str, Mapping[str, Any]]) -> str | None:
    """One line when the pooled table and the per-job tables of one stage and attribute disagree about who is
    under four-fifths (else None); the inputs are :func:`audit_view` dicts.

    >>> pooled = {"attribute": "gender", "flagged": []}
    >>> job = {"attribute": "gender", "flagged": ["female"], "tables": {"selection_rate": {"rows": [
    ...     {"group": "female", "impact_ratio": 0.77}]}}}
    >>> pooled_vs_jobs(pooled, {"pm": job})[:66]
    'Per job, female in pm is under four-fifths (0.77), pooled it is no'
    >>> pooled_vs_jobs(pooled, {"pm": {**job, "flagged": []}}) is None
    True
    """
    if pooled is None or not per_job:
        return None
    in_jobs = {(g, j): v for j, v in per_job.items() for g in v["flagged"]}
    hidden = [(g, j) for g, j in in_jobs if g not in pooled["flagged"]]
    only_pooled = [g for g in pooled["flagged"] if not any(g in v["flagged"] for v in per_job.values())]
    if not hidden and not only_pooled:
        return None
    parts = []
    if hidden:
        def ratio(g: str, j: str) -> str:
            rows = per_job[j]["tables"]["selection_rate"]["rows"]
            return fmt_num(next((r["impact_ratio"] for r in rows if r["group"] == g), None))
        parts.append("Per job, " + "; ".join(f"{g} in {j} is under four-fifths ({ratio(g, j)})" for g, j in hidden)
                     + ", pooled it is not")
    if only_pooled:
        parts.append(f"pooled, {', '.join(map(str, only_pooled))} is under four-fifths but in no single job")
    return ("; ".join(parts) + ". Pooling mixes jobs with different pass rates and applicant mixes, which can hide "
            "a gap inside a job or create one that no job has: judge each job as well as the pool.")


def _controls(first: Any, dataset: Any, decision: str, attribute: str, view: str, job_id: str | None) -> dict:
    import ipywidgets as W

    style = {"description_width": "80px"}
    return {
        "decision": W.Dropdown(options=[(v, k) for k, v in DECISION_LABELS.items()], value=decision,
                               description="stage", style=style, layout=W.Layout(width="330px")),
        "attribute": W.Dropdown(options=list(first.by), value=attribute if attribute in first.by else first.by[0],
                                description="attribute", style=style, layout=W.Layout(width="330px")),
        "view": W.Dropdown(options=[(v, k) for k, v in VIEWS.items()], value=view, description="view", style=style,
                           layout=W.Layout(width="360px")),
        "job": W.Dropdown(options=[("all jobs pooled", "")] + [(j, j) for j in sorted(dataset.profiles)],
                          value=job_id or "", description="job", style=style, layout=W.Layout(width="330px")),
    }


def _warm_order(decision: str, job: str, jobs: list[str]) -> list[tuple[str, str]]:
    """What to precompute first: the shown stage for every job (the pooled/per-job line), then the rest.

    >>> _warm_order("ai_passed", "", ["a"])
    [('ai_passed', 'a'), ('final_passed', ''), ('final_passed', 'a'), ('hired', ''), ('hired', 'a')]
    """
    everything = [(d, j) for d in DECISION_LABELS for j in ["", *jobs]]
    first = [(decision, j) for j in ["", *jobs]]
    return [k for k in first + [k for k in everything if k not in first] if k != (decision, job)]


def _disagreement_html(cache: Any, decision: str, attribute: str, view: str, jobs: list[str]) -> str:
    """The pooled vs per-job line for the shown stage and attribute, once those audits are computed."""
    done = cache.done
    if (decision, "") not in done or any((decision, j) not in done for j in jobs):
        return ""
    try:
        pooled = audit_view(done[(decision, "")], attribute, view)
        per_job = {j: audit_view(done[(decision, j)], attribute, view) for j in jobs}
    except KeyError:
        return ""
    line = pooled_vs_jobs(pooled, per_job)
    return f'<div class="wb-app"><p class="wb-warn" data-testid="pooled-vs-job">{esc(line)}</p></div>' if line else ""


_HEADER = (f'<div class="wb-app">{STYLE}<h2 style="margin:0">Bias audit viewer</h2>'
           '<p class="wb-note">NYC Local Law 144 selection-rate tables per job or for all jobs pooled. Pick a hiring '
           "stage, a protected attribute and a job. A pooled table can hide an impact inside one job (and the "
           "reverse): look at each job too. Protected attributes are used for this audit only, never for "
           "scoring.</p></div>")


def build_audit_viewer(dataset_or_path: Any = None, *, decision: str = "ai_passed", attribute: str = "gender",
                       view: str = "stakeholder", job_id: str | None = None,
                       attributes: tuple[str, ...] = AUDIT_ATTRIBUTES, precompute: bool = True) -> Any:
    """The audit-viewer app: stage, attribute, view and job selectors drive the tables and the chart together.

    A busy line shows while a stage is computed; after the first paint the other stages and jobs are computed in
    the background (``precompute``), so later choices show at once. The coverage warnings of the audit stand
    above the table; a line says when the pooled and the per-job tables disagree; a link downloads the shown
    table as CSV.

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
    precompute : bool, default True
        Compute the other stages and jobs in a background thread after the first paint.

    Returns
    -------
    ipywidgets.VBox
        With attributes ``decision``, ``attribute``, ``view_mode``, ``job`` (Dropdowns), ``results``,
        ``disagreement``, ``download`` (HTML), ``chart`` (Output) and ``cache`` (:class:`AuditCache`).
    """
    import ipywidgets as W
    from workbench.fairness import audit

    dataset = load_dataset(dataset_or_path)
    jobs = sorted(dataset.profiles)
    results, chart, disagreement, download = W.HTML(), W.Output(), W.HTML(), W.HTML()
    dd: dict[str, Any] = {}

    def explain(_key: Any = None) -> None:
        if dd:
            disagreement.value = _disagreement_html(cache, dd["decision"].value, dd["attribute"].value,
                                                    dd["view"].value, jobs)

    cache = AuditCache(lambda d, j: audit(dataset, d, attributes, job_id=j or None, where_from=False,
                                          skip_invalid=True), on_done=explain)
    dd.update(_controls(cache.get(decision, job_id or ""), dataset, decision, attribute, view, job_id))
    drawn: dict[str, Any] = {"figure": None}

    def refresh(*_: Any) -> None:
        d, job = dd["decision"].value, dd["job"].value
        if (d, job) not in cache.done:
            results.value = (f'<div class="wb-app" data-testid="audit-results"><p class="wb-note" data-testid="busy">'
                             f"Computing {esc(DECISION_LABELS.get(d, d))} ...</p></div>")
        res = cache.get(d, job)
        attr = dd["attribute"].value if dd["attribute"].value in res.by else res.by[0]
        shown = audit_view(res, attr, dd["view"].value)
        results.value = _warnings_html(res) + audit_view_html(shown)
        download.value = _download_html(shown, job)
        explain()
        drawn["figure"] = _chart(res, attr)
        chart.outputs = ()  # set on the model directly: no output capture (fast in Voila and in nbclient)
        chart.append_display_data(drawn["figure"])

    for control in dd.values():
        control.observe(refresh, names="value")
    refresh()
    warming = cache.warm(_warm_order(decision, job_id or "", jobs)) if precompute else None
    app = W.VBox([W.HTML(_HEADER), W.HBox(list(dd.values()), layout=W.Layout(flex_flow="row wrap")), disagreement,
                  results, download, chart])
    app.decision, app.attribute, app.view_mode, app.job = dd["decision"], dd["attribute"], dd["view"], dd["job"]
    app.results, app.chart, app.disagreement, app.download, app.cache = results, chart, disagreement, download, cache
    app.shown_chart = lambda: drawn["figure"].data  # the chart's HTML as last shown (for tests and exports)
    app.warming = warming  # the background thread (None without precompute)
    app.add_class("wb-audit-viewer")
    return app


class AuditCache:
    """Each (stage, job) audit computed once, by whichever asks first: the page or the background warm-up
    (:meth:`warm`), which precomputes the other stages and jobs after the first paint.

    Examples
    --------
    >>> calls = []
    >>> cache = AuditCache(lambda d, j: calls.append((d, j)) or (d, j))
    >>> cache.get("hired", ""), cache.get("hired", ""), calls
    (('hired', ''), ('hired', ''), [('hired', '')])
    >>> cache.warm([("ai_passed", "pm"), ("hired", "")], delay=0).join(5); sorted(cache.done)
    [('ai_passed', 'pm'), ('hired', '')]
    """

    def __init__(self, compute: Any, on_done: Any = None) -> None:
        import threading

        self._compute, self._on_done = compute, on_done
        self._lock = threading.Lock()
        self._locks: dict[tuple[str, str], Any] = {}
        self._results: dict[tuple[str, str], Any] = {}
        self.stopped = False

    @property
    def done(self) -> dict[tuple[str, str], Any]:
        """The audits computed so far."""
        return dict(self._results)

    def get(self, decision: str, job: str) -> Any:
        """The audit of ``decision`` for ``job`` ("" = pooled), computed now if nobody has yet."""
        import threading

        key = (decision, job)
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._results:
                self._results[key] = self._compute(decision, job)
                if self._on_done is not None:
                    self._on_done(key)
        return self._results[key]

    def warm(self, keys: list[tuple[str, str]], *, delay: float = 1.0) -> Any:
        """Compute ``keys`` in a background thread, ``delay`` seconds from now (so the page paints first)."""
        import threading
        import time

        def run() -> None:
            time.sleep(delay)
            for key in keys:
                if self.stopped:
                    return
                try:
                    self.get(*key)
                except Exception:  # noqa: BLE001 - the page computes (and reports) it when asked
                    continue

        thread = threading.Thread(target=run, name="audit-warm", daemon=True)
        thread.start()
        return thread
