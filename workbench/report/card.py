"""The model card as headed sections of definition lists, tables and lists (nothing cut, dates dropped), in
every language of the reports: the page shows its own (``section["title"][lang]``, ``section["blocks"][lang]``).

The card's keys show as their labels (section ``card`` of ``labels.yaml``; a key without one shows as itself,
capitalised, with spaces for underscores); attribute and group codes as their labels; the card's own text as
written.

Examples
--------
>>> secs = card_sections({"model_details": {"name": "m", "date": "2026-01-01", "versions": {"shap": "0.4"}},
...                       "metrics": {"by_group": [{"group": "female", "n": 3}]}, "limitations": ["a", "b"]})
>>> [s["title"]["en"] for s in secs], [s["title"]["zh"] for s in secs]
(['Model details', 'Metrics', 'Limitations'], ['模型详情', '评估指标', '局限性'])
>>> [b["kind"] for b in secs[0]["blocks"]["en"]], secs[0]["blocks"]["en"][0]["items"]
(['dl'], [('Name', 'm'), ('Versions', 'shap 0.4')])
>>> table = secs[1]["blocks"]["zh"][0]
>>> table["kind"], table["columns"], table["rows"], secs[2]["blocks"]["en"][0]["items"]
('table', ['群体', '人数'], [['女性', '3']], ['a', 'b'])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workbench.report.labels import LANGS, attribute_label, group_label, label, ui_label

__all__ = ["card_label", "card_sections", "cell"]


def cell(value: Any, lang: str = "en") -> str:
    """A value as table text: floats to 3 decimals, integral floats as integers, lists joined.

    >>> cell(True), cell(True, "zh"), cell([0.5, 2.0]), cell({"shap": "0.4", "pandas": "3"})
    ('yes', '是', '0.500, 2', 'shap 0.4; pandas 3')
    """
    if value is None:
        return "–"
    if isinstance(value, bool):
        return ui_label("yes" if value else "no", lang)
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() and abs(value) >= 1 else f"{value:.3f}"
    if isinstance(value, Mapping):
        return "; ".join(f"{k} {cell(v, lang)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(cell(v, lang) for v in value)
    return str(value)


def card_label(key: Any, lang: str = "en") -> str:
    """The label of a key of the card; a key without one: capitalised, underscores as spaces.

    >>> card_label("regularisation_C", "zh"), card_label("some_new_key"), card_label("some_new_key", "zh")
    ('正则化参数 C', 'Some new key', 'Some new key')
    """
    s = str(key).replace("_", " ")
    return label("card", key, lang, default=s[:1].upper() + s[1:])


def _column_label(key: Any, lang: str) -> str:
    """A column of a card table: the key with spaces in English (``criterion mean``), its label otherwise."""
    plain = str(key).replace("_", " ")
    return plain if lang == "en" else label("card", key, lang, default=plain)


def _blocks(value: Any, lang: str, heading: str | None = None) -> list[dict[str, Any]]:
    if isinstance(value, Mapping):
        value = {k: v for k, v in value.items() if k != "date"}
        flat = [(card_label(k, lang), cell(v, lang)) for k, v in value.items() if not _nested(v)]
        out = [{"kind": "dl", "items": flat, "heading": heading}] if flat else []
        for k, v in value.items():
            if _nested(v):
                out += _blocks(v, lang, card_label(k, lang))
        return out
    if isinstance(value, list | tuple):
        if value and all(isinstance(v, Mapping) for v in value):
            cols = list(dict.fromkeys(k for v in value for k in v))
            show = {"attribute": attribute_label, "group": group_label}
            return [{"kind": "table", "heading": heading, "columns": [_column_label(c, lang) for c in cols],
                     "rows": [[show[c](v.get(c), lang) if c in show and v.get(c) is not None else cell(v.get(c), lang)
                               for c in cols] for v in value]}]
        if not value:
            return [{"kind": "p", "heading": heading, "text": ui_label("none", lang)}]
        return [{"kind": "ul", "heading": heading, "items": [cell(v, lang) for v in value]}]
    return [{"kind": "p", "heading": heading, "text": cell(value, lang)}]


def _nested(value: Any) -> bool:
    """Shown as a block of its own: a list of records, a long list, or a mapping holding either."""
    if isinstance(value, Mapping):
        return any(_nested(v) or isinstance(v, Mapping) for v in value.values()) or len(value) > 6
    if isinstance(value, list | tuple):
        return any(isinstance(v, Mapping) for v in value) or len(value) > 3 or any(len(str(v)) > 60 for v in value)
    return False


def card_sections(card: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``[{"key", "title": {lang: text}, "blocks": {lang: [...]}}]``: one section per top-level key of the card,
    in every language of :data:`workbench.report.labels.LANGS`."""
    return [{"key": k, "title": {lang: card_label(k, lang) for lang in LANGS},
             "blocks": {lang: _blocks(v, lang) for lang in LANGS}} for k, v in card.items()]
