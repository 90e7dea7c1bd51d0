"""Pre-segmentation of flattened resume text: one very long line -> the lines the extractor expects.

Resume text copied out of a PDF or a web form often loses its line breaks: the whole CV is one line, with at
most a run of two or more spaces where a break used to be. The extractor reads line and section structure,
so such a text is cut back into lines before extraction:

1. a line is *flattened* when it is at least ``LONG_LINE`` characters long;
2. when it holds many runs of 2+ spaces (about one per ``GAP_EVERY`` characters or more), those runs are the
   old line breaks and the line is split there; a date alone followed by a date or "Present" on the next
   piece (an en dash lost in conversion: ``2015  Present``) is joined back into one range;
3. every piece still longer than ``LONG_PIECE`` characters is split before section headings (the bundled
   ``sections`` patterns, when written in capitals or Title Case and standing apart: after a sentence end,
   before a colon or a capitalised word), before bullets (``•``, ``▪``, ``✓``, private-use icon glyphs, and
   ``-`` after a sentence end), around date ranges (``2004-2007``, ``June 2010 to Present``) and at sentence
   ends (not after abbreviations such as ``Ltd.`` or ``B.``).

Texts with ordinary line lengths are returned unchanged, so PDF and DOCX layouts are not affected.

Examples
--------
>>> segment_text("Ana Lima\\nEXPERIENCE\\n") == "Ana Lima\\nEXPERIENCE\\n"   # ordinary text: unchanged
True
>>> flat = ("Ana Lima  Data Analyst - Globex  WORK EXPERIENCE  Data Analyst  Globex - Columbus, OH  "
...         "January 2019 to Present  • Built dashboards for 12 teams  • Cut churn by 12%  Junior Analyst  "
...         "Initech - Dayton, OH  2017  2018  EDUCATION  B.S. in Statistics  Ohio State University  "
...         "SKILLS  Python, SQL, Tableau, Excel, statistics, forecasting, data visualisation")
>>> segment_text(flat).splitlines()[:8]
['Ana Lima', 'Data Analyst - Globex', 'WORK EXPERIENCE', 'Data Analyst', 'Globex - Columbus, OH', 'January 2019 to Present', '• Built dashboards for 12 teams', '• Cut churn by 12%']
>>> segment_text(flat).splitlines()[10]
'2017 – 2018'
>>> print(segment_text("Tomas Berg Work Experience: Logistics Coordinator, Fabrikam, Oslo, 2018 - 2023. "
...                    "Planned 300 shipments a month. Reduced late deliveries by 20% in one year. Trained two "
...                    "new planners and wrote the carrier handbook used across the region. Education: "
...                    "Bachelor of Science in Logistics, University of Bergen, 2011 - 2014. Skills: SAP, Excel."))
Tomas Berg
Work Experience:
Logistics Coordinator, Fabrikam, Oslo
2018 - 2023
Planned 300 shipments a month.
Reduced late deliveries by 20% in one year.
Trained two new planners and wrote the carrier handbook used across the region.
Education:
Bachelor of Science in Logistics, University of Bergen
2011 - 2014
Skills:
SAP, Excel.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..nlp import load_patterns
from .dates import find_ranges

LONG_LINE = 300
LONG_PIECE = 120
GAP_EVERY = 250
_GAP = re.compile(r"[ \t\u00a0]{2,}")
_BULLETS = "•▪◦●○■□◆◇►▸➢➤✓✔❖⦁\u2022"
_BULLET = re.compile(rf"\s*(?:[{_BULLETS}]|[\ue000-\uf8ff])+\s*")
_DASH_BULLET = re.compile(r"(?<=[.;:!?])\s+[-–*]\s+(?=[A-Z])")
_ABBREV = {"ltd", "pvt", "inc", "co", "corp", "mr", "mrs", "ms", "dr", "st", "jr", "sr", "no", "vs", "etc", "e.g",
           "i.e", "dept", "govt", "univ", "approx", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
           "oct", "nov", "dec", "hons", "tech", "sc", "com", "eng", "engg", "mgmt", "m", "b", "ph", "d"}
_SENTENCE_END = re.compile(r"(?<=[a-z0-9%)\]])([.!?])\s+(?=[A-Z(\"“])")
_DATE_ALONE = re.compile(r"^(?:(?:[A-Za-z]{3,9}\.?\s*,?\s*)?(?:19|20)\d\d|\d{1,2}[/.-](?:19|20)\d\d)$")
_DATE_START = re.compile(r"^(?:(?:[A-Za-z]{3,9}\.?\s*,?\s*)?(?:19|20)\d\d\b|\d{1,2}[/.-](?:19|20)\d\d\b|"
                         r"present\b|current\b|till date\b|to date\b|now\b)", re.IGNORECASE)
_CORE = {"education", "experience", "skills", "employment", "qualifications"}
_FUNCTION_WORDS = {"in", "of", "and", "for", "the", "with", "on", "at", "to", "a", "an", "my", "our", "your", "&",
                   "professional", "work", "relevant", "technical", "key", "core", "higher"}
_MONTH = re.compile(r"^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?$", re.IGNORECASE)


@lru_cache(maxsize=1)
def _heading_regex() -> re.Pattern:
    """Section headings of the ``sections`` patterns (English), longest first, as one alternation."""
    phrases = [p for p in load_patterns("sections").phrases("en", "SECTION") if len(p) >= 4]
    extra = ["additional information", "work experience", "career experience", "job history"]
    alts = sorted({*phrases, *extra}, key=len, reverse=True)
    body = "|".join(re.escape(a).replace(r"\ ", r"\s+") for a in alts)
    return re.compile(rf"(?<![\w/&-])(?:{body})(?![\w/&-])", re.IGNORECASE)


def _heading_cut(text: str, m: re.Match) -> bool:
    """Whether a heading phrase found in running text starts a section (so the text is cut around it)."""
    word = m.group(0)
    letters = [c for c in word if c.isalpha()]
    caps = all(c.isupper() for c in letters)
    title = all(w[:1].isupper() for w in word.split() if w.lower() not in ("and", "of", "&"))
    if not (caps or title):
        return False
    before = text[:m.start()].rstrip()
    after = text[m.end():].lstrip()
    if after.startswith(":") or after.startswith("-") and caps:
        return True
    if not after or not before:
        return True
    starts_after = bool(re.match(r"[A-Z0-9•\"(]|[\ue000-\uf8ff]", after))
    if caps and len(word) >= 5:
        # "WORK EXPERIENCE Software Engineer": a heading in capitals is a heading unless the text around it is
        # also in capitals (a company name, "INTERNATIONAL SALES & MARKETING EXECUTIVE")
        prev = before.split()[-1] if before.split() else ""
        nxt = after.split()[0] if after.split() else ""
        return starts_after and not (prev.isupper() and len(prev) > 2 and nxt.isupper() and len(nxt) > 2)
    end_before = bool(re.search(r"[.!?:;)\]]$|[\ue000-\uf8ff•]$|(?:19|20)\d\d$|present$", before, re.IGNORECASE))
    if not starts_after:
        return False
    if end_before or len(word.split()) >= 2:
        return True
    # one Title-case word after running text: "... reports Education B.S. in ..." (not "in Education Ohio")
    prev = before.split()[-1].lower() if before.split() else ""
    return word.lower() in _CORE and prev not in _FUNCTION_WORDS


def _cut_headings(text: str) -> list[str]:
    cuts: list[tuple[int, int]] = []
    for m in _heading_regex().finditer(text):
        if _heading_cut(text, m):
            end = m.end()
            rest = text[end:]
            colon = re.match(r"\s*[:\-–]\s*", rest)
            if colon:
                end += colon.end()
            cuts.append((m.start(), end))
    if not cuts:
        return [text]
    out, pos = [], 0
    for a, b in cuts:
        out.append(text[pos:a])
        out.append(text[a:b])
        pos = b
    out.append(text[pos:])
    return [p.strip() for p in out if p.strip()]


def _cut_ranges(text: str) -> list[str]:
    """Put each full date range (start and end) on a line of its own."""
    spans = [(r.begin, r.stop) for r in find_ranges(text) if r.start and r.end]
    if not spans:
        return [text]
    out, pos = [], 0
    for a, b in spans:
        # "(September 2017 onwards)", "from 2019 to 2021": ranges inside a sentence stay where they are
        if re.search(r"[(]\s*$|\b(?:from|since|between|in|during)\s*$", text[pos:a], re.IGNORECASE):
            continue
        out.append(text[pos:a])
        out.append(text[a:b])
        pos = b
    out.append(text[pos:])
    out = [p.strip(" ,;") for p in out]
    return [p.lstrip(".").strip() if p.startswith(". ") else p for p in out if re.search(r"\w", p)]


def _cut_sentences(text: str) -> list[str]:
    out, pos = [], 0
    for m in _SENTENCE_END.finditer(text):
        word = re.search(r"([\w.]+)$", text[pos:m.start()])
        w = (word.group(1) if word else "").lower().rstrip(".")
        if w in _ABBREV or len(w) == 1 or re.fullmatch(r"(?:[a-z]\.)+[a-z]?", w):
            continue
        out.append(text[pos:m.end(1)])
        pos = m.end()
    out.append(text[pos:])
    return [p.strip() for p in out if p.strip()]


def _split_piece(piece: str) -> list[str]:
    """Cut one long piece at headings, bullets, date ranges and sentence ends."""
    parts = [piece]
    for cut in (_cut_headings,
                lambda t: [p for p in _BULLET.split(t) if p.strip()],
                lambda t: [p for p in _DASH_BULLET.split(t) if p.strip()],
                _cut_ranges, _cut_sentences):
        nxt: list[str] = []
        for p in parts:
            nxt.extend(cut(p) if len(p) > 40 else [p])
        parts = nxt
    return [p.strip() for p in parts if p.strip()]


def _join_broken_ranges(pieces: list[str]) -> list[str]:
    """``2015`` + ``Present Associate Professor`` -> ``2015 – Present Associate Professor`` (a lost dash)."""
    out: list[str] = []
    i = 0
    while i < len(pieces):
        p = pieces[i]
        if i + 1 < len(pieces) and _DATE_ALONE.match(p.strip()) and not _MONTH.match(p.strip()) \
                and _DATE_START.match(pieces[i + 1].strip()):
            out.append(f"{p.strip()} – {pieces[i + 1].strip()}")
            i += 2
            continue
        out.append(p)
        i += 1
    return out


def is_flattened(line: str) -> bool:
    """Whether one line of text is a whole flattened document (or a long part of one)."""
    return len(line) >= LONG_LINE


def segment_line(line: str) -> list[str]:
    """The lines of one flattened line (see the module docstring); short lines come back as they are."""
    if not is_flattened(line):
        return [line]
    text = line.strip().strip('"“”').strip()
    gaps = len(_GAP.findall(text))
    if gaps * GAP_EVERY >= len(text):
        pieces = [p.strip() for p in _GAP.split(text) if p.strip()]
        # a bullet glyph alone on its piece goes with the piece after it
        merged: list[str] = []
        for p in pieces:
            if merged and _BULLET.fullmatch(merged[-1]):
                merged[-1] = f"• {p}"
            else:
                merged.append(p)
        pieces = _join_broken_ranges(merged)
    else:
        pieces = [text]
    out: list[str] = []
    for p in pieces:
        out.extend(_split_piece(p) if len(p) > LONG_PIECE else [p])
    return out


_ESCAPED = re.compile(r"(?:\\x[0-9a-fA-F]{2})+")


def unescape_bytes(text: str) -> str:
    """Literal UTF-8 byte escapes left by a careless export (``\\xe2\\x80\\xa2``) -> the characters (``•``).

    >>> unescape_bytes(r"Sales \\xe2\\x80\\xa2 Marketing")
    'Sales • Marketing'
    """
    if "\\x" not in text:
        return text

    def dec(m: re.Match) -> str:
        raw = bytes(int(h, 16) for h in re.findall(r"[0-9a-fA-F]{2}", m.group(0)))
        return raw.decode("utf-8", "replace").replace("\ufffd", " ")

    return _ESCAPED.sub(dec, text)


def segment_text(text: str) -> str:
    """``text`` with every flattened line cut into lines; other lines untouched."""
    text = unescape_bytes(text)
    if not any(len(ln) >= LONG_LINE for ln in text.splitlines()):
        return text
    out: list[str] = []
    for ln in text.splitlines():
        out.extend(segment_line(ln))
    return "\n".join(out)
