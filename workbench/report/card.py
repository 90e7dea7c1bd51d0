"""The model card as headed sections of definition lists, tables and lists (nothing cut, dates dropped).

Examples
--------
>>> secs = card_sections({"model_details": {"name": "m", "date": "2026-01-01", "versions": {"shap": "0.4"}},
...                       "metrics": {"by_group": [{"group": "f", "n": 3}]}, "limitations": ["a", "b"]})
>>> [s["title"] for s in secs]
['Model details', 'Metrics', 'Limitations']
>>> [b["kind"] for b in secs[0]["blocks"]], secs[0]["blocks"][0]["items"]
(['dl'], [('Name', 'm'), ('Versions', 'shap 0.4')])
>>> secs[1]["blocks"][0]["kind"], secs[1]["blocks"][0]["columns"], secs[2]["blocks"][0]["items"]
('table', ['group', 'n'], ['a', 'b'])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workbench.report.labels import attribute_label, group_label

__all__ = ["card_sections", "cell"]


def cell(value: Any) -> str:
    """A value as table text: floats to 3 decimals, integral floats as integers, lists joined."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() and abs(value) >= 1 else f"{value:.3f}"
    if isinstance(value, Mapping):
        return "; ".join(f"{k} {cell(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(cell(v) for v in value)
    return str(value)


def _title(key: Any) -> str:
    s = str(key).replace("_", " ")
    return s[:1].upper() + s[1:]


def _blocks(value: Any, heading: str | None = None) -> list[dict[str, Any]]:
    if isinstance(value, Mapping):
        value = {k: v for k, v in value.items() if k != "date"}
        flat = [(_title(k), cell(v)) for k, v in value.items() if not _nested(v)]
        out = [{"kind": "dl", "items": flat, "heading": heading}] if flat else []
        for k, v in value.items():
            if _nested(v):
                out += _blocks(v, _title(k))
        return out
    if isinstance(value, list | tuple):
        if value and all(isinstance(v, Mapping) for v in value):
            cols = list(dict.fromkeys(k for v in value for k in v))
            show = {"attribute": attribute_label, "group": group_label}
            return [{"kind": "table", "heading": heading, "columns": cols,
                     "rows": [[show[c](v.get(c)) if c in show and v.get(c) is not None else cell(v.get(c))
                               for c in cols] for v in value]}]
        if not value:
            return [{"kind": "p", "heading": heading, "text": "none"}]
        return [{"kind": "ul", "heading": heading, "items": [cell(v) for v in value]}]
    return [{"kind": "p", "heading": heading, "text": cell(value)}]


def _nested(value: Any) -> bool:
    """Shown as a block of its own: a list of records, a long list, or a mapping holding either."""
    if isinstance(value, Mapping):
        return any(_nested(v) or isinstance(v, Mapping) for v in value.values()) or len(value) > 6
    if isinstance(value, list | tuple):
        return any(isinstance(v, Mapping) for v in value) or len(value) > 3 or any(len(str(v)) > 60 for v in value)
    return False


def card_sections(card: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``[{"title", "blocks"}]``: one section per top-level key of the card."""
    return [{"title": _title(k), "blocks": _blocks(v)} for k, v in card.items()]
