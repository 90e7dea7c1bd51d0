"""Display labels of the codes the reports show (``labels.yaml``, English and Chinese).

Examples
--------
>>> group_label("black_or_african_american")
'Black or African American'
>>> attribute_label("gender_x_race_ethnicity")
'Gender × race/ethnicity'
>>> group_label("female × asian", "zh")
'女性 × 亚裔'
>>> group_label("not_a_code")
'not_a_code'
>>> stage_label("ai_passed")
'AI interview'
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

__all__ = ["LANGS", "attribute_label", "glossary", "group_label", "label", "labels", "scope_label",
           "stage_label", "ui_label"]

LANGS = ("en", "zh")
LABELS_FILE = Path(__file__).with_name("labels.yaml")


@functools.lru_cache(maxsize=1)
def labels() -> dict[str, Any]:
    """The label table as read from ``labels.yaml``."""
    return yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))


def label(kind: str, code: Any, lang: str = "en", default: str | None = None) -> str:
    """The label of ``code`` in section ``kind`` (``attributes``, ``groups``, ``stages``, ``scopes``,
    ``columns``, ``card``); ``default`` (the code itself) when it has none.

    >>> label("card", "by_group", "zh"), label("card", "no_such_key", "zh", default="No such key")
    ('分群体指标', 'No such key')
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    entry = labels().get(kind, {}).get(str(code))
    if entry is None:
        return str(code) if default is None else default
    return str(entry.get(lang) or entry["en"])


def attribute_label(code: Any, lang: str = "en") -> str:
    return label("attributes", code, lang)


def group_label(code: Any, lang: str = "en") -> str:
    """A group's label; an intersection ``a × b`` gets the labels of its parts."""
    parts = str(code).split(" × ")
    return " × ".join(label("groups", p, lang) for p in parts)


def stage_label(code: Any, lang: str = "en") -> str:
    return label("stages", code, lang)


def scope_label(scope: str, lang: str = "en") -> str:
    """``pooled`` or a job id (``Job: <id>``).

    >>> scope_label("pm", "zh")
    '职位：pm'
    """
    if scope == "pooled":
        return label("scopes", "pooled", lang)
    return ui_label("scope_job", lang, job=scope)


def glossary(lang: str = "en") -> list[tuple[str, str]]:
    """(column code, explanation) for every column the audit tables show.

    >>> dict(glossary())["shortfall"].startswith("Shortfall")
    True
    """
    return [(k, label("columns", k, lang)) for k in labels()["columns"]]


def ui_label(key: str, lang: str = "en", **fields: Any) -> str:
    """A heading, label or note of the pages (section ``ui`` of ``labels.yaml``); an unknown key raises.

    ``fields`` fill the label's ``{name}`` placeholders (each language orders them as it needs); the result
    is plain text, escaped by the template like any other value. A sentence an analysis module wrote (a
    reason, note or caveat) is not a label: the templates give it in ``lang`` with the ``msg`` filter
    (:func:`workbench.report.messages.translate_message`).

    >>> ui_label("nav_findings", "zh"), ui_label("nav_findings")
    ('审计发现', 'Findings')
    >>> ui_label("range", "zh", low="0.10", high="0.30")
    '0.10 至 0.30'
    """
    if key not in labels()["ui"]:
        raise KeyError(f"no page label {key!r} in {LABELS_FILE.name}")
    text = label("ui", key, lang)
    return text.format(**fields) if fields else text
