"""Skill taxonomy (``skills.yaml``: canonical name -> aliases per language) and skill matching.

Examples
--------
>>> tax = load_taxonomy(extra={"en": {"Negotiation Mastery": ["deal closing"]}})
>>> find_skills("Closed deals with Salesforce; deal closing and SQL", "en", tax)
('CRM', 'Negotiation Mastery', 'SQL')
>>> canonical("mysql", "en", tax)
'SQL'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

SKILLS_FILE = Path(__file__).resolve().parent / "skills.yaml"


@dataclass(frozen=True)
class Taxonomy:
    """Canonical skills and their aliases per language (``alias (lowercase) -> canonical``)."""

    version: str
    aliases: Mapping[str, Mapping[str, str]]

    def canonical_names(self, lang: str) -> tuple[str, ...]:
        return tuple(sorted(set(self.aliases.get(lang, {}).values())))


def _merge(base: dict[str, dict[str, str]], data: Mapping, where: str) -> None:
    for lang, skills in data.items():
        if lang == "version":
            continue
        if lang not in ("en", "zh"):
            raise ValueError(f"{where}: unknown language {lang!r} (use en or zh)")
        if not isinstance(skills, Mapping):
            raise ValueError(f"{where}.{lang}: must map a skill to a list of aliases")
        table = base.setdefault(lang, {})
        for name, aliases in skills.items():
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f"{where}.{lang}: skill names must be non-empty strings")
            if aliases is None:
                aliases = []
            if isinstance(aliases, str) or not all(isinstance(a, str) for a in aliases):
                raise ValueError(f"{where}.{lang}.{name}: aliases must be a list of strings")
            for a in (name, *aliases):
                table[a.strip().lower()] = name.strip()


def load_taxonomy(*files: str | Path, extra: Mapping | None = None) -> Taxonomy:
    """The bundled taxonomy extended by YAML ``files`` and an ``extra`` mapping of the same shape.

    Later sources win for an alias they redefine.
    """
    return _load(tuple(str(f) for f in files)) if extra is None else _build(tuple(str(f) for f in files), extra)


@lru_cache(maxsize=16)
def _load(files: tuple[str, ...]) -> Taxonomy:
    return _build(files, None)


def _build(files: tuple[str, ...], extra: Mapping | None) -> Taxonomy:
    base: dict[str, dict[str, str]] = {}
    data = yaml.safe_load(SKILLS_FILE.read_text(encoding="utf-8"))
    version = str(data.get("version", ""))
    _merge(base, data, SKILLS_FILE.name)
    for f in files:
        more = yaml.safe_load(Path(f).read_text(encoding="utf-8")) or {}
        _merge(base, more, str(f))
        version += f"+{Path(f).stem}"
    if extra:
        _merge(base, extra, "extra")
        version += "+extra"
    return Taxonomy(version, {k: dict(v) for k, v in base.items()})


@lru_cache(maxsize=16)
def _regex(tax_id: int, aliases: tuple[str, ...], lang: str) -> re.Pattern:
    alts = sorted(aliases, key=len, reverse=True)
    if lang == "zh":
        return re.compile("|".join(re.escape(a) for a in alts), re.IGNORECASE)
    return re.compile(r"(?<![\w+#/.])(?:" + "|".join(re.escape(a) for a in alts) + r")(?![\w+#/])", re.IGNORECASE)


def canonical(item: str, lang: str, taxonomy: Taxonomy | None = None) -> str | None:
    """Canonical name of a skill as written, or None when the taxonomy does not know it."""
    tax = taxonomy or load_taxonomy()
    return tax.aliases.get(lang, {}).get(item.strip().lower())


def find_skills(text: str, lang: str, taxonomy: Taxonomy | None = None) -> tuple[str, ...]:
    """Canonical skills of the taxonomy mentioned in ``text`` (sorted, unique)."""
    tax = taxonomy or load_taxonomy()
    table = dict(tax.aliases.get("en", {}))
    if lang == "zh":
        table.update(tax.aliases.get("zh", {}))
    if not table:
        return ()
    rx = _regex(id(tax), tuple(table), "zh" if lang == "zh" else "en")
    return tuple(sorted({table[m.group(0).lower()] for m in rx.finditer(text)}))
