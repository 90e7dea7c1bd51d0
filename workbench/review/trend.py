"""The loop over time: did a change raise the pass rate of the right candidates, and was it the change?

:func:`trend` groups the applicants by profile version, question version or application period and reports,
per group, the AI pass rate, the final-round pass rate among the AI-passed ("predictive accuracy" as vendors
quote it), the share of hires who perform at or above a stated cut, the corrected validity of the AI total for
final_passed and the lowest impact ratio per audit attribute, each with a CI. For each consecutive pair (and
any pair asked for) it gives the difference with a CI and a test (two proportions for rates, an independent
bootstrap for validities), Holm-adjusted across all the comparisons, and reads the result in plain words:

- beside every pass-rate change, what happened to the final-round hit rate, the performance of those hired
  and the impact ratios, so a higher pass rate bought with a lower hit rate or a new adverse impact shows;
- a mix-shift panel (job and applicant mix per group) and a standardised comparison (direct
  standardisation to the earlier group's mix by job, and by job x each audit attribute) beside the raw one,
  so a change that is only a different applicant pool is not credited to the process.

Everything about final_passed and performance is range-restricted (only AI-passed candidates reach the final
round, only hires are rated): the hit rates describe the AI-passed, and the validity is corrected (the
dichotomous Case II form of :func:`workbench.review.validity.corrected_validity_of`, selection on the AI
total). Proportion differences use Newcombe's hybrid score interval (from Wilson intervals) and the pooled
two-proportion z test.

Examples
--------
>>> from workbench.simulate import simulate, small_config
>>> sim = simulate(small_config(n_candidates=400, seed=2, answer_texts=False))
>>> res = trend(sim.tables, by="period", freq="Y", n_boot=100)
>>> [p.period for p in res.periods], sum(p.n for p in res.periods)
(['2024', '2025'], 400)
>>> [c.metric for c in res.comparisons]
['ai_pass_rate', 'final_hit_rate', 'performance_hit_rate', 'validity']
>>> sorted(res.to_dict())[:4]
['by', 'caveats', 'comparisons', 'freq']

By question version, a reworded question (``answers.question_version``; simulated with
:class:`workbench.simulate.QuestionRevision`) also gets its corrected validity for final_passed per version
(:func:`workbench.review.bank.validity_by_version`) and the change between versions:

>>> from workbench.simulate import QuestionRevision
>>> rev = QuestionRevision("pm_q01", "v2", 0.5, 0.0, "Reworded?")
>>> sim = simulate(small_config(n_candidates=600, seed=2, answer_texts=False, question_revisions=(rev,)))
>>> res = trend(sim, by="question_version", job_id="product_manager", n_boot=100)
>>> [p.period for p in res.periods], [(q.question_id, q.version) for q in res.question_versions]
(['v1', 'v1+v2'], [('pm_q01', 'v1'), ('pm_q01', 'v2')])
>>> [(c.from_, c.to) for c in res.question_version_changes]
[('v1', 'v2')]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.data import load
from workbench.data.load import tables_of
from workbench.data.groups import AUDIT_ATTRIBUTES, UNKNOWN, group_labels
from workbench.fairness import impact_ratio_table
from workbench.jsonable import json_ready
from workbench.metrics import FOUR_FIFTHS, holm, katz_ci, two_proportion_z, wilson_ci
from workbench.metrics.bootstrap import percentile_interval
from workbench.metrics.normal import two_sided_p, z_critical
from workbench.review.rounds import RESTRICTED, funnel_frame
from workbench.review.stats import bootstrap_corrected_validity, bootstrap_p_value
from workbench.review.validity import corrected_validity_of

__all__ = ["BY", "Comparison", "ImpactChange", "ImpactLow", "Mix", "PeriodTrend", "QuestionVersionChange",
           "QuestionVersionValidity", "Rate", "Reading", "Standardised", "TrendResult", "Validity", "newcombe_ci",
           "trend"]

BY = ("profile_version", "question_version", "period")
RATES = ("ai_pass_rate", "final_hit_rate", "performance_hit_rate")
LABELS = {"ai_pass_rate": "AI pass rate", "final_hit_rate": "final-round pass rate of the AI-passed",
          "performance_hit_rate": "share of hires performing at or above the cut",
          "validity": "corrected validity of the AI total (final_passed)"}


# ------------------------------------------------------------------------------------------ records


@dataclass(frozen=True)
class Rate:
    """``k`` of ``n`` with a Wilson interval (``value`` None when ``n`` is 0)."""

    k: int
    n: int
    value: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class Validity:
    """Corrected validity of the AI total for final_passed, with a percentile bootstrap CI."""

    value: float | None
    ci_low: float | None
    ci_high: float | None
    n_applicants: int
    n_criterion: int
    correction: str = "case_ii_dichotomous"


@dataclass(frozen=True)
class ImpactLow:
    """The lowest LL144 impact ratio of the AI decision for one attribute, with a Katz CI against the top group."""

    attribute: str
    group: str | None
    reference: str | None
    impact_ratio: float | None
    ci_low: float | None
    ci_high: float | None
    four_fifths: bool
    n_known: int
    n_unknown: int


@dataclass(frozen=True)
class PeriodTrend:
    """One period or version: n and the rates, validity and lowest impact ratios."""

    period: str
    n: int
    ai_pass_rate: Rate
    final_hit_rate: Rate
    performance_hit_rate: Rate
    validity: Validity
    min_impact_ratio: tuple[ImpactLow, ...]

    def to_dict(self) -> dict[str, Any]:
        """The flat JSON record of the command contract (``pass_rate``, ``ci_low``, ``ci_high``, ...)."""
        out: dict[str, Any] = {"period": self.period, "n": self.n, "n_ai_passed": self.ai_pass_rate.k,
                               "pass_rate": self.ai_pass_rate.value, "ci_low": self.ai_pass_rate.ci_low,
                               "ci_high": self.ai_pass_rate.ci_high}
        for name in RATES[1:]:
            r: Rate = getattr(self, name)
            out.update({name: r.value, f"{name}_ci": [r.ci_low, r.ci_high], f"{name}_k": r.k, f"{name}_n": r.n})
        v = self.validity
        out.update({"validity": v.value, "validity_ci": [v.ci_low, v.ci_high], "n_validity": v.n_criterion,
                    "validity_correction": v.correction})
        out["min_impact_ratio"] = {i.attribute: {k: x for k, x in asdict(i).items() if k != "attribute"}
                                   for i in self.min_impact_ratio}
        return json_ready(out)


class _Tested:
    """A difference from ``from_`` to ``to`` with a Holm-adjusted p-value (the records of comparisons)."""

    p_adjusted: float | None

    @property
    def significant(self) -> bool:
        """Holm-adjusted p below .05 (False when untested)."""
        return self.p_adjusted is not None and np.isfinite(self.p_adjusted) and self.p_adjusted < 0.05

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)  # type: ignore[call-overload]
        d["from"] = d.pop("from_")
        d["significant"] = self.significant
        return json_ready(d)


@dataclass(frozen=True)
class Comparison(_Tested):
    """``metric`` from period ``from_`` to ``to``: the difference (to - from) with a CI and a test."""

    from_: str
    to: str
    metric: str
    before: float | None
    after: float | None
    diff: float | None
    ci_low: float | None
    ci_high: float | None
    test: str
    p_value: float | None
    p_adjusted: float | None = None


@dataclass(frozen=True)
class ImpactChange(_Tested):
    """The impact ratio of one group against one reference group, from period ``from_`` to ``to``.

    The pair is the later period's lowest-rated group and its reference (highest rate), compared in both
    periods. ``diff`` = after - before with a delta-method normal CI; ``ratio`` = after / before with the test
    on its log (Katz variances of each log impact ratio, independent periods), Holm-adjusted across every
    attribute and pair (a family of its own, beside the rate comparisons).
    """

    from_: str
    to: str
    attribute: str
    group: str
    reference: str
    before: float | None
    after: float | None
    diff: float | None
    ci_low: float | None
    ci_high: float | None
    ratio: float | None
    p_value: float | None
    p_adjusted: float | None = None
    test: str = "log_ratio_z"


@dataclass(frozen=True)
class Standardised:
    """A rate difference reweighted to the earlier period's mix over ``strata``, beside the raw one.

    Direct standardisation: ``diff = sum_s w_s (p_to,s - p_from,s)`` with ``w_s`` the earlier period's share
    of stratum ``s`` among the strata present in both periods (``coverage`` says how much of the earlier period
    that keeps); normal CI and p-value from ``sum_s w_s^2 (p(1-p)/n)`` of both periods. The p-value is not
    Holm-adjusted: it is offered beside the raw comparison, not as another finding.
    """

    from_: str
    to: str
    metric: str
    strata: str
    raw_diff: float | None
    diff: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    coverage: float | None  # share of the earlier period's units in strata present in both

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["from"] = d.pop("from_")
        return json_ready(d)


@dataclass(frozen=True)
class Mix:
    """Applicant mix of one period: shares of each job and of each audit attribute's groups (Unknown included)."""

    period: str
    n: int
    jobs: Mapping[str, float]
    attributes: Mapping[str, Mapping[str, float]]


@dataclass(frozen=True)
class QuestionVersionValidity:
    """The corrected validity of one version of a reworded question for final_passed (the review's row of
    :func:`workbench.review.bank.validity_by_version`: Case III, percentile bootstrap CI, verdict)."""

    job_id: str
    question_id: str
    version: str
    n: int
    r_observed: float | None
    r_corrected: float | None
    ci_low: float | None
    ci_high: float | None
    verdict: str


@dataclass(frozen=True)
class QuestionVersionChange(_Tested):
    """A reworded question's corrected validity from version ``from_`` to ``to`` (different candidates).

    ``diff`` = after - before; its CI and two-sided p-value are normal approximations from the two
    independent bootstrap intervals (each half-width / z as a standard error), Holm-adjusted across every
    reworded question and pair (a family of its own).
    """

    job_id: str
    question_id: str
    from_: str
    to: str
    before: float | None
    after: float | None
    diff: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_adjusted: float | None = None
    test: str = "normal_from_bootstrap_cis"


@dataclass(frozen=True)
class Reading:
    """The plain-words reading of one pair: sentences and flags (``pass_rate_up``, ``lower_final_hit_rate``,
    ``lower_performance_hit_rate``, ``new_adverse_impact``, ``mix_shift``, ``mostly_mix``)."""

    from_: str
    to: str
    lines: tuple[str, ...]
    flags: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.from_, "to": self.to, "lines": list(self.lines), "flags": list(self.flags)}


@dataclass(frozen=True)
class TrendResult:
    """What :func:`trend` returns; ``to_dict()`` is JSON-ready, ``summary()`` is text."""

    by: str
    freq: str | None
    job_id: str | None
    level: float
    performance_cut: float
    periods: tuple[PeriodTrend, ...]
    comparisons: tuple[Comparison, ...]
    standardised: tuple[Standardised, ...]
    mix: tuple[Mix, ...]
    readings: tuple[Reading, ...]
    caveats: tuple[str, ...] = field(default=())
    impact_changes: tuple[ImpactChange, ...] = field(default=())
    overrides: Mapping[str, Any] = field(default_factory=dict)
    question_versions: tuple[QuestionVersionValidity, ...] = field(default=())
    question_version_changes: tuple[QuestionVersionChange, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return json_ready({"by": self.by, "freq": self.freq, "job_id": self.job_id, "level": self.level,
                           "performance_cut": self.performance_cut, "multiplicity": "holm",
                           "periods": [p.to_dict() for p in self.periods],
                           "comparisons": [c.to_dict() for c in self.comparisons],
                           "impact_changes": [c.to_dict() for c in self.impact_changes],
                           "question_versions": [asdict(q) for q in self.question_versions],
                           "question_version_changes": [c.to_dict() for c in self.question_version_changes],
                           "overrides": dict(self.overrides),
                           "standardised": [s.to_dict() for s in self.standardised],
                           "mix": [asdict(m) for m in self.mix], "readings": [r.to_dict() for r in self.readings],
                           "caveats": list(self.caveats)})

    def periods_frame(self) -> pd.DataFrame:
        """One row per period (the flat records of ``to_dict()["periods"]``, impact ratios as columns)."""
        rows = []
        for p in self.periods:
            d = p.to_dict()
            for attr, ir in d.pop("min_impact_ratio").items():
                d[f"min_impact_ratio[{attr}]"] = ir["impact_ratio"]
            rows.append(d)
        return pd.DataFrame(rows).set_index("period")

    def summary(self) -> str:
        """Human text: one line per period, then the reading of each pair."""
        head = f"Trend by {self.by}" + (f" (freq {self.freq})" if self.by == "period" else "")
        head += f", job {self.job_id}" if self.job_id else ", all jobs pooled"
        lines = [head]
        for p in self.periods:
            irs = ", ".join(f"{i.attribute} {_num(i.impact_ratio, 2)}" for i in p.min_impact_ratio)
            lines.append(f"  {p.period}: n={p.n}, pass {_pct(p.ai_pass_rate.value)}, final-round hit "
                         f"{_pct(p.final_hit_rate.value)}, performing hires {_pct(p.performance_hit_rate.value)}, "
                         f"validity {_num(p.validity.value, 2)}; lowest impact ratio {irs or '-'}")
        for r in self.readings:
            lines.append(f"{r.from_} -> {r.to}:" + (f" [{', '.join(r.flags)}]" if r.flags else ""))
            lines.extend(f"  {s}" for s in r.lines)
        for c in self.question_version_changes:
            lines.append(f"{c.job_id} {c.question_id} {c.from_} -> {c.to}: corrected validity "
                         f"{_num(c.before, 2)} -> {_num(c.after, 2)}" + (
                             f" ({c.diff:+.2f}, {self.level:.0%} CI {c.ci_low:+.2f} to {c.ci_high:+.2f}; "
                             f"Holm-adjusted p = {c.p_adjusted:.3g})" if c.diff is not None else ""))
        lines.extend(f"Note: {c}" for c in self.caveats)
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------ helpers


def _pct(v: float | None, signed: bool = False) -> str:
    if v is None or not np.isfinite(v):
        return "n/a"
    return f"{100 * v:+.1f} points" if signed else f"{100 * v:.1f}%"


def _num(v: float | None, digits: int = 3) -> str:
    return "n/a" if v is None or not np.isfinite(v) else f"{v:.{digits}f}"


def _f(v: Any) -> float | None:
    v = float(v)
    return v if np.isfinite(v) else None


def newcombe_ci(k1: int, n1: int, k2: int, n2: int, level: float = 0.95) -> tuple[float, float]:
    """Newcombe's hybrid score interval of ``k2/n2 - k1/n1`` from the two Wilson intervals (method 10).

    Examples
    --------
    Newcombe (1998, Stat. Med. 17, 873-890), 56/70 against 48/80: 0.0524 to 0.3339.

    >>> [round(v, 4) for v in newcombe_ci(48, 80, 56, 70)]
    [0.0524, 0.3339]
    """
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_ci(k1, n1, level)
    l2, u2 = wilson_ci(k2, n2, level)
    d = p2 - p1
    return d - float(np.hypot(p2 - l2, u1 - p1)), d + float(np.hypot(u2 - p2, p1 - l1))


def _rate(k: int, n: int, level: float) -> Rate:
    if n == 0:
        return Rate(0, 0, None, None, None)
    lo, hi = wilson_ci(k, n, level)
    return Rate(int(k), int(n), k / n, lo, hi)


def _units(part: pd.DataFrame, metric: str, cut: float) -> tuple[pd.DataFrame, np.ndarray]:
    """The candidates a rate is about, and its 0/1 outcome for each."""
    if metric == "ai_pass_rate":
        return part, part["ai_passed"].to_numpy(dtype=float)
    sel = part[part["ai_passed"]]
    if metric == "final_hit_rate":  # AI-passed without a final-round row count as not passing
        return sel, (sel["final_passed"] == 1).to_numpy(dtype=float)
    hires = part[part["hired"] & part["performance"].notna()]
    return hires, (hires["performance"] >= cut).to_numpy(dtype=float)


def _key(f: pd.DataFrame, tables: Mapping[str, pd.DataFrame], by: str, freq: str) -> pd.Series:
    """The period or version label of each candidate of the funnel ``f``."""
    if by == "profile_version":
        return f["profile_version"]
    if by == "period":
        if f["applied_at"].isna().all():
            raise ValueError("no candidate has an applied_at date to group periods by")
        return f["applied_at"].dt.to_period(freq).astype(str).where(f["applied_at"].notna())
    if by != "question_version":
        raise ValueError(f"by must be one of {', '.join(BY)}, got {by!r}")
    answers = tables.get("answers")
    if answers is None or "question_version" not in answers.columns or answers["question_version"].isna().all():
        raise ValueError("answers have no question_version: record which version of each question was answered "
                         "(the contract's answers.question_version) to compare question versions")
    a = answers.dropna(subset=["question_version"])
    label = a.groupby(a["candidate_id"].astype(str))["question_version"].agg(
        lambda v: "+".join(sorted({str(x) for x in v})))
    return label.reindex(f.index.astype(str)).set_axis(f.index)


# ------------------------------------------------------------------------------------- per period


def _impact_lows(part: pd.DataFrame, attributes: Sequence[str], min_share: float,
                 level: float) -> tuple[ImpactLow, ...]:
    out = []
    for attr in attributes:
        if attr not in part.columns and not (attr == "age_band" and "age" in part.columns):
            continue
        tab = impact_ratio_table(part["ai_passed"], group_labels(part, attr), min_share=min_share)
        known = tab.drop(index=UNKNOWN, errors="ignore")
        n_unknown = int(tab.loc[UNKNOWN, "n"]) if UNKNOWN in tab.index else 0
        rated = known["impact_ratio"].dropna()
        if len(rated) < 2:
            out.append(ImpactLow(attr, None, None, None, None, None, False, int(known["n"].sum()), n_unknown))
            continue
        low, ref = rated.idxmin(), rated.idxmax()
        lo, hi = katz_ci(known.loc[low, "selected"], known.loc[low, "n"], known.loc[ref, "selected"],
                         known.loc[ref, "n"], level)
        ratio = float(rated[low])
        out.append(ImpactLow(attr, str(low), str(ref), ratio, _f(lo), _f(hi), bool(ratio < FOUR_FIFTHS),
                             int(known["n"].sum()), n_unknown))
    return tuple(out)


def _validity(part: pd.DataFrame, n_boot: int, level: float, seed: Any) -> tuple[Validity, np.ndarray]:
    """Corrected validity of the AI total (dichotomous Case II) with its bootstrap replicates."""
    p = part[part["ai_score"].notna()]
    z = p["ai_score"].to_numpy(dtype=float)
    sel = p["ai_passed"].to_numpy(dtype=bool)
    y = np.where(sel, p["final_passed"].to_numpy(dtype=float), np.nan)
    n_crit = int(np.isfinite(y).sum())
    nan = np.full(n_boot, np.nan)
    if n_crit < 3 or sel.all() or np.nanstd(y) == 0:
        return Validity(None, None, None, len(p), n_crit), nan
    try:
        point = corrected_validity_of(z, z=z, selected=sel, y=y, dichotomous=True)[0]
        boot = bootstrap_corrected_validity(z, z, sel, y, n_boot=n_boot, level=level, rng=seed,
                                            return_replicates=True, dichotomous=True)
    except ValueError:
        return Validity(None, None, None, len(p), n_crit), nan
    return Validity(_f(point), _f(boot.ci_low[0]), _f(boot.ci_high[0]), len(p), n_crit), boot.replicates[:, 0]


def _period(label: str, part: pd.DataFrame, settings: dict[str, Any], seed: Any) -> tuple[PeriodTrend, np.ndarray]:
    level, cut = settings["level"], settings["performance_cut"]
    rates = {}
    for metric in RATES:
        _, y = _units(part, metric, cut)
        rates[metric] = _rate(int(y.sum()), len(y), level)
    validity, reps = _validity(part, settings["n_boot"], level, seed)
    lows = _impact_lows(part, settings["attributes"], settings["min_share"], level)
    return PeriodTrend(str(label), len(part), rates["ai_pass_rate"], rates["final_hit_rate"],
                       rates["performance_hit_rate"], validity, lows), reps


def _mix(label: str, part: pd.DataFrame, attributes: Sequence[str]) -> Mix:
    jobs = part["job_id"].value_counts(normalize=True).sort_index()
    attrs = {}
    for attr in attributes:
        if attr in part.columns or (attr == "age_band" and "age" in part.columns):
            g = group_labels(part, attr).fillna(UNKNOWN)
            attrs[attr] = {str(k): float(v) for k, v in g.value_counts(normalize=True).sort_index().items()}
    return Mix(str(label), len(part), {str(k): float(v) for k, v in jobs.items()}, attrs)


# --------------------------------------------------------------------------------------- comparisons


def _rate_comparison(a: PeriodTrend, b: PeriodTrend, metric: str, level: float) -> Comparison:
    ra, rb = getattr(a, metric), getattr(b, metric)
    if ra.n == 0 or rb.n == 0:
        return Comparison(a.period, b.period, metric, ra.value, rb.value, None, None, None, "two_proportion_z", None)
    lo, hi = newcombe_ci(ra.k, ra.n, rb.k, rb.n, level)
    _, p = two_proportion_z(rb.k, rb.n, ra.k, ra.n)
    return Comparison(a.period, b.period, metric, ra.value, rb.value, rb.value - ra.value, lo, hi,
                      "two_proportion_z", _f(p))


def _validity_comparison(a: PeriodTrend, b: PeriodTrend, reps_a: np.ndarray, reps_b: np.ndarray,
                         level: float) -> Comparison:
    va, vb = a.validity.value, b.validity.value
    d = reps_b - reps_a
    if va is None or vb is None or np.isfinite(d).sum() < 0.9 * len(d):
        return Comparison(a.period, b.period, "validity", va, vb, None, None, None, "bootstrap", None)
    lo, hi = percentile_interval(d[:, None], level)
    p = min(1.0, 2 * min(bootstrap_p_value(d, 0.0, alternative="less"),
                         bootstrap_p_value(d, 0.0, alternative="greater")))
    return Comparison(a.period, b.period, "validity", va, vb, vb - va, _f(lo[0]), _f(hi[0]), "bootstrap", p)


def _log_ir(part: pd.DataFrame, column: str, group: str, reference: str) -> tuple[float, float]:
    """log impact ratio of ``group`` vs ``reference`` in ``part`` and its Katz variance (0.5 added to zeros)."""
    g = part[column].to_numpy()
    sel = part["ai_passed"].to_numpy(dtype=bool)
    a, n1 = float((sel & (g == group)).sum()), float((g == group).sum())
    c, n2 = float((sel & (g == reference)).sum()), float((g == reference).sum())
    if n1 == 0 or n2 == 0:
        return np.nan, np.nan
    if a == 0 or c == 0:
        a, c, n1, n2 = a + 0.5, c + 0.5, n1 + 0.5, n2 + 0.5
    return float(np.log(a / n1) - np.log(c / n2)), float(1 / a - 1 / n1 + 1 / c - 1 / n2)


def _impact_changes(fa: pd.DataFrame, fb: pd.DataFrame, b: PeriodTrend, labels: tuple[str, str],
                    level: float) -> list[ImpactChange]:
    """Per attribute: the later period's lowest impact ratio against the same pair of groups earlier."""
    out = []
    zc = z_critical(level)
    for low in b.min_impact_ratio:
        column = f"_g_{low.attribute}"
        if low.group is None or column not in fa.columns:
            continue
        la, va = _log_ir(fa, column, low.group, low.reference)
        lb, vb = _log_ir(fb, column, low.group, low.reference)
        if not (np.isfinite(la) and np.isfinite(lb)):
            out.append(ImpactChange(*labels, low.attribute, low.group, low.reference, None, _f(np.exp(lb)) if
                                    np.isfinite(lb) else None, None, None, None, None, None))
            continue
        ia, ib = float(np.exp(la)), float(np.exp(lb))
        se_diff = float(np.sqrt(ia**2 * va + ib**2 * vb))
        z = (lb - la) / np.sqrt(va + vb) if va + vb > 0 else 0.0
        out.append(ImpactChange(*labels, low.attribute, low.group, low.reference, ia, ib, ib - ia,
                                ib - ia - zc * se_diff, ib - ia + zc * se_diff, ib / ia,
                                float(two_sided_p(z))))
    return out


def _standardise(fa: pd.DataFrame, fb: pd.DataFrame, metric: str, strata: Sequence[str], labels: tuple[str, str],
                 cut: float, level: float) -> Standardised:
    """Direct standardisation of ``metric`` to period a's mix over ``strata`` (strata in both periods only)."""
    cells = []
    for frame in (fa, fb):
        units, y = _units(frame, metric, cut)
        frame = pd.DataFrame({f"s{i}": units[c].astype(str).to_numpy() for i, c in enumerate(strata)}).assign(y=y)
        cells.append(frame.groupby([f"s{i}" for i in range(len(strata))])["y"].agg(["size", "mean"]))
    ca, cb = cells
    both = ca.index.intersection(cb.index)
    raw = (cb["mean"] * cb["size"]).sum() / cb["size"].sum() - (ca["mean"] * ca["size"]).sum() / ca["size"].sum() \
        if len(ca) and len(cb) else np.nan
    name = " x ".join(strata)
    if len(both) == 0:
        return Standardised(*labels, metric, name, _f(raw), None, None, None, None, 0.0)
    w = ca.loc[both, "size"] / ca.loc[both, "size"].sum()
    pa, pb = ca.loc[both, "mean"], cb.loc[both, "mean"]
    diff = float((w * (pb - pa)).sum())
    var = float((w**2 * (pa * (1 - pa) / ca.loc[both, "size"] + pb * (1 - pb) / cb.loc[both, "size"])).sum())
    se = np.sqrt(var)
    zc = z_critical(level)
    p = float(two_sided_p(diff / se)) if se > 0 else (1.0 if diff == 0 else 0.0)
    coverage = float(ca.loc[both, "size"].sum() / ca["size"].sum())
    return Standardised(*labels, metric, name, _f(raw), diff, diff - zc * se, diff + zc * se, p, coverage)


def _standardised(fa: pd.DataFrame, fb: pd.DataFrame, labels: tuple[str, str], settings: dict[str, Any]
                  ) -> list[Standardised]:
    out = []
    groups = ["job_id"] + [f"_g_{a}" for a in settings["attributes"] if f"_g_{a}" in fa.columns]
    for metric in ("ai_pass_rate", "final_hit_rate"):
        for g in groups:
            strata = ["job_id"] if g == "job_id" else ["job_id", g]
            s = _standardise(fa, fb, metric, strata, labels, settings["performance_cut"], settings["level"])
            out.append(Standardised(**{**asdict(s), "strata": s.strata.replace("_g_", "")}))
    return out


# ------------------------------------------------------------------------------------ question versions


def _opt(v: Any) -> float | None:
    return None if v is None or pd.isna(v) else _f(v)


def _version_change(a: QuestionVersionValidity, b: QuestionVersionValidity, level: float) -> QuestionVersionChange:
    """``b`` against ``a``: the difference with a normal CI and test from the two independent bootstrap CIs."""
    head = (a.job_id, a.question_id, a.version, b.version, a.r_corrected, b.r_corrected)
    if None in (a.r_corrected, b.r_corrected, a.ci_low, a.ci_high, b.ci_low, b.ci_high):
        return QuestionVersionChange(*head, None, None, None, None)
    zc = z_critical(level)
    diff = b.r_corrected - a.r_corrected
    se = float(np.hypot(a.ci_high - a.ci_low, b.ci_high - b.ci_low)) / (2 * zc)
    p = float(two_sided_p(diff / se)) if se > 0 else None
    return QuestionVersionChange(*head, diff, float(diff - zc * se), float(diff + zc * se), p)


def _question_versions(tables: Mapping[str, pd.DataFrame], profiles: Mapping[str, Any] | None, job_id: str | None,
                       level: float, n_boot: int, seed: int
                       ) -> tuple[list[QuestionVersionValidity], list[QuestionVersionChange], list[str]]:
    """Each reworded question (answers record more than one ``question_version``): its corrected validity per
    version (:func:`workbench.review.bank.validity_by_version`, criterion final_passed), versions in the order
    they were first answered, and the change between consecutive versions (Holm across them). The bootstrap
    takes at least 100 resamples (the review's least)."""
    from workbench.review.bank import validity_by_version
    from workbench.review.validity import ValiditySettings

    answers, questions = tables["answers"], tables.get("questions")
    a = answers.dropna(subset=["question_version"]).astype({"question_id": str, "question_version": str})
    first = a.groupby(["question_id", "question_version"])["interviewed_at"].min() if "interviewed_at" in a else None
    n_versions = a.groupby("question_id")["question_version"].nunique()
    reworded = set(n_versions[n_versions > 1].index)
    if not reworded:
        return [], [], []
    if questions is None:
        return [], [], ["no questions table, so the validity of reworded questions per version was not computed"]
    one_row = questions.drop_duplicates("question_id", keep="last")  # the review takes one row per question
    job_of = dict(zip(one_row["question_id"].astype(str), one_row["job_id"].astype(str)))
    jobs = sorted({job_of[q] for q in reworded if q in job_of} & ({job_id} if job_id else set(job_of.values())))
    settings = ValiditySettings(n_boot=max(100, n_boot), level=level, seed=seed)  # the review's least n_boot
    profiles = profiles or {}
    rows: list[QuestionVersionValidity] = []
    changes: list[QuestionVersionChange] = []
    notes: list[str] = []
    for job in jobs:
        if job not in profiles:
            notes.append(f"job {job}: no profile, so the validity of its reworded questions per version was not computed")
            continue
        try:
            table = validity_by_version({**tables, "questions": one_row}, job, "final_passed", settings=settings,
                                        profile=profiles[job])
        except ValueError as exc:
            notes.append(f"job {job}: validity per question version not computed ({exc})")
            continue
        for qid, part in table[table["question_id"].isin(reworded)].groupby("question_id", sort=True):
            recs = [QuestionVersionValidity(job, str(qid), str(r.version), int(r.n), _opt(r.r_observed),
                                            _opt(r.r_corrected), _opt(r.ci_low), _opt(r.ci_high), str(r.verdict))
                    for r in part.itertuples(index=False)]
            recs.sort(key=lambda r: (str(first.get((r.question_id, r.version), "")) if first is not None else "",
                                     r.version))
            rows += recs
            changes += [_version_change(x, y, level) for x, y in zip(recs, recs[1:])]
    return rows, _holm_adjusted(changes), notes


# ------------------------------------------------------------------------------------------ reading


def _sentence(c: Comparison, level: float) -> str:
    """``label before -> after (diff, CI; Holm p: verdict)`` for one comparison."""
    if c.metric == "validity":
        vals = f"{_num(c.before, 2)} -> {_num(c.after, 2)}"
        diff = f"{c.diff:+.2f}, {level:.0%} CI {c.ci_low:+.2f} to {c.ci_high:+.2f}" if c.diff is not None else None
    else:
        vals = f"{_pct(c.before)} -> {_pct(c.after)}"
        diff = (f"{_pct(c.diff, True)}, {level:.0%} CI {_pct(c.ci_low, True)} to {_pct(c.ci_high, True)}"
                if c.diff is not None else None)
    if diff is None:
        return f"{LABELS[c.metric]}: {vals} (too little data to compare)"
    if c.p_adjusted is None:
        return f"{LABELS[c.metric]}: {vals} ({diff}; no test: no variation)"
    verdict = "chance does not explain it" if c.significant else "consistent with chance"
    return f"{LABELS[c.metric]}: {vals} ({diff}; Holm-adjusted p = {c.p_adjusted:.3g}: {verdict})"


def _impact_lines(a: PeriodTrend, b: PeriodTrend) -> tuple[list[str], bool]:
    lines, new = [], False
    before = {i.attribute: i for i in a.min_impact_ratio}
    for i in b.min_impact_ratio:
        j = before.get(i.attribute)
        if i.impact_ratio is None or j is None:
            continue
        text = (f"lowest impact ratio by {i.attribute}: {_num(j.impact_ratio, 2)} ({j.group}) -> "
                f"{_num(i.impact_ratio, 2)} ({i.group} vs {i.reference}, {_num(i.ci_low, 2)}-{_num(i.ci_high, 2)})")
        if i.four_fifths and not (j.four_fifths and j.impact_ratio is not None):
            text += f": NEW ADVERSE IMPACT, below the four-fifths line {FOUR_FIFTHS}"
            if i.ci_high is not None and i.ci_high >= 1:
                text += " (its CI reaches 1: the sample cannot rule out chance)"
            new = True
        elif i.four_fifths:
            text += f": still below {FOUR_FIFTHS}"
        lines.append(text)
    return lines, new


def _reading(a: PeriodTrend, b: PeriodTrend, comps: Sequence[Comparison], std: Sequence[Standardised],
             mix: tuple[Mix, Mix], level: float) -> Reading:
    by = {c.metric: c for c in comps}
    lines = [_sentence(by[m], level) for m in (*RATES, "validity") if m in by]
    flags = []
    up = by["ai_pass_rate"]
    if up.significant and up.diff > 0:
        flags.append("pass_rate_up")
        for m in ("final_hit_rate", "performance_hit_rate"):
            c = by[m]
            if c.significant and c.diff < 0:
                flags.append(f"lower_{m}")
                lines.append(f"the higher pass rate was bought with a lower {LABELS[m]}")
            elif c.diff is not None and c.diff < 0:
                lines.append(f"the {LABELS[m]} fell too, though within chance")
    ir_lines, new_ai = _impact_lines(a, b)
    lines += ir_lines
    if new_ai:
        flags.append("new_adverse_impact")
    tv = 0.5 * sum(abs(mix[1].jobs.get(j, 0.0) - mix[0].jobs.get(j, 0.0)) for j in {*mix[0].jobs, *mix[1].jobs})
    if tv >= 0.05:
        flags.append("mix_shift")
        lines.append(f"job mix shifted (total variation distance {tv:.2f}): compare the standardised figures")
    for metric in ("ai_pass_rate", "final_hit_rate"):
        mine = [s for s in std if s.metric == metric and s.diff is not None]
        for s in mine[:1]:
            lines.append(f"{LABELS[metric]} reweighted to {a.period}'s mix by job: {_pct(s.diff, True)} "
                         f"({level:.0%} CI {_pct(s.ci_low, True)} to {_pct(s.ci_high, True)}, p = {s.p_value:.3g}) "
                         f"beside the raw {_pct(s.raw_diff, True)}")
        if len(mine) > 1:
            lines.append("  and by job x " + "; ".join(f"{s.strata.split(' x ')[-1]} {_pct(s.diff, True)}"
                                                       for s in mine[1:]))
    job_std = next((s for s in std if s.metric == "ai_pass_rate" and s.strata == "job_id"), None)
    if up.significant and job_std is not None and job_std.p_value is not None and job_std.p_value >= 0.05:
        flags.append("mostly_mix")
        lines.append("within jobs the pass rate did not change beyond chance: the raw change is the job mix")
    return Reading(a.period, b.period, tuple(lines), tuple(flags))


# ------------------------------------------------------------------------------------------- trend


def _groups(tables: Mapping[str, pd.DataFrame], by: str, freq: str, job_id: str | None,
            order: Sequence[str] | None, attributes: Sequence[str]) -> tuple[dict[str, pd.DataFrame], int]:
    """The candidates of each period or version, in order, and how many had no period or version."""
    f = funnel_frame(tables, job_id)
    f = f.assign(_key=_key(f, tables, by, freq).to_numpy())
    for attr in attributes:
        if attr in f.columns or (attr == "age_band" and "age" in f.columns):
            f[f"_g_{attr}"] = group_labels(f, attr).fillna(UNKNOWN).to_numpy()
    left_out = int(f["_key"].isna().sum())
    f = f[f["_key"].notna()]
    labels = list(order) if order is not None else sorted(f["_key"].unique(), key=str)
    missing = set(labels) - set(f["_key"])
    if missing:
        raise ValueError(f"no candidate in {by} {', '.join(sorted(map(str, missing)))}")
    return {str(k): f[f["_key"] == k] for k in labels}, left_out


def trend(dataset: Any, by: str = "period", freq: str = "Q", job_id: str | None = None, *,
          order: Sequence[str] | None = None, pairs: Sequence[tuple[str, str]] = (), performance_cut: float = 3.0,
          attributes: Sequence[str] = AUDIT_ATTRIBUTES, min_share: float = 0.02, level: float = 0.95,
          n_boot: int = 1000, seed: int = 0, profiles: Mapping[str, Any] | None = None) -> TrendResult:
    """Pass rate, hit rates, corrected validity and impact ratios per period or version, and what changed.

    Parameters
    ----------
    dataset : path, Dataset, Simulation or mapping of table name -> DataFrame
        A dataset folder, a loaded dataset (``workbench.data.load``), a simulation or the tables.
    by : {"profile_version", "question_version", "period"}
        ``period`` groups on ``candidates.applied_at`` by ``freq``; ``question_version`` on the versions of
        the questions a candidate answered (``answers.question_version``; a candidate who answered several
        versions gets the label ``v1+v2``).
    freq : str, default "Q"
        A pandas period alias (``Q``, ``M``, ``Y``, ``2Q``) for ``by="period"``.
    job_id : str, optional
        One job (default: all pooled; AI scores of jobs with different thresholds are then mixed, which the
        validity and the standardised comparison by job take into account only partly).
    order : sequence of str, optional
        Order of the groups (default: sorted as text, which is chronological for periods).
    pairs : sequence of (from, to)
        Pairs to compare beside the consecutive ones.
    performance_cut : float, default 3.0
        A hire "performs" when their performance rating (1-5) is at or above this cut.
    attributes : sequence of str
        Audit attributes for the impact ratios, the mix panel and the standardisation.
    min_share : float, default 0.02
        Groups under this share of the known applicants are listed but not rated (LL144).
    level : float, default 0.95
    n_boot : int, default 1000
        Bootstrap resamples per period for the validity.
    seed : int, default 0
    profiles : mapping of job_id -> JobProfile, optional
        For ``by="question_version"``: the profiles the per-version question validity needs (default: the
        dataset's, when it has them, as a loaded dataset or a simulation does).

    Returns
    -------
    TrendResult
        ``comparisons`` are Holm-adjusted across every metric and pair together. With
        ``by="question_version"``, ``question_versions`` gives each reworded question's corrected validity
        per version and ``question_version_changes`` the change between its consecutive versions.

    Examples
    --------
    >>> from workbench.simulate import simulate, small_config
    >>> sim = simulate(small_config(n_candidates=300, seed=3, answer_texts=False))
    >>> res = trend(sim.tables, "profile_version", n_boot=50)
    >>> [p.period for p in res.periods], res.comparisons
    (['2026Q1'], ())
    """
    if isinstance(dataset, (str, Path)):
        dataset = load(dataset)
    tables = tables_of(dataset)
    groups, left_out = _groups(tables, by, freq, job_id, order, attributes)
    settings = {"level": level, "performance_cut": performance_cut, "n_boot": n_boot, "min_share": min_share,
                "attributes": tuple(attributes)}
    seeds = np.random.SeedSequence(seed).spawn(len(groups))
    periods, reps = {}, {}
    for (label, part), ss in zip(groups.items(), seeds):
        periods[label], reps[label] = _period(label, part, settings, np.random.default_rng(ss))
    wanted = _pairs(list(groups), pairs, by)
    comps = [_rate_comparison(periods[a], periods[b], m, level) for a, b in wanted for m in RATES]
    comps = _holm_adjusted(comps + [_validity_comparison(periods[a], periods[b], reps[a], reps[b], level)
                                    for a, b in wanted])
    mix = {k: _mix(k, v, attributes) for k, v in groups.items()}
    impacts = _holm_adjusted([c for a, b in wanted
                              for c in _impact_changes(groups[a], groups[b], periods[b], (a, b), level)])
    std, readings = _readings(groups, periods, wanted, comps, impacts, mix, settings)
    overrides = _override_counts(tables, groups)
    versions, version_changes, notes = ([], [], []) if by != "question_version" else _question_versions(
        tables, getattr(dataset, "profiles", None) if profiles is None else profiles, job_id, level, n_boot, seed)
    caveats = _caveats(overrides, left_out, by, job_id, mix) + notes
    return TrendResult(by, freq if by == "period" else None, job_id, level, performance_cut, tuple(periods.values()),
                       tuple(comps), tuple(std), tuple(mix.values()), tuple(readings), tuple(caveats),
                       tuple(impacts), overrides, tuple(versions), tuple(version_changes))


def _pairs(labels: list[str], pairs: Sequence[tuple[str, str]], by: str) -> list[tuple[str, str]]:
    """The consecutive pairs of ``labels`` and the pairs asked for beside them (each must name two groups)."""
    wanted = list(zip(labels, labels[1:])) + [tuple(p) for p in pairs if tuple(p) not in zip(labels, labels[1:])]
    for a, b in wanted:
        if a not in labels or b not in labels:
            raise ValueError(f"pair ({a!r}, {b!r}): no such {by}; have {', '.join(labels)}")
    return wanted


def _holm_adjusted(records: Sequence[Any]) -> list[Any]:
    """The records (with ``p_value`` and ``p_adjusted`` fields) with ``p_adjusted`` by Holm across them."""
    p_adj = holm(np.array([np.nan if c.p_value is None else c.p_value for c in records], dtype=float))
    return [replace(c, p_adjusted=_f(p)) for c, p in zip(records, p_adj)]


def _readings(groups: Mapping[str, pd.DataFrame], periods: Mapping[str, PeriodTrend],
              wanted: Sequence[tuple[str, str]], comps: Sequence[Comparison], impacts: Sequence[ImpactChange],
              mix: Mapping[str, Mix], settings: dict[str, Any]) -> tuple[list[Standardised], list[Reading]]:
    """The standardised comparisons and the plain-words reading of each pair."""
    std, readings = [], []
    for a, b in wanted:
        s = _standardised(groups[a], groups[b], (a, b), settings)
        std += s
        mine = [c for c in comps if (c.from_, c.to) == (a, b)]
        reading = _reading(periods[a], periods[b], mine, s, (mix[a], mix[b]), settings["level"])
        readings.append(_with_impact_changes(reading, [c for c in impacts if (c.from_, c.to) == (a, b)],
                                             settings["level"]))
    return std, readings


def _caveats(overrides: Mapping[str, Any], left_out: int, by: str, job_id: str | None,
             mix: Mapping[str, Mix]) -> list[str]:
    caveats = [RESTRICTED, overrides["note"] or "no AI decision records a human override; the corrected validity "
               "assumes selection on the AI total alone (dichotomous Case II)."]
    if left_out:
        caveats.append(f"{left_out} candidate(s) with an AI decision but no {by} were left out.")
    if job_id is None and len({j for m in mix.values() for j in m.jobs}) > 1:
        caveats.append("all jobs pooled: the validity mixes AI totals of jobs with different thresholds; "
                       "pass --job for one job.")
    return caveats


def _with_impact_changes(reading: Reading, changes: Sequence[ImpactChange], level: float) -> Reading:
    """The reading with a sentence per impact-ratio change (and the flag ``impact_ratio_down`` when one fell
    beyond chance)."""
    lines, flags = list(reading.lines), list(reading.flags)
    for c in changes:
        if c.diff is None:
            continue
        verdict = "chance does not explain it" if c.significant else "consistent with chance"
        lines.append(f"impact ratio {c.group} vs {c.reference} ({c.attribute}): {_num(c.before, 2)} -> "
                     f"{_num(c.after, 2)} ({c.diff:+.2f}, {level:.0%} CI {c.ci_low:+.2f} to {c.ci_high:+.2f}; "
                     f"Holm-adjusted p = {c.p_adjusted:.3g}: {verdict})")
        if c.significant and c.diff < 0 and "impact_ratio_down" not in flags:
            flags.append("impact_ratio_down")
    return Reading(reading.from_, reading.to, tuple(lines), tuple(flags))


def _override_counts(tables: Mapping[str, pd.DataFrame], groups: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """Reviewed and overturned AI decisions among the candidates compared (see :func:`workbench.review.queue`)."""
    from workbench.review.overrides import override_counts

    ids = set().union(*(set(g.index.astype(str)) for g in groups.values()))  # funnel frames: candidate_id index
    ai = tables["ai_decisions"]
    ai = ai[ai["candidate_id"].astype(str).isin(ids)]
    if "human_reviewed" not in ai.columns:
        return {"decisions": int(len(ai)), "reviewed": 0, "overridden": 0, "overridden_to_pass": 0,
                "overridden_to_fail": 0, "note": None}
    return override_counts(ai)
