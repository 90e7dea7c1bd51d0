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

__all__ = ["VOCABULARY_FILE", "Vocabulary", "key", "load_vocabulary", "map_booleans", "map_values"]

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
        booleans = data.get("booleans") or {}
        self.true = frozenset(key(v) for v in booleans.get("true", ()))
        self.false = frozenset(key(v) for v in booleans.get("false", ()))
        if self.true & self.false:
            raise ValueError(f"{source}: booleans: {sorted(self.true & self.false)} are both true and false")

    def values_of(self, column: str) -> dict[str, str]:
        """``{key: contract value}`` of ``column`` (empty for a column without a vocabulary)."""
        return self.columns.get(column, {})


@functools.lru_cache(maxsize=4)
def load_vocabulary(path: str | Path = VOCABULARY_FILE) -> Vocabulary:
    """The vocabulary of ``path`` (default: the packaged ``vocabulary.yaml``), parsed once.

    Examples
    --------
    >>> load_vocabulary().values_of("education")[key("硕士")]
    'master'
    """
    path = Path(path)
    return Vocabulary(yaml.safe_load(path.read_text(encoding="utf-8")), source=str(path))


def _keys(raw: pd.Series) -> pd.Series:
    """:func:`key` of every cell, computed once per distinct value."""
    cells = raw.astype(object).where(raw.notna(), None)
    table = {v: key(v) for v in pd.unique(cells.to_numpy()) if v is not None}
    keys = cells.map(table).astype(object)
    return keys.where(keys.notna(), "")


def _is_unknown(keys: pd.Series, raw: pd.Series, vocab: Vocabulary) -> np.ndarray:
    """Blank, a non-disclosure word, or a punctuation-only word listed as unknown ("-")."""
    stripped = raw.astype(object).where(raw.notna(), "").astype(str).str.strip()
    return (keys.isin(vocab.unknown) | stripped.isin(vocab.blank)).to_numpy()


def _statuses(keys: pd.Series, known: dict[str, str], unknown: np.ndarray, text: pd.Series) -> np.ndarray:
    mapped = keys.map(known)
    status = np.where(mapped.notna(), "mapped", np.where(unknown, "unknown", "unrecognised"))
    exact = mapped.notna().to_numpy() & (mapped == text.str.strip()).to_numpy()
    return np.where(exact, "exact", status).astype(object)


def map_values(column: str, raw: pd.Series, vocabulary: Vocabulary | None = None
               ) -> tuple[pd.Series, np.ndarray]:
    """Contract values (None where unknown or unrecognised) and the status of each cell; see the module."""
    vocab = vocabulary or load_vocabulary()
    text = raw.astype(object).where(raw.notna(), None).astype("str")
    keys = _keys(raw)
    known = vocab.values_of(column)
    status = _statuses(keys, known, _is_unknown(keys, raw, vocab), text.fillna(""))
    values = keys.map(known).astype(object)
    return values.where(values.notna(), None), status


def map_booleans(raw: pd.Series, vocabulary: Vocabulary | None = None) -> tuple[pd.Series, np.ndarray]:
    """True/False (None where unknown or unrecognised) and each cell's status, for boolean columns."""
    vocab = vocabulary or load_vocabulary()
    keys = _keys(raw)
    true, false = keys.isin(vocab.true).to_numpy(), keys.isin(vocab.false).to_numpy()
    values = pd.Series(np.where(true, True, np.where(false, False, None)), index=raw.index, dtype=object)
    text = raw.astype(object).where(raw.notna(), "").astype(str).str.strip().str.lower()
    exact = text.isin(("true", "false")).to_numpy()
    status = np.where(true | false, np.where(exact, "exact", "mapped"),
                      np.where(_is_unknown(keys, raw, vocab), "unknown", "unrecognised")).astype(object)
    return values.where(values.notna(), None), status
