"""The contract's values as people write them: the one mapping from raw spellings to contract values.

The spellings live in ``vocabulary.yaml`` beside the header mappings (versioned data, English and Chinese).
A raw value is matched on its :func:`key` (NFKC, case-folded, everything but letters and digits removed), so
case, full-width characters, spaces, hyphens, slashes and punctuation never matter.

:func:`map_values` gives, for a column of raw text, the contract value of each cell and what happened to it:

- ``"exact"``: already the contract's spelling;
- ``"mapped"``: another spelling of a contract value (listed in the validation report with its count);
- ``"unknown"``: blank or an explicit non-disclosure ("Prefer not to say", 未填写, 不愿透露): unknown, counted;
- ``"unrecognised"``: none of the above; the caller decides (row or cell quarantine).

Examples
--------
>>> import pandas as pd
>>> values, status = map_values("race_ethnicity", pd.Series(["Black or African American", "white", "Latinx",
...                                                          "Prefer not to say", "Martian", None]))
>>> values.tolist()
['black_or_african_american', 'white', 'hispanic_or_latino', None, None, None]
>>> status.tolist()
['mapped', 'exact', 'mapped', 'unknown', 'unrecognised', 'unknown']
>>> map_values("gender", pd.Series(["女", "Ｍ", "Non-Binary"]))[0].tolist()
['female', 'male', 'nonbinary']
>>> map_booleans(pd.Series(["通过", "未通过", "Y", "maybe"]))[0].tolist()
[True, False, True, None]
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

__all__ = ["VOCABULARY_FILE", "Vocabulary", "key", "load_vocabulary", "map_booleans", "map_values", "yaml_load"]

#: libyaml's safe loader when PyYAML was built with it (4-5x faster than the pure-Python one; same documents).
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.yaml")


def key(text: Any) -> str:
    """The matching key of a raw value: NFKC, case-folded, letters and digits only.

    Examples
    --------
    >>> key("Black or African-American"), key("ＢＡ"), key("  本科 "), key("Latino/a")
    ('blackorafricanamerican', 'ba', '本科', 'latinoa')
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


class Vocabulary:
    """The parsed vocabulary: per column ``{key: contract value}``, the unknown keys, the boolean keys."""

    def __init__(self, data: dict[str, Any], source: str = "vocabulary") -> None:
        self.version = str(data.get("version", ""))
        words = [str(v) for v in data.get("unknown", ())]
        self.unknown = frozenset(key(v) for v in words) - {""}
        # punctuation-only unknown words ("-", "--"): matched as written; other punctuation is unrecognised
        self.blank = frozenset(v.strip() for v in words if key(v) == "") | {""}
        self.columns: dict[str, dict[str, str]] = {}
        for column, values in (data.get("columns") or {}).items():
            table: dict[str, str] = {}
            for value, spellings in values.items():
                for spelling in [value, *spellings]:
                    k = key(spelling)
                    if table.get(k, value) != value:
                        raise ValueError(f"{source}: {column}: {spelling!r} maps to both {table[k]!r} and {value!r}")
                    if k in self.unknown or not k:
                        raise ValueError(f"{source}: {column}: {spelling!r} is also an unknown word")
                    table[k] = value
            self.columns[column] = table
        self.personal = {key(spelling): kind for kind, spellings in (data.get("personal_data_columns") or {}).items()
                         for spelling in [kind, *spellings]}
        booleans = data.get("booleans") or {}
        self.true = frozenset(key(v) for v in booleans.get("true", ()))
        self.false = frozenset(key(v) for v in booleans.get("false", ()))
        if self.true & self.false:
            raise ValueError(f"{source}: booleans: {sorted(self.true & self.false)} are both true and false")

    def values_of(self, column: str) -> dict[str, str]:
        """``{key: contract value}`` of ``column`` (empty for a column without a vocabulary)."""
        return self.columns.get(column, {})


def yaml_load(text: str) -> Any:
    """``yaml.safe_load(text)`` through :data:`_FAST_LOADER`; a document it rejects is read again by the
    pure-Python loader, whose error (with the offending line) is the one raised. The data layer's YAML reader
    (the vocabulary, profiles, header mappings; the apps' texts).

    Examples
    --------
    >>> yaml_load("job_id: pm\\nthreshold: 3.2\\nwhen: 2024-01-02\\n")
    {'job_id': 'pm', 'threshold': 3.2, 'when': datetime.date(2024, 1, 2)}
    """
    try:
        return yaml.load(text, Loader=_FAST_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return yaml.safe_load(text)


@functools.lru_cache(maxsize=4)
def load_vocabulary(path: str | Path = VOCABULARY_FILE) -> Vocabulary:
    """The vocabulary of ``path`` (default: the packaged ``vocabulary.yaml``), parsed once.

    Examples
    --------
    >>> load_vocabulary().values_of("education")[key("硕士")]
    'master'
    """
    path = Path(path)
    return Vocabulary(yaml_load(path.read_text(encoding="utf-8")), source=str(path))


def _by_distinct(raw: pd.Series, decide) -> tuple[pd.Series, np.ndarray]:
    """Apply ``decide(text) -> (value, status)`` once per distinct cell and spread the answers over ``raw``.

    Missing cells are the blank text ``""``. Exports repeat a handful of spellings over many rows, so the cost
    is in the distinct values, not the rows.
    """
    cells = raw.astype(object).where(raw.notna(), "")
    codes, uniques = pd.factorize(cells.astype(str), sort=False)
    decided = [decide(u) for u in uniques]
    values = np.array([v for v, _ in decided] + [None], dtype=object)[codes]
    status = np.array([st for _, st in decided] + ["unknown"], dtype=object)[codes]
    return pd.Series(values, index=raw.index, dtype=object), status


def _is_unknown(text: str, k: str, vocab: Vocabulary) -> bool:
    """Blank, a non-disclosure word, or a punctuation-only word listed as unknown ("-")."""
    return k in vocab.unknown or text.strip() in vocab.blank


def map_values(column: str, raw: pd.Series, vocabulary: Vocabulary | None = None
               ) -> tuple[pd.Series, np.ndarray]:
    """Contract values (None where unknown or unrecognised) and the status of each cell; see the module."""
    vocab = vocabulary or load_vocabulary()
    known = vocab.values_of(column)

    def decide(text: str) -> tuple[str | None, str]:
        k = key(text)
        if k in known:
            return known[k], "exact" if known[k] == text.strip() else "mapped"
        return None, "unknown" if _is_unknown(text, k, vocab) else "unrecognised"

    return _by_distinct(raw, decide)


def map_booleans(raw: pd.Series, vocabulary: Vocabulary | None = None) -> tuple[pd.Series, np.ndarray]:
    """True/False (None where unknown or unrecognised) and each cell's status, for boolean columns."""
    vocab = vocabulary or load_vocabulary()

    def decide(text: str) -> tuple[bool | None, str]:
        k = key(text)
        if k in vocab.true or k in vocab.false:
            return k in vocab.true, "exact" if text.strip().lower() in ("true", "false") else "mapped"
        return None, "unknown" if _is_unknown(text, k, vocab) else "unrecognised"

    return _by_distinct(raw, decide)
