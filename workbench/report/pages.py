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
from workbench.report.html import figure_json, plotly_script, render, write_audit_report
from workbench.data.groups import AUDIT_ATTRIBUTES

__all__ = ["DATE_LINE_PREFIX", "PACKAGES", "package_versions", "provenance", "redact_text", "write_reports"]

DATE_LINE_PREFIX = '<p class="date">Generated'
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


def _model_card(dataset: Any, criterion: str) -> dict[str, Any]:
    """The model card of :mod:`workbench.explain` per job (``{"available": False, "reason"}`` when the data
    cannot support the model: :class:`workbench.explain.ExplainError`, said in the report)."""
    from workbench.explain import ExplainError, explain_dataset

    cards = {}
    try:
        for job in sorted(getattr(dataset, "profiles", {})):
            cards[job] = explain_dataset(dataset, criterion, job_id=job).model_card()
    except ExplainError as exc:  # the card is optional: say why it is missing instead of failing the report
        return {"available": False, "reason": f"the model card could not be built: {exc}"}
    sections = []
    for job, job_card in cards.items():
        body = job_card.to_dict() if hasattr(job_card, "to_dict") else job_card
        if isinstance(body, Mapping):
            sections += [(f"{job}: {k}", v) for k, v in _flatten_card(body)]
        else:
            sections.append((str(job), _short(body)))
    return {"available": True, "sections": sections}


def _flatten_card(card: Mapping[str, Any], limit: int = 700) -> list[tuple[str, str]]:
    """Sections of a model card as (title, text); dates dropped (the page's date line has the date)."""
    out = []
    for key, value in card.items():
        if isinstance(value, Mapping):
            value = {k: v for k, v in value.items() if k != "date"}
        if isinstance(value, Mapping):
            text = "; ".join(f"{k}: {_short(v)}" for k, v in value.items())
        elif isinstance(value, list | tuple):
            text = "; ".join(_short(v) for v in value)
        else:
            text = _short(value)
        text = text if len(text) <= limit else text[: limit - 1] + "…"
        out.append((str(key).replace("_", " "), text))
    return out


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_short(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_short(v) for v in value)
    return str(value)


def _fig(fig: Any) -> Any:
    return figure_json(fig)


def _audit_context(audits: Mapping[str, Any], view: str) -> list[dict[str, Any]]:
    from workbench.plots import impact_ratio_figure

    out = []
    for decision, result in audits.items():
        doc = result.to_dict(view)
        ratios = {t["attribute"]: {r["group"]: r["impact_ratio"] for r in t["rows"]} for t in doc["tables"]}
        flagged = [(t["attribute"], r["group"], r["impact_ratio"]) for t in doc["tables"] for r in t["rows"]
                   if r.get("four_fifths")]
        out.append({"decision": decision, "doc": doc, "flagged": flagged,
                    "tables": doc["tables"],
                    "figure": _fig(impact_ratio_figure(ratios, title=f"Impact ratios of {decision}"))})
    return out


def _job_context(job: Any, dataset: Any) -> dict[str, Any]:
    from workbench.plots import expectancy_figure, funnel_figure, validity_figure, weights_figure

    records = job.validity.to_records()
    texts = {}
    qs = dataset.table("questions") if hasattr(dataset, "table") else dataset["questions"]
    if "text" in qs.columns:
        texts = dict(zip(qs["question_id"].astype(str), qs["text"].astype(str)))
    questions = [{**q, "text": texts.get(str(q["question_id"]), "")} for q in records["questions"]]
    removal = [q for q in questions if q["verdict"] == "invalid"]
    ctx: dict[str, Any] = {
        "job_id": job.job_id, "validity": records, "questions": questions, "removal": removal,
        "validity_figure": _fig(validity_figure(records)),
        "dimension_figure": _fig(validity_figure(records, level="dimensions")),
        "funnel": job.funnel, "funnel_figure": _fig(funnel_figure(job.funnel)),
        "expectancy": job.expectancy,
        "expectancy_figure": _fig(expectancy_figure(job.expectancy)) if job.expectancy else None,
        "prompting": job.prompting, "warnings": list(job.warnings), "weights_error": job.weights_error,
        "weights": None,
    }
    if job.weights is not None:
        w = job.weights.to_records()
        rows = w["weights"]
        ci = {r["dimension"]: (r["ci_low"], r["ci_high"]) for r in rows
              if r.get("ci_low") is not None and r.get("ci_high") is not None}
        ctx["weights"] = w
        ctx["weights_figure"] = _fig(weights_figure(
            {r["dimension"]: r["current"] for r in rows}, {r["dimension"]: r["proposed"] for r in rows},
            ci=ci if len(ci) == len(rows) else None,
            title=f"{job.job_id}: current and proposed weights (bars: bootstrap 95% CI)"))
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


def write_reports(dataset: Any, out_dir: str | Path, *, criterion: str = "final_passed", view: str = "auditor",
                  review: Any = None, audits: Mapping[str, Any] | None = None, n_boot: int = 1000,
                  weight_boot: int = 200, detailed_audits: bool = True,
                  today: dt.date | None = None) -> list[Path]:
    """Write the auditor report, the review report and (``detailed_audits``) one audit page per stage.

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
        Precomputed :func:`workbench.fairness.audit` results (default: every stage).
    n_boot, weight_boot : int
        Bootstrap resamples of the review when it is computed here.
    detailed_audits : bool, default True
        Also write ``audit_<decision>.html`` for each stage.
    today : date, optional
        The date printed (default: today).

    Returns
    -------
    list of Path
        ``auditor_report.html``, ``review_report.html``, then the audit pages.
    """
    from workbench.data.load import load_dataset
    from workbench.fairness import audit
    from workbench.review import review_dataset

    if view not in ("auditor", "stakeholder"):
        raise ValueError(f"view must be 'auditor' or 'stakeholder', got {view!r}")
    dataset = load_dataset(dataset) if isinstance(dataset, str | Path) else dataset
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if review is None:
        review = review_dataset(dataset, criterion, n_boot=n_boot, weight_boot=weight_boot)
    if audits is None:
        audits = {d: audit(dataset, d, AUDIT_ATTRIBUTES, skip_invalid=True) for d in DECISIONS}
    today = today or dt.date.today()
    jobs = [_job_context(j, dataset) for j in review.jobs]
    for j in jobs:  # answers shown: those of the questions proposed for removal, else of the weakest question
        rated = [q for q in j["questions"] if q.get("r_corrected") is not None]
        j["shown"] = j["removal"] or sorted(rated, key=lambda q: q["r_corrected"])[:1]
    removal_ids = [q["question_id"] for j in jobs for q in j["shown"]]
    base = {
        "generated": today.isoformat(), "prov": provenance(dataset), "versions": package_versions(),
        "criterion": criterion, "view": view, "jobs": jobs, "skipped": dict(review.skipped),
        "plotly": plotly_script(),
        "settings": {"n_boot": n_boot, "min_validity": jobs[0]["validity"]["min_validity"] if jobs else None,
                     "adjust": jobs[0]["validity"]["adjust"] if jobs else None},
    }
    audit_ctx = _audit_context(audits, view)
    detail_names = {d: f"audit_{d}.html" for d in audits} if detailed_audits else {}
    auditor = render("auditor_report.html.j2", **base, audits=audit_ctx, detail_names=detail_names,
                     model_card=_model_card(dataset, criterion), title="Auditor report: Interview Workbench")
    review_page = render("review_report.html.j2", **base, examples=_answer_examples(dataset, removal_ids),
                         title=f"Data review report: {criterion}")
    paths = [out / "auditor_report.html", out / "review_report.html"]
    paths[0].write_text(auditor, encoding="utf-8")
    paths[1].write_text(review_page, encoding="utf-8")
    if detailed_audits:
        paths += [write_audit_report(result, dataset, out, view=view) for result in audits.values()]
    return paths
