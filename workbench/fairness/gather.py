"""Where the audit's numbers come from: the in-memory pool (numpy) or an engine, and what needs the rows.

:class:`_Gathered` holds the :class:`~workbench.fairness.cells.AuditCells` of an audit and answers the parts
that are not cell counts: score gaps and DIF (:func:`_where_from`) and the mitigation diagnostic need the
answers and the pool in memory, so they run when the dataset is in memory (a loaded dataset or a mapping of
tables, whatever the engine) and are left out with a note for a Parquet folder read by an engine; the coverage
block is computed from the rows in memory, or by the engine from the folder and its quarantine.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.data.groups import INTERSECTION, _encode
from workbench.data.questions import current_questions
from workbench.data.validate import CELL
from workbench.fairness.cells import AuditCells, cells_from_engine, cells_from_pool
from workbench.fairness.coverage import _by_group, _quarantined_candidates, coverage_of, coverage_warnings_of
from workbench.fairness.mitigation import mitigation_diagnostic
from workbench.fairness.pool import _Pool, _pool, _tables_of
from workbench.fairness.screening import screen_high_risk_inputs
from workbench.fairness.where_from import dif_table, score_gap_table

_NOT_AT_SCALE = ("{what} not computed: they need the answers in memory, and this audit read a Parquet folder "
                 "through the {engine} engine (run it on a loaded dataset, or on one job, for {what})")


def _where_from(tables: Mapping[str, pd.DataFrame], pool: _Pool, attributes: list[str],
                references: Mapping[str, str | None], *, alpha: float, level: float, min_effect: float) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    answers, questions = tables.get("answers"), current_questions(tables.get("questions"))
    notes: list[str] = []
    if answers is None or answers.empty or questions is None or questions.empty:
        return pd.DataFrame(), pd.DataFrame(), ["no answers/questions: score gaps and DIF not computed"]
    gaps, difs = [], []
    pos = pd.Index(pool.candidate_id)
    for j, job in enumerate(pool.jobs):
        bank = questions[questions["job_id"].astype(str) == job]
        qids = list(bank["question_id"].astype(str))
        rows = answers[answers["question_id"].astype(str).isin(qids)]
        if rows.empty:
            continue
        wide = rows.pivot_table(index=rows["candidate_id"].astype(str), columns=rows["question_id"].astype(str),
                                values="score", aggfunc="mean")
        in_job = pos[pool.job == j]
        wide = wide.reindex(index=in_job.intersection(wide.index), columns=[q for q in qids if q in wide.columns])
        if wide.shape[0] < 10:
            continue
        at = pos.get_indexer(wide.index)
        dims = dict(zip(bank["question_id"].astype(str), bank["dimension"].astype(str)))
        dim_scores = pd.DataFrame({d: wide[[q for q in wide.columns if dims.get(q) == d]].mean(axis=1)
                                   for d in dict.fromkeys(dims[q] for q in wide.columns)})
        for attribute in attributes:
            if attribute in ("age_band_fine", INTERSECTION):
                continue  # where-from runs on the main attributes (limits multiplicity)
            codes, labels = _encode(pool.groups, attribute)
            lookup = np.array([*labels, np.nan], dtype=object)
            grp = pd.Series(lookup[codes[at]], index=wide.index)
            if grp.nunique() < 2:
                continue
            for level_name, frame in (("question", wide), ("dimension", dim_scores)):
                g = score_gap_table(frame, grp, alpha=alpha, level=level, min_effect=min_effect)
                gaps.append(g.assign(job_id=job, attribute=attribute, level=level_name))
            d = dif_table(wide, grp, reference=references.get(attribute), alpha=alpha, level=level,
                          min_effect=min_effect)
            if len(d):
                d.insert(0, "dimension", d["question_id"].map(dims))
                text = dict(zip(bank["question_id"].astype(str), bank["text"].astype(str))) \
                    if "text" in bank else {}
                d["text"] = d["question_id"].map(text)
                difs.append(d.assign(job_id=job, attribute=attribute))
    gap = pd.concat(gaps, ignore_index=True) if gaps else pd.DataFrame()
    dif = pd.concat(difs, ignore_index=True) if difs else pd.DataFrame()
    if len(gap):
        gap = gap[["job_id", "attribute", "level", *[c for c in gap.columns if c not in
                                                      ("job_id", "attribute", "level")]]]
    if len(dif):
        dif = dif[["job_id", "attribute", *[c for c in dif.columns if c not in ("job_id", "attribute")]]]
        notes.append("DIF: linear regression of each question score (continuous 1-5) on the rest score (mean of the "
                     "job's other questions, purified once) and the group; uniform DIF = group coefficient, "
                     f"non-uniform = group x rest interaction; Holm-adjusted; flagged at p_adj < {alpha} and "
                     f"|effect| >= {min_effect} rubric points; reference = the group with the highest selection rate")
    return gap, dif, notes


@dataclass(eq=False)
class _Gathered:
    """The cells of one audit and the data behind them (see the module)."""

    cells: AuditCells
    tables: dict[str, pd.DataFrame]
    dataset: Any
    source: Any
    job_id: str | None
    by: tuple[str, ...]
    engine_name: str
    _pool: _Pool | None = None

    @classmethod
    def of(cls, dataset: Any, attributes: Sequence[str], by: Sequence[str], *, decision: str, population: str,
           job_id: str | None, engine: Any, spark: Any, spark_master: str | None) -> "_Gathered":
        if engine is None and isinstance(dataset, str | Path):
            engine = "duckdb"  # a dataset folder: read in place, out of core
        if engine is None and not _is_source(dataset):
            tables = _tables_of(dataset)
            pool = _pool(tables, job_id, by)
            cells = cells_from_pool(pool, attributes, decision=decision, population=population)
            return cls(cells, tables, dataset, None, job_id, tuple(by), "numpy", pool)
        from workbench.engine import open_source

        source = open_source(dataset, engine, spark=spark, spark_master=spark_master)
        cells = cells_from_engine(source, attributes, decision=decision, population=population, job_id=job_id)
        tables = _tables_of(source.dataset) if source.dataset is not None else {}
        return cls(cells, tables, source.dataset, source, job_id, tuple(by), source.engine.name)

    @property
    def in_memory(self) -> bool:
        return bool(self.tables)

    def pool(self) -> _Pool:
        if self._pool is None:
            self._pool = _pool(self.tables, self.job_id, self.by)
        return self._pool

    def where_from(self, attributes: list[str], references: Mapping[str, str | None], **kw: Any):
        if not self.in_memory:
            return pd.DataFrame(), pd.DataFrame(), [_NOT_AT_SCALE.format(what="score gaps and DIF",
                                                                         engine=self.engine_name)]
        return _where_from(self.tables, self.pool(), attributes, references, **kw)

    def mitigation(self, first: str, alpha: float) -> tuple[dict | None, list[str]]:
        if not self.in_memory:
            return None, [_NOT_AT_SCALE.format(what="the mitigation diagnostic", engine=self.engine_name)]
        return {job: mitigation_diagnostic(self.tables, job, first, alpha=alpha) for job in self.pool().jobs}, []

    def screen(self) -> list[dict[str, str]]:
        if self.in_memory:
            return screen_high_risk_inputs(self.tables)
        empty = {name: pd.DataFrame(columns=self.source.engine.columns(name)) for name in self.source.tables}
        return screen_high_risk_inputs(empty)

    def coverage(self, by: Sequence[str], job_id: str | None, unknown: dict[str, Any]) -> tuple[dict, list[str]]:
        """The coverage block and warnings; each attribute's unknown entry gets its reasons."""
        if self.in_memory:
            cover, warns = coverage_of(self.dataset, self.tables, self.pool().candidate_id, list(by), job_id=job_id)
        else:
            cover, warns = _engine_coverage(self.source, self.cells, list(by), job_id)
        for attribute, reasons in cover["unknown_reasons"].items():
            if attribute in unknown:
                unknown[attribute] = {**unknown[attribute], "reasons": reasons}
        return cover, warns


def _is_source(data: Any) -> bool:
    return hasattr(data, "engine") and hasattr(data, "tables") and hasattr(data, "has")


# --------------------------------------------------------------------------- coverage from the engine


def _grouped(source: Any, sql_from: str, columns: list[str]) -> dict[str, dict[str, int]]:
    """Known-group counts of ``columns`` over ``FROM ...`` (one grouping-sets query)."""
    if not columns:
        return {}
    sets = ", ".join(f"({c})" for c in columns)
    frame = source.engine.query(f"SELECT {', '.join(columns)}, {', '.join(f'GROUPING({c}) AS g_{c}' for c in columns)}, "
                                f"COUNT(*) AS n {sql_from} GROUP BY GROUPING SETS ({sets})")
    out = {}
    for c in columns:
        rows = frame[(frame[f"g_{c}"] == 0) & frame[c].notna()]
        out[c] = {str(k).strip(): int(v) for k, v in zip(rows[c], rows["n"]) if str(k).strip()}
    return out


def _engine_coverage(source: Any, cells: AuditCells, attributes: list[str], job_id: str | None):
    lit = source.engine.literal
    cols = set(source.engine.columns("candidates"))
    base = [a for a in attributes if a in cols and a not in ("age_band", "age_band_fine", INTERSECTION)]
    where = f" AND CAST(c.job_id AS STRING) = {lit(job_id)}" if job_id is not None else ""
    no_ai = (f"FROM candidates c LEFT JOIN ai_decisions d ON d.candidate_id = c.candidate_id "
             f"WHERE d.candidate_id IS NULL{where}")
    n_no_ai = int(source.engine.query(f"SELECT COUNT(*) AS n {no_ai}")["n"].iloc[0])
    left = []
    if n_no_ai:
        left.append({"reason": "no AI decision", "n": n_no_ai, "by_group": _grouped(source, no_ai, base)})
    quarantined = _quarantined_candidates(source, job_id)
    if len(quarantined):
        left.append({"reason": "candidate row quarantined (breaks the data contract)", "n": int(len(quarantined)),
                     "by_group": _by_group(quarantined, base)})
    in_pool = (f"FROM candidates c JOIN ai_decisions d ON d.candidate_id = c.candidate_id WHERE 1 = 1{where}")
    known = _grouped(source, in_pool, base)
    reasons = {}
    for attr in attributes:
        if attr in ("age_band", "age_band_fine", INTERSECTION):
            continue
        n_known = sum(known.get(attr, {}).values())
        unrec = _cells_set_unknown(source, attr, job_id)
        if attr not in cols or n_known == 0:
            reasons[attr] = {"not_disclosed": 0, "unrecognised": 0, "missing_column": cells.n_applicants}
        else:
            unknown = cells.n_applicants - n_known
            reasons[attr] = {"not_disclosed": max(unknown - unrec, 0), "unrecognised": min(unrec, unknown),
                             "missing_column": 0}
    block = {"tables": source.table_coverage(), "applicants_in_scope": cells.n_applicants, "left_out": left,
             "unknown_reasons": reasons}
    sizes = _grouped(source, f"FROM candidates c WHERE 1 = 1{where}", base)
    return block, coverage_warnings_of(block, {a: pd.Series(v, dtype=float) for a, v in sizes.items()})


def _cells_set_unknown(source: Any, attribute: str, job_id: str | None) -> int:
    """Candidate cells of ``attribute`` set to unknown on import (from the folder's quarantine)."""
    q = source.quarantine
    if q is None or not len(q) or "action" not in q:
        return 0
    rows = q[(q["table"] == "candidates") & (q["column"] == attribute) & (q["action"] == CELL)]
    if job_id is None:
        return int(len(rows))
    n = 0
    for text in rows["raw"]:
        try:
            n += str(json.loads(text).get("job_id")) == job_id
        except (TypeError, ValueError, AttributeError):
            continue
    return n
