"""The validity table through an engine (DuckDB, Spark or pandas): sufficient statistics, not rows.

:func:`engine_validity` builds one job's per-candidate frame in SQL (:func:`workbench.engine.sql.review_frame_cte`:
the answers pivoted to questions, dimension means, the AI total, the decision, the criterion and the final-round
score) and then, by pool size:

- up to ``analytic_above`` applicants (default :data:`ANALYTIC_ABOVE`), the frame is fetched ordered by
  candidate_id and the validity table is :func:`workbench.review.validity.validity_table` itself (percentile
  bootstrap): identical for every engine;
- above it, nothing per candidate leaves the engine: pass 1 counts and centres, pass 2 takes the sums of the
  estimator's design (:func:`workbench.review.stats.validity_from_sums`, or the two-stage
  :func:`~workbench.review.stats.two_stage_from_sums`), pass 3 the sum of squared influence values
  (gradient of the estimate with respect to the sums, times each candidate's design row), whose square root is
  the delta-method standard error of the corrected validity over a resampling of all applicants. Intervals and
  one-sided p-values are on Fisher's z scale (:func:`~workbench.review.stats.delta_interval`); the result says
  ``interval_method="delta"``.

Examples
--------
>>> from workbench.simulate import simulate, small_config
>>> from workbench.review.inputs import review_inputs_from_tables
>>> from workbench.review.validity import ValiditySettings, validity_table
>>> sim = simulate(small_config(n_candidates=3000, seed=4, answer_texts=False, resume_files=(0, 0, 0)))
>>> profile = sim.profiles["product_manager"]
>>> rows = validity_table(review_inputs_from_tables(sim.tables, profile, "final_score"), ValiditySettings(n_boot=200))
>>> fast = engine_validity(sim.tables, profile, "final_score", ValiditySettings(n_boot=200), analytic_above=0)
>>> fast.interval_method, bool(abs(fast.questions.r_corrected - rows.questions.r_corrected).max() < 1e-9)
('delta', True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.composite import dimension_scores
from workbench.engine import open_source
from workbench.engine.sql import num, review_frame_cte
from workbench.records import JobProfile
from workbench.review.inputs import CRITERIA, ReviewInputError, ReviewInputs
from workbench.review.stats import (
    delta_interval,
    delta_p_below,
    fisher_ci,
    sums_gradient,
    two_stage_from_sums,
    validity_from_sums,
)
from workbench.review.validity import (
    _TWO_STAGE,
    PoolFacts,
    ValidityResult,
    ValiditySettings,
    _Estimates,
    _fisher_p_below,
    _require_criterion,
    assemble_validity,
    validity_table,
)

__all__ = ["ANALYTIC_ABOVE", "engine_validity"]

#: Applicants of a job above which intervals are analytic (delta method) instead of bootstrapped: see
#: ``benchmarks/eval_delta_coverage.py`` (coverage of both on the simulator) and the README "Large data".
ANALYTIC_ABOVE = 200_000
_GROUPS = ("gender", "age", "race_ethnicity", "education")


class _Frame:
    """One job's review frame in SQL: the CTE text and what its predictors are."""

    def __init__(self, source: Any, profile: JobProfile, criterion: str, qids: list[str] | None = None) -> None:
        eng = source.engine
        self.source, self.lit, self.criterion = source, eng.literal, criterion
        bank = eng.query(f"SELECT question_id, dimension FROM questions WHERE CAST(job_id AS STRING) = "
                         f"{eng.literal(profile.job_id)}")
        bank = bank.drop_duplicates("question_id")  # the versions of a question share its id and dimension
        bank_ids = [str(q) for q in bank["question_id"]]
        self.question_dimension = dict(zip(bank_ids, bank["dimension"].astype(str)))
        self.qids = bank_ids if qids is None else [q for q in bank_ids if q in qids]
        self.dims = list(profile.dimension_names)
        members = [[i for i, q in enumerate(self.qids) if self.question_dimension.get(q) == d] for d in self.dims]
        table, column = CRITERIA[criterion]
        cols = set(eng.columns(table)) if source.has(table) else set()
        self.has_criterion = column in cols
        fin_cols = set(eng.columns("final_rounds")) if source.has("final_rounds") else set()
        groups = [g for g in _GROUPS if g in set(eng.columns("candidates"))]
        self.groups = groups
        self.has_final = source.has("final_rounds") and "final_score" in fin_cols
        self.ctes = review_frame_cte(
            eng.literal, job_id=profile.job_id, question_ids=self.qids, dimensions=members,
            criterion=(table, column) if self.has_criterion else None, has_final=source.has("final_rounds"),
            has_outcomes=source.has("outcomes") and "hired" in set(eng.columns("outcomes")), with_groups=groups)
        self.k = len(self.qids) + len(self.dims) + 1

    def query(self, sql: str) -> pd.DataFrame:
        return self.source.engine.query(f"WITH {self.ctes} {sql}")


# ------------------------------------------------------------------------------------------ pass 1


def _facts_sql(frame: _Frame, threshold: float) -> str:
    k, t = frame.k, num(threshold)
    base = "sel = 1 AND z IS NOT NULL AND y IS NOT NULL"
    fin = "sel = 1 AND z IS NOT NULL AND s IS NOT NULL"
    parts = [
        "COUNT(*) AS n_all", "SUM(sel) AS n_sel", "SUM(CASE WHEN sel = 1 AND y IS NOT NULL THEN 1 ELSE 0 END) AS n_crit",
        "SUM(CASE WHEN sel = 0 AND y IS NOT NULL THEN 1 ELSE 0 END) AS outside",
        f"SUM(CASE WHEN (sel = 1) = COALESCE(z >= {t}, FALSE) THEN 0 ELSE 1 END) AS overturned",
        "COUNT(DISTINCT CASE WHEN sel = 1 THEN y END) AS y_distinct", "MIN(CASE WHEN sel = 1 THEN y END) AS y_value",
        "SUM(CASE WHEN sel = 1 AND s IS NOT NULL THEN 1 ELSE 0 END) AS n_fin",
        "SUM(CASE WHEN sel = 1 AND s IS NOT NULL AND y IS NOT NULL THEN 1 ELSE 0 END) AS n_hires",
        "SUM(CASE WHEN sel = 1 AND y IS NOT NULL AND s IS NULL THEN 1 ELSE 0 END) AS lost",
        f"AVG(CASE WHEN {base} THEN y END) AS p_s", f"AVG(CASE WHEN {base} THEN z END) AS mz_base",
        f"STDDEV_SAMP(CASE WHEN {base} THEN z END) AS sdz_base", "AVG(z) AS mz",
        f"AVG(CASE WHEN {fin} THEN s END) AS ms", f"AVG(CASE WHEN {fin} AND y IS NOT NULL THEN y END) AS my_hire",
        f"STDDEV_SAMP(CASE WHEN {fin} AND y IS NOT NULL THEN s END) AS sds_hire",
        f"STDDEV_SAMP(CASE WHEN {fin} THEN s END) AS sds_fin",
    ]
    for j in range(k):
        parts += [f"COUNT(x{j}) AS nx{j}", f"AVG(CASE WHEN {base} THEN x{j} END) AS cb{j}",
                  f"AVG(CASE WHEN {fin} THEN x{j} END) AS cf{j}"]
    return f"SELECT {', '.join(parts)} FROM r"


def _pool_facts(row: pd.Series, criterion: str, threshold: float, has_final: bool) -> PoolFacts:
    get = lambda key: float(row[key]) if pd.notna(row[key]) else math.nan  # noqa: E731
    d_z = (get("mz") - get("mz_base")) / get("sdz_base") if get("sdz_base") > 0 else math.nan
    n = lambda key: int(0 if pd.isna(row[key]) else row[key])  # noqa: E731
    return PoolFacts(criterion=criterion, binary=criterion in ("final_passed", "retained_12m"),
                     n_applicants=n("n_all"), n_selected=n("n_sel"), n_criterion=n("n_crit"), outside=n("outside"),
                     overturned=n("overturned"), threshold=float(threshold), y_distinct=n("y_distinct"),
                     y_value=get("y_value"), n_finalists=n("n_fin"), n_hires=n("n_hires"),
                     lost=n("lost") if has_final else 0, p_selected=get("p_s"), d_z=d_z)


# ---------------------------------------------------------------------------------- pass 2 and 3


def _derived(k: int, two_stage: bool, c: pd.Series) -> list[tuple[str, str]]:
    """Per-row columns of the design (centred, zero off their masks) over the frame ``r``."""
    def centre(key: str) -> str:
        return num(c[key]) if pd.notna(c[key]) else "0.0"

    out = [("hz", "CASE WHEN z IS NOT NULL THEN 1.0 ELSE 0.0 END"), ("zc", f"COALESCE(z - {centre('mz')}, 0.0)"),
           ("sz", "CASE WHEN sel = 1 AND z IS NOT NULL THEN 1.0 ELSE 0.0 END")]
    if not two_stage:
        base = "sel = 1 AND z IS NOT NULL AND y IS NOT NULL"
        out.append(("yc", f"CASE WHEN {base} THEN y - {centre('p_s')} ELSE 0.0 END"))
        for j in range(k):
            m = f"{base} AND x{j} IS NOT NULL"
            out += [(f"m{j}", f"CASE WHEN {m} THEN 1.0 ELSE 0.0 END"),
                    (f"xc{j}", f"CASE WHEN {m} THEN x{j} - {centre(f'cb{j}')} ELSE 0.0 END")]
        return out
    fin = "sel = 1 AND z IS NOT NULL AND s IS NOT NULL"
    hire = f"{fin} AND y IS NOT NULL"
    out += [("sc", f"CASE WHEN {fin} THEN s - {centre('ms')} ELSE 0.0 END"),
            ("yc", f"CASE WHEN {hire} THEN y - {centre('my_hire')} ELSE 0.0 END")]
    for j in range(k):
        cx = centre(f"cf{j}")
        out += [(f"mf{j}", f"CASE WHEN {fin} AND x{j} IS NOT NULL THEN 1.0 ELSE 0.0 END"),
                (f"mh{j}", f"CASE WHEN {hire} AND x{j} IS NOT NULL THEN 1.0 ELSE 0.0 END"),
                (f"xf{j}", f"CASE WHEN {fin} AND x{j} IS NOT NULL THEN x{j} - {cx} ELSE 0.0 END"),
                (f"xh{j}", f"CASE WHEN {hire} AND x{j} IS NOT NULL THEN x{j} - {cx} ELSE 0.0 END")]
    return out


def _level(k: int, mask: str, x: str, shared: Sequence[str]) -> list[str]:
    """The columns of :func:`workbench.review.stats._level_block` with one mask per predictor."""
    cols = [f"{mask}{j}" for j in range(k)]
    cols += [f"{mask}{j} * {v}" for v in shared for j in range(k)]
    cols += [f"{mask}{j} * {shared[a]} * {shared[b]}" for a in range(len(shared)) for b in range(a, len(shared))
             for j in range(k)]
    cols += [f"{x}{j}" for j in range(k)] + [f"{x}{j} * {x}{j}" for j in range(k)]
    cols += [f"{x}{j} * {v}" for v in shared for j in range(k)]
    return cols


def _columns(k: int, two_stage: bool) -> list[str]:
    """The design's columns in the order of the estimators' sums (one mask per predictor)."""
    pool = ["hz", "zc", "zc * zc", "sz", "sz * zc", "sz * zc * zc"]
    if two_stage:
        return pool + _level(k, "mf", "xf", ("zc", "sc")) + _level(k, "mh", "xh", ("zc", "sc", "yc"))
    cols = list(pool)
    for factor in ("", " * yc", " * yc * yc", " * zc", " * zc * zc", " * yc * zc"):
        cols += [f"m{j}{factor}" for j in range(k)]
    for factor in ("", " * xc{j}", " * yc", " * zc"):
        cols += [f"xc{j}" + factor.format(j=j) for j in range(k)]
    return cols


def _sums(frame: _Frame, derived: list[tuple[str, str]], exprs: Sequence[str]) -> np.ndarray:
    cols = ", ".join(f"{e} AS {n}" for n, e in derived)
    body = ", ".join(f"SUM({e}) AS v{i}" for i, e in enumerate(exprs))
    out = frame.source.engine.query(f"WITH {frame.ctes}, f AS (SELECT {cols} FROM r) SELECT {body} FROM f")
    return out.iloc[0].to_numpy(dtype=float, na_value=0.0)


def _influence_sql(columns: list[str], grad: np.ndarray, mean: np.ndarray) -> list[str]:
    """Per predictor: SUM over applicants of (gradient . design row - gradient . mean row)^2."""
    out = []
    for j in range(grad.shape[1]):
        g = grad[:, j]
        use = np.flatnonzero(np.isfinite(g) & (g != 0))
        if not use.size or not np.isfinite(g).all():
            out.append("0.0")
            continue
        terms = " + ".join(f"{num(g[c])} * {columns[c]}" for c in use)
        out.append(f"POWER({terms} - {num(float(g[use] @ mean[use]))}, 2)")
    return out


def _delta_estimates(frame: _Frame, facts: PoolFacts, row: pd.Series, settings: ValiditySettings,
                     two_stage: bool) -> _Estimates:
    k = frame.k
    derived = _derived(k, two_stage, row)
    columns = _columns(k, two_stage)
    S = _sums(frame, derived, columns)
    dich = facts.binary and settings.correction == "case_iii"
    y_offset = float(row["my_hire"] if two_stage else row["p_s"])
    y_offset = 0.0 if not math.isfinite(y_offset) else y_offset

    def estimate(Sb: np.ndarray) -> dict[str, np.ndarray]:
        return (two_stage_from_sums if two_stage else validity_from_sums)(Sb, k, y_offset, dichotomous=dich)

    point = estimate(S[None, :])
    n_obs, r_obs = point["n"][0], point["r_xy"][0]
    if settings.correction == "none":
        lo, hi = fisher_ci(r_obs, n_obs, settings.level)
        p = _fisher_p_below(r_obs, n_obs, np.full(k, settings.min_validity))
        return _Estimates(n_obs, r_obs, point["r_xz"][0], point["r_yz"][0], np.full(k, np.nan), np.full(k, np.nan),
                          r_obs.copy(), np.asarray(lo), np.asarray(hi), p, ("none",) * k, np.zeros(k, bool),
                          float(point["u_z"][0]))
    grad = sums_gradient(estimate, S)
    var = _sums(frame, derived, _influence_sql(columns, grad, S / facts.n_applicants))
    se = np.where(np.isfinite(grad).all(axis=0), np.sqrt(var), np.nan)
    r_c = point["r_c"][0]
    lo, hi = delta_interval(r_c, se, settings.level)
    p = np.where(np.isfinite(lo), delta_p_below(r_c, se, settings.min_validity), np.nan)
    method = ("two_stage_case_iii" if two_stage else "case_iii") + ("_dichotomous" if facts.binary else "")
    correction = (method,) * (k - 1) + ("two_stage_case_ii" if two_stage else "case_ii",)
    u_s = float(row["sds_hire"] / row["sds_fin"]) if two_stage and pd.notna(row["sds_fin"]) else math.nan
    return _Estimates(n_obs, r_obs, point["r_xz"][0], point["r_yz"][0], np.full(k, float(point["u_z"][0])),
                      np.full(k, np.nan), r_c, lo, hi, p, correction, np.zeros(k, bool), float(point["u_z"][0]),
                      stages=2 if two_stage else 1, u_s=u_s)


# --------------------------------------------------------------------------------------------- rows


def _inputs_from_rows(frame: _Frame, profile: JobProfile, rows: pd.DataFrame) -> ReviewInputs:
    """:class:`ReviewInputs` from the fetched frame (ordered by candidate_id), as the tables would give."""
    idx = pd.Index(rows["candidate_id"].astype(str), name="candidate_id")
    wide = pd.DataFrame({q: rows[f"x{i}"].to_numpy(dtype=float, na_value=np.nan) for i, q in enumerate(frame.qids)},
                        index=idx)
    wide = wide.loc[:, wide.notna().any(axis=0)]
    wide.columns.name = "question_id"
    col = lambda c: pd.Series(rows[c].to_numpy(dtype=float, na_value=np.nan), index=idx)  # noqa: E731
    final = col("s").rename("final_score") if frame.has_final else None
    hired = (col("hired") == 1).astype(bool) if "hired" in rows and rows["hired"].notna().any() else None
    groups = pd.DataFrame({g: rows[f"g_{g}"].to_numpy() for g in frame.groups}, index=idx)
    return ReviewInputs(job_id=profile.job_id, criterion=frame.criterion, profile=profile, questions=wide,
                        question_dimension={q: frame.question_dimension[q] for q in frame.qids},
                        dimensions=dimension_scores(wide, frame.question_dimension, profile.dimension_names),
                        ai_score=col("z").rename("ai_score"), selected=(col("sel") == 1).rename("ai_passed"),
                        criterion_values=col("y").rename(CRITERIA[frame.criterion][1]), groups=groups,
                        final_score=final, hired=hired)


def engine_validity(data: Any, profile: JobProfile, criterion: str,
                    settings: ValiditySettings = ValiditySettings(), *, engine: Any = "duckdb",
                    analytic_above: int = ANALYTIC_ABOVE, spark: Any = None,
                    spark_master: str | None = None) -> ValidityResult:
    """The validity table of ``profile.job_id`` against ``criterion``, reduced by an engine (see the module).

    Parameters
    ----------
    data : dataset folder, Dataset, mapping of tables or :class:`workbench.engine.Source`
    profile : JobProfile
    criterion : str
    settings : ValiditySettings
    engine : {"duckdb", "spark", "pandas"} or Engine
    analytic_above : int
        Pools with more applicants get analytic (delta-method) intervals; smaller ones the bootstrap.

    Raises
    ------
    ReviewInputError
        As :func:`workbench.review.inputs.review_inputs_from_tables` and
        :func:`workbench.review.validity.validity_table`; Case IV on a pool above ``analytic_above``.
    """
    if criterion not in CRITERIA:
        raise ReviewInputError(f"criterion {criterion!r} is not one of {', '.join(CRITERIA)}")
    source = open_source(data, engine, spark=spark, spark_master=spark_master)
    for name in ("candidates", "ai_decisions", "questions", "answers"):
        if not source.has(name):
            raise ReviewInputError(f"{profile.job_id}: no {name} table")
    frame = _Frame(source, profile, criterion)
    if not frame.qids:
        raise ReviewInputError(f"{profile.job_id}: no answers for this job's questions")
    row = frame.query(_facts_sql(frame, profile.threshold)).iloc[0]
    answered = [q for i, q in enumerate(frame.qids) if row[f"nx{i}"] and row[f"nx{i}"] > 0]
    if not int(row["n_all"]):
        raise ReviewInputError(f"{profile.job_id}: no candidate has an AI decision (ai_decisions is empty for this job)")
    if not answered:
        raise ReviewInputError(f"{profile.job_id}: no answers for this job's questions")
    table = CRITERIA[criterion][0]
    if not frame.has_criterion or not source.count(table):
        raise ReviewInputError(f"{profile.job_id}: no {table} data, so the criterion {criterion!r} is not available")
    if not int(row["n_crit"]) + int(row["outside"]):
        raise ReviewInputError(f"{profile.job_id}: no candidate of this job has a value for {criterion!r}")
    if int(row["n_all"]) <= analytic_above:
        rows = frame.query("SELECT * FROM r ORDER BY candidate_id")
        return validity_table(_inputs_from_rows(frame, profile, rows), settings)
    if settings.correction == "case_iv":
        raise ReviewInputError("Case IV needs the rows (coefficient alpha, SD ratios of every predictor): run it on "
                               f"a pool of at most {analytic_above:,} applicants, or use case_iii")
    if answered != frame.qids:
        frame = _Frame(source, profile, criterion, answered)
        row = frame.query(_facts_sql(frame, profile.threshold)).iloc[0]
    facts = _pool_facts(row, criterion, profile.threshold, frame.has_final)
    _require_criterion(profile.job_id, facts)
    two_stage = settings.correction == "case_iii" and criterion in _TWO_STAGE and frame.has_final \
        and facts.n_hires > 0
    est = _delta_estimates(frame, facts, row, settings, two_stage)
    return assemble_validity(profile.job_id, facts, frame.qids, [frame.question_dimension[q] for q in frame.qids],
                             frame.dims, est, settings, interval_method="delta")
