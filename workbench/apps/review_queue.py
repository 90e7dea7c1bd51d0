"""The review-queue app: a person reviews the borderline candidates of a job and records pass or fail.

Everything it shows comes from :mod:`workbench.review.queue` (the queue, the decisions, their application to the
AI decisions) and :func:`workbench.review.overrides.override_counts`; nothing is recomputed here. Decisions are
written through :func:`workbench.review.queue.record_decision` (append-only, UTC time). Candidates appear under
their pseudonymous ids only; their answers, the notes and every other text are HTML-escaped. Labels follow the
English / 中文 switch (``review_queue.yaml``); the switch starts in the job's language.

- :func:`decisions_dataset`: the dataset whose folder holds the decisions file (``decisions_path``);
- :func:`queue_html`, :func:`answers_html`, :func:`decisions_html`, :func:`overrides_html`: the parts, as HTML;
- :class:`ReviewQueueApp` (built by :func:`build_review_queue`): the widgets wired to them.

Examples
--------
>>> import tempfile
>>> from workbench.simulate import simulate, small_config, write_simulation
>>> folder = tempfile.mkdtemp()
>>> _ = write_simulation(simulate(small_config(n_candidates=300, seed=2, answer_texts=False)), folder)
>>> app = build_review_queue(folder, "product_manager", reviewer="rev-1")
>>> first = app.candidate.value
>>> app.decision.value, app.note.value = "fail", "thin <b>examples</b>"
>>> app.record.click()
>>> app.recorded["candidate_id"] == first, 'data-status="decided"' in app.queue_box.value
(True, True)
>>> "thin &lt;b&gt;examples&lt;/b&gt;" in app.decisions_box.value
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd

from workbench.apps._common import STYLE, esc, fmt_num, load_dataset
from workbench.data.provenance import demo_path, repo_root
from workbench.review import queue as rq
from workbench.review.overrides import override_counts

__all__ = ["DEMO_DECISIONS", "ReviewQueueApp", "answers_html", "band_html", "build_review_queue", "decisions_dataset",
           "decisions_html", "labels", "overrides_html", "queue_html"]

LABELS = Path(__file__).resolve().parent / "review_queue.yaml"
DEMO_DECISIONS = repo_root() / "reports" / "review_queue"
"""Where the demo data's decisions go by default: ``datasets/demo`` is committed and never written to."""
_STYLE = """<style>
.wb-rq-scroll { max-height: 320px; overflow-y: auto; border: 1px solid #ddd; margin-bottom: .6rem; }
.wb-rq-scroll table { margin: 0; } .wb-app tr.sel td { background: #e3f2fd; }
.wb-app td.t { text-align: left; white-space: pre-wrap; max-width: 640px; }
</style>"""


@lru_cache(maxsize=1)
def labels() -> dict[str, Any]:
    """The app's texts (``review_queue.yaml``), read once.

    >>> labels()["labels"]["record"]["zh"], labels()["values"]["fail"]["en"]
    ('记录决定', 'fail')
    """
    from workbench.data.vocabulary import yaml_load  # yaml.safe_load through libyaml

    return yaml_load(LABELS.read_text(encoding="utf-8"))


def _t(key: str, lang: str, group: str = "labels") -> str:
    entry = labels()[group][key]
    return entry.get(lang) or entry["en"]


def _v(value: Any, lang: str) -> str:
    """A value's label (pass/fail, pending/decided, true/false) in ``lang``; anything else as is."""
    entry = labels()["values"].get(str(value).lower()) if value is not None else None
    return (entry.get(lang) or entry["en"]) if entry else ("" if value is None or pd.isna(value) else str(value))


def _para(text: str, cls: str = "wb-note", testid: str | None = None) -> str:
    """One escaped paragraph.

    >>> _para("a<b", "wb-warn", "status")
    '<p class="wb-warn" data-testid="status">a&lt;b</p>'
    """
    tid = f' data-testid="{esc(testid)}"' if testid else ""
    return f'<p class="{esc(cls)}"{tid}>{esc(text)}</p>'


def decisions_dataset(dataset: Any, decisions_path: str | Path | None = None, *, demo: bool = False) -> Any:
    """``dataset`` with its decisions file in ``decisions_path``: :mod:`workbench.review.queue` keeps
    ``review_decisions.csv`` in ``dataset.path``, so the copy's ``path`` is that folder (the tables are shared).

    Parameters
    ----------
    dataset : workbench.data.load.Dataset
    decisions_path : str or Path, optional
        A folder (created when the first decision is written) or a file named ``review_decisions.csv``;
        default: the dataset's own folder, or :data:`DEMO_DECISIONS` for the demo data (``demo=True``).
    demo : bool
        The dataset is the checkout's demo data.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> decisions_dataset(SimpleNamespace(path=Path("/data/x"))).path.as_posix()
    '/data/x'
    >>> decisions_dataset(SimpleNamespace(path=Path("/data/x")), "notes.csv")
    Traceback (most recent call last):
    ValueError: the decisions file is named review_decisions.csv; give it, or its folder (not 'notes.csv')
    """
    if decisions_path is None and not demo:
        return dataset
    target = Path(decisions_path) if decisions_path is not None else DEMO_DECISIONS
    if target.suffix:
        if target.name != rq.DECISIONS_FILE:
            raise ValueError(f"the decisions file is named {rq.DECISIONS_FILE}; give it, or its folder "
                             f"(not {str(decisions_path)!r})")
        target = target.parent
    if dataclasses.is_dataclass(dataset):
        return dataclasses.replace(dataset, path=target)
    return type(dataset)(**{**vars(dataset), "path": target})


def queue_html(frame: pd.DataFrame, lang: str = "en", selected: str | None = None) -> str:
    """The queue (:func:`workbench.review.queue.borderline_queue` rows) as an escaped table; ``selected``
    highlights one candidate. A row carries ``data-candidate`` and ``data-status``.

    >>> row = {"candidate_id": "C1", "ai_score": 3.2, "ai_decision": "fail", "status": "pending",
    ...        "decision": None, "reviewer": None, "decided_at": None}
    >>> html = queue_html(pd.DataFrame([row]), "zh")
    >>> 'data-candidate="C1"' in html and "待复核" in html and "不通过" in html
    True
    """
    if frame.empty:
        return f'<div class="wb-app" data-testid="queue"><p class="wb-note">{esc(_t("empty_queue", lang))}</p></div>'
    heads = ("candidate", "ai_score", "ai_decision", "status", "decision", "reviewer", "decided_at")
    parts = [f'<div class="wb-app" data-testid="queue">{STYLE}{_STYLE}<div class="wb-rq-scroll"><table><tr>',
             *(f'<th class="g">{esc(_t(h, lang))}</th>' for h in heads), "</tr>"]
    for r in frame.to_dict("records"):
        cls = " ".join(c for c in ("pass" if r["status"] == "decided" else "",
                                   "sel" if r["candidate_id"] == selected else "") if c)
        parts.append(f'<tr class="{cls}" data-candidate="{esc(r["candidate_id"])}" data-status="{esc(r["status"])}">'
                     f'<td class="g">{esc(r["candidate_id"])}</td><td>{esc(fmt_num(r["ai_score"]))}</td>'
                     f'<td class="g">{esc(_v(r["ai_decision"], lang))}</td><td class="g">{esc(_v(r["status"], lang))}'
                     f'</td><td class="g">{esc(_v(r["decision"], lang))}</td>'
                     f'<td class="g">{esc(_v(r["reviewer"], lang))}</td><td class="g">{esc(_v(r["decided_at"], lang))}'
                     "</td></tr>")
    parts.append("</table></div></div>")
    return "".join(parts)


def band_html(frame: pd.DataFrame, lang: str = "en") -> str:
    """The job's band (``frame.attrs["bands"]`` of the queue) and how many candidates are pending."""
    bands = frame.attrs.get("bands") or []
    if not bands:
        return f'<div class="wb-app"><p class="wb-warn">{esc(_t("no_band", lang))}</p></div>'
    b = bands[0]
    text = _t("band", lang).format(low=fmt_num(b["band_low"]), high=fmt_num(b["band_high"]),
                                   threshold=fmt_num(b["threshold"]), sem=fmt_num(b["sem"]),
                                   reliability=fmt_num(b["reliability"]), n=len(frame),
                                   pending=int((frame["status"] == "pending").sum()))
    return f'<div class="wb-app"><p data-testid="band">{esc(text)}</p></div>'


def answers_html(dataset: Any, candidate_id: str | None, lang: str = "en") -> str:
    """The candidate's answers (question, dimension, rubric score, the answer text), every text escaped.

    >>> ds = type("D", (), {"answers": pd.DataFrame({"candidate_id": ["C1"], "question_id": ["q1"], "score": [4.0],
    ...     "answer_text": ["<script>x</script>"]}), "questions": pd.DataFrame({"question_id": ["q1"],
    ...     "dimension": ["drive"], "text": ["Why?"]})})()
    >>> html = answers_html(ds, "C1")
    >>> "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x" not in html
    True
    """
    if not candidate_id:
        return ""
    a = dataset.answers[dataset.answers["candidate_id"] == candidate_id]
    a = a.merge(dataset.questions[["question_id", "dimension", "text"]].drop_duplicates("question_id"),
                on="question_id", how="left")
    head = f'<h3>{esc(_t("answers", lang).format(candidate=candidate_id))}</h3>'
    if a.empty:
        return f'<div class="wb-app" data-testid="answers">{head}{_para(_t("no_answers", lang))}</div>'
    rows = "".join(f'<tr><td class="g">{esc(r["question_id"])}</td><td class="t">{esc(_v(r["text"], lang))}</td>'
                   f'<td class="g">{esc(_v(r["dimension"], lang))}</td><td>{esc(fmt_num(r["score"], 1))}</td>'
                   f'<td class="t">{esc(_v(r["answer_text"], lang))}</td></tr>' for r in a.to_dict("records"))
    heads = "".join(f'<th class="g">{esc(_t(h, lang))}</th>' for h in ("question_id", "question", "dimension",
                                                                       "score", "answer"))
    return (f'<div class="wb-app" data-testid="answers">{_STYLE}{head}<div class="wb-rq-scroll"><table><tr>{heads}'
            f"</tr>{rows}</table></div></div>")


def decisions_html(recorded: pd.DataFrame, job_id: str | None, lang: str = "en") -> str:
    """The decisions file's lines for ``job_id`` (all jobs: None), newest first; a line a later one for the
    same candidate supersedes is marked so (:func:`workbench.review.queue.decisions` with ``latest=False``).

    >>> rec = pd.DataFrame({"decided_at": ["t1", "t2"], "candidate_id": ["C1", "C1"], "job_id": ["pm", "pm"],
    ...     "decision": ["pass", "fail"], "reviewer": ["r", "r"], "note": ["", "<i>no</i>"],
    ...     "ai_score": ["3.1", "3.1"], "ai_decision": ["fail", "fail"], "in_band": ["true", "true"]})
    >>> html = decisions_html(rec, "pm")
    >>> html.index("t2") < html.index("t1"), html.count("superseded"), "&lt;i&gt;no&lt;/i&gt;" in html
    (True, 1, True)
    """
    rec = recorded if job_id is None else recorded[recorded["job_id"] == job_id]
    head = f'<h3>{esc(_t("decisions", lang))}</h3>'
    if rec.empty:
        return f'<div class="wb-app" data-testid="decisions">{head}{_para(_t("no_decisions", lang))}</div>'
    latest = ~rec.duplicated("candidate_id", keep="last")
    heads = ("decided_at", "candidate", "decision", "ai_decision", "ai_score", "in_band", "reviewer", "note")
    parts = [f'<div class="wb-app" data-testid="decisions">{head}<div class="wb-rq-scroll"><table><tr>',
             *(f'<th class="g">{esc(_t(h, lang))}</th>' for h in heads), "</tr>"]
    for (_, r), current in reversed(list(zip(rec.iterrows(), latest))):
        mark = "" if current else f' <small>({esc(_t("superseded", lang))})</small>'
        parts.append(f'<tr class="{"" if current else "muted"}" data-candidate="{esc(r["candidate_id"])}" '
                     f'data-decision="{esc(r["decision"])}"><td class="g">{esc(r["decided_at"])}</td>'
                     f'<td class="g">{esc(r["candidate_id"])}{mark}</td>'
                     f'<td class="g">{esc(_v(r["decision"], lang))}</td>'
                     f'<td class="g">{esc(_v(r["ai_decision"], lang))}</td><td>{esc(r["ai_score"])}</td>'
                     f'<td class="g">{esc(_v(r["in_band"], lang))}</td><td class="g">{esc(r["reviewer"])}</td>'
                     f'<td class="t">{esc(r["note"])}</td></tr>')
    parts.append("</table></div></div>")
    return "".join(parts)


def overrides_html(counts: Mapping[str, Any], applied: Mapping[str, Any], job_id: str | None,
                   lang: str = "en") -> str:
    """The review and override counts (:func:`workbench.review.overrides.override_counts` of
    :func:`workbench.review.queue.apply_decisions`) for the job and all jobs; ``applied`` is the applied
    frame's ``attrs`` (``applied``, ``overrides``, ``final_round_conflicts``).

    >>> c = {"decisions": 3, "reviewed": 2, "overridden": 1, "overridden_to_pass": 1, "overridden_to_fail": 0,
    ...      "by_job": {"pm": {"decisions": 3, "reviewed": 2, "overridden": 1, "overridden_to_pass": 1,
    ...      "overridden_to_fail": 0}}, "note": "1 AI decision(s) were overturned by human review: ..."}
    >>> html = overrides_html(c, {"applied": 1, "overrides": 1, "final_round_conflicts": []}, "pm", "zh")
    >>> 'data-scope="job"' in html and "有 1 个 AI 决定被人工复核推翻" in html
    True
    """
    keys = ("decisions", "reviewed", "overridden", "overridden_to_pass", "overridden_to_fail")
    names = ("n_decisions", "reviewed", "overridden", "to_pass", "to_fail")
    scopes = ([("job", _t("this_job", lang) + f" ({job_id})", counts.get("by_job", {}).get(job_id))]
              if job_id else []) + [("all", _t("all_jobs", lang), counts)]
    parts = [f'<div class="wb-app" data-testid="overrides"><h3>{esc(_t("overrides", lang))}</h3><table><tr>'
             f'<th class="g">{esc(_t("scope", lang))}</th>', *(f"<th>{esc(_t(n, lang))}</th>" for n in names), "</tr>"]
    for scope, label, c in scopes:
        if c is None:
            continue
        parts.append(f'<tr data-scope="{scope}"><td class="g">{esc(label)}</td>'
                     + "".join(f'<td data-key="{k}">{esc(fmt_num(int(c[k])))}</td>' for k in keys) + "</tr>")
    parts.append("</table>")
    parts.append(_para(_t("from_file", lang).format(applied=applied.get("applied", 0),
                                                    overrides=applied.get("overrides", 0))))
    if counts.get("note"):
        zh = labels()["labels"]["override_note"].get("zh")
        note = zh.format(n=counts["overridden"]) if lang == "zh" and zh else counts["note"]
        parts.append(f'<p class="wb-note">{esc(note)}</p>')
    if applied.get("final_round_conflicts"):
        ids = ", ".join(map(str, applied["final_round_conflicts"]))
        parts.append(f'<p class="wb-warn" data-testid="conflicts">{esc(_t("conflicts", lang).format(ids=ids))}</p>')
    parts.append("</div>")
    return "".join(parts)


class ReviewQueueApp(w.VBox):
    """The app's layout (a VBox) with its parts as attributes: ``lang``, ``job``, ``pending_only``,
    ``candidate`` (Dropdowns and toggles), ``decision`` (pass/fail, none until chosen), ``reviewer``, ``note``,
    ``record`` (the button), ``band_box``, ``queue_box``, ``answers_box``, ``status``, ``decisions_box``,
    ``overrides_box`` (HTML); ``frame`` is the queue shown, ``recorded`` the last row written (or None)."""

    def __init__(self, dataset: Any, job_id: str | None = None, reviewer: str = "", *, lang: str | None = None) -> None:
        self.dataset = dataset
        self.frame = pd.DataFrame()
        self.recorded: dict[str, Any] | None = None
        self._quiet = False
        jobs = sorted(dataset.profiles)
        job = job_id if job_id in jobs else (jobs[0] if jobs else None)
        if job_id is not None and job != job_id:
            raise ValueError(f"job {job_id!r} has no profile in the dataset (have {', '.join(jobs)})")
        langs = [(name, code) for code, name in labels()["languages"].items()]
        self.lang = w.ToggleButtons(options=langs, value=lang or self._job_lang(job), style={"button_width": "80px"})
        self.job = w.Dropdown(options=jobs, value=job)
        self.pending_only = w.Checkbox(value=False, indent=False)
        self.candidate = w.Dropdown(options=[], layout=w.Layout(width="420px"))
        self.decision = w.ToggleButtons(options=[], value=None)
        self.reviewer = w.Text(value=str(reviewer or ""))
        self.note = w.Textarea(value="", layout=w.Layout(width="95%", height="70px"))
        self.record = w.Button(button_style="primary")
        self.band_box, self.queue_box, self.answers_box = w.HTML(), w.HTML(), w.HTML()
        self.status, self.decisions_box, self.overrides_box, self.file_box = w.HTML(), w.HTML(), w.HTML(), w.HTML()
        self.header = w.HTML()
        for widget, cls in ((self.lang, "wb-lang"), (self.candidate, "wb-rq-candidate"),
                            (self.decision, "wb-rq-decision"), (self.reviewer, "wb-rq-reviewer"),
                            (self.note, "wb-rq-note"), (self.record, "wb-rq-record"),
                            (self.status, "wb-rq-status"), (self.job, "wb-rq-job")):
            widget.add_class(cls)
        super().__init__([self.header, w.HBox([self.lang, self.job, self.pending_only]), self.band_box, self.queue_box,
                          self.candidate, self.answers_box, w.HBox([self.decision, self.reviewer]), self.note,
                          self.record, self.status, self.decisions_box, self.overrides_box, self.file_box])
        self.add_class("wb-review-queue")
        self.lang.observe(self._on_lang, names="value")
        self.job.observe(self._on_job, names="value")
        self.pending_only.observe(self._on_job, names="value")
        self.candidate.observe(self._on_candidate, names="value")
        self.record.on_click(self._on_record)
        self._relabel()
        self._on_job()

    def _job_lang(self, job: str | None) -> str:
        lang = getattr(self.dataset.profiles.get(job), "language", "en") if job else "en"
        return lang if lang in labels()["languages"] else "en"

    def _relabel(self) -> None:
        lang = self.lang.value
        self.header.value = (f'<div class="wb-app">{STYLE}<h2 style="margin:0">{esc(_t("title", lang))}</h2>'
                             f'<p class="wb-note">{esc(_t("intro", lang))}</p></div>')
        self.job.description, self.candidate.description = _t("job", lang), _t("candidate", lang)
        self.pending_only.description = _t("pending_only", lang)
        self.reviewer.description, self.reviewer.placeholder = _t("reviewer", lang), _t("reviewer", lang)
        self.note.description, self.note.placeholder = _t("note", lang), _t("note_placeholder", lang)
        self.record.description = _t("record", lang)
        chosen = self.decision.value
        self.decision.options = [(_v(d, lang), d) for d in ("pass", "fail")]
        self.decision.value = chosen
        self.decision.description = _t("pick", lang)
        folder = Path(getattr(self.dataset, "path", "") or "")
        self.file_box.value = (f'<div class="wb-app"><p class="wb-note" data-testid="decisions-file">'
                               f'{esc(_t("file", lang).format(path=folder / rq.DECISIONS_FILE))}</p></div>')

    def _on_lang(self, *_: Any) -> None:
        self._relabel()
        self._options()
        self._render()

    def _on_job(self, *_: Any) -> None:
        try:
            self.frame = rq.borderline_queue(self.dataset, self.job.value, include_decided=not self.pending_only.value)
        except ValueError:  # a job without answers: no band
            self.frame = pd.DataFrame(columns=["candidate_id", "status"])
        self._options(keep=False)
        self._render()

    def _options(self, keep: bool = True, prefer: str | None = None) -> None:
        """The candidate choices from :attr:`frame`; keeps the current one (or ``prefer``) when still listed."""
        lang, current = self.lang.value, prefer or (self.candidate.value if keep else None)
        opts = [(f"{r['candidate_id']} · {fmt_num(r['ai_score'])} · {_v(r['status'], lang)}", r["candidate_id"])
                for r in self.frame.to_dict("records")]
        self._quiet = True
        try:
            self.candidate.options = opts
            ids = [v for _, v in opts]
            self.candidate.value = current if current in ids else (ids[0] if ids else None)
        finally:
            self._quiet = False
        self.answers_box.value = answers_html(self.dataset, self.candidate.value, lang)

    def _on_candidate(self, *_: Any) -> None:
        if self._quiet:
            return
        self.answers_box.value = answers_html(self.dataset, self.candidate.value, self.lang.value)
        self.queue_box.value = queue_html(self.frame, self.lang.value, self.candidate.value)

    def _render(self) -> None:
        lang = self.lang.value
        scored = "ai_score" in self.frame
        self.band_box.value = band_html(self.frame if scored else pd.DataFrame(), lang)
        self.queue_box.value = queue_html(self.frame, lang, self.candidate.value) if scored else ""
        self.decisions_box.value = decisions_html(rq.decisions(self.dataset, latest=False), self.job.value, lang)
        applied = rq.apply_decisions(self.dataset)
        self.overrides_box.value = overrides_html(override_counts(applied, self.dataset.candidates), applied.attrs,
                                                  self.job.value, lang)

    def _next_pending(self, after: str) -> str | None:
        ids = list(self.frame["candidate_id"])
        pending = set(self.frame.loc[self.frame["status"] == "pending", "candidate_id"])
        start = ids.index(after) + 1 if after in ids else 0
        return next((c for c in ids[start:] + ids[:start] if c in pending), after)

    def _on_record(self, *_: Any) -> None:
        lang, cid = self.lang.value, self.candidate.value
        missing = ("need_candidate" if not cid else "need_decision" if self.decision.value is None
                   else "need_reviewer" if not self.reviewer.value.strip() else None)
        if missing:
            self.status.value = f'<div class="wb-app">{_para(_t(missing, lang), "wb-warn", "status")}</div>'
            return
        try:
            Path(self.dataset.path).mkdir(parents=True, exist_ok=True)
            row = rq.record_decision(self.dataset, cid, self.decision.value, reviewer=self.reviewer.value,
                                     note=self.note.value)
        except (KeyError, ValueError, OSError) as exc:
            failed = _t("failed", lang).format(error=exc)
            self.status.value = f'<div class="wb-app">{_para(failed, "wb-warn", "status")}</div>'
            return
        self.recorded = row
        text = _t("recorded", lang).format(**{**row, "candidate": row["candidate_id"],
                                              "decision": _v(row["decision"], lang),
                                              "ai_decision": _v(row["ai_decision"], lang)})
        self.status.value = (f'<div class="wb-app"><p data-testid="status" data-recorded="{esc(row["candidate_id"])}">'
                             f"{esc(text)}</p></div>")
        self.note.value, self.decision.value = "", None
        self.frame = rq.borderline_queue(self.dataset, self.job.value, include_decided=not self.pending_only.value)
        self._options(prefer=self._next_pending(cid))
        self._render()


def build_review_queue(dataset_or_path: Any = None, job_id: str | None = None, reviewer: str = "",
                       decisions_path: str | Path | None = None, *, lang: str | None = None) -> ReviewQueueApp:
    """The review-queue layout (display it in a notebook or a Voila app).

    Parameters
    ----------
    dataset_or_path : Dataset, str or Path, optional
        Default: the demo data.
    job_id : str, optional
        The job shown first (default: the first with a profile); the job selector switches.
    reviewer : str
        Who reviews (prefills the reviewer field; a decision needs one).
    decisions_path : str or Path, optional
        The folder of ``review_decisions.csv``, or that file (see :func:`decisions_dataset`); default: the
        dataset's folder, or :data:`DEMO_DECISIONS` for the demo data.
    lang : {"en", "zh"}, optional
        The labels' language first (default: the job's).

    Returns
    -------
    ReviewQueueApp
    """
    dataset = load_dataset(dataset_or_path)
    demo = Path(getattr(dataset, "path", "") or "").resolve() == demo_path().resolve()
    dataset = decisions_dataset(dataset, decisions_path, demo=demo)
    return ReviewQueueApp(dataset, job_id, reviewer, lang=lang)
