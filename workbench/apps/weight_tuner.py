"""The weight tuner: move the dimension weights and the threshold, see what the AI interview would do.

A slider per dimension (kept summing to 1: moving one rescales the others proportionally, see
:func:`rebalance`) and one for the threshold. As they move, the projected pass rate, the validity of the
weighted total (observed and corrected for range restriction), its predictive accuracy, the impact ratios by
group (four-fifths highlighted) and the ranked list of candidates (pseudonymous ``candidate_id`` only) update.

The work is split so that it can be tested and timed without a browser:

- :func:`tuner_state` precomputes everything that does not depend on the weights (arrays, group codes, the
  fit rows, the constant parts of the correction);
- :func:`tuner_update` is the pure update, ``(state, weights, threshold) -> dict``; for 100,000 candidates it
  takes a few milliseconds (``benchmarks/bench_weight_tuner.py``);
- :func:`tuner_html` renders that dict (everything escaped);
- :func:`build_weight_tuner` wires sliders to them.

The numbers are the ones :mod:`workbench.review` computes: the pass rate of
:func:`~workbench.review.weights.projected_pass_rate`, the impact ratios of
:func:`~workbench.review.weights.projected_impact_ratios`, and the validity and AUC that
:func:`~workbench.review.weights.cross_validated_validity` reports for a fixed weighting.

Examples
--------
>>> rebalance({"a": 0.5, "b": 0.3, "c": 0.2}, "a", 0.8)
{'a': 0.8, 'b': 0.12, 'c': 0.08}
>>> import numpy as np
>>> state = TunerState.from_arrays(np.array([[1.0, 5.0], [4.0, 2.0], [3.0, 3.0]]), ["x", "y"],
...                                candidate_ids=["C1", "C2", "C3"], weights={"x": .5, "y": .5}, threshold=3.0)
>>> out = tuner_update(state, {"x": .5, "y": .5}, 3.0)
>>> out["pass_rate"], [r["candidate_id"] for r in out["ranked"]]
(1.0, ['C1', 'C2', 'C3'])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench import composite
from workbench.apps._common import STYLE, esc, fmt_num, fmt_pct, load_dataset
from workbench.data.groups import AUDIT_ATTRIBUTES, INTERSECTION, UNKNOWN, group_labels
from workbench.fairness import MIN_SHARE
from workbench.metrics import auc, impact_ratios, pearson_r

__all__ = ["TunerState", "build_weight_tuner", "rebalance", "save_profile_version", "tuner_html", "tuner_state",
           "tuner_update", "weight_sweep"]

ATTRIBUTES = AUDIT_ATTRIBUTES
#: Intersectional groups the tuner rates too (LL144: sex x race/ethnicity), when both parts are in the data.
INTERSECTIONS = {INTERSECTION: ("gender", "race_ethnicity")}


def rebalance(weights: Mapping[str, float], name: str, value: float) -> dict[str, float]:
    """Set ``weights[name] = value`` and rescale the others proportionally so that all sum to 1.

    ``value`` is clipped to [0, 1]. When the others are all zero, the remainder is split equally among them;
    with a single dimension its weight is 1.

    Parameters
    ----------
    weights : mapping of dimension -> weight
        The current weights (summing to 1).
    name : str
        The dimension that moved.
    value : float
        Its new weight.

    Returns
    -------
    dict
        The new weights, in the order of ``weights``, summing to 1.

    Examples
    --------
    >>> rebalance({"a": 0.5, "b": 0.5}, "a", 1.2)
    {'a': 1.0, 'b': 0.0}
    >>> rebalance({"a": 1.0, "b": 0.0, "c": 0.0}, "a", 0.4)
    {'a': 0.4, 'b': 0.3, 'c': 0.3}
    """
    if name not in weights:
        raise KeyError(f"no dimension {name!r} (have {', '.join(weights)})")
    others = [k for k in weights if k != name]
    if not others:
        return {name: 1.0}
    value = min(max(float(value), 0.0), 1.0)
    rest = sum(max(float(weights[k]), 0.0) for k in others)
    target = 1.0 - value
    if rest > 0:
        new = {k: max(float(weights[k]), 0.0) * target / rest for k in others}
    else:
        new = {k: target / len(others) for k in others}
    return {k: (value if k == name else round(new[k], 12)) for k in weights}


@dataclass(frozen=True, eq=False)
class TunerState:
    """Everything :func:`tuner_update` needs that does not depend on the weights.

    Attributes
    ----------
    dimensions : tuple of str
    X : ndarray (n, k)
        Dimension scores of every applicant (NaN where a dimension has no scored question; the total counts it
        at the floor, :data:`workbench.composite.MISSING_DIMENSION_SCORE`).
    candidate_ids : ndarray of str
        Their pseudonymous ids.
    weights, threshold
        The profile's weights and threshold (the starting point).
    fit_rows : ndarray of int
        Rows that were selected, have the criterion and a score on every dimension: the validity sample of
        :func:`~workbench.review.weights.cross_validated_validity`.
    y_fit : ndarray
        Their criterion.
    criterion_all : ndarray or None
        The criterion for every row (NaN where unknown: not selected or no outcome).
    correction : dict or None
        The arrays of :func:`workbench.review.validity.corrected_validity_of` (``z``, ``selected``, ``y``, ``s``,
        ``dichotomous``), so the corrected validity follows the rule of the validity table, and ``outside``:
        the selected rows with the criterion that are not in the validity sample.
    groups : dict attribute -> (codes, labels)
        ``codes`` index ``labels`` (known groups by size, then :data:`workbench.data.groups.UNKNOWN`).
    """

    dimensions: tuple[str, ...]
    X: np.ndarray
    candidate_ids: np.ndarray
    weights: dict[str, float]
    threshold: float
    fit_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    y_fit: np.ndarray = field(default_factory=lambda: np.zeros(0))
    criterion_all: np.ndarray | None = None
    correction: dict[str, Any] | None = None
    binary: bool = True
    criterion: str = "final_passed"
    job_id: str = ""
    profile_version: str = ""
    n_applicants: int = 0
    groups: dict[str, tuple[np.ndarray, tuple[str, ...]]] = field(default_factory=dict)

    @classmethod
    def from_arrays(cls, X: Any, dimensions: Sequence[str], *, candidate_ids: Sequence[str] | None = None,
                    weights: Mapping[str, float] | None = None, threshold: float = 3.0,
                    selected: Any = None, criterion: Any = None, ai_score: Any = None, final_score: Any = None,
                    groups: Mapping[str, Any] | None = None, binary: bool = True,
                    criterion_name: str = "final_passed", job_id: str = "", profile_version: str = "",
                    n_applicants: int | None = None) -> TunerState:
        """Precompute a state from plain arrays (every row is kept: nobody drops out of the pass rate).

        Parameters
        ----------
        X : array (n, k)
            Dimension scores (NaN: no scored question in that dimension).
        dimensions : sequence of str
        candidate_ids : sequence of str, optional
        weights : mapping, optional
            Default: equal weights.
        threshold : float
        selected, criterion, ai_score : array (n,), optional
            Who passed the AI interview, the later criterion (NaN where unknown) and the AI total; without
            them there is no validity.
        final_score : array (n,), optional
            The final round's score, for the two-stage correction of a criterion observed among hires only.
        groups : mapping attribute -> labels (n,), optional
            Protected attributes, for the impact ratios only (None / NaN = unknown).
        binary : bool
            Whether the criterion is pass/fail (dichotomous correction, AUC and the pass share).
        """
        X = np.asarray(X, dtype=float)
        n_all = X.shape[0]
        ids = np.asarray(candidate_ids if candidate_ids is not None else [f"R{i:06d}" for i in range(n_all)],
                         dtype=object)
        dims = tuple(dimensions)
        w = dict(weights) if weights is not None else {d: 1.0 / len(dims) for d in dims}
        fit_rows, y_fit, crit_all, correction = np.zeros(0, dtype=int), np.zeros(0), None, None
        if selected is not None and criterion is not None and ai_score is not None:
            sel = np.asarray(selected, dtype=bool)
            crit_all = np.asarray(criterion, dtype=float)
            known = sel & np.isfinite(crit_all)
            complete = np.isfinite(X).all(axis=1)
            fit_rows = np.flatnonzero(known & complete)
            y_fit = crit_all[fit_rows]
            correction = {"z": np.asarray(ai_score, dtype=float), "selected": sel, "y": crit_all,
                          "s": None if final_score is None else np.asarray(final_score, dtype=float),
                          "dichotomous": bool(binary), "outside": known & ~complete}
        coded = {attr: _group_codes(labels) for attr, labels in (groups or {}).items()}
        return cls(dimensions=dims, X=np.ascontiguousarray(X), candidate_ids=ids, weights=w,
                   threshold=float(threshold), fit_rows=fit_rows, y_fit=y_fit, criterion_all=crit_all,
                   correction=correction, binary=binary, criterion=criterion_name, job_id=job_id,
                   profile_version=profile_version,
                   n_applicants=int(n_all if n_applicants is None else n_applicants), groups=coded)


def _group_codes(labels: Any) -> tuple[np.ndarray, tuple[str, ...]]:
    """Codes into (known groups in the order of the impact-ratio table, then UNKNOWN)."""
    from workbench.fairness import impact_ratio_table

    lab = pd.Series(np.asarray(labels, dtype=object))
    order = impact_ratio_table(pd.Series(np.ones(len(lab))), lab).index.astype(str).tolist()
    known = [g for g in order if g != UNKNOWN]
    lookup = {g: i for i, g in enumerate(known)}
    filled = lab.where(lab.notna(), None)
    codes = np.array([lookup.get(v, len(known)) if v is not None else len(known) for v in filled], dtype=np.int64)
    return codes, tuple(known) + (UNKNOWN,)


def tuner_state(inputs: Any) -> TunerState:
    """Precompute a :class:`TunerState` from :class:`workbench.review.ReviewInputs` of one job.

    Examples
    --------
    >>> from workbench.simulate import simulate, small_config
    >>> from workbench.review.inputs import review_inputs_from_tables
    >>> sim = simulate(small_config(n_candidates=300, seed=2, answer_texts=False))
    >>> ri = review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], "final_passed")
    >>> st = tuner_state(ri)
    >>> st.dimensions == ri.profile.dimension_names, st.threshold == ri.profile.threshold
    (True, True)
    """
    from workbench.review.validity import correction_arrays

    groups = {}
    for attr in ATTRIBUTES:
        if attr in inputs.groups.columns or (attr == "age_band" and "age" in inputs.groups.columns):
            groups[attr] = group_labels(inputs.groups, attr).to_numpy(dtype=object)
    for attr, parts in INTERSECTIONS.items():
        if all(p in inputs.groups.columns for p in parts):
            groups[attr] = group_labels(inputs.groups, attr).to_numpy(dtype=object)
    return TunerState.from_arrays(
        inputs.dimensions.to_numpy(dtype=float), list(inputs.dimensions.columns),
        candidate_ids=inputs.dimensions.index.astype(str).tolist(), weights=dict(inputs.profile.weights),
        threshold=inputs.profile.threshold, selected=inputs.selected.to_numpy(dtype=bool),
        criterion=inputs.criterion_values.to_numpy(dtype=float), ai_score=inputs.ai_score.to_numpy(dtype=float),
        final_score=correction_arrays(inputs)["s"], groups=groups, binary=inputs.binary,
        criterion_name=inputs.criterion, job_id=inputs.job_id, profile_version=str(inputs.profile.version),
        n_applicants=inputs.n_applicants)


def _validity(state: TunerState, total: np.ndarray) -> dict[str, Any]:
    """Observed r, corrected validity (the validity table's rule) and AUC of the totals (3 decimals, as decided)."""
    from workbench.review.validity import corrected_validity_of

    out: dict[str, Any] = {"n": int(state.fit_rows.size), "r_observed": None, "r_corrected": None, "auc": None}
    c = state.correction
    if c is None or state.fit_rows.size <= 2:
        return out
    x = total[state.fit_rows]
    x_all = np.where(c["outside"], np.nan, total)
    out["r_observed"] = pearson_r(x, state.y_fit)
    out["r_corrected"] = float(corrected_validity_of(x_all, z=c["z"], selected=c["selected"], y=c["y"],
                                                     s=c["s"], dichotomous=c["dichotomous"])[0])
    out["auc"] = auc(state.y_fit, x) if state.binary else None
    return out


def _accuracy(state: TunerState, passed: np.ndarray) -> dict[str, Any]:
    """Of the projected passes whose criterion is known: how many, and the share who passed (or the mean)."""
    out: dict[str, Any] = {"n_known": 0, "hits": None, "share": None}
    if state.criterion_all is None:
        return out
    c = state.criterion_all[passed]
    known = c[np.isfinite(c)]
    out["n_known"] = int(known.size)
    if known.size:
        out["share"] = float(known.mean())
        out["hits"] = int((known == 1).sum()) if state.binary else None
    return out


def _impact(state: TunerState, passed: np.ndarray) -> tuple[dict[str, list[dict[str, Any]]], list]:
    """LL144 rows per attribute (:func:`workbench.metrics.impact_ratios` on the group counts) and the flags."""
    impact: dict[str, list[dict[str, Any]]] = {}
    flagged: list[tuple[str, str]] = []
    pf = passed.astype(float)
    for attr, (codes, labels) in state.groups.items():
        g = len(labels)
        counts = np.bincount(codes, minlength=g)
        sel = np.bincount(codes, weights=pf, minlength=g)
        ir = impact_ratios(counts[:-1], sel[:-1], min_share=MIN_SHARE)  # unknowns are counted, never rated
        rows = []
        for i, label in enumerate(labels):
            if counts[i] == 0:
                continue
            unknown = i == g - 1
            four = (not unknown) and bool(ir.four_fifths[i])
            rows.append({"group": label, "n": int(counts[i]), "selected": int(sel[i]),
                         "rate": float(sel[i] / counts[i]),
                         "impact_ratio": float("nan") if unknown else float(ir.impact_ratio[i]),
                         "four_fifths": four, "unknown": unknown,
                         "excluded_small": (not unknown) and bool(ir.excluded_small[i])})
            if four:
                flagged.append((attr, label))
        impact[attr] = rows
    return impact, flagged


def _ranked(state: TunerState, raw: np.ndarray, total: np.ndarray, passed: np.ndarray,
            top_n: int) -> list[dict[str, Any]]:
    n = int(total.size)
    k = min(int(top_n), n)
    if k <= 0:
        return []
    top_idx = np.argpartition(-raw, k - 1)[:k] if k < n else np.arange(n)
    top_idx = top_idx[np.lexsort((state.candidate_ids[top_idx].astype(str), -total[top_idx]))]
    return [{"rank": i + 1, "candidate_id": str(state.candidate_ids[j]), "total": float(total[j]),
             "passes": bool(passed[j])} for i, j in enumerate(top_idx)]


def tuner_update(state: TunerState, weights: Mapping[str, float], threshold: float, *,
                 top_n: int = 15) -> dict[str, Any]:
    """What the AI interview would do under ``weights`` and ``threshold`` (pure; fast).

    Every figure comes from the one home of its rule: the total and the pass decision from
    :mod:`workbench.composite`, the corrected validity from :func:`workbench.review.validity.corrected_validity_of`,
    the AUC and the impact ratios from :mod:`workbench.metrics`.

    Parameters
    ----------
    state : TunerState
    weights : mapping dimension -> weight
        Normalised to sum to 1.
    threshold : float
        Weighted total needed to pass (compared on the 6-decimal grid of :func:`workbench.composite.passes`).
    top_n : int, default 15
        Length of the ranked list.

    Returns
    -------
    dict
        ``weights`` (normalised), ``threshold``, ``n_scored`` (every applicant), ``n_pass``, ``pass_rate``;
        ``validity``: {``n``, ``r_observed``, ``r_corrected``, ``auc``} over the selected candidates with the
        criterion; ``accuracy``: {``n_known``, ``hits``, ``share``}: of the projected passes whose criterion is
        known, how many passed (mean criterion when it is continuous); ``impact``: attribute -> list of {group,
        n, selected, rate, impact_ratio, four_fifths, unknown, excluded_small}; ``flagged``: [(attribute,
        group)] below four-fifths; ``ranked``: the top ``top_n`` {rank, candidate_id, total, passes}.

    Examples
    --------
    >>> st = TunerState.from_arrays([[1., 5.], [4., 2.]], ["x", "y"], candidate_ids=["A", "B"],
    ...                             groups={"gender": ["female", "male"]})
    >>> out = tuner_update(st, {"x": 1.0, "y": 0.0}, 3.0)
    >>> out["pass_rate"], [(r["group"], r["rate"]) for r in out["impact"]["gender"]]
    (0.5, [('female', 0.0), ('male', 1.0)])
    """
    w = composite.normalised_weights(weights, state.dimensions)
    raw = composite.raw_total(state.X, w)
    total = np.round(raw, composite.TOTAL_DECIMALS)
    t = float(threshold)
    passed = composite.passes(total, t)
    n = int(total.size)
    n_pass = int(passed.sum())
    impact, flagged = _impact(state, passed)
    return {
        "weights": dict(zip(state.dimensions, w.tolist())), "threshold": t, "n_scored": n, "n_pass": n_pass,
        "pass_rate": n_pass / n if n else float("nan"), "n_applicants": state.n_applicants,
        "criterion": state.criterion, "job_id": state.job_id, "validity": _validity(state, total),
        "accuracy": _accuracy(state, passed), "impact": impact, "flagged": flagged,
        "ranked": _ranked(state, raw, total, passed, top_n),
    }


def save_profile_version(profile: Any, weights: Mapping[str, float], threshold: float, folder: str | Path) -> Path:
    """Write the tuned weights and threshold as a NEW version of ``profile`` (never overwriting a file).

    Weights are normalised and rounded to 4 decimals, the threshold to 2; the version is the next free one
    after the profile's (``2026Q1`` -> ``2026Q1-r1``, ``-r2``, ...). Written by
    :func:`workbench.profile.write_profile_version`, the path the review's proposals take.

    Examples
    --------
    >>> import tempfile
    >>> from workbench.data.profiles import as_profile
    >>> p = as_profile("product_manager")
    >>> path = save_profile_version(p, {d: 1.0 for d in p.dimension_names}, 3.3, tempfile.mkdtemp())
    >>> path.name.startswith("product_manager@"), as_profile(path).threshold
    (True, 3.3)
    """
    from workbench.profile import next_version, write_profile_version
    from workbench.records import Dimension, JobProfile

    w = composite.normalised_weights(weights, profile.dimension_names)
    rounded = np.round(w, 4)
    rounded[np.argmax(rounded)] += round(1.0 - float(rounded.sum()), 4)  # sum exactly 1 after rounding
    dims = tuple(Dimension(d.name, float(x), d.keywords, d.description) for d, x in zip(profile.dimensions, rounded))
    folder = Path(folder)
    version = next_version(profile.version)
    while (folder / f"{profile.job_id}@{version}.yaml").exists():
        version = next_version(version)
    new = JobProfile(profile.job_id, version, round(float(threshold), 2), dims, profile.title, profile.language)
    return write_profile_version(new, folder)


def _lowest_ratio(impact: Mapping[str, list[dict[str, Any]]]) -> tuple[float | None, str | None]:
    """The lowest rated impact ratio of a :func:`tuner_update` result and whose it is (``attribute: group``)."""
    best: tuple[float | None, str | None] = (None, None)
    for attr, rows in impact.items():
        for r in rows:
            ir = r["impact_ratio"]
            if r["unknown"] or r.get("excluded_small") or not np.isfinite(ir):
                continue
            if best[0] is None or ir < best[0]:
                best = (float(ir), f"{attr}: {r['group']}")
    return best


def weight_sweep(state: TunerState, weights: Mapping[str, float], threshold: float, name: str, *,
                 points: int = 21) -> dict[str, Any]:
    """Pass rate, corrected validity and lowest impact ratio as the weight of ``name`` goes from 0 to 1 (the
    others rescaled as the slider does, :func:`rebalance`); ``current`` is where it stands now.

    Examples
    --------
    >>> st = TunerState.from_arrays([[1., 5.], [4., 2.], [3., 3.]], ["x", "y"], weights={"x": .5, "y": .5},
    ...                             threshold=3.0)
    >>> sw = weight_sweep(st, {"x": .5, "y": .5}, 3.0, "x", points=3)
    >>> sw["x"], [round(v, 3) for v in sw["pass_rate"]], sw["current"]
    ([0.0, 0.5, 1.0], [0.667, 1.0, 0.667], 0.5)
    """
    xs = [round(float(v), 6) for v in np.linspace(0.0, 1.0, int(points))]
    out: dict[str, Any] = {"dimension": name, "x": xs, "pass_rate": [], "r_corrected": [], "lowest_ir": [],
                           "lowest_group": [], "current": float(weights[name]), "threshold": float(threshold)}
    for x in xs:
        res = tuner_update(state, rebalance(weights, name, x), threshold, top_n=0)
        low, who = _lowest_ratio(res["impact"])
        out["pass_rate"].append(res["pass_rate"])
        out["r_corrected"].append(res["validity"]["r_corrected"])
        out["lowest_ir"].append(low)
        out["lowest_group"].append(who)
    return out


def _card(value: str, label: str) -> str:
    return f'<div class="wb-card"><div class="v">{esc(value)}</div><div class="l">{esc(label)}</div></div>'


def tuner_html(result: Mapping[str, Any], baseline: Mapping[str, Any] | None = None) -> str:
    """The numbers of :func:`tuner_update` as an HTML fragment (every label escaped).

    ``baseline`` (the update at the profile's weights and threshold) adds "profile: ..." beside each figure.

    Examples
    --------
    >>> st = TunerState.from_arrays([[1., 5.], [4., 2.]], ["x", "y"], candidate_ids=["<A>", "B"])
    >>> "&lt;A&gt;" in tuner_html(tuner_update(st, {"x": .5, "y": .5}, 3.0))
    True
    """
    v, a = result["validity"], result["accuracy"]

    def was(key: str, fmt, sub: str | None = None) -> str:
        if baseline is None:
            return ""
        value = baseline[sub][key] if sub else baseline[key]
        return f" (profile: {fmt(value)})"

    parts = [f'<div class="wb-app" data-testid="tuner-results">{STYLE}', '<div class="wb-cards">']
    parts.append(_card(fmt_pct(result["pass_rate"]),
                       f"pass rate: {result['n_pass']:,} of {result['n_scored']:,} applicants"
                       + was("pass_rate", fmt_pct)))
    parts.append(_card(fmt_num(v["r_corrected"]), "corrected validity (r with " + str(result["criterion"])
                       + ", Case III)" + was("r_corrected", fmt_num, "validity")))
    parts.append(_card(fmt_num(v["r_observed"]), f"observed r among {v['n']:,} finalists (range-restricted)"
                       + was("r_observed", fmt_num, "validity")))
    if v["auc"] is not None:
        parts.append(_card(fmt_num(v["auc"]), "predictive accuracy: AUC of the total for "
                           + str(result["criterion"]) + was("auc", fmt_num, "validity")))
    if a["share"] is not None:
        label = (f"of {a['n_known']:,} projected passes with a known outcome, share who passed"
                 if a["hits"] is not None else f"mean {result['criterion']} of {a['n_known']:,} projected passes")
        parts.append(_card(fmt_pct(a["share"]) if a["hits"] is not None else fmt_num(a["share"]), label))
    parts.append("</div>")
    n_flag = len(result["flagged"])
    parts.append(f'<p class="{"wb-warn" if n_flag else "wb-note"}" data-testid="flag-count">'
                 f"{n_flag} group(s) below the four-fifths line (impact ratio under 0.80)</p>")
    parts.append('<div style="display:flex;gap:24px;flex-wrap:wrap;align-items:flex-start"><div>')
    parts.append("<h3>Impact ratios by group</h3>")
    for attr, rows in result["impact"].items():
        parts.append(f'<table data-attribute="{esc(attr)}"><tr><th class="g">{esc(attr)}</th><th>n</th>'
                     "<th>passed</th><th>pass rate</th><th>impact ratio</th></tr>")
        for r in rows:
            cls = "muted" if r["unknown"] or r.get("excluded_small") else ("flag" if r["four_fifths"] else "")
            ratio = ("not rated" if r["unknown"] else
                     "under 2 %: not rated" if r.get("excluded_small") else fmt_num(r["impact_ratio"]))
            mark = " ⚠ below 4/5" if r["four_fifths"] else ""
            parts.append(f'<tr class="{cls}"><td class="g">{esc(r["group"])}</td><td>{r["n"]:,}</td>'
                         f'<td>{r["selected"]:,}</td><td>{fmt_pct(r["rate"])}</td><td>{esc(ratio)}{esc(mark)}</td></tr>')
        parts.append("</table>")
    parts.append("</div><div><h3>Ranked candidates (pseudonymous ids)</h3>")
    parts.append('<table data-testid="ranked"><tr><th>rank</th><th class="g">candidate</th><th>total</th>'
                 '<th class="g">result</th></tr>')
    for r in result["ranked"]:
        parts.append(f'<tr class="{"pass" if r["passes"] else ""}"><td>{r["rank"]}</td>'
                     f'<td class="g">{esc(r["candidate_id"])}</td><td>{r["total"]:.3f}</td>'
                     f'<td class="g">{"passes" if r["passes"] else "below threshold"}</td></tr>')
    parts.append("</table></div></div>")
    parts.append('<p class="wb-note">Projection: past applicants re-scored with these weights (human overrides '
                 "left out). Validity and accuracy use only candidates who passed the AI interview and reached the "
                 "final round, because only they have an outcome; the corrected validity estimates it for all "
                 "applicants (Thorndike Case III). Unknown group membership is counted but never rated. Group-"
                 "specific thresholds are never an option.</p></div>")
    return "".join(parts)


def _sliders(state: TunerState, weights: Mapping[str, float]) -> tuple[dict[str, Any], Any]:
    """A slider per dimension at ``weights`` and the threshold slider over the range of the scores."""
    import ipywidgets as W

    style = {"description_width": "210px"}
    sliders = {d: W.FloatSlider(value=weights[d], min=0.0, max=1.0, step=0.01, description=d, style=style,
                                readout_format=".2f", continuous_update=True, layout=W.Layout(width="460px"))
               for d in state.dimensions}
    scored = np.isfinite(state.X).any()
    lo = float(np.floor(np.nanmin(state.X) * 10) / 10) if scored else 1.0
    hi = float(np.ceil(np.nanmax(state.X) * 10) / 10) if scored else 5.0
    threshold = W.FloatSlider(value=state.threshold, min=lo, max=hi, step=0.01, description="pass threshold",
                              style=style, readout_format=".2f", continuous_update=True,
                              layout=W.Layout(width="460px"))
    return sliders, threshold


def _draw_sweep(chart: Any, sweep: Mapping[str, Any]) -> None:
    """Show :func:`weight_sweep` in ``chart`` (an Output widget), replacing what was there."""
    from IPython.display import HTML

    from workbench import plots

    chart.outputs = ()  # set on the model directly: no output capture (fast in Voila and in nbclient)
    chart.append_display_data(HTML(plots.figure_html(plots.weight_sweep_figure(sweep))))
    chart.sweep = dict(sweep)


def _yaml_link(path: Path) -> str:
    """A link that downloads the saved profile YAML (a ``data:`` URL)."""
    import base64

    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<a data-testid="profile-yaml" download="{esc(path.name)}" '
            f'href="data:application/x-yaml;base64,{data}">Download {esc(path.name)}</a>')


def _job_tuner(dataset: Any, job: str, criterion: str) -> Any:
    """The tuner of one job (see :func:`build_weight_tuner`)."""
    import ipywidgets as W

    from workbench.review import review_inputs

    state = tuner_state(review_inputs(dataset, job, criterion))
    baseline = tuner_update(state, state.weights, state.threshold)
    current = dict(baseline["weights"])
    sliders, threshold = _sliders(state, current)
    reset = W.Button(description="Reset to the profile")
    save = W.Button(description="Save as new profile version")
    saved = W.HTML("")
    results, chart = W.HTML(tuner_html(baseline, baseline)), W.Output()
    busy = {"on": False, "moved": max(current, key=current.get)}  # the chart follows the weight last moved

    def refresh() -> None:
        results.value = tuner_html(tuner_update(state, current, threshold.value), baseline)
        _draw_sweep(chart, weight_sweep(state, current, threshold.value, busy["moved"]))

    def on_weight(change: dict[str, Any], name: str) -> None:
        if busy["on"]:
            return
        current.update(rebalance(current, name, change["new"]))
        busy["on"], busy["moved"] = True, name
        try:
            for d, s in sliders.items():
                if d != name:
                    s.value = current[d]
        finally:
            busy["on"] = False
        refresh()

    def on_reset(_: Any) -> None:
        busy["on"] = True
        try:
            current.update(baseline["weights"])
            for d, s in sliders.items():
                s.value = current[d]
            threshold.value = state.threshold
        finally:
            busy["on"] = False
        refresh()

    def on_save(_: Any) -> None:
        folder = Path(getattr(dataset, "path", ".")) / "profiles" / "proposed"
        try:
            path = save_profile_version(dataset.profiles[job], current, threshold.value, folder)
        except (OSError, ValueError) as exc:
            saved.value = f'<span class="wb-note">Not saved: {esc(exc)}</span>'
            return
        saved.value = (f'<span class="wb-note">Saved {esc(path.name)} in {esc(path.parent)} (a proposal: adopting it '
                       "means replacing the profile file on purpose).</span> " + _yaml_link(path))
        app.saved_path = path

    for d, s in sliders.items():
        s.observe(lambda change, d=d: on_weight(change, d), names="value")
    threshold.observe(lambda change: None if busy["on"] else refresh(), names="value")
    reset.on_click(on_reset)
    save.on_click(on_save)
    header = W.HTML(
        f'<div class="wb-app">{STYLE}<h2 style="margin:0">Weight tuner: {esc(job)}</h2>'
        f'<p class="wb-note">Profile version {esc(state.profile_version)}, {state.n_applicants:,} applicants, '
        f"criterion {esc(criterion)}. Move a dimension weight and the others rescale so the weights still sum "
        "to 1; move the threshold to pass more or fewer applicants. Nothing here changes the profile.</p></div>")
    controls = W.VBox([W.HTML("<b>Dimension weights</b>"), *sliders.values(), W.HTML("<b>Threshold</b>"),
                       threshold, W.HBox([reset, save]), saved], layout=W.Layout(min_width="480px"))
    app = W.VBox([header, W.HBox([W.VBox([controls, chart]), results],
                                 layout=W.Layout(align_items="flex-start", flex_flow="row wrap"))])
    refresh()
    app.sliders, app.threshold, app.results, app.state, app.reset = sliders, threshold, results, state, reset
    app.chart = chart
    app.save, app.saved, app.saved_path = save, saved, None
    return app


def build_weight_tuner(dataset_or_path: Any = None, job_id: str | None = None,
                       criterion: str = "final_passed") -> Any:
    """The weight-tuner app: a job selector, a slider per dimension (summing to 1), one for the threshold, live
    results, reset, and "save as new profile version".

    Parameters
    ----------
    dataset_or_path : Dataset, str or Path, optional
        Default: the demo data.
    job_id : str, optional
        The job shown first. Default: the first job with a profile.
    criterion : str, default "final_passed"
        The later outcome the validity is computed against.

    Returns
    -------
    ipywidgets.VBox
        With ``job`` (Dropdown) and the current job's ``sliders`` (dimension -> FloatSlider), ``threshold``,
        ``results`` (HTML), ``chart`` (Output: pass rate, corrected validity and lowest impact ratio along the
        weight last moved; its ``sweep`` the numbers), ``state`` (:class:`TunerState`), ``reset``, ``save`` and
        ``saved_path``.
    """
    import ipywidgets as W

    dataset = load_dataset(dataset_or_path)
    jobs = list(dataset.profiles)
    first = job_id or jobs[0]
    picker = W.Dropdown(options=jobs, value=first, description="job", layout=W.Layout(width="360px"))
    app = W.VBox([picker])
    app.job = picker

    def show(job: str) -> None:
        inner = _job_tuner(dataset, job, criterion)
        for name in ("sliders", "threshold", "results", "chart", "state", "reset", "save", "saved"):
            setattr(app, name, getattr(inner, name))
        app.inner = inner
        inner.save.on_click(lambda _: setattr(app, "saved_path", inner.saved_path))
        app.saved_path = None
        app.children = [picker, inner]

    picker.observe(lambda change: show(change["new"]), names="value")
    show(first)
    app.add_class("wb-weight-tuner")
    return app
