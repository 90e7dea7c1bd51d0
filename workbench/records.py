"""Core records of the workbench: small, frozen, validated on construction.

Examples
--------
>>> d = Dimension("negotiation", 0.6, {"en": ("negotiat",), "zh": ("谈判",)})
>>> p = JobProfile("sales", "2026Q3", 3.4, (d, Dimension("drive", 0.4)))
>>> p.weights
{'negotiation': 0.6, 'drive': 0.4}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

LANGUAGES = ("en", "zh")
WEIGHT_TOLERANCE = 1e-6


class ProfileError(ValueError):
    """A job profile breaks the contract; the message names the field."""


def _frozen_keywords(keywords: Mapping[str, object] | None, where: str) -> Mapping[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for lang, words in (keywords or {}).items():
        if lang not in LANGUAGES:
            raise ProfileError(f"{where}.keywords: unknown language {lang!r} (use one of {', '.join(LANGUAGES)})")
        if isinstance(words, str) or not all(isinstance(w, str) and w.strip() for w in words or ()):
            raise ProfileError(f"{where}.keywords.{lang}: must be a list of non-empty strings")
        out[lang] = tuple(w.strip() for w in words or ())
    return MappingProxyType(out)


@dataclass(frozen=True)
class Dimension:
    """One weighted dimension of a job profile (a competency the interview measures).

    Parameters
    ----------
    name : str
        Identifier used in the ``questions.dimension`` column.
    weight : float
        Share of the weighted total, in [0, 1]; a profile's weights sum to 1.
    keywords : mapping of language -> tuple of str
        Keywords (or stems) per language, ``en`` and ``zh``.
    description : str
        What the dimension means, for people.
    """

    name: str
    weight: float
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        where = f"dimension {self.name!r}"
        if not isinstance(self.name, str) or not self.name.strip():
            raise ProfileError("dimension.name: must be a non-empty string")
        try:
            weight = float(self.weight)
        except (TypeError, ValueError):
            raise ProfileError(f"{where}.weight: {self.weight!r} is not a number") from None
        if not math.isfinite(weight) or not 0.0 <= weight <= 1.0:
            raise ProfileError(f"{where}.weight: {self.weight!r} is outside [0, 1]")
        object.__setattr__(self, "weight", weight)
        object.__setattr__(self, "keywords", _frozen_keywords(self.keywords, where))

    def __reduce__(self):
        # The read-only keyword mapping cannot be pickled as is (process pools, caches): rebuild from a dict.
        return (Dimension, (self.name, self.weight, {k: list(v) for k, v in self.keywords.items()}, self.description))


@dataclass(frozen=True)
class JobProfile:
    """A weighted job profile: the dimensions an AI interview scores and the pass threshold.

    Parameters
    ----------
    job_id : str
        Joins with ``candidates.job_id`` and ``questions.job_id``.
    version : str
        Recorded in ``ai_decisions.profile_version``.
    threshold : float
        Weighted total (rubric scale 1-5) needed to pass the AI interview.
    dimensions : tuple of Dimension
        Unique names, weights summing to 1.
    title : str
        Human-readable job title.
    language : str
        Main language of the interview (``en`` or ``zh``).
    """

    job_id: str
    version: str
    threshold: float
    dimensions: tuple[Dimension, ...]
    title: str = ""
    language: str = "en"

    def __post_init__(self) -> None:
        if not isinstance(self.job_id, str) or not self.job_id.strip():
            raise ProfileError("job_id: must be a non-empty string")
        object.__setattr__(self, "version", str(self.version))
        try:
            threshold = float(self.threshold)
        except (TypeError, ValueError):
            raise ProfileError(f"threshold: {self.threshold!r} is not a number") from None
        if not 1.0 <= threshold <= 5.0:
            raise ProfileError(f"threshold: {threshold} is outside the rubric scale 1-5")
        object.__setattr__(self, "threshold", threshold)
        dims = tuple(self.dimensions)
        if not dims:
            raise ProfileError("dimensions: a profile needs at least one dimension")
        names = [d.name for d in dims]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ProfileError(f"dimensions: duplicated name(s) {', '.join(dupes)}")
        total = sum(d.weight for d in dims)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            raise ProfileError(f"dimensions: weights sum to {total:.6g}, not 1")
        if self.language not in LANGUAGES:
            raise ProfileError(f"language: {self.language!r} is not one of {', '.join(LANGUAGES)}")
        object.__setattr__(self, "dimensions", dims)

    @property
    def weights(self) -> dict[str, float]:
        """Dimension name -> weight, in profile order."""
        return {d.name: d.weight for d in self.dimensions}

    @property
    def dimension_names(self) -> tuple[str, ...]:
        """Dimension names in profile order."""
        return tuple(d.name for d in self.dimensions)


@dataclass(frozen=True)
class Education:
    """One education entry of a resume.

    ``degree`` is as printed ("本科", "MSc"); ``degree_level`` is one of the contract's education levels
    (high_school, associate, bachelor, master, doctorate) or "" when unknown. Dates are ISO strings
    ("2019-03", "2019") or "" when absent; ``end`` may be "present".
    """

    degree: str = ""
    degree_level: str = ""
    field: str = ""
    school: str = ""
    start: str = ""
    end: str = ""


@dataclass(frozen=True)
class Job:
    """One work-experience entry of a resume (dates as in :class:`Education`)."""

    employer: str = ""
    title: str = ""
    start: str = ""
    end: str = ""


@dataclass(frozen=True)
class Resume:
    """The fields parsed from one resume (the command contract of ``workbench parse``).

    ``lines`` keeps the text in reading order so that evidence can cite a line; ``source`` is the file.
    """

    source: str = ""
    language: str = "en"
    name: str = ""
    email: str = ""
    phone: str = ""
    education: tuple[Education, ...] = ()
    experience: tuple[Job, ...] = ()
    years_experience: float = 0.0
    skills: tuple[str, ...] = ()
    quantified_achievements: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()


STAR_PARTS = ("S", "T", "A", "R")


@dataclass(frozen=True)
class StarPart:
    """One STAR component of an answer: present or not, and the sentence that shows it (``evidence``)."""

    present: bool = False
    evidence: str = ""
    sentence: int = -1


@dataclass(frozen=True)
class Quantity:
    """A quantified result in an answer: the matched text, its character span and kind
    (percent, money, count, rank, grade, duration, number)."""

    text: str
    start: int
    end: int
    kind: str = "number"


@dataclass(frozen=True)
class KeywordHit:
    """A profile keyword found in an answer, with its dimension, language and character span."""

    dimension: str
    keyword: str
    language: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Hint:
    """A real-time hint: ``kind`` (missing_action, missing_result, ask_quantify, praise_quantified,
    praise_keyword) and the text shown to the candidate, in the answer's language."""

    kind: str
    text: str
    language: str = "en"

    @property
    def is_prompt(self) -> bool:
        """True for prompts that ask for more (not for praise)."""
        return not self.kind.startswith("praise")


@dataclass(frozen=True)
class AnswerAnalysis:
    """What :func:`workbench.feedback.analyze` found in one answer.

    ``star`` maps S, T, A, R to :class:`StarPart`; ``concrete`` says whether the answer tells a concrete
    episode (``specificity`` in [0, 1] grades it); ``notices`` explain anything unusual (text cut at the
    length limit, empty text). ``analysed_chars`` <= ``text_chars``. ``mode`` is past_episode, hypothetical,
    habitual or generic, with ``mode_evidence`` as ``(start, end, text)`` spans of the answer; ``question_kind``
    is the kind (behavioral or situational) the STAR rules followed.
    """

    language: str
    star: Mapping[str, StarPart]
    quantified: tuple[Quantity, ...] = ()
    keywords: tuple[KeywordHit, ...] = ()
    specificity: float = 0.0
    concrete: bool = False
    hints: tuple[Hint, ...] = ()
    notices: tuple[str, ...] = ()
    sentences: tuple[str, ...] = ()
    text_chars: int = 0
    analysed_chars: int = 0
    latency_ms: float = 0.0
    question_dimension: str = ""
    mode: str = ""
    mode_evidence: tuple[tuple[int, int, str], ...] = ()
    question_kind: str = ""

    def __post_init__(self) -> None:
        star = {k: self.star.get(k, StarPart()) for k in STAR_PARTS}
        object.__setattr__(self, "star", MappingProxyType(star))

    def __reduce__(self):
        return (_rebuild_analysis, (self.to_state(),))

    def to_state(self) -> dict:
        """Plain fields (used for pickling)."""
        from dataclasses import fields

        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["star"] = dict(self.star)
        return d

    @property
    def coverage(self) -> float:
        """Share of the four STAR parts present."""
        return sum(p.present for p in self.star.values()) / 4

    @property
    def missing(self) -> tuple[str, ...]:
        """STAR parts not present, in STAR order."""
        return tuple(k for k, p in self.star.items() if not p.present)

    def to_dict(self) -> dict:
        """The command contract of ``workbench feedback``: language, star, quantified, keywords, hints,
        latency_ms (plus specificity, concrete, notices, prompted, prompt_kind, mode, mode_evidence,
        question_kind)."""
        prompts = [h for h in self.hints if h.is_prompt]
        return {
            "language": self.language,
            "star": {k: {"present": p.present, "evidence": p.evidence} for k, p in self.star.items()},
            "quantified": [q.text for q in self.quantified],
            "keywords": [{"dimension": k.dimension, "keyword": k.keyword, "text": k.text} for k in self.keywords],
            "hints": [{"kind": h.kind, "text": h.text} for h in self.hints],
            "specificity": round(self.specificity, 3),
            "concrete": self.concrete,
            "notices": list(self.notices),
            "prompted": bool(prompts),
            "prompt_kind": prompts[0].kind if prompts else None,
            "latency_ms": round(self.latency_ms, 3),
            "mode": self.mode,
            "mode_evidence": [{"start": s, "end": e, "text": t} for s, e, t in self.mode_evidence],
            "question_kind": self.question_kind,
        }


def _rebuild_analysis(state: dict) -> AnswerAnalysis:
    return AnswerAnalysis(**state)
