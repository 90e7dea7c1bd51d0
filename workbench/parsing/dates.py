"""Dates as people write them on resumes, and years of experience as a union of intervals.

Dates come out as ISO strings: ``"2019-03"`` (month known), ``"2019"`` (year only) or ``"present"``.

Examples
--------
>>> [(r.start, r.end) for r in find_ranges("Jan 2020 – Present")]
[('2020-01', 'present')]
>>> [(r.start, r.end) for r in find_ranges("2019年3月至今  美的集团")]
[('2019-03', 'present')]
>>> years_of_experience([("2019-01", "2020-01"), ("2019-06", "2021-01")], reference_date="2025-06-30")
2.0
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5,
    "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
_MON = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_Y = r"(?:19[5-9]\d|20\d\d)"
_MM = r"(?:0?[1-9]|1[0-2])"
_PRESENT = r"(?:present|current(?:ly)?|now|ongoing|today|till\s+date|to\s+date|date|至今|今|现在|目前)"
# one date, most specific first; named groups tell which form matched
_DATE = (
    rf"(?:(?P<{{p}}mon>{_MON})\s*'?,?\s*(?P<{{p}}my>{_Y}|'\d\d)"                     # Jan 2020, Sept. 2018
    rf"|(?P<{{p}}zy>{_Y})\s*年\s*(?P<{{p}}zm>{_MM})\s*月?"                            # 2019年3月
    rf"|(?P<{{p}}iy>{_Y})\s*[./\-]\s*(?P<{{p}}im>{_MM})(?![\d/.]*\d)"                 # 2019.03 2019/03 2019-03
    rf"|(?P<{{p}}dm>{_MM})\s*/\s*\d{{{{1,2}}}}\s*/\s*(?P<{{p}}dy>{_Y})"               # 2/1/2012 (m/d/y)
    rf"|(?P<{{p}}um>{_MM})\s*[/.\-]\s*(?P<{{p}}uy>{_Y})"                              # 03/2019 03-2019
    rf"|(?P<{{p}}yy>{_Y})\s*年?)"                                                     # 2019, 2019年
)
_SEP = r"[./]?\s*(?:–|—|‒|－|-|‑|‐|−|~|～|〜|to|till|until|through|thru|至|到)\s*"
_RANGE = re.compile(
    rf"(?<![\w.])(?:{_DATE.format(p='a')})"
    rf"(?:(?:{_SEP}|\s*(?=至今|今))(?:(?P<present>{_PRESENT})|{_DATE.format(p='b')}))?(?![\w])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DateRange:
    """A date range found in text: ISO ``start`` and ``end`` ("" when absent) and the character span."""

    start: str
    end: str
    begin: int
    stop: int

    @property
    def text_span(self) -> tuple[int, int]:
        return self.begin, self.stop


def _one(m: re.Match, p: str) -> str | None:
    g = m.groupdict()
    if g.get(p + "mon"):
        y = g[p + "my"]
        y = int(y) if not y.startswith("'") else 2000 + int(y[1:]) if int(y[1:]) < 50 else 1900 + int(y[1:])
        return f"{y:04d}-{_mon_key(g[p + 'mon']):02d}"
    for yk, mk in (("zy", "zm"), ("iy", "im"), ("dy", "dm"), ("uy", "um")):
        if g.get(p + yk):
            return f"{int(g[p + yk]):04d}-{int(g[p + mk]):02d}"
    if g.get(p + "yy"):
        return f"{int(g[p + 'yy']):04d}"
    return None


def _mon_key(text: str) -> int:
    t = text.rstrip(".").lower()
    return MONTHS.get(t) or MONTHS[t[:3]]


def find_ranges(text: str) -> list[DateRange]:
    """Date ranges and single dates in ``text``, left to right.

    A single date gives ``start == ""`` and ``end`` = the date (a graduation or end date).

    >>> [(r.start, r.end) for r in find_ranges("2019.03-2021.07, 03/2019 – 2/2020, 2019-至今, 2012 - 2017")]
    [('2019-03', '2021-07'), ('2019-03', '2020-02'), ('2019', 'present'), ('2012', '2017')]
    >>> [(r.start, r.end) for r in find_ranges("Graduated May 2016")]
    [('', '2016-05')]
    """
    out: list[DateRange] = []
    for m in _RANGE.finditer(text):
        a = _one(m, "a")
        if a is None:
            continue
        if m.group("present"):
            out.append(DateRange(a, "present", m.start(), m.end()))
            continue
        b = _one(m, "b")
        if b is None:
            out.append(DateRange("", a, m.start(), m.end()))
        else:
            out.append(DateRange(a, b, m.start(), m.end()))
    return _join_bare(text, out)


_SINCE = re.compile(r"(?:since|从|自)\s*$", re.IGNORECASE)


def _join_bare(text: str, found: list[DateRange]) -> list[DateRange]:
    """Two single month dates with only spaces between them (a dash the PDF font lost: ``Sep. 2023 Mar. 2024``)
    are one range; a single date after "since"/"自" runs to the present.

    >>> [(r.start, r.end) for r in find_ranges("Sep. 2023 Mar. 2024; since 2019")]
    [('2023-09', '2024-03'), ('2019', 'present')]
    """
    out: list[DateRange] = []
    for r in found:
        prev = out[-1] if out else None
        if prev is not None and not prev.start and not r.start and "-" in prev.end and "-" in r.end \
                and not text[prev.stop:r.begin].strip() and prev.end < r.end:
            out[-1] = DateRange(prev.end, r.end, prev.begin, r.stop)
            continue
        if not r.start and _SINCE.search(text[max(0, r.begin - 8):r.begin]):
            r = DateRange(r.end, "present", r.begin, r.stop)
        out.append(r)
    return out


PRESENT_START = re.compile(rf"^\s*{_PRESENT}\b", re.IGNORECASE)


def strip_ranges(text: str) -> str:
    """``text`` without its dates (and the separators left dangling).

    >>> strip_ranges("Nexus AI – San Francisco, CA June 2023 – present")
    'Nexus AI – San Francisco, CA'
    """
    spans = [r.text_span for r in find_ranges(text)]
    for a, b in reversed(spans):
        text = text[:a] + " " + text[b:]
    text = re.sub(r"\(\s*\)|\[\s*\]", " ", text)
    text = re.sub(r"\s{3,}", "  ", text)
    return text.strip(" \t,;|–—-:·•()")


def to_month(iso: str, *, end: bool = False, reference: dt.date | None = None) -> int | None:
    """Month index (year * 12 + month - 1) of an ISO date; ``present`` is the reference month.

    A year-only date is January of that year.

    >>> to_month("2019-03") == 2019 * 12 + 2
    True
    """
    if not iso:
        return None
    if iso == "present":
        ref = reference or dt.date.today()
        return ref.year * 12 + ref.month - 1
    parts = iso.split("-")
    y = int(parts[0])
    mo = int(parts[1]) if len(parts) > 1 else 1
    return y * 12 + mo - 1


def reference_day(reference_date: str | dt.date | None) -> dt.date:
    """The reference date as a :class:`datetime.date` (today when ``None``)."""
    if reference_date is None:
        return dt.date.today()
    if isinstance(reference_date, dt.datetime):
        return reference_date.date()
    if isinstance(reference_date, dt.date):
        return reference_date
    return dt.date.fromisoformat(str(reference_date))


def years_of_experience(intervals, *, reference_date: str | dt.date | None = None) -> float:
    """Length in years of the union of ``[start, end)`` month intervals (overlaps counted once).

    ``end == "present"`` means the month of ``reference_date`` (default today); intervals without a start
    are skipped; an open end (``""``) counts as a single month. Rounded to 2 decimals.

    >>> years_of_experience([("2023-06", "present"), ("2022-05", "2022-08")], reference_date="2024-06-01")
    1.25
    """
    ref = reference_day(reference_date)
    spans = []
    for start, end in intervals:
        a = to_month(start)
        if a is None:
            continue
        b = to_month(end, reference=ref) if end else a + 1
        if b is None or b <= a:
            continue
        spans.append((a, b))
    spans.sort()
    total, cur_a, cur_b = 0, None, None
    for a, b in spans:
        if cur_b is None or a > cur_b:
            if cur_b is not None:
                total += cur_b - cur_a
            cur_a, cur_b = a, b
        else:
            cur_b = max(cur_b, b)
    if cur_b is not None:
        total += cur_b - cur_a
    return round(total / 12, 2)
