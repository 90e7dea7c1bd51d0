"""What the data-review loop works on: one job's applicant pool, aligned row by row.

Every applicant of the job who has an AI decision is a row. The criterion exists only for the candidates
who went on (final_passed / final_score for AI-passed finalists, performance / retained_12m for hires): it
is NaN elsewhere, and every statistic computed on it is range-restricted.

Examples
--------
>>> from workbench.simulate import simulate, small_config
>>> from workbench.review.inputs import review_inputs_from_tables
>>> sim = simulate(small_config(n_candidates=200, seed=2))
>>> ri = review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], "final_passed")
>>> ri.questions.shape[1], list(ri.dimensions.columns) == list(ri.profile.dimension_names)
(12, True)
>>> bool(ri.criterion_values[~ri.selected].isna().all())
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.composite import dimension_scores
from workbench.data.questions import current_questions
from workbench.data.schema import TABLE_NAMES
from workbench.records import JobProfile

CRITERIA: dict[str, tuple[str, str]] = {
    # criterion -> (table, column); which table tells who has the criterion
    "final_passed": ("final_rounds", "final_passed"),
    "final_score": ("final_rounds", "final_score"),
    "performance": ("outcomes", "performance"),
    "retained_12m": ("outcomes", "retained_12m"),
}
BINARY_CRITERIA = frozenset({"final_passed", "retained_12m"})


class ReviewInputError(ValueError):
    """The data cannot support the requested review; the message says why."""


@dataclass(frozen=True, eq=False)
class ReviewInputs:
    """One job's applicant pool for the review, indexed by candidate_id (same index everywhere).

    Attributes
    ----------
    job_id, criterion : str
    profile : JobProfile
        The profile the AI decisions were made under (weights and threshold).
    questions : DataFrame
        Applicants x question_id rubric scores (NaN = not answered), in question-bank order.
    question_dimension : mapping question_id -> dimension
    dimensions : DataFrame
        Applicants x dimension: mean of the dimension's answered questions, in profile order.
    ai_score : Series
        The AI total (the selection variable ``z``) for every applicant.
    selected : Series of bool
        ``ai_passed`` (the decision that took effect).
    criterion_values : Series of float
        The criterion (booleans as 0/1); NaN for applicants without it.
    groups : DataFrame
        Protected attributes (gender, age, race_ethnicity, education) for auditing only, never features.
    final_score : Series of float or None
        The final-round score (the second-stage selection variable): the value for AI-passed finalists in
        ``final_rounds``, NaN elsewhere; None when there is no final-round table. Lets
        :func:`workbench.review.validity.validity_table` correct performance / retained_12m for both stages.
    hired : Series of bool or None
        ``outcomes.hired`` (False for applicants without an outcome row); None without an outcomes table.
    """

    job_id: str
    criterion: str
    profile: JobProfile
    questions: pd.DataFrame
    question_dimension: Mapping[str, str]
    dimensions: pd.DataFrame
    ai_score: pd.Series
    selected: pd.Series
    criterion_values: pd.Series
    groups: pd.DataFrame
    final_score: pd.Series | None = None
    hired: pd.Series | None = None

    @property
    def n_applicants(self) -> int:
        return int(len(self.ai_score))

    @property
    def n_with_criterion(self) -> int:
        return int(self.criterion_values.notna().sum())

    @property
    def binary(self) -> bool:
        """Whether the criterion is pass/fail (point-biserial correlations)."""
        return self.criterion in BINARY_CRITERIA


def _score_matrix(answers: pd.DataFrame, pool: pd.Index, question_ids: list[str]) -> pd.DataFrame:
    """Applicants (``pool``) x questions score matrix, NaN where unanswered; questions nobody answered are
    dropped. A scatter through hash lookups: a pivot of millions of rows is an order of magnitude slower.
    (The contract makes (candidate_id, question_id) unique, so no two answers share a cell.)

    >>> a = pd.DataFrame({"candidate_id": ["c2", "c1", "c9"], "question_id": ["q1", "q1", "q1"],
    ...                   "score": [4.0, 2.0, 5.0]})
    >>> _score_matrix(a, pd.Index(["c1", "c2", "c3"]), ["q1", "q2"]).to_dict()
    {'q1': {'c1': 2.0, 'c2': 4.0, 'c3': nan}}
    """
    rows = pd.Index(pool).get_indexer(answers["candidate_id"])
    cols = pd.Index(question_ids).get_indexer(answers["question_id"])
    keep = (rows >= 0) & (cols >= 0)
    matrix = np.full((len(pool), len(question_ids)), np.nan)
    matrix[rows[keep], cols[keep]] = pd.to_numeric(answers["score"], errors="coerce").to_numpy(dtype=float)[keep]
    answered = np.isfinite(matrix).any(axis=0)
    frame = pd.DataFrame(matrix[:, answered], index=pool, columns=[q for q, a in zip(question_ids, answered) if a])
    frame.columns.name = "question_id"
    return frame


def review_inputs_from_tables(
    tables: Mapping[str, pd.DataFrame], profile: JobProfile, criterion: str
) -> ReviewInputs:
    """Assemble :class:`ReviewInputs` for ``profile.job_id`` from the contract tables.

    Raises
    ------
    ReviewInputError
        Unknown criterion, no AI decisions, no answers, or no row with the criterion.
    """
    if criterion not in CRITERIA:
        raise ReviewInputError(f"criterion {criterion!r} is not one of {', '.join(CRITERIA)}")
    job_id = profile.job_id
    cands = tables["candidates"]
    cands = cands[cands["job_id"] == job_id].set_index("candidate_id")
    decisions = tables["ai_decisions"].set_index("candidate_id")
    pool = cands.index[decisions.index.get_indexer(cands.index) >= 0]  # hash lookup: isin on Arrow strings loops
    if len(pool) == 0:
        raise ReviewInputError(f"{job_id}: no candidate has an AI decision (ai_decisions is empty for this job)")
    bank = current_questions(tables["questions"])
    bank = bank[bank["job_id"] == job_id]
    question_dimension = dict(zip(bank["question_id"], bank["dimension"]))
    wide = _score_matrix(tables["answers"], pool, list(bank["question_id"]))
    if wide.shape[1] == 0:
        raise ReviewInputError(f"{job_id}: no answers for this job's questions")
    table, column = CRITERIA[criterion]
    source = tables.get(table)
    if source is None or source.empty or column not in source.columns:
        raise ReviewInputError(f"{job_id}: no {table} data, so the criterion {criterion!r} is not available")
    values = source.set_index("candidate_id")[column]
    values = pd.to_numeric(values.astype("Float64"), errors="coerce").astype("float64").reindex(pool)
    if values.notna().sum() == 0:
        raise ReviewInputError(f"{job_id}: no candidate of this job has a value for {criterion!r}")
    group_cols = [c for c in ("gender", "age", "race_ethnicity", "education") if c in cands.columns]
    final_score = _column(tables, "final_rounds", "final_score", pool)
    hired = _column(tables, "outcomes", "hired", pool)
    if hired is not None:
        hired = (hired == 1).astype(bool)
    return ReviewInputs(
        job_id=job_id,
        criterion=criterion,
        profile=profile,
        questions=wide,
        question_dimension=question_dimension,
        dimensions=dimension_scores(wide, question_dimension, profile.dimension_names),
        ai_score=decisions.loc[pool, "ai_score"].astype("float64"),
        selected=decisions.loc[pool, "ai_passed"].astype("boolean").fillna(False).astype(bool),
        criterion_values=values,
        groups=cands.loc[pool, group_cols],
        final_score=final_score,
        hired=hired,
    )


def _column(tables: Mapping[str, pd.DataFrame], table: str, column: str, pool: pd.Index) -> pd.Series | None:
    """``table.column`` as float aligned to ``pool`` (NaN where absent); None without the table or column."""
    source = tables.get(table)
    if source is None or column not in source.columns or "candidate_id" not in source.columns:
        return None
    values = source.drop_duplicates("candidate_id").set_index("candidate_id")[column]
    return pd.to_numeric(values.astype("Float64"), errors="coerce").astype("float64").reindex(pool).rename(column)


def review_inputs(dataset, job_id: str, criterion: str) -> ReviewInputs:
    """:class:`ReviewInputs` for one job of a loaded :class:`workbench.data.Dataset`."""
    if job_id not in dataset.profiles:
        raise ReviewInputError(f"job {job_id!r} has no profile (profiles: {', '.join(dataset.profiles) or 'none'})")
    tables = {name: dataset.table(name) for name in TABLE_NAMES}
    return review_inputs_from_tables(tables, dataset.profiles[job_id], criterion)
