"""Validation: one clear issue per problem (file, line, column, reason), and accepted + quarantined = read."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import TABLES, write_dataset

from workbench.data import DataError, check_table, read_table_file, validate_dataset
from workbench.data.report import MAX_ERRORS
from workbench.data.validate import check_dataset


def edit(table: str, old: str, new: str):
    """A change to the tiny dataset: in ``table``'s CSV text, replace ``old`` by ``new`` (must occur)."""

    def change(folder):
        text = TABLES[table]
        assert old in text, old
        (folder / f"{table}.csv").write_text(text.replace(old, new, 1), encoding="utf-8")

    return change


def write_bytes(name: str, content: bytes, *, drop: str | None = None):
    def change(folder):
        if drop:
            (folder / drop).unlink()
        (folder / name).write_bytes(content)

    return change


# (id, change, table, file name, line, column, reason)
BAD_INPUTS = [
    ("empty file", write_bytes("candidates.csv", b""), "candidates", "candidates.csv", None, None,
     "empty file (no header line)"),
    ("missing column", edit("answers", "score,", "points,"), "answers", "answers.csv", 1, "score",
     "missing required column 'score'"),
    ("wrong delimiter", write_bytes("final_rounds.csv", b'"candidate_id;final_score;final_passed"\n"C1;4;true"\n'),
     "final_rounds", "final_rounds.csv", 1, None, "wrong delimiter?"),
    ("bad date", edit("candidates", "C2,sales,2026-01-06", "C2,sales,2026-13-45"), "candidates", "candidates.csv", 3,
     "applied_at", "applied_at: '2026-13-45' is not a date"),
    ("score of 7", edit("answers", "C2,q1,5,", "C2,q1,7,"), "answers", "answers.csv", 4, "score",
     "score: 7 is outside 1-5"),
    ("duplicated candidate_id", edit("candidates", "C5,pm", "C1,pm"), "candidates", "candidates.csv", 6,
     "candidate_id", "candidate_id 'C1' is duplicated (first at line 2)"),
    ("unreadable xlsx", write_bytes("candidates.xlsx", b"not excel", drop="candidates.csv"), "candidates",
     "candidates.xlsx", None, None, "not a readable Excel file ("),
    ("unknown candidate in answers", edit("answers", "C3,q1,2,", "C123,q1,2,"), "answers", "answers.csv", 6,
     "candidate_id", "candidate_id 'C123' is not in candidates"),
    ("unknown question in answers", edit("answers", "C3,q1,2,", "C3,q9,2,"), "answers", "answers.csv", 6,
     "question_id", "question_id 'q9' is not in questions"),
    ("unknown dimension", edit("questions", "q4,pm,execution", "q4,pm,charm"), "questions", "questions.csv", 5,
     "dimension", "dimension 'charm' is not a dimension of the 'pm' profile"),
    ("job without a profile", edit("candidates", "C5,pm", "C5,ops"), "candidates", "candidates.csv", 6, "job_id",
     "job_id 'ops' has no profile (profiles/ops.yaml)"),
    ("final round for a non-passed candidate", edit("final_rounds", "C4,4.4,true\n", "C4,4.4,true\nC3,2.0,false\n"),
     "final_rounds", "final_rounds.csv", 5, "candidate_id", "candidate_id 'C3' did not pass the AI interview"),
    ("outcome without a final round", edit("outcomes", "C4,true,,\n", "C4,true,,\nC5,false,,\n"), "outcomes",
     "outcomes.csv", 4, "candidate_id", "candidate_id 'C5' is not in final_rounds"),
    ("bad boolean", edit("answers", "120,false", "120,maybe"), "answers", "answers.csv", 2, "prompted",
     "prompted: 'maybe' is not a boolean (true/false, 1/0, yes/no, 是/否, 通过/未通过"),
    ("empty required cell", edit("candidates", ",20,,", ",,,"), "candidates", "candidates.csv", 4,
     "years_experience", "years_experience is empty"),
    ("not a number", edit("answers", "C4,q3,4.5", "C4,q3,four"), "answers", "answers.csv", 8, "score",
     "score: 'four' is not a number"),
    ("ragged row", edit("final_rounds", "C2,3.2,false", "C2,3.2,false,oops"), "final_rounds", "final_rounds.csv", 3,
     None, "has 4 fields, the header has 3"),
]


def with_assignment(values: list[str]):
    """A change to the tiny dataset: an ``assignment`` column on its 10 answers, with these raw values."""

    def change(folder):
        head, *rows = TABLES["answers"].rstrip("\n").split("\n")
        assert len(rows) == len(values)
        lines = [f"{head},assignment"] + [f"{row},{value}" for row, value in zip(rows, values)]
        (folder / "answers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    return change


# Bad values in optional applicant fields: by default the cell becomes unknown (row kept, cell quarantined);
# with strict=True the row is rejected as before.
SOFT_INPUTS = [
    ("unrecognised category", edit("candidates", "C2,sales,2026-01-06,male", "C2,sales,2026-01-06,Martian"),
     "candidates", "candidates.csv", 3, "gender", "gender: 'Martian' is not one of female, male, nonbinary"),
    ("fractional age", edit("candidates", "female,31,", "female,31.5,"), "candidates", "candidates.csv", 2, "age",
     "age: '31.5' is not a whole number"),
    ("missing resume", edit("candidates", "6.5,,referral", "6.5,resumes/C1.pdf,referral"), "candidates",
     "candidates.csv", 2, "resume_path", "resume_path 'resumes/C1.pdf' does not exist in the dataset"),
    ("unrecognised assignment", with_assignment(["random"] * 2 + ["sometimes"] + ["random"] * 7), "answers",
     "answers.csv", 4, "assignment", "assignment: 'sometimes' is not one of random, triggered"),
]


def assert_counts_add_up(report):
    for name, count in report.tables.items():
        assert count.accepted + count.rejected + count.duplicates_skipped == count.rows, name


@pytest.mark.parametrize(("change", "table", "file", "line", "column", "reason"), [c[1:] for c in BAD_INPUTS],
                         ids=[c[0] for c in BAD_INPUTS])
def test_each_bad_input_gives_one_clear_issue(tmp_path, change, table, file, line, column, reason):
    _assert_one_clear_issue(tmp_path, change, table, file, line, column, reason, strict=False)


@pytest.mark.parametrize(("change", "table", "file", "line", "column", "reason"), [c[1:] for c in SOFT_INPUTS],
                         ids=[c[0] for c in SOFT_INPUTS])
def test_strict_rejects_the_row_for_a_bad_optional_field(tmp_path, change, table, file, line, column, reason):
    _assert_one_clear_issue(tmp_path, change, table, file, line, column, reason, strict=True)


@pytest.mark.parametrize(("change", "table", "file", "line", "column", "reason"), [c[1:] for c in SOFT_INPUTS],
                         ids=[c[0] for c in SOFT_INPUTS])
def test_a_bad_optional_field_never_removes_the_applicant(tmp_path, change, table, file, line, column, reason):
    folder = write_dataset(tmp_path / "data")
    change(folder)
    checked = check_dataset(folder)
    report = checked.report
    assert report.ok and report.tables[table].rejected == 0 and report.tables[table].cells_quarantined == 1
    cell = [c for c in report.cells if reason in c.reason]
    assert cell and (cell[0].line, cell[0].column) == (line, column) and "set to unknown" in cell[0].reason
    accepted = checked.tables[table].accepted
    assert accepted.loc[line, column] is pd.NA or pd.isna(accepted.loc[line, column])
    assert report.warnings and column in report.warnings[0]
    q = checked.tables[table].quarantine
    assert q["action"].tolist() == ["cell set to unknown"] and q["line"].tolist() == [line]
    assert_counts_add_up(report)


def _assert_one_clear_issue(tmp_path, change, table, file, line, column, reason, *, strict):
    folder = write_dataset(tmp_path / "data")
    change(folder)
    report = validate_dataset(folder, strict=strict)
    assert not report.ok
    matches = [e for e in report.errors if e.table == table and reason in e.reason]
    assert matches, [str(e) for e in report.errors]
    issue = matches[0]
    assert (issue.file.endswith(file), issue.line, issue.column) == (True, line, column)
    text = str(issue)
    assert file in text and reason in text and (line is None or f"line {line}" in text)
    assert_counts_add_up(report)
    json.dumps(report.to_dict())  # the command contract is JSON


def test_a_valid_dataset_is_ok(dataset):
    report = validate_dataset(dataset)
    assert report.ok, report.summary()
    assert {n: c.rows for n, c in report.tables.items()} == {
        "candidates": 5, "questions": 4, "answers": 10, "ai_decisions": 5, "final_rounds": 3, "outcomes": 2}


def test_a_missing_column_rejects_every_row_with_one_file_error(tmp_path):
    folder = write_dataset(tmp_path / "data", {"answers": TABLES["answers"].replace("score,", "points,", 1)})
    checked = check_dataset(folder).tables["answers"]
    assert (checked.accepted_count, checked.rejected, checked.rows) == (0, 10, 10)
    assert set(checked.quarantine["reason"]) == {"missing required column 'score'"}
    assert [str(i) for i in checked.issues()] == [f"{folder / 'answers.csv'}, line 1, column score: "
                                                  "missing required column 'score'"]


def test_a_case_mismatch_in_a_column_name_gets_a_hint(tmp_path):
    folder = write_dataset(tmp_path / "data", {"answers": TABLES["answers"].replace("score,", "Score,", 1)})
    reasons = [e.reason for e in validate_dataset(folder).errors]
    assert "missing required column 'score' (found 'Score'; column names are exact)" in reasons


def test_the_quarantine_keeps_the_original_row(tmp_path):
    folder = write_dataset(tmp_path / "data", {"answers": TABLES["answers"].replace("C2,q1,5,", "C2,q1,7,")})
    quarantine = check_dataset(folder).tables["answers"].quarantine
    assert list(quarantine.columns) == ["table", "file", "line", "column", "reason", "value", "raw", "action"]
    assert quarantine["action"].tolist() == ["row rejected"]
    row = quarantine.iloc[0]
    assert (row["line"], row["column"], row["value"]) == (4, "score", "7")
    assert json.loads(row["raw"])["score"] == "7"


def test_missing_optional_tables_are_zero_rows_and_missing_required_ones_are_errors(tmp_path):
    folder = write_dataset(tmp_path / "data", {"final_rounds": None, "outcomes": None, "questions": None})
    report = validate_dataset(folder)
    assert report.tables["final_rounds"].rows == report.tables["outcomes"].rows == 0
    assert "missing table questions (questions.csv or questions.parquet)" in [e.reason for e in report.errors]
    assert not any(e.table in ("final_rounds", "outcomes") for e in report.errors)


def test_without_ai_decisions_final_rounds_are_not_checked_but_a_note_says_so(tmp_path):
    report = validate_dataset(write_dataset(tmp_path / "data", {"ai_decisions": None}))
    assert report.ok
    assert any("ai_decisions" in note for note in report.notes)


def test_a_broken_profile_is_an_issue_and_its_candidates_are_rejected(tmp_path):
    folder = write_dataset(tmp_path / "data")
    (folder / "profiles" / "pm.yaml").write_text("job_id: pm\nversion: v1\nthreshold: 9\ndimensions: []\n")
    report = validate_dataset(folder)
    assert any(e.table == "profiles" and "threshold" in e.reason for e in report.errors)
    assert report.tables["candidates"].rejected == 2
    assert_counts_add_up(report)


@pytest.mark.parametrize("path", ["nope", "empty"])
def test_a_folder_that_is_not_a_dataset_raises(tmp_path, path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match=rf"{path}: (no such folder|not a dataset)"):
        validate_dataset(tmp_path / path)


def test_errors_are_bounded_in_the_json_but_counted(tmp_path):
    rows = "".join(f"X{i},q1,3,,60,no,,2026-01-01\n" for i in range(MAX_ERRORS + 50))
    folder = write_dataset(tmp_path / "data", {"answers": TABLES["answers"] + rows})
    out = validate_dataset(folder).to_dict()
    assert len(out["errors"]) == MAX_ERRORS
    assert out["errors_total"] == MAX_ERRORS + 50
    assert set(out["errors"][0]) >= {"table", "line", "column", "reason", "file", "value"}
    assert out["tables"]["answers"]["rows"] == 10 + MAX_ERRORS + 50


def test_summary_states_accepted_plus_quarantined_equals_read(tmp_path):
    folder = write_dataset(tmp_path / "data", {"answers": TABLES["answers"].replace("C2,q1,5,", "C2,q1,7,")})
    summary = validate_dataset(folder).summary()
    assert "answers (" in summary and "accepted 9 + quarantined 1 = read 10" in summary
    assert "score: 7 is outside 1-5" in summary


def test_typed_frame_dtypes_and_spellings(dataset):
    tables = check_dataset(dataset).tables
    answers = tables["answers"].accepted
    assert str(answers["score"].dtype) == "float64"
    assert str(answers["prompted"].dtype) == "boolean"
    assert answers["prompted"].tolist() == [False, True, False, False, False, True, False, False, False, True]
    assert str(answers["interviewed_at"].dtype).startswith("datetime64")
    candidates = tables["candidates"].accepted
    assert str(candidates["age"].dtype) == "Int64" and candidates["age"].isna().sum() == 1
    assert candidates["source"].tolist() == ["referral", "job_board", "job_board", "campus", "referral"]  # extra kept
    assert candidates["gender"].isna().tolist() == [False, False, True, False, False]
    assert tables["questions"].accepted["active"].tolist() == [True, True, True, True]
    assert tables["outcomes"].accepted["retained_12m"].isna().tolist() == [False, True]


def test_an_absent_optional_column_is_an_empty_typed_column(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text("candidate_id,question_id,score,answer_seconds,prompted,interviewed_at\n"
                    "C1,q1,4,60,no,2026-01-09\n", encoding="utf-8")
    accepted = check_table(read_table_file(path)).accepted
    assert accepted["answer_text"].isna().all() and str(accepted["answer_text"].dtype) == "str"


def test_a_row_is_quarantined_once_for_its_first_problem(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text("candidate_id,question_id,score,answer_seconds,prompted,interviewed_at\n"
                    "C9,q1,7,-5,maybe,never\n", encoding="utf-8")
    checked = check_table(read_table_file(path), known_keys={"candidates": {"C1"}})
    assert checked.quarantine["reason"].tolist() == ["score: 7 is outside 1-5"]


def test_duplicates_of_composite_keys_name_both_columns(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text("candidate_id,question_id,score,answer_seconds,prompted,interviewed_at\n"
                    "C1,q1,4,60,no,2026-01-09\nC1,q2,4,60,no,2026-01-09\nC1,q1,3,60,no,2026-01-09\n", encoding="utf-8")
    checked = check_table(read_table_file(path))
    assert checked.quarantine[["line", "column", "reason"]].values.tolist() == [
        [4, "candidate_id,question_id", "candidate_id 'C1', question_id 'q1' is duplicated (first at line 2)"]]


def test_dates_in_common_export_spellings(tmp_path):
    path = tmp_path / "final_rounds.csv"
    path.write_text("candidate_id,final_score,final_passed,decided\nC1,4,true,x\n", encoding="utf-8")
    text = TABLES["candidates"].replace("2026-01-05", "2026/1/5").replace("2026-01-06", "2026年1月6日")
    text = text.replace("2026-01-07", "2026-01-07T09:30:00+08:00")
    (tmp_path / "candidates.csv").write_text(text, encoding="utf-8")
    accepted = check_table(read_table_file(tmp_path / "candidates.csv")).accepted
    assert accepted["applied_at"].dt.strftime("%Y-%m-%d").tolist()[:3] == ["2026-01-05", "2026-01-06", "2026-01-07"]
    assert pd.api.types.is_datetime64_dtype(accepted["applied_at"])


ASSIGNMENT_SPELLINGS = [("随机", "random"), ("Randomised", "random"), ("randomized", "random"), ("hold-out", "random"),
                        ("随机对照", "random"), ("触发", "triggered"), ("触发式", "triggered"),
                        ("Observational", "triggered"), ("trigger", "triggered"), ("", None)]


def test_assignment_spellings_are_mapped_and_listed(tmp_path):
    folder = write_dataset(tmp_path / "data")
    with_assignment([raw for raw, _ in ASSIGNMENT_SPELLINGS])(folder)
    checked = check_dataset(folder)
    assert checked.report.ok and checked.report.tables["answers"].cells_quarantined == 0
    answers = checked.tables["answers"].accepted
    assert [None if pd.isna(v) else v for v in answers["assignment"]] == [v for _, v in ASSIGNMENT_SPELLINGS]
    mapped = {(m["raw"], m["value"]) for m in checked.tables["answers"].mapped if m["column"] == "assignment"}
    assert mapped == {(raw, value) for raw, value in ASSIGNMENT_SPELLINGS if raw and raw != value}


def test_a_mapped_holdout_spelling_is_read_as_a_randomised_design(tmp_path):
    """What workbench.review.prompting decides from the loaded answers: HR's 随机 / Randomised mean random."""
    from workbench.data import load
    from workbench.review.rounds import prompting_design

    folder = write_dataset(tmp_path / "data")
    with_assignment(["随机", "Randomised", "hold-out", "random", "randomized"] * 2)(folder)
    assert prompting_design(load(folder).answers) == "randomised"
    with_assignment(["随机"] * 9 + ["触发式"])(folder)
    assert prompting_design(load(folder).answers) == "observational"
    with_assignment(["随机"] * 9 + ["sometimes"])(folder)  # unknown after quarantine: not shown to be random
    assert prompting_design(load(folder).answers) == "observational"
