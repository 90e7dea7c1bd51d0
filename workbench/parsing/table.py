"""Structured resume tables: an HR export with one candidate per row and columns such as 姓名, 最高学历, 工作年限,
技能, 工作经历 (or Name, Highest degree, Years of experience, Skills, Work experience) -> the same
:class:`~workbench.records.Resume` records as a parsed document.

Headers go to resume fields through a header mapping in the format of :mod:`workbench.data.mapping`
(``resume_table.yaml``, English and Chinese); its ``values.degree_level`` maps education cells (本科, 硕士, MSc...)
to the contract's levels, with the DEGREE patterns as the fallback. Free-text cells (work experience, a whole
resume) are parsed with :func:`~workbench.parsing.extract.extract`; a structured cell wins over what the free
text gives. Each resume's ``lines`` are ``header: cell`` so that evidence can cite a cell.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"姓名": ["黄强"], "最高学历": ["硕士"], "毕业院校": ["复旦大学"], "工作年限": ["6年"],
...                    "技能": ["Python、SQL；谈判"], "工作经历": ["2019.03-至今 美的集团 大客户经理\\n带领5人团队完成销售额1200万元"]})
>>> fields = map_headers(df.columns)
>>> r = row_resume(dict(zip(df.columns, df.iloc[0])), fields, source="t.xlsx#1", reference_date="2025-03-01")
>>> r.name, r.education[0].degree_level, r.education[0].school, r.years_experience, r.skills[:2]
('黄强', 'master', '复旦大学', 6.0, ('Python', 'SQL'))
>>> r.experience[0].employer, r.experience[0].title, r.quantified_achievements
('美的集团', '大客户经理', ('带领5人团队完成销售额1200万元',))
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml

from ..data.mapping import HeaderMapping, mapping_from_dict
from .. import nlp as _nlp
from ..nlp import detect_language
from ..records import Education, Job, Resume
from .dates import years_of_experience
from .extract import extract
from .readers import text_lines
from .skills import Taxonomy, canonical, load_taxonomy

TABLE_MAPPING_FILE = Path(__file__).resolve().parent / "resume_table.yaml"
STRUCTURED_FIELDS = ("name", "email", "phone", "degree_level", "degree", "school", "field", "years_experience",
                     "skills", "experience", "employer", "title", "achievements")
_ZH_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


@lru_cache(maxsize=4)
def load_table_mapping(path: str | None = None) -> HeaderMapping:
    """The header mapping of structured resume tables (default: the bundled ``resume_table.yaml``)."""
    p = Path(path) if path else TABLE_MAPPING_FILE
    return mapping_from_dict(yaml.safe_load(p.read_text(encoding="utf-8")), source=str(p))


def _key(header: object) -> str:
    return re.sub(r"\s+", " ", str(header)).strip().rstrip(":：").strip().casefold()


def map_headers(columns: Iterable, mapping: HeaderMapping | None = None) -> dict[str, object]:
    """Resume field -> the table's column for that field (the first column wins)."""
    table = {_key(h): f for h, f in (mapping or load_table_mapping()).columns.items()}
    out: dict[str, object] = {}
    for c in columns:
        f = table.get(_key(c))
        if f and f not in out:
            out[f] = c
    return out


def is_structured(fields: dict[str, object]) -> bool:
    """Whether the mapped columns make a structured table (two or more resume fields besides id and text)."""
    return sum(f in STRUCTURED_FIELDS for f in fields) >= 2


def parse_years(cell: str) -> float | None:
    """Years of experience as written in a cell: ``6``, ``6年``, ``5+ years``, ``3.5``, ``三年``.

    >>> parse_years("5+ years"), parse_years("三年"), parse_years("十二年"), parse_years("")
    (5.0, 3.0, 12.0, None)
    """
    m = re.search(r"\d+(?:\.\d+)?", cell)
    if m:
        return float(m.group(0))
    m = re.search(r"([一二两三四五六七八九]?)(十?)([一二三四五六七八九]?)\s*年", cell)
    if m and any(m.groups()):
        tens = (_ZH_NUM.get(m.group(1), 1) if m.group(2) else 0) * 10
        ones = _ZH_NUM.get(m.group(3) or ("" if m.group(2) else m.group(1)), 0)
        return float(tens + ones)
    return None


def _level(cell: str, mapping: HeaderMapping, lang: str) -> tuple[str, str]:
    """(degree as written, contract level) of an education cell."""
    vals = {_key(k): v for k, v in mapping.values_for(None).get("degree_level", {}).items()}
    if _key(cell) in vals:
        return cell.strip(), vals[_key(cell)]
    ents = [e for e in _nlp.get_pipeline(lang)(cell).ents if e.label_ == "DEGREE"]
    return (ents[0].text, ents[0].ent_id_) if ents else (cell.strip(), "")


def _skills(cell: str, lang: str, taxonomy: Taxonomy) -> tuple[str, ...]:
    out: list[str] = []
    for item in re.split(r"[,，、;；|/\n]\s*", cell):
        item = item.strip(" .。")
        if item:
            name = canonical(item, lang, taxonomy) or canonical(item, "en", taxonomy) or item
            if name not in out:
                out.append(name)
    return tuple(out)


def _free_text(cell: str, heading: str, lang: str, source: str, reference_date, taxonomy) -> Resume:
    text = re.sub(r"[；;]\s*|\\n", "\n", cell)
    return extract(text_lines(f"{heading}\n{text}"), source=source, reference_date=reference_date,
                   taxonomy=taxonomy)


def row_resume(rec: dict, fields: dict[str, object], *, source: str = "", reference_date=None,
               taxonomy: Taxonomy | None = None, mapping: HeaderMapping | None = None) -> Resume:
    """One table row (``{column: cell}``) -> a :class:`Resume`, with ``fields`` from :func:`map_headers`."""
    taxonomy = taxonomy or load_taxonomy()
    mapping = mapping or load_table_mapping()
    cell = {f: str(rec.get(c) if rec.get(c) is not None else "").strip() for f, c in fields.items()}
    cell = {f: ("" if v.lower() in ("nan", "none") else v) for f, v in cell.items()}
    lines = tuple(f"{c}: {cell[f]}" for f, c in fields.items() if cell.get(f))
    lang = detect_language("\n".join(lines))
    base = Resume(source=source, language=lang)
    if cell.get("text"):
        base = _free_text(cell["text"], "", lang, source, reference_date, taxonomy)
    exp = cell.get("experience", "") + ("\n" + cell["achievements"] if cell.get("achievements") else "")
    parsed = _free_text(exp, "工作经历" if lang == "zh" else "EXPERIENCE", lang, source, reference_date,
                        taxonomy) if exp.strip() else Resume()
    jobs = parsed.experience or base.experience
    if cell.get("employer") or cell.get("title"):
        if not any(j.employer == cell.get("employer", "") for j in jobs):
            jobs = (Job(cell.get("employer", ""), cell.get("title", "")),) + tuple(jobs)
    edus = base.education
    if any(cell.get(k) for k in ("degree_level", "degree", "school", "field")):
        degree, level = _level(cell.get("degree") or cell.get("degree_level", ""), mapping, lang)
        if cell.get("degree_level"):
            level = _level(cell["degree_level"], mapping, lang)[1] or level
        edus = (Education(degree, level, cell.get("field", ""), cell.get("school", "")),) + tuple(edus[1:])
    years = parse_years(cell.get("years_experience", ""))
    if years is None:
        years = years_of_experience([(j.start, j.end) for j in jobs], reference_date=reference_date)
    skills = _skills(cell["skills"], lang, taxonomy) if cell.get("skills") else base.skills
    ach = tuple(dict.fromkeys(parsed.quantified_achievements + base.quantified_achievements))
    return dataclasses.replace(
        base, source=source, language=lang, name=cell.get("name") or base.name,
        email=cell.get("email") or base.email, phone=cell.get("phone") or base.phone, education=edus,
        experience=tuple(jobs), years_experience=float(years), skills=skills, quantified_achievements=ach,
        lines=lines + tuple(ln for ln in base.lines if ln not in lines))
