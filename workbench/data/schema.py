"""The data contract: the six tables, their exact columns, types and allowed values.

This module only *describes* the contract; :mod:`workbench.data.validate` enforces it.

Examples
--------
>>> [t.name for t in TABLES]
['candidates', 'questions', 'answers', 'ai_decisions', 'final_rounds', 'outcomes']
>>> TABLE_BY_NAME["answers"].key
('candidate_id', 'question_id')
>>> parse_bool("是"), parse_bool("no"), parse_bool("maybe")
(True, False, None)
"""

from __future__ import annotations

from dataclasses import dataclass

GENDERS = ("female", "male", "nonbinary")
# "below_high_school" covers 初中及以下 / less than high school (no lower level existed before 2026.12).
EDUCATION_LEVELS = ("below_high_school", "high_school", "associate", "bachelor", "master", "doctorate")
# NYC Local Law 144 race/ethnicity categories (EEO-1 component 1), as snake_case values.
RACE_ETHNICITY = (
    "hispanic_or_latino",
    "white",
    "black_or_african_american",
    "native_hawaiian_or_pacific_islander",
    "asian",
    "native_american_or_alaska_native",
    "two_or_more_races",
)
QUESTION_KINDS = ("behavioral", "situational", "general")
# answers.assignment: "random" = hints withheld from a randomised holdout of the eligible answers (an
# experiment), "triggered" = every hint the trigger fired was shown (observational)
HINT_ASSIGNMENTS = ("random", "triggered")


def parse_bool(value: object) -> bool | None:
    """True/False for any boolean spelling of :mod:`workbench.data.vocabulary` (true/false, 1/0, yes/no, 是/否,
    通过/未通过, 合格/不合格, pass/fail, ...), else None."""
    if isinstance(value, bool):
        return value
    from workbench.data.vocabulary import key, load_vocabulary

    vocab, k = load_vocabulary(), key(value)
    return True if k in vocab.true else False if k in vocab.false else None


@dataclass(frozen=True)
class Column:
    """One column of the contract.

    ``kind`` is one of ``id``, ``str``, ``float``, ``int``, ``bool``, ``date``, ``category``.
    ``low``/``high`` bound numbers (inclusive); ``choices`` bound categories; ``required`` means the
    column must be present in the file; ``nullable`` means an empty cell is allowed. ``soft`` marks an
    optional field that must never remove an applicant: a value that breaks the column becomes unknown and
    the cell (not the row) goes to the quarantine, unless validation is strict.
    """

    name: str
    kind: str
    required: bool = True
    nullable: bool = False
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    soft: bool = False


@dataclass(frozen=True)
class Condition:
    """A row rule that needs other data: the values of ``columns`` must be in the key set ``keyset``.

    Key sets are named by the validator: a table name (its key values), ``profiles`` (job ids with a
    profile), ``dimensions`` ((job_id, dimension) pairs of the profiles), ``ai_passed`` (candidates the
    AI interview passed), ``resume_files`` (files of the dataset). ``reason`` is formatted with the row's
    values of ``columns``; rows with an empty value in ``columns`` are not checked.
    """

    columns: tuple[str, ...]
    keyset: str
    reason: str
    soft: bool = False  # a failing cell becomes empty (quarantined as a cell), the row stays


@dataclass(frozen=True)
class Table:
    """One table of the contract: its columns, its key, and the foreign keys it must join on."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    references: tuple[tuple[str, str], ...] = ()  # (column, table whose key it must match)
    conditions: tuple[Condition, ...] = ()  # further cross-table rules, checked after the references

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def all_conditions(self) -> tuple[Condition, ...]:
        """The references as conditions (``<column> 'x' is not in <table>``), then the other conditions."""
        refs = tuple(
            Condition((col,), other, f"{col} {{{col}!r}} is not in {other}") for col, other in self.references
        )
        return refs + self.conditions


HAS_PROFILE = Condition(("job_id",), "profiles", "job_id {job_id!r} has no profile (profiles/{job_id}.yaml)")

TABLES: tuple[Table, ...] = (
    Table(
        "candidates",
        (
            Column("candidate_id", "id"),
            Column("job_id", "id"),
            Column("applied_at", "date"),
            Column("gender", "category", nullable=True, choices=GENDERS, soft=True),
            Column("age", "int", required=False, nullable=True, low=14, high=100, soft=True),
            Column("race_ethnicity", "category", required=False, nullable=True, choices=RACE_ETHNICITY, soft=True),
            Column("education", "category", nullable=True, choices=EDUCATION_LEVELS, soft=True),
            Column("years_experience", "float", low=0, high=70),
            Column("resume_path", "str", required=False, nullable=True),
        ),
        key=("candidate_id",),
        conditions=(
            HAS_PROFILE,
            Condition(("resume_path",), "resume_files", "resume_path {resume_path!r} does not exist in the dataset",
                      soft=True),
        ),
    ),
    Table(
        "questions",
        (
            Column("question_id", "id"),
            Column("job_id", "id"),
            Column("dimension", "id"),
            Column("kind", "category", choices=QUESTION_KINDS),
            Column("text", "str"),
            Column("version", "str"),
            Column("active", "bool"),
        ),
        key=("question_id", "version"),  # a rewording keeps the id and gets a new version
        conditions=(
            HAS_PROFILE,
            Condition(
                ("job_id", "dimension"),
                "dimensions",
                "dimension {dimension!r} is not a dimension of the {job_id!r} profile",
            ),
        ),
    ),
    Table(
        "answers",
        (
            Column("candidate_id", "id"),
            Column("question_id", "id"),
            Column("score", "float", low=1, high=5),
            Column("answer_text", "str", required=False, nullable=True),
            Column("answer_seconds", "float", low=0, high=36000),
            Column("prompted", "bool"),
            Column("prompt_kind", "str", required=False, nullable=True),
            Column("interviewed_at", "date"),
            # which version of the question was answered (questions.version; empty = not recorded)
            Column("question_version", "str", required=False, nullable=True),
            # real-time hints as an intervention: the trigger fired (an incomplete first draft), the STAR parts
            # (0-4) before and after the hint, and how hints were assigned among eligible answers
            Column("hint_eligible", "bool", required=False, nullable=True),
            Column("star_before", "int", required=False, nullable=True, low=0, high=4),
            Column("star_after", "int", required=False, nullable=True, low=0, high=4),
            # HINT_ASSIGNMENTS; HR spellings (randomised, holdout, 随机, observational, 触发, ...) are mapped by the
            # vocabulary, an unrecognised value becomes unknown (the cell is quarantined, the answer kept)
            Column("assignment", "category", required=False, nullable=True, choices=HINT_ASSIGNMENTS, soft=True),
        ),
        key=("candidate_id", "question_id"),
        references=(("candidate_id", "candidates"), ("question_id", "questions")),
    ),
    Table(
        "ai_decisions",
        (
            Column("candidate_id", "id"),
            Column("ai_score", "float", low=1, high=5),
            Column("ai_passed", "bool"),
            Column("profile_version", "str"),
            Column("human_reviewed", "bool"),
            Column("human_override", "bool", required=False, nullable=True),
        ),
        key=("candidate_id",),
        references=(("candidate_id", "candidates"),),
    ),
    Table(
        "final_rounds",
        (
            Column("candidate_id", "id"),
            Column("final_score", "float", low=1, high=5),
            Column("final_passed", "bool"),
        ),
        key=("candidate_id",),
        references=(("candidate_id", "candidates"),),
        conditions=(
            Condition(
                ("candidate_id",),
                "ai_passed",
                "candidate_id {candidate_id!r} did not pass the AI interview (final_rounds holds AI-passed candidates only)",
            ),
        ),
    ),
    Table(
        "outcomes",
        (
            Column("candidate_id", "id"),
            Column("hired", "bool"),
            Column("performance", "float", nullable=True, low=1, high=5),
            Column("retained_12m", "bool", nullable=True),
        ),
        key=("candidate_id",),
        references=(("candidate_id", "candidates"),),
        conditions=(
            Condition(
                ("candidate_id",),
                "final_rounds",
                "candidate_id {candidate_id!r} is not in final_rounds (outcomes are for final-round candidates only)",
            ),
        ),
    ),
)

TABLE_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
TABLE_NAMES: tuple[str, ...] = tuple(TABLE_BY_NAME)
REQUIRED_TABLES: tuple[str, ...] = ("candidates", "questions", "answers")  # a dataset must have these
# pandas dtype of each column kind, for typed frames (extra columns are kept as ``str``)
KIND_DTYPES: dict[str, str] = {
    "id": "str",
    "str": "str",
    "category": "str",
    "float": "float64",
    "int": "Int64",
    "bool": "boolean",
    "date": "datetime64[us]",
}
