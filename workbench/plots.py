"""The plotly figures the notebooks and reports show: small functions that take workbench results.

Each function returns a :class:`plotly.graph_objects.Figure` and computes nothing the package does not
already compute; it only lays the numbers out.

Examples
--------
>>> fig = weights_figure({"a": 0.6, "b": 0.4}, {"a": 0.5, "b": 0.5})
>>> [t.name for t in fig.data]
['current', 'proposed']
>>> impact_ratio_figure({"gender": {"female": 0.7, "male": 1.0}}).layout.shapes[0].x0
0.8
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

__all__ = [
    "VERDICT_COLORS",
    "expectancy_figure",
    "figure_bundle",
    "figure_html",
    "funnel_figure",
    "impact_ratio_figure",
    "in_page",
    "profile_weights_figure",
    "resume_match_figure",
    "trend_impact_figure",
    "trend_rates_figure",
    "use_notebook_renderer",
    "validity_figure",
    "weight_sweep_figure",
    "weights_figure",
]

VERDICT_COLORS = {"keep": "#2b7a3d", "inconclusive": "#9a6a00", "invalid": "#c0392b", "insufficient_data": "#888888"}
_LAYOUT = {"template": "plotly_white", "margin": {"l": 60, "r": 20, "t": 60, "b": 60}, "font": {"size": 12}}


def profile_weights_figure(profile: Any) -> go.Figure:
    """The dimension weights of a job profile (a :class:`workbench.records.JobProfile`), as bars.

    >>> from types import SimpleNamespace
    >>> p = SimpleNamespace(job_id="j", version="v1", weights={"x": .7, "y": .3}, threshold=3.2)
    >>> list(profile_weights_figure(p).data[0].x)
    ['x', 'y']
    """
    w = dict(profile.weights)
    fig = go.Figure(go.Bar(x=list(w), y=[round(float(v), 4) for v in w.values()], marker_color="#3c6e9f",
                           text=[f"{v:.2f}" for v in w.values()], textposition="outside"))
    fig.update_layout(title=f"{profile.job_id} (version {profile.version}): dimension weights, "
                            f"pass threshold {profile.threshold:g}",
                      yaxis_title="weight (sums to 1)", yaxis_range=[0, max(w.values()) * 1.25], **_LAYOUT)
    return fig


def resume_match_figure(match: Any) -> go.Figure:
    """Keyword coverage per dimension of a resume (a :class:`workbench.profile.MatchResult`).

    >>> from types import SimpleNamespace as N
    >>> m = N(job_id="j", source="r.txt", coverage=0.5,
    ...       dimensions=(N(dimension="x", coverage=0.5, found=("a",)), N(dimension="y", coverage=0.0, found=())))
    >>> list(resume_match_figure(m).data[0].y)
    [0.5, 0.0]
    """
    dims = list(match.dimensions)
    fig = go.Figure(go.Bar(x=[d.dimension for d in dims], y=[float(d.coverage) for d in dims],
                           text=[", ".join(d.found) or "none found" for d in dims], textposition="outside",
                           marker_color="#6a8e3a"))
    fig.update_layout(title=f"Profile keywords found in {match.source} (weighted coverage {match.coverage:.0%})",
                      yaxis_title="share of the dimension's keywords found", yaxis_range=[0, 1.15], **_LAYOUT)
    return fig


def _records(validity: Any, key: str) -> list[dict[str, Any]]:
    if hasattr(validity, "to_records"):
        validity = validity.to_records()
    return list(validity[key]) if isinstance(validity, Mapping) else list(validity)


def validity_figure(validity: Any, *, level: str = "questions", min_validity: float | None = None) -> go.Figure:
    """Corrected validity with its confidence interval per question (or dimension), coloured by verdict.

    Parameters
    ----------
    validity : ValidityResult, its ``to_records()`` dict, or a list of rows
        Rows with ``r_corrected``, ``ci_low``, ``ci_high``, ``verdict`` and ``question_id`` / ``dimension``.
    level : {"questions", "dimensions"}
    min_validity : float, optional
        Draws the validity a question must be able to reach (default: the result's ``min_validity``).

    Examples
    --------
    >>> rows = [{"question_id": "q1", "r_corrected": .3, "r_observed": .2, "ci_low": .1, "ci_high": .5,
    ...          "verdict": "keep"}]
    >>> validity_figure(rows, min_validity=0.1).data[0].name
    'keep'
    """
    if min_validity is None and hasattr(validity, "settings"):
        min_validity = validity.settings.min_validity
    if min_validity is None and isinstance(validity, Mapping):
        min_validity = validity.get("min_validity")
    rows = _records(validity, level)
    label = "question_id" if level == "questions" else "dimension"
    fig = go.Figure()
    for verdict, color in VERDICT_COLORS.items():
        sub = [r for r in rows if r.get("verdict") == verdict]
        if not sub:
            continue
        y = [str(r[label]) for r in sub]
        rc = [r["r_corrected"] for r in sub]
        fig.add_trace(go.Scatter(
            x=rc, y=y, mode="markers", name=verdict, marker={"color": color, "size": 9},
            error_x={"type": "data", "symmetric": False,
                     "array": [(r["ci_high"] - r["r_corrected"]) if r["ci_high"] is not None else 0 for r in sub],
                     "arrayminus": [(r["r_corrected"] - r["ci_low"]) if r["ci_low"] is not None else 0 for r in sub]},
            customdata=[[r.get("r_observed"), r.get("dimension", "")] for r in sub],
            hovertemplate="%{y}: corrected r %{x:.2f}<br>observed r %{customdata[0]:.2f}<br>%{customdata[1]}"
                          "<extra></extra>"))
        fig.add_trace(go.Scatter(x=[r.get("r_observed") for r in sub], y=y, mode="markers", showlegend=False,
                                 marker={"color": color, "symbol": "circle-open", "size": 7}, hoverinfo="skip"))
    fig.add_vline(x=0, line_color="#999")
    if min_validity is not None:
        fig.add_vline(x=float(min_validity), line_dash="dash", line_color="#c0392b",
                      annotation_text=f"validity needed ({float(min_validity):.2f})", annotation_position="top")
    order = [str(r[label]) for r in rows]
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1])
    fig.update_layout(title=f"Validity per {label.replace('_id', '')}: corrected r with 95% CI "
                            "(open circle: observed, range-restricted)",
                      xaxis_title="correlation with the criterion", height=max(320, 26 * len(rows) + 140),
                      legend_title_text="verdict", **_LAYOUT)
    return fig


def weights_figure(current: Mapping[str, float], proposed: Mapping[str, float], *,
                   ci: Mapping[str, Sequence[float]] | None = None, title: str = "Dimension weights") -> go.Figure:
    """Current and proposed weights side by side (with the proposed weight's bootstrap CI when given)."""
    dims = list(current)
    err = None
    if ci:
        err = {"type": "data", "symmetric": False,
               "array": [max(0.0, ci[d][1] - proposed[d]) for d in dims],
               "arrayminus": [max(0.0, proposed[d] - ci[d][0]) for d in dims]}
    fig = go.Figure([
        go.Bar(name="current", x=dims, y=[float(current[d]) for d in dims], marker_color="#9aa7b5"),
        go.Bar(name="proposed", x=dims, y=[float(proposed[d]) for d in dims], marker_color="#3c6e9f", error_y=err),
    ])
    fig.update_layout(barmode="group", title=title, yaxis_title="weight (sums to 1)", **_LAYOUT)
    return fig


def impact_ratio_figure(ratios: Mapping[str, Mapping[str, float]], *, title: str = "Impact ratios") -> go.Figure:
    """Impact ratio per group of each attribute (horizontal bars) with the four-fifths line; under it in red.

    Parameters
    ----------
    ratios : mapping attribute -> mapping group -> impact ratio
        Unknown / unrated groups (None or NaN) are left out.
    """
    items = [(f"{attr}: {g}", float(v)) for attr, groups in ratios.items() for g, v in groups.items()
             if v is not None and v == v]
    fig = go.Figure(go.Bar(x=[round(v, 3) for _, v in items], y=[k for k, _ in items], orientation="h",
                           marker_color=["#c0392b" if v < 0.8 else "#3c6e9f" for _, v in items],
                           text=[f"{v:.2f}" for _, v in items], textposition="outside",
                           hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
    fig.add_vline(x=0.8, line_dash="dash", line_color="#c0392b", annotation_text="four-fifths (0.80)",
                  annotation_position="top")
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(title=title, xaxis_title="impact ratio (rate / highest rate); red: below 0.80",
                      xaxis_range=[0, 1.15], showlegend=False, height=max(300, 22 * len(items) + 130), **_LAYOUT)
    return fig


def funnel_figure(funnel: Mapping[str, Any], *, title: str | None = None) -> go.Figure:
    """Applicants, AI-passed, final-round passes and hires (from ``JobReview.funnel`` /
    :func:`workbench.review.rounds.predictive_accuracy`).

    >>> list(funnel_figure({"n_applicants": 10, "n_ai_passed": 4, "n_final_passed": 2, "n_hired": 1}).data[0].x)
    [10, 4, 2, 1]
    """
    stages = [("applicants", "n_applicants"), ("passed the AI interview", "n_ai_passed"),
              ("passed the final round", "n_final_passed"), ("hired", "n_hired")]
    fig = go.Figure(go.Funnel(y=[s for s, _ in stages], x=[int(funnel.get(k) or 0) for _, k in stages],
                              textinfo="value+percent initial", marker_color="#3c6e9f"))
    fig.update_layout(title=title or f"Funnel{' of ' + str(funnel['job_id']) if funnel.get('job_id') else ''}",
                      **_LAYOUT)
    return fig


def expectancy_figure(rows: Sequence[Mapping[str, Any]], *, title: str = "Chance of passing the final round "
                      "by AI-score band") -> go.Figure:
    """Expectancy chart: share passing the final round per AI-score band, with Wilson CIs (finalists only)."""
    x = [f"{r['low']:.2f}–{r['high']:.2f}" for r in rows]
    fig = go.Figure(go.Bar(
        x=x, y=[r["rate"] for r in rows], marker_color="#3c6e9f", text=[f"n={r['n']}" for r in rows],
        textposition="inside",
        error_y={"type": "data", "symmetric": False, "array": [r["ci_high"] - r["rate"] for r in rows],
                 "arrayminus": [r["rate"] - r["ci_low"] for r in rows]}))
    fig.update_layout(title=title, xaxis_title="AI score band (AI-passed candidates only)",
                      yaxis_title="passed the final round", yaxis_tickformat=".0%", yaxis_range=[0, 1], **_LAYOUT)
    return fig


def trend_rates_figure(result: Any) -> go.Figure:
    """AI pass rate, final-round pass rate of the AI-passed and the hires' hit rate per period or version, with
    their CIs (a :class:`workbench.review.trend.TrendResult`)."""
    table = result.periods_frame()
    fig = go.Figure()
    for name, label in (("pass_rate", "AI pass rate"), ("final_hit_rate", "final-round pass rate of the AI-passed"),
                        ("performance_hit_rate", f"hires performing >= {result.performance_cut:g}")):
        low, high = (table["ci_low"], table["ci_high"]) if name == "pass_rate" else zip(*table[f"{name}_ci"])
        fig.add_trace(go.Scatter(x=table.index, y=table[name], name=label, mode="lines+markers",
                                 error_y={"type": "data", "symmetric": False, "array": list(high) - table[name],
                                          "arrayminus": table[name] - list(low)}))
    fig.update_layout(title=f"Rates by {result.by} (95% CIs)", yaxis_tickformat=".0%", yaxis_range=[0, 1], **_LAYOUT)
    return fig


def trend_impact_figure(result: Any) -> go.Figure:
    """The lowest impact ratio of the AI decision per attribute, per period or version, with the 0.80 line."""
    ratios = result.periods_frame().filter(like="min_impact_ratio[")
    fig = go.Figure([go.Scatter(x=ratios.index, y=ratios[c], name=c[len("min_impact_ratio["):-1],
                                mode="lines+markers") for c in ratios])
    fig.add_hline(y=0.8, line_dash="dash", line_color="#c0392b", annotation_text="four-fifths (0.80)")
    fig.update_layout(title=f"Lowest impact ratio of the AI decision per attribute, by {result.by}",
                      yaxis_range=[0, 1.05], **_LAYOUT)
    return fig


def weight_sweep_figure(sweep: Mapping[str, Any]) -> go.Figure:
    """Pass rate, corrected validity and lowest impact ratio along one weight (a
    :func:`workbench.apps.weight_tuner.weight_sweep`), the current weight marked, the four-fifths line drawn.

    >>> sw = {"dimension": "x", "x": [0, .5, 1], "pass_rate": [.2, .3, .4], "r_corrected": [.1, None, .3],
    ...       "lowest_ir": [.9, .7, None], "lowest_group": ["g: a", "g: b", None], "current": .5, "threshold": 3}
    >>> fig = weight_sweep_figure(sw)
    >>> [t.name for t in fig.data], fig.layout.shapes[0].x0, fig.layout.shapes[1].y0
    (['pass rate', 'corrected validity', 'lowest impact ratio'], 0.5, 0.8)
    """
    x = list(sweep["x"])
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=list(sweep["pass_rate"]), name="pass rate", mode="lines",
                             line={"color": "#3c6e9f"}, hovertemplate="weight %{x:.2f}: pass rate %{y:.1%}<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=list(sweep["r_corrected"]), name="corrected validity", mode="lines",
                             line={"color": "#2b7a3d"}, hovertemplate="weight %{x:.2f}: r %{y:.2f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=list(sweep["lowest_ir"]), name="lowest impact ratio", mode="lines",
                             line={"color": "#c0392b"}, customdata=list(sweep.get("lowest_group") or [None] * len(x)),
                             hovertemplate="weight %{x:.2f}: %{y:.2f} (%{customdata})<extra></extra>"))
    fig.add_vline(x=float(sweep["current"]), line_dash="dot", line_color="#555")
    fig.add_hline(y=0.8, line_dash="dash", line_color="#c0392b", opacity=0.5)
    fig.update_layout(title=f"Along the weight of {sweep['dimension']} (threshold {float(sweep['threshold']):g}); "
                            "dotted: now", xaxis_title=f"weight of {sweep['dimension']} (the others rescaled)",
                      yaxis_range=[0, 1.05], height=330, legend={"orientation": "h", "y": -0.3},
                      **{**_LAYOUT, "margin": {"l": 50, "r": 20, "t": 50, "b": 40}})
    return fig


_PLOTLYJS = {"sent": False}
"""Whether this process has already shown plotly.js (it is inlined into the first figure shown, once)."""


def figure_bundle(fig: go.Figure | Mapping[str, Any]) -> dict[str, Any]:
    """The one way the workbench shows a figure: a MIME bundle that renders in JupyterLab, under Voila and in an
    ``nbconvert --to html`` export, offline.

    - ``application/vnd.plotly.v1+json``: JupyterLab (with its plotly extension) draws this one;
    - ``text/html``: a ``plotly-graph-div`` and its ``Plotly.newPlot`` script, which Voila (its page loads no
      plotly extension) and nbconvert (it cannot represent the plotly mimetype) show. plotly.js is inlined
      into the first figure of the process (a kernel: one page, one export), never fetched from a CDN; no
      MathJax either.

    Examples
    --------
    >>> _PLOTLYJS["sent"] = False
    >>> first, second = figure_bundle(go.Figure(go.Bar(x=["a"], y=[1]))), figure_bundle({"data": [], "layout": {}})
    >>> sorted(first), first["text/html"].count("plotly-graph-div") >= 1
    (['application/vnd.plotly.v1+json', 'text/html'], True)
    >>> "window.Plotly = Plotly" in first["text/html"], "window.Plotly = Plotly" in second["text/html"]
    (True, False)
    >>> "<script src=" in first["text/html"], "cdn" in second["text/html"]  # nothing fetched from the network
    (False, False)
    """
    import plotly.io as pio
    from plotly.io._base_renderers import PlotlyRenderer

    fig_dict = fig.to_dict() if hasattr(fig, "to_dict") else dict(fig)
    html = pio.to_html(fig_dict, include_plotlyjs=not _PLOTLYJS["sent"], include_mathjax=False, full_html=False,
                       validate=False, config={"displaylogo": False})
    _PLOTLYJS["sent"] = True
    return {**PlotlyRenderer(config={"displaylogo": False}).to_mimebundle(fig_dict), "text/html": html}


def figure_html(fig: go.Figure) -> str:
    """The ``text/html`` part of :func:`figure_bundle` (for the apps, which place figures in widgets)."""
    return figure_bundle(fig)["text/html"]


class Shown:
    """A figure as a notebook output (its :func:`figure_bundle`); what :func:`in_page` returns."""

    def __init__(self, fig: go.Figure) -> None:
        self.bundle = figure_bundle(fig)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:  # noqa: ARG002
        return self.bundle


def use_notebook_renderer() -> None:
    """Make :func:`figure_bundle` plotly's default renderer, so a figure left as a cell's last expression shows
    everywhere (every notebook calls this once, in its first code cell).

    >>> import plotly.io as pio
    >>> use_notebook_renderer(); pio.renderers.default
    'workbench'
    >>> sorted(pio.renderers["workbench"].to_mimebundle({"data": [], "layout": {}}))
    ['application/vnd.plotly.v1+json', 'text/html']
    """
    import plotly.io as pio
    from plotly.io._base_renderers import MimetypeRenderer

    class WorkbenchRenderer(MimetypeRenderer):
        def to_mimebundle(self, fig_dict: Mapping[str, Any]) -> dict[str, Any]:
            return figure_bundle(fig_dict)

    pio.renderers["workbench"] = WorkbenchRenderer()
    pio.renderers.default = "workbench"


def in_page(fig: go.Figure) -> Shown:
    """``fig`` as an output that renders in JupyterLab, Voila and nbconvert exports alike (:func:`figure_bundle`).

    >>> out = in_page(go.Figure(go.Bar(x=["a"], y=[1])))
    >>> "plotly-graph-div" in out._repr_mimebundle_()["text/html"]
    True
    """
    return Shown(fig)
