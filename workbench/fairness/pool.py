"""The audited pool: one row per candidate with decisions, groups, job and dates, from the raw tables."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench.data.schema import TABLE_NAMES
from workbench.data.groups import _factor
from workbench.fairness.common import AuditError, _as_bool, _float


# ------------------------------------------------------------------------------------------ sharing

#: the tables built so far by the audits of a :func:`shared_tables` block (None outside one)
_SHARED: contextvars.ContextVar[dict[Any, Any] | None] = contextvars.ContextVar("audit_tables", default=None)


@contextlib.contextmanager
def shared_tables() -> Iterator[None]:
    """Within the block, audits reuse every LL144 table already built from the same counts.

    A table is a function of its group labels, pooled counts and settings
    (:func:`workbench.fairness.audit._attribute_tables`), so the
    audits of the three decisions of one pool, which share their four stage tables and their scoring table,
    build each once. Results are identical with and without the block; nested blocks share the outer one.

    >>> from workbench.fairness import audit
    >>> from workbench.simulate import simulate, small_config
    >>> sim = simulate(small_config(n_candidates=300, seed=3, answer_texts=False))
    >>> with shared_tables():
    ...     a, b = (audit(sim.tables, d, ("gender",), where_from=False) for d in ("ai_passed", "hired"))
    >>> a.stages == audit(sim.tables, "ai_passed", ("gender",), where_from=False).stages
    True
    """
    token = _SHARED.set({}) if _SHARED.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _SHARED.reset(token)


def shared_memo() -> dict[Any, Any] | None:
    """The memo of the enclosing :func:`shared_tables` block (None outside one): what the audits of the block
    share, keyed by everything the value depends on."""
    return _SHARED.get()


# ------------------------------------------------------------------------------------------ the pool


def _tables_of(dataset: Any) -> dict[str, pd.DataFrame]:
    if isinstance(dataset, Mapping):
        return {str(k): v for k, v in dataset.items() if isinstance(v, pd.DataFrame)}
    return {n: getattr(dataset, n) for n in TABLE_NAMES if isinstance(getattr(dataset, n, None), pd.DataFrame)}


def _indexer(ids: pd.Series, pool: pd.Index) -> np.ndarray:
    """Positions in ``ids`` of each pool id (-1 where absent)."""
    return pd.Index(ids.astype(str)).get_indexer(pool)


@dataclass(frozen=True, eq=False)
class _Pool:
    candidate_id: pd.Index
    job: np.ndarray
    jobs: list[str]
    ai_score: np.ndarray
    ai: np.ndarray
    final: np.ndarray
    hired: np.ndarray
    groups: pd.DataFrame
    applied_at: tuple[Any, Any]
    profile_versions: list[str]


def _pool(tables: Mapping[str, pd.DataFrame], job_id: str | None, by: Iterable[str] = ()) -> _Pool:
    for name in ("candidates", "ai_decisions"):
        if name not in tables or tables[name] is None or tables[name].empty:
            raise AuditError(f"the {name} table is empty or missing: nothing to audit")
    cands, ai = tables["candidates"], tables["ai_decisions"]
    if job_id is not None:
        cands = cands[(cands["job_id"].astype(str) == job_id).to_numpy()]
        if cands.empty:
            jobs = ", ".join(sorted(tables["candidates"]["job_id"].astype(str).unique()))
            raise AuditError(f"job {job_id!r} has no candidates (jobs: {jobs})")
    ids = cands["candidate_id"].astype(str)
    same = len(ai) == len(cands) and ai["candidate_id"].astype(str).to_numpy().tolist() == ids.to_numpy().tolist() \
        if len(cands) < 5000 else (len(ai) == len(cands) and (ai["candidate_id"].astype(str).to_numpy()
                                                              == ids.to_numpy()).all())
    if same:
        pos_c, pos_a = np.arange(len(cands)), np.arange(len(ai))
        pool = pd.Index(ids.to_numpy())
    else:
        pool_ids = pd.Index(ids.to_numpy())
        pos_a_all = _indexer(ai["candidate_id"], pool_ids)
        keep = pos_a_all >= 0
        pool = pool_ids[keep]
        pos_c, pos_a = np.flatnonzero(keep), pos_a_all[keep]
    if len(pool) == 0:
        raise AuditError("no candidate has an AI decision")
    ai_passed = _as_bool(ai["ai_passed"], "ai_passed")[pos_a]
    final = np.full(len(pool), np.nan)
    fr = tables.get("final_rounds")
    if fr is not None and not fr.empty:
        fb = _as_bool(fr["final_passed"], "final_passed")
        pos = _indexer(fr["candidate_id"], pool)
        final[pos >= 0] = fb[pos[pos >= 0]]
    hired = np.zeros(len(pool))
    oc = tables.get("outcomes")
    if oc is not None and not oc.empty:
        hb = _as_bool(oc["hired"], "hired")
        pos = _indexer(oc["candidate_id"], pool)
        hired[pos >= 0] = np.nan_to_num(hb[pos[pos >= 0]])
    job_codes, jobs = _factor(cands["job_id"].to_numpy(dtype=object)[pos_c])
    group_cols = [c for c in dict.fromkeys(("gender", "age", "race_ethnicity", "education", *by))
                  if c in cands.columns and c not in ("candidate_id", "job_id")]
    groups = cands[group_cols].iloc[pos_c].reset_index(drop=True)
    applied = pd.to_datetime(cands["applied_at"], errors="coerce") if "applied_at" in cands else pd.Series([], "M8[ns]")
    versions = sorted(set(ai["profile_version"].dropna().astype(str).iloc[pos_a])) if "profile_version" in ai else []
    return _Pool(candidate_id=pool, job=job_codes, jobs=jobs, ai_score=_float(ai["ai_score"])[pos_a]
                 if "ai_score" in ai else np.full(len(pool), np.nan), ai=ai_passed, final=final, hired=hired,
                 groups=groups, applied_at=(applied.min(), applied.max()), profile_versions=versions)


#: stage -> description of its population and decision (the stage tables of the audit).
STAGES = {
    "ai_passed": "AI interview: passed among all applicants",
    "final_passed": "final round: passed among finalists (range-restricted)",
    "hired": "hire: hired among those who passed the final round",
    "whole_process": "whole process: hired among all applicants",
}


def _stage_arrays(pool: _Pool) -> dict[str, tuple[np.ndarray, np.ndarray, str]]:
    """stage -> (population mask, selected 0/1, description)."""
    ai = np.nan_to_num(pool.ai).astype(bool)
    final_known = np.isfinite(pool.final)
    final = np.nan_to_num(pool.final).astype(bool)
    return {
        "ai_passed": (np.isfinite(pool.ai), ai, STAGES["ai_passed"]),
        "final_passed": (final_known, final, STAGES["final_passed"]),
        "hired": (final_known & final, pool.hired.astype(bool), STAGES["hired"]),
        "whole_process": (np.isfinite(pool.ai), pool.hired.astype(bool), STAGES["whole_process"]),
    }


def _counts(job: np.ndarray, codes: np.ndarray, y: np.ndarray, mask: np.ndarray, J: int, G: int) -> np.ndarray:
    """(J, G + 1, 2) counts of [not selected, selected]; index G holds the unknown group."""
    g = np.where(codes >= 0, codes, G)[mask]
    idx = (job[mask] * (G + 1) + g) * 2 + y[mask].astype(np.int64)
    return np.bincount(idx, minlength=J * (G + 1) * 2).reshape(J, G + 1, 2)


