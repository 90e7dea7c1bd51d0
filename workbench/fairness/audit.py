"""The audit: every table of every attribute and stage, findings notes and metadata."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from workbench.data.groups import AUDIT_ATTRIBUTES, DECISIONS, INTERSECTION, UNKNOWN
from workbench.metrics.multiplicity import holm
from workbench.fairness.common import ADJUSTMENT, AuditError, MIN_SHARE, RESTRICTED, _jsonable
from workbench.fairness.result import AuditResult, AuditTable
from workbench.fairness.cells import AuditCells
from workbench.fairness.gather import _Gathered
from workbench.fairness.pool import STAGES, shared_memo, shared_tables  # noqa: F401 (shared_tables: re-exported)
from workbench.fairness.tables import _cells, _rates, _table, cmh_test


# --------------------------------------------------------------------------------------------- audit




def _attributes(by: Iterable[str], groups: pd.DataFrame, intersections: bool, fine_age: bool) -> list[str]:
    by = list(dict.fromkeys(by))
    out = []
    for a in by:
        out.append(a)
        if a == "age_band" and fine_age and "age_band_fine" not in by:
            out.append("age_band_fine")
    if intersections and "gender" in by and "race_ethnicity" in by and INTERSECTION not in by:
        out.insert(out.index("race_ethnicity") + 1, INTERSECTION)
    return out


def _unknown_entry(counts: np.ndarray) -> dict[str, Any]:
    tot = counts.sum(axis=(0,))
    n_unk, sel_unk = int(tot[-1].sum()), int(tot[-1, 1])
    n_all = int(tot.sum())
    return {"n": n_unk, "selected": sel_unk, "rate": sel_unk / n_unk if n_unk else None,
            "share": n_unk / n_all if n_all else None}


def _encoded_attributes(cells: AuditCells, decision: str, skip_invalid: bool,
                        notes: list[str]) -> dict[str, tuple[list[str], dict[str, np.ndarray]]]:
    """Labels and counts of every attribute that can be audited; the others raise, or (``skip_invalid``) are noted."""
    encoded: dict[str, tuple[list[str], dict[str, np.ndarray]]] = {}
    for attribute, entry in cells.attributes.items():
        try:
            if isinstance(entry, Exception):
                raise entry
            labels, cnts = entry
            known = cnts["main"][:, :-1, :].sum(axis=(0, 2))
            if known.sum() == 0:
                raise AuditError(f"attribute {attribute!r}: every candidate is unknown ({cells.n_population} with a "
                                 f"{decision} decision): nothing to compare")
            present = np.flatnonzero(known)
            if present.size < 2:
                raise AuditError(f"attribute {attribute!r} has a single known group ({labels[present[0]]!r}): "
                                 "impact ratios need at least two groups")
        except AuditError as err:
            if not skip_invalid:
                raise
            notes.append(f"skipped: {err}")
            continue
        encoded[attribute] = (labels, cnts)
    if not encoded:
        raise AuditError("no attribute could be audited: " + "; ".join(notes))
    return encoded


def _stage_usable(cnt: np.ndarray) -> bool:
    """A stage table is built when someone is in it, someone selected, and two known groups are present."""
    return bool(cnt.sum() > 0 and cnt[..., 1].sum() > 0 and (cnt[:, :-1, :].sum(axis=(0, 2)) > 0).sum() >= 2)


def _attribute_tables(labels: list[str], cnts: Mapping[str, np.ndarray], settings: Mapping[str, Any],
                      memo: dict[Any, Any]) -> dict[str, Any]:
    """The memo key of each table of one attribute (``cnts``: name -> (J, G + 1, 2) counts); the tables not yet in
    ``memo`` are built, their rates from the counts in one call.

    A table is a function of its labels, pooled counts and settings only: one already in ``memo`` (the same
    counts: the main table and its stage, or the stages of another decision's audit of the same pool) is not
    built again.
    """
    tots = {k: c.sum(axis=0) for k, c in cnts.items()}
    keys = {k: (tuple(labels), t.dtype.str, t.shape, t.tobytes(), tuple(sorted(settings.items())))
            for k, t in tots.items()}
    todo = {keys[k]: t for k, t in tots.items() if keys[k] not in memo}
    if todo:
        names = {key: f"t{i}" for i, key in enumerate(todo)}
        rates = _rates(pd.concat([_cells(names[key], labels, t[:-1].sum(axis=1), t[:-1, 1])
                                  for key, t in todo.items()], ignore_index=True))
        present = set(rates.index.get_level_values("table"))
        for key, t in todo.items():
            memo[key] = _table(labels, t[:-1].sum(axis=1), t[:-1, 1], int(t[-1].sum()), int(t[-1, 1]), **settings,
                               rates=rates.xs(names[key], level="table") if names[key] in present else None)
    return keys


def _stage_rows(srows: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a stage table as JSON-ready dicts (group and the columns the stage tables show)."""
    keys = ("n", "selected", "rate", "impact_ratio", "four_fifths", "p_adjusted", "excluded_small")
    columns = [srows[k].tolist() for k in keys]
    return [{"group": str(g), **{k: _jsonable(col[i]) for k, col in zip(keys, columns)}}
            for i, g in enumerate(srows.index)]


def _all_tables(cells: AuditCells, encoded: Mapping[str, tuple[list[str], dict[str, np.ndarray]]],
                settings: Mapping[str, Any], notes: list[str]) -> dict[str, Any]:
    """The main, scoring and stage tables, unknown entries and CMH rows of every encoded attribute (tables and
    stage rows built once per :func:`shared_tables` block; each audit gets its own copies)."""
    out: dict[str, Any] = {"main": [], "scoring": [], "unknown": {}, "cmh": [], "stages": []}
    shared = shared_memo()
    memo = shared if shared is not None else {}
    for attribute, (labels, cnts) in encoded.items():
        specs = {k: cnts[k] for k in ("main", "scoring") if k in cnts}
        specs.update({k: cnts[k] for k in STAGES if _stage_usable(cnts[k])})
        keys = _attribute_tables(labels, specs, settings, memo)
        rows, cnt = memo[keys["main"]].copy(), cnts["main"]
        t = AuditTable(attribute, rows)
        out["main"].append(t)
        out["unknown"][attribute] = _unknown_entry(cnt)
        for g in rows.index[(rows["selected"] == 0) & (rows.index != UNKNOWN) & ~rows["excluded_small"].astype(bool)]:
            notes.append(f"{attribute}={g}: zero selections of {int(rows.loc[g, 'n'])}: impact ratio 0; Fisher's "
                         "exact test and a 0.5-corrected Katz interval are used")
        if "scoring" in keys:
            out["scoring"].append(AuditTable(attribute, memo[keys["scoring"]].copy(), kind="scoring_rate",
                                             median=cells.median))
        for stage, desc in STAGES.items():
            if stage not in keys:
                continue
            if ("stage_rows", keys[stage]) not in memo:
                memo["stage_rows", keys[stage]] = _stage_rows(memo[keys[stage]])
            out["stages"].append({"stage": stage, "description": desc, "attribute": attribute,
                                  "rows": [dict(r) for r in memo["stage_rows", keys[stage]]]})
        if len(cells.jobs) >= 2 and t.reference is not None:
            out["cmh"] += _cmh_rows(attribute, rows, t.reference, labels, cnt, cells.jobs)
    return out


def _cmh_rows(attribute: str, rows: pd.DataFrame, reference: str, labels: list[str], cnt: np.ndarray,
              jobs: Sequence[str]) -> list[dict[str, Any]]:
    """CMH of each rated group against the reference across jobs, Holm-adjusted within the attribute."""
    ref = labels.index(reference)
    focal = [g for g in rows.index if g != UNKNOWN and not rows.loc[g, "reference"]
             and not rows.loc[g, "excluded_small"]]
    out = []
    for g in focal:
        gi = labels.index(g)
        strata = np.stack([[[cnt[j, gi, 1], cnt[j, gi, 0]], [cnt[j, ref, 1], cnt[j, ref, 0]]]
                           for j in range(len(jobs))])
        out.append({"attribute": attribute, "group": g, "reference": reference, "jobs": jobs, **cmh_test(strata)})
    for row, pa in zip(out, holm([r["p_value"] for r in out])):
        row["p_adjusted"] = pa
    return out


def _method_notes(n_scored: int, median: float, n_jobs: int, min_share: float) -> list[str]:
    """The notes that say how the audit's tables were computed."""
    notes = []
    if n_scored:
        notes.append(f"scoring rate = share of applicants with ai_score above the median of all {n_scored}"
                     f" applicants in scope ({median:.3f})" + (f"; {n_jobs} jobs pooled (audit each job for "
                                                               "per-job medians)" if n_jobs > 1 else ""))
    notes.append(f"Unknown groups are counted and reported but left out of impact ratios; known categories under "
                 f"{min_share:.0%} are listed and left out of ratios (6 RCNY 5-301(d)); Holm adjustment per table; "
                 "z = pooled two-proportion test against the top group, Fisher's exact test where an expected "
                 "cell count is under 5; CI = Katz log interval of the impact ratio")
    if n_jobs >= 2:
        notes.append("CMH: Cochran-Mantel-Haenszel test (continuity-corrected) of each group against the reference "
                     "across jobs, with Mantel-Haenszel common risk ratio; Holm-adjusted per attribute")
    return notes


def audit(dataset: Any, decision: str = "ai_passed",
          by: Sequence[str] = AUDIT_ATTRIBUTES, *, job_id: str | None = None,
          population: str = "stage", intersections: bool = True, fine_age: bool = True,
          min_share: float = MIN_SHARE, alpha: float = 0.05, level: float = 0.95, where_from: bool = True,
          min_effect: float = 0.2, mitigation: bool = False, skip_invalid: bool = False, engine: Any = None,
          spark: Any = None, spark_master: str | None = None) -> AuditResult:
    """Bias audit of one decision: LL144 tables with tests, stages, CMH across jobs, gaps and DIF.

    Parameters
    ----------
    dataset : Dataset, mapping of table name -> DataFrame, dataset folder or engine Source
        From :func:`workbench.data.load` (or ``Simulation.tables``); a folder of Parquet tables is read in place
        by the engine.
    decision : {"ai_passed", "final_passed", "hired"}
    by : sequence of str
        Attributes: candidate columns (``gender``, ``race_ethnicity``, ``education``) or derived ones
        (``age_band``, ``age_band_fine``, ``gender_x_race_ethnicity``).
    job_id : str, optional
        One job (default: all jobs pooled, with CMH across jobs).
    population : {"stage", "applicants"}
        ``stage``: among those who reached the decision (final_passed among finalists, hired among those who
        passed the final round; range-restricted); ``applicants``: among all applicants.
    intersections, fine_age : bool
        Add ``gender_x_race_ethnicity`` when both parts are in ``by``, and ``age_band_fine`` after
        ``age_band``.
    min_share : float, default 0.02
        LL144 2 % rule: smaller known categories are listed but left out of the ratios.
    alpha, level : float
        Significance level (Holm-adjusted per table) and confidence level.
    where_from : bool
        Compute score gaps and DIF from the answers.
    min_effect : float
        Smallest flagged gap (Cohen's d) and DIF effect (rubric points).
    mitigation : bool
        Run :func:`mitigation_diagnostic` per job for the first attribute (slow; diagnostic only).
    skip_invalid : bool
        Turn an attribute that cannot be audited (absent, all unknown, a single group) into a note instead of
        an :class:`AuditError`.
    engine : {None, "duckdb", "spark", "pandas"} or Engine
        Who counts the (job, group, stage) cells (:mod:`workbench.engine`): None counts them in numpy from the
        in-memory pool, or with DuckDB when ``dataset`` is a folder path; an engine runs one grouped SQL scan
        (DuckDB reads a Parquet dataset folder in place,
        out of core; Spark runs it on a cluster). The tables, tests and intervals after the counts are the same
        code either way, so the results are identical. Score gaps, DIF and the mitigation diagnostic need the
        rows in memory: for a Parquet folder read by an engine they are left out with a note.
    spark, spark_master : optional
        A SparkSession to use as is, or the master of the one built (``engine="spark"``).

    Raises
    ------
    AuditError
        Unknown decision, a decision column that is not boolean, no one selected, an attribute that is
        absent, all unknown or has one known group (unless ``skip_invalid``).

    Examples
    --------
    >>> from workbench.simulate import simulate, small_config
    >>> sim = simulate(small_config(n_candidates=400, seed=3, answer_texts=False))
    >>> res = audit(sim.tables, by=("gender",), where_from=False)
    >>> sorted(res.to_dict())[:6]
    ['adjustment', 'by', 'cmh', 'decision', 'dif', 'gaps']
    >>> bool(res.table("gender").rows.loc["Unknown", "n"] == res.unknown["gender"]["n"])
    True
    >>> fast = audit(sim.tables, by=("gender",), where_from=False, engine="duckdb")
    >>> fast.table("gender").rows["impact_ratio"].equals(res.table("gender").rows["impact_ratio"])
    True
    """
    if decision not in DECISIONS:
        raise AuditError(f"decision {decision!r} is not one of {', '.join(DECISIONS)}")
    if population not in ("stage", "applicants"):
        raise AuditError(f"population must be 'stage' or 'applicants', got {population!r}")
    attributes = _attributes(by, None, intersections, fine_age)
    data = _Gathered.of(dataset, attributes, by, decision=decision, population=population, job_id=job_id,
                        engine=engine, spark=spark, spark_master=spark_master)
    cells, notes = data.cells, []
    if not cells.n_population:
        raise AuditError(f"no candidate has a {decision} decision" + (f" for job {job_id!r}" if job_id else ""))
    if not cells.n_selected:
        raise AuditError(f"no candidate was selected ({decision} is false for all {cells.n_population}): "
                         "selection rates are all 0 and impact ratios undefined")
    if decision != "ai_passed" and population == "stage":
        notes.append(f"{decision}: {RESTRICTED}")
    encoded = _encoded_attributes(cells, decision, skip_invalid, notes)
    built = _all_tables(cells, encoded, {"min_share": min_share, "alpha": alpha, "level": level}, notes)
    notes += _method_notes(cells.n_scored, cells.median, len(cells.jobs), min_share)
    gaps, dif, mit = pd.DataFrame(), pd.DataFrame(), None
    if where_from:
        refs = {t.attribute: t.reference for t in built["main"]}
        gaps, dif, more = data.where_from(list(encoded), refs, alpha=alpha, level=level, min_effect=min_effect)
        notes += more
    if mitigation:
        mit, more = data.mitigation(next(a for a in encoded if a not in ("age_band_fine", INTERSECTION)), alpha)
        notes += more
    import workbench

    cover, warns = data.coverage(by, job_id, built["unknown"])
    first_d, last_d = (d.date() if isinstance(d, pd.Timestamp) and not pd.isna(d) else None for d in cells.applied_at)
    meta = {"n_applicants": cells.n_applicants, "n_in_population": cells.n_population, "jobs": cells.jobs,
            "period": [_jsonable(first_d), _jsonable(last_d)], "profile_versions": cells.profile_versions,
            "alpha": alpha, "level": level, "min_share": min_share, "adjustment": ADJUSTMENT,
            "tool_version": workbench.__version__, "audit_date": dt.date.today().isoformat(), "coverage": cover,
            "engine": data.engine_name}
    return AuditResult(decision=decision, population=population, job_id=job_id, by=tuple(encoded),
                       tables=tuple(built["main"]), scoring_rate_tables=tuple(built["scoring"]),
                       unknown=MappingProxyType(built["unknown"]), stages=tuple(built["stages"]),
                       cmh=tuple(built["cmh"]), gaps=gaps, dif=dif, screen=tuple(data.screen()), mitigation=mit,
                       notes=tuple(notes), meta=MappingProxyType(meta), warnings=tuple(warns))
