"""Load a dataset folder as typed frames: what every analysis module starts from.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> (folder / "profiles").mkdir()
>>> _ = (folder / "profiles" / "pm.yaml").write_text("job_id: pm\\nversion: v1\\nthreshold: 3\\n"
...                                                 "dimensions: [{name: craft, weight: 1}]\\n")
>>> _ = (folder / "candidates.csv").write_text("candidate_id,job_id,applied_at,gender,education,years_experience\\n"
...                                            "C1,pm,2026-01-05,female,master,3\\nC2,pm,2026-01-06,male,,1\\n")
>>> _ = (folder / "questions.csv").write_text("question_id,job_id,dimension,kind,text,version,active\\n"
...                                           "q1,pm,craft,general,Tell me,v1,true\\n")
>>> _ = (folder / "answers.csv").write_text("candidate_id,question_id,score,answer_seconds,prompted,interviewed_at\\n"
...                                         "C1,q1,4,60,no,2026-01-09\\nC2,q1,7,60,no,2026-01-09\\n")
>>> ds = load(folder)
>>> ds.job_ids, len(ds.answers), len(ds.final_rounds), ds.report.ok
(('pm',), 1, 0, False)
>>> ds.answers_wide("pm")
question_id    q1
candidate_id     
C1            4.0
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from workbench.data.report import Report
from workbench.data.schema import TABLE_NAMES
from workbench.data.store import QUARANTINE_ENCODING, QUARANTINE_FILE
from workbench.data.validate import QUARANTINE_COLUMNS, CheckedTable, check_dataset, empty_quarantine
from workbench.records import JobProfile


@dataclass(frozen=True, eq=False)
class Dataset:
    """A validated dataset: six typed tables (invalid rows left out), the job profiles and the quarantine.

    Attributes
    ----------
    candidates, questions, answers, ai_decisions, final_rounds, outcomes : pandas.DataFrame
        Typed per :data:`workbench.data.schema.KIND_DTYPES`, with a fresh RangeIndex; an absent optional
        table is an empty frame with the contract columns.
    profiles : mapping of str -> JobProfile
        Valid profiles by job id.
    quarantine : pandas.DataFrame
        ``quarantine.csv`` of the folder plus the rows rejected while loading.
    path : Path
        The dataset folder.
    report : Report
        The validation report of this load.
    """

    candidates: pd.DataFrame
    questions: pd.DataFrame
    answers: pd.DataFrame
    ai_decisions: pd.DataFrame
    final_rounds: pd.DataFrame
    outcomes: pd.DataFrame
    profiles: Mapping[str, JobProfile]
    quarantine: pd.DataFrame
    path: Path
    report: Report

    def table(self, name: str) -> pd.DataFrame:
        """The table called ``name``."""
        if name not in TABLE_NAMES:
            raise KeyError(f"{name!r} is not a table (use one of {', '.join(TABLE_NAMES)})")
        return getattr(self, name)

    @property
    def job_ids(self) -> tuple[str, ...]:
        """Job ids with a profile, sorted."""
        return tuple(sorted(self.profiles))

    def candidates_for(self, job_id: str) -> pd.DataFrame:
        """The candidates who applied to ``job_id``."""
        return self.candidates[self.candidates["job_id"] == job_id]

    def questions_for(self, job_id: str, *, active_only: bool = False) -> pd.DataFrame:
        """The questions of ``job_id`` (optionally only the active ones), in table order."""
        rows = self.questions[self.questions["job_id"] == job_id]
        return rows[rows["active"].fillna(False).to_numpy(bool)] if active_only else rows

    def answers_wide(self, job_id: str) -> pd.DataFrame:
        """Candidates x question_id matrix of scores for ``job_id`` (NaN where a question was not answered).

        Rows are the job's candidates with at least one answer (in candidates order); columns the job's
        questions (in questions order) that have at least one answer.
        """
        from workbench.data.questions import current_questions

        questions = current_questions(self.questions_for(job_id))["question_id"]  # one column per question
        candidates = self.candidates_for(job_id)["candidate_id"]
        rows = self.answers[self.answers["candidate_id"].isin(candidates) & self.answers["question_id"].isin(questions)]
        wide = rows.pivot(index="candidate_id", columns="question_id", values="score")
        order_rows = [c for c in candidates if c in wide.index]
        order_cols = [q for q in questions if q in wide.columns]
        return wide.loc[order_rows, order_cols].astype("float64")

    def dimension_of(self, job_id: str) -> dict[str, str]:
        """question_id -> dimension for the questions of ``job_id``."""
        rows = self.questions_for(job_id)
        return dict(zip(rows["question_id"], rows["dimension"]))


def _stored_quarantine(folder: Path) -> pd.DataFrame:
    path = folder / QUARANTINE_FILE
    if not path.is_file():
        return empty_quarantine()
    frame = pd.read_csv(path, dtype="str", keep_default_na=False, encoding=QUARANTINE_ENCODING)
    frame = frame.reindex(columns=list(QUARANTINE_COLUMNS), fill_value="")
    frame["line"] = pd.to_numeric(frame["line"], errors="coerce").astype("Int64")
    return frame


def _frame(checked: CheckedTable) -> pd.DataFrame:
    return checked.accepted.reset_index(drop=True)


def load(path: str | Path) -> Dataset:
    """Load and validate a dataset folder; rows that break the contract are left out (see ``report``).

    Parameters
    ----------
    path : str or Path
        The dataset folder (``<table>.csv|.parquet|.xlsx`` and ``profiles/<job_id>.yaml``).

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        Only when the folder does not exist or is not a dataset at all; bad rows and files are reported in
        ``Dataset.report`` and ``Dataset.quarantine``, never raised.
    """
    checked = check_dataset(path)
    folder = Path(path)
    quarantine = pd.concat(
        [_stored_quarantine(folder), *(t.quarantine for t in checked.tables.values())], ignore_index=True
    ).drop_duplicates(ignore_index=True)
    return Dataset(
        **{name: _frame(checked.tables[name]) for name in TABLE_NAMES},
        profiles=MappingProxyType(dict(checked.profiles)),
        quarantine=quarantine,
        path=folder,
        report=checked.report,
    )


def load_dataset(dataset_or_path: Any = None) -> Any:
    """A loaded :class:`Dataset`: as given, loaded from a folder, or the demo data (None).

    Examples
    --------
    >>> load_dataset().path.name
    'demo'
    """
    if dataset_or_path is None or isinstance(dataset_or_path, str | Path):
        from workbench.data.provenance import demo_path

        return load(Path(dataset_or_path) if dataset_or_path is not None else demo_path())
    return dataset_or_path


def tables_of(dataset: Any) -> Mapping[str, pd.DataFrame]:
    """The contract tables of a dataset folder (loaded and validated), a loaded :class:`Dataset`, a simulation
    (its ``tables``) or a mapping of tables (as it is).

    >>> tables_of({"candidates": pd.DataFrame({"candidate_id": ["a"]})})["candidates"].shape
    (1, 1)
    """
    if isinstance(dataset, (str, Path)):
        dataset = load(dataset)
    if isinstance(dataset, Mapping):
        return dataset
    if hasattr(dataset, "tables"):
        return dataset.tables
    return {name: getattr(dataset, name) for name in TABLE_NAMES if hasattr(dataset, name)}
