"""STAR analysis of interview answers and real-time hints (English and Chinese).

:func:`analyze` splits an answer into sentences, runs each through the shared spaCy blank pipeline
(:func:`workbench.nlp.get_pipeline` with the ``star_cues`` patterns; ``zh`` segmented by jieba) and decides, for
the answer as a whole, whether it shows a Situation, Task, Action and Result, with the sentence that shows each.
It also finds quantified results (numbers, percentages, amounts, 万/亿, rankings, grades, time saved) in result
sentences, the profile keywords per dimension, and how concrete the answer is, and chooses the hints to show.

The rules follow the question's kind (issue 15; ``docs/star_labelling_guide.md``, revision 2). Each answer gets a
``mode`` -- past_episode, hypothetical ("I would...", 我会...), habitual ("I usually...", 我一般...) or generic
(advice, virtues, talk about people) -- with evidence spans, from the versioned cues in
``workbench/nlp/patterns/star_mode.jsonl``. For a behavioural question (the default, and a resume probe) S, T, A and
R must belong to one past episode: a habit, a virtue, advice or a hypothetical is not A, an expected outcome is not
R, a generic setting is not S. For a situational question ("What would you do if...") the plan's steps are A and
its expected outcome is R. Task includes ownership phrasings ("I owned the fix", "it was on me to", 由我来, 当时要求我).

Hint policy (what a recruiter would accept; the wording of every hint, English and Chinese, is the versioned
``workbench/feedback_data/hints.yaml``, read once into :data:`HINTS`):

0. a behavioural question answered with intentions or habits gets the real-example prompt (``ask_real_example``);
1. no prompt while the answer has no substance (too short, or no concrete episode yet);
2. once there is a concrete episode, prompt for the first missing part: the action, then the result; when the
   result is there but carries no number, ask (once) to quantify it;
3. praise a quantified result, or a keyword of the question's dimension, once per answer session.

:class:`IncrementalAnalyzer` is what a live app uses: it caches per-sentence results by a hash of the sentence,
so as the candidate types only new or changed sentences are analysed again, and it remembers which hints were
shown (``prompt_log``), so that the data can record ``prompted`` / ``prompt_kind`` for every answer.

Accuracy on 55 held-out real answers (SIOP 2024, labelled by us under the guide's revision 2) and on an authored
(not collected) Chinese set: ``benchmarks/eval_star.py`` prints rules vs a learned alternative per component.

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
from workbench.records import LANGUAGES, AnswerAnalysis, Hint, JobProfile, KeywordHit, Quantity, StarPart

__all__ = ["MAX_CHARS", "HINTS", "HINTS_VERSION", "HINT_KINDS", "AnswerAnalysis", "IncrementalAnalyzer", "analyze",
           "answer_mode", "feedback_command", "load_hints", "mode_marks", "split_sentences", "prompt_record",
           "star_features"]

MAX_CHARS = 6000
"""Answers longer than this are analysed up to the last sentence end before it, with a notice."""

MIN_WORDS = {"en": 12, "zh": 20}  # en: words; zh: characters. Below this an answer has no substance yet.
PATTERNS = ("star_cues",)
MODE_PATTERNS = "star_mode"
"""Mode, virtue, ownership and expected-outcome cues (``workbench/nlp/patterns/star_mode.jsonl``)."""
BEHAVIOURAL = frozenset({"behavioral", "behavioural", "probe", "general"})
"""Question kinds whose answers must tell one past episode (a probe cites the resume: it asks about the past)."""

HINTS_FILE = Path(__file__).resolve().parent / "feedback_data" / "hints.yaml"
"""The hints' wording, English and Chinese (versioned); which hint shows when is :func:`choose_hints`."""
HINT_KINDS = ("ask_real_example", "missing_action", "missing_result", "ask_quantify", "praise_quantified",
              "praise_keyword")
"""The kinds :func:`choose_hints` gives; the hints file must word each of them, in every language."""


def load_hints(path: str | Path = HINTS_FILE) -> tuple[str, dict[str, dict[str, str]]]:
    """``(version, {kind: {en, zh}})`` of a hints file, checked: a version, every :data:`HINT_KINDS` and no
    other, each with a non-empty text per language.

    Raises
    ------
    ValueError
        A missing version, kind or text, or an unknown kind (so a typo cannot silently drop a hint).

    Examples
    --------
    >>> version, hints = load_hints()
    >>> version, sorted(hints) == sorted(HINT_KINDS), sorted(hints["missing_result"])
    ('1', True, ['en', 'zh'])
    """
    import yaml

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not data.get("version"):
        raise ValueError(f"{path}: no version")
    hints = data.get("hints") or {}
    missing, unknown = set(HINT_KINDS) - set(hints), set(hints) - set(HINT_KINDS)
    if missing or unknown:
        raise ValueError(f"{path}: missing hint kinds {sorted(missing)}, unknown {sorted(unknown)}")
    out: dict[str, dict[str, str]] = {}
    for kind in HINT_KINDS:
        texts = hints[kind] or {}
        empty = [lang for lang in LANGUAGES if not str(texts.get(lang) or "").strip()]
        if empty:
            raise ValueError(f"{path}: hint {kind!r} has no text in {', '.join(empty)}")
        out[kind] = {lang: str(texts[lang]).strip() for lang in LANGUAGES}
    return str(data["version"]), out


HINTS_VERSION, HINTS = load_hints()
"""The hints shown (read once, at import): ``HINTS[kind][lang]`` is the text, ``HINTS_VERSION`` the file's version."""

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
_ZH_ACHIEVED = frozenset("家位名单户人件套台成")  # measure words of counted achievements (12家客户, 3单)


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
    marks: tuple = ()  # (label, start, end) of the star_mode cues in the sentence
    present_action: bool = False  # a first-person step in the general present ("I make a list"): a habit

    def has(self, label: str) -> bool:
        """Whether a ``star_mode`` cue of ``label`` (MODE_PAST, MODE_HYPO, ...) is in the sentence."""
        return any(m[0] == label for m in self.marks)

    @property
    def hypo(self) -> bool:
        """A hypothetical or intended step ("I would...", 我会...)."""
        return self.has("MODE_HYPO")

    @property
    def habit(self) -> bool:
        """A habit or routine ("I usually...", 我一般...), or a step in the general present."""
        return self.has("MODE_HABIT") or self.present_action

    @property
    def past_act(self) -> bool:
        """A step the candidate took, in the past, neither hypothetical nor habitual."""
        return self.action and self.past and not self.hypo and not self.habit

    @property
    def result_cue(self) -> bool:
        """A result cue (star_cues' STAR_R or star_mode's RESULT)."""
        return "STAR_R" in self.cues or self.has("RESULT")


@lru_cache(maxsize=4)
def _lexicon(lang: str) -> tuple[frozenset, frozenset]:
    lex = load_patterns("star_lexicon")
    return frozenset(lex.phrases(lang, "NON_ACTION")), frozenset(lex.phrases(lang, "PAST"))


@lru_cache(maxsize=4)
def _past_forms(lang: str) -> frozenset:
    return _lexicon(lang)[1] | frozenset(load_patterns(MODE_PATTERNS).phrases(lang, "PAST_FORM"))


@lru_cache(maxsize=4)
def _not_steps(lang: str) -> frozenset:
    return frozenset(load_patterns(MODE_PATTERNS).phrases(lang, "NOT_STEP"))


@lru_cache(maxsize=4)
def _mode_rx(lang: str) -> tuple[tuple[str, re.Pattern], ...]:
    """One compiled pattern per ``star_mode`` label (English: whole words, case-insensitive)."""
    ps = load_patterns(MODE_PATTERNS)
    out = []
    for label in ps.labels:
        phrases = ps.phrases(lang, label)
        if label in ("PAST_FORM", "NOT_STEP") or not phrases or (lang == "en" and label in _ZH_ONLY):
            continue
        alt = "|".join(re.escape(x) for x in phrases)
        out.append((label, re.compile(rf"(?i)(?<![A-Za-z0-9'])(?:{alt})(?![A-Za-z0-9'])" if lang == "en" else alt)))
    return tuple(out)


_ZH_ONLY = frozenset({"ZH_STEP"})
_CLAUSE_END = re.compile(r"[,，;；。.!?！？]")
_MIXED = frozenset({"MODE_PAST", "MODE_HYPO", "TASK_OWN"})  # English cues that also count inside Chinese text


def mode_marks(sentence: str, lang: str = "en") -> tuple[tuple[str, int, int], ...]:
    """The ``star_mode`` cues in ``sentence``: ``(label, start, end)``, in text order.

    >>> mode_marks("I would call them first.")
    (('MODE_HYPO', 0, 7),)
    >>> [m[0] for m in mode_marks("我一般会先列清单。", "zh")]
    ['MODE_HABIT', 'MODE_HYPO']
    """
    out = [(label, m.start(), m.end()) for label, rx in _mode_rx(lang) for m in rx.finditer(sentence)]
    if lang == "zh" and re.search(r"[A-Za-z]{2}", sentence):  # code-mixed: "Last quarter我们...", "That was on me"
        out += [(label, m.start(), m.end()) for label, rx in _mode_rx("en") if label in _MIXED
                for m in rx.finditer(sentence)]
    # "If a teammate always misses deadlines, I would...": a habit inside the scenario's clause is not the candidate's
    clauses = [(a, a + len(_CLAUSE_END.split(sentence[a:], 1)[0])) for lab, a, _ in out if lab == "SCENARIO"]
    out = [m for m in out if not (m[0] == "MODE_HABIT" and any(a <= m[1] < b for a, b in clauses))]
    return tuple(sorted(out, key=lambda m: (m[1], m[0])))


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


def _en_action(toks: list[str], non_action: frozenset, past_forms: frozenset = frozenset()) -> tuple[bool, bool | None]:
    """Whether "I"/"we" is followed by a step, and whether that step is in the past (the verb or an auxiliary
    skipped before it: "I decided to call", "I ended up talking"); None for the present perfect."""
    for i, t in enumerate(toks):
        if t not in _SUBJ:
            continue
        j = i + 1
        while j < len(toks) and (toks[j] in _SKIP or (toks[j].endswith("ly") and len(toks[j]) > 4)):
            j += 1
        if j >= len(toks):
            break
        v = toks[j]
        if any(t in ("'ve", "have", "has") for t in toks[i + 1:j + 1]):
            # present perfect ("I've learned", "I have taken"): experience, neither one past occasion nor a habit
            return (v not in non_action and v.isalpha()) or (j + 1 < len(toks) and toks[j + 1].endswith("ed")), None
        if v == "did" and j + 1 < len(toks) and toks[j + 1] not in ("not", "n't", "nothing"):
            return True, True
        step = ((v in ("was", "were") and j + 1 < len(toks) and toks[j + 1] == "able")
                or (v in ("had", "has", "'ve", "have") and j + 1 < len(toks) and toks[j + 1].endswith("ed")
                    and toks[j + 1] not in non_action)
                or (v.isalpha() and v not in non_action and v not in ("had", "has", "have")))
        if step:
            return True, _is_past(toks[i + 1:j + 2] if v in ("was", "were", "had", "has") else toks[i + 1:j + 1],
                                  past_forms)
    return False, False


def _en_tokens(nlp, text: str) -> list[str]:
    return [t.lower_ for t in nlp.make_doc(text) if not t.is_punct and not t.is_space]


def _is_past(toks: list[str], past_words: frozenset) -> bool:
    return any(t in past_words or (len(t) > 3 and t.endswith("ed") and not t.endswith("eed")) for t in toks)


def _en_info(sentence: str) -> SentenceInfo:
    nlp = get_pipeline("en", PATTERNS)
    doc = nlp.make_doc(sentence)
    ruler = nlp.get_pipe("entity_ruler")
    # every cue match counts (the ruler's own overlap resolution would drop e.g. a task cue inside a situation cue)
    cues = frozenset(nlp.vocab.strings[m].split("||")[0] for m, _, _ in ruler.phrase_matcher(doc))
    non_action = _lexicon("en")[0]
    toks = [t.lower_ for t in doc if not t.is_punct and not t.is_space]
    first = any(t in ("i", "we", "my", "our", "me", "us") for t in toks)
    forms = _past_forms("en")
    past = _is_past(toks, forms)
    marks = mode_marks(sentence, "en")
    non_action = non_action | _not_steps("en")
    action, act_past = _en_action(toks, non_action, forms)
    if action and any(m[0] == "VIRTUE" for m in marks):  # "I worked hard": a virtue, not a step
        masked = sentence
        for label, a, b in marks:
            if label == "VIRTUE":
                masked = masked[:a] + " ".join("am" for _ in masked[a:b].split()) + masked[b:]
        action, act_past = _en_action(_en_tokens(nlp, masked), non_action, forms)
    hypo_at = [a for label, a, _ in marks if label == "MODE_HYPO"]
    if hypo_at and act_past and _en_action(_en_tokens(nlp, sentence[:hypo_at[0]]), non_action, forms)[1]:
        # "I told them that I will alert the professor": reported intention inside a past step
        marks = tuple(m for m in marks if m[0] != "MODE_HYPO")
    # generic talk: advice, talk about people in general (star_mode); hypotheticals and habits are the mode's
    generic = any(m[0] == "MODE_GENERIC" for m in marks) or (bool(toks) and toks[0] == "you")
    present = action and act_past is False and not any(m[0] == "MODE_HYPO" for m in marks)
    if act_past is None:  # the present perfect is not past_act: keep the sentence out of "past"
        past = False
    if action and not act_past and not present:
        past = past and not any(m[0] == "MODE_HYPO" for m in marks)
    info = SentenceInfo(cues, action, past, first, generic, tuple(find_quantities(sentence, "en")), marks, present)
    return info._replace(past=past) if action and act_past and not past else info


_ZH_PLAN = re.compile("(?:会先|就会|会去|我会|都会|再去|然后再|接着|第一步|第二步)[^，。！？；]{1,12}")


def _zh_info(sentence: str) -> SentenceInfo:
    doc = get_pipeline("zh", PATTERNS)(sentence)
    cues = set(e.label_ for e in doc.ents)
    first = bool(_ZH_FIRST.search(sentence))
    marks = mode_marks(sentence, "zh")
    labels = {m[0] for m in marks}
    hypo = "MODE_HYPO" in labels
    action = ("STAR_A" in cues or bool(_ZH_ACTION_VERB.search(sentence)) or (hypo and bool(_ZH_PLAN.search(sentence)))
              or "ZH_STEP" in labels)
    past = bool(_ZH_PAST.search(sentence)) or "MODE_PAST" in labels
    generic = "MODE_GENERIC" in labels and not action and "MODE_PAST" not in labels
    return SentenceInfo(frozenset(cues), action, past, first, generic,
                        tuple(find_quantities(sentence, "zh")), marks)


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


_WOULD = re.compile(r"(?i)\b(?:would|'d)\b")


def _episode(infos: list[SentenceInfo], lang: str) -> tuple[list[int], list[int]]:
    """Sentences that mark one past episode, and the candidate's past steps (neither hypothetical nor habitual)."""
    marked = [i for i, f in enumerate(infos) if f.has("MODE_PAST") and not f.hypo
              and (lang == "zh" or (f.past and not f.habit))]
    # in an answer set in a marked past, "I cut the scope" / 我先拜访客户 (no tense marker) are steps of the episode
    acts = [i for i, f in enumerate(infos) if (f.first_person or lang == "zh") and not f.generic
            and (f.past_act or (marked and f.action and not f.hypo and not f.has("MODE_HABIT")))]
    return marked, acts


def answer_mode(sentences: list[str], infos: list[SentenceInfo], lang: str) -> tuple[str, list[tuple[int, int, int]]]:
    """The answer's mode (past_episode, hypothetical, habitual or generic) and its evidence as
    ``(sentence index, start, end)`` spans within the sentences.

    One past episode anywhere makes the answer past_episode (the guide's rule); otherwise the more frequent of
    hypothetical and habitual steps wins ("would" in an answer set in the past is the habitual past); with
    neither, generic.
    """
    marked, acts = _episode(infos, lang)
    told = [i for i, f in enumerate(infos) if ("STAR_T" in f.cues or f.has("TASK_OWN"))
            and not f.hypo and not f.habit and not f.generic]
    past_told = [i for i, f in enumerate(infos) if f.past and f.first_person and not f.hypo and not f.habit
                 and not f.generic]
    past_acts = sum(infos[i].past_act for i in acts)
    hypo_or_habit = any((f.hypo or f.has("MODE_HABIT")) and f.action for f in infos)
    if (marked and (acts or told or not hypo_or_habit)) or past_acts >= 2 or (past_acts and len(past_told) >= 2):
        ev = [(i, a, b) for i in marked for lab, a, b in infos[i].marks if lab == "MODE_PAST"]
        return "past_episode", ev or [(acts[0], 0, len(sentences[acts[0]]))]
    set_in_past = bool(marked) or any(f.past and f.first_person and not f.hypo for f in infos)
    hypo, habit = [], []
    for i, f in enumerate(infos):
        if not f.action:  # a virtue or a state ("I am always positive") is not a step of either kind
            continue
        if f.has("MODE_HABIT") or (f.habit and not f.hypo and f.first_person):  # "我一般都会", "I will always"
            habit.append(i)
        elif f.hypo and (f.first_person or lang == "zh"):
            habitual_past = lang == "en" and set_in_past and bool(_WOULD.search(sentences[i]))
            (habit if habitual_past else hypo).append(i)
    if not hypo and not habit:
        ev = [(i, a, b) for i, f in enumerate(infos) for lab, a, b in f.marks if lab == "MODE_GENERIC"]
        return "generic", ev
    mode, idx, label = (("hypothetical", hypo, "MODE_HYPO") if len(hypo) > len(habit)
                        else ("habitual", habit, "MODE_HABIT"))
    ev = []
    for i in idx:
        spans = [(i, a, b) for lab, a, b in infos[i].marks if lab in (label, "MODE_HYPO")]
        ev.extend(spans or [(i, 0, len(sentences[i]))])
    return mode, ev


def _part(sentences: list[str], infos: list[SentenceInfo], pred) -> StarPart:
    for i, f in enumerate(infos):
        if pred(i, f):
            return StarPart(True, sentences[i], i)
    return StarPart()


def _star_en(sentences: list[str], infos: list[SentenceInfo], situational: bool, mode: str) -> dict:
    n = len(infos)
    task = lambda f: "STAR_T" in f.cues or f.has("TASK_OWN")  # noqa: E731
    not_you = lambda i: not sentences[i].lower().startswith(("you", "if you"))  # noqa: E731
    star: dict[str, StarPart] = {}
    if situational:
        acted = [i for i, f in enumerate(infos) if f.action and not f.generic]
        told = set(_episode(infos, "en")[0]) | {i for i, t in enumerate(sentences) if _STRONG_S_EN.search(t)}
        star["S"] = _part(sentences, infos, lambda i, f: (f.has("SCENARIO") or "STAR_S" in f.cues or i in told)
                          and not_you(i) and (i not in acted or i == 0))
        star["T"] = _part(sentences, infos, lambda i, f: task(f) and not_you(i))
        star["A"] = _part(sentences, infos, lambda i, f: i in acted)
        star["R"] = _part(sentences, infos, lambda i, f: ("STAR_R" in f.cues or f.has("SIT_OUTCOME"))
                          and bool(acted) and acted[0] <= i and (i > 0 or n == 1))
        return star
    if mode != "past_episode":
        return {k: StarPart() for k in "STAR"}
    marked, acts = _episode(infos, "en")
    strong_s = [i for i, t in enumerate(sentences) if _STRONG_S_EN.search(t) and not infos[i].hypo
                and not infos[i].habit and not infos[i].generic]
    star["S"] = _part(sentences, infos, lambda i, f: i in strong_s or i in marked or ("STAR_S" in f.cues and f.past
                                                                                    and not f.hypo and not f.habit))
    if not star["S"].present and acts:
        star["S"] = StarPart(True, sentences[acts[0]], acts[0])
    star["T"] = _part(sentences, infos, lambda i, f: task(f) and (f.first_person or f.past) and not_you(i)
                      and not f.hypo and not f.has("MODE_HABIT"))
    star["A"] = _part(sentences, infos, lambda i, f: i in acts)
    star["R"] = _part(sentences, infos, lambda i, f: f.result_cue and (f.past or "now" in sentences[i].lower()
                                                                       or f.quantities)
                      and (i > 0 or n == 1) and not f.generic and not f.hypo and not f.has("MODE_HABIT"))
    return star


def _star_zh(sentences: list[str], infos: list[SentenceInfo], situational: bool, mode: str) -> dict:
    n = len(infos)
    task = lambda f: ("STAR_T" in f.cues or f.has("TASK_OWN")) and not f.generic  # noqa: E731
    star: dict[str, StarPart] = {}
    if situational:
        acted = [i for i, f in enumerate(infos) if f.action and not f.generic]
        told = set(_episode(infos, "zh")[0])
        star["S"] = _part(sentences, infos, lambda i, f: ("STAR_S" in f.cues or f.has("SCENARIO") or i in told)
                          and not f.generic and (i not in acted or i == 0))
        star["T"] = _part(sentences, infos, lambda i, f: task(f))
        star["A"] = _part(sentences, infos, lambda i, f: i in acted)
        star["R"] = _part(sentences, infos, lambda i, f: ("STAR_R" in f.cues or f.has("SIT_OUTCOME")) and bool(acted)
                          and acted[0] <= i and (i > 0 or n == 1))
        return star
    if mode != "past_episode":
        return {k: StarPart() for k in "STAR"}
    marked, acts = _episode(infos, "zh")
    clean = lambda f: not f.generic and not f.hypo and not f.habit  # noqa: E731
    star["S"] = _part(sentences, infos, lambda i, f: ("STAR_S" in f.cues or i in marked) and clean(f))
    star["T"] = _part(sentences, infos, lambda i, f: task(f) and not f.hypo)
    star["A"] = _part(sentences, infos, lambda i, f: i in acts)
    star["R"] = _part(sentences, infos, lambda i, f: f.result_cue and clean(f) and (i > 0 or n == 1))
    return star


def _quantified(sentences: list[str], infos: list[SentenceInfo], star: dict, lang: str) -> list[Quantity]:
    quant: list[Quantity] = []
    if not star["R"].present and not any(star[k].present for k in "SA"):
        return quant
    r_idx = star["R"].sentence
    for i, f in enumerate(infos):
        in_result = "STAR_R" in f.cues and (i >= r_idx >= 0 or i == r_idx)
        saved = bool(_TIME_SAVED.search(sentences[i]))
        strong = [q for q in f.quantities if q.kind in _STRONG_KINDS - {"count"}
                  or (q.kind == "count" and in_result and (lang == "en" or q.text[-1] in _ZH_ACHIEVED))
                  or (q.kind == "duration" and in_result and saved)]
        if in_result and (strong or f.quantities):
            quant.extend(strong or [q for q in f.quantities if (q.kind != "number" or lang == "zh")
                                    and q.kind != "duration"])
        elif i > 0 and f.past and not f.hypo and any(q.kind in ("percent", "money", "grade", "rank", "multiple")
                                                     for q in f.quantities) and "STAR_T" not in f.cues:
            quant.extend(q for q in f.quantities if q.kind in ("percent", "money", "grade", "rank", "multiple"))
    if quant and not star["R"].present:
        i = next(i for i, f in enumerate(infos) if any(q in f.quantities for q in quant))
        star["R"] = StarPart(True, sentences[i], i)
    return quant


def _decide(sentences: list[str], infos: list[SentenceInfo], lang: str,
            kind: str = "behavioral") -> tuple[dict, list[Quantity], float, bool, str, list]:
    situational = kind not in BEHAVIOURAL
    mode, evidence = answer_mode(sentences, infos, lang)
    star = (_star_zh if lang == "zh" else _star_en)(sentences, infos, situational, mode)
    quant = _quantified(sentences, infos, star, lang)
    episode = mode == "past_episode"
    n = len(infos)
    generic_share = sum(f.generic for f in infos) / n if n else 1.0
    specificity = max(0.0, min(1.0, 0.3 * (episode or (situational and star["A"].present))
                               + 0.2 * star["A"].present + 0.2 * bool(quant)
                               + 0.15 * star["R"].present + 0.15 * star["T"].present - 0.3 * generic_share))
    concrete = star["A"].present if situational else episode
    return star, quant, specificity, concrete, mode, evidence


# --------------------------------------------------------------------------------------------------------
# keywords, questions, profiles

_KINDS = ("behavioral", "behavioural", "situational", "probe", "general")


def _check_kind(kind: str) -> str:
    kind = (kind or "behavioral").strip().lower()
    if kind not in _KINDS:
        raise ValueError(f"question kind {kind!r} is not one of {', '.join(_KINDS)}")
    return "behavioral" if kind == "behavioural" else kind


def _kind_from_wording(text: str) -> str:
    for lang in ("en", "zh"):
        for label, rx in _mode_rx(lang):
            if label == "QUESTION_SITUATIONAL" and rx.search(text):
                return "situational"
    return "behavioral"


def _question_meta(question: Any, profile: JobProfile | None, lang: str = "en") -> tuple[str, str]:
    """``(dimension, kind)`` of the question: from a mapping's or an object's fields, else from the profile's
    bank (by id or text), else the kind from its wording ("What would you do if...", 假如...)."""
    if question is None:
        return "", "behavioral"
    if isinstance(question, Mapping):
        kind = str(question.get("kind", "") or "") or _kind_from_wording(str(question.get("text", "") or ""))
        return str(question.get("dimension", "") or ""), kind
    dim = getattr(question, "dimension", None)
    if isinstance(dim, str):
        kind = getattr(question, "kind", "") or _kind_from_wording(str(getattr(question, "text", "") or ""))
        return dim, str(kind)
    if not isinstance(question, str):
        return "", "behavioral"
    if profile is not None:
        try:
            from workbench.questions import load_bank

            bank = load_bank(profile.job_id)
        except Exception:  # noqa: BLE001 - a job without a bank: no dimension known
            bank = None
        for d in (bank.dimensions if bank is not None else ()):
            for q in (d.behavioral, d.situational):
                if question in (q.question_id, *q.text.values()):
                    return d.name, q.kind
    return "", _kind_from_wording(question)


def _question_dimension(question: Any, profile: JobProfile | None) -> str:
    return _question_meta(question, profile)[0]


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
                 already: Iterable[str] = (), mode: str = "", question_kind: str = "behavioral") -> tuple[Hint, ...]:
    """The hints for one state of an answer under the policy in the module docstring.

    ``already`` are hint kinds shown before in the same answer session: praise and the quantify prompt are
    given once. A behavioural question answered with intentions or habits (``mode`` hypothetical or habitual)
    gets the real-example prompt instead of the STAR prompts.

    >>> from workbench.records import StarPart
    >>> star = {"S": StarPart(True), "T": StarPart(), "A": StarPart(True), "R": StarPart()}
    >>> [h.kind for h in choose_hints(star, [], [], concrete=True, substantial=True, lang="en")]
    ['missing_result']
    >>> choose_hints(star, [], [], concrete=False, substantial=True, lang="en")
    ()
    >>> [h.kind for h in choose_hints(star, [], [], concrete=False, substantial=True, lang="zh", mode="habitual")]
    ['ask_real_example']
    """
    already = set(already)
    out: list[Hint] = []
    quantified = list(quantified)
    if substantial and question_kind in BEHAVIOURAL and mode in ("hypothetical", "habitual"):
        out.append(Hint("ask_real_example", HINTS["ask_real_example"][lang], lang))
    elif substantial and concrete:
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
              already: Iterable[str] = (), kind: str = "behavioral") -> AnswerAnalysis:
    sentences = [analysed[a:b] for a, b in spans]
    star, quant_rel, specificity, concrete, mode, ev = _decide(sentences, infos, lang, kind)
    evidence = tuple((spans[i][0] + a, spans[i][0] + b, analysed[spans[i][0] + a:spans[i][0] + b]) for i, a, b in ev)
    quant = []
    for (a, _), f in zip(spans, infos):
        for q in f.quantities:
            if q in quant_rel:
                quant.append(Quantity(q.text, q.start + a, q.end + a, q.kind))
    keywords = _keywords(analysed, lang, profile)
    substantial = _substantial(analysed, lang)
    hints = choose_hints(star, quant, keywords, concrete=concrete, substantial=substantial, lang=lang,
                         dimension=dimension, already=already, mode=mode, question_kind=kind)
    return AnswerAnalysis(lang, star, tuple(quant), keywords, specificity, concrete, hints, tuple(notices),
                          tuple(sentences), len(text), len(analysed), (time.perf_counter() - t0) * 1000, dimension,
                          mode, evidence, kind)


def analyze(text: str, question: Any = None, profile: Any = None, lang: str = "auto",
            question_kind: str | None = None) -> AnswerAnalysis:
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
    question_kind : {"behavioral", "situational", "probe", "general"}, optional
        The kind of question the STAR rules follow (behavioural: S, T, A, R must belong to one past episode;
        situational: the plan's steps are A and its expected outcome R). By default it is taken from the
        question (its ``kind``, or its entry in the profile's bank, or its wording); unknown means behavioural.

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
    >>> w = "I would call the client first. Then I would offer a discount so that they stay with us."
    >>> a = analyze(w, question_kind="behavioral")
    >>> a.mode, a.star["A"].present, a.hints[0].kind
    ('hypothetical', False, 'ask_real_example')
    >>> analyze(w, question_kind="situational").star["A"].present
    True
    """
    t0 = time.perf_counter()
    text, lang, notices = _prepare(text, lang)
    prof = as_profile(profile)
    dimension, kind = _question_meta(question, prof, lang)
    kind = _check_kind(question_kind or kind)
    analysed = _cut(text, lang, notices)
    spans = split_sentences(analysed, lang)
    infos = [_sentence_info(analysed[a:b], lang) for a, b in spans]
    return _assemble(text, analysed, lang, spans, infos, prof, dimension, notices, t0, kind=kind)


def star_features(text: str, lang: str = "auto", question_kind: str = "behavioral") -> dict[str, float]:
    """The rule features of an answer as numbers (what a learned model can use beside word n-grams): the
    rules' STAR decisions and mode, and counts of the sentence cues they are built on.

    >>> f = star_features("Last year our launch slipped. I owned the fix. I rewrote the plan.", "en")
    >>> f["rule_T"], f["mode_past_episode"], f["n_past_act"]
    (1.0, 1.0, 2.0)
    """
    text, lang, _ = _prepare(text, lang)
    analysed = _cut(text, lang, [])
    sentences = [analysed[a:b] for a, b in split_sentences(analysed, lang)]
    infos = [_sentence_info(x, lang) for x in sentences]
    star, quant, specificity, _, mode, _ = _decide(sentences, infos, lang, _check_kind(question_kind))
    out = {f"rule_{k}": float(star[k].present) for k in "STAR"}
    out["rule_quantified"] = float(bool(quant))
    out.update({f"mode_{m}": float(mode == m) for m in ("past_episode", "hypothetical", "habitual", "generic")})
    counts = {"n_sentences": lambda f: True, "n_hypo": lambda f: f.hypo, "n_habit": lambda f: f.habit,
              "n_past_act": lambda f: f.past_act, "n_action": lambda f: f.action, "n_past": lambda f: f.past,
              "n_first": lambda f: f.first_person, "n_generic": lambda f: f.generic,
              "n_quantities": lambda f: bool(f.quantities)}
    out.update({k: float(sum(bool(pred(f)) for f in infos)) for k, pred in counts.items()})
    for label in ("MODE_PAST", "VIRTUE", "TASK_OWN", "SIT_OUTCOME"):
        out[f"n_{label.lower()}"] = float(sum(f.has(label) for f in infos))
    for cue in ("STAR_S", "STAR_T", "STAR_R"):
        out[f"n_{cue.lower()}"] = float(sum(cue in f.cues for f in infos))
    out["specificity"] = specificity
    return out


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

    def __init__(self, question: Any = None, profile: Any = None, lang: str = "auto", cache_size: int = 2048,
                 question_kind: str | None = None) -> None:
        self.profile = as_profile(profile)
        self.question = question
        self.dimension, kind = _question_meta(question, self.profile)
        self.kind = _check_kind(question_kind or kind)
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
        a = _assemble(text, analysed, lang, spans, infos, self.profile, self.dimension, notices, t0, once, self.kind)
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
        out.append({"row": i, **analyze(t, question, prof, lang).to_dict()})
    return out
