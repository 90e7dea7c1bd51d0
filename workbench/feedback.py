"""STAR analysis of interview answers and real-time hints (English and Chinese).

:func:`analyze` splits an answer into sentences, runs each through the shared spaCy blank pipeline
(:func:`workbench.nlp.get_pipeline` with the ``star_cues`` patterns; ``zh`` segmented by jieba) and decides, for
the answer as a whole, whether it shows a Situation, Task, Action and Result, with the sentence that shows each.
It also finds quantified results (numbers, percentages, amounts, 万/亿, rankings, grades, time saved) in result
sentences, the profile keywords per dimension, and how concrete the answer is, and chooses the hints to show.

Hint policy (what a recruiter would accept):

1. no prompt while the answer has no substance (too short, or no concrete episode yet);
2. once there is a concrete episode, prompt for the first missing part: the action, then the result; when the
   result is there but carries no number, ask (once) to quantify it;
3. praise a quantified result, or a keyword of the question's dimension, once per answer session.

:class:`IncrementalAnalyzer` is what a live app uses: it caches per-sentence results by a hash of the sentence,
so as the candidate types only new or changed sentences are analysed again, and it remembers which hints were
shown (``prompt_log``), so that the data can record ``prompted`` / ``prompt_kind`` for every answer.

Accuracy on 55 held-out real answers (SIOP 2024, labelled by us; ``benchmarks/eval_star.py``): see the module
``workbench.feedback_data`` and the closing note of issue 4. Chinese is evaluated on simulated answers only.

Examples
--------
>>> a = analyze("Last year at Acme our churn kept rising. I had to fix it. I interviewed 20 users and "
...             "rewrote onboarding. Churn fell 15% in two months.")
>>> a.language, [k for k, p in a.star.items() if p.present], [q.text for q in a.quantified]
('en', ['S', 'T', 'A', 'R'], ['15%'])
>>> analyze("去年在前公司，新渠道遇到困难。我负责新渠道。我先拜访客户，再调整方案。").hints[0].kind
'missing_result'
>>> analyze("I am a hard worker.").hints
()
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from workbench.nlp import detect_language, get_pipeline, load_patterns
from workbench.profile import keyword_pattern
from workbench.data.profiles import as_profile
from workbench.records import AnswerAnalysis, Hint, JobProfile, KeywordHit, Quantity, StarPart

__all__ = ["MAX_CHARS", "HINTS", "AnswerAnalysis", "IncrementalAnalyzer", "analyze", "feedback_command",
           "split_sentences", "prompt_record"]

MAX_CHARS = 6000
"""Answers longer than this are analysed up to the last sentence end before it, with a notice."""

MIN_WORDS = {"en": 12, "zh": 20}  # en: words; zh: characters. Below this an answer has no substance yet.
PATTERNS = ("star_cues",)

HINTS: dict[str, dict[str, str]] = {
    "missing_action": {
        "en": "What did you do yourself? Could you describe the steps you took?",
        "zh": "你自己具体做了什么？可以说说你采取的步骤吗？",
    },
    "missing_result": {
        "en": "Could you add the result of this, for example how far you exceeded the target?",
        "zh": "你可以补充一下这个项目的最终结果吗？",
    },
    "ask_quantify": {
        "en": "Can you put a number on the result (for example a percentage, an amount or time saved)?",
        "zh": "能用数字说明这个结果吗？比如增长了多少、节省了多少时间？",
    },
    "praise_quantified": {
        "en": "Great: a measurable result makes your answer concrete.",
        "zh": "很好：具体的数字让你的回答更有说服力。",
    },
    "praise_keyword": {
        "en": "Good: this speaks directly to what the role needs.",
        "zh": "很好：这正是这个岗位需要的能力。",
    },
}

# --------------------------------------------------------------------------------------------------------
# sentences

_EN_SENT = re.compile(r"[^.!?\n]+(?:[.!?]+[\"'”’)]*|\n+|$)")
_ZH_SENT = re.compile(r"[^。！？!?；;\n]+(?:[。！？!?；;]+[”’」』)]*|\n+|$)")
_ABBREV = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|St|vs|etc|e\.g|i\.e|Inc|Co|Ltd|No)\.|\b[A-Z]\.|\d\.)$")


def split_sentences(text: str, lang: str = "en") -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` (whitespace trimmed; decimals and common
    abbreviations do not end an English sentence).

    >>> t = "I joined Acme Inc. in 2021. Sales grew 3.5% that year!"
    >>> [t[a:b] for a, b in split_sentences(t)]
    ['I joined Acme Inc. in 2021.', 'Sales grew 3.5% that year!']
    >>> t = "我负责新渠道。最后增长了35%！"
    >>> [t[a:b] for a, b in split_sentences(t, "zh")]
    ['我负责新渠道。', '最后增长了35%！']
    """
    rx = _ZH_SENT if lang == "zh" else _EN_SENT
    spans: list[list[int]] = []
    for m in rx.finditer(text):
        a, b = m.start(), m.end()
        piece = text[a:b]
        if not piece.strip():
            continue
        glue = (lang != "zh" and spans and
                (_ABBREV.search(text[spans[-1][0]:spans[-1][1]].rstrip()) and text[spans[-1][1] - 1] == "." and
                 not text[spans[-1][1]:a + 1].startswith("\n")))
        if glue and (piece[:1].isdigit() or piece.lstrip()[:1].islower() or piece[:1] != " "
                     or re.search(r"\b(?:Inc|Co|Ltd|Mr|Mrs|Ms|Dr|St|vs|etc|e\.g|i\.e|No)\.$",
                                  text[spans[-1][0]:spans[-1][1]].rstrip())):
            spans[-1][1] = b
        else:
            spans.append([a, b])
    out = []
    for a, b in spans:
        seg = text[a:b]
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg) - len(seg.rstrip())
        if b - trail > a + lead:
            out.append((a + lead, b - trail))
    return out


# --------------------------------------------------------------------------------------------------------
# quantities

_NUM = r"\d+(?:[,.]\d+)*"
_EN_QUANT = [
    ("percent", rf"(?<![\w.]){_NUM}\s?(?:%|percent\b|per cent\b)"),
    ("money", rf"[$€£¥]\s?{_NUM}(?:\s?(?:k|m|bn|million|billion|thousand)\b)?"),
    ("money", rf"(?<![\w.]){_NUM}\s?(?:k|m|million|billion|thousand)?\s?(?:dollars|usd|euros|rmb|yuan)\b"),
    ("grade", rf"(?i:\b{_NUM}\s?gpa\b|\bgpa of {_NUM}|\b(?:an?|the)\s+(?=[AB][+-]?\b)[AB][+-]?(?=\s+(?:on|in|for)\b|[.,;!]|\s*$)"
              rf"|\b(?:a|an)\s+(?:9\d|100)(?:/100)?(?=\s+(?:on|in)\b|[.,;!]|\s*$))"),
    ("rank", r"(?i:\b(?:first|second|third|1st|2nd|3rd)\s+(?:place|prize)\b|\btop\s+\d+\b|\bnumber one\b|"
             r"\branked\s+(?:#?\d+|first|second|third)\b)"),
    ("multiple", r"(?i:\b(?:doubled|tripled|quadrupled|halved)\b|\b\d+(?:\.\d+)?\s?(?:x|times)\b)"),
    ("duration", rf"(?i:(?<![\w.$]){_NUM}[\s-]+(?:hours?|days?|weeks?|months?|years?|minutes?)\b)"),
    ("count", rf"(?i:(?<![\w.$]){_NUM}\s+(?:times|people|customers|clients|"
              r"users|students|members|volunteers|sales|deals|accounts|tickets|points|wins|games|employees|kids|children|"
              r"reservations|projects|orders|units|items|signups|sign-ups|new)\b)"),
    ("number", rf"(?<![\w.$]){_NUM}(?![\w%])"),
    ("number", r"(?i:\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|hundred|thousand)\s+"
               r"(?:times|percent|thousand|hundred|million)\b)"),
]
_ZH_DIG = "0-9０-９一二三四五六七八九十百千万两零几半"
_ZH_QUANT = [
    ("percent", rf"(?:百分之[{_ZH_DIG}]+|{_NUM}\s?[%％])"),
    ("money", rf"[{_ZH_DIG}.]+\s?(?:万|亿)?(?:元|块|美元|人民币)|[{_ZH_DIG}.]*\d[{_ZH_DIG}.]*\s?(?:万|亿)"),
    ("money", rf"[一二三四五六七八九十百千两几]+\s?(?:万|亿)"),
    ("rank", rf"第[{_ZH_DIG}]+名|前[{_ZH_DIG}]+名|冠军|排名第[{_ZH_DIG}]+"),
    ("multiple", rf"[{_ZH_DIG}]+倍|翻(?:了)?[一两二三]?番"),
    ("count", rf"[{_ZH_DIG}.]+\s?(?:个月|家|个|位|名|单|次|天|周|月|小时|分钟|年|项|人|户|件|套|台|场|成)"),
    ("number", rf"(?<![\d.]){_NUM}(?![\d%％])"),
]
_EN_QRX = re.compile("|".join(f"(?P<{k}{i}>{p})" for i, (k, p) in enumerate(_EN_QUANT)))
_ZH_QRX = re.compile("|".join(f"(?P<{k}{i}>{p})" for i, (k, p) in enumerate(_ZH_QUANT)))
_STRONG_KINDS = {"percent", "money", "grade", "rank", "multiple", "count"}


def find_quantities(text: str, lang: str = "en") -> list[Quantity]:
    """Numbers with what they measure, anywhere in ``text`` (the analyser keeps those in result sentences).

    >>> [(q.text, q.kind) for q in find_quantities("Revenue rose 12% to $3.4 million; we took first place.")]
    [('12%', 'percent'), ('$3.4 million', 'money'), ('first place', 'rank')]
    >>> [(q.text, q.kind) for q in find_quantities("最终签下50万元合同，3个月内新增客户12家。", "zh")]
    [('50万元', 'money'), ('3个月', 'count'), ('12家', 'count')]
    """
    rx = _ZH_QRX if lang == "zh" else _EN_QRX
    out = []
    for m in rx.finditer(text):
        kind = re.sub(r"\d+$", "", m.lastgroup or "number")
        s = m.group(0).strip()
        if not s:
            continue
        a = m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
        out.append(Quantity(s, a, a + len(s), kind))
    return out


# --------------------------------------------------------------------------------------------------------
# per-sentence analysis

class SentenceInfo(NamedTuple):
    """What one sentence shows (cached per sentence by :class:`IncrementalAnalyzer`)."""

    cues: frozenset
    action: bool
    past: bool
    first_person: bool
    generic: bool
    quantities: tuple


@lru_cache(maxsize=4)
def _lexicon(lang: str) -> tuple[frozenset, frozenset]:
    lex = load_patterns("star_lexicon")
    return frozenset(lex.phrases(lang, "NON_ACTION")), frozenset(lex.phrases(lang, "PAST"))


_SKIP = frozenset({"then", "also", "first", "always", "usually", "often", "would", "will", "'ll", "try", "tried", "to",
                   "just", "immediately", "eventually", "finally", "actually", "quickly", "ultimately", "later", "now",
                   "still", "even", "all", "both", "together", "sometimes", "really", "personally", "simply", "then,",
                   "continued", "began", "started", "decided", "made", "make", "sure", "constantly", "regularly",
                   "once", "ended", "up", "'d", "and", "instead", "and,", "'ve", "have"})
_SUBJ = frozenset({"i", "we"})
_ZH_FIRST = re.compile("我|我们")
_ZH_PAST = re.compile("了|过|后来|当时|那时|去年|最后|最终|之后")
_ZH_ACTION_VERB = re.compile("(?:我|我们)[^，。！？；]{0,6}?(?:拜访|调整|沟通|复盘|整理|提出|拆分|跟进|约见|回应|联合|组织|制定|推动|"
                             "分析|设计|带领|协调|安排|说服|谈判|跟踪|优化|搭建|建立|推进|召集|找|做了|写|培训|梳理|对接|争取|"
                             "说明|请教|帮|改|重新|开发|测试|上线|访谈|调研|试点|推广|举办|策划)")


def _en_info(sentence: str) -> SentenceInfo:
    nlp = get_pipeline("en", PATTERNS)
    doc = nlp.make_doc(sentence)
    ruler = nlp.get_pipe("entity_ruler")
    # every cue match counts (the ruler's own overlap resolution would drop e.g. a task cue inside a situation cue)
    cues = frozenset(nlp.vocab.strings[m].split("||")[0] for m, _, _ in ruler.phrase_matcher(doc))
    non_action, past_words = _lexicon("en")
    toks = [t.lower_ for t in doc if not t.is_punct and not t.is_space]
    first = any(t in ("i", "we", "my", "our", "me", "us") for t in toks)
    past = any(t in past_words or (len(t) > 3 and t.endswith("ed") and not t.endswith("eed")) for t in toks)
    action = False
    for i, t in enumerate(toks):
        if t not in _SUBJ:
            continue
        j = i + 1
        while j < len(toks) and (toks[j] in _SKIP or (toks[j].endswith("ly") and len(toks[j]) > 4)):
            j += 1
        if j >= len(toks):
            break
        v = toks[j]
        if v in ("was", "were") and j + 1 < len(toks) and toks[j + 1] == "able":
            action = True
        elif v in ("had", "has") and j + 1 < len(toks) and toks[j + 1].endswith("ed"):
            action = True
        elif v.isalpha() and v not in non_action:
            action = True
        if action:
            break
    generic = "GENERIC" in cues or (bool(toks) and toks[0] == "you")
    return SentenceInfo(cues, action, past, first, generic, tuple(find_quantities(sentence, "en")))


def _zh_info(sentence: str) -> SentenceInfo:
    doc = get_pipeline("zh", PATTERNS)(sentence)
    cues = set(e.label_ for e in doc.ents)
    first = bool(_ZH_FIRST.search(sentence))
    action = "STAR_A" in cues or bool(_ZH_ACTION_VERB.search(sentence))
    past = bool(_ZH_PAST.search(sentence))
    return SentenceInfo(frozenset(cues), action, past, first, "GENERIC" in cues,
                        tuple(find_quantities(sentence, "zh")))


def _sentence_info(sentence: str, lang: str) -> SentenceInfo:
    return _zh_info(sentence) if lang == "zh" else _en_info(sentence)


# --------------------------------------------------------------------------------------------------------
# answer-level decisions

_STRONG_S_EN = re.compile(r"(?i)\b(?:when i was|when i worked|one time|there was a time|a time (?:when|i)|at my (?:last|previous|"
                          r"current|first)? ?job|in high school|in college|last (?:year|semester|summer|month|week)|"
                          r"this (?:past )?semester|years ago|while (?:working|i was)|working (?:as|at|in)|i once|once,|"
                          r"during (?:my|a|the|covid|quarantine)|i was (?:a|the|an|part|in|once|working|given|asked)|"
                          r"as (?:a|an|the) [a-z]+|i (?:worked|started|joined|had a)|recently|my (?:team|group|boss|manager|"
                          r"supervisor|coworker|roommates?)|for example, (?:when|i|my|in|at|during))")


_TIME_SAVED = re.compile(r"(?i)\b(?:saved?|saving|early|earlier|ahead|faster|sooner|cut|reduced?|shorter)\b|节省|缩短|提前|提速")


def _decide(sentences: list[str], infos: list[SentenceInfo], lang: str) -> tuple[dict, list[Quantity], float, bool]:
    n = len(infos)
    star: dict[str, StarPart] = {}
    past_first = [i for i, f in enumerate(infos) if f.past and f.first_person]

    def part(pred) -> StarPart:
        for i, f in enumerate(infos):
            if pred(i, f):
                return StarPart(True, sentences[i], i)
        return StarPart()

    if lang == "zh":
        episode = any("STAR_S" in f.cues for f in infos) or len(past_first) >= 1
        star["S"] = part(lambda i, f: "STAR_S" in f.cues and not f.generic)
        star["T"] = part(lambda i, f: "STAR_T" in f.cues and not f.generic)
        star["A"] = part(lambda i, f: f.action and not f.generic)
        star["R"] = part(lambda i, f: "STAR_R" in f.cues and not f.generic and (episode or f.quantities)
                         and (i > 0 or n == 1))
    else:
        strong_s = [i for i, s in enumerate(sentences) if _STRONG_S_EN.search(s)]
        episode = bool(strong_s) or len(past_first) >= 2
        star["S"] = part(lambda i, f: episode and (i in strong_s or ("STAR_S" in f.cues and f.past)))
        if episode and not star["S"].present and past_first:
            star["S"] = StarPart(True, sentences[past_first[0]], past_first[0])
        star["T"] = part(lambda i, f: "STAR_T" in f.cues and (f.first_person or f.past)
                         and not sentences[i].lower().startswith(("you", "if you")))
        star["A"] = part(lambda i, f: f.action and not (f.generic and not f.first_person))
        acted = [i for i, f in enumerate(infos) if f.action]
        star["R"] = part(lambda i, f: "STAR_R" in f.cues and (episode or (acted and acted[0] < i))
                         and (f.past or "now" in sentences[i].lower()
                                                                           or f.quantities)
                         and (i > 0 or n == 1) and not (f.generic and not f.past))
    quant: list[Quantity] = []
    r_idx = star["R"].sentence
    for i, f in enumerate(infos):
        in_result = "STAR_R" in f.cues and (i >= r_idx >= 0 or i == r_idx)
        saved = bool(_TIME_SAVED.search(sentences[i]))
        strong = [q for q in f.quantities if q.kind in _STRONG_KINDS - {"count"} or (q.kind == "count" and in_result)
                  or (q.kind == "duration" and in_result and saved)]
        if in_result and (strong or f.quantities):
            quant.extend(strong or [q for q in f.quantities if (q.kind != "number" or lang == "zh")
                                    and q.kind != "duration"])
        elif episode and i > 0 and f.past and any(q.kind in ("percent", "money", "grade", "rank", "multiple")
                                                  for q in f.quantities) and "STAR_T" not in f.cues:
            quant.extend(q for q in f.quantities if q.kind in ("percent", "money", "grade", "rank", "multiple"))
    if quant and not star["R"].present:
        i = next(i for i, f in enumerate(infos) if any(q in f.quantities for q in quant))
        star["R"] = StarPart(True, sentences[i], i)
    concrete_signals = (episode, star["A"].present, bool(quant), star["R"].present, star["T"].present)
    generic_share = sum(f.generic for f in infos) / n if n else 1.0
    specificity = max(0.0, min(1.0, 0.3 * episode + 0.2 * star["A"].present + 0.2 * bool(quant)
                               + 0.15 * star["R"].present + 0.15 * star["T"].present - 0.3 * generic_share))
    concrete = episode or (star["A"].present and len(past_first) >= 1)
    del concrete_signals
    return star, quant, specificity, concrete


# --------------------------------------------------------------------------------------------------------
# keywords, questions, profiles

def _question_dimension(question: Any, profile: JobProfile | None) -> str:
    if question is None:
        return ""
    if isinstance(question, Mapping):
        return str(question.get("dimension", "") or "")
    dim = getattr(question, "dimension", None)
    if isinstance(dim, str):
        return dim
    if isinstance(question, str) and profile is not None:
        try:
            from workbench.questions import load_bank

            bank = load_bank(profile.job_id)
        except Exception:  # noqa: BLE001 - a job without a bank: no dimension known
            return ""
        for d in bank.dimensions:
            for q in (d.behavioral, d.situational):
                if question in (q.question_id, *q.text.values()):
                    return d.name
    return ""


def _keywords(text: str, lang: str, profile: JobProfile | None) -> tuple[KeywordHit, ...]:
    if profile is None or not text:
        return ()
    langs = [lang]
    other = "en" if lang == "zh" else "zh"
    if (other == "zh" and re.search(r"[\u4e00-\u9fff]", text)) or (other == "en" and re.search(r"[A-Za-z]{2}", text)):
        langs.append(other)
    hits = []
    for dim in profile.dimensions:
        for lg in langs:
            for kw in dim.keywords.get(lg, ()):
                for m in _kw_rx(kw, lg).finditer(text):
                    end = m.end()
                    if lg == "en":  # extend the stem to the end of the word for display
                        while end < len(text) and text[end].isalpha():
                            end += 1
                    hits.append(KeywordHit(dim.name, kw, lg, text[m.start():end], m.start(), end))
    hits.sort(key=lambda h: (h.start, -h.end))
    return tuple(hits)


@lru_cache(maxsize=512)
def _kw_rx(keyword: str, lang: str) -> re.Pattern:
    return keyword_pattern(keyword, lang)


# --------------------------------------------------------------------------------------------------------
# hints

def choose_hints(star: Mapping[str, StarPart], quantified: Iterable[Quantity], keywords: Iterable[KeywordHit],
                 *, concrete: bool, substantial: bool, lang: str, dimension: str = "",
                 already: Iterable[str] = ()) -> tuple[Hint, ...]:
    """The hints for one state of an answer under the policy in the module docstring.

    ``already`` are hint kinds shown before in the same answer session: praise and the quantify prompt are
    given once.

    >>> from workbench.records import StarPart
    >>> star = {"S": StarPart(True), "T": StarPart(), "A": StarPart(True), "R": StarPart()}
    >>> [h.kind for h in choose_hints(star, [], [], concrete=True, substantial=True, lang="en")]
    ['missing_result']
    >>> choose_hints(star, [], [], concrete=False, substantial=True, lang="en")
    ()
    """
    already = set(already)
    out: list[Hint] = []
    quantified = list(quantified)
    if substantial and concrete:
        if not star["A"].present:
            out.append(Hint("missing_action", HINTS["missing_action"][lang], lang))
        elif not star["R"].present:
            out.append(Hint("missing_result", HINTS["missing_result"][lang], lang))
        elif not quantified and "ask_quantify" not in already:
            out.append(Hint("ask_quantify", HINTS["ask_quantify"][lang], lang))
    if substantial and quantified and star["R"].present and "praise_quantified" not in already:
        out.append(Hint("praise_quantified", HINTS["praise_quantified"][lang], lang))
    relevant = [k for k in keywords if not dimension or k.dimension == dimension]
    if substantial and relevant and "praise_keyword" not in already:
        out.append(Hint("praise_keyword", HINTS["praise_keyword"][lang], lang))
    return tuple(out)


# --------------------------------------------------------------------------------------------------------
# analysis

def _prepare(text: Any, lang: str) -> tuple[str, str, list[str]]:
    notices: list[str] = []
    if text is None or (isinstance(text, float) and text != text):
        text = ""
    text = str(text).replace("\r\n", "\n").replace("\x00", "")
    if not text.strip():
        notices.append("Empty answer: nothing to analyse yet.")
    if lang == "auto":
        lang = detect_language(text[:MAX_CHARS])
    if lang not in ("en", "zh"):
        raise ValueError(f"language {lang!r} is not supported (use en, zh or auto)")
    return text, lang, notices


def _cut(text: str, lang: str, notices: list[str]) -> str:
    if len(text) <= MAX_CHARS:
        return text
    head = text[:MAX_CHARS]
    ends = [m.end() for m in re.finditer(r"[.!?。！？\n]", head)]
    cut = ends[-1] if ends and ends[-1] > MAX_CHARS // 2 else MAX_CHARS
    notices.append(f"The answer is {len(text):,} characters long; only the first {cut:,} were analysed "
                   f"(limit {MAX_CHARS:,}).")
    return text[:cut]


def _substantial(text: str, lang: str) -> bool:
    if lang == "zh":
        return len(re.findall(r"[\u4e00-\u9fff]", text)) >= MIN_WORDS["zh"]
    return len(re.findall(r"[A-Za-z']+", text)) >= MIN_WORDS["en"]


def _assemble(text: str, analysed: str, lang: str, spans: list[tuple[int, int]], infos: list[SentenceInfo],
              profile: JobProfile | None, dimension: str, notices: list[str], t0: float,
              already: Iterable[str] = ()) -> AnswerAnalysis:
    sentences = [analysed[a:b] for a, b in spans]
    star, quant_rel, specificity, concrete = _decide(sentences, infos, lang)
    quant = []
    for (a, _), f in zip(spans, infos):
        for q in f.quantities:
            if q in quant_rel:
                quant.append(Quantity(q.text, q.start + a, q.end + a, q.kind))
    keywords = _keywords(analysed, lang, profile)
    substantial = _substantial(analysed, lang)
    hints = choose_hints(star, quant, keywords, concrete=concrete, substantial=substantial, lang=lang,
                         dimension=dimension, already=already)
    return AnswerAnalysis(lang, star, tuple(quant), keywords, specificity, concrete, hints, tuple(notices),
                          tuple(sentences), len(text), len(analysed), (time.perf_counter() - t0) * 1000, dimension)


def analyze(text: str, question: Any = None, profile: Any = None, lang: str = "auto") -> AnswerAnalysis:
    """Analyse one answer: STAR parts with evidence, quantified results, keywords, specificity, hints.

    Parameters
    ----------
    text : str
        The answer. Text beyond :data:`MAX_CHARS` is not analysed (a notice says so).
    question : str, mapping or object with ``dimension``, optional
        The question (id or text found in the profile's question bank, or anything with a dimension): keyword
        praise then looks at that dimension's keywords only.
    profile : JobProfile, job id of a demo profile, or path to a profile YAML, optional
        Whose keywords to find.
    lang : {"auto", "en", "zh"}

    Returns
    -------
    AnswerAnalysis
        ``to_dict()`` gives the ``workbench feedback`` command contract.

    Examples
    --------
    >>> a = analyze("When I was captain of my team, we lost every game. I set up extra practice. We won 5 games.")
    >>> a.star["R"].evidence, a.hints[0].kind
    ('We won 5 games.', 'praise_quantified')
    >>> analyze("").notices
    ('Empty answer: nothing to analyse yet.',)
    """
    t0 = time.perf_counter()
    text, lang, notices = _prepare(text, lang)
    prof = as_profile(profile)
    dimension = _question_dimension(question, prof)
    analysed = _cut(text, lang, notices)
    spans = split_sentences(analysed, lang)
    infos = [_sentence_info(analysed[a:b], lang) for a, b in spans]
    return _assemble(text, analysed, lang, spans, infos, prof, dimension, notices, t0)


class IncrementalAnalyzer:
    """Analyse an answer as it is typed, re-analysing only new or changed sentences.

    Per-sentence results are cached by a hash of (language, sentence) in a bounded LRU cache;
    ``last_reanalysed`` counts the sentences analysed by the last :meth:`update`. Praise and the quantify prompt
    are shown once per session; :meth:`prompt_log` records what was shown (for ``answers.prompted`` /
    ``prompt_kind``).

    Examples
    --------
    >>> inc = IncrementalAnalyzer()
    >>> _ = inc.update("Last year our sales fell. I had to fix it.")
    >>> a = inc.update("Last year our sales fell. I had to fix it. I called every client.")
    >>> inc.last_reanalysed, a.hints[0].kind
    (1, 'missing_result')
    >>> inc.prompt_log()["prompted"]
    True
    """

    def __init__(self, question: Any = None, profile: Any = None, lang: str = "auto", cache_size: int = 2048) -> None:
        self.profile = as_profile(profile)
        self.question = question
        self.dimension = _question_dimension(question, self.profile)
        self.lang = lang
        self.cache_size = cache_size
        self._cache: OrderedDict[str, SentenceInfo] = OrderedDict()
        self.shown: list[str] = []
        self.last_reanalysed = 0
        self.last: AnswerAnalysis | None = None

    def _info(self, sentence: str, lang: str) -> SentenceInfo:
        key = hashlib.blake2b(f"{lang}\x00{sentence}".encode(), digest_size=16).hexdigest()
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        info = _sentence_info(sentence, lang)
        self.last_reanalysed += 1
        self._cache[key] = info
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return info

    def update(self, text: str) -> AnswerAnalysis:
        """The analysis of the current text (hints given once are not repeated)."""
        t0 = time.perf_counter()
        self.last_reanalysed = 0
        text, lang, notices = _prepare(text, self.lang)
        analysed = _cut(text, lang, notices)
        spans = split_sentences(analysed, lang)
        infos = [self._info(analysed[a:b], lang) for a, b in spans]
        once = [k for k in self.shown if k in ("praise_quantified", "praise_keyword")]
        a = _assemble(text, analysed, lang, spans, infos, self.profile, self.dimension, notices, t0, once)
        for h in a.hints:
            if h.kind not in self.shown:
                self.shown.append(h.kind)
        self.last = a
        return a

    def prompt_log(self) -> dict:
        """``{prompted, prompt_kind, hints_shown}``: prompted is True when any prompt (not praise) was shown;
        prompt_kind is the first prompt shown (the data contract's column)."""
        prompts = [k for k in self.shown if not k.startswith("praise")]
        return {"prompted": bool(prompts), "prompt_kind": prompts[0] if prompts else None,
                "hints_shown": list(self.shown)}


def prompt_record(analysis: AnswerAnalysis) -> dict:
    """``{prompted, prompt_kind}`` for an answer analysed once (the hint a live app would have shown).

    >>> prompt_record(analyze("Last year our team missed every deadline. I had to fix it. I cut the scope."))
    {'prompted': True, 'prompt_kind': 'missing_result'}
    """
    d = analysis.to_dict()
    return {"prompted": d["prompted"], "prompt_kind": d["prompt_kind"]}


# --------------------------------------------------------------------------------------------------------
# the command

def _read_rows(file: str | Path, column: str) -> list[str]:
    path = Path(file)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix in (".txt", ".md"):
        from workbench.data.read import detect_encoding

        return [data.decode(detect_encoding(data, name=str(path)))]
    if suffix in (".jsonl", ".ndjson"):
        rows = [json.loads(line) for line in data.decode("utf-8-sig").splitlines() if line.strip()]
        if rows and not all(column in r for r in rows):
            raise ValueError(f"{path}: column {column!r} is missing in some lines")
        return [r.get(column) or "" for r in rows]
    import pandas as pd

    if suffix == ".parquet":
        df = pd.read_parquet(path)
    else:
        from workbench.data.read import detect_encoding

        df = pd.read_csv(io.StringIO(data.decode(detect_encoding(data, name=str(path)))), dtype=str,
                         keep_default_na=False)
    if column not in df.columns:
        raise ValueError(f"{path}: no column {column!r} (columns: {', '.join(map(str, df.columns))})")
    return df[column].tolist()


def feedback_command(text: str | None = None, file: str | Path | None = None, column: str = "answer_text",
                     question: Any = None, profile: Any = None, lang: str = "auto") -> dict | list[dict]:
    """``workbench feedback``: one contract dict for ``text``, or a list (one per row) for ``file``
    (CSV/XLSX-free: CSV, JSONL, Parquet or plain text).

    Returns dicts with ``language, star, quantified, keywords, hints, latency_ms`` (and more); file rows also
    carry ``row`` (0-based). Raises ``ValueError`` / ``FileNotFoundError`` with a clear message.

    >>> r = feedback_command(text="I owned the launch. I cut scope and shipped on time.", profile="product_manager")
    >>> sorted(r)[:4], [k["keyword"] for k in r["keywords"]]
    (['concrete', 'hints', 'keywords', 'language'], ['scope', 'ship'])
    """
    if (text is None) == (file is None):
        raise ValueError("give exactly one of text or file")
    prof = as_profile(profile)
    if text is not None:
        return analyze(text, question, prof, lang).to_dict()
    out = []
    for i, t in enumerate(_read_rows(file, column)):
        d = analyze(t, question, prof, lang).to_dict()
        out.append({"row": i, **d})
    return out
