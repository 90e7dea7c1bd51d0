"""Loading: typed frames, absent tables, invalid rows left out (never raised), helpers for later modules."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import TABLES, write_dataset

from workbench.data import DataError, Dataset, import_files, load
from workbench.data.schema import KIND_DTYPES, TABLE_BY_NAME, TABLE_NAMES


def test_load_gives_six_typed_tables_and_the_profiles(dataset):
    ds = load(dataset)
    assert isinstance(ds, Dataset)
    assert ds.job_ids == ("pm", "sales")
    assert ds.profiles["sales"].weights == {"negotiation": 0.6, "drive": 0.4}
    for name in TABLE_NAMES:
        frame = ds.table(name)
        assert isinstance(frame.index, pd.RangeIndex)
        for column in TABLE_BY_NAME[name].columns:
            assert str(frame[column.name].dtype) == KIND_DTYPES[column.kind], (name, column.name)
    assert ds.report.ok and ds.quarantine.empty


def test_absent_optional_tables_are_empty_typed_frames(tmp_path):
    ds = load(write_dataset(tmp_path / "data", {"final_rounds": None, "outcomes": None}))
    assert ds.final_rounds.empty and list(ds.final_rounds.columns) == ["candidate_id", "final_score", "final_passed"]
    assert str(ds.outcomes["hired"].dtype) == "boolean"


def test_invalid_rows_are_left_out_and_quarantined_not_raised(tmp_path):
    folder = write_dataset(tmp_path / "data", {"answers": TABLES["answers"].replace("C2,q1,5,", "C2,q1,7,")})
    ds = load(folder)
    assert len(ds.answers) == 9
    assert ds.quarantine[["table", "line", "reason"]].values.tolist() == [["answers", 4, "score: 7 is outside 1-5"]]
    assert not ds.report.ok


def test_answers_wide_is_candidates_by_questions(dataset):
    wide = load(dataset).answers_wide("sales")
    assert list(wide.index) == ["C1", "C2", "C3"] and list(wide.columns) == ["q1", "q2"]
    assert wide.loc["C1"].tolist() == [4.0, 3.5]
    assert load(dataset).dimension_of("pm") == {"q3": "product_sense", "q4": "execution"}


def test_an_imported_dataset_loads_like_its_csv_source(tmp_path, dataset):
    import_files([dataset], tmp_path / "imported")
    original, imported = load(dataset), load(tmp_path / "imported")
    for name in TABLE_NAMES:
        pd.testing.assert_frame_equal(original.table(name), imported.table(name))


def test_the_stored_quarantine_is_part_of_the_dataset(tmp_path, dataset):
    bad = tmp_path / "answers_extra.csv"
    bad.write_text(TABLES["answers"].splitlines()[0] + "\nC1,q3,9,,60,no,,2026-01-01\n", encoding="utf-8")
    import_files([dataset, bad], tmp_path / "imported")
    ds = load(tmp_path / "imported")
    assert ds.report.ok
    assert ds.quarantine["reason"].tolist() == ["score: 9 is outside 1-5"]


@pytest.mark.parametrize("name", ["missing", "not_a_dataset"])
def test_load_raises_only_when_the_folder_is_not_a_dataset(tmp_path, name):
    (tmp_path / "not_a_dataset").mkdir()
    (tmp_path / "not_a_dataset" / "notes.txt").write_text("hello")
    with pytest.raises(DataError, match=name):
        load(tmp_path / name)


def test_a_bad_file_inside_a_dataset_is_reported_not_raised(tmp_path):
    folder = write_dataset(tmp_path / "data", {"candidates": ""})
    ds = load(folder)
    assert ds.candidates.empty and len(ds.answers) == 0
    assert any(e.reason == "empty file (no header line)" for e in ds.report.errors)
