"""Resume matching: which profile keyword is on which resume line, per dimension, with a coverage score."""

from __future__ import annotations

import re
from dataclasses import dataclass

from workbench.nlp.language import has_cjk
from workbench.records import Dimension, Job, JobProfile, Resume


# ============================================================================================ matching
#
# ``match_resume`` lives here (not in questions.py) so that scoring and the question planner share it.

_EN_WORD_START = r"(?<![A-Za-z0-9])"


@dataclass(frozen=True)
class Evidence:
    """One keyword of a dimension found in a resume line.

    ``line_no`` is 1-based in ``Resume.lines`` (or in the lines built from the fields when the resume has
    none, see :func:`resume_lines`); ``start``/``end`` are the character span of the hit in ``line``.
    """

    dimension: str
    keyword: str
    language: str
    line_no: int
    line: str
    start: int
    end: int


@dataclass(frozen=True)
class DimensionMatch:
    """Evidence for one dimension and its coverage score (share of the dimension's keywords found)."""

    dimension: str
    weight: float
    keywords: tuple[str, ...]
    found: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    coverage: float

    @property
    def has_evidence(self) -> bool:
        """True when at least one keyword of the dimension occurs in the resume."""
        return bool(self.evidence)


@dataclass(frozen=True)
class MatchResult:
    """A resume matched against a profile, per dimension (profile order).

    Attributes
    ----------
    job_id, profile_version, source, language : str
    dimensions : tuple of DimensionMatch
    lines : tuple of str
        The lines that were searched (``line_no`` indexes them from 1).
    """

    job_id: str
    profile_version: str
    source: str
    language: str
    dimensions: tuple[DimensionMatch, ...]
    lines: tuple[str, ...]

    def __getitem__(self, dimension: str) -> DimensionMatch:
        for d in self.dimensions:
            if d.dimension == dimension:
                return d
        raise KeyError(dimension)

    @property
    def coverage(self) -> float:
        """Weighted coverage: sum over dimensions of weight x coverage, in [0, 1]."""
        return float(sum(d.weight * d.coverage for d in self.dimensions))

    @property
    def with_evidence(self) -> tuple[str, ...]:
        """Dimensions with at least one keyword found."""
        return tuple(d.dimension for d in self.dimensions if d.has_evidence)

    def to_frame(self):
        """One row per evidence hit (dimensions without evidence get one row with empty evidence)."""
        import pandas as pd

        rows = []
        for d in self.dimensions:
            base = {"dimension": d.dimension, "weight": d.weight, "coverage": d.coverage}
            if not d.evidence:
                rows.append({**base, "keyword": None, "language": None, "line_no": None, "line": None})
            for e in d.evidence:
                rows.append({**base, "keyword": e.keyword, "language": e.language, "line_no": e.line_no,
                             "line": e.line})
        return pd.DataFrame(rows)


def resume_lines(resume: Resume) -> tuple[str, ...]:
    """The lines evidence is searched in: ``resume.lines``, or, when empty, lines built from the fields.

    The fallback is one line per job (``title, employer``), one for the skills, and one per quantified
    achievement, in that order.

    >>> resume_lines(Resume(skills=("SQL", "Figma"), experience=(Job("Acme", "PM"),)))
    ('PM, Acme', 'SQL, Figma')
    """
    if resume.lines:
        return tuple(resume.lines)
    out = [", ".join(x for x in (j.title, j.employer) if x) for j in resume.experience]
    if resume.skills:
        out.append(", ".join(resume.skills))
    out.extend(resume.quantified_achievements)
    return tuple(line for line in out if line)


_OPEN_END = re.compile(r"(?i)(?:[–—\-~]|\bto)\s*(?:present|current|now|today)\b")


def _mask_open_dates(line: str) -> str:
    """Blank out "– present" / "to now" of date ranges (same length, so spans stay valid): the keyword
    "present" (presenting) must not match a job that is still going on.

    >>> _mask_open_dates("PM, Acme — 2023-07 – present; presented to the board")
    'PM, Acme — 2023-07          ; presented to the board'
    """
    return _OPEN_END.sub(lambda m: " " * len(m.group()), line)


def keyword_pattern(keyword: str, language: str) -> re.Pattern[str]:
    """The regex a keyword is searched with.

    English keywords are stems matched case-insensitively at the start of a word ("negotiat" finds
    "Negotiated"); Chinese keywords (and any keyword with a CJK character) are plain substrings.

    >>> bool(keyword_pattern("negotiat", "en").search("Negotiated 3 contracts"))
    True
    >>> bool(keyword_pattern("data", "en").search("metadata"))
    False
    """
    if language == "zh" or has_cjk(keyword):
        return re.compile(re.escape(keyword))
    return re.compile(_EN_WORD_START + re.escape(keyword), re.IGNORECASE)


def match_resume(profile: JobProfile, resume: Resume, *, languages: tuple[str, ...] | None = None) -> MatchResult:
    """Per dimension of ``profile``: which keywords occur in which resume lines, and a coverage score.

    Parameters
    ----------
    profile : JobProfile
    resume : Resume
        Its ``lines`` are searched (see :func:`resume_lines` when it has none).
    languages : tuple of str, optional
        Keyword languages to search. Default: the resume's language; a dimension without keywords in that
        language falls back to its keywords in every language.

    Returns
    -------
    MatchResult

    Notes
    -----
    Coverage of a dimension = (number of its searched keywords found at least once) / (number of its
    searched keywords), in [0, 1]; 0 for a dimension without keywords. It rewards breadth, not repetition:
    a keyword found on five lines counts once. :attr:`MatchResult.coverage` weights the dimensions by the
    profile weights. Open ends of date ranges ("2023-07 – present") are not searched. A keyword is evidence that the resume *mentions* the topic, not that the candidate is
    good at it; it only decides which questions to ask.

    Examples
    --------
    >>> p = JobProfile("pm", "v1", 3.0, (Dimension("data", 0.5, {"en": ("sql", "metric")}),
    ...                                  Dimension("people", 0.5, {"en": ("stakeholder",)})))
    >>> m = match_resume(p, Resume(lines=("Jane Doe", "Skills: SQL, Figma")))
    >>> e = m["data"].evidence[0]
    >>> (e.keyword, e.line_no, e.line), m["data"].coverage, m["people"].has_evidence
    (('sql', 2, 'Skills: SQL, Figma'), 0.5, False)
    """
    lines = resume_lines(resume)
    masked = [_mask_open_dates(line) for line in lines]
    dims = []
    for dim in profile.dimensions:
        langs = languages or (resume.language,)
        searched = [(lang, kw) for lang in langs for kw in dim.keywords.get(lang, ())]
        if not searched and languages is None:
            searched = [(lang, kw) for lang, kws in dim.keywords.items() for kw in kws]
        evidence, found = [], []
        for lang, kw in searched:
            pat = keyword_pattern(kw, lang)
            hits = [Evidence(dim.name, kw, lang, i, line, m.start(), m.end())
                    for i, line in enumerate(lines, start=1) for m in [pat.search(masked[i - 1])] if m]
            if hits:
                found.append(kw)
                evidence.extend(hits)
        evidence.sort(key=lambda e: (e.line_no, e.start))
        dims.append(DimensionMatch(dim.name, dim.weight, tuple(kw for _, kw in searched), tuple(found),
                                   tuple(evidence), len(found) / len(searched) if searched else 0.0))
    return MatchResult(profile.job_id, profile.version, resume.source, resume.language, tuple(dims), lines)


