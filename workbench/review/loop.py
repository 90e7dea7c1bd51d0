"""The whole data review of a dataset against one criterion: validity, weights, cross-round checks.

This is what ``workbench review DATA --criterion ... --json`` prints. Per job of the dataset it runs
:func:`workbench.review.validity.validity_table` (questions, dimensions and the AI total, corrected for range
restriction), :func:`workbench.review.weights.weight_proposal` (proposed weights beside the current ones,
cross-validated on the same folds) and the cross-round figures of :mod:`workbench.review.rounds`.

Weights are shrunk toward the expert profile in proportion to how little evidence there is:
``shrinkage = prior_strength / (prior_strength + n)``, where ``n`` is the number of selected candidates
with the criterion: the expert weights count as ``prior_strength`` candidates' worth of evidence (default
150), so a small history barely moves them and a large one decides.

Examples
--------
>>> import tempfile
>>> from workbench.simulate import simulate, small_config, write_simulation
>>> from workbench.data import load
>>> folder = tempfile.mkdtemp()
>>> _ = write_simulation(simulate(small_config(n_candidates=600, seed=4, answer_texts=False)), folder)
>>> result = review_dataset(load(folder), "final_score", n_boot=200, weight_boot=20)
>>> doc = result.to_dict()
>>> sorted(k for k in doc if k in {"criterion", "n", "questions", "dimensions", "suggested_weights", "cv"})
['criterion', 'cv', 'dimensions', 'n', 'questions', 'suggested_weights']
>>> {q["verdict"] for q in doc["questions"]} <= {"keep", "inconclusive", "invalid", "insufficient_data"}
True
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.data.coverage import coverage_warnings, table_coverage
from workbench.data.schema import TABLE_NAMES
from workbench.jsonable import json_ready
from workbench.review.inputs import CRITERIA, ReviewInputError, review_inputs
from workbench.review.rounds import expectancy_table, predictive_accuracy, prompting_effect
from workbench.review.validity import ValidityResult, ValiditySettings, validity_table
from workbench.review.weights import WeightError, WeightProposal, weight_proposal

DEFAULT_PRIOR_STRENGTH = 150.0


def shrinkage_for(n: int, prior_strength: float = DEFAULT_PRIOR_STRENGTH) -> float:
    """Shrinkage toward the expert weights for ``n`` candidates of evidence.

    >>> shrinkage_for(150), round(shrinkage_for(7000), 3), shrinkage_for(10, prior_strength=0)
    (0.5, 0.021, 0.0)
    """
    if prior_strength < 0:
        raise ValueError(f"prior_strength must be non-negative, got {prior_strength}")
    return float(prior_strength / (prior_strength + max(n, 0))) if prior_strength else 0.0


@dataclass(frozen=True, eq=False)
class JobReview:
    """The review of one job: validity tables, the weight proposal (or why there is none), the funnel."""

    job_id: str
    validity: ValidityResult
    weights: WeightProposal | None
    weights_error: str
    funnel: dict[str, Any]
    expectancy: list[dict[str, Any]]
    prompting: dict[str, Any]
    warnings: tuple[str, ...]
    overrides: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "validity": self.validity.to_records(),
            "weights": self.weights.to_records() if self.weights else None,
            "weights_error": self.weights_error or None,
            "funnel": self.funnel,
            "expectancy": self.expectancy,
            "prompting": self.prompting,
            "overrides": self.overrides or None,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True, eq=False)
class DatasetReview:
    """Reviews of every job of a dataset against one criterion; :meth:`to_dict` is the command contract."""

    criterion: str
    jobs: tuple[JobReview, ...]
    skipped: dict[str, str]
    coverage: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        return int(sum(j.validity.n for j in self.jobs))

    def to_dict(self) -> dict[str, Any]:
        """``{criterion, n, questions, dimensions, suggested_weights, cv, jobs, skipped}``.

        ``questions`` and ``dimensions`` list every job's rows with a ``job_id``; ``suggested_weights`` maps
        each dimension (names are unique within a job; across jobs they are prefixed ``job_id/`` only when
        two jobs share one) to its proposed weight; ``cv`` has the contract keys as candidate-weighted means
        over jobs, with each job's figures in ``cv.by_job``.
        """
        questions, dimensions, weights, by_job = [], [], {}, {}
        names = [d["dimension"] for j in self.jobs for d in j.validity.to_records()["dimensions"]]
        shared = {n for n in names if names.count(n) > 1}
        for job in self.jobs:
            records = job.validity.to_records()
            questions += [{"job_id": job.job_id, **row} for row in records["questions"]]
            dimensions += [{"job_id": job.job_id, **row} for row in records["dimensions"]]
            if job.weights is not None:
                for dim, w in job.weights.suggested_weights.items():
                    weights[f"{job.job_id}/{dim}" if dim in shared else dim] = w
                by_job[job.job_id] = job.weights.to_records()["cv"]
        return {
            "criterion": self.criterion,
            "n": self.n,
            "questions": questions,
            "dimensions": dimensions,
            "suggested_weights": weights,
            "cv": {**_pooled_cv(by_job), "by_job": by_job},
            "jobs": {job.job_id: job.to_dict() for job in self.jobs},
            "skipped": self.skipped,
            "coverage": self.coverage,
            "warnings": list(self.warnings),
        }

    def summary(self) -> str:
        """Human summary: per job the verdicts, the weights, and the notes."""
        lines = [f"Review against {self.criterion} ({self.n:,} selected candidates with the criterion)"]
        tables = self.coverage.get("tables", {})
        if "candidates" in tables:
            c = tables["candidates"]
            lines.append(f"  coverage: candidates read {c['read']:,}, accepted {c['accepted']:,}, quarantined "
                         f"{c['quarantined']:,}; applicants reviewed per job: "
                         + ", ".join(f"{j} {n:,}" for j, n in self.coverage.get("applicants", {}).items()))
        lines += [f"  WARNING: {w}" for w in self.warnings]
        for job in self.jobs:
            lines += _job_summary(job)
        for job_id, why in self.skipped.items():
            lines.append(f"\n{job_id}: not reviewed: {why}")
        return "\n".join(lines)


def _pooled_cv(by_job: dict[str, dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("baseline_auc", "tuned_auc", "baseline_r_corrected", "tuned_r_corrected"):
        pairs = [(cv.get(key), cv.get("n") or 0) for cv in by_job.values()]
        pairs = [(v, n) for v, n in pairs if v is not None and n]
        out[key] = float(np.average([v for v, _ in pairs], weights=[n for _, n in pairs])) if pairs else None
    return out


def _fmt(x: Any, spec: str = ".2f") -> str:
    return "n/a" if x is None or (isinstance(x, float) and np.isnan(x)) else format(x, spec)


def _job_summary(job: JobReview) -> list[str]:
    v = job.validity
    lines = [
        "",
        f"{job.job_id}: {v.n_applicants:,} applicants, {v.n_selected:,} AI-passed, n = {v.n:,} with {v.criterion}, "
        f"u = {_fmt(v.u)}",
        f"  {'question':<12} {'dimension':<26} {'n':>6} {'r_obs':>6} {'r_corr':>6} {'CI':>15}  verdict",
    ]
    for row in v.questions.itertuples():
        ci = f"[{_fmt(row.ci_low)}, {_fmt(row.ci_high)}]"
        lines.append(
            f"  {row.question_id:<12} {str(row.dimension):<26} {row.n:>6} {_fmt(row.r_observed):>6} "
            f"{_fmt(row.r_corrected):>6} {ci:>15}  {row.verdict}"
        )
    t = v.total
    lines.append(f"  AI total: r_obs {_fmt(t['r_observed'])}, corrected (Case II) {_fmt(t['r_corrected'])}")
    if job.weights is not None:
        w = job.weights.weights
        lines.append("  weights (current -> proposed): " + ", ".join(
            f"{d} {w.loc[d, 'current']:.2f}->{w.loc[d, 'proposed']:.2f}" for d in w.index))
        cv = job.weights.cv
        lines.append(f"  cross-validated corrected validity: current {_fmt(cv.get('baseline_r_corrected'))}, "
                     f"proposed {_fmt(cv.get('tuned_r_corrected'))} (shrinkage {job.weights.shrinkage:.2f})")
    else:
        lines.append(f"  weights: no proposal ({job.weights_error})")
    o = job.overrides
    if o.get("reviewed"):
        lines.append(f"  human review: {o['reviewed']:,} AI decisions reviewed, {o['overridden']:,} overturned "
                     f"({o['overridden_to_pass']:,} AI fails passed, {o['overridden_to_fail']:,} AI passes failed)")
    lines += [f"  note: {n}" for n in v.notes]
    lines += [f"  warning: {w}" for w in job.warnings]
    return lines


def review_job(
    dataset: Any,
    job_id: str,
    criterion: str,
    *,
    settings: ValiditySettings = ValiditySettings(),
    prior_strength: float = DEFAULT_PRIOR_STRENGTH,
    weight_boot: int = 200,
    folds: int = 5,
    engine: Any = None,
    analytic_above: int | None = None,
) -> JobReview:
    """Review one job (raises :class:`ReviewInputError` when the data cannot support it).

    With ``engine`` (a :class:`workbench.engine.Source` or an engine name) the validity table is reduced by the
    engine (:func:`workbench.review.at_scale.engine_validity`); the weights, funnel, expectancy, prompting and
    override figures need the rows and are computed only when the dataset is in memory.
    """
    validity_of = lambda inputs: validity_table(inputs, settings)  # noqa: E731
    if engine is not None:
        from workbench.engine import open_source
        from workbench.review.at_scale import ANALYTIC_ABOVE, engine_validity

        src = open_source(dataset, engine)
        limit = ANALYTIC_ABOVE if analytic_above is None else analytic_above
        validity_of = lambda inputs: engine_validity(src, src.profiles[job_id], criterion,  # noqa: E731
                                                      settings, analytic_above=limit)
        if src.dataset is None or not hasattr(src.dataset, "table"):
            return _validity_only_job(job_id, validity_of, src.engine.name)
        dataset = src.dataset
    inputs = review_inputs(dataset, job_id, criterion)
    tables = {name: dataset.table(name) for name in TABLE_NAMES}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        validity = validity_of(inputs)
        proposal, why = None, ""
        try:
            proposal = weight_proposal(
                inputs,
                shrinkage=shrinkage_for(inputs.n_with_criterion, prior_strength),
                folds=folds,
                n_boot=weight_boot,
                random_state=settings.seed,
            )
        except WeightError as exc:
            why = str(exc)
    job_answers = tables["answers"][tables["answers"]["candidate_id"].isin(inputs.ai_score.index)]
    prompting = prompting_effect(job_answers, n_boot=200, random_state=settings.seed).loc["overall"]
    expectancy = []
    if "final_passed" in criterion or criterion == "final_score":
        passed = dataset.final_rounds.set_index("candidate_id")["final_passed"].reindex(inputs.ai_score.index)
        has = passed.notna().to_numpy()
        if has.sum() >= 10 and passed[has].nunique() > 1:
            table = expectancy_table(inputs.ai_score[has], passed[has].astype(bool), bands=5)
            expectancy = _records(table)
    overrides = _job_overrides(tables, inputs.ai_score.index)
    return JobReview(
        job_id=job_id,
        validity=validity,
        weights=proposal,
        weights_error=why,
        funnel=predictive_accuracy(tables, job_id),
        expectancy=expectancy,
        prompting={k: _clean(v) for k, v in prompting.items()},
        warnings=tuple(dict.fromkeys([str(w.message) for w in caught]
                                     + ([overrides["note"]] if overrides.get("note") else []))),
        overrides=overrides,
    )


def _job_overrides(tables: dict[str, pd.DataFrame], applicants: pd.Index) -> dict[str, Any]:
    """Human reviews and overrides of this job's AI decisions (:func:`workbench.review.overrides.override_counts`)."""
    from workbench.review.overrides import override_counts

    ai = tables.get("ai_decisions")
    if ai is None or "human_reviewed" not in ai.columns:
        return {}
    return override_counts(ai[ai["candidate_id"].isin(applicants)])


_ROWS_NEEDED = ("weights, funnel, expectancy and prompting need the rows in memory; this review read the dataset "
                "through the {engine} engine (validity tables only; load the dataset for the rest)")


def _validity_only_job(job_id: str, validity_of: Any, engine_name: str) -> JobReview:
    """The review of a job whose rows stay in the engine: the validity table, and why the rest is absent."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        validity = validity_of(None)
    return JobReview(job_id=job_id, validity=validity, weights=None,
                     weights_error=_ROWS_NEEDED.format(engine=engine_name), funnel={}, expectancy=[],
                     prompting={}, warnings=tuple(dict.fromkeys(str(w.message) for w in caught)))


def review_dataset(
    dataset: Any,
    criterion: str = "final_passed",
    *,
    job_ids: tuple[str, ...] | None = None,
    min_validity: float = 0.10,
    adjust: str = "holm",
    n_boot: int = 1000,
    seed: int | None = 0,
    prior_strength: float = DEFAULT_PRIOR_STRENGTH,
    weight_boot: int = 200,
    folds: int = 5,
    engine: Any = None,
    spark: Any = None,
    spark_master: str | None = None,
    analytic_above: int | None = None,
) -> DatasetReview:
    """Review every job (or ``job_ids``) of a loaded dataset against ``criterion``.

    A job whose data cannot support the review (no final rounds, a constant criterion, ...) is listed in
    ``skipped`` with the reason; only when no job can be reviewed is :class:`ReviewInputError` raised.

    ``engine`` (``"duckdb"``, ``"spark"``, ``"pandas"`` or an engine): the validity tables are reduced by the
    engine, and ``dataset`` may then be a dataset folder of Parquet read in place (validity tables only; see
    :func:`review_job`). Pools above ``analytic_above`` applicants (default
    :data:`workbench.review.at_scale.ANALYTIC_ABOVE`) get delta-method intervals instead of the bootstrap.
    """
    if engine is None and isinstance(dataset, str | Path):
        engine = "duckdb"  # a dataset folder: the engine reads it in place
    if engine is not None:
        from workbench.engine import open_source

        dataset = open_source(dataset, engine, spark=spark, spark_master=spark_master)
    if criterion not in CRITERIA:
        raise ReviewInputError(f"criterion {criterion!r} is not one of {', '.join(CRITERIA)}")
    settings = ValiditySettings(min_validity=min_validity, adjust=adjust, n_boot=n_boot, seed=seed)
    wanted = tuple(job_ids) if job_ids else tuple(dataset.job_ids)
    unknown = [j for j in wanted if j not in dataset.profiles]
    if unknown:
        raise ReviewInputError(f"unknown job(s) {', '.join(unknown)} (have: {', '.join(dataset.job_ids)})")
    jobs, skipped = [], {}
    for job_id in wanted:
        try:
            jobs.append(review_job(dataset, job_id, criterion, settings=settings, prior_strength=prior_strength,
                                   weight_boot=weight_boot, folds=folds, engine=dataset if engine is not None
                                   else None, analytic_above=analytic_above))
        except ReviewInputError as exc:
            skipped[job_id] = str(exc)
    if not jobs:
        raise ReviewInputError("; ".join(f"{j}: {why}" for j, why in skipped.items()) or "no job to review")
    tables = table_coverage(dataset) if engine is None else dataset.table_coverage()
    cover = {"tables": tables, "applicants": {j.job_id: int(j.validity.n_applicants) for j in jobs}}
    return DatasetReview(criterion=criterion, jobs=tuple(jobs), skipped=skipped, coverage=cover,
                         warnings=tuple(coverage_warnings(tables)))


def _clean(value: Any) -> Any:
    return json_ready(value)

def _records(frame: Any) -> list[dict[str, Any]]:
    frame = frame.reset_index()
    return [{str(k): _clean(v) if not isinstance(v, (list, tuple)) else v for k, v in row.items()}
            for row in frame.to_dict(orient="records")]
