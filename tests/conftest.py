"""Tiny hand-written datasets for the data-contract tests (no simulator needed).

``write_dataset(folder)`` writes 5 candidates for two jobs (sales: C1-C3, pm: C4-C5), 4 questions,
10 answers, AI decisions (C1, C2, C4 passed), final rounds for those three and outcomes for the two hired.
Tests change one table by passing its CSV text, usually ``TABLES[name]`` with a line edited.
"""

from __future__ import annotations

from pathlib import Path

import pytest

PROFILES = {
    "sales": (
        "job_id: sales\nversion: v1\nthreshold: 3.2\nlanguage: zh\ndimensions:\n"
        "  - {name: negotiation, weight: 0.6, keywords: {zh: [谈判]}}\n  - {name: drive, weight: 0.4}\n"
    ),
    "pm": "job_id: pm\nversion: v1\nthreshold: 3.0\ndimensions:\n  - {name: product_sense, weight: 0.5}\n"
    "  - {name: execution, weight: 0.5}\n",
}

TABLES = {
    "candidates": (
        "candidate_id,job_id,applied_at,gender,age,education,years_experience,resume_path,source\n"
        "C1,sales,2026-01-05,female,31,bachelor,6.5,,referral\n"
        "C2,sales,2026-01-06,male,28,master,3,,job_board\n"
        "C3,sales,2026-01-07,,45,,20,,job_board\n"
        "C4,pm,2026-02-01,nonbinary,,doctorate,2,,campus\n"
        "C5,pm,2026-02-02,female,35,associate,9,,referral\n"
    ),
    "questions": (
        "question_id,job_id,dimension,kind,text,version,active\n"
        "q1,sales,negotiation,behavioral,Tell me about a hard negotiation.,v1,true\n"
        "q2,sales,drive,situational,\"What would you do if a client said no, twice?\",v1,yes\n"
        "q3,pm,product_sense,general,How do you choose what to build?,v1,1\n"
        "q4,pm,execution,behavioral,Tell me about a late project.,v1,是\n"
    ),
    "answers": (
        "candidate_id,question_id,score,answer_text,answer_seconds,prompted,prompt_kind,interviewed_at\n"
        "C1,q1,4,I closed the deal,120,false,,2026-01-10\n"
        "C1,q2,3.5,,90,true,star,2026-01-10\n"
        "C2,q1,5,,100,no,,2026-01-11\n"
        "C2,q2,4,,80,no,,2026-01-11\n"
        "C3,q1,2,,60,no,,2026-01-12\n"
        "C3,q2,1.5,,70,yes,quantify,2026-01-12\n"
        "C4,q3,4.5,,110,否,,2026-02-05\n"
        "C4,q4,4,,100,否,,2026-02-05\n"
        "C5,q3,2,,50,否,,2026-02-06\n"
        "C5,q4,2.5,,55,是,star,2026-02-06\n"
    ),
    "ai_decisions": (
        "candidate_id,ai_score,ai_passed,profile_version,human_reviewed,human_override\n"
        "C1,3.8,true,v1,false,\n"
        "C2,4.6,true,v1,false,\n"
        "C3,1.8,false,v1,true,false\n"
        "C4,4.25,true,v1,false,\n"
        "C5,2.25,false,v1,false,\n"
    ),
    "final_rounds": "candidate_id,final_score,final_passed\nC1,4.1,true\nC2,3.2,false\nC4,4.4,true\n",
    "outcomes": "candidate_id,hired,performance,retained_12m\nC1,true,4,true\nC4,true,,\n",
}


def write_dataset(folder: Path, tables: dict[str, str | None] | None = None, *, profiles: bool = True) -> Path:
    """Write the tiny dataset into ``folder``; ``tables`` replaces (text) or drops (None) tables."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = {**TABLES, **(tables or {})}
    for name, text in texts.items():
        if text is not None:
            (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    if profiles:
        (folder / "profiles").mkdir(exist_ok=True)
        for job_id, text in PROFILES.items():
            (folder / "profiles" / f"{job_id}.yaml").write_text(text, encoding="utf-8")
    return folder


def write_profiles(folder: Path) -> list[Path]:
    """The two profile files in ``folder``; returns their paths (for import sources)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for job_id, text in PROFILES.items():
        path = folder / f"{job_id}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A valid tiny dataset folder."""
    return write_dataset(tmp_path / "data")


@pytest.fixture(scope="session")
def spark():
    """One Spark local[2] session for the whole run (the JVM takes seconds to start); skips without Java."""
    import shutil

    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java")
    from workbench.engine import SparkEngine

    eng = SparkEngine(spark_master="local[2]")
    yield eng.spark
    eng.spark.stop()


def engine_of(name: str, request: pytest.FixtureRequest):
    """The engine of a parametrized test: the session's Spark only when Spark is asked for, else the name."""
    from workbench.engine import SparkEngine

    return SparkEngine(request.getfixturevalue("spark")) if name == "spark" else name


@pytest.fixture(autouse=True, scope="session")
def _private_workbench_cache(tmp_path_factory):
    """The resume-feature cache of the run in a temporary folder (never the user's ~/.cache)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBENCH_CACHE_DIR", str(tmp_path_factory.mktemp("workbench-cache")))
        yield
