"""The audit's sufficient statistics: counts per (job, group, stage) cell, from rows or from an engine.

Every LL144 table, stage table, unknown entry and CMH test of :func:`workbench.fairness.audit` is a function of
``(J, G + 1, 2)`` count arrays (job x group, the last group unknown x [not selected, selected]) per table
("main", "scoring" and the four stages). :func:`cells_from_pool` counts them from the in-memory pool (numpy);
:func:`cells_from_engine` asks an engine (DuckDB, Spark or pandas, :mod:`workbench.engine`) for the same cells
with one grouped SQL scan, so the statistics after it are one implementation.

Examples
--------
>>> from workbench.simulate import simulate, small_config
>>> from workbench.engine import open_source
>>> sim = simulate(small_config(n_candidates=300, seed=3, answer_texts=False))
>>> a = cells_from_engine(open_source(sim.tables, "duckdb"), ("gender",), decision="ai_passed",
...                       population="stage", job_id=None)
>>> b = cells_from_pool(_pool(sim.tables, None, ("gender",)), ("gender",), decision="ai_passed", population="stage")
>>> bool((a.attributes["gender"][1]["main"] == b.attributes["gender"][1]["main"]).all()), a.median == b.median
(True, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.data.groups import AGE_BANDS, AGE_BANDS_FINE, INTERSECTION, GroupError, _encode
from workbench.engine.sql import AUDIT_SPECS, age_band_sql, audit_cells_sql, median_sql, num, pool_cte
from workbench.fairness.common import AuditError
from workbench.fairness.pool import _Pool, _counts, _pool, _stage_arrays

__all__ = ["AuditCells", "cells_from_engine", "cells_from_pool"]

_BASE = ("gender", "race_ethnicity", "education")
_AGE = {"age_band": AGE_BANDS, "age_band_fine": AGE_BANDS_FINE}


@dataclass(frozen=True, eq=False)
class AuditCells:
    """Counts of one audit (see the module).

    Attributes
    ----------
    jobs : list of str
    attributes : dict
        attribute -> (labels, {table: (J, G + 1, 2) counts}) for ``main``, ``scoring`` (when scores exist)
        and each stage; or attribute -> GroupError when the attribute cannot be encoded.
    n_applicants, n_scored : int
    n_population, n_selected : int
        Applicants in the main table's population, and of them selected.
    median : float
        Median AI score of the scored applicants (NaN when none).
    applied_at : tuple
        First and last application date (Timestamps or NaT).
    profile_versions : list of str
    """

    jobs: list[str]
    attributes: dict[str, Any]
    n_applicants: int
    n_scored: int
    median: float
    applied_at: tuple[Any, Any]
    profile_versions: list[str] = field(default_factory=list)
    n_population: int = 0
    n_selected: int = 0


def _main_spec(decision: str, population: str) -> tuple[str, str]:
    if population == "stage" or decision == "ai_passed":
        return AUDIT_SPECS[decision]
    return AUDIT_SPECS["ai_passed"][0], {"final_passed": "COALESCE(fin, 0)", "hired": "hired"}[decision]


def cells_from_pool(pool: _Pool, attributes: Sequence[str], *, decision: str, population: str) -> AuditCells:
    """The cells counted from the in-memory pool (the numpy path)."""
    stages = _stage_arrays(pool)
    mask, y, _ = stages[decision] if population == "stage" or decision == "ai_passed" else \
        (np.isfinite(pool.ai), {"final_passed": np.nan_to_num(pool.final).astype(bool),
                                "hired": pool.hired.astype(bool)}[decision], "")
    score = pool.ai_score
    has_score = np.isfinite(score)
    median = float(np.median(score[has_score])) if has_score.any() else np.nan
    specs = {"main": (mask, y), **({"scoring": (has_score, score > median)} if has_score.any() else {}),
             **{k: (m, yy) for k, (m, yy, _) in stages.items()}}
    J = len(pool.jobs)
    out: dict[str, Any] = {}
    for attribute in attributes:
        try:
            codes, labels = _encode(pool.groups, attribute)
        except GroupError as err:
            out[attribute] = err
            continue
        out[attribute] = (labels, {k: _counts(pool.job, codes, yy, m, J, len(labels)) for k, (m, yy) in specs.items()})
    return AuditCells(pool.jobs, out, len(pool.candidate_id), int(has_score.sum()), median, pool.applied_at,
                      pool.profile_versions, int(mask.sum()), int(y[mask].sum()))


# ------------------------------------------------------------------------------------------ engine


def _columns(source: Any, table: str) -> list[str]:
    return source.engine.columns(table) if source.has(table) else []


def _pool_sql(source: Any, job_id: str | None, group_columns: list[str]) -> str:
    return pool_cte(source.engine.literal, job_id=job_id, group_columns=group_columns,
                    has_final=source.has("final_rounds") and "final_passed" in _columns(source, "final_rounds"),
                    has_outcomes=source.has("outcomes") and "hired" in _columns(source, "outcomes"),
                    has_version="profile_version" in _columns(source, "ai_decisions"))


def _pool_facts(source: Any, pool: str, job_id: str | None, main: tuple[str, str]) -> dict[str, Any]:
    """Applicants in the pool, of them scored, in the main population and selected; profile versions; first
    and last application date."""
    q = source.engine.query
    facts = q(f"WITH {pool} SELECT COUNT(*) AS n, COUNT(ai_score) AS n_scored, SUM({main[0]}) AS n_pop, "
              f"SUM(({main[0]}) * ({main[1]})) AS n_sel FROM pool")
    versions = q(f"WITH {pool} SELECT DISTINCT profile_version AS v FROM pool WHERE profile_version IS NOT NULL")
    period = (pd.NaT, pd.NaT)
    if "applied_at" in _columns(source, "candidates"):
        where = f"WHERE CAST(job_id AS STRING) = {source.engine.literal(job_id)}" if job_id is not None else ""
        dates = q(f"SELECT MIN(applied_at) AS lo, MAX(applied_at) AS hi FROM candidates {where}").iloc[0]
        period = tuple(pd.to_datetime(pd.Series([dates["lo"], dates["hi"]]), errors="coerce"))
    row = facts.iloc[0]
    return {"n_applicants": int(row["n"]), "n_scored": int(row["n_scored"]),
            "n_population": int(0 if pd.isna(row["n_pop"]) else row["n_pop"]),
            "n_selected": int(0 if pd.isna(row["n_sel"]) else row["n_sel"]),
            "profile_versions": sorted(map(str, versions["v"])), "applied_at": period}


def _median(source: Any, pool: str, n_scored: int) -> float:
    if not n_scored:
        return float("nan")
    mid = source.engine.query(median_sql(pool, n_scored))["ai_score"].to_numpy(dtype=float)
    return float(np.median(mid))


def _grouping_sets(attributes: Sequence[str], present: set[str], lit) -> tuple[dict, dict, dict[str, Any]]:
    """Grouping sets, derived columns, and the attributes that cannot be encoded (GroupError, as the pool)."""
    sets, derived, errors = {}, {}, {}
    for attribute in attributes:
        if attribute in _AGE:
            if "age" not in present:
                errors[attribute] = GroupError(f"{attribute} needs an 'age' column in candidates")
                continue
            sets[attribute], derived[attribute] = (attribute,), age_band_sql("age", _AGE[attribute], lit)
        elif attribute == INTERSECTION:
            missing = [a for a in ("gender", "race_ethnicity") if a not in present]
            if missing:
                errors[attribute] = _absent(missing[0], present)
                continue
            sets[attribute] = ("gender", "race_ethnicity")
        elif attribute in present:
            sets[attribute] = (attribute,)
        else:
            errors[attribute] = _absent(attribute, present)
    return sets, derived, errors


def _absent(attribute: str, present: set[str]) -> GroupError:
    options = ", ".join(sorted(present - {"age"} | {"age_band", "age_band_fine", INTERSECTION}))
    return GroupError(f"attribute {attribute!r} is not a column of candidates (use one of {options})")


def _codes(frame: pd.DataFrame, attribute: str, cols: tuple[str, ...], labels_of: dict[str, list[str]]):
    """Group codes (G = unknown) and labels of the cell rows of one grouping set."""
    if attribute in _AGE:
        labels = [label for _, _, label in _AGE[attribute]]
        index = {lab: i for i, lab in enumerate(labels)}
        return np.array([index.get(v, len(labels)) if isinstance(v, str) else len(labels)
                         for v in frame[attribute]], dtype=np.int64), labels
    if attribute == INTERSECTION:
        gl, rl = labels_of["gender"], labels_of["race_ethnicity"]
        gi, ri = ({lab: i for i, lab in enumerate(x)} for x in (gl, rl))
        labels = [f"{a} × {b}" for a in gl for b in rl]
        codes = [gi[g] * max(len(rl), 1) + ri[r] if isinstance(g, str) and isinstance(r, str) else len(labels)
                 for g, r in zip(frame["gender"], frame["race_ethnicity"])]
        return np.array(codes, dtype=np.int64), labels
    labels = labels_of[attribute]
    index = {lab: i for i, lab in enumerate(labels)}
    return np.array([index.get(v, len(labels)) if isinstance(v, str) else len(labels) for v in frame[cols[0]]],
                    dtype=np.int64), labels


def _rows_of_set(cells: pd.DataFrame, cols: tuple[str, ...], all_cols: list[str]) -> pd.DataFrame:
    grouped = np.ones(len(cells), dtype=bool)
    for c in all_cols:
        flag = cells[f"g_{c}"].to_numpy(dtype=np.int64)
        grouped &= (flag == 0) if c in cols else (flag == 1)
    return cells[grouped]


def _arrays(rows: pd.DataFrame, codes: np.ndarray, jobs: list[str], G: int, specs: Sequence[str]) -> dict:
    job_index = {j: i for i, j in enumerate(jobs)}
    j = np.array([job_index[v] for v in rows["job_id"]], dtype=np.int64)
    out = {}
    for k in specs:
        n = rows[f"n_{k}"].to_numpy(dtype=float, na_value=0).astype(np.int64)
        s = rows[f"s_{k}"].to_numpy(dtype=float, na_value=0).astype(np.int64)
        cnt = np.zeros((len(jobs), G + 1, 2), dtype=np.int64)
        np.add.at(cnt, (j, codes, 1), s)
        np.add.at(cnt, (j, codes, 0), n - s)
        out[k] = cnt
    return out


def cells_from_engine(source: Any, attributes: Sequence[str], *, decision: str, population: str,
                      job_id: str | None) -> AuditCells:
    """The same cells as :func:`cells_from_pool`, counted by the engine of ``source`` (one grouped scan)."""
    for name in ("candidates", "ai_decisions"):
        if not source.has(name) or not source.count(name):
            raise AuditError(f"the {name} table is empty or missing: nothing to audit")
    lit = source.engine.literal
    present = set(_columns(source, "candidates")) - {"candidate_id", "job_id"}
    sets, derived, errors = _grouping_sets(attributes, present, lit)
    group_columns = [c for c in ("gender", "age", "race_ethnicity", "education", *attributes)
                     if c in present and c not in _AGE and c != INTERSECTION]
    pool = _pool_sql(source, job_id, list(dict.fromkeys(group_columns)))
    facts = _pool_facts(source, pool, job_id, _main_spec(decision, population))
    n, n_scored = facts["n_applicants"], facts["n_scored"]
    if n == 0:
        raise AuditError(f"job {job_id!r} has no candidates with an AI decision" if job_id is not None
                         else "no candidate has an AI decision")
    median = _median(source, pool, n_scored)
    specs = {"main": _main_spec(decision, population),
             **({"scoring": ("CASE WHEN ai_score IS NOT NULL THEN 1 ELSE 0 END",
                             f"CASE WHEN ai_score > {num(median)} THEN 1 ELSE 0 END")} if n_scored else {}),
             **AUDIT_SPECS}
    base_sets = {**{a: (a,) for a in ("gender", "race_ethnicity") if INTERSECTION in sets}, **sets}
    cells = source.engine.query(audit_cells_sql(pool, base_sets, derived, specs))
    all_cols = list(dict.fromkeys(c for cols in base_sets.values() for c in cols))
    jobs = sorted({str(v) for v in cells["job_id"]})
    labels_of = {a: sorted({str(v) for v in _rows_of_set(cells, (a,), all_cols)[a] if isinstance(v, str)})
                 for a in base_sets if a in present}
    out: dict[str, Any] = {}
    for attribute in attributes:
        if attribute in errors:
            out[attribute] = errors[attribute]
            continue
        rows = _rows_of_set(cells, sets[attribute], all_cols)
        codes, labels = _codes(rows, attribute, sets[attribute], labels_of)
        codes = np.where(codes < len(labels), codes, len(labels))
        out[attribute] = (labels, _arrays(rows, codes, jobs, len(labels), list(specs)))
    return AuditCells(jobs=jobs, attributes=out, median=median, **facts)
