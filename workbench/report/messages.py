"""The sentences the analysis modules write (validity reasons and notes, caveats, audit notes, coverage reasons,
model card texts) in the report's language, from the catalogue ``messages.yaml``.

The modules' results stay English (the CLI and JSON contract); the report translates a sentence when it shows
it. Each catalogue entry is an anchored regular expression for one sentence family with named groups (the
numbers, ids and names it carries) and a Chinese template that places those groups; ``terms`` gives the
Chinese of a group's value where it is a word (``question`` → 题目), ``value_words`` the Chinese of a unit
inside a value (``-3.3 points`` → ``-3.3 个百分点``). The first matching entry wins; a sentence
no entry matches is returned as written.

Examples
--------
>>> translate_message("u = 0.93: almost no range restriction, so r_corrected is close to r_observed.", "zh")
'u = 0.93：几乎没有范围限制，因此 r_corrected 与 r_observed 接近。'
>>> translate_message("u = 0.93: almost no range restriction, so r_corrected is close to r_observed.")
'u = 0.93: almost no range restriction, so r_corrected is close to r_observed.'
>>> translate_message("a sentence no entry knows", "zh")
'a sentence no entry knows'
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from workbench.report.labels import LANGS

__all__ = ["MESSAGES_FILE", "Message", "catalogue", "match_message", "translate_message"]

MESSAGES_FILE = Path(__file__).with_name("messages.yaml")


@dataclass(frozen=True)
class Message:
    """One catalogue entry: the compiled pattern, its templates by language, and the module that writes it."""

    pattern: re.Pattern[str]
    templates: dict[str, str]
    source: str


@functools.lru_cache(maxsize=1)
def catalogue() -> tuple[tuple[Message, ...], dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """The entries of ``messages.yaml`` (compiled, in file order), its ``terms`` (group -> {en: zh}) and its
    ``value_words`` (lang -> {English words inside a group's value: their rendering}).

    >>> entries, terms, words = catalogue()
    >>> entries[0].pattern.pattern.startswith("^"), terms["what"]["question"], words["zh"][" points"]
    (True, '题目', ' 个百分点')
    """
    raw = yaml.safe_load(MESSAGES_FILE.read_text(encoding="utf-8"))
    entries = tuple(Message(re.compile(e["en"]), {lang: e[lang] for lang in LANGS if lang in e and lang != "en"},
                            e.get("source", "")) for e in raw["messages"])
    return entries, raw.get("terms") or {}, raw.get("value_words") or {}


def match_message(text: str) -> Message | None:
    """The first catalogue entry whose pattern matches all of ``text``, or None.

    >>> match_message("Too few answers for a verdict: q1, q2.").source
    'workbench/review/validity.py (_notes, few answers)'
    >>> match_message("Too few answers") is None
    True
    """
    entries = catalogue()[0]
    return next((e for e in entries if e.pattern.fullmatch(text)), None)


def translate_message(text: Any, lang: str = "en") -> Any:
    """``text`` (a module's sentence) in ``lang``: unchanged in English, or when no entry matches it; otherwise the
    matching entry's template filled with the sentence's groups (a group's value in Chinese where ``terms`` has
    it). A value that is not a string (None, a number, an undefined template value) is returned as it is.

    >>> translate_message("Only 12 selected candidates have hired; at least 30 are needed for a verdict, so "
    ...                   "every verdict is insufficient_data.", "zh")
    '只有 12 名入选候选人有 hired 数据；得出结论至少需要 30 人，因此所有结论均为 insufficient_data。'
    >>> translate_message(None, "zh") is None
    True
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    if lang == "en" or not isinstance(text, str):
        return text
    entry = match_message(text)
    if entry is None or lang not in entry.templates:
        return text
    _, terms, value_words = catalogue()
    fields = {}
    for k, v in entry.pattern.fullmatch(text).groupdict().items():
        v = terms.get(k, {}).get(v, v) if v is not None else ""
        for en, local in value_words.get(lang, {}).items():
            v = v.replace(en, local)
        fields[k] = v
    return entry.templates[lang].format(**fields)


def localise_figure(fig: Any, lang: str = "en") -> Any:
    """A plotly figure's own words (title, axis and legend titles, annotations, trace names, a funnel's stage
    names) given in ``lang`` through the catalogue, in place; the figure is returned. English: unchanged.

    >>> import plotly.graph_objects as go
    >>> fig = localise_figure(go.Figure(go.Bar(x=[1], y=[2], name="current"), layout={"title": "Funnel of pm"}), "zh")
    >>> fig.layout.title.text, fig.data[0].name
    ('pm 的招聘漏斗', '当前')
    """
    if lang == "en":
        return fig
    say = lambda text: translate_message(text, lang)  # noqa: E731
    layout = fig.layout
    if layout.title.text:
        layout.title.text = say(layout.title.text)
    for key in [k for k in layout.to_plotly_json() if k.startswith(("xaxis", "yaxis"))]:
        if layout[key].title.text:
            layout[key].title.text = say(layout[key].title.text)
    if layout.legend.title.text:
        layout.legend.title.text = say(layout.legend.title.text)
    for note in layout.annotations or ():
        note.text = say(note.text)
    for trace in fig.data:
        if trace.name:
            trace.name = say(trace.name)
        if trace.type == "funnel" and trace.y is not None:
            trace.y = [say(str(v)) for v in trace.y]
    return fig
