"""The live-feedback app: pick a job and a question, type an answer, watch the STAR meter, the hints and the
highlighted keywords update as you type (ipywidgets; works in JupyterLab and under Voila).

Every label, hint and question follows the English / 中文 switch (labels: ``live_feedback.yaml``; hints:
``workbench/feedback_data/hints.yaml`` via :data:`workbench.feedback.HINTS`; questions: the job's bank, :func:`workbench.questions.load_bank`); the switch
starts in the job's language. Everything shown that comes from the answer is HTML-escaped. Analysis is
incremental (:class:`workbench.feedback.IncrementalAnalyzer`) and the job's language pipeline is loaded when
the app is built, so the first keystroke is as fast as the next; the other language's pipeline loads in a
background thread (``app.warming``) once the app is shown, so that it does not delay the first paint. Praise
stays on screen while its reason holds (a measurable result, a keyword of the question's dimension) and goes
when an edit removes it.

With a :class:`workbench.review.holdout.HoldoutPolicy`, held-out answers get no hint at all, and a panel for the
researcher (``researcher=True``; never for candidates) names the arm; :meth:`LiveFeedback.prompt_log` gives the
data contract's ``hint_eligible``, ``prompted``, ``prompt_kind`` and ``assignment``.

Examples
--------
>>> app = build_live_feedback("product_manager")
>>> app.answer.value = "Last year our churn kept rising. I had to fix it. I interviewed users and rewrote onboarding."
>>> "missing_result" in app.hints.value
True
>>> app.answer.value += " Churn fell 15%."
>>> "missing_result" in app.hints.value, "praise_quantified" in app.hints.value
(False, True)
>>> app.answer.value += " The team liked it."  # the reason for the praise is still there: it stays
>>> "praise_quantified" in app.hints.value
True
>>> app.lang.value = "zh"; "行动" in app.meter.value and "很好" in app.hints.value
True
"""

from __future__ import annotations

import html
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import ipywidgets as w

from workbench.data.provenance import demo_path
from workbench.feedback import HINTS, IncrementalAnalyzer, analyze
from workbench.records import AnswerAnalysis

__all__ = ["LiveFeedback", "build_live_feedback", "labels", "questions_of", "render_hints", "render_legend",
           "render_star", "render_text", "warm_up"]

DEMO = demo_path()
LABELS = Path(__file__).resolve().parent / "live_feedback.yaml"
PRAISE = ("praise_quantified", "praise_keyword")
_STYLE = """<style>
.wb-star span{display:inline-block;padding:4px 10px;margin:2px;border-radius:4px;font-family:sans-serif}
.wb-on{background:#2e7d32;color:#fff}.wb-off{background:#eee;color:#555}
.wb-hint{padding:6px 10px;margin:4px 0;border-left:4px solid #f9a825;background:#fffde7;font-family:sans-serif}
.wb-praise{border-left-color:#2e7d32;background:#e8f5e9}
mark.wb-kw{background:#bbdefb}mark.wb-q{background:#c8e6c9}
.wb-legend,.wb-researcher{font-family:sans-serif;font-size:12px;color:#444}
.wb-researcher{border:1px dashed #888;padding:4px 8px;margin-top:6px;background:#f6f6f6}
</style>"""


@lru_cache(maxsize=1)
def labels() -> dict[str, Any]:
    """The app's texts (``live_feedback.yaml``), read once.

    >>> labels()["labels"]["question"]["zh"]
    '问题'
    """
    from workbench.data.vocabulary import yaml_load  # yaml.safe_load through libyaml

    return yaml_load(LABELS.read_text(encoding="utf-8"))


def _t(key: str, lang: str, group: str = "labels") -> str:
    entry = labels()[group][key]
    return entry.get(lang) or entry["en"]


def _warm(lang: str) -> None:
    """Analyse the warm-up answer of ``lang`` (``live_feedback.yaml``) once: its spaCy pipeline, lexicons and
    patterns are then loaded."""
    text = labels()["warm_up"].get(lang)
    if text:
        analyze(text, lang=lang)


def warm_up() -> None:
    """Analyse the warm-up answers of ``live_feedback.yaml`` once per language, so that the spaCy pipelines,
    lexicons and patterns are loaded before the first keystroke."""
    for lang in labels()["warm_up"]:
        _warm(lang)


#: Seconds the warming thread waits for the end of the running IPython cell at most (a shell that runs no
#: cells, e.g. one a test created, never says so).
WARM_WAIT = 10.0


def _warm_later(langs: Iterable[str]) -> threading.Thread:
    """A started daemon thread that warms ``langs`` (:func:`_warm`) once the running IPython cell has finished,
    i.e. once its output (the app) is on its way to the page, or after :data:`WARM_WAIT` seconds; at once
    outside IPython.

    Examples
    --------
    >>> t = _warm_later([]); t.daemon, t.name
    (True, 'live-feedback-warm-up')
    """
    langs = list(langs)
    shown = threading.Event()

    def run() -> None:
        shown.wait(WARM_WAIT)
        for lang in langs:
            _warm(lang)

    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        shell = None
    if shell is None:
        shown.set()
    else:
        def cell_done(*_: object) -> None:
            shell.events.unregister("post_run_cell", cell_done)
            shown.set()

        shell.events.register("post_run_cell", cell_done)
    thread = threading.Thread(target=run, name="live-feedback-warm-up", daemon=True)
    thread.start()
    return thread


def _jobs(dataset_path: str | Path | None = None) -> dict:
    from workbench.profile import load_profiles

    folder = (Path(dataset_path) if dataset_path else DEMO) / "profiles"
    return load_profiles(folder) if folder.is_dir() else {}


@lru_cache(maxsize=16)
def _bank_questions(job_id: str) -> tuple[dict, ...]:
    from workbench.questions import load_bank

    try:
        bank = load_bank(job_id)
    except Exception:  # noqa: BLE001 - a job without a bank: no question list
        return ()
    return tuple({"question_id": q.question_id, "version": q.version, "dimension": q.dimension, "kind": q.kind,
                  "text": dict(q.text)} for q in bank.questions if q.active)


def questions_of(job_id: str, lang: str = "en") -> list[tuple[str, dict]]:
    """``(label, question)`` of the job's active bank questions, the label in ``lang`` (English when the bank
    lacks that language); ``question`` is ``{question_id, version, dimension, kind, text}``.

    >>> questions_of("regional_sales_manager", "zh")[0][0].startswith("rsm_q01 · 请讲一次你")
    True
    >>> questions_of("no_such_job")
    []
    """
    out = []
    for q in _bank_questions(job_id):
        text = q["text"].get(lang) or q["text"].get("en") or next(iter(q["text"].values()), "")
        out.append((f"{q['question_id']} · {text}"[:110], q))
    return out


def render_star(a: AnswerAnalysis | None, lang: str | None = None) -> str:
    """HTML of the STAR meter (four boxes, filled when present; the evidence as an escaped tooltip), labelled
    in ``lang`` (default: the answer's language)."""
    lang = lang or (a.language if a else "en")
    parts = []
    for k in "STAR":
        on = bool(a and a.star[k].present)
        tip = html.escape(a.star[k].evidence, quote=True) if on else ""
        parts.append(f'<span class="{"wb-on" if on else "wb-off"}" data-part="{k}" data-present="{int(on)}" '
                     f'title="{tip}">{"✓ " if on else ""}{html.escape(_t(k, lang, "star_parts"))}</span>')
    cov = f"{int(a.coverage * 100)}%" if a else "0%"
    return (f'{_STYLE}<div class="wb-star">{"".join(parts)} <small>{html.escape(_t("coverage", lang))} '
            f'{cov}</small></div>')


def render_hints(a: AnswerAnalysis | None, lang: str | None = None, kinds: list[str] | None = None) -> str:
    """HTML of the hints (kind in a data attribute, text in ``lang`` and escaped); ``kinds`` overrides the
    analysis' own hints (the app's held-out and praise rules)."""
    lang = lang or (a.language if a else "en")
    kinds = [h.kind for h in a.hints] if kinds is None and a is not None else (kinds or [])
    if not kinds:
        return '<div class="wb-hints" data-count="0"></div>'
    items = "".join(f'<div class="wb-hint{" wb-praise" if k in PRAISE else ""}" data-kind="{k}">'
                    f'{html.escape(HINTS[k].get(lang) or HINTS[k]["en"])}</div>' for k in kinds)
    return f'<div class="wb-hints" data-count="{len(kinds)}">{items}</div>'


def render_legend(lang: str = "en") -> str:
    """The key to the highlights, in ``lang``.

    >>> "关键词" in render_legend("zh") and 'class="wb-kw"' in render_legend("zh")
    True
    """
    return (f'<div class="wb-legend" data-testid="legend"><mark class="wb-kw">{_t("keyword_mark", lang, "legend")}'
            f'</mark> {html.escape(_t("keyword", lang, "legend"))} · <mark class="wb-q">'
            f'{_t("quantified_mark", lang, "legend")}</mark> {html.escape(_t("quantified", lang, "legend"))}</div>')


def render_text(a: AnswerAnalysis | None, text: str, lang: str = "en") -> str:
    """The answer with keywords and quantified results highlighted, then the legend; everything else escaped."""
    if a is None or not text:
        return render_legend(lang)
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
    return (f'<div class="wb-text" style="white-space:pre-wrap;font-family:sans-serif">{"".join(out)}</div>'
            f"{render_legend(lang)}{notices}")


def praise_reasons(a: AnswerAnalysis | None) -> set[str]:
    """The praise kinds whose reason holds in ``a`` (a measurable result with the result part present; a
    keyword of the question's dimension), whether or not the analyser shows them again.

    >>> sorted(praise_reasons(analyze("Last year sales fell. I had to fix it. I called every client. Sales rose 20%.")))
    ['praise_quantified']
    """
    if a is None:
        return set()
    out = set()
    if a.quantified and a.star["R"].present:
        out.add("praise_quantified")
    if any(not a.question_dimension or k.dimension == a.question_dimension for k in a.keywords):
        out.add("praise_keyword")
    return out


LANGS = (("English", "en"), ("中文", "zh"))


class LiveFeedback(w.VBox):
    """The app's layout (a VBox) with its parts as attributes: ``lang``, ``job``, ``question``, ``answer``,
    ``meter``, ``hints``, ``highlighted``, ``researcher`` (the arm panel, in the layout only when asked for),
    ``analysis`` (the latest :class:`AnswerAnalysis`), ``shown`` (the hint kinds on screen now) and ``warming``
    (the thread loading the other languages' pipelines after the first paint; None when ``warm`` is False)."""

    def __init__(self, job_id: str | None = None, dataset_path: str | Path | None = None, *,
                 holdout: Any = None, candidate_id: str = "practice", researcher: bool = False,
                 warm: bool = True) -> None:
        self.profiles = _jobs(dataset_path)
        self.holdout, self.candidate_id = holdout, str(candidate_id)
        jobs = sorted(self.profiles)
        job = job_id if job_id in jobs else (jobs[0] if jobs else None)
        first = self._job_lang(job)
        if warm:  # the job's language now (the first keystroke is in it), the others after the first paint
            _warm(first)
        self.lang = w.ToggleButtons(options=LANGS, value=first, style={"button_width": "80px"})
        self.lang.add_class("wb-lang")
        self.job = w.Dropdown(options=jobs, value=job)
        self.question = w.Dropdown(options=[], layout=w.Layout(width="95%"))
        self.answer = w.Textarea(value="", continuous_update=True, layout=w.Layout(width="95%", height="160px"))
        self.answer.add_class("wb-answer")
        self.meter, self.hints, self.highlighted = w.HTML(), w.HTML(), w.HTML()
        self.meter.add_class("wb-meter")
        self.hints.add_class("wb-hints-box")
        self.researcher = w.HTML()
        self.researcher.add_class("wb-researcher-box")
        self.analysis: AnswerAnalysis | None = None
        self.shown: list[str] = []
        self._inc: IncrementalAnalyzer | None = None
        self._log: dict[str, Any] = {}
        parts = [w.HBox([self.lang, self.job]), self.question, self.answer, self.meter, self.hints, self.highlighted]
        super().__init__(parts + ([self.researcher] if researcher else []))
        self.job.observe(self._on_job, names="value")
        self.question.observe(self._on_question, names="value")
        self.answer.observe(self._on_text, names="value")
        self.lang.observe(self._on_lang, names="value")
        self._on_job(relabel=True)
        self.warming = _warm_later(lang for lang in labels()["warm_up"] if lang != first) if warm else None

    def _job_lang(self, job: str | None) -> str:
        lang = getattr(self.profiles.get(job), "language", "en") if job else "en"
        return lang if lang in dict((v, k) for k, v in LANGS) else "en"

    def _on_lang(self, *_: object) -> None:
        lang = self.lang.value
        self.job.description, self.question.description = _t("job", lang), _t("question", lang)
        self.answer.placeholder = _t("placeholder", lang)
        current = self.question.value
        self.question.unobserve(self._on_question, names="value")
        self.question.options = questions_of(self.job.value, lang) if self.job.value else []
        if current is not None:
            self.question.value = current
        self.question.observe(self._on_question, names="value")
        self._render()

    def _on_job(self, *_: object, relabel: bool = False) -> None:
        lang = self._job_lang(self.job.value)
        if relabel or self.lang.value != lang:
            self.lang.unobserve(self._on_lang, names="value")
            self.lang.value = lang  # a job switches the app to its language; the switch may change it back
            self.lang.observe(self._on_lang, names="value")
        self.question.unobserve(self._on_question, names="value")
        options = questions_of(self.job.value, lang) if self.job.value else []
        self.question.options = options
        if options:  # a default question: the analysis knows its kind and dimension from the first keystroke
            self.question.value = options[0][1]
        self.question.observe(self._on_question, names="value")
        self._on_lang()
        self._on_question()

    def _on_question(self, *_: object) -> None:
        self._inc = IncrementalAnalyzer(question=self.question.value, profile=self.profiles.get(self.job.value))
        self._log = {"hint_eligible": False, "prompt_kind": None, "hints_shown": [], "praised": set()}
        self._on_text()

    @property
    def question_id(self) -> str:
        """The id of the question being answered ('' when none)."""
        return (self.question.value or {}).get("question_id", "")

    def held_out(self) -> bool:
        """True when the holdout policy withholds every hint from this answer."""
        return bool(self.holdout is not None and not self.holdout.show_hint(self.candidate_id, self.question_id))

    def _on_text(self, *_: object) -> None:
        text = self.answer.value or ""
        a = self.analysis = self._inc.update(text) if self._inc else None
        fresh = [h.kind for h in a.hints] if a else []
        log = self._log
        prompts = [k for k in fresh if k not in PRAISE]
        if prompts and not log["hint_eligible"]:
            log["hint_eligible"], log["prompt_kind"] = True, prompts[0]
        log["praised"] |= {k for k in fresh if k in PRAISE}
        praise = [k for k in PRAISE if k in fresh or (k in log["praised"] and k in praise_reasons(a))]
        self.shown = [] if self.held_out() else prompts + praise
        log["hints_shown"] += [k for k in self.shown if k not in log["hints_shown"]]
        self._render()

    def _render(self) -> None:
        lang, text = self.lang.value, self.answer.value or ""
        self.meter.value = render_star(self.analysis, lang)
        self.hints.value = render_hints(self.analysis, lang, self.shown)
        self.highlighted.value = render_text(self.analysis, text, lang)
        self.researcher.value = self._researcher_html(lang)

    def _researcher_html(self, lang: str) -> str:
        p = self.holdout
        if p is None:
            arm = _t("no_policy", lang, "researcher")
        else:
            key = "arm_holdout" if self.held_out() else "arm_hint"
            arm = _t(key, lang, "researcher").format(candidate=self.candidate_id, question=self.question_id,
                                                     share=p.share, seed=p.seed, unit=p.unit)
        yes, no = _t("said_yes", lang, "researcher"), _t("said_no", lang, "researcher")
        log = self.prompt_log()
        state = _t("eligible", lang, "researcher").format(eligible=yes if log["hint_eligible"] else no,
                                                          shown=yes if log["prompted"] else no)
        arm_id = "none" if p is None else ("holdout" if self.held_out() else "hint")
        return (f'<div class="wb-researcher" data-testid="researcher" data-arm="{arm_id}"><b>'
                f'{html.escape(_t("title", lang, "researcher"))}</b><br>{html.escape(arm)}<br>{html.escape(state)}</div>')

    def prompt_log(self) -> dict:
        """This answer as the data contract records it: ``hint_eligible`` (a prompt's trigger fired),
        ``prompted`` (a prompt was shown), ``prompt_kind``, ``hints_shown`` (every kind shown, praise too),
        ``assignment`` (``random`` under a holdout, else ``triggered``) and ``held_out``."""
        log = self._log
        shown = list(log.get("hints_shown", []))
        prompted = any(k not in PRAISE for k in shown)
        return {"hint_eligible": bool(log.get("hint_eligible")), "prompted": prompted,
                "prompt_kind": log.get("prompt_kind") if prompted else None, "hints_shown": shown,
                "assignment": self.holdout.assignment if self.holdout is not None else "triggered",
                "held_out": self.held_out()}


def build_live_feedback(job_id: str | None = None, dataset_path: str | Path | None = None, *,
                        holdout: Any = None, candidate_id: str = "practice", researcher: bool = False,
                        warm: bool = True) -> LiveFeedback:
    """The live-feedback layout (display it in a notebook or a Voila app).

    Parameters
    ----------
    job_id : str, optional
        Job to preselect; default the first one of the dataset.
    dataset_path : str or Path, optional
        The dataset whose ``profiles/`` the jobs come from; default the demo data.
    holdout : workbench.review.holdout.HoldoutPolicy, optional
        Withhold every hint from the answers it holds out (a randomised experiment on the hints).
    candidate_id : str, default "practice"
        The pseudonymous id the holdout is keyed on (with the question id).
    researcher : bool, default False
        Show the researcher's panel (the holdout arm, whether the trigger fired); never for candidates.
    warm : bool, default True
        Load the job's language pipeline now, so the first keystroke is fast, and the other language's in a
        background thread once the app is shown (``app.warming``).

    Examples
    --------
    >>> from workbench.review.holdout import HoldoutPolicy
    >>> app = build_live_feedback("product_manager", holdout=HoldoutPolicy(share=1 - 1e-9, seed=0),
    ...                           candidate_id="C000001", researcher=True)
    >>> app.answer.value = "Last year our churn kept rising. I had to fix it. I interviewed users."
    >>> app.shown, app.prompt_log()["hint_eligible"], app.prompt_log()["prompted"], app.prompt_log()["assignment"]
    ([], True, False, 'random')
    >>> 'data-arm="holdout"' in app.researcher.value
    True
    """
    return LiveFeedback(job_id, dataset_path, holdout=holdout, candidate_id=candidate_id, researcher=researcher,
                        warm=warm)
