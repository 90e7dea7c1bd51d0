"""The auditor report and the review report: self-contained HTML pages of the whole loop.

- ``auditor_report.html``: data provenance (dataset SHA-256, rows per table, period), package versions,
  profile versions, the date; the bias audit of every stage; the validity evidence and the questions
  proposed for removal; the weight proposal; the model card when :mod:`workbench.explain` is available.
- ``review_report.html`` (for researchers): per job the funnel, the validity tables of questions, dimensions
  and the AI total, the expectancy chart, the prompting effect, the weight proposal with its
  cross-validation, and redacted example answers of the questions proposed for removal.
- ``audit_<decision>.html``: the detailed LL144 audit of each stage (:func:`write_audit_report`).

Every page opens offline (plotly inlined once per page), every piece of text comes through Jinja2
autoescape, only pseudonymous ids and aggregated figures appear (answer excerpts are redacted of e-mail
addresses, phone numbers and URLs), and the same input gives the same bytes apart from the line starting
``Generated`` (:data:`DATE_LINE_PREFIX`).

Examples
--------
>>> redact_text("mail me at a.b@example.com or +1 (555) 123-4567 <b>")
'mail me at [email] or [phone] <b>'
"""

from __future__ import annotations

import datetime as dt
import math
import platform
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench.data.schema import TABLE_NAMES
from workbench.data.pii import redact
from workbench.data.provenance import dataset_sha256
from workbench.data.questions import current_questions
from workbench.report.card import card_sections
from workbench.report.charts import impact_figure
from workbench.report.export import write_exports
from workbench.report.findings import cmh_statement, scope_findings
from workbench.report.html import (figure_json, plotly_script, render, use_template_cache, write_audit_report,
                                   write_plotly_asset)
from workbench.report.labels import glossary, scope_label, stage_label, ui_label
from workbench.report.messages import localise_figure
from workbench.report.scope import audit_scopes, coverage_context, load_audit_info, suppress_rates, suppress_small
from workbench.data.groups import AUDIT_ATTRIBUTES

__all__ = ["DATE_LINE_PREFIX", "PACKAGES", "package_versions", "provenance", "redact_text", "write_reports"]

DATE_LINE_PREFIX = '<p class="date">'
PACKAGES = ("numpy", "pandas", "scipy", "scikit-learn", "fairlearn", "statsmodels", "plotly", "jinja2", "shap")
DECISIONS = ("ai_passed", "final_passed", "hired")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)


def redact_text(text: Any, limit: int = 240) -> str:
    """Candidate-written text made fit for a report: personal data redacted, URLs replaced, cut to ``limit``.

    The result is still raw text: the template escapes it.
    """
    s = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
    s = redact(_URL.sub("[link]", s))  # e-mails, ID and phone numbers, self-introduced names: workbench.data.pii
    s = re.sub(r"\s+", " ", s).strip()
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


def package_versions() -> dict[str, str]:
    """Versions of Python, the workbench and the packages the numbers depend on (absent ones left out).

    >>> v = package_versions(); "python" in v and "workbench" in v and "numpy" in v
    True
    """
    from importlib.metadata import PackageNotFoundError, version

    import workbench

    out = {"python": platform.python_version(), "workbench": workbench.__version__}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


def provenance(dataset: Any) -> dict[str, Any]:
    """Where the numbers come from: source folder name, SHA-256 of the table files, rows per table, period,
    quarantined rows, profile versions."""
    tables = {}
    for name in TABLE_NAMES:
        frame = dataset.table(name) if hasattr(dataset, "table") else dataset.get(name)
        tables[name] = 0 if frame is None else int(len(frame))
    cands = dataset.table("candidates") if hasattr(dataset, "table") else dataset["candidates"]
    period = [None, None]
    if "applied_at" in cands.columns and len(cands):
        import pandas as pd

        applied = pd.to_datetime(cands["applied_at"], errors="coerce").dropna()
        if len(applied):
            period = [applied.min().date().isoformat(), applied.max().date().isoformat()]
    quarantine = getattr(dataset, "quarantine", None)
    profiles = {job: {"version": str(p.version), "threshold": float(p.threshold),
                      "weights": {k: float(v) for k, v in p.weights.items()}}
                for job, p in sorted(getattr(dataset, "profiles", {}).items())}
    return {"source": str(Path(getattr(dataset, "path", "") or "").name or "in-memory tables"),
            "sha256": dataset_sha256(dataset), "rows": tables, "period": period,
            "quarantined": 0 if quarantine is None else int(len(quarantine)), "profiles": profiles}


def _model_card(dataset: Any, criterion: str, step: Any = None) -> dict[str, Any]:
    """The model card of :mod:`workbench.explain` per job as headed sections (``{"available": False, "error"}``
    when the data cannot support the model: :class:`workbench.explain.ExplainError`, said in the report)."""
    from workbench.explain import ExplainError, explain_dataset

    cards = {}
    try:
        for job in sorted(getattr(dataset, "profiles", {})):
            if step:
                step(f"model card {job} (proxy screen)")
            cards[job] = explain_dataset(dataset, criterion, job_id=job).model_card()
    except ExplainError as exc:  # the card is optional: say why it is missing instead of failing the report
        return {"available": False, "error": str(exc)}  # worded by the page (card_not_built)
    return {"available": True, "jobs": [{"job_id": job, "sections": card_sections(card)} for job, card in cards.items()]}


class _Background:
    """``fn()`` computed in a forked child process while this one goes on; :meth:`result` waits for it.

    Used for the model card, which needs nothing of the review or the audits, and for the exports, which need
    nothing of the charts and pages: on a machine with two or more CPUs both run at once. Off Linux (or with
    ``parallel=False``, or one CPU) nothing is started and :meth:`result` computes ``fn()`` here; a child that
    fails is not trusted either: ``fn()`` runs here again (so an error is raised as it would be without it). The child computes exactly what this process
    would (same data, same seeds, same thread limits), so the report is the same either way.
    """

    def __init__(self, fn: Any, parallel: bool | None = None):
        import multiprocessing as mp
        import os
        import sys

        self.fn, self.proc, self.conn = fn, None, None
        # fork only on Linux (macOS offers it, but its system libraries are not safe to fork with threads)
        if parallel is False or not sys.platform.startswith("linux") or "fork" not in mp.get_all_start_methods() \
                or (parallel is None and (os.cpu_count() or 1) < 2):
            return
        ctx = mp.get_context("fork")
        self.conn, child = ctx.Pipe(duplex=False)
        for stream in (sys.stdout, sys.stderr):  # the child must not write again what this process buffered
            stream.flush()
        self.proc = ctx.Process(target=_child_send, args=(fn, child), daemon=True)
        self.proc.start()
        child.close()

    @property
    def forked(self) -> bool:
        return self.proc is not None

    def result(self) -> Any:
        if self.proc is None:
            return self.fn()
        try:
            ok, value = self.conn.recv()
        except (EOFError, OSError):
            ok, value = False, None
        finally:
            self.conn.close()
            self.proc.join()
        return value if ok else self.fn()

    def close(self) -> None:
        """Stop a child still running (the report failed before it needed the result)."""
        if self.proc is not None and self.proc.is_alive():
            self.proc.terminate()
            self.proc.join()
        if self.conn is not None:
            self.conn.close()


def _child_send(fn: Any, conn: Any) -> None:
    """In the child of :class:`_Background`: send ``(True, fn())``, or ``(False, None)`` when it raised."""
    try:
        value = fn()
    except BaseException:  # noqa: BLE001 - the parent computes it again and raises there
        conn.send((False, None))
    else:
        conn.send((True, value))
    finally:
        conn.close()


def _fig(fig: Any, lang: str = "en") -> Any:
    """A figure for a page: its words in ``lang`` (:func:`workbench.report.messages.localise_figure`), as JSON."""
    return figure_json(localise_figure(fig, lang))


def _trend_context(dataset: Any, n_boot: int, lang: str = "en") -> dict[str, Any]:
    """The review report's "over time" section: :func:`workbench.review.trend.trend` by quarter of application
    (all jobs pooled), its two charts and its readings; ``{"error": why}`` when the data has no time to compare.
    """
    from workbench.plots import trend_impact_figure, trend_rates_figure
    from workbench.review.trend import trend

    try:
        result = trend(dataset, by="period", freq="Q", n_boot=n_boot)
    except ValueError as exc:
        return {"error": str(exc)}
    doc = result.to_dict()
    if len(doc["periods"]) < 2:
        return {"error": f"one period only ({doc['periods'][0]['period'] if doc['periods'] else 'none'})"}
    return {"doc": doc, "rates_figure": _fig(trend_rates_figure(result), lang),
            "impact_figure": _fig(trend_impact_figure(result), lang)}


def _scope_docs(scopes: Mapping[str, Mapping[str, Any]], view: str) -> dict[str, dict[str, Any]]:
    """Per scope (pooled first) and decision: the audit document of the view."""
    docs = {}
    for scope, by_decision in scopes.items():
        docs[scope] = {d: r.to_dict(view) for d, r in by_decision.items()}
        if view == "stakeholder":  # small stage and gap cells too, in every table, chart, finding and export
            docs[scope] = {d: suppress_small(doc) for d, doc in docs[scope].items()}
    return docs


def _scope_context(docs: Mapping[str, Mapping[str, Any]], findings: Mapping[str, list[dict[str, Any]]], lang: str,
                   detail_names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Per scope (pooled first) and decision: the audit document, its impact chart and CMH statement."""
    out = []
    for scope, by_decision in docs.items():
        audits = []
        for decision, doc in by_decision.items():
            title = f"{scope_label(scope, lang)}: {stage_label(decision, lang)}"
            audits.append({"decision": decision, "doc": doc, "tables": doc["tables"],
                           "detail": detail_names.get(decision) if scope == "pooled" else None,
                           "cmh_statement": cmh_statement(doc, lang) if scope == "pooled" else None,
                           "figure": _fig(impact_figure(doc, title=title, lang=lang))})
        out.append({"scope": scope, "label": scope_label(scope, lang), "audits": audits, "findings": findings[scope]})
    return out


def _job_context(job: Any, dataset: Any, view: str = "auditor", lang: str = "en") -> dict[str, Any]:
    from workbench.plots import expectancy_figure, funnel_figure, validity_figure, weights_figure

    records = job.validity.to_records()
    texts = {}
    qs = current_questions(dataset.table("questions") if hasattr(dataset, "table") else dataset["questions"])
    if "text" in qs.columns:
        texts = dict(zip(qs["question_id"].astype(str), qs["text"].astype(str)))
    questions = [{**q, "text": texts.get(str(q["question_id"]), "")} for q in records["questions"]]
    removal = [q for q in questions if q["verdict"] == "invalid"]
    ctx: dict[str, Any] = {
        "job_id": job.job_id, "validity": records, "questions": questions, "removal": removal,
        "validity_figure": _fig(validity_figure(records), lang),
        "dimension_figure": _fig(validity_figure(records, level="dimensions"), lang),
        "funnel": job.funnel, "funnel_figure": _fig(funnel_figure(job.funnel), lang),
        "expectancy": job.expectancy,
        "expectancy_figure": _fig(expectancy_figure(job.expectancy), lang) if job.expectancy else None,
        "prompting": job.prompting, "warnings": list(job.warnings), "weights_error": job.weights_error,
        "weights": None,
    }
    if job.weights is not None:
        w = job.weights.to_records()
        if view == "stakeholder":  # the per-group rates of the weight proposal: small cells suppressed too
            w["impact_ratios"] = suppress_rates(w.get("impact_ratios", []), ("current_rate", "proposed_rate"))
        rows = w["weights"]
        ci = {r["dimension"]: (r["ci_low"], r["ci_high"]) for r in rows
              if r.get("ci_low") is not None and r.get("ci_high") is not None}
        ctx["weights"] = w
        ctx["weights_figure"] = _fig(weights_figure(
            {r["dimension"]: r["current"] for r in rows}, {r["dimension"]: r["proposed"] for r in rows},
            ci=ci if len(ci) == len(rows) else None,
            title=ui_label("weights_chart_title", lang, job=job.job_id)), lang)
    return ctx


def _answer_examples(dataset: Any, question_ids: list[str], per_question: int = 3) -> dict[str, list[dict[str, str]]]:
    """Up to ``per_question`` redacted answers per question (pseudonymous id, score, excerpt), in id order."""
    answers = dataset.table("answers") if hasattr(dataset, "table") else dataset["answers"]
    if answers is None or "answer_text" not in answers.columns or not question_ids:
        return {}
    out: dict[str, list[dict[str, str]]] = {}
    sub = answers[answers["question_id"].isin(question_ids) & answers["answer_text"].notna()]
    sub = sub.sort_values(["question_id", "candidate_id"], kind="stable")
    for qid, rows in sub.groupby("question_id", sort=True):
        out[str(qid)] = [{"candidate_id": str(r.candidate_id), "score": f"{float(r.score):.1f}",
                          "text": redact_text(r.answer_text)} for r in rows.head(per_question).itertuples()]
    return out


class _Steps:
    """Progress of the report on stderr: a tqdm bar (``progress=True``), or only on a terminal (``None``)."""

    def __init__(self, total: int, progress: bool | None):
        import sys

        from tqdm import tqdm

        self.bar = tqdm(total=total, desc="report", unit="step", file=sys.stderr, leave=True,
                        disable=None if progress is None else not progress)
        self.started = False

    def __call__(self, what: str) -> None:
        """Step ``what`` begins (the one before it is done)."""
        if self.started:
            self.bar.update(1)
        self.started = True
        self.bar.set_description_str(f"report: {what}")

    def close(self) -> None:
        self.bar.update(self.bar.total - self.bar.n)
        self.bar.set_description_str("report: done")
        self.bar.close()


def _first_screen(scopes: Mapping[str, Mapping[str, Any]], info: Mapping[str, str], prov: Mapping[str, Any],
                  errors: Mapping[str, str]) -> dict[str, Any]:
    """Scope, identity and coverage of the audit (the first screen of the auditor report and the summary)."""
    import workbench

    first = next(iter(scopes["pooled"].values()))
    return {"info": dict(info), "coverage": coverage_context(first), "jobs": list(first.meta.get("jobs", [])),
            "n_applicants": first.meta.get("n_applicants"), "decisions": list(scopes["pooled"]),
            "tool": info.get("tool") if info.get("tool") != "not stated" else
            f"Interview Workbench {workbench.__version__} (AI interview scoring)",
            "period": prov["period"], "errors": dict(errors), "version": workbench.__version__}


def write_reports(dataset: Any, out_dir: str | Path, *, criterion: str = "final_passed", view: str = "auditor",
                  review: Any = None, audits: Mapping[str, Any] | None = None, n_boot: int = 1000,
                  weight_boot: int = 200, detailed_audits: bool = True,
                  today: dt.date | None = None, audit_info: Any = None,
                  job_audits: Mapping[str, Mapping[str, Any]] | None = None, tables_dir: str | Path | None = None,
                  lang: str = "en", progress: bool | None = None, shared_plotly: bool = True,
                  pdf: bool = False, paper: str = "A4", threads: int | None = 1,
                  parallel: bool | None = None, engine: Any = None) -> list[Path]:
    """Write the auditor report, the review report, the LL144 summary, the table exports and (``detailed_audits``)
    one audit page per stage.

    Parameters
    ----------
    dataset : workbench.data.Dataset, str or Path
        A loaded dataset or its folder.
    out_dir : str or Path
        Created if missing.
    criterion : str, default "final_passed"
        The criterion of the review (validity, weights).
    view : {"auditor", "stakeholder"}
        ``stakeholder`` suppresses audit cells with a count under 5.
    review : DatasetReview, optional
        A precomputed :func:`workbench.review.review_dataset` result (same criterion).
    audits : mapping decision -> AuditResult, optional
        Precomputed pooled :func:`workbench.fairness.audit` results (default: every stage, all jobs pooled).
    n_boot, weight_boot : int
        Bootstrap resamples of the review when it is computed here.
    detailed_audits : bool, default True
        Also write ``audit_<decision>.html`` for each stage.
    today : date, optional
        The date printed (default: today).
    audit_info : mapping or path of a YAML file, optional
        The auditor block (:func:`workbench.report.scope.load_audit_info`); absent fields say "not stated".
    job_audits : mapping job -> decision -> AuditResult, optional
        Precomputed per-job audits (default: ``audit(dataset, decision, by, job_id=job)`` for every job when
        there are two or more).
    tables_dir : str or Path, optional
        Where the CSV, XLSX and JSON exports go (default: ``<out_dir>/tables``).
    lang : {"en", "zh"}
        Language of the display labels of the audit tables.
    progress : bool, optional
        A progress bar on stderr (default: only when stderr is a terminal).
    shared_plotly : bool, default True
        Write plotly.js once as ``plotly.min.js`` beside the pages and refer to it: every page stays under
        1.5 MB and opens offline as long as the folder is kept together. ``False`` inlines plotly.js in every
        page (self-contained files of about 5 MB each).
    pdf : bool, default False
        Also print ``ll144_summary.pdf`` and ``auditor_report.pdf`` with the system's headless Chromium
        (:func:`workbench.report.pdf.write_pdfs`); without Chromium a warning says so and only the HTML is
        written.
    paper : {"A4", "Letter"}
        Paper of the PDFs (the print stylesheet fits both).
    threads : int or None, default 1
        Threads of the numerical libraries (BLAS, OpenMP) while the report computes: the matrices are small,
        and on a shared machine one thread is several times faster than many; None leaves them as they are.
    engine : {None, "duckdb", "spark", "pandas"} or Engine
        Who reduces the review's validity tables and the audits' cells (:mod:`workbench.engine`); the
        dataset is loaded in memory all the same (the report needs its rows: weights, DIF, the model card,
        examples), so the pages are those of ``engine=None``.
    parallel : bool, optional
        Compute the model card in a forked process beside the review and the audits, and write the exports in
        another beside the charts and pages (default: on Linux with two or more CPUs); the report is the same
        either way.

    Returns
    -------
    list of Path
        ``auditor_report.html``, ``review_report.html``, ``ll144_summary.html``, the audit pages,
        ``plotly.min.js`` (``shared_plotly``), the PDFs (``pdf``), then the exports (``tables/``: one CSV per
        table, ``index.csv``, ``audit_tables.xlsx``, ``audit_bundle.json``).
    """
    from contextlib import nullcontext

    from threadpoolctl import threadpool_limits

    if view not in ("auditor", "stakeholder"):
        raise ValueError(f"view must be 'auditor' or 'stakeholder', got {view!r}")
    if pdf:
        from workbench.report.pdf import paper_rule

        paper_rule(paper)  # an unknown paper fails before the work
    if threads:  # the limits apply to the libraries loaded when they are set: load them first
        import scipy.linalg  # noqa: F401
        import sklearn.linear_model  # noqa: F401

        import workbench.explain  # noqa: F401
        import workbench.review.loop  # noqa: F401  (the package itself loads its modules lazily)
    with threadpool_limits(threads) if threads else nullcontext():
        return _compute_and_write(dataset, out_dir, criterion=criterion, view=view, review=review, audits=audits,
                                  n_boot=n_boot, weight_boot=weight_boot, detailed_audits=detailed_audits,
                                  today=today, audit_info=audit_info, job_audits=job_audits,
                                  tables_dir=tables_dir, lang=lang, progress=progress,
                                  shared_plotly=shared_plotly, pdf=pdf, paper=paper, parallel=parallel,
                                  engine=engine)


def _compute_and_write(dataset: Any, out_dir: str | Path, *, criterion: str, view: str, review: Any,
                       audits: Mapping[str, Any] | None, n_boot: int, weight_boot: int, detailed_audits: bool,
                       today: dt.date | None, audit_info: Any, job_audits: Mapping[str, Mapping[str, Any]] | None,
                       tables_dir: str | Path | None, lang: str, progress: bool | None, shared_plotly: bool,
                       pdf: bool, paper: str, parallel: bool | None = None, engine: Any = None) -> list[Path]:
    """The work of :func:`write_reports`: review, audits, model card, pages, PDFs, exports (with progress)."""
    from workbench.data.load import load_dataset
    from workbench.explain.cache import cache_dir
    from workbench.fairness import audit
    from workbench.fairness.audit import shared_tables
    from workbench.review import review_dataset

    info = load_audit_info(audit_info)
    folder = cache_dir()  # compiled templates beside the cached resume features (none when the cache is off)
    use_template_cache(folder / "templates" if folder is not None else None)
    dataset = load_dataset(dataset) if isinstance(dataset, str | Path) else dataset
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_jobs = len(getattr(dataset, "profiles", {}) or {})
    # the model card needs neither the review nor the audits: computed beside them (before the bar starts)
    card = _Background(lambda: _model_card(dataset, criterion), parallel)
    over_time = _Background(lambda: _trend_context(dataset, n_boot, lang), parallel)
    n_card = 1 if card.forked else n_jobs
    steps = _Steps(1 + 3 * (1 + (n_jobs if n_jobs > 1 else 0)) + n_card + 3 + int(detailed_audits) + int(pdf),
                   progress)
    try:
        steps("review")
        if review is None:
            review = review_dataset(dataset, criterion, n_boot=n_boot, weight_boot=weight_boot, engine=engine)
        with shared_tables():  # the audits of one pool share their stage and scoring tables: each built once
            if audits is None:
                audits = {}
                for d in DECISIONS:
                    steps(f"audit pooled {d}")
                    audits[d] = audit(dataset, d, AUDIT_ATTRIBUTES, skip_invalid=True, engine=engine)
            scopes, errors = ({"pooled": dict(audits), **job_audits}, {}) if job_audits is not None else \
                audit_scopes(dataset, audits, AUDIT_ATTRIBUTES, step=steps, engine=engine)
        if card.forked:
            steps("model card (proxy screen; computed beside the review and the audits)")
            model_card = card.result()
        else:
            model_card = _model_card(dataset, criterion, steps)
        steps("charts")
        paths = _write_pages(dataset, out, scopes, errors, review, info, model_card, criterion=criterion, view=view,
                             n_boot=n_boot, detailed_audits=detailed_audits, today=today or dt.date.today(), lang=lang,
                             tables_dir=Path(tables_dir) if tables_dir is not None else out / "tables",
                             shared_plotly=shared_plotly, step=steps, parallel=parallel, trend=over_time.result())
        exports = paths.pop()  # the last item holds the exported files
        if pdf:
            from workbench.report.pdf import write_pdfs

            steps("PDF (headless Chromium)")
            paths += write_pdfs(out, paper=paper)
        return paths + exports
    finally:
        card.close()
        over_time.close()
        steps.close()


def _write_pages(dataset: Any, out: Path, scopes: Mapping[str, Mapping[str, Any]], errors: Mapping[str, str],
                 review: Any, info: Mapping[str, str], model_card: Mapping[str, Any], *, criterion: str, view: str,
                 n_boot: int, detailed_audits: bool, today: dt.date, lang: str, tables_dir: Path,
                 shared_plotly: bool, step: Any = None, parallel: bool | None = None,
                 trend: Mapping[str, Any] | None = None) -> list[Any]:
    """Render and write every page; the last item of the list is the list of exported files.

    ``step(what)`` is told when the pages, the audit pages and the exports begin (the charts come first). The
    exports need only the audit documents: they are written by a forked process beside the charts and pages
    (:class:`_Background`; ``parallel`` as for :func:`write_reports`).
    """
    step = step or (lambda what: None)
    prov = provenance(dataset)
    docs = _scope_docs(scopes, view)
    found = {scope: scope_findings(scope, by_decision, lang) for scope, by_decision in docs.items()}
    findings = [f for fs in found.values() for f in fs]
    bundle = {"generated": today.isoformat(), "view": view, "audit_info": dict(info), "provenance": prov,
              "findings": findings, "errors": dict(errors)}
    exports = _Background(lambda: write_exports(docs, tables_dir, bundle=bundle), parallel)
    try:
        paths = _render_pages(dataset, out, scopes, docs, found, errors, review, info, model_card, prov,
                              criterion=criterion, view=view, n_boot=n_boot, detailed_audits=detailed_audits,
                              today=today, lang=lang, shared_plotly=shared_plotly, step=step, trend=trend)
        step("exports (CSV, XLSX, JSON" + ("; written beside the pages)" if exports.forked else ")"))
        paths.append(exports.result())
    finally:
        exports.close()
    return paths


def _render_pages(dataset: Any, out: Path, scopes: Mapping[str, Mapping[str, Any]],
                  docs: Mapping[str, Mapping[str, Any]], found: Mapping[str, list[dict[str, Any]]],
                  errors: Mapping[str, str], review: Any, info: Mapping[str, str], model_card: Mapping[str, Any],
                  prov: Mapping[str, Any], *, criterion: str, view: str, n_boot: int, detailed_audits: bool,
                  today: dt.date, lang: str, shared_plotly: bool, step: Any,
                  trend: Mapping[str, Any] | None = None) -> list[Path]:
    """The charts and pages of :func:`_write_pages` (the paths written)."""
    jobs = [_job_context(j, dataset, view, lang) for j in review.jobs]
    for j in jobs:  # answers shown: those of the questions proposed for removal, else of the weakest question
        rated = [q for q in j["questions"] if q.get("r_corrected") is not None]
        j["shown"] = j["removal"] or sorted(rated, key=lambda q: q["r_corrected"])[:1]
    removal_ids = [q["question_id"] for j in jobs for q in j["shown"]]
    base = {
        "generated": today.isoformat(), "prov": prov, "versions": package_versions(),
        "criterion": criterion, "view": view, "jobs": jobs, "skipped": dict(review.skipped), "lang": lang,
        "settings": {"n_boot": n_boot, "min_validity": jobs[0]["validity"]["min_validity"] if jobs else None,
                     "adjust": jobs[0]["validity"]["adjust"] if jobs else None},
    }
    detail_names = {d: f"audit_{d}.html" for d in scopes["pooled"]} if detailed_audits else {}
    scope_ctx = _scope_context(docs, found, lang, detail_names)
    screen = _first_screen(scopes, info, prov, errors)
    findings = [f for s in scope_ctx for f in s["findings"]]
    step("pages")
    pages = {
        "auditor_report.html": render("auditor_report.html.j2", **base, plotly=plotly_script(shared_plotly), scopes=scope_ctx,
                                      findings=findings, screen=screen, glossary=glossary(lang),
                                      model_card=model_card),
        "review_report.html": render("review_report.html.j2", **base, plotly=plotly_script(shared_plotly),
                                     examples=_answer_examples(dataset, removal_ids),
                                     trend=trend or {}),
        "ll144_summary.html": render("summary.html.j2", **base, screen=screen, pooled=scope_ctx[0],
                                     findings=[f for f in findings if f["stage"] == "ai_passed"],
                                     body_class="summary"),
    }
    paths = []
    for name, text in pages.items():
        paths.append(out / name)
        paths[-1].write_text(text, encoding="utf-8")
    if shared_plotly:
        paths.append(write_plotly_asset(out))
    if detailed_audits:
        step("audit pages")
        paths += [write_audit_report(result, dataset, out, view=view, lang=lang, shared_plotly=shared_plotly,
                                     doc=docs["pooled"][decision], sha256=prov["sha256"])
                  for decision, result in scopes["pooled"].items()]
    return paths
