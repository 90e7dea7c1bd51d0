"""spaCy blank pipelines with the workbench's rule components.

``get_pipeline("en")`` is ``spacy.blank("en")`` plus an EntityRuler built from the bundled pattern files;
``get_pipeline("zh")`` is ``spacy.blank("zh")`` with the jieba segmenter plus a substring ruler (jieba splits
the same title or degree differently in different contexts, so Chinese phrases match on characters and are
then aligned to tokens). Pipelines are cached per (language, pattern files): build once, reuse everywhere
(resume parsing, the STAR analyser); nothing else is global or mutable.

Examples
--------
>>> nlp = get_pipeline("en")
>>> [(e.text, e.label_, e.ent_id_) for e in nlp("PhD in Computer Science").ents]
[('PhD', 'DEGREE', 'doctorate')]
>>> [(e.text, e.ent_id_) for e in get_pipeline("zh")("2010.09-2014.06  复旦大学  工商管理  学士").ents if e.label_ == "DEGREE"]
[('学士', 'bachelor')]
>>> detect_language("个人简历 姓名：黄强"), detect_language("John Doe, Software Engineer")
('zh', 'en')
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from .language import detect_language  # noqa: F401  (re-exported)
from .patterns import load_patterns

LANGS = ("en", "zh")
DEFAULT_PATTERNS = ("degrees", "titles", "schools")
_LATIN = re.compile(r"[A-Za-z]")


@Language.factory("substring_ruler", default_config={"patterns_files": list(DEFAULT_PATTERNS), "lang": "zh"})
def _make_substring_ruler(nlp: Language, name: str, patterns_files: list[str], lang: str) -> "SubstringRuler":
    return SubstringRuler(patterns_files, lang)


class SubstringRuler:
    """Rule component: string patterns matched on characters (longest first), aligned to token spans.

    Used for Chinese, where word segmentation of a phrase is not stable across contexts.
    """

    def __init__(self, patterns_files: list[str], lang: str) -> None:
        entries: dict[str, tuple[str, str]] = {}
        for name in patterns_files:
            for p in load_patterns(name).for_lang(lang):
                if isinstance(p["pattern"], str):
                    entries.setdefault(p["pattern"].lower(), (p["label"], p["id"]))
        self.entries = entries
        alts = sorted(entries, key=len, reverse=True)
        self.regex = re.compile("|".join(re.escape(a) for a in alts)) if alts else None

    def __call__(self, doc: Doc) -> Doc:
        if self.regex is None:
            return doc
        spans = list(doc.ents)
        text = doc.text.lower()
        for m in self.regex.finditer(text):
            label, pid = self.entries[m.group(0)]
            if label == "DEGREE" and _LATIN.search(m.group(0)):
                # Latin degree abbreviations (MBA) need word boundaries
                a, b = m.start(), m.end()
                if (a and text[a - 1].isalnum()) or (b < len(text) and text[b].isalnum()):
                    continue
            span = doc.char_span(m.start(), m.end(), label=label, alignment_mode="expand")
            if span is not None:
                span.id_ = pid
                spans.append(span)
        doc.ents = filter_spans(spans)
        return doc


@lru_cache(maxsize=8)
def get_pipeline(lang: str = "en", patterns: tuple[str, ...] = DEFAULT_PATTERNS) -> Language:
    """A cached spaCy pipeline for ``lang`` with rule components built from the named pattern files.

    Parameters
    ----------
    lang : {"en", "zh"}
        Pipeline language; ``zh`` uses the jieba segmenter.
    patterns : tuple of str
        Pattern files (names under ``workbench/nlp/patterns``) whose entity patterns to load.

    Returns
    -------
    spacy.language.Language
        Treat it as read-only: it is shared by every caller with the same arguments.
    """
    if lang not in LANGS:
        raise ValueError(f"language {lang!r} is not supported (use one of {', '.join(LANGS)})")
    patterns = tuple(patterns)
    if lang == "zh":
        import jieba

        jieba.setLogLevel(logging.WARNING)
        nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
        nlp.add_pipe("substring_ruler", config={"patterns_files": list(patterns), "lang": "zh"})
        return nlp
    nlp = spacy.blank(lang)
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER", "validate": True})
    recs = []
    for name in patterns:
        for p in load_patterns(name).for_lang(lang):
            rec = {"label": p["label"], "pattern": p["pattern"]}
            if p["id"]:
                rec["id"] = p["id"]
            recs.append(rec)
    ruler.add_patterns(recs)
    return nlp


def entities(text: str, lang: str | None = None, label: str | None = None) -> list[Span]:
    """Entity spans of ``text`` from the cached pipeline (language detected when not given).

    >>> [(e.text, e.label_) for e in entities("Research Intern, NVIDIA Research", label="TITLE")]
    [('Intern', 'TITLE')]
    """
    lang = lang or detect_language(text)
    doc = get_pipeline(lang)(text)
    return [e for e in doc.ents if label is None or e.label_ == label]
