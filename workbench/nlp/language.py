"""Which language a text is in: the one implementation (script-based, no model).

- :func:`text_language`: ``"zh"``, ``"en"``, ``"other"`` or None (no letters), from the share of CJK
  ideographs and ASCII letters among the letters;
- :func:`detect_language`: the pipeline to run, ``"zh"`` or ``"en"`` (English for anything not Chinese);
- :func:`has_cjk`: whether a term holds a CJK ideograph (keywords match as substrings then).

Examples
--------
>>> text_language("I grew revenue by 40%"), text_language("销售额增长了35%"), text_language("Привет мир")
('en', 'zh', 'other')
>>> detect_language("2019年3月至今 美的集团 大客户经理"), detect_language("Skills: Python, SQL, 数据分析")
('zh', 'en')
"""
from __future__ import annotations

import re
from typing import Any

__all__ = ["CJK", "detect_language", "has_cjk", "text_language"]

#: One CJK ideograph (unified ideographs, extension A, compatibility ideographs).
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
_LETTER = re.compile(r"[^\W\d_]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
#: Shares of the letters: Chinese from this share of ideographs, English from this share of ASCII letters.
ZH_SHARE, EN_SHARE = 0.3, 0.7


def text_language(text: Any) -> str | None:
    """Script-based language of a text: ``"zh"``, ``"en"``, ``"other"``, or None without letters.

    Chinese when at least 30 % of the letters are CJK ideographs (and there is no kana or hangul), English
    when at least 70 % are ASCII letters, otherwise ``other``.

    Examples
    --------
    >>> text_language("42") is None, text_language(None) is None, text_language("こんにちは世界")
    (True, True, 'other')
    """
    if not isinstance(text, str):
        return None
    if text.isascii():  # fast path: every letter is an ASCII letter
        return "en" if _ASCII_LETTER.search(text) else None
    letters = len(_LETTER.findall(text))
    if letters == 0:
        return None
    if _KANA_HANGUL.search(text):
        return "other"
    if len(CJK.findall(text)) / letters >= ZH_SHARE:
        return "zh"
    return "en" if len(_ASCII_LETTER.findall(text)) / letters >= EN_SHARE else "other"


def detect_language(text: str) -> str:
    """The pipeline for ``text``: ``"zh"`` when :func:`text_language` says Chinese, else ``"en"``.

    Examples
    --------
    >>> detect_language("个人简历 姓名：黄强"), detect_language("John Doe, Software Engineer"), detect_language("")
    ('zh', 'en', 'en')
    """
    return "zh" if text_language(text) == "zh" else "en"


def has_cjk(term: str) -> bool:
    """Whether ``term`` holds a CJK ideograph.

    Examples
    --------
    >>> has_cjk("Python数据"), has_cjk("Python")
    (True, False)
    """
    return bool(CJK.search(term))
