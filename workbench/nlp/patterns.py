"""Versioned rule patterns (JSONL) for the workbench's spaCy pipelines.

Each file under ``workbench/nlp/patterns/`` starts with a header line
``{"name": ..., "version": ..., "labels": [...], "description": ...}`` followed by one pattern per line::

    {"label": "DEGREE", "pattern": "PhD", "id": "doctorate", "lang": "en"}
    {"label": "DEGREE", "pattern": [{"ORTH": "MS"}], "id": "master", "lang": "en"}

``pattern`` is a phrase (str) or a spaCy token pattern (list of dicts); ``lang`` is ``en``, ``zh`` or ``*``
(both); ``id`` is optional (e.g. the degree level). :func:`load_patterns` validates every line and names
the file and line of each mistake.

Examples
--------
>>> ps = load_patterns("degrees")
>>> ps.name, bool(ps.version)
('degrees', True)
>>> sorted({p["id"] for p in ps.for_lang("zh")})
['associate', 'bachelor', 'doctorate', 'high_school', 'master']
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PATTERN_DIR = Path(__file__).resolve().parent / "patterns"
PATTERN_LANGS = ("en", "zh", "*")


class PatternError(ValueError):
    """A pattern file breaks the format; the message names the file and line."""


@dataclass(frozen=True)
class PatternSet:
    """The validated content of one pattern file.

    Parameters
    ----------
    name, version, description : str
        From the header line.
    labels : tuple of str
        Entity labels the file may use.
    patterns : tuple of dict
        ``{"label", "pattern", "id", "lang"}`` records in file order.
    source : str
        The file path.
    """

    name: str
    version: str
    description: str
    labels: tuple[str, ...]
    patterns: tuple[dict, ...]
    source: str = ""

    def for_lang(self, lang: str) -> tuple[dict, ...]:
        """Patterns that apply to ``lang`` (its own plus the ``*`` ones)."""
        return tuple(p for p in self.patterns if p["lang"] in (lang, "*"))

    def phrases(self, lang: str, label: str | None = None) -> tuple[str, ...]:
        """String patterns for ``lang`` (optionally one label), longest first.

        >>> load_patterns("sections").phrases("zh", "SECTION")[:1]
        ('工作经历与项目经验',)
        """
        out = [p["pattern"] for p in self.for_lang(lang)
               if isinstance(p["pattern"], str) and (label is None or p["label"] == label)]
        return tuple(sorted(set(out), key=lambda s: (-len(s), s)))


def _check_record(rec: object, labels: tuple[str, ...], where: str) -> dict:
    if not isinstance(rec, dict):
        raise PatternError(f"{where}: a pattern line must be a JSON object")
    unknown = set(rec) - {"label", "pattern", "id", "lang"}
    if unknown:
        raise PatternError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    label = rec.get("label")
    if label not in labels:
        raise PatternError(f"{where}: label {label!r} is not declared in the header labels {list(labels)}")
    pat = rec.get("pattern")
    if isinstance(pat, str):
        if not pat.strip():
            raise PatternError(f"{where}: empty pattern")
    elif isinstance(pat, list):
        if not pat or not all(isinstance(t, dict) and t for t in pat):
            raise PatternError(f"{where}: a token pattern must be a non-empty list of non-empty objects")
    else:
        raise PatternError(f"{where}: pattern must be a string or a list of token objects")
    lang = rec.get("lang", "*")
    if lang not in PATTERN_LANGS:
        raise PatternError(f"{where}: lang {lang!r} is not one of {', '.join(PATTERN_LANGS)}")
    pid = rec.get("id", "")
    if not isinstance(pid, str):
        raise PatternError(f"{where}: id must be a string")
    return {"label": label, "pattern": pat, "id": pid, "lang": lang}


def parse_patterns(text: str, source: str = "<string>") -> PatternSet:
    """Validate JSONL pattern text (header line first) into a :class:`PatternSet`.

    >>> parse_patterns('{"name": "t", "version": "1", "labels": ["X"]}\\n{"label": "X", "pattern": "a"}').patterns
    ({'label': 'X', 'pattern': 'a', 'id': '', 'lang': '*'},)
    >>> parse_patterns('{"name": "t", "labels": ["X"]}')
    Traceback (most recent call last):
    ...
    workbench.nlp.patterns.PatternError: <string>:1: header needs a non-empty string 'version'
    """
    lines = [(i, ln) for i, ln in enumerate(text.splitlines(), 1) if ln.strip() and not ln.lstrip().startswith("//")]
    if not lines:
        raise PatternError(f"{source}: empty pattern file (a header line is required)")
    records = []
    for i, ln in lines:
        try:
            records.append((i, json.loads(ln)))
        except json.JSONDecodeError as exc:
            raise PatternError(f"{source}:{i}: not valid JSON ({exc.msg})") from None
    hi, header = records[0]
    if not isinstance(header, dict) or "label" in header:
        raise PatternError(f"{source}:{hi}: the first line must be the header object")
    for key in ("name", "version"):
        if not isinstance(header.get(key), str) or not header[key].strip():
            raise PatternError(f"{source}:{hi}: header needs a non-empty string {key!r}")
    labels = header.get("labels")
    if not isinstance(labels, list) or not labels or not all(isinstance(x, str) for x in labels):
        raise PatternError(f"{source}:{hi}: header needs 'labels', a non-empty list of strings")
    pats = tuple(_check_record(rec, tuple(labels), f"{source}:{i}") for i, rec in records[1:])
    return PatternSet(header["name"], header["version"], str(header.get("description", "")), tuple(labels), pats,
                      source)


@lru_cache(maxsize=64)
def load_patterns(name: str | Path) -> PatternSet:
    """Load and validate a pattern file by name (``degrees`` -> ``patterns/degrees.jsonl``) or path.

    Raises
    ------
    PatternError
        When the file is missing or malformed.
    """
    path = Path(name)
    if path.suffix != ".jsonl":
        path = PATTERN_DIR / f"{name}.jsonl"
    if not path.is_file():
        raise PatternError(f"{path}: no such pattern file")
    return parse_patterns(path.read_text(encoding="utf-8"), str(path))


def available_patterns() -> tuple[str, ...]:
    """Names of the bundled pattern files.

    >>> "degrees" in available_patterns()
    True
    """
    return tuple(sorted(p.stem for p in PATTERN_DIR.glob("*.jsonl")))
