"""The audit: every table of every attribute and stage, findings notes and metadata."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from workbench.data.groups import AUDIT_ATTRIBUTES, DECISIONS, INTERSECTION, UNKNOWN, _encode
from workbench.metrics.multiplicity import holm
from workbench.fairness.coverage import coverage_of
from workbench.fairness.common import ADJUSTMENT, AuditError, MIN_SHARE, RESTRICTED, _jsonable
from workbench.fairness.result import AuditResult, AuditTable
from workbench.fairness.pool import _Pool, _counts, _pool, _stage_arrays, _tables_of
from workbench.fairness.tables import _cells, _rates, _table, cmh_test
from workbench.fairness.where_from import dif_table, score_gap_table
from workbench.fairness.mitigation import mitigation_diagnostic
from workbench.fairness.screening import screen_high_risk_inputs


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


def _where_from(tables: Mapping[str, pd.DataFrame], pool: _Pool, attributes: list[str],
                references: Mapping[str, str | None], *, alpha: float, level: float, min_effect: float) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    answers, questions = tables.get("answers"), tables.get("questions")
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


def _encoded_attributes(pool: Any, attributes: Sequence[str], mask: np.ndarray, decision: str,
                        skip_invalid: bool, notes: list[str]) -> dict[str, tuple[np.ndarray, list[str]]]:
    """Group codes of every attribute that can be audited; the others raise, or (``skip_invalid``) are noted."""
    encoded: dict[str, tuple[np.ndarray, list[str]]] = {}
    for attribute in attributes:
        try:
            codes, labels = _encode(pool.groups, attribute)
            known = codes[mask]
            if (known < 0).all():
                raise AuditError(f"attribute {attribute!r}: every candidate is unknown ({int(mask.sum())} with a "
                                 f"{decision} decision): nothing to compare")
            present = np.flatnonzero(np.bincount(known[known >= 0], minlength=1))
            if present.size < 2:
                raise AuditError(f"attribute {attribute!r} has a single known group ({labels[present[0]]!r}): "
                                 "impact ratios need at least two groups")
        except AuditError as err:
            if not skip_invalid:
                raise
            notes.append(f"skipped: {err}")
            continue
        encoded[attribute] = (codes, labels)
    if not encoded:
        raise AuditError("no attribute could be audited: " + "; ".join(notes))
    return encoded


def _attribute_tables(pool: Any, codes: np.ndarray, labels: list[str], specs: dict[str, tuple[np.ndarray, np.ndarray]],
                      settings: Mapping[str, Any]) -> dict[str, tuple[pd.DataFrame, np.ndarray]]:
    """All tables of one attribute (``specs``: name -> (in scope, selected)), with one MetricFrame for their rates."""
    J = len(pool.jobs)
    cnts = {k: _counts(pool.job, codes, yy, m, J, len(labels)) for k, (m, yy) in specs.items()}
    tots = {k: c.sum(axis=0) for k, c in cnts.items()}
    rates = _rates(pd.concat([_cells(k, labels, t[:-1].sum(axis=1), t[:-1, 1]) for k, t in tots.items()],
                             ignore_index=True))
    return {k: (_table(labels, t[:-1].sum(axis=1), t[:-1, 1], int(t[-1].sum()), int(t[-1, 1]), **settings,
                       rates=rates.xs(k, level="table") if k in rates.index.get_level_values("table")
                       else None), cnts[k]) for k, t in tots.items()}


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


def _coverage(dataset: Any, tables: Mapping[str, pd.DataFrame], pool: Any, by: Sequence[str], job_id: str | None,
              unknown: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The coverage block and warnings; each attribute's unknown entry gets its reasons."""
    cover, warns = coverage_of(dataset, tables, pool.candidate_id, list(by), job_id=job_id)
    for attribute, reasons in cover["unknown_reasons"].items():
        if attribute in unknown:
            unknown[attribute] = {**unknown[attribute], "reasons": reasons}
    return cover, warns


def audit(dataset: Any, decision: str = "ai_passed",
          by: Sequence[str] = AUDIT_ATTRIBUTES, *, job_id: str | None = None,
          population: str = "stage", intersections: bool = True, fine_age: bool = True,
          min_share: float = MIN_SHARE, alpha: float = 0.05, level: float = 0.95, where_from: bool = True,
          min_effect: float = 0.2, mitigation: bool = False, skip_invalid: bool = False) -> AuditResult:
    """Bias audit of one decision: LL144 tables with tests, stages, CMH across jobs, gaps and DIF.

    Parameters
    ----------
    dataset : Dataset or mapping of table name -> DataFrame
        From :func:`workbench.data.load` (or ``Simulation.tables``).
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
    """
    if decision not in DECISIONS:
        raise AuditError(f"decision {decision!r} is not one of {', '.join(DECISIONS)}")
    if population not in ("stage", "applicants"):
        raise AuditError(f"population must be 'stage' or 'applicants', got {population!r}")
    tables = _tables_of(dataset)
    pool = _pool(tables, job_id, by)
    stages = _stage_arrays(pool)
    mask, y, _ = stages[decision] if population == "stage" or decision == "ai_passed" else \
        (np.isfinite(pool.ai), {"final_passed": np.nan_to_num(pool.final).astype(bool),
                                "hired": pool.hired.astype(bool)}[decision], "")
    notes: list[str] = []
    if not mask.any():
        raise AuditError(f"no candidate has a {decision} decision"
                         + (f" for job {job_id!r}" if job_id else ""))
    if not y[mask].any():
        raise AuditError(f"no candidate was selected ({decision} is false for all {int(mask.sum())}): "
                         "selection rates are all 0 and impact ratios undefined")
    if decision != "ai_passed" and population == "stage":
        notes.append(f"{decision}: {RESTRICTED}")
    attributes = _attributes(by, pool.groups, intersections, fine_age)
    J = len(pool.jobs)
    encoded = _encoded_attributes(pool, attributes, mask, decision, skip_invalid, notes)
    settings = {"min_share": min_share, "alpha": alpha, "level": level}
    main, scoring, unknown, cmh_rows, stage_rows = [], [], {}, [], []
    score = pool.ai_score
    has_score = np.isfinite(score)
    median = float(np.median(score[has_score])) if has_score.any() else np.nan
    above = score > median
    for attribute, (codes, labels) in encoded.items():
        specs = {"main": (mask, y)}
        if has_score.any():
            specs["scoring"] = (has_score, above)
        for stage, (m, yy, _) in stages.items():
            if m.any() and yy[m].any() and (np.bincount(codes[m & (codes >= 0)], minlength=1) > 0).sum() >= 2:
                specs[stage] = (m, yy)
        built = _attribute_tables(pool, codes, labels, specs, settings)
        rows, cnt = built["main"]
        t = AuditTable(attribute, rows)
        main.append(t)
        unknown[attribute] = _unknown_entry(cnt)
        for g in rows.index[(rows["selected"] == 0) & (rows.index != UNKNOWN) & ~rows["excluded_small"].astype(bool)]:
            notes.append(f"{attribute}={g}: zero selections of {int(rows.loc[g, 'n'])}: impact ratio 0; Fisher's "
                         "exact test and a 0.5-corrected Katz interval are used")
        if "scoring" in built:
            scoring.append(AuditTable(attribute, built["scoring"][0], kind="scoring_rate", median=median))
        for stage, (m, yy, desc) in stages.items():
            if stage not in built:
                continue
            srows = built[stage][0]
            stage_rows.append({"stage": stage, "description": desc, "attribute": attribute,
                               "rows": [{"group": str(g), **{k: _jsonable(srows.loc[g, k]) for k in
                                        ("n", "selected", "rate", "impact_ratio", "four_fifths", "p_adjusted",
                                         "excluded_small")}} for g in srows.index]})
        if J >= 2 and t.reference is not None:
            cmh_rows += _cmh_rows(attribute, rows, t.reference, labels, cnt, pool.jobs)
    notes += _method_notes(int(has_score.sum()), median, J, min_share)
    gaps, dif = pd.DataFrame(), pd.DataFrame()
    if where_from:
        refs = {t.attribute: t.reference for t in main}
        gaps, dif, more = _where_from(tables, pool, list(encoded), refs, alpha=alpha, level=level,
                                      min_effect=min_effect)
        notes += more
    screen = screen_high_risk_inputs(tables)
    mit = None
    if mitigation:
        first = next(a for a in encoded if a not in ("age_band_fine", INTERSECTION))
        mit = {job: mitigation_diagnostic(tables, job, first, alpha=alpha) for job in pool.jobs}
    first_d, last_d = (d.date() if isinstance(d, pd.Timestamp) and not pd.isna(d) else None for d in pool.applied_at)
    import workbench

    cover, warns = _coverage(dataset, tables, pool, by, job_id, unknown)
    meta = {"n_applicants": int(len(pool.candidate_id)), "n_in_population": int(mask.sum()), "jobs": pool.jobs,
            "period": [_jsonable(first_d), _jsonable(last_d)], "profile_versions": pool.profile_versions,
            "alpha": alpha, "level": level, "min_share": min_share, "adjustment": ADJUSTMENT,
            "tool_version": workbench.__version__, "audit_date": dt.date.today().isoformat(), "coverage": cover}
    return AuditResult(decision=decision, population=population, job_id=job_id, by=tuple(encoded),
                       tables=tuple(main), scoring_rate_tables=tuple(scoring),
                       unknown=MappingProxyType(unknown), stages=tuple(stage_rows), cmh=tuple(cmh_rows),
                       gaps=gaps, dif=dif, screen=tuple(screen), mitigation=mit, notes=tuple(notes),
                       meta=MappingProxyType(meta), warnings=tuple(warns))


