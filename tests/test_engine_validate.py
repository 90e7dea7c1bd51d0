"""Validation at scale gives the in-memory contract check's results exactly, on pandas, DuckDB and Spark.

The reference is :func:`workbench.data.validate.check_dataset`. On the demo with injected faults (CSV) and on a
50,000-candidate simulation stored as all-text Parquet with injected faults, every engine must give the same
quarantine rows (same reasons, lines, values, raw JSON, actions, order), the same accepted rows (read back from
the Parquet written), the same report (counts, errors, cells, mapped spellings, unknowns) and
accepted + quarantined = read. Spark runs one local[2] session for the module (slow).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import engine_of
from workbench.data.profiles import save_profile
from workbench.data.validate import check_dataset, empty_quarantine
from workbench.engine.validate import validate_at_scale
from workbench.simulate import simulate, small_config

ENGINES = ["pandas", "duckdb", pytest.param("spark", marks=pytest.mark.slow)]


def _set(frame: pd.DataFrame, rows: dict[tuple[int, str], str]) -> None:
    for (i, col), value in rows.items():
        frame.loc[i, col] = value


def _dirty_demo(dst: Path) -> Path:
    """The demo's contract tables with faults of every kind (types, ranges, keys, joins, spellings)."""
    shutil.copytree("datasets/demo", dst, ignore=shutil.ignore_patterns("*truth*", "README.md"))
    read = lambda name: pd.read_csv(dst / f"{name}.csv", dtype=str, keep_default_na=False)  # noqa: E731
    c, a, q, d = read("candidates"), read("answers"), read("questions"), read("ai_decisions")
    _set(c, {(1, "years_experience"): "abc", (2, "years_experience"): "80", (3, "candidate_id"): "",
             (4, "job_id"): "nojob", (5, "gender"): "F", (6, "gender"): "女", (7, "gender"): "Prefer not to say",
             (8, "gender"): "Martian", (9, "education"): "硕士", (10, "education"): "xyz", (11, "age"): "abc",
             (12, "age"): "150", (13, "age"): "33.5", (14, "applied_at"): "2024/13/45",
             (15, "applied_at"): "2024年6月21日", (16, "candidate_id"): c.loc[17, "candidate_id"],
             (18, "resume_path"): "resumes/nope.txt", (19, "gender"): "Martian", (19, "years_experience"): "x",
             (20, "candidate_id"): " C000021\t", (21, "years_experience"): "1e500", (24, "race_ethnicity"): "Latinx",
             (26, "gender"): "  ", (27, "age"): "12", (27, "job_id"): "nojob"})
    _set(a, {(0, "score"): "6", (1, "score"): "x", (2, "candidate_id"): "C999999", (3, "question_id"): "zz",
             (6, "prompted"): "maybe", (7, "prompted"): "是", (8, "interviewed_at"): "", (9, "answer_seconds"): "-1",
             (10, "score"): "nan", (11, "score"): "inf"})
    a.loc[4, ["candidate_id", "question_id"]] = a.loc[5, ["candidate_id", "question_id"]].to_numpy()
    _set(q, {(0, "kind"): "行为", (1, "dimension"): "nodim", (2, "active"): "yes", (3, "kind"): "weird"})
    _set(d, {(0, "ai_passed"): "通过", (1, "candidate_id"): "C888888", (2, "ai_score"): "nan"})
    for name, frame in (("candidates", c), ("answers", a), ("questions", q), ("ai_decisions", d)):
        frame.to_csv(dst / f"{name}.csv", index=False)
    with open(dst / "outcomes.csv", "a", encoding="utf-8") as fh:
        fh.write("C1,true,3\n,oops\n")  # an orphan and a malformed row
    return dst


def _as_text(series: pd.Series) -> pd.Series:
    return series.astype(object).where(series.notna(), None).map(lambda v: None if v is None else str(v))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return _dirty_demo(tmp_path_factory.mktemp("vdemo") / "demo")


@pytest.fixture(scope="module")
def sim50k(tmp_path_factory):
    """50,000 simulated candidates as all-text Parquet (a raw export) with injected faults."""
    sim = simulate(small_config(n_candidates=50_000, seed=11, answer_texts=False, resume_files=(0, 0, 0)))
    folder = tmp_path_factory.mktemp("vsim50k")
    (folder / "profiles").mkdir()
    for job, profile in sim.profiles.items():
        save_profile(profile, folder / "profiles" / f"{job}.yaml")
    text = {k: pd.DataFrame({c: _as_text(v[c]) for c in v.columns}) for k, v in sim.tables.items()}
    rng = np.random.default_rng(5)

    def hit(frame, col, values):
        frame.loc[rng.choice(len(frame), size=len(values), replace=False), col] = values

    c, a = text["candidates"], text["answers"]
    hit(c, "years_experience", ["abc", "99", "-1", "", "1e500"])
    hit(c, "gender", ["F", "女", "Martian", "prefer not to say", None])
    hit(c, "age", ["x", "200", "33.5", ""])
    hit(c, "applied_at", ["2024/13/45", "", "2024年6月21日", "21/06/2024"])
    hit(c, "job_id", ["nojob", ""])
    hit(c, "candidate_id", list(c["candidate_id"].iloc[:3]))
    hit(a, "score", ["x", "0", "6", "nan"])
    hit(a, "candidate_id", ["C9999999", "C9999998"])
    hit(a, "prompted", ["是", "maybe", ""])
    a.loc[len(a)] = a.iloc[7].copy()  # a duplicated answer
    hit(text["ai_decisions"], "ai_passed", ["通过", "??"])
    hit(text["outcomes"], "hired", ["录用", "bad"])
    for name, frame in text.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    return folder


def _records(q: pd.DataFrame) -> list[dict]:
    q = q.astype({c: "str" for c in q.columns if c != "line"}).astype(object)
    return q.where(q.notna(), None).reset_index(drop=True).to_dict("records")


def _cells(frame: pd.DataFrame) -> dict[str, list]:
    frame = frame.reset_index(drop=True).astype(object)
    return {c: [None if pd.isna(v) else v for v in frame[c]] for c in frame.columns}


def _assert_same(folder: Path, out: Path, result) -> None:
    base = check_dataset(folder)
    expected = pd.concat([t.quarantine for t in base.tables.values()] + [empty_quarantine()], ignore_index=True)
    assert len(expected) > 50  # the faults were found at all
    assert _records(result.quarantine) == _records(expected)
    for name, table in base.tables.items():
        if table.file:
            path = out / f"{name}.parquet"
            assert _cells(pd.read_parquet(path if path.exists() else out / name)) == _cells(table.accepted), name
    got, want = result.report.to_dict(max_errors=10**9), base.report.to_dict(max_errors=10**9)
    got["notes"] = [n for n in got["notes"] if "checked in memory" not in n]
    assert got == want
    for name, c in result.coverage.items():
        assert c["read"] == c["accepted"] + c["quarantined"] == base.report.tables[name].rows
    assert pd.read_csv(out / "quarantine.csv", dtype=str, encoding="utf-8-sig").shape[0] == len(expected)


@pytest.mark.parametrize("name", ENGINES)
def test_dirty_demo_identical_to_pandas_path(demo, tmp_path, request, name):
    result = validate_at_scale(demo, tmp_path / "out", engine=engine_of(name, request))
    assert result.engine == name and result.in_memory == {}
    _assert_same(demo, tmp_path / "out", result)
    assert {"cell set to unknown", "row rejected"} == set(result.quarantine["action"])


@pytest.mark.parametrize("name", ENGINES)
def test_sim50k_parquet_identical_to_pandas_path(sim50k, tmp_path, request, name):
    result = validate_at_scale(sim50k, tmp_path / "out", engine=engine_of(name, request))
    assert result.in_memory == {} and result.coverage["candidates"]["read"] == 50_000
    _assert_same(sim50k, tmp_path / "out", result)


def test_fallback_in_memory_for_personal_data(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "final_rounds.csv").write_text("candidate_id,final_score,final_passed,姓名\nC1,4.5,是,王伟\nC2,9,no,李\n",
                                             encoding="utf-8")
    result = validate_at_scale(folder, engine="duckdb")
    assert "personal-data" in result.in_memory["final_rounds"]
    assert result.coverage["final_rounds"] == {"read": 2, "accepted": 0, "quarantined": 2, "cells_set_to_unknown": 0}
    assert result.out is None and not result.quarantine["raw"].str.contains("王伟").any()  # pseudonymised


def test_out_must_not_be_the_dataset(demo):
    with pytest.raises(ValueError, match="must not be the dataset folder"):
        validate_at_scale(demo, demo)
