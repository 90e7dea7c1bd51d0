"""Grounding: where each extracted field comes from, and which experience entry a fact belongs to.

Every field of a :class:`~workbench.records.Resume` is located in the resume's ``lines`` (reading order), so a
consumer can show its evidence span: :func:`field_evidence` gives ``(field, value, page, line)`` rows (page
from the reader's :class:`~.readers.Line` when the caller has them, else 0; ``line`` is 0-based in
``resume.lines``). Experience entries are spans of lines: an entry starts at the line that names its employer
(or its title when the employer is empty), after the previous entry's start, and runs until the next entry or
the next section heading. A fact (a quantified achievement) is grounded to an entry when its line lies inside
that entry's span; :func:`grounded_employer` returns that entry's employer, or "" when the entry is unknown,
its employer is empty, or the fact names another entry's employer (a probe must then not name one).

Years of experience come with the dated intervals they were computed from (:func:`experience_intervals`).

Examples
--------
>>> from workbench.records import Job, Resume
>>> r = Resume(lines=("Jane Roe", "EXPERIENCE", "Sales Manager, Acme Beverages Inc. — 2019 – Present",
...                   "Negotiated a $4.2M contract", "Sales Rep, Globex Foods — 2015 – 2019", "Won 12 new accounts",
...                   "EDUCATION", "B.A. Economics, 2014"),
...            experience=(Job("Acme Beverages Inc.", "Sales Manager", "2019", "present"),
...                        Job("Globex Foods", "Sales Rep", "2015", "2019")),
...            quantified_achievements=("Negotiated a $4.2M contract", "Won 12 new accounts"))
>>> [(e.employer, e.first, e.last) for e in entry_spans(r)]
[('Acme Beverages Inc.', 2, 3), ('Globex Foods', 4, 5)]
>>> grounded_employer(r, "Negotiated a $4.2M contract"), grounded_employer(r, "Won 12 new accounts")
('Acme Beverages Inc.', 'Globex Foods')
>>> experience_intervals(r, reference_date="2025-01-01")
(10.0, (('2015', '2019'), ('2019', 'present')))
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..nlp import load_patterns
from ..records import Resume
from .dates import years_of_experience

_BULLET = re.compile(r"^\s*(?:[•◆◦▪▸►●○■□✓✔➢➤❖⦁\-*–·]|\d{1,2}[.)]\s)\s*")


@dataclass(frozen=True)
class Entry:
    """One experience entry's span of lines (``first`` = its header line, ``last`` inclusive; -1 = not found)."""

    index: int
    employer: str
    title: str
    first: int
    last: int


@dataclass(frozen=True)
class Evidence:
    """Where a field's value was read: ``page`` (0-based, 0 when unknown) and ``line`` (0-based in
    ``resume.lines``, -1 when the value is not printed verbatim), with the ``entry`` it belongs to (-1 = none)."""

    field: str
    value: str
    page: int
    line: int
    entry: int = -1


@lru_cache(maxsize=1)
def _headings() -> frozenset[str]:
    out = set()
    for name in ("sections", "sections_layouts"):
        ps = load_patterns(name)
        out |= {str(p["pattern"]).strip().lower() for p in ps.for_lang("en") + ps.for_lang("zh")
                if isinstance(p["pattern"], str)}
    return frozenset(out)


def _is_heading(line: str) -> bool:
    return re.sub(r"[\s:：]+$", "", line.strip().lower()) in _headings()


def find_line(text: str, lines: Sequence[str], start: int = 0) -> int:
    """Index of the first line at or after ``start`` that holds ``text`` (or its first 40 characters, for a
    fact joined from wrapped lines); -1 when none does."""
    needle = _BULLET.sub("", text).strip()
    if not needle:
        return -1
    for probe in (needle, needle[:40]):
        for i in range(start, len(lines)):
            if probe in lines[i]:
                return i
    return -1


def entry_spans(resume: Resume) -> list[Entry]:
    """The line span of every experience entry, in the resume's order (see the module docstring)."""
    lines = resume.lines
    heads: list[int] = []
    pos = 0
    for job in resume.experience:
        key = job.employer or job.title
        i = find_line(key, lines, pos) if key else -1
        heads.append(i)
        if i >= 0:
            pos = i + 1
    out = []
    for k, (job, first) in enumerate(zip(resume.experience, heads)):
        if first < 0:
            out.append(Entry(k, job.employer, job.title, -1, -1))
            continue
        nxt = min((h for h in heads[k + 1:] if h > first), default=len(lines))
        last = first
        while last + 1 < nxt and not _is_heading(lines[last + 1]):
            last += 1
        out.append(Entry(k, job.employer, job.title, first, last))
    return out


def entry_of(resume: Resume, fact: str, spans: list[Entry] | None = None) -> Entry | None:
    """The experience entry whose span holds the line of ``fact`` (None when the fact is outside them)."""
    spans = entry_spans(resume) if spans is None else spans
    i = find_line(fact, resume.lines)
    if i < 0:
        return None
    return next((e for e in spans if e.first <= i <= e.last), None)


def grounded_employer(resume: Resume, fact: str) -> str:
    """The employer a probe may name beside ``fact``: the employer of the entry the fact belongs to, when
    that entry's header line prints it; "" otherwise (or when the fact names another entry's employer)."""
    e = entry_of(resume, fact)
    if e is None or not e.employer:
        return ""
    others = {j.employer for j in resume.experience if j.employer and j.employer != e.employer}
    if any(o in fact for o in others):
        return ""
    return e.employer


def experience_intervals(resume: Resume, *, reference_date=None) -> tuple[float, tuple[tuple[str, str], ...]]:
    """(years of experience, the dated intervals used): the union of the entries' ``[start, end)`` intervals,
    overlaps counted once; entries without a start date are left out."""
    iv = tuple(sorted({(j.start, j.end) for j in resume.experience if j.start}))
    return years_of_experience(iv, reference_date=reference_date), iv


def field_evidence(resume: Resume, pages: Sequence[int] | None = None) -> list[Evidence]:
    """Evidence rows for name, email, phone, every education and experience field and every achievement.

    ``pages`` is the page of each line (from the reader's lines); without it pages are 0.
    """
    lines = resume.lines
    spans = entry_spans(resume)

    def ev(field: str, value: str, start: int = 0, entry: int = -1) -> Evidence:
        i = find_line(value, lines, start) if value else -1
        return Evidence(field, value, pages[i] if pages is not None and i >= 0 else 0, i, entry)

    out = [ev(f, getattr(resume, f)) for f in ("name", "email", "phone") if getattr(resume, f)]
    for k, (job, span) in enumerate(zip(resume.experience, spans)):
        for f in ("employer", "title"):
            if getattr(job, f):
                out.append(ev(f"experience[{k}].{f}", getattr(job, f), max(span.first, 0), k))
    for k, edu in enumerate(resume.education):
        for f in ("degree", "field", "school"):
            if getattr(edu, f):
                out.append(ev(f"education[{k}].{f}", getattr(edu, f)))
    for k, a in enumerate(resume.quantified_achievements):
        e = entry_of(resume, a, spans)
        out.append(ev(f"quantified_achievements[{k}]", a, 0, e.index if e else -1))
    return out
