"""The impact-ratio chart of the reports: one bar per rated category, a legend, the 0.80 line, labels apart.

It lays out the impact ratios of an ``AuditResult.to_dict(view)`` document and computes nothing: rows the
view suppresses or the audit does not rate (unknown, under 2 %) have no ratio and get no bar.

Examples
--------
>>> doc = {"decision": "ai_passed", "tables": [{"attribute": "gender", "rows": [
...     {"group": "male", "impact_ratio": 1.0}, {"group": "female", "impact_ratio": 0.7},
...     {"group": "Unknown", "impact_ratio": None}]}]}
>>> fig = impact_figure(doc)
>>> [t.name for t in fig.data], list(fig.data[1].x)
(['0.80 or above', 'below 0.80 (four-fifths rule)'], [0.7])
>>> fig.layout.showlegend
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workbench.report.labels import attribute_label, group_label, stage_label

__all__ = ["FOUR_FIFTHS", "impact_figure"]

FOUR_FIFTHS = 0.8
_COLOURS = {"ok": "#3c6e9f", "below": "#c0392b"}
_NAMES = {"en": ("0.80 or above", "below 0.80 (four-fifths rule)", "impact ratio (rate / highest rate)"),
          "zh": ("0.80 及以上", "低于 0.80（五分之四规则）", "影响比（比率 / 最高比率）")}


def impact_figure(doc: Mapping[str, Any], *, title: str | None = None, lang: str = "en") -> Any:
    """Horizontal bars of every rated impact ratio of ``doc``'s tables, red under 0.80, with a legend."""
    import plotly.graph_objects as go

    items = [(f"{attribute_label(t['attribute'], lang)}: {group_label(r['group'], lang)}", float(r["impact_ratio"]))
             for t in doc["tables"] for r in t["rows"] if r.get("impact_ratio") is not None]
    ok_name, below_name, axis = _NAMES[lang]
    fig = go.Figure()
    for name, keep, colour in ((ok_name, lambda v: v >= FOUR_FIFTHS, _COLOURS["ok"]),
                               (below_name, lambda v: v < FOUR_FIFTHS, _COLOURS["below"])):
        sub = [(k, v) for k, v in items if keep(v)]
        fig.add_trace(go.Bar(x=[round(v, 3) for _, v in sub], y=[k for k, _ in sub], orientation="h", name=name,
                             marker_color=colour, text=[f"{v:.2f}" for _, v in sub], textposition="outside",
                             cliponaxis=False, hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
    fig.add_vline(x=FOUR_FIFTHS, line_dash="dash", line_color=_COLOURS["below"])
    order = [k for k, _ in items]
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1], automargin=True, tickfont={"size": 11})
    fig.update_layout(
        title=title or f"{stage_label(doc.get('decision', ''), lang)}: impact ratios", xaxis_title=axis,
        showlegend=True, xaxis_range=[0, 1.2], barmode="overlay", bargap=0.25, height=max(280, 24 * len(items) + 150),
        template="plotly_white", margin={"l": 10, "r": 30, "t": 60, "b": 50}, font={"size": 12},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0})
    return fig
