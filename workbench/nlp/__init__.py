"""Language tools shared by resume parsing and answer feedback: spaCy blank pipelines (``en``; ``zh`` with
jieba) with rule components whose patterns live in versioned JSONL files.

>>> from workbench.nlp import get_pipeline, detect_language
>>> detect_language("2019年3月至今 美的集团 大客户经理")
'zh'
"""

from .patterns import PATTERN_DIR, PatternError, PatternSet, available_patterns, load_patterns, parse_patterns
from .language import detect_language, text_language

_LAZY = ("LANGS", "entities", "get_pipeline")  # spaCy is imported only when a pipeline is asked for


def __getattr__(name: str):
    if name in _LAZY:
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["LANGS", "PATTERN_DIR", "PatternError", "PatternSet", "available_patterns", "detect_language", "entities",
           "get_pipeline", "load_patterns", "parse_patterns", "text_language"]
