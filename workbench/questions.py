"""Question bank and adaptive interview plans (English and Chinese).

A bank gives every profile dimension a behavioural question (past experience), a situational question
(hypothetical) and a follow-up probe. :func:`plan_interview` turns a profile, a resume and a bank into a plan:

- **core** (``adaptive=False``): each dimension's situational question, in profile order, the same wording
  for every candidate. It needs no prior experience, so it is fair to everyone, and it is what makes
  candidates comparable (a standardised, scored part).
- **adaptive** (``adaptive=True``): for a dimension with resume evidence (:func:`workbench.profile.match_resume`),
  the behavioural question, then a probe that cites the resume: a quantified achievement, with its employer
  only when the achievement and the employer come from the same experience entry ("You grew revenue by 40% at
  Acme Corp: what was the hardest obstacle ...?"; otherwise the employer is left out), else the line that gave
  the evidence. Without evidence a dimension gets the situational core question only.

Marking the adaptive items lets the review compare their validity with the core ones before anyone scores
them. Banks live in ``workbench/question_banks/<job_id>.yaml`` (bilingual) or come from the data contract's
``questions`` table (:func:`bank_from_questions`, one language).

Examples
--------
>>> from workbench.records import Dimension, Job, JobProfile, Resume
>>> bank = load_bank("product_manager")
>>> profile = JobProfile("product_manager", "v1", 3.0, tuple(
...     Dimension(d.name, 0.25, {"en": ("sql",)} if d.name == "data_analysis" else {}) for d in bank.dimensions))
>>> resume = Resume(lines=("Data Analyst, Acme Corp — 2021-01 – present", "- Cut churn by 12% with SQL"),
...                 experience=(Job("Acme Corp", "Data Analyst"),), quantified_achievements=("Cut churn by 12% with SQL",))
>>> plan = plan_interview(profile, resume, bank)
>>> [(i.question_id, i.adaptive) for i in plan.items if i.dimension == "data_analysis"]
[('pm_q04', False), ('pm_q03', True), ('pm_q03.probe', True)]
>>> plan.adaptive[-1].text
'You cut churn by 12% with SQL at Acme Corp: how did you measure it, and what did the data not tell you?'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from workbench.profile import MatchResult, keyword_pattern, match_resume
from workbench.records import LANGUAGES, JobProfile, Resume

__all__ = [
    "BANK_DIR",
    "BankDimension",
    "BankError",
    "BankQuestion",
    "InterviewPlan",
    "PlanItem",
    "QUESTION_STATUSES",
    "QuestionBank",
    "QuestionVersion",
    "ResumeFact",
    "bank_from_dict",
    "bank_from_questions",
    "load_bank",
    "plan_interview",
]

BANK_DIR = Path(__file__).with_name("question_banks")
DEFAULT_PROBE = {"en": "what was the hardest obstacle, and how did you handle it?",
                 "zh": "其中最难的障碍是什么？你是怎么解决的？"}
_KINDS = ("behavioral", "situational")
QUESTION_STATUSES = ("active", "reword", "retired")
_BULLET = re.compile(r"^\s*[-•·*▪◦–]\s*")
_EN_PAST_IRREGULAR = frozenset(
    "grew cut led built won ran made drove sold brought took beat set spent saved shipped began became "
    "wrote rebuilt rewrote found kept held brought taught chose hired".split())


class BankError(ValueError):
    """A question bank breaks its format or does not cover a profile; the message names the place."""


@dataclass(frozen=True)
class QuestionVersion:
    """An earlier wording of a bank question: its ``version``, ``text`` per language and why it changed."""

    version: str
    text: Mapping[str, str]
    note: str = ""


@dataclass(frozen=True)
class BankQuestion:
    """One bank question: id, dimension, kind and its text per language, with its version history.

    A question keeps its id across rewordings: ``version`` and ``text`` are the current wording,
    ``history`` the earlier ones (oldest first). ``status`` is ``active``, ``reword`` (asked, but marked for
    rewording by a review) or ``retired`` (no longer asked; kept so its history and verdict stay readable).
    """

    question_id: str
    dimension: str
    kind: str
    text: Mapping[str, str]
    version: str = "v1"
    status: str = "active"
    history: tuple[QuestionVersion, ...] = ()
    note: str = ""

    @property
    def active(self) -> bool:
        """Asked in interviews (``active`` or ``reword``), i.e. not retired."""
        return self.status != "retired"

    @property
    def versions(self) -> tuple[QuestionVersion, ...]:
        """Every wording, oldest first, the current one last."""
        return (*self.history, QuestionVersion(self.version, self.text, self.note))

    def text_in(self, language: str) -> str:
        """The text in ``language``; a clear error when the bank lacks it."""
        try:
            return self.text[language]
        except KeyError:
            raise BankError(f"question {self.question_id} has no {language!r} text "
                            f"(it has {', '.join(self.text) or 'none'})") from None

    def to_dict(self) -> dict[str, Any]:
        """The YAML form (``id``, ``text``, and ``version``/``status``/``note``/``history`` when set)."""
        out: dict[str, Any] = {"id": self.question_id, "text": dict(self.text), "version": self.version}
        if self.status != "active":
            out["status"] = self.status
        if self.note:
            out["note"] = self.note
        if self.history:
            out["history"] = [{"version": h.version, "text": dict(h.text), **({"note": h.note} if h.note else {})}
                              for h in self.history]
        return out


@dataclass(frozen=True)
class BankDimension:
    """A dimension's behavioural and situational questions and the probe put after a resume citation."""

    name: str
    behavioral: BankQuestion
    situational: BankQuestion
    probe: Mapping[str, str]


@dataclass(frozen=True)
class QuestionBank:
    """The questions of one job, per dimension, plus ``general`` questions outside the per-dimension pair.

    ``revision`` counts the bank versions written by ``workbench bank apply-review`` (0 = hand-written);
    ``changelog`` lists what each revision changed (newest last).
    """

    job_id: str
    version: str
    dimensions: tuple[BankDimension, ...]
    general: tuple[BankQuestion, ...] = ()
    revision: int = 0
    changelog: tuple[Mapping[str, Any], ...] = ()

    def __getitem__(self, name: str) -> BankDimension:
        for d in self.dimensions:
            if d.name == name:
                return d
        raise KeyError(name)

    def covers(self, profile: JobProfile) -> None:
        """Raise :class:`BankError` unless every profile dimension has questions in the bank."""
        missing = [n for n in profile.dimension_names if n not in {d.name for d in self.dimensions}]
        if missing:
            raise BankError(f"bank {self.job_id!r} has no questions for dimension(s) {', '.join(missing)} of "
                            f"profile {profile.job_id!r}")

    @property
    def questions(self) -> tuple[BankQuestion, ...]:
        """Every question: per dimension the behavioural and the situational one, then the general ones."""
        return tuple(q for d in self.dimensions for q in (d.behavioral, d.situational)) + self.general

    def question(self, question_id: str) -> BankQuestion:
        """The question with this id (:class:`KeyError` when the bank has none)."""
        for q in self.questions:
            if q.question_id == question_id:
                return q
        raise KeyError(question_id)

    def to_dict(self) -> dict[str, Any]:
        """The YAML form; :func:`bank_from_dict` reads it back to an equal bank.

        >>> bank = load_bank("product_manager")
        >>> bank_from_dict(bank.to_dict()) == bank
        True
        """
        dims = {d.name: {"behavioral": d.behavioral.to_dict(), "situational": d.situational.to_dict(),
                         "probe": dict(d.probe)} for d in self.dimensions}
        out: dict[str, Any] = {"job_id": self.job_id, "version": self.version, "revision": self.revision,
                               "dimensions": dims}
        if self.general:
            out["general"] = [{**q.to_dict(), "dimension": q.dimension, "kind": q.kind} for q in self.general]
        if self.changelog:
            out["changelog"] = [dict(c) for c in self.changelog]
        return out

    def questions_frame(self, language: str) -> Any:
        """The contract's ``questions`` table of this bank in ``language`` (retired questions inactive).

        >>> load_bank("product_manager").questions_frame("en").columns.tolist()
        ['question_id', 'job_id', 'dimension', 'kind', 'text', 'version', 'active']
        """
        import pandas as pd

        return pd.DataFrame([{"question_id": q.question_id, "job_id": self.job_id, "dimension": q.dimension,
                              "kind": q.kind, "text": q.text.get(language, next(iter(q.text.values()))),
                              "version": q.version, "active": q.active} for q in self.questions])


def _texts(raw: Any, where: str) -> dict[str, str]:
    if isinstance(raw, str):
        raise BankError(f"{where}: give the text per language, e.g. {{en: ..., zh: ...}}")
    if not isinstance(raw, Mapping) or not raw:
        raise BankError(f"{where}: needs a text per language (en, zh)")
    out = {}
    for lang, text in raw.items():
        if lang not in LANGUAGES:
            raise BankError(f"{where}: unknown language {lang!r} (use one of {', '.join(LANGUAGES)})")
        if not isinstance(text, str) or not text.strip():
            raise BankError(f"{where}.{lang}: must be a non-empty string")
        out[lang] = text.strip()
    return out


def bank_from_dict(data: Mapping[str, Any], *, source: str = "bank") -> QuestionBank:
    """Build a validated :class:`QuestionBank` from parsed YAML (see ``workbench/question_banks/``).

    >>> bank_from_dict({"job_id": "x", "version": "v1", "dimensions": {"d": {"behavioral": {"id": "q1"}}}})
    Traceback (most recent call last):
    ...
    workbench.questions.BankError: bank: dimensions.d.behavioral.text: needs a text per language (en, zh)
    """
    if not isinstance(data, Mapping):
        raise BankError(f"{source}: expected a mapping at the top level")
    for key in ("job_id", "version", "dimensions"):
        if key not in data:
            raise BankError(f"{source}: missing required key {key!r}")
    if not isinstance(data["dimensions"], Mapping) or not data["dimensions"]:
        raise BankError(f"{source}: dimensions must be a non-empty mapping of dimension -> questions")
    dims, ids = [], []
    for name, raw in data["dimensions"].items():
        where = f"{source}: dimensions.{name}"
        if not isinstance(raw, Mapping):
            raise BankError(f"{where}: expected behavioral, situational and probe")
        extra = set(raw) - {*_KINDS, "probe"}
        if extra:
            raise BankError(f"{where}: unknown key(s) {', '.join(sorted(map(str, extra)))}")
        qs = {}
        for kind in _KINDS:
            qs[kind] = _question(raw.get(kind), str(name), kind, f"{where}.{kind}")
            ids.append(qs[kind].question_id)
        probe = _texts(raw["probe"], f"{where}.probe") if raw.get("probe") is not None else dict(DEFAULT_PROBE)
        dims.append(BankDimension(str(name), qs["behavioral"], qs["situational"], probe))
    general = _general(data.get("general"), {d.name for d in dims}, f"{source}: general")
    ids += [q.question_id for q in general]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise BankError(f"{source}: duplicated question id(s) {', '.join(dupes)}")
    changelog = data.get("changelog") or ()
    if not isinstance(changelog, (list, tuple)) or not all(isinstance(c, Mapping) for c in changelog):
        raise BankError(f"{source}: changelog must be a list of entries")
    return QuestionBank(str(data["job_id"]), str(data["version"]), tuple(dims), general,
                        int(data.get("revision") or 0), tuple(dict(c) for c in changelog))


def _question(q: Any, dimension: str, kind: str, where: str) -> BankQuestion:
    """One question of the YAML: ``id`` and ``text``; optional ``version`` (default v1), ``status``, ``note``
    and ``history`` (earlier versions, each with ``version`` and ``text``)."""
    if not isinstance(q, Mapping) or not q.get("id"):
        raise BankError(f"{where}: missing (needs id and text)")
    status = str(q.get("status", "active"))
    if status not in QUESTION_STATUSES:
        raise BankError(f"{where}.status: {status!r} is not one of {', '.join(QUESTION_STATUSES)}")
    history = []
    for k, h in enumerate(q.get("history") or ()):
        if not isinstance(h, Mapping) or not h.get("version"):
            raise BankError(f"{where}.history[{k}]: needs version and text")
        history.append(QuestionVersion(str(h["version"]), _texts(h.get("text"), f"{where}.history[{k}].text"),
                                       str(h.get("note") or "")))
    version = str(q.get("version") or "v1")
    seen = [h.version for h in history] + [version]
    if len(set(seen)) != len(seen):
        raise BankError(f"{where}: version {version!r} appears twice in its history")
    return BankQuestion(str(q["id"]), dimension, kind, _texts(q.get("text"), f"{where}.text"), version, status,
                        tuple(history), str(q.get("note") or ""))


def _general(raw: Any, dimensions: set[str], where: str) -> tuple[BankQuestion, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, (list, tuple)):
        raise BankError(f"{where}: must be a list of questions (id, dimension, text)")
    out = []
    for k, q in enumerate(raw):
        dim = str(q.get("dimension", "")) if isinstance(q, Mapping) else ""
        if dim not in dimensions:
            raise BankError(f"{where}[{k}].dimension: {dim!r} is not a dimension of the bank")
        kind = str(q.get("kind", "general"))
        if kind not in (*_KINDS, "general"):
            raise BankError(f"{where}[{k}].kind: {kind!r} is not behavioral, situational or general")
        out.append(_question(q, dim, kind, f"{where}[{k}]"))
    return tuple(out)


def load_bank(path_or_job_id: str | Path) -> QuestionBank:
    """A bank from a YAML file, or the packaged bank of a job id (``workbench/question_banks/<job_id>.yaml``)."""
    path = Path(path_or_job_id)
    if not path.is_file():
        packaged = BANK_DIR / f"{path_or_job_id}.yaml"
        if not packaged.is_file():
            known = ", ".join(p.stem for p in sorted(BANK_DIR.glob("*.yaml")))
            raise BankError(f"{path_or_job_id}: no such bank file, and no packaged bank of that job (packaged: {known})")
        path = packaged
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise BankError(f"{path}: not valid YAML ({exc})") from None
    return bank_from_dict(data, source=str(path))


def bank_from_questions(questions: Any, job_id: str, *, language: str,
                        probe: Mapping[str, str] | None = None) -> QuestionBank:
    """A bank from the data contract's ``questions`` table: per dimension the first active behavioral and
    situational question of ``job_id``; texts are in ``language`` (the table has one text per question).

    >>> import pandas as pd
    >>> t = pd.DataFrame({"question_id": ["q1", "q2"], "job_id": "j", "dimension": "d",
    ...                   "kind": ["behavioral", "situational"], "text": ["Tell me...", "What if..."],
    ...                   "version": "v1", "active": True})
    >>> bank_from_questions(t, "j", language="en")["d"].situational.text
    {'en': 'What if...'}
    """
    rows = questions[(questions["job_id"] == job_id)]
    if "active" in rows.columns:
        rows = rows[rows["active"].astype("boolean").fillna(False).to_numpy(bool)]
    if rows.empty:
        raise BankError(f"questions table: no active question of job {job_id!r}")
    dims: dict[str, dict[str, Any]] = {}
    for row in rows.itertuples(index=False):
        if row.kind in _KINDS:
            dims.setdefault(row.dimension, {}).setdefault(
                row.kind, {"id": row.question_id, "text": {language: row.text}})
    for name, qs in dims.items():
        for kind in _KINDS:
            if kind not in qs:
                raise BankError(f"questions table: dimension {name!r} of job {job_id!r} has no active {kind} question")
        qs["probe"] = dict(probe or DEFAULT_PROBE)
    version = str(rows["version"].iloc[0]) if "version" in rows.columns else ""
    return bank_from_dict({"job_id": job_id, "version": version, "dimensions": dims}, source="questions table")


# ---------------------------------------------------------------------------------------------- plans


@dataclass(frozen=True)
class ResumeFact:
    """What a probe cites: a quantified ``achievement`` (with its ``employer`` when found) or the ``keyword``
    evidence line; ``line_no`` is 1-based in the searched resume lines (None when not found in them)."""

    kind: str
    text: str
    line_no: int | None
    employer: str = ""
    keyword: str = ""


@dataclass(frozen=True)
class PlanItem:
    """One question of a plan.

    ``role`` is ``core`` (same for everyone) or ``adaptive`` (chosen or written from the resume);
    ``kind`` is behavioral, situational or probe; ``cites`` is the resume fact a probe is built on.
    """

    position: int
    dimension: str
    kind: str
    role: str
    question_id: str
    text: str
    language: str
    cites: ResumeFact | None = None

    @property
    def adaptive(self) -> bool:
        return self.role == "adaptive"


@dataclass(frozen=True)
class InterviewPlan:
    """The questions for one candidate: core ones in profile order, each followed by its adaptive ones."""

    job_id: str
    profile_version: str
    bank_version: str
    source: str
    language: str
    items: tuple[PlanItem, ...]
    match: MatchResult

    @property
    def core(self) -> tuple[PlanItem, ...]:
        return tuple(i for i in self.items if not i.adaptive)

    @property
    def adaptive(self) -> tuple[PlanItem, ...]:
        return tuple(i for i in self.items if i.adaptive)

    def to_frame(self):
        """One row per item: position, dimension, kind, role, adaptive, question_id, text, cited line."""
        import pandas as pd

        return pd.DataFrame([{"position": i.position, "dimension": i.dimension, "kind": i.kind, "role": i.role,
                              "adaptive": i.adaptive, "question_id": i.question_id, "text": i.text,
                              "cites_line": i.cites.line_no if i.cites else None,
                              "cites": i.cites.text if i.cites else None} for i in self.items])


def _line_of(text: str, lines: tuple[str, ...]) -> int | None:
    needle = _BULLET.sub("", text).strip()
    for i, line in enumerate(lines, start=1):
        if needle and needle in line:
            return i
    return None


def _employer_for(text: str, resume: Resume) -> str:
    """The employer a probe may name beside an achievement: the employer of the experience entry the
    achievement belongs to, when the same entry prints both (:func:`workbench.parsing.grounded_employer`).
    Empty when that is not certain (no entry found, the line outside every entry, another entry's employer
    named in the fact): the probe then leaves the employer out rather than misstate it."""
    from workbench.parsing.evidence import grounded_employer

    return grounded_employer(resume, text)


def _probe_text(fact: ResumeFact, follow_up: str, language: str) -> str:
    quote = _BULLET.sub("", fact.text).strip().rstrip("。.;；")
    if language == "zh":
        if fact.kind == "achievement":
            where = f"在{fact.employer}期间" if fact.employer else ""
            return f"你的简历写到你{where}取得了“{quote}”的成绩：{follow_up}"
        return f"你的简历提到“{quote}”：{follow_up}"
    if fact.kind == "achievement":
        first, _, rest = quote.partition(" ")
        at = f" at {fact.employer}" if fact.employer and fact.employer not in quote else ""
        if first.lower().endswith("ed") or first.lower() in _EN_PAST_IRREGULAR:
            return f"You {first.lower()} {rest}{at}: {follow_up}".replace("  ", " ")
        return f"Your resume says “{quote}”{at}: {follow_up}"
    return f"Your resume mentions “{quote}”: {follow_up}"


def _facts(profile: JobProfile, resume: Resume, match: MatchResult) -> dict[str, ResumeFact]:
    """One resume fact per dimension with evidence. Dimensions go by descending weight, in three passes:
    an unused achievement that mentions one of the dimension's keywords; then any unused achievement; then
    the dimension's first evidence line."""
    lines = match.lines
    achievements = []
    for a in resume.quantified_achievements:
        n = _line_of(a, lines)
        achievements.append(ResumeFact("achievement", a, n, _employer_for(a, resume)))
    ranked = sorted((d for d in match.dimensions if d.has_evidence), key=lambda d: -d.weight)
    used: set[int] = set()
    out: dict[str, ResumeFact] = {}

    def keyword_in(d, text: str) -> str:
        return next((e.keyword for e in d.evidence if keyword_pattern(e.keyword, e.language).search(text)), "")

    for mentioning in (True, False):
        for d in ranked:
            if d.dimension in out:
                continue
            for i, a in enumerate(achievements):
                if i not in used and (keyword_in(d, a.text) or not mentioning):
                    used.add(i)
                    out[d.dimension] = ResumeFact(a.kind, a.text, a.line_no, a.employer, keyword_in(d, a.text))
                    break
    for d in ranked:
        if d.dimension not in out:
            e = d.evidence[0]
            out[d.dimension] = ResumeFact("keyword", e.line, e.line_no, "", e.keyword)
    return out


def plan_interview(profile: JobProfile, resume: Resume, bank: QuestionBank | None = None, *,
                   language: str | None = None, match: MatchResult | None = None) -> InterviewPlan:
    """The questions to ask one candidate (see the module docstring for the rules).

    Parameters
    ----------
    profile : JobProfile
    resume : Resume
    bank : QuestionBank, optional
        Default: the packaged bank of ``profile.job_id``.
    language : {"en", "zh"}, optional
        Interview language; default the profile's. The probe quotes the resume as written.
    match : MatchResult, optional
        A precomputed :func:`workbench.profile.match_resume` result.

    Returns
    -------
    InterviewPlan
        Core items (every candidate: each dimension's situational question, profile order) and adaptive
        items (dimensions with evidence: the behavioural question and a probe citing the resume).

    Raises
    ------
    BankError
        The bank misses a dimension of the profile or a text in ``language``.
    """
    bank = bank or load_bank(profile.job_id)
    bank.covers(profile)
    language = language or profile.language
    if language not in LANGUAGES:
        raise BankError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    match = match or match_resume(profile, resume)
    facts = _facts(profile, resume, match)
    items: list[PlanItem] = []

    def add(dim: str, kind: str, role: str, qid: str, text: str, cites: ResumeFact | None = None) -> None:
        items.append(PlanItem(len(items) + 1, dim, kind, role, qid, text, language, cites))

    for name in profile.dimension_names:
        bd = bank[name]
        if bd.situational.active:
            add(name, "situational", "core", bd.situational.question_id, bd.situational.text_in(language))
        if name in facts and bd.behavioral.active:
            add(name, "behavioral", "adaptive", bd.behavioral.question_id, bd.behavioral.text_in(language))
            follow_up = bd.probe.get(language) or DEFAULT_PROBE[language]
            add(name, "probe", "adaptive", f"{bd.behavioral.question_id}.probe",
                _probe_text(facts[name], follow_up, language), facts[name])
    return InterviewPlan(profile.job_id, profile.version, bank.version, resume.source, language, tuple(items),
                         match)


