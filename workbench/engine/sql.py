"""The reductions as SQL text, written once: DuckDB and Spark SQL run the same strings.

Only the subset both dialects parse is used: CTEs, ``CASE``, ``CAST(... AS DOUBLE|STRING)``, ``LEFT JOIN``,
``GROUP BY GROUPING SETS`` with ``GROUPING()``, ``ORDER BY ... LIMIT ... OFFSET``. Numbers are written as
exponent literals (``1.50000000000000000e-01``: a DOUBLE in both dialects, exact round trip) and strings through
the engine's :meth:`~workbench.engine.backends.Engine.literal`.

Two families of queries:

- the audited pool (:func:`pool_cte`): one row per candidate with an AI decision (optionally of one job), its
  decisions as 0/1 and its group columns; :func:`audit_cells_sql` counts applicants and selections per
  (job, group, stage) for every attribute in one scan (grouping sets);
- the review's per-candidate frame of one job (:func:`review_frame_cte`: the AI total ``z``, ``sel``, the
  criterion ``y``, the final-round score ``s`` and the predictors ``x0..``: questions, dimensions (mean of
  the answered questions of the dimension) and the total), over which :mod:`workbench.review.at_scale` takes
  the sums of the validity estimators' design.

Examples
--------
>>> num(0.15)
'1.49999999999999994e-01'
>>> print(age_band_sql("age", ((0, 29, "<30"), (30, 200, "30+")), lambda s: "'" + s + "'"))
CASE WHEN age >= 0 AND age <= 29 THEN '<30' WHEN age >= 30 AND age <= 200 THEN '30+' END
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

Literal = Callable[[str], str]

__all__ = ["AUDIT_SPECS", "age_band_sql", "audit_cells_sql", "median_sql", "num", "pool_cte", "review_frame_cte"]

#: stage / table name -> (population flag, selected flag) over the pool's columns (see :func:`pool_cte`).
AUDIT_SPECS = {
    "ai_passed": ("CASE WHEN ai IS NOT NULL THEN 1 ELSE 0 END", "COALESCE(ai, 0)"),
    "final_passed": ("CASE WHEN fin IS NOT NULL THEN 1 ELSE 0 END", "COALESCE(fin, 0)"),
    "hired": ("CASE WHEN fin = 1 THEN 1 ELSE 0 END", "hired"),
    "whole_process": ("CASE WHEN ai IS NOT NULL THEN 1 ELSE 0 END", "hired"),
}


def num(value: float) -> str:
    """A float as an exact DOUBLE literal of both dialects (NaN is not allowed)."""
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value}")
    return f"{value:.17e}"


def _bool01(expr: str) -> str:
    return f"CASE WHEN {expr} THEN 1 WHEN NOT {expr} THEN 0 END"


def age_band_sql(column: str, bands: Sequence[tuple[int, int, str]], lit: Literal) -> str:
    """CASE expression of the age band of ``column`` (NULL outside every band, as the legacy codes)."""
    whens = " ".join(f"WHEN {column} >= {lo} AND {column} <= {hi} THEN {lit(label)}" for lo, hi, label in bands)
    return f"CASE {whens} END"


def _later_rounds(has_final: bool, has_outcomes: bool) -> list[str]:
    """LEFT JOINs of the final round (``f``) and the outcome (``o``) to the candidates ``c``, when present."""
    return (["LEFT JOIN final_rounds f ON f.candidate_id = c.candidate_id"] if has_final else []) + \
        (["LEFT JOIN outcomes o ON o.candidate_id = c.candidate_id"] if has_outcomes else [])


def pool_cte(lit: Literal, *, job_id: str | None, group_columns: Sequence[str], has_final: bool,
             has_outcomes: bool, has_version: bool) -> str:
    """The audited pool: candidates joined to their AI decision, final round and outcome.

    Columns: ``candidate_id``, ``job_id``, the group columns (text trimmed, blank = NULL; ``age`` as DOUBLE),
    ``ai_score``, ``ai`` / ``fin`` (0/1/NULL), ``hired`` (0/1), ``profile_version``.
    """
    groups = [f"CAST(c.age AS DOUBLE) AS age" if g == "age" else f"NULLIF(TRIM(CAST(c.{g} AS STRING)), '') AS {g}"
              for g in group_columns]
    fin = _bool01("f.final_passed") if has_final else "CAST(NULL AS INT)"
    hired = "CASE WHEN o.hired THEN 1 ELSE 0 END" if has_outcomes else "0"
    version = "CAST(d.profile_version AS STRING)" if has_version else "CAST(NULL AS STRING)"
    joins = ["JOIN ai_decisions d ON d.candidate_id = c.candidate_id", *_later_rounds(has_final, has_outcomes)]
    where = f"WHERE CAST(c.job_id AS STRING) = {lit(job_id)}" if job_id is not None else ""
    cols = ", ".join(["c.candidate_id AS candidate_id", "CAST(c.job_id AS STRING) AS job_id", *groups,
                      "CAST(d.ai_score AS DOUBLE) AS ai_score", f"{_bool01('d.ai_passed')} AS ai", f"{fin} AS fin",
                      f"{hired} AS hired", f"{version} AS profile_version"])
    return f"pool AS (SELECT {cols} FROM candidates c {' '.join(joins)} {where})"


def median_sql(pool: str, n_scored: int) -> str:
    """The one or two middle AI scores of the pool (their mean is numpy's median, bit for bit)."""
    take = 1 if n_scored % 2 else 2
    return (f"WITH {pool} SELECT ai_score FROM pool WHERE ai_score IS NOT NULL ORDER BY ai_score "
            f"LIMIT {take} OFFSET {(n_scored - 1) // 2}")


def audit_cells_sql(pool: str, sets: dict[str, tuple[str, ...]], derived: dict[str, str],
                    specs: dict[str, tuple[str, str]]) -> str:
    """Counts per (job, group) of every grouping set: ``n_<spec>`` (in the population) and ``s_<spec>``
    (selected) for every spec, one scan of the pool.

    ``sets``: name -> group columns (one for an attribute, two for an intersection); ``derived``: column ->
    SQL expression over the pool (age bands); ``specs``: name -> (population flag, selected flag).
    """
    columns = list(dict.fromkeys(c for cols in sets.values() for c in cols))
    select = ", ".join(f"{derived.get(c, c)} AS {c}" for c in columns)
    flags = ", ".join(f"{m} AS m_{k}, {y} AS y_{k}" for k, (m, y) in specs.items())
    grouping = ", ".join(f"GROUPING({c}) AS g_{c}" for c in columns)
    sums = ", ".join(f"SUM(m_{k}) AS n_{k}, SUM(m_{k} * y_{k}) AS s_{k}" for k in specs)
    group_sets = ", ".join("(" + ", ".join(("job_id", *cols)) + ")" for cols in sets.values())
    return (f"WITH {pool}, p AS (SELECT job_id, {select}, {flags} FROM pool) "
            f"SELECT job_id, {', '.join(columns)}, {grouping}, {sums} FROM p GROUP BY GROUPING SETS ({group_sets})")


def review_frame_cte(lit: Literal, *, job_id: str, question_ids: Sequence[str], dimensions: Sequence[Sequence[int]],
                     criterion: tuple[str, str] | None, has_final: bool, has_outcomes: bool,
                     with_groups: Sequence[str] = ()) -> str:
    """The per-candidate frame ``r`` of one job's review (see the module).

    ``dimensions``: per dimension, the positions in ``question_ids`` of its questions; ``criterion``:
    (table, column) of the criterion. Predictors ``x0..`` are the questions, the dimensions, then ``z``.
    """
    k = len(question_ids)
    pivots = ", ".join(f"MAX(CASE WHEN a.question_id = {lit(q)} THEN CAST(a.score AS DOUBLE) END) AS q{i}"
                       for i, q in enumerate(question_ids))
    qlist = ", ".join(lit(q) for q in question_ids)
    dims = []
    for d, members in enumerate(dimensions):
        total = " + ".join(f"COALESCE(w.q{i}, 0.0)" for i in members)
        count = " + ".join(f"CASE WHEN w.q{i} IS NULL THEN 0 ELSE 1 END" for i in members)
        dims.append(f"({total}) / NULLIF({count}, 0) AS x{k + d}" if members else f"CAST(NULL AS DOUBLE) AS x{k + d}")
    table, column = criterion or (None, None)
    alias = {"final_rounds": "f", "outcomes": "o"}.get(table)
    y = (f"CAST({_bool01(f'{alias}.{column}')} AS DOUBLE)" if column in ("final_passed", "retained_12m")
         else f"CAST({alias}.{column} AS DOUBLE)") if alias else "CAST(NULL AS DOUBLE)"
    s = "CAST(f.final_score AS DOUBLE)" if has_final else "CAST(NULL AS DOUBLE)"
    hired = "CASE WHEN o.hired THEN 1.0 ELSE 0.0 END" if has_outcomes else "CAST(NULL AS DOUBLE)"
    joins = ["LEFT JOIN w ON w.candidate_id = c.candidate_id", *_later_rounds(has_final, has_outcomes)]
    groups = "".join(f", {'CAST(c.age AS DOUBLE)' if g == 'age' else f'c.{g}'} AS g_{g}" for g in with_groups)
    cols = ", ".join([f"w.q{i} AS x{i}" for i in range(k)] + dims)
    return (f"c AS (SELECT c.candidate_id{''.join(f', c.{g}' for g in with_groups)}, "
            f"CAST(d.ai_score AS DOUBLE) AS z, "
            f"CASE WHEN d.ai_passed THEN 1 ELSE 0 END AS sel FROM candidates c "
            f"JOIN ai_decisions d ON d.candidate_id = c.candidate_id WHERE CAST(c.job_id AS STRING) = {lit(job_id)}), "
            f"w AS (SELECT a.candidate_id, {pivots} FROM answers a JOIN c ON c.candidate_id = a.candidate_id "
            f"WHERE a.question_id IN ({qlist}) GROUP BY a.candidate_id), "
            f"r AS (SELECT c.candidate_id, c.z, c.sel{groups}, {y} AS y, {s} AS s, {hired} AS hired, {cols}, "
            f"c.z AS x{k + len(dimensions)} FROM c {' '.join(joins)})")
