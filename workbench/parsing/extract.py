"""Field extraction: lines in reading order -> :class:`~workbench.records.Resume`.

The steps are rule based and layout aware: section headings (bundled ``sections`` patterns, plus font size,
boldness or capitals for headings the patterns do not know), the name (largest font on page one, ``姓名：``,
or the first name-like line), contact details, then entries in the experience and education sections. An
entry is a block of header lines (not bullets, not wrapped continuations) with its dates, wherever the layout
put them (same line, a right-aligned column, the line below); its pieces (split on commas, dashes, bars,
layout gaps) are classified with the spaCy pipeline's DEGREE, TITLE and SCHOOL entities and a location test.

Examples
--------
>>> from workbench.parsing.readers import text_lines
>>> r = extract(text_lines('''Ana Lima
... ana@x.org | +1 (415) 555-0100
... EXPERIENCE
... Data Analyst, Globex — Jan 2020 – Present
... - Cut churn by 12% in 2023
... EDUCATION
... B.S. in Statistics, Ohio State University, 2015 – 2019'''), reference_date="2024-01-15")
>>> r.name, r.email, r.experience[0].employer, r.experience[0].title, r.years_experience
('Ana Lima', 'ana@x.org', 'Globex', 'Data Analyst', 4.0)
>>> r.education[0].degree_level, r.education[0].field, r.quantified_achievements
('bachelor', 'Statistics', ('Cut churn by 12% in 2023',))
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from .. import nlp as _nlp
from ..nlp import detect_language, load_patterns
from ..records import Education, Job, Resume
from .dates import PRESENT_START, DateRange, find_ranges, strip_ranges, years_of_experience
from .orgs import (find_orgs, has_result, is_legal_form, is_location, is_role, is_sentence, legal_suffix_end,
                   org_score)
from .readers import Line
from .skills import Taxonomy, canonical, find_skills, load_taxonomy

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
PHONE = re.compile(r"(?<![\w/.])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]?\d{2,4}){1,4}(?![\w/])")
BULLET = re.compile(r"^\s*(?:[•◆◦▪▸►●○■□✓✔➢➤❖⦁\-*–·\ue000-\uf8ff]|\d{1,2}[.)]\s)\s*")
QUANTITY = re.compile(
    r"\d[\d,.]*\s*(?:%|％|x\b|×|倍|万|亿|千|百万|家|个|人|名|项|位|k\b|K\b|M\b|B\b|bn\b|\+|"
    r"\s(?:million|billion|thousand|users|customers|clients|people|engineers|percent))"
    r"|[$€£¥￥]\s?\d", re.IGNORECASE)
DURATION = re.compile(r"^[\s(（‑-]*(?:\d+(?:\.\d+)?\s*(?:years?|yrs?|months?|mos?|年|个月)\.?\s*){1,2}[)）]?$",
                      re.IGNORECASE)
LABEL_PREFIX = re.compile(r"^(?:date|dates|period|location|place|duration|company|employer|position|title|role|"
                          r"degree(?: level| major)?|school|university|major|name of (?:the )?(?:university|college|"
                          r"school|high school|company|employer)|dates of study|study course|时间|公司|职位|学校|专业|学历)"
                          r"\s*[:：]\s*", re.IGNORECASE)
PIECE_SPLIT = re.compile(r"(?<=[\u4e00-\u9fff）)])\s+(?=[\u4e00-\u9fff（(])|(?<=[A-Za-z0-9]{2})\s+(?=[\u4e00-\u9fff]{2})|\s+[–—|·•]\s+|\s+-\s+|,\s+|，|\s{2,}|;\s+|\s+at\s+|\s+@\s+|(?<=\S)\s*[|·]\s*(?=\S)")
COLUMN_LABELS = re.compile(r"(?i)dates?|period|time|duration|employer|company|organi[sz]ation|title|position|role|"
                           r"designation|location|degree|school|institution|university|major|field|时间|起止时间|"
                           r"公司|单位|职位|岗位|地点|学校|院校|专业|学历|学位")
CONTACT_KEYS = re.compile(r"^(?:phone|tel|mobile|cell|email|e-mail|电话|手机|邮箱|联系电话)\b", re.IGNORECASE)
REGIONS = {
    "usa", "us", "u.s.", "united states", "uk", "united kingdom", "england", "canada", "india", "china", "germany",
    "france", "japan", "türkiye", "turkey", "australia", "singapore", "netherlands", "spain", "italy", "brazil",
    "mexico", "remote", "ireland", "sweden", "switzerland", "israel", "korea", "south korea", "hong kong",
    "taiwan", "new york", "california", "texas", "karnataka", "maharashtra", "tamil nadu", "delhi", "new delhi",
    "telangana", "uttar pradesh", "haryana", "kerala", "gujarat", "west bengal", "orissa", "odisha",
    "andhra pradesh", "punjab", "rajasthan", "madhya pradesh", "bihar", "jharkhand", "goa",
}
_NOT_NAMES = {"resume", "curriculum vitae", "cv", "个人简历", "简历", "personal resume", "résumé", "biodata"}


@dataclass
class _Block:
    lines: list[Line] = field(default_factory=list)
    dates: list[DateRange] = field(default_factory=list)
    pieces: list[tuple[str, bool]] = field(default_factory=list)  # (text, was a separate layout segment)


def _norm_heading(text: str) -> str:
    t = re.sub(r"[\s:：.\-–—_•#*|]+$", "", text.strip().lower())
    t = re.sub(r"^[\s#*•\-–—_|]+", "", t)
    t = re.sub(r"^[^\x00-\x7f\u3400-\u9fff]\s+(?=\S)", "", t)  # an icon glyph before the heading ("ƃ 教育背景")
    return re.sub(r"\s+", " ", t.replace("&", "and"))


SECTION_FILES = ("sections", "sections_layouts")


def _section_table(lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in SECTION_FILES:
        ps = load_patterns(name)
        out.update({_norm_heading(p["pattern"]): p["id"] for p in ps.for_lang(lang) if isinstance(p["pattern"], str)})
    return out


def _is_bullet(text: str) -> bool:
    return bool(BULLET.match(text)) and not re.match(r"^\s*[-–]\s*\d{4}", text)


def _body_size(lines: list[Line]) -> float:
    sizes = [ln.size for ln in lines if ln.size]
    return statistics.median(sizes) if sizes else 0.0


def _heading_id(ln: Line, table: dict[str, str], body: float) -> str | None:
    """Section id of a heading line, ``other`` for an unknown heading, None for text."""
    text = ln.text.strip()
    key = _norm_heading(text)
    if key in table:
        return table[key]
    if len(key) > 40 or not key or re.search(r"\d|@", key) or _is_bullet(text):
        return None
    words = key.split()
    kw = _keyword_heading(text, key)
    if kw:
        return kw
    if len(words) > 5:
        return None
    larger = body and ln.size >= body * 1.12
    caps = bool(re.fullmatch(r"[A-Z][A-Z &/'-]{2,}", text)) and len(words) <= 4 and key not in REGIONS \
        and not is_location(text)
    if ln.heading or (larger and (ln.bold or ln.size >= body * 1.25)) or (caps and not find_ranges(text)):
        return "other"
    return None


_HEAD_KEYWORDS = (
    ("summary", re.compile(r"^(?:summary|objective|profile)\b")),
    ("experience", re.compile(r"\b(?:experience|employment|work history|job history|career history|professional history|positions held)$|"
                              r"^(?:experience|employment|work history)\b|\bexperience\b(?=/|\s+and\b|\s+&)")),
    ("education", re.compile(r"^(?:education|academic|educational)\b|\b(?:education|academics|academic background|"
                             r"educational background|qualifications?)$")),
    ("skills", re.compile(r"^(?:skills|competencies|technical)\b|\b(?:skills|competencies|proficiencies|expertise)$")),
)


def _keyword_heading(text: str, key: str) -> str | None:
    """Section id of a short heading the table does not list ("Career Experience/Job History",
    "Highlights of Employment", "Education & Professional Development"): at most 6 words in capitals or Title
    Case, no digits or sentence punctuation, a section keyword at its start or end."""
    words = key.split()
    if not 1 <= len(words) <= 6 or re.search(r"[\d@,.;!?()]", text.rstrip(" :")) or _is_bullet(text):
        return None
    raw = [w for w in re.split(r"[\s/&]+", text.strip(" :")) if w]
    if not all(w[:1].isupper() or w.lower() in ("and", "of", "in", "the", "for", "&") for w in raw):
        return None
    k = re.sub(r"\s*/\s*", "/", key)
    for sid, rx in _HEAD_KEYWORDS:
        if rx.search(k):
            return sid
    return None


def _pieces(text: str, *, split_at: bool = True) -> list[str]:
    text = LABEL_PREFIX.sub("", text.strip())
    if not split_at:
        text = re.sub(r"\s+(at|@)\s+", " \\1\u2060", text)
    text = re.sub(r"\b(?:date|location|dates)\s*:\s*", "  ", text, flags=re.IGNORECASE)
    out: list[str] = []
    for p in PIECE_SPLIT.split(text):
        p = p.strip(" \t,;:|–—-·•()[]")
        if out and p and is_legal_form(p):
            out[-1] = f"{out[-1]}, {p}"  # "Omnious. Co., Ltd.": a legal form split off by the comma
        elif p and not DURATION.match(p):
            out.append(p)
    return out


def _is_region(p: str) -> bool:
    low = p.lower().strip(".")
    if re.fullmatch(r"[A-Z]{2,3}", p.strip()) and any(e.label_ in ("DEGREE", "TITLE") for e in _ents(p, "en")):
        return False
    return low in REGIONS or bool(re.fullmatch(r"[A-Z]{2,3}|[A-Z]\.[A-Z]\.", p.strip()))


def _mark_locations(pieces: list[str], separate: list[bool]) -> list[bool]:
    """Which pieces are locations: a place of the gazetteer (:func:`.orgs.is_location`), a region/state code and
    the city piece right before it."""
    loc = [is_location(p) for p in pieces]  # a place of the gazetteer is a location on its own
    for i, p in enumerate(pieces):
        if _is_region(p):
            loc[i] = True
            j = i - 1
            while j >= 0 and not loc[j] and len(pieces[j].split()) <= 3 and pieces[j][:1].isupper() \
                    and not _is_region(pieces[j]) and j >= i - 2 and not org_score(pieces[j]):
                loc[j] = True
                if not (j - 1 >= 0 and _is_region(pieces[j - 1])):
                    break
                j -= 1
    return loc


def _ents(text: str, lang: str):
    return _nlp.get_pipeline(lang)(text).ents


@dataclass
class _Ctx:
    lang: str
    body: float


def _blocks(lines: list[Line], kind: str = "experience", lang: str = "en") -> list[_Block]:
    """Group a section's lines into entry blocks (header lines + dates)."""
    blocks: list[_Block] = []
    prev_kind = "none"  # header | body
    bullet_x = None
    pending_open: DateRange | None = None
    for i, ln in enumerate(lines):
        segs = list(ln.segments or (ln.text,))
        seg_x = list(ln.seg_x) if len(ln.seg_x) == len(segs) else [ln.x0] * len(segs)
        dates: list[DateRange] = []
        keep: list[tuple[str, float]] = []
        for s, sx in zip(segs, seg_x):
            rs = find_ranges(s)
            rest = strip_ranges(s) if rs else s
            if rs:
                dates.extend(rs)
            if rest and not DURATION.match(rest):
                keep.append((rest, sx))
        # a range split over two lines: "2017 –" / "Present" (or "2018")
        if pending_open is not None and blocks and blocks[-1].dates and blocks[-1].dates[-1] is pending_open:
            if dates and dates[0].start == "":
                blocks[-1].dates[-1] = DateRange(pending_open.end, dates[0].end, 0, 0)
                dates = dates[1:]
            elif not dates and keep and PRESENT_START.match(keep[0][0]):
                blocks[-1].dates[-1] = DateRange(pending_open.end, "present", 0, 0)
                first = PRESENT_START.sub("", keep[0][0]).strip()
                keep = ([(first, keep[0][1])] if first else []) + keep[1:]
            pending_open = None
        text = " ".join(k for k, _ in keep)
        if keep and not dates and all(COLUMN_LABELS.fullmatch(k.strip()) for k, _ in keep) and len(keep) >= 2:
            continue  # a table's header row (Dates | Employer | Title)
        is_b = _is_bullet(ln.text) and not _bulleted_header(ln, lines[i + 1] if i + 1 < len(lines) else None, lang)
        words = len([w for w in text.split() if re.search(r"\w", w)])
        cont = (prev_kind == "body" and bullet_x is not None and ln.x0 > bullet_x + 2
                and not any(d.start for d in dates) and not ln.bold and not (dates and len(segs) > 1))
        sentence = words >= (16 if dates else 12) or (text.endswith(".") and words >= 6 and not legal_suffix_end(text)) \
            or (not dates and bool(keep) and all(is_sentence(k, lang) for k, _ in keep))
        if sentence and kind == "education" and words < 20 and not is_b \
                and any(e.label_ in ("DEGREE", "SCHOOL") for e in _ents(text, lang)):
            sentence = False  # "1999 – 2002: Bachelor of Arts in Journalism, University of Phoenix, Brookfield."
        body = is_b or cont or sentence or not text
        if is_b:
            bullet_x = ln.x0
        if body:
            if dates and blocks and not blocks[-1].dates and prev_kind in ("header", "body"):
                blocks[-1].dates.extend(dates)
            prev_kind = "body" if (is_b or cont or sentence) else prev_kind
            if not text and dates and prev_kind == "none":
                blocks.append(_Block([ln], list(dates), []))
                prev_kind = "header"
            continue
        pieces = [(t, len(keep) > 1) for t, _ in keep]
        cur = blocks[-1] if blocks else None
        join = (cur is not None and prev_kind == "header" and len(cur.lines) < 3
                and not (cur.dates and dates and cur.pieces) and not (cur.dates and len(cur.lines) >= 2))
        if join:
            cur.lines.append(ln)
            cur.pieces.extend(pieces)
            cur.dates.extend(dates)
        else:
            blocks.append(_Block([ln], list(dates), pieces))
        prev_kind = "header"
        bullet_x = None
        pending_open = None
        if dates and dates[-1].start == "" and re.search(r"\d\s*[–—~-]\s*(?![\s–—~-]*\d)", ln.text):
            pending_open = dates[-1]
    return blocks


def _bulleted_header(ln: Line, nxt: Line | None, lang: str) -> bool:
    """A bullet that opens an entry ("• Google    Mountain View, CA" above "Software Engineer  Oct 2016 –
    Present"): a short, layout-split line naming an organisation or a place, with the dates on the next line."""
    if nxt is None or len(ln.segments) < 2 or _is_bullet(nxt.text) or not find_ranges(nxt.text):
        return False
    text = BULLET.sub("", ln.text)
    if len(text.split()) > 8 or is_sentence(text, lang) or find_ranges(text):
        return False
    return any(org_score(s, lang) or is_location(s) or _is_region(s.split(",")[-1].strip())
               for s in (BULLET.sub("", x) for x in ln.segments))


def _employers_anywhere(lines: list[Line], lang: str) -> list[Job]:
    """No employer found in entry blocks (a flattened or free-form text): organisation names with a legal form
    (:func:`.orgs.find_orgs`) in the given lines, each with the date range of its line when there is one."""
    out: list[Job] = []
    seen: set[str] = set()
    for ln in lines:
        if _is_bullet(ln.text) and not find_ranges(ln.text):
            continue
        for org in find_orgs(ln.text):
            if org in seen or EMAIL.search(org):
                continue
            seen.add(org)
            full = [d for d in find_ranges(ln.text) if d.start]
            out.append(Job(employer=org, start=full[0].start if full else "", end=full[0].end if full else ""))
    return out


def _split_pieces(block: _Block, *, split_at: bool = True) -> tuple[list[str], list[bool]]:
    texts, seps = [], []
    for t, separate in block.pieces:
        for p in _pieces(t, split_at=split_at):
            p = p.replace("\u2060", " ")
            texts.append(p)
            seps.append(separate)
    return texts, seps


def _title_score(piece: str, lang: str) -> int:
    ents = [e for e in _ents(piece, lang) if e.label_ == "TITLE"]
    if not ents:
        return 0
    last = max(e.end_char for e in ents)
    return 2 if last >= len(piece.rstrip(" )")) - 1 else 1


def _job(block: _Block, lang: str) -> Job | None:
    pieces, seps = _split_pieces(block)
    loc = _mark_locations(pieces, seps)
    cands = [p for p, lc in zip(pieces, loc) if not lc and (len(p.split()) <= 9 or len(p.split()) <= 12
                                                            and _title_score(p, lang)) and not EMAIL.search(p)
             and (not p[:1].islower() or _DOMAIN.fullmatch(p)) and (not p.endswith(".") or legal_suffix_end(p))
             and len(re.findall(r"\w", p)) >= 2 and not is_sentence(p, lang)]
    if not cands and not block.dates:
        return None
    scores = [_title_score(p, lang) for p in cands]
    title = employer = ""
    if cands:
        if max(scores) > 0:
            ti = max(range(len(cands)), key=lambda i: (scores[i], -i))
            title = cands[ti]
            rest = [c for i, c in enumerate(cands) if i != ti]
            rest_scores = [s for i, s in enumerate(scores) if i != ti]
            if rest:
                employer = rest[min(range(len(rest)), key=lambda i: (rest_scores[i], i))]
        else:
            employer = cands[0]
            title = cands[1] if len(cands) > 1 else ""
        employer, title = _prefer_org(cands, employer, title, lang)
    start, end = _entry_dates(block)
    if not (title or employer) or _is_project(pieces, employer, lang):
        return None
    employer = re.sub(r"\s*[(（][^)）]*[)）]?$", "", employer).strip() or employer  # "Dashbase (Cisco Acquired)"
    return Job(employer=employer, title=title, start=start, end=end)


_PROJECT = re.compile(r"\b(?:personal|research|course|side|academic|school|student|university|open[- ]source)\s+"
                      r"project\b|个人项目|科研项目|课程项目|开源项目|毕业设计", re.IGNORECASE)


def _is_project(pieces: list[str], employer: str, lang: str) -> bool:
    """An experience-section entry that is a project, not a job ("C++/C Research Project", "个人项目"), when
    no piece names an organisation: it gives no employer and no work interval."""
    return any(_PROJECT.search(p) for p in pieces) and org_score(employer, lang) < 2


_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}")


def _org_pref(piece: str, lang: str) -> int:
    """How much a piece reads as the employer: its organisation score, minus 2 when it names a role."""
    return org_score(piece, lang) - (2 if is_role(piece, lang) else 0) if piece else -9


def _prefer_org(cands: list[str], employer: str, title: str, lang: str) -> tuple[str, str]:
    """The employer is the piece that reads most like an organisation (gazetteer, :mod:`.orgs`) and least like
    a role: a title that reads more like one swaps with the employer; an employer that does not read like one
    gives way to another piece that does."""
    if title and _org_pref(title, lang) > _org_pref(employer, lang) and not (
            _title_score(title, lang) and org_score(title, lang) < 2):
        employer, title = title, employer
    if _org_pref(employer, lang) > 0:
        return employer, title
    scored = [(_org_pref(c, lang), -i, c) for i, c in enumerate(cands) if c not in (title, employer)]
    best = max(scored, default=(0, 0, ""))
    return (best[2], title) if best[0] > 0 else (employer, title)


def _entry_dates(block: _Block) -> tuple[str, str]:
    full = [d for d in block.dates if d.start]
    if full:
        return full[0].start, full[0].end
    if block.dates:
        return "", block.dates[0].end
    return "", ""


def _education(block: _Block, lang: str) -> Education | None:
    pieces, seps = _split_pieces(block, split_at=False)
    loc = _mark_locations(pieces, seps)
    degree = level = fld = school = ""
    rest: list[str] = []
    for p, lc in zip(pieces, loc):
        if lc:
            continue
        ents = list(_ents(p, lang))
        degs = [e for e in ents if e.label_ == "DEGREE"]
        schools = [e for e in ents if e.label_ == "SCHOOL"]
        if degs and not (schools and lang == "en" and degs[0].start > schools[0].start):
            d = degs[0]
            if not degree:
                degree, level = d.text, d.ent_id_
            before = p[:d.start_char].strip(" ,-–")
            after = p[d.end_char:].strip(" ,-–()")
            m = re.match(r"^(?:in|of|–|-|:)\s+(.*)$", after, flags=re.IGNORECASE)
            if m and not fld:
                fld = m.group(1).strip(" ()")
            elif after and re.match(r"^\(.*\)$", p[d.end_char:].strip()) and not fld:
                fld = after
            elif after and not fld and lang == "en" and not schools and not org_score(after) \
                    and _looks_like_field(after):
                fld = after
            elif after and not school and (any(s.start_char >= d.end_char for s in schools) or lang == "en"):
                school = after
            if before and not school and any(s.end_char <= d.start_char for s in schools):
                school = before
            continue
        if schools and not school:
            school = p
            continue
        rest.append(p)
    for p in rest:
        if len(p.split()) > 8 or re.search(r"gpa|cgpa|percentage|grade|%", p, re.IGNORECASE):
            continue
        if not school and not fld and degree and lang == "en" and not any(e.label_ == "SCHOOL" for e in _ents(p, lang)) \
                and _looks_like_field(p):
            fld = p
        elif not school:
            school = p
        elif not fld:
            fld = p
    if not (degree or school):
        return None
    start, end = _entry_dates(block)
    return Education(degree=degree, degree_level=level, field=fld, school=school, start=start, end=end)


def _education_anywhere(lines: list[Line], kinds: list[str]) -> list[Education]:
    """No education section: short lines anywhere (not bullets, not in experience) naming a degree."""
    out: list[Education] = []
    for ln, kind in zip(lines, kinds):
        if kind in ("experience", "heading") or len(ln.text.split()) > 16:
            continue
        if _is_bullet(ln.text):
            continue
        text = strip_ranges(ln.text).strip(" :,-–") if find_ranges(ln.text) else ln.text
        ents = _ents(text, "en")
        degs = [e for e in ents if e.label_ == "DEGREE"]
        # a degree that opens the line ("B.S. in Marketing, ...") or one next to a school name
        if not degs or not (degs[0].start <= 1 or any(e.label_ == "SCHOOL" for e in ents)):
            continue
        e = _education(_Block([ln], find_ranges(text), [(text, False)]), "en")
        if e is not None and e.degree and e not in out:
            out.append(e)
    return out


_FIELD_WORDS = re.compile(r"science|engineering|studies|economics|management|administration|arts|mathematics|"
                          r"physics|chemistry|biology|psychology|statistics|finance|accounting|commerce|law|design|"
                          r"marketing|technology|business|informatics|education|literature|history", re.IGNORECASE)


def _looks_like_field(p: str) -> bool:
    return bool(_FIELD_WORDS.search(p))


_NAME_STOP = {
    "resume", "résumé", "template", "sample", "samples", "example", "examples", "cv", "curriculum", "vitae",
    "updated", "update", "build", "market", "skills", "student", "seeking", "internship", "professional", "career",
    "highlights", "special", "education", "law", "personal", "data", "department", "center", "centre", "product",
    "media", "marketing", "applicant", "page", "contact", "information", "address", "summary", "objective",
    "profile", "details", "experience", "format", "filed", "font", "margins", "home", "mobile", "phone", "email",
    "university", "college", "school", "institute", "street", "road", "avenue", "city", "state",
}
_NAME_SUFFIX = re.compile(r"\s+(?:resume|résumé|cv|curriculum vitae|简历|个人简历|m\.?\s?sc\.?|ph\.?\s?d\.?|mba|b\.?\s?sc\.?)$",
                          re.IGNORECASE)
_NAME_PREFIX = re.compile(r"^(?:(?:curriculum\s+vitae|résumé|resume|cv|bio-?data)\b\s*(?:of\b)?\s*[:\-–]?\s*)", re.IGNORECASE)


def _name_ok(t: str, max_words: int = 4) -> bool:
    t = t.strip()
    if not t or _norm_heading(t) in _NOT_NAMES or re.search(r"[\d@/:|,_]|https?|\\x", t):
        return False
    if re.fullmatch(r"[\u4e00-\u9fff·]{2,5}", t):
        return True
    words = t.split()
    if any(w.lower().strip(".") in _NAME_STOP for w in words):
        return False
    return 1 < len(words) <= max_words \
        and all(w[:1].isupper() or w in ("de", "van", "von", "da", "bin", "al") for w in words) \
        and not any(e.label_ in ("TITLE", "DEGREE", "SCHOOL") for e in _ents(t, "en"))


def _name(lines: list[Line], first_section: int, lang: str) -> str:
    for i, ln in enumerate(lines[:40]):
        for seg in ln.segments or (ln.text,):
            m = re.search(r"(?:姓\s*名|name)\s*[:：]\s*([^\s|,，:：]{1,30}(?:,?\s[A-Z][A-Za-z]+)*)", seg, re.IGNORECASE)
            if m:
                return m.group(1).strip()
        # "NAME:" on its own line, the name on the next
        if re.fullmatch(r"\s*(?:full\s+)?name\s*[:：]\s*", ln.text, re.IGNORECASE) and i + 1 < len(lines) \
                and _name_ok(lines[i + 1].text.strip(), 5):
            return lines[i + 1].text.strip()
    head = lines[:max(first_section, 1)][:12] or lines[:6]
    ok = _name_ok

    def clean(seg: str) -> str:
        seg = _NAME_SUFFIX.sub("", seg.strip())
        return _NAME_PREFIX.sub("", seg.strip().strip('"“”\'').strip())

    sized = [ln for ln in head if ln.size and ln.page == 0]
    if sized:
        for ln in sorted(sized, key=lambda ln: -ln.size)[:3]:
            for seg in ln.segments or (ln.text,):
                if ok(clean(seg)):
                    return clean(seg)
    # lines before the first section first; then, when nothing there looks like a name, the first lines
    zones = [head]
    if first_section < 8:
        zones.append([ln for ln in lines[:10] if ln not in head])
    for zone in zones:
        for ln in zone:
            for seg in ln.segments or (ln.text,):
                seg = clean(seg)
                if ok(seg):
                    return seg.strip()
                # "Name  Location" runs: take a name-like prefix
                m = re.match(r"^((?:[A-Z][a-zA-Z'.-]+\s){1,4}[A-Z][a-zA-Z'.-]+)\b", seg)
                if m and (ln is zone[0] or ln is lines[0]):
                    words = m.group(1).split()
                    for k in range(len(words), 1, -1):
                        cand = " ".join(words[:k])
                        if ok(cand, 5) and not re.match(r"[A-Z]\b", seg[len(cand):].strip()[:2] + " "):
                            return cand
    return ""


def _phone(lines: list[Line], first_section: int) -> str:
    zones = [lines[:max(first_section, 1)][:15], lines]
    for zone in zones:
        for ln in zone:
            text = EMAIL.sub(" ", ln.text)
            for m in PHONE.finditer(text):
                s = m.group(0).strip()
                digits = re.sub(r"\D", "", s)
                if not 9 <= len(digits) <= 15 or find_ranges(s) and not re.search(r"[()+]|\d{5,}", s):
                    continue
                if re.fullmatch(r"(19|20)\d\d[./-]\d\d?[./-]?(19|20)?\d*", s):
                    continue
                return s
    return ""


def _skills(sections: dict[str, list[Line]], text: str, lang: str, taxonomy: Taxonomy) -> tuple[str, ...]:
    lines = sections.get("skills", [])
    if not lines:
        return find_skills(text, lang, taxonomy)
    parts: list[str] = []
    for ln in lines:
        t = BULLET.sub("", ln.text).strip()
        m = re.match(r"^([^:：,，、]{1,30})[:：]\s*(.*)$", t)
        new_group = bool(m)
        if m:
            t = m.group(2)
        if parts and not new_group and parts[-1] and parts[-1][-1].isalnum() and t[:1].islower():
            parts[-1] += " " + t
        else:
            parts.append(t)
    items: list[str] = []
    for chunk in parts:
        for item in re.split(r"[,，、;；|•·]\s*|\s{2,}", chunk):
            item = item.strip(" .。")
            if not item or len(item) > 40 or len(item.split()) > 5:
                continue
            item = canonical(item, lang, taxonomy) or canonical(item, "en", taxonomy) or item
            if item not in items:
                items.append(item)
    return tuple(items)


_ACH_KINDS = ("experience", "projects", "achievements", "summary", "awards", "other", "leadership", "volunteer")


def _achievements(lines: list[Line], kinds: list[str], lang: str = "en") -> tuple[str, ...]:
    """Quantified achievements: a bullet item (with its wrapped lines) that holds a quantity; or, without a
    bullet, a line of running text (a sentence, not an entry header) that names a result and a quantity
    (:func:`.orgs.has_result`), with its wrapped continuation lines (lower-case start or a deeper indent)."""
    out: list[str] = []
    items: list[tuple[list[str], bool]] = []  # (parts, bulleted)
    cur: list[str] | None = None
    cur_x = 0.0
    for ln, kind in zip(lines, kinds):
        if kind in ("education", "skills", "contact", "header", "heading", "publications"):
            cur = None
            continue
        text = ln.text
        wrapped = cur is not None and (text[:1].islower() or (ln.x0 > cur_x + 2 and not find_ranges(text)))
        if _is_bullet(text):
            cur, cur_x = [BULLET.sub("", text)], ln.x0
            items.append((cur, True))
        elif wrapped:
            cur.append(text)
        elif kind in _ACH_KINDS and (kind == "achievements" or is_sentence(text, lang)
                                     or len(text.split()) >= 8 or (lang == "zh" and len(text) >= 12)):
            cur, cur_x = [text], ln.x0
            items.append((cur, kind == "achievements"))
        else:
            cur = None
    for parts, bulleted in items:
        joiner = "" if lang == "zh" and all(re.search(r"[\u4e00-\u9fff]$", p) for p in parts[:-1]) else " "
        text = joiner.join(p.strip() for p in parts).strip()
        if not text:
            continue
        probe = strip_ranges(text) if find_ranges(text) else text
        if QUANTITY.search(probe) and (bulleted or has_result(probe, lang)) and text not in out:
            out.append(text)
    return tuple(out)


def extract(lines: list[Line], *, source: str = "", reference_date=None,
            taxonomy: Taxonomy | None = None) -> Resume:
    """Fields of one resume from its lines (see the module docstring)."""
    taxonomy = taxonomy or load_taxonomy()
    text = "\n".join(ln.text for ln in lines)
    lang = detect_language(text)
    table = _section_table("en")
    if lang == "zh":
        table.update(_section_table("zh"))
    body = _body_size(lines)
    kinds: list[str] = []
    sections: dict[str, list[Line]] = {}
    current = "header"
    first_section = len(lines)
    # the name line (largest font near the top of page one) is never a section heading
    top = [i for i, ln in enumerate(lines[:8]) if ln.page == 0 and ln.size]
    name_idx = max(top, key=lambda i: lines[i].size) if top else -1
    if name_idx >= 0 and lines[name_idx].size < body * 1.5:
        name_idx = -1
    for i, ln in enumerate(lines):
        hid = None if i == name_idx else _heading_id(ln, table, body)
        if hid == "other" and current == "experience" and _norm_heading(ln.text) not in table \
                and (any(e.label_ == "TITLE" for e in _ents(ln.text, lang))
                     or i + 1 < len(lines) and find_ranges(lines[i + 1].text)):
            # "PROJECT MANAGER" in capitals inside the experience section is a job title; "ORACLE -" followed by
            # "January 2011 to Present" an employer
            hid = None
        if hid is not None and not (current == "header" and i == 0 and hid == "other"):
            current = hid
            first_section = min(first_section, i)
            kinds.append("heading")
            continue
        kinds.append(current)
        sections.setdefault(current, []).append(ln)
    email_m = EMAIL.search(text)
    jobs = [j for b in _blocks(sections.get("experience", []), "experience", lang) for j in [_job(b, lang)]
            if j is not None]
    edus = [e for b in _blocks(sections.get("education", []), "education", lang) for e in [_education(b, lang)]
            if e is not None]
    if not edus and lang == "en":
        edus = _education_anywhere(lines, kinds)
    if not any(j.employer for j in jobs):
        jobs = jobs + _employers_anywhere(sections.get("experience") or lines, lang)
    years = years_of_experience([(j.start, j.end) for j in jobs], reference_date=reference_date)
    return Resume(
        source=source, language=lang, name=_name(lines, first_section, lang),
        email=email_m.group(0) if email_m else "", phone=_phone(lines, first_section),
        education=tuple(edus), experience=tuple(jobs), years_experience=years,
        skills=_skills(sections, text, lang, taxonomy), quantified_achievements=_achievements(lines, kinds, lang),
        lines=tuple(ln.text for ln in lines),
    )
