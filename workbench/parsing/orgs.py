"""What an employer looks like and what a sentence looks like, from the ``organisations.yaml`` gazetteer.

An employer piece must look like an organisation: a legal form at its end (Inc., Ltd., GmbH, 有限公司, 集团,
股份...), an organisation word in it (Technologies, Bank, University, 科技, 银行...), or a well-known name. A
piece that reads as a sentence (an action verb first, Chinese duty verbs such as 负责/与/谈判, sentence
punctuation) is never an employer.

Examples
--------
>>> org_score("Acme Beverages Inc."), org_score("Regional Sales Manager"), org_score("上海某某科技有限公司", "zh")
(3, 0, 3)
>>> is_sentence("与大客户谈判签约年度框架合同", "zh"), is_sentence("美的集团", "zh"), is_sentence("Grew revenue by 40%")
(True, False, True)
>>> has_result("Grew revenue by 40% in two years"), has_result("带领5人团队完成年度销售额1200万元", "zh")
(True, True)
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

ORGS_FILE = Path(__file__).resolve().parent / "organisations.yaml"


@lru_cache(maxsize=1)
def _data() -> dict:
    return yaml.safe_load(ORGS_FILE.read_text(encoding="utf-8"))


def _alt(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@lru_cache(maxsize=4)
def _regexes(lang: str) -> dict[str, re.Pattern]:
    d = _data()[lang]
    if lang == "zh":
        return {"legal": re.compile(rf"(?:{_alt(d['legal_suffixes'])})(?:[（(][^）)]*[）)])?$"),
                "word": re.compile(_alt(d["org_words"])), "known": re.compile(_alt(d["known"])),
                "sentence": re.compile(rf"^(?:{_alt(d['sentence_cues'])})|[。；;！!？?]|^.{{4,}}，.{{4,}}"),
                "result": re.compile(_alt(d["result_words"]))}
    b = r"(?<![\w.])"
    return {"legal": re.compile(rf"{b}(?:{_alt(d['legal_suffixes'])})(?![\w])\.?\s*(?:\([^)]*\))?$", re.IGNORECASE),
            "word": re.compile(rf"{b}(?:{_alt(d['org_words'])})(?![\w])"),
            "known": re.compile(rf"{b}(?:{_alt(d['known'])})(?![\w])"),
            "sentence": re.compile(rf"^(?:{_alt(d['sentence_starts'])})\b", re.IGNORECASE),
            "result": re.compile(rf"\b(?:{_alt(d['result_words'])})\b", re.IGNORECASE)}


def _lang_of(text: str, lang: str) -> str:
    return "zh" if lang == "zh" and re.search(r"[\u4e00-\u9fff]", text) else "en"


def org_score(text: str, lang: str = "en") -> int:
    """How much ``text`` looks like an organisation: 3 legal form at the end, 2 a known name, 1 an organisation
    word, 0 none (and 0 for a sentence)."""
    t = text.strip()
    if not t or is_sentence(t, lang):
        return 0
    rx = _regexes(_lang_of(t, lang))
    if rx["legal"].search(t):
        return 3
    if rx["known"].search(t):
        return 2
    return 1 if rx["word"].search(t) else 0


def is_sentence(text: str, lang: str = "en") -> bool:
    """Whether ``text`` reads as a sentence (a duty or achievement line), not a name, title or heading."""
    t = text.strip().lstrip("•·-–*▪◦ ")
    if not t:
        return False
    if _lang_of(t, lang) == "zh":
        if _regexes("zh")["legal"].search(t) and len(t) <= 25 and not re.search(r"[。；;，,]", t):
            return False
        return bool(_regexes("zh")["sentence"].search(t)) or len(re.findall(r"[\u4e00-\u9fff]", t)) > 25
    words = t.split()
    if len(words) < 3:
        return False
    return bool(_regexes("en")["sentence"].match(t)) or len(words) >= 12


def has_result(text: str, lang: str = "en") -> bool:
    """Whether ``text`` names a result (increased, reduced, won, 提升, 完成...)."""
    return bool(_regexes(_lang_of(text, lang))["result"].search(text))


@lru_cache(maxsize=1)
def _locations() -> tuple[frozenset[str], re.Pattern]:
    d = _data()["locations"]
    zh = sorted(d["zh"], key=len, reverse=True)
    return frozenset(w.lower() for w in d["en"]), re.compile(rf"^(?:(?:{_alt(zh)})[\s,，\-‑–&·、]*)+$")


def is_location(text: str) -> bool:
    """Whether ``text`` is only a place (a city, region or country of the gazetteer): Seoul, 中国‑杭州, 英国 & 布鲁塞尔.

    >>> is_location("中国‑杭州"), is_location("S.Korea"), is_location("China‑BeiJing"), is_location("美的集团")
    (True, True, True, False)
    """
    t = text.strip().strip(",，")
    en, zh = _locations()
    if t.lower() in en or zh.match(t):
        return True
    parts = [p for p in re.split(r"\s*[-‑–,，&·/]\s*", t.lower()) if p]
    return len(parts) > 1 and all(p in en for p in parts)


@lru_cache(maxsize=2)
def _roles(lang: str) -> re.Pattern:
    words = _data()[lang]["role_words"]
    if lang == "zh":
        return re.compile(_alt(words))
    return re.compile(rf"\b(?:{_alt(words)})s?\b", re.IGNORECASE)


def is_role(text: str, lang: str = "en") -> bool:
    """Whether ``text`` names a role (engineer, manager, intern, student, 工程师, 经理...), i.e. reads as a title.

    >>> is_role("Student Assistant / Programmer"), is_role("University of Bremen"), is_role("高级软件工程师", "zh")
    (True, False, True)
    """
    t = text.strip()
    return bool(_roles(_lang_of(t, lang)).search(t))


def legal_suffix_end(text: str) -> bool:
    """Whether ``text`` ends with a legal form (so its final period is not a sentence end: ``Acme Inc.``).

    >>> legal_suffix_end("Regional Sales Manager, Acme Beverages Inc."), legal_suffix_end("Grew sales.")
    (True, False)
    """
    return bool(_regexes("en")["legal"].search(text.strip()))


def is_legal_form(text: str) -> bool:
    """Whether ``text`` is only a legal form ("Ltd.", "Co., Ltd.", "GmbH", "有限公司").

    >>> is_legal_form("Ltd."), is_legal_form("Acme Ltd.")
    (True, False)
    """
    t = text.strip()
    rx = _regexes(_lang_of(t, "zh"))["legal"]
    m = rx.search(t)
    return bool(m) and m.start() == 0


_ORG_NAME = re.compile(
    r"(?<![\w&.'-])((?:[A-Z][\w&.'-]*|&|and|of|de)(?:\s+(?:[A-Z][\w&.'-]*|&|and|of|de)){0,5}),?\s+"
    r"((?:Pvt\.?|Private)\s+(?:Ltd|Limited)\.?|Inc\.?|Ltd\.?|LLC|L\.L\.C\.|LLP|PLC|GmbH|Limited|Corporation|Corp\.?|"
    r"Co\.,?\s+Ltd\.?|Company|Technologies|Solutions|Systems|Consulting|Services|Bank)(?![\w])")
_ZH_ORG_NAME = re.compile(r"(?<![\u4e00-\u9fff\w])[\u4e00-\u9fff]{2,16}(?:股份有限公司|有限责任公司|有限公司|集团|银行|研究院)")


def find_orgs(text: str) -> list[str]:
    """Organisation names written with a legal form or an organisation word, in order of appearance
    ("Trigent Software Pvt Ltd", "Acme Mechanics, Inc", "上海星辰科技有限公司"; a Chinese name must start after a
    space or punctuation, since where it starts inside running text is not known).

    >>> find_orgs("Worked at Trigent Software Pvt Ltd and later Oracle India Pvt Ltd in Bangalore")
    ['Trigent Software Pvt Ltd', 'Oracle India Pvt Ltd']
    >>> find_orgs("2019.03 上海星辰科技有限公司 销售经理；2019年加入北京某某有限公司")
    ['上海星辰科技有限公司']
    """
    out: list[str] = []
    for m in _ORG_NAME.finditer(text):
        words = m.group(1).split()
        while words and (words[0].lower() in ("and", "of", "de", "&") or _regexes("en")["sentence"].match(words[0])):
            words = words[1:]
        name = " ".join(words)
        if name:
            full = f"{name}{text[m.end(1):m.start(2)].rstrip()} {m.group(2)}".replace(" ,", ",")
            full = re.sub(r"\s+", " ", full).strip()
            if full not in out:
                out.append(full)
    for m in _ZH_ORG_NAME.finditer(text):
        if m.group(0) not in out:
            out.append(m.group(0))
    return out
