"""The live-feedback app: pick a job and a question, type an answer, watch the STAR meter, the hints and the
highlighted keywords update as you type (ipywidgets; works in JupyterLab and under Voila).

Everything shown that comes from the answer is HTML-escaped. Analysis is incremental
(:class:`workbench.feedback.IncrementalAnalyzer`): only changed sentences are analysed again, so updating on
every keystroke stays cheap. The hints shown are recorded (``app.prompt_log()``) like the data contract's
``prompted`` / ``prompt_kind``.

Examples
--------
>>> app = build_live_feedback()
>>> app.answer.value = "Last year our churn kept rising. I had to fix it. I interviewed users and rewrote onboarding."
>>> "missing_result" in app.hints.value
True
>>> app.answer.value += " Churn fell 15%."
>>> "missing_result" in app.hints.value, "praise_quantified" in app.hints.value
(False, True)
"""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as w

from workbench.data.provenance import demo_path
from workbench.feedback import IncrementalAnalyzer
from workbench.records import AnswerAnalysis

DEMO = demo_path()
_NAMES = {"S": ("Situation", "情境"), "T": ("Task", "任务"), "A": ("Action", "行动"), "R": ("Result", "结果")}
_STYLE = """<style>
.wb-star span{display:inline-block;padding:4px 10px;margin:2px;border-radius:4px;font-family:sans-serif}
.wb-on{background:#2e7d32;color:#fff}.wb-off{background:#eee;color:#555}
.wb-hint{padding:6px 10px;margin:4px 0;border-left:4px solid #f9a825;background:#fffde7;font-family:sans-serif}
.wb-praise{border-left-color:#2e7d32;background:#e8f5e9}
mark.wb-kw{background:#bbdefb}mark.wb-q{background:#c8e6c9}
</style>"""


def _jobs(dataset_path: str | Path | None = None) -> dict:
    from workbench.profile import load_profiles

    folder = (Path(dataset_path) if dataset_path else DEMO) / "profiles"
    return load_profiles(folder) if folder.is_dir() else {}


def _questions(job_id: str, language: str = "en") -> list[tuple[str, dict]]:
    """(label, question) of the job's rubric questions, the label in the job's language (Chinese job: Chinese)."""
    from workbench.scoring import load_rubric

    try:
        rub = load_rubric(job_id)
    except Exception:  # noqa: BLE001 - a job without a rubric: no question list
        return []
    out = []
    for qid, q in rub["questions"].items():
        text = q["text"].get(language) or q["text"].get("en") or next(iter(q["text"].values()))
        out.append((f"{qid} · {text}"[:110], {"question_id": qid, **q}))
    return out


def render_star(a: AnswerAnalysis | None) -> str:
    """HTML of the STAR meter (four boxes, filled when present; the evidence as an escaped tooltip)."""
    lang = a.language if a else "en"
    parts = []
    for k, (en, zh) in _NAMES.items():
        on = bool(a and a.star[k].present)
        tip = html.escape(a.star[k].evidence, quote=True) if on else ""
        parts.append(f'<span class="{"wb-on" if on else "wb-off"}" data-part="{k}" data-present="{int(on)}" '
                     f'title="{tip}">{"✓ " if on else ""}{en if lang == "en" else zh}</span>')
    cov = f"{int(a.coverage * 100)}%" if a else "0%"
    return f'{_STYLE}<div class="wb-star">{"".join(parts)} <small>{cov}</small></div>'


def render_hints(a: AnswerAnalysis | None) -> str:
    """HTML of the hints (kind in a data attribute, text escaped)."""
    if a is None or not a.hints:
        return '<div class="wb-hints" data-count="0"></div>'
    items = "".join(f'<div class="wb-hint{" wb-praise" if not h.is_prompt else ""}" data-kind="{h.kind}">'
                    f'{html.escape(h.text)}</div>' for h in a.hints)
    return f'<div class="wb-hints" data-count="{len(a.hints)}">{items}</div>'


def render_text(a: AnswerAnalysis | None, text: str) -> str:
    """The answer with keywords and quantified results highlighted; everything else escaped."""
    if a is None or not text:
        return ""
    spans = [(k.start, k.end, "wb-kw", k.dimension) for k in a.keywords]
    spans += [(q.start, q.end, "wb-q", q.kind) for q in a.quantified]
    spans.sort()
    out, pos = [], 0
    for s, e, cls, title in spans:
        if s < pos:
            continue
        out.append(html.escape(text[pos:s]))
        out.append(f'<mark class="{cls}" title="{html.escape(title, quote=True)}">{html.escape(text[s:e])}</mark>')
        pos = e
    out.append(html.escape(text[pos:a.analysed_chars]))
    notices = "".join(f"<div><small>{html.escape(n)}</small></div>" for n in a.notices)
    legend = ('<div><small><mark class="wb-kw">keyword</mark> a profile keyword (hover: its dimension) · '
              '<mark class="wb-q">number</mark> a quantified result · 关键词 / 量化结果</small></div>')
    return (f'<div class="wb-text" style="white-space:pre-wrap;font-family:sans-serif">{"".join(out)}</div>'
            f"{legend}{notices}")


class LiveFeedback(w.VBox):
    """The app's layout (a VBox) with its parts as attributes: ``job``, ``question``, ``answer``, ``meter``,
    ``hints``, ``highlighted``, ``analysis`` (the latest :class:`AnswerAnalysis`)."""

    def __init__(self, job_id: str | None = None, dataset_path: str | Path | None = None) -> None:
        self.profiles = _jobs(dataset_path)
        jobs = sorted(self.profiles)
        self.job = w.Dropdown(options=jobs, value=job_id if job_id in jobs else (jobs[0] if jobs else None),
                              description="Job")
        self.question = w.Dropdown(options=[], description="Question", layout=w.Layout(width="95%"))
        self.answer = w.Textarea(value="", placeholder="Type your answer / 请输入你的回答", continuous_update=True,
                                 layout=w.Layout(width="95%", height="160px"))
        self.answer.add_class("wb-answer")
        self.meter = w.HTML(render_star(None))
        self.meter.add_class("wb-meter")
        self.hints = w.HTML(render_hints(None))
        self.hints.add_class("wb-hints-box")
        self.highlighted = w.HTML("")
        self.analysis: AnswerAnalysis | None = None
        self._inc: IncrementalAnalyzer | None = None
        super().__init__([w.HBox([self.job]), self.question, self.answer, self.meter, self.hints, self.highlighted])
        self.job.observe(self._on_job, names="value")
        self.question.observe(self._on_question, names="value")
        self.answer.observe(self._on_text, names="value")
        self._on_job()

    def _on_job(self, *_: object) -> None:
        profile = self.profiles.get(self.job.value)
        options = _questions(self.job.value, getattr(profile, "language", "en")) if self.job.value else []
        self.question.options = options
        if options:  # a default question: the analysis knows its kind and dimension from the first keystroke
            self.question.value = options[0][1]
        self._on_question()

    def _on_question(self, *_: object) -> None:
        q = self.question.value
        profile = self.profiles.get(self.job.value)
        self._inc = IncrementalAnalyzer(question=q, profile=profile)
        self._on_text()

    def _on_text(self, *_: object) -> None:
        text = self.answer.value or ""
        self.analysis = self._inc.update(text) if self._inc else None
        self.meter.value = render_star(self.analysis)
        self.hints.value = render_hints(self.analysis)
        self.highlighted.value = render_text(self.analysis, text)

    def prompt_log(self) -> dict:
        """What hints were shown for the current question (``prompted``, ``prompt_kind``, ``hints_shown``)."""
        return self._inc.prompt_log() if self._inc else {"prompted": False, "prompt_kind": None, "hints_shown": []}


def build_live_feedback(job_id: str | None = None, dataset_path: str | Path | None = None) -> LiveFeedback:
    """The live-feedback layout (display it in a notebook or a Voila app).

    Parameters
    ----------
    job_id : str, optional
        Job to preselect; default the first one.
    dataset_path : str or Path, optional
        The dataset whose ``profiles/`` the jobs come from; default the demo data.
    """
    return LiveFeedback(job_id, dataset_path)
