"""Import: format, join order, atomicity, idempotency, conflicts, and accepted + quarantined (+ skipped) = read."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from conftest import TABLES, write_dataset, write_profiles

import workbench.data.store as store
from workbench.data import DataError, import_files, load, validate_dataset


def write_sources(folder, tables=None):
    """The tiny dataset's CSVs as loose source files, plus the two profile files; returns all paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = write_profiles(folder)
    for name, text in {**TABLES, **(tables or {})}.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
        paths.append(folder / f"{name}.csv")
    return paths


def snapshot(folder):
    """Every file below ``folder`` -> its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_counts_add_up(report):
    for name, count in report.tables.items():
        assert count.accepted + count.rejected + count.duplicates_skipped == count.rows, name


def test_import_into_a_new_folder_writes_parquet_and_validates(tmp_path):
    into = tmp_path / "data"
    report = import_files(list(reversed(write_sources(tmp_path / "src"))), into)  # answers before candidates
    assert report.ok, report.summary()
    assert sorted(p.name for p in into.iterdir()) == [
        "ai_decisions.parquet", "answers.parquet", "candidates.parquet", "final_rounds.parquet", "outcomes.parquet",
        "profiles", "questions.parquet"]
    assert validate_dataset(into).ok
    assert list(report.tables) == ["candidates", "questions", "answers", "ai_decisions", "final_rounds", "outcomes"]
    assert not list(tmp_path.glob(".data.importing-*")) + list(tmp_path.glob(".data.replaced-*"))  # none left


def test_rejected_rows_go_to_quarantine_csv_and_counts_add_up(tmp_path):
    into = tmp_path / "data"
    sources = write_sources(tmp_path / "src", {"answers": TABLES["answers"].replace("C2,q1,5,", "C2,q1,7,")})
    report = import_files(sources, into)
    assert report.tables["answers"].line("answers").endswith("accepted 9 + quarantined 1 = read 10")
    quarantine = pd.read_csv(into / "quarantine.csv", dtype=str, encoding="utf-8-sig")
    assert quarantine[["table", "line", "column", "reason"]].values.tolist() == [
        ["answers", "4", "score", "score: 7 is outside 1-5"]]
    assert_counts_add_up(report)


def test_importing_twice_adds_nothing(tmp_path):
    into = tmp_path / "data"
    sources = write_sources(tmp_path / "src", {"answers": TABLES["answers"].replace("C2,q1,5,", "C2,q1,7,")})
    import_files(sources, into)
    before = {name: len(frame) for name, frame in _tables(into).items()}
    quarantine_before = (into / "quarantine.csv").read_bytes()
    again = import_files(sources, into)
    assert {name: len(frame) for name, frame in _tables(into).items()} == before
    assert again.tables["candidates"].duplicates_skipped == 5
    assert again.tables["answers"].line("answers").endswith(
        "accepted 0 + quarantined 1 + duplicates skipped 9 = read 10")
    assert (into / "quarantine.csv").read_bytes() == quarantine_before
    assert_counts_add_up(again)


def _tables(folder):
    dataset = load(folder)
    return {name: dataset.table(name) for name in ("candidates", "questions", "answers")}


def test_a_changed_row_is_quarantined_as_a_conflict_never_overwritten(tmp_path):
    into = tmp_path / "data"
    import_files(write_sources(tmp_path / "src"), into)
    changed = tmp_path / "changed" / "candidates.csv"
    changed.parent.mkdir()
    changed.write_text(TABLES["candidates"].replace("C2,sales,2026-01-06,male,28", "C2,sales,2026-01-06,male,29")
                       + "C6,pm,2026-03-01,female,22,bachelor,1,,campus\n", encoding="utf-8")
    report = import_files([changed], into)
    count = report.tables["candidates"]
    assert (count.accepted, count.rejected, count.duplicates_skipped, count.rows) == (1, 1, 4, 6)
    issue = report.errors[0]
    assert (issue.line, issue.column) == (3, "candidate_id")
    assert issue.reason == "candidate_id 'C2' is already stored with age 28; this row has 29 (conflict, not overwritten)"
    stored = load(into).candidates.set_index("candidate_id")
    assert stored.loc["C2", "age"] == 28 and "C6" in stored.index


@pytest.mark.parametrize("fail_in", ["write_table", "write_quarantine", "_swap"])
def test_a_failure_half_way_leaves_the_dataset_exactly_as_it_was(tmp_path, monkeypatch, fail_in):
    into = write_dataset(tmp_path / "data")
    (into / "quarantine.csv").write_text("table,file,line,column,reason,value,raw\n", encoding="utf-8")
    before = snapshot(into)
    real = getattr(store, fail_in)
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2 or fail_in != "write_table":
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(store, fail_in, failing)
    sources = tmp_path / "src"
    sources.mkdir()
    (sources / "candidates.csv").write_text(TABLES["candidates"].splitlines()[0] + "\nC6,pm,2026-03-01,,,,1,,\n")
    (sources / "answers.csv").write_text(TABLES["answers"].splitlines()[0] + "\nC6,q3,7,,60,no,,2026-03-02\n"
                                         "C6,q4,3,,60,no,,2026-03-02\n")
    with pytest.raises(RuntimeError, match="disk on fire"):
        import_files([sources / "candidates.csv", sources / "answers.csv"], into)
    assert snapshot(into) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".data.lock", "data", "src"]  # no staging folder


def test_an_os_error_while_writing_is_a_data_error_and_changes_nothing(tmp_path, monkeypatch):
    into = write_dataset(tmp_path / "data")
    before = snapshot(into)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "write_table", full_disk)
    source = tmp_path / "questions_more.csv"
    source.write_text(TABLES["questions"].splitlines()[0] + "\nq5,pm,execution,general,Why?,v2,true\n")
    with pytest.raises(DataError, match=r"data: import failed, the dataset is unchanged \(.*No space left"):
        import_files([source], into)
    assert snapshot(into) == before


def test_a_csv_table_stays_csv_and_keeps_its_rows(tmp_path):
    into = write_dataset(tmp_path / "data")
    source = tmp_path / "answers_2026.csv"
    source.write_text(TABLES["answers"].splitlines()[0] + "\nC4,q1,3,,60,no,,2026-03-02\n", encoding="utf-8")
    report = import_files([source], into)
    assert report.tables["answers"].accepted == 1
    assert not (into / "answers.parquet").exists()
    text = (into / "answers.csv").read_text(encoding="utf-8")
    assert text.startswith(TABLES["answers"]) and text.endswith("C4,q1,3.0,,60.0,false,,2026-03-02\n")
    assert validate_dataset(into).ok


def test_joins_see_stored_rows_and_other_sources(tmp_path):
    into = tmp_path / "data"
    sources = write_sources(tmp_path / "src")
    import_files([p for p in sources if p.stem != "answers"], into)
    extra = tmp_path / "answers.csv"
    extra.write_text(TABLES["answers"] + "C7,q1,3,,60,no,,2026-03-02\n", encoding="utf-8")
    report = import_files([extra], into)
    assert [(e.line, e.reason) for e in report.errors] == [(12, "candidate_id 'C7' is not in candidates")]
    assert report.tables["answers"].accepted == 10


def test_chinese_xlsx_with_the_mapping(tmp_path):
    into = tmp_path / "data"
    import_files(write_profiles(tmp_path / "profiles"), into)
    path = tmp_path / "候选人.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [["候选人编号", "岗位编号", "申请日期", "性别", "学历", "工作年限"],
                ["C1", "sales", "2026-01-05", "女", "本科", 6.5], ["C2", "sales", "2026-01-06", "男", "博士", 71]]:
        sheet.append(row)
    book.save(path)
    report = import_files([path], into, mapping="zh_hr")
    assert report.tables["candidates"].encoding == "xlsx"
    assert [(e.line, e.column, e.reason) for e in report.errors] == [
        (3, "years_experience", "years_experience: 71 is outside 0-70")]
    assert load(into).candidates["gender"].tolist() == ["female"]


def test_a_dataset_folder_can_be_imported_whole(tmp_path, dataset):
    report = import_files([dataset], tmp_path / "copy")
    assert report.ok
    assert sorted(p.name for p in (tmp_path / "copy" / "profiles").iterdir()) == ["pm.yaml", "sales.yaml"]
    assert validate_dataset(tmp_path / "copy").ok


def test_a_stored_xlsx_table_is_replaced_by_parquet(tmp_path):
    into = write_dataset(tmp_path / "data", {"final_rounds": None})
    book = openpyxl.Workbook()
    for row in [["candidate_id", "final_score", "final_passed"], ["C1", 4.1, True]]:
        book.active.append(row)
    book.save(into / "final_rounds.xlsx")
    source = tmp_path / "final_rounds_more.csv"
    source.write_text("candidate_id,final_score,final_passed\nC2,3.2,false\n", encoding="utf-8")
    report = import_files([source], into)
    assert any("final_rounds.xlsx replaced by final_rounds.parquet" in n for n in report.notes)
    assert load(into).final_rounds["candidate_id"].tolist() == ["C1", "C2"]


def test_an_unreadable_source_is_reported_and_the_rest_imported(tmp_path):
    bad = tmp_path / "candidates.xlsx"
    bad.write_bytes(b"nope")
    good = tmp_path / "final_rounds.csv"
    good.write_text("candidate_id,final_score,final_passed\nC1,4,true\n", encoding="utf-8")
    report = import_files([bad, good], tmp_path / "data")
    assert [(e.table, e.line, e.reason[:26]) for e in report.errors] == [("candidates", None, "not a readable Excel file ")]
    assert report.tables["final_rounds"].accepted == 1


# ---------------------------------------------------------------------------------------------- concurrency

CANDIDATE_HEADER = TABLES["candidates"].splitlines()[0]


def _candidates(path, ids):
    rows = "".join(f"{i},sales,2026-01-05,female,30,bachelor,3,,web\n" for i in ids)
    path.write_text(CANDIDATE_HEADER + "\n" + rows, encoding="utf-8")
    return path


def test_two_concurrent_imports_are_serialised_and_both_row_sets_stored(tmp_path, monkeypatch):
    import threading

    into = tmp_path / "data"
    import_files(write_profiles(tmp_path / "profiles"), into)
    first = _candidates(tmp_path / "candidates_a.csv", [f"A{i}" for i in range(50)])
    second = _candidates(tmp_path / "candidates_b.csv", [f"B{i}" for i in range(70)])
    inside, release = threading.Event(), threading.Event()
    real = store.stored_rows
    calls = []

    def slow_first_reader(files):  # the first import stops after reading the stored rows, holding the lock
        calls.append(threading.current_thread().name)
        if len(calls) == 1:
            inside.set()
            assert release.wait(10)
        return real(files)

    monkeypatch.setattr(store, "stored_rows", slow_first_reader)
    reports = {}
    threads = [threading.Thread(target=lambda p=p, n=n: reports.__setitem__(n, import_files([p], into)), name=n)
               for p, n in ((first, "a"), (second, "b"))]
    threads[0].start()
    assert inside.wait(10)
    threads[1].start()
    threads[1].join(0.5)
    assert threads[1].is_alive() and calls == ["a"]  # the second import waits for the lock, reads nothing yet
    release.set()
    for thread in threads:
        thread.join(20)
    assert (reports["a"].tables["candidates"].accepted, reports["b"].tables["candidates"].accepted) == (50, 70)
    stored = set(load(into).candidates["candidate_id"])
    assert stored == {f"A{i}" for i in range(50)} | {f"B{i}" for i in range(70)}


def test_two_import_processes_at_once_lose_no_rows(tmp_path):
    import subprocess
    import sys

    into = tmp_path / "data"
    import_files(write_profiles(tmp_path / "profiles"), into)
    files = [_candidates(tmp_path / f"candidates_{k}.csv", [f"{k}{i}" for i in range(4000)]) for k in "PQ"]
    code = "import sys; from workbench.data import import_files; r = import_files([sys.argv[1]], sys.argv[2]); " \
           "print(r.tables['candidates'].accepted)"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(f), str(into)], stdout=subprocess.PIPE, text=True)
             for f in files]
    outs = [p.communicate(timeout=120)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert outs == ["4000", "4000"]
    assert len(load(into).candidates) == 8000


def test_an_import_that_cannot_get_the_lock_fails_clearly_and_changes_nothing(tmp_path):
    into = write_dataset(tmp_path / "data")
    before = snapshot(into)
    source = _candidates(tmp_path / "candidates_more.csv", ["C9"])
    with store.dataset_lock(into):
        with pytest.raises(DataError, match=r"data: another import into this dataset is running \(lock \.data\.lock "
                                            r"held by process \d+\); gave up after 0\.2 s"):
            import_files([source], into, lock_timeout=0.2)
    assert snapshot(into) == before
    assert import_files([source], into).tables["candidates"].accepted == 1  # the lock is free again


def test_a_dataset_changed_underneath_an_import_is_not_overwritten(tmp_path, monkeypatch):
    into = write_dataset(tmp_path / "data")
    real = store.write_table

    def outside_writer(folder, *args, **kwargs):  # someone edits the dataset without taking the lock
        (into / "notes.txt").write_text("edited by hand", encoding="utf-8")
        return real(folder, *args, **kwargs)

    monkeypatch.setattr(store, "write_table", outside_writer)
    with pytest.raises(DataError, match=r"data: the dataset changed while this import ran .*nothing was written"):
        import_files([_candidates(tmp_path / "candidates_more.csv", ["C9"])], into)
    assert "C9" not in set(load(into).candidates["candidate_id"])
    assert (into / "notes.txt").read_text(encoding="utf-8") == "edited by hand"
    assert not list(tmp_path.glob(".data.importing-*"))


def _dead_pid():
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_staging_folders_of_dead_imports_are_cleaned_and_live_ones_kept(tmp_path):
    import os

    into = write_dataset(tmp_path / "data")
    dead, live = tmp_path / f".data.importing-{_dead_pid()}", tmp_path / f".data.importing-{os.getppid()}"
    for folder in (dead, live):
        folder.mkdir()
        (folder / "candidates.parquet").write_bytes(b"half written")
    report = import_files([_candidates(tmp_path / "candidates_more.csv", ["C9"])], into)
    assert not dead.exists() and live.exists()
    assert any(f"removed a stale staging folder {dead.name}" in note for note in report.notes)
    assert report.tables["candidates"].accepted == 1


def test_a_dataset_left_aside_by_a_killed_swap_is_put_back(tmp_path):
    aside = write_dataset(tmp_path / f".data.replaced-{_dead_pid()}")
    report = import_files([_candidates(tmp_path / "candidates_more.csv", ["C9"])], tmp_path / "data")
    assert not aside.exists()
    assert any("restored data from" in note for note in report.notes)
    assert len(load(tmp_path / "data").candidates) == 6  # the five stored + C9


# ---------------------------------------------------------------------------------------------- sources and targets


@pytest.mark.parametrize("target", ["a_file", "a_file/data"])
def test_into_a_file_is_a_clear_error(tmp_path, target):
    (tmp_path / "a_file").write_text("not a folder", encoding="utf-8")
    source = _candidates(tmp_path / "candidates.csv", ["C1"])
    with pytest.raises(DataError, match=r"a_file(/data)?: (not a folder|cannot create the dataset folder: .*a_file "
                                        r"is a file, not a folder)"):
        import_files([source], tmp_path / target)
    assert (tmp_path / "a_file").read_text(encoding="utf-8") == "not a folder"


def test_a_folder_of_exports_that_is_not_a_dataset_is_imported_file_by_file(tmp_path):
    exports = tmp_path / "exports"
    write_profiles(exports)
    _candidates(exports / "candidates_2026.csv", ["C1", "C2"])
    (exports / "answers_jan.csv").write_text(TABLES["answers"].splitlines()[0] + "\nC1,q1,4,,60,no,,2026-01-10\n",
                                             encoding="utf-8")
    (exports / "readme.md").write_text("not a table", encoding="utf-8")
    report = import_files([exports], tmp_path / "data")
    assert {name: c.accepted for name, c in report.tables.items()} == {"candidates": 2, "answers": 1}
    assert report.profiles == ("pm", "sales")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match=r"empty: no table files in this folder"):
        import_files([empty], tmp_path / "data")


def test_internal_column_names_in_a_file_do_not_break_a_second_import(tmp_path):
    into = tmp_path / "data"
    import_files(write_profiles(tmp_path / "profiles"), into)
    source = tmp_path / "candidates.csv"
    lines = TABLES["candidates"].splitlines()
    source.write_text("\n".join([lines[0] + ",_line,line,age__stored"] + [f"{row},x{i},{i},7" for i, row in
                                                                       enumerate(lines[1:])]) + "\n", encoding="utf-8")
    assert import_files([source], into).tables["candidates"].accepted == 5
    again = import_files([source], into)
    assert again.tables["candidates"].duplicates_skipped == 5
    source.write_text(source.read_text(encoding="utf-8").replace(",x0,", ",changed,"), encoding="utf-8")
    changed = import_files([source], into)
    assert [e.reason for e in changed.errors] == [
        "candidate_id 'C1' is already stored with _line 'x0'; this row has 'changed' (conflict, not overwritten)"]


def test_a_cp1252_source_needs_its_encoding(tmp_path):
    into = tmp_path / "data"
    source = tmp_path / "final_rounds.csv"
    source.write_bytes("candidate_id,final_score,final_passed,note\nC1,4,true,naïve\nC2,3,false,café\n"
                       .encode("cp1252"))
    refused = import_files([source], into)
    assert [(e.table, e.reason[:31]) for e in refused.errors] == [("final_rounds", "cannot tell the text encoding: ")]
    accepted = import_files([source], into, encoding="cp1252")
    assert accepted.ok
    assert pd.read_parquet(into / "final_rounds.parquet")["note"].tolist() == ["naïve", "café"]
