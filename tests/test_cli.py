"""The command contract: human summary by default, one JSON document with --json, errors on stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import TABLES, write_dataset, write_profiles
from workbench.cli import app, default_demo_path

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def run_json(*args: str) -> tuple[int, dict]:
    result = run(*args, "--json")
    return result.exit_code, json.loads(result.stdout)


def test_validate_demo_reports_ok():
    code, doc = run_json("validate", default_demo_path())
    assert code == 0
    assert doc["ok"] is True
    assert doc["errors"] == []
    assert set(doc["tables"]) >= {"candidates", "questions", "answers", "ai_decisions", "final_rounds", "outcomes"}
    assert doc["tables"]["answers"]["rows"] == 24_000
    assert all(t["rejected"] == 0 for t in doc["tables"].values())


@pytest.mark.parametrize(
    ("table", "old", "new", "expected"),
    [
        ("answers", "C1,q1,4,", "C1,q1,7,", {"table": "answers", "line": 2, "column": "score"}),
        ("candidates", "C2,sales,2026-01-06", "C2,sales,2026-13-45", {"table": "candidates", "line": 3, "column": "applied_at"}),
        ("candidates", "C3,sales", "C2,sales", {"table": "candidates", "line": 4, "column": "candidate_id"}),
    ],
)
def test_validate_names_table_line_and_column(tmp_path, table, old, new, expected):
    data = write_dataset(tmp_path / "d", {table: TABLES[table].replace(old, new, 1)})
    code, doc = run_json("validate", data)
    assert code == 1
    assert doc["ok"] is False
    error = doc["errors"][0]
    assert {k: error[k] for k in expected} == expected
    assert error["reason"]
    counts = doc["tables"][table]
    assert counts["rejected"] >= 1 and counts["accepted"] + counts["rejected"] == counts["rows"]


def test_human_summary_states_the_balance(dataset):
    result = run("validate", dataset)
    assert result.exit_code == 0
    assert "accepted 10 + quarantined 0 = read 10" in result.stdout


def test_missing_folder_is_one_clean_line_on_stderr(tmp_path):
    result = run("validate", tmp_path / "nowhere", "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "nowhere: not a folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_import_quarantines_and_balances(tmp_path):
    src = tmp_path / "src"
    write_dataset(src)
    bad = src / "answers.csv"
    bad.write_text(TABLES["answers"].replace("C1,q1,4,", "C1,q1,7,", 1), encoding="utf-8")
    into = tmp_path / "into"
    sources = [*write_profiles(tmp_path / "profiles"), src / "candidates.csv", src / "questions.csv", bad]
    code, doc = run_json("import", *sources, "--into", into)
    assert code == 1  # some rows were rejected: they are in the quarantine
    assert doc["tables"]["answers"] == doc["tables"]["answers"] | {"rows": 10, "rejected": 1, "accepted": 9}
    quarantine = (into / "quarantine.csv").read_text(encoding="utf-8-sig")
    assert "score: 7 is outside 1-5" in quarantine
    # the same import again adds nothing
    code, again = run_json("import", *sources, "--into", into)
    assert again["tables"]["answers"]["accepted"] == 0


def test_import_missing_source_fails_cleanly(tmp_path):
    result = run("import", tmp_path / "absent.csv", "--into", tmp_path / "d")
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_simulate_then_validate(tmp_path):
    out = tmp_path / "sim"
    code, doc = run_json("simulate", "--candidates", "120", "--seed", "3", "--out", out)
    assert code == 0
    assert doc["candidates"] == 120
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert truth
    code, report = run_json("validate", out)
    assert code == 0 and report["ok"] is True


def test_simulate_triggered_hints_with_holdout_reads_as_a_randomised_experiment(tmp_path):
    out = tmp_path / "sim"
    code, doc = run_json("simulate", "--candidates", "120", "--seed", "3", "--out", out,
                         "--hints", "triggered", "--holdout", "0.3")
    assert code == 0 and doc["hints"] == "triggered"
    code, prompting = run_json("prompting", out)
    assert code == 0
    assert prompting["design"] == "randomised"
    assert 0 < prompting["n_prompted"] < prompting["n_eligible"] < prompting["n_answers"]


@pytest.mark.parametrize("args", [["--holdout", "0.2"], ["--hints", "sometimes"]])
def test_simulate_refuses_inconsistent_hint_options(tmp_path, args):
    result = run("simulate", "--candidates", "40", "--out", tmp_path / "x", *args)
    assert result.exit_code == 2
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_demo_runs_the_whole_loop(tmp_path):
    code, doc = run_json("demo", "--reports", tmp_path)
    assert code == 0
    jobs = doc["summary"]["jobs"]
    assert set(jobs) == {"regional_sales_manager", "product_manager"}
    for job in jobs.values():
        assert 0.30 <= job["ai_pass_rate"] <= 0.40
        assert job["finalists"] > 0
    assert {"profile", "parsing", "feedback", "scoring", "review", "audit", "reports"} <= set(doc)
    assert doc["parsing"]["parsed"] == doc["parsing"]["files"] > 0
    assert min(doc["feedback"]["f1_vs_simulated_truth"].values()) > 0.8
    names = {Path(p).name for p in doc["reports"]}
    assert {"auditor_report.html", "review_report.html"} <= names
    assert all((tmp_path / n).is_file() for n in names)


def test_serve_rejects_unknown_app():
    result = run("serve", "nope")
    assert result.exit_code == 2 and "unknown app 'nope'" in result.stderr


def test_console_script_prints_one_json_document():
    exe = Path(sys.executable).with_name("workbench")
    if not exe.exists():
        pytest.skip(f"console script not installed next to {sys.executable}")
    proc = subprocess.run([exe, "validate", default_demo_path(), "--json"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["ok"] is True


def test_review_contract_on_demo():
    code, doc = run_json("review", default_demo_path(), "--criterion", "final_passed", "--n-boot", "200",
                         "--job", "product_manager")
    assert code == 0
    assert {"criterion", "n", "questions", "dimensions", "suggested_weights", "cv"} <= set(doc)
    assert doc["n"] == 360
    assert {q["job_id"] for q in doc["questions"]} == {"product_manager"}


@pytest.mark.parametrize(("args", "message"), [
    (["--criterion", "salary"], "criterion 'salary' is not one of"),
    (["--adjust", "bonferroni"], "adjust must be one of holm, bh"),
    (["--job", "nurse"], "unknown job(s) nurse"),
])
def test_review_bad_options_fail_cleanly(args, message):
    result = run("review", default_demo_path(), *args, "--n-boot", "100")
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_profile_derive_proposes_and_never_overwrites(tmp_path):
    demo = default_demo_path()
    before = (demo / "profiles" / "product_manager.yaml").read_bytes()
    code, doc = run_json("profile", "derive", demo, "--job", "product_manager", "--accept-into", tmp_path)
    assert code == 0
    assert doc["proposed_version"] != doc["current_version"]
    written = Path(doc["written"])
    assert written.parent == tmp_path and written.is_file()
    assert (demo / "profiles" / "product_manager.yaml").read_bytes() == before
    again = run("profile", "derive", demo, "--job", "product_manager", "--accept-into", tmp_path)
    assert again.exit_code == 2 and "exists" in again.stderr


def test_parse_reports_bad_files_and_goes_on(tmp_path):
    good = sorted((default_demo_path() / "resumes").glob("*.txt"))[0]
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\n this is not really a pdf")
    result = run("parse", good, bad, "--json")
    assert result.exit_code == 1
    docs = json.loads(result.stdout)
    assert [d["file"] for d in docs] == [str(good), str(bad)]
    assert docs[0]["name"] and "error" not in docs[0]
    assert "broken.pdf" in docs[1]["error"] or docs[1]["error"]
    assert "broken.pdf" in result.stderr


def test_parse_redact_hides_contacts():
    good = sorted((default_demo_path() / "resumes").glob("*.txt"))[0]
    code, docs = run_json("parse", good, "--redact")
    assert code == 0
    assert docs[0]["name"] == "" and docs[0]["email"] == "" and docs[0]["phone"] == ""


def test_audit_contract_and_space_separated_by():
    code, doc = run_json("audit", default_demo_path(), "--decision", "ai_passed", "--by", "gender", "age_band")
    assert code == 0
    assert {"decision", "unknown", "tables", "scoring_rate_tables"} <= set(doc)
    attributes = {t["attribute"] for t in doc["tables"]}
    assert {"gender", "age_band"} <= attributes and "race_ethnicity" not in attributes
    row = doc["tables"][0]["rows"][0]
    assert {"group", "n", "selected", "rate", "impact_ratio", "four_fifths", "z", "p_value", "p_adjusted",
            "ci_low", "ci_high", "excluded_small"} <= set(row)


def test_audit_bad_decision_fails_cleanly():
    result = run("audit", default_demo_path(), "--decision", "promoted")
    assert result.exit_code == 2
    assert "promoted" in result.stderr and "Traceback" not in result.stderr


def test_report_writes_offline_html(tmp_path):
    code, doc = run_json("report", default_demo_path(), "--out", tmp_path)
    assert code == 0
    assert {"auditor_report.html", "review_report.html", "audit_ai_passed.html"} <= {Path(p).name for p in doc["reports"]}
    truth = (default_demo_path() / "resumes" / "truth.jsonl").read_text(encoding="utf-8").splitlines()
    contacts = [value for line in truth for key, value in json.loads(line).items() if key in {"name", "email"}]
    for path in map(Path, doc["reports"]):
        text = path.read_text(encoding="utf-8")
        assert "<script src=\"http" not in text
        assert not [c for c in contacts if c and c in text]


@pytest.mark.parametrize(("text", "language"), [
    ("Last year our biggest client threatened to leave. I was asked to keep the account. "
     "I met their CFO and renegotiated the contract. We renewed at 20% more revenue.", "en"),
    ("去年大客户要流失。我负责挽回。我带团队重新谈判，最终续约，金额提升了30%。", "zh"),
])
def test_feedback_contract(text, language):
    code, doc = run_json("feedback", "--text", text)
    assert code == 0
    assert {"language", "star", "quantified", "keywords", "hints", "latency_ms"} <= set(doc)
    assert doc["language"] == language
    assert set(doc["star"]) == {"S", "T", "A", "R"} and doc["star"]["R"]["present"]
    assert doc["quantified"]


def test_feedback_file_gives_one_result_per_row(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text("answer_text\nI led the launch.\n\"<script>alert(1)</script> We grew sales 10%.\"\n", encoding="utf-8")
    code, docs = run_json("feedback", "--file", path)
    assert code == 0
    assert [d["row"] for d in docs] == [0, 1]


def test_feedback_needs_one_source():
    result = run("feedback")
    assert result.exit_code == 2 and "exactly one of --text or --file" in result.stderr


@pytest.mark.slow
def test_explain_contract_on_demo():
    code, doc = run_json("explain", default_demo_path(), "--criterion", "final_passed", "--job", "product_manager")
    assert code == 0
    assert {"criterion", "model", "cv", "features", "top_features", "proxy_flags"} <= set(doc)
    assert {"baseline_auc", "model_auc"} <= set(doc["cv"])
    assert not {"gender", "age", "race_ethnicity", "education"} & set(doc["features"])


def test_trend_json_on_the_demo():
    code, doc = run_json("trend", default_demo_path(), "--by", "period", "--freq", "Q", "--n-boot", "200")
    assert code == 0 and doc["by"] == "period" and len(doc["periods"]) >= 2
    assert {"from", "to", "metric", "diff", "ci_low", "ci_high", "p_value", "p_adjusted"} <= set(doc["comparisons"][0])
    bad = run("trend", default_demo_path(), "--by", "nonsense", "--json")
    assert bad.exit_code == 2 and "nonsense" in bad.output


def test_simulate_refuses_too_few_candidates_in_one_line(tmp_path):
    result = run("simulate", "--candidates", "15", "--out", str(tmp_path / "sim"))
    assert result.exit_code == 2 and "Traceback" not in result.output and "20" in result.output


def _triggered_dataset(tmp_path, holdout=0.2):
    from workbench.simulate import TriggeredPrompting, simulate, small_config, write_simulation

    out = tmp_path / "trig"
    write_simulation(simulate(small_config(n_candidates=300, seed=4, answer_texts=False, resume_files=(0, 0, 0),
                                           triggered=TriggeredPrompting(holdout))), out)
    return out


def test_prompting_contract(tmp_path):
    code, doc = run_json("prompting", _triggered_dataset(tmp_path), "--n-boot", "100")
    assert code == 0 and doc["design"] == "randomised"
    assert {"design", "job_id", "level", "n_answers", "n_eligible", "n_prompted", "primary", "estimates",
            "caveats"} <= set(doc)
    assert {(e["outcome"], e["method"]) for e in doc["estimates"]} >= {("score", "randomised"), ("score", "naive")}
    text = run("prompting", default_demo_path(), "--n-boot", "100").stdout
    assert "observational" in text and "not available" in text


def test_queue_list_decide_export(tmp_path):
    data = _triggered_dataset(tmp_path)
    code, doc = run_json("queue", data)
    assert code == 0 and doc["n"] == doc["pending"] > 0 and {"bands", "candidates"} <= set(doc)
    cid = doc["candidates"][0]["candidate_id"]
    code, rec = run_json("queue", data, "decide", cid, "pass", "--reviewer", "rev-1", "--note", "ok")
    assert code == 0 and rec["recorded"]["candidate_id"] == cid and rec["recorded"]["decided_at"].endswith("+00:00")
    bad = run("queue", data, "decide", cid, "maybe", "--reviewer", "x")
    assert bad.exit_code == 2 and "usage" in bad.stderr
    assert run("queue", data, "decide", cid, "pass").exit_code == 2  # no reviewer
    code, exp = run_json("queue", data, "export", "--out", tmp_path / "ai.csv")
    assert code == 0 and exp["applied"] == 1 and "counts" in exp and (tmp_path / "ai.csv").is_file()


def test_bank_apply_review_writes_a_new_version_and_never_overwrites(tmp_path):
    args = ("bank", "apply-review", default_demo_path(), "--job", "product_manager", "--into", tmp_path / "banks",
            "--n-boot", "200")
    code, doc = run_json(*args)
    assert code == 0 and doc["version"] == "v2" and doc["base_version"] == "v1" and doc["path"].endswith(".v2.yaml")
    assert {"changes", "unchanged", "not_in_bank", "source", "date", "revision"} <= set(doc)
    again = run(*args, "--version", "v2")
    assert again.exit_code == 2 and "never overwritten" in again.stderr
    assert (tmp_path / "banks" / "CHANGELOG.md").is_file()


# ------------------------------------------------------------------ --engine: the same commands at scale


@pytest.fixture(scope="module")
def parquet_dataset(tmp_path_factory):
    """2,400 simulated candidates stored as Parquet parts (as the chunked simulator writes them)."""
    from workbench.engine.generate import write_chunked

    return Path(write_chunked(tmp_path_factory.mktemp("parquet"), 2400, chunk=1200, seed=5))


def test_a_parquet_dataset_is_read_in_place_by_duckdb_by_default(parquet_dataset):
    code, doc = run_json("review", parquet_dataset, "--criterion", "final_score", "--n-boot", "100")
    assert code == 0
    assert doc["coverage"]["tables"]["candidates"] == {"read": 2400, "accepted": 2400, "quarantined": 0,
                                                        "cells_set_to_unknown": 0}
    assert all("need the rows in memory" in j["weights_error"] for j in doc["jobs"].values())
    code, audited = run_json("audit", parquet_dataset, "--by", "gender")
    assert code == 0 and audited["meta"]["engine"] == "duckdb"


def test_duckdb_and_pandas_engines_agree_on_a_parquet_dataset(parquet_dataset):
    docs = [run_json("audit", parquet_dataset, "--by", "gender", "--engine", e)[1] for e in ("duckdb", "pandas")]
    assert [d["meta"].pop("engine") for d in docs] == ["duckdb", "pandas"]
    notes = [[n.replace("the pandas engine", "the duckdb engine") for n in d.pop("notes")] for d in docs]
    assert notes[0] == notes[1]
    assert docs[0] == docs[1] and docs[0]["tables"]


def test_the_engine_review_of_the_demo_equals_the_in_memory_review():
    base = run_json("review", default_demo_path(), "--n-boot", "200")[1]
    duck = run_json("review", default_demo_path(), "--n-boot", "200", "--engine", "duckdb")[1]
    key = ("job_id", "question_id", "n", "r_observed", "r_corrected", "ci_low", "ci_high", "verdict")
    rows = [[tuple(q.get(k) for k in key) for q in d["questions"]] for d in (base, duck)]
    assert rows[0] == rows[1] and len(rows[0]) == 24
    assert duck["suggested_weights"] == base["suggested_weights"]


@pytest.mark.parametrize("table", ["answers", "candidates"])
def test_validate_with_an_engine_reports_what_the_in_memory_check_reports(tmp_path, table):
    broken = {"answers": ("C1,q1,4,", "C1,q1,7,"), "candidates": ("C3,sales", "C2,sales")}[table]
    data = write_dataset(tmp_path / "d", {table: TABLES[table].replace(*broken, 1)})
    memory, duck = run_json("validate", data), run_json("validate", data, "--engine", "duckdb")
    assert memory[0] == duck[0] == 1
    assert duck[1].pop("engine") == "duckdb" and duck[1].pop("out") is None
    coverage, in_memory = duck[1].pop("coverage"), duck[1].pop("checked_in_memory")
    assert coverage[table]["accepted"] + coverage[table]["quarantined"] == coverage[table]["read"]
    assert coverage[table]["quarantined"] == memory[1]["tables"][table]["rejected"] >= 1
    assert in_memory == {}
    drop = lambda doc: {k: v for k, v in doc.items() if k != "notes"}  # noqa: E731
    assert drop(duck[1]) == drop(memory[1])


def test_validate_out_writes_a_parquet_dataset_the_engines_read_in_place(tmp_path):
    out = tmp_path / "checked"
    code, doc = run_json("validate", default_demo_path(), "--out", out)
    assert code == 0 and doc["engine"] == "duckdb" and doc["out"] == str(out)
    assert (out / "candidates.parquet").is_file() and (out / "quarantine.csv").is_file()
    assert (out / "profiles").is_dir()
    code, audited = run_json("audit", out, "--by", "gender")
    assert code == 0 and audited["meta"]["engine"] == "duckdb"
    assert audited["meta"]["coverage"]["tables"]["answers"]["accepted"] == 24000
    assert audited["meta"]["coverage"]["applicants_in_scope"] == 2000


@pytest.mark.parametrize(("args", "message"), [
    (("report", "{data}", "--engine", "oracle"), "--engine must be auto"),
    (("validate", "{data}", "--engine", "oracle"), "--engine must be auto"),
    (("review", "{data}", "--engine", "oracle"), "--engine must be auto"),
    (("audit", "{data}", "--html", "{tmp}"), "--html needs the dataset in memory"),
])
def test_engine_options_refuse_what_they_cannot_do(parquet_dataset, tmp_path, args, message):
    result = run(*[a.format(data=parquet_dataset, tmp=tmp_path) for a in args])
    assert result.exit_code == 2 and message in result.stderr


def test_a_dataset_uri_gives_what_its_folder_gives(parquet_dataset):
    uri = parquet_dataset.resolve().as_uri()
    for command in (("audit", "--by", "gender"), ("review", "--criterion", "final_score", "--n-boot", "100")):
        by_path, by_uri = run_json(command[0], parquet_dataset, *command[1:]), run_json(command[0], uri, *command[1:])
        assert by_path[0] == by_uri[0] == 0
        assert json.dumps(by_uri[1], sort_keys=True).replace(uri, "") == \
            json.dumps(by_path[1], sort_keys=True).replace(str(parquet_dataset), "")


def test_trend_reads_a_parquet_dataset_through_either_engine(parquet_dataset):
    docs = [run_json("trend", parquet_dataset, "--n-boot", "100", "--engine", e) for e in ("auto", "pandas")]
    assert [code for code, _ in docs] == [0, 0]
    assert docs[0][1] == docs[1][1]
    assert sum(p["n"] for p in docs[0][1]["periods"]) == 2400


def test_simulated_rewording_shows_in_the_trend_by_question_version(tmp_path):
    """simulate --revisions rewords pm_q01 half-way into a version that predicts nothing (loading 0): the trend
    by question_version gives both versions' validity and a drop, in memory and on the Parquet dataset that
    validate --out writes (read in place, profiles from its folder)."""
    revisions = tmp_path / "revisions.yaml"
    revisions.write_text("- {question_id: pm_q01, version: v2, switch_at: 0.5, loading: 0.0, "
                         "text: 'Tell us about a product you shipped.'}\n", encoding="utf-8")
    code, doc = run_json("simulate", "--out", tmp_path / "sim", "--candidates", "2000", "--revisions", revisions,
                         "--no-progress")
    assert code == 0 and doc["revisions"] == ["pm_q01@v2"]
    assert run_json("validate", tmp_path / "sim", "--out", tmp_path / "pq")[0] == 0
    docs = [run_json("trend", path, "--by", "question_version", "--n-boot", "200")[1]
            for path in (tmp_path / "sim", tmp_path / "pq")]
    for trend_doc in docs:
        versions = {(r["question_id"], r["version"]) for r in trend_doc["question_versions"]}
        assert versions == {("pm_q01", "v1"), ("pm_q01", "v2")}
        (change,) = trend_doc["question_version_changes"]
        assert (change["from"], change["to"]) == ("v1", "v2") and change["diff"] < 0
    assert docs[0]["question_versions"] == docs[1]["question_versions"]
