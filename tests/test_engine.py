"""The engine layer: the audit and the review give identical results on pandas, DuckDB and Spark (local[2]).

Equality is asserted against the in-memory numpy path on the demo (a loaded dataset) and on a 50,000-candidate
simulation stored as Parquet (read in place by DuckDB and Spark): identical counts, and statistics to 1e-9.
Spark starts one local[2] session for the whole module (slow: JVM start); its tests are marked slow.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from conftest import engine_of
from workbench.data import load
from workbench.engine import EngineError, PandasEngine, SparkEngine, get_engine, open_source
from workbench.fairness import audit
from workbench.review.at_scale import engine_validity
from workbench.review.inputs import review_inputs_from_tables
from workbench.review.validity import ValiditySettings, validity_table
from workbench.simulate import simulate, small_config

SETTINGS = ValiditySettings(n_boot=200)
TABLES = ("candidates", "questions", "answers", "ai_decisions", "final_rounds", "outcomes")


@pytest.fixture(scope="module")
def demo():
    return load("datasets/demo")


@pytest.fixture(scope="module")
def sim50k(tmp_path_factory):
    """50,000 simulated candidates as a Parquet dataset folder (and the simulation)."""
    sim = simulate(small_config(n_candidates=50_000, seed=11, answer_texts=False, resume_files=(0, 0, 0)))
    folder = tmp_path_factory.mktemp("sim50k")
    for name in TABLES:
        sim.tables[name].to_parquet(folder / f"{name}.parquet", index=False)
    return sim, folder


def _without_engine(doc):
    doc = dict(doc)
    doc["meta"] = {k: v for k, v in doc["meta"].items() if k not in ("engine", "audit_date")}
    return doc


ENGINES = ["pandas", "duckdb", pytest.param("spark", marks=pytest.mark.slow)]


# -------------------------------------------------------------------------------------------- audit


@pytest.mark.parametrize("name", ["pandas", "duckdb"])
def test_audit_demo_identical_to_numpy(demo, name):
    """Every table, stage, CMH row, unknown entry, score gap, DIF row, note and the coverage are identical."""
    base = audit(demo)
    assert _without_engine(audit(demo, engine=name).to_dict()) == _without_engine(base.to_dict())


@pytest.mark.parametrize("name", ENGINES)
def test_audit_parquet_simulation_identical(sim50k, request, name):
    sim, folder = sim50k
    base = audit(sim.tables, decision="final_passed", where_from=False).to_dict()
    got = audit(folder, decision="final_passed", where_from=False, engine=engine_of(name, request)).to_dict()
    assert _without_engine(got) == _without_engine(base)
    assert got["meta"]["engine"] == name
    assert got["meta"]["n_applicants"] == len(sim.tables["candidates"]) == 50_000


def test_audit_parquet_leaves_out_gaps_with_a_note(sim50k):
    _, folder = sim50k
    res = audit(folder, by=("gender",), engine="duckdb")
    assert res.gaps.empty and any("score gaps and DIF not computed" in n for n in res.notes)


def test_audit_engine_errors_like_numpy():
    tables = simulate(small_config(n_candidates=300, seed=2, answer_texts=False)).tables
    for engine in (None, "duckdb"):
        with pytest.raises(ValueError, match="not a column of candidates"):
            audit(tables, by=("gender", "religion"), where_from=False, engine=engine)


# ------------------------------------------------------------------------------------------- review


@pytest.mark.parametrize("criterion", ["final_score", "final_passed", "performance", "retained_12m"])
def test_review_rows_path_identical(demo, criterion):
    """Below the analytic size the engine fetches the frame: the table is validity_table's, bit for bit."""
    profile = demo.profiles["product_manager"]
    tables = {n: demo.table(n) for n in TABLES}
    base = validity_table(review_inputs_from_tables(tables, profile, criterion), SETTINGS).to_records()
    assert engine_validity(demo, profile, criterion, SETTINGS, engine="duckdb").to_records() == base


@pytest.mark.parametrize("criterion", ["final_passed", "performance"])
def test_review_sums_match_rows(sim50k, criterion):
    """The sufficient statistics give the row estimates to 1e-9; delta intervals are as wide as the bootstrap's."""
    sim, folder = sim50k
    profile = sim.profiles["regional_sales_manager"]
    rows = validity_table(review_inputs_from_tables(sim.tables, profile, criterion), SETTINGS)
    fast = engine_validity(folder, profile, criterion, SETTINGS, engine="duckdb", analytic_above=0)
    assert fast.interval_method == "delta" and rows.interval_method == "bootstrap"
    for col in ("n", "r_observed", "r_xz", "r_yz", "r_corrected", "u"):
        np.testing.assert_allclose(fast.questions[col], rows.questions[col], rtol=0, atol=1e-9)
    np.testing.assert_allclose(fast.total["r_corrected"], rows.total["r_corrected"], atol=1e-9)
    ratio = (fast.questions.ci_high - fast.questions.ci_low) / (rows.questions.ci_high - rows.questions.ci_low)
    assert ratio.between(0.75, 1.33).all()
    assert any("delta-method" in n for n in fast.notes)


@pytest.mark.parametrize("name", ENGINES)
def test_review_delta_identical_across_engines(sim50k, request, name):
    sim, folder = sim50k
    profile = sim.profiles["product_manager"]
    ref = engine_validity(sim.tables, profile, "performance", SETTINGS, engine="pandas", analytic_above=0)
    got = engine_validity(folder, profile, "performance", SETTINGS, engine=engine_of(name, request), analytic_above=0)
    for frame in ("questions", "dimensions"):
        a, b = getattr(ref, frame), getattr(got, frame)
        assert a["verdict"].tolist() == b["verdict"].tolist() and a["n"].tolist() == b["n"].tolist()
        for col in ("r_observed", "r_corrected", "ci_low", "ci_high", "p_value", "p_adjusted"):
            np.testing.assert_allclose(b[col], a[col], rtol=0, atol=1e-9)
    assert ref.notes == got.notes


@pytest.mark.slow
def test_review_rows_path_spark(demo, spark):
    profile = demo.profiles["regional_sales_manager"]
    tables = {n: demo.table(n) for n in TABLES}
    base = validity_table(review_inputs_from_tables(tables, profile, "final_passed"), SETTINGS).to_records()
    assert engine_validity(demo, profile, "final_passed", SETTINGS, engine=SparkEngine(spark)).to_records() == base


def test_review_dataset_engine_on_parquet(sim50k):
    from workbench.review.loop import review_dataset

    sim, folder = sim50k
    shutil.rmtree(folder / "profiles", ignore_errors=True)
    (folder / "profiles").mkdir()
    from workbench.data.profiles import save_profile

    for job, profile in sim.profiles.items():
        save_profile(profile, folder / "profiles" / f"{job}.yaml")
    doc = review_dataset(folder, "final_score", engine="duckdb", analytic_above=0).to_dict()
    assert set(doc["jobs"]) == set(sim.profiles)
    assert doc["coverage"]["tables"]["candidates"]["accepted"] == 50_000
    assert all("need the rows in memory" in j["weights_error"] for j in doc["jobs"].values())


# ------------------------------------------------------------------------------------------- engines


def test_engine_names_and_sources(tmp_path):
    assert get_engine("pandas").name == "pandas" and get_engine(None).name == "duckdb"
    with pytest.raises(EngineError, match="not one of"):
        get_engine("oracle")
    with pytest.raises(EngineError, match="not a dataset folder"):
        open_source(tmp_path / "nope")
    eng = PandasEngine()
    eng.register("t", pd.DataFrame({"s": ["o'neil"]}))
    assert eng.query(f"SELECT COUNT(*) AS n FROM t WHERE s = {eng.literal(chr(111) + chr(39) + 'neil')}")["n"][0] == 1


@pytest.mark.slow
def test_spark_session_used_as_is(spark):
    eng = get_engine("spark", spark=spark)
    assert eng.spark is spark
    eng.register("t", pd.DataFrame({"s": ["back\\slash", "it's"]}))
    assert eng.query(f"SELECT COUNT(*) AS n FROM t WHERE s = {eng.literal('it' + chr(39) + 's')} "
                     f"OR s = {eng.literal('back' + chr(92) + 'slash')}")["n"][0] == 2


@pytest.mark.parametrize("name", ["pandas", "duckdb", pytest.param("spark", marks=pytest.mark.slow)])
def test_a_dataset_uri_is_read_like_the_local_folder(sim50k, request, name):
    """A Parquet dataset named by URI (the path object storage and HDFS take; ``file://`` here) is found through
    pyarrow's filesystems and read in place: the same tables, profiles and audit as the folder."""
    _, folder = sim50k
    uri = folder.resolve().as_uri()
    by_uri, by_path = open_source(uri, engine_of(name, request)), open_source(folder, "pandas")
    assert by_uri.tables == by_path.tables and by_uri.job_ids == by_path.job_ids
    assert [by_uri.count(t) for t in by_uri.tables] == [by_path.count(t) for t in by_path.tables]
    got = audit(uri, decision="final_passed", where_from=False, engine=engine_of(name, request)).to_dict()
    ref = audit(folder, decision="final_passed", where_from=False, engine="pandas").to_dict()
    assert _without_engine(got) == _without_engine(ref)


def test_a_uri_without_a_dataset_is_a_clear_error(tmp_path):
    with pytest.raises(EngineError, match="no candidates table"):
        open_source(tmp_path.as_uri(), "duckdb")
    with pytest.raises(EngineError, match="cannot open"):
        open_source("nosuchscheme://bucket/data", "duckdb")
