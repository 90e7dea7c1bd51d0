"""The simulator's truth holds in the simulated population, and its files satisfy the data contract."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from workbench import _simtext
from workbench.data.schema import TABLE_BY_NAME, TABLES, parse_bool
from workbench.profile import load_profiles
from workbench.simulate import (
    Bias,
    SimulationError,
    _upper_orthant,
    demo_config,
    simulate,
    simulate_dataset,
    small_config,
    write_simulation,
)

N = 3000  # applicants in the shared simulation: 1,500 per job
SEED = 11


@pytest.fixture(scope="module")
def sim():
    return simulate(small_config(n_candidates=N, seed=SEED, resume_files=(12, 3, 3)))


@pytest.fixture(scope="module")
def dataset(sim, tmp_path_factory):
    out = tmp_path_factory.mktemp("sim")
    write_simulation(sim, out)
    return out


def job_frame(sim, job_id):
    """Per applicant of one job: AI decision, dimension-level truth and counterfactual criteria."""
    pop = sim.population[sim.population.job_id == job_id]
    ai = sim.tables["ai_decisions"].set_index("candidate_id").loc[pop.candidate_id]
    scores = sim.tables["answers"].pivot(index="candidate_id", columns="question_id", values="score").loc[pop.candidate_id]
    return pop.reset_index(drop=True), ai.reset_index(), scores.reset_index(drop=True)


def corr(a, b):
    return float(np.corrcoef(np.asarray(a, float), np.asarray(b, float))[0, 1])


JOBS = ("regional_sales_manager", "product_manager")


# ------------------------------------------------------------------------------------ funnel and validity


@pytest.mark.parametrize("job_id", JOBS)
def test_pass_rate_is_in_the_reported_range(sim, job_id):
    truth = sim.truth["jobs"][job_id]
    pop, ai, _ = job_frame(sim, job_id)
    rate = ai.ai_passed.mean()
    assert 0.30 <= rate <= 0.40
    se = math.sqrt(rate * (1 - rate) / len(ai))
    assert abs(rate - truth["pass_rate"]["theoretical"]) < 4 * se
    assert truth["pass_rate"]["observed"] == pytest.approx(rate, abs=1e-4)
    # the threshold in the profile is the one the decisions used
    assert sim.profiles[job_id].threshold == truth["threshold"]
    auto = ai.ai_score >= truth["threshold"]
    flipped = ai.ai_passed != auto
    assert (ai.human_override[flipped] == True).all()  # noqa: E712  only overrides flip a decision
    assert 0.07 < ai.human_reviewed.mean() < 0.13
    assert ai.human_override.fillna(False).mean() < 0.02


@pytest.mark.parametrize("job_id", JOBS)
def test_funnel_shares(sim, job_id):
    pop, ai, _ = job_frame(sim, job_id)
    sel = ai.ai_passed.to_numpy()
    fp = pop.final_passed_cf.to_numpy()
    assert 0.38 <= fp[sel].mean() <= 0.52  # finalists passing
    offered = sel & fp
    assert 0.78 <= pop.accepts_offer_cf[offered].mean() <= 0.92  # offer acceptance
    out = sim.tables["outcomes"]
    assert set(out.candidate_id) & set(pop.candidate_id) == set(pop.candidate_id[offered])


@pytest.mark.parametrize("job_id", JOBS)
def test_operational_validity_of_ai_total_is_about_040(sim, job_id):
    truth = sim.truth["jobs"][job_id]
    perf = truth["ai_total"]["validity"]["performance"]
    assert perf["theoretical"] == pytest.approx(0.40, abs=1e-3)
    pop, ai, _ = job_frame(sim, job_id)
    r = corr(ai.ai_score, pop.performance_cf)
    n = len(pop)
    se = (1 - 0.4**2) / math.sqrt(n - 1)  # ~.022 at n = 1,500
    assert abs(r - 0.40) < 3.5 * se
    assert perf["population"] == pytest.approx(r, abs=1e-4)


@pytest.mark.parametrize("job_id", JOBS)
def test_invalid_questions_predict_nothing_strong_ones_do(sim, job_id):
    truth = sim.truth["jobs"][job_id]
    pop, _, scores = job_frame(sim, job_id)
    bound = 3.5 / math.sqrt(len(pop))  # 3.5 standard errors of r = 0 (~.09)
    invalid = truth["invalid_questions"]
    assert len(invalid) == 4
    for q in truth["questions"]:
        r_perf = corr(scores[q["question_id"]], pop.performance_cf)
        r_final = corr(scores[q["question_id"]], pop.final_passed_cf)
        if q["question_id"] in invalid:
            assert q["validity"]["performance"]["theoretical"] == 0
            assert abs(r_perf) < bound and abs(r_final) < bound
        elif q["loading"] >= 0.7:
            assert r_perf > 0.22 and r_final > 0.15
        # empirical population validity close to the closed form
        assert abs(r_perf - q["validity"]["performance"]["theoretical"]) < bound


@pytest.mark.parametrize("job_id", JOBS)
def test_range_restriction_shrinks_validity_and_flips_invalid_questions(sim, job_id):
    truth = sim.truth["jobs"][job_id]
    pop, ai, scores = job_frame(sim, job_id)
    sel = ai.ai_passed.to_numpy()
    r_all = corr(ai.ai_score, pop.final_score_cf)
    r_sel = corr(ai.ai_score[sel], pop.final_score_cf[sel])
    assert r_sel < r_all - 0.1
    # Thorndike Case II recovers the population value (selection is on the total, up to rare overrides)
    u = ai.ai_score[sel].std() / ai.ai_score.std()
    r_c = r_sel / math.sqrt(u**2 + r_sel**2 * (1 - u**2))
    # its sampling error: SE(r_sel) times the slope of the correction (delta method)
    se = (1 - r_sel**2) / math.sqrt(sel.sum() - 1) * u**2 / (u**2 + r_sel**2 * (1 - u**2)) ** 1.5
    assert abs(r_c - r_all) < 3.5 * se
    # a useless question looks harmful among the selected (selection on the total it is part of)
    invalid = truth["invalid_questions"]
    r_inv = [corr(scores[q][sel], pop.final_passed_cf[sel]) for q in invalid]
    assert np.mean(r_inv) < -0.03
    for q in truth["questions"]:
        v = q["validity"]["final_passed"]
        if q["question_id"] in invalid:
            assert v["selected"] < v["population"] + 0.05


def test_oracle_weights_differ_from_expert_weights(sim):
    for job in sim.truth["jobs"].values():
        expert, oracle = job["expert_weights"], job["oracle_weights"]
        assert max(abs(expert[d] - oracle[d]) for d in expert) >= 0.1
        assert sum(job["optimal_observed_weights"].values()) == pytest.approx(1, abs=1e-3)


# ------------------------------------------------------------------------------------- bias and prompting


@pytest.mark.parametrize("job_id", JOBS)
def test_injected_bias_shifts_scores_not_competence(sim, job_id):
    (bias,) = sim.truth["jobs"][job_id]["biases"]
    pop, ai, scores = job_frame(sim, job_id)
    values = pop[f"{bias['attribute']}_true"].to_numpy()
    b = Bias(bias["attribute"], bias["group"], bias["target"], bias["shift"])
    m = b.members(values, b.attribute)
    qs = bias["questions"]
    gap = scores.loc[m, qs].to_numpy().mean() - scores.loc[~m, qs].to_numpy().mean()
    se_score = 0.8 * math.sqrt(1 / m.sum() + 1 / (~m).sum())
    assert abs(gap - bias["shift"]) < 0.2 * abs(bias["shift"]) + 4 * se_score  # clipping at 1 attenuates a little
    dim_cols = {d: f"theta_{k + 1}" for k, d in enumerate(sim.truth["jobs"][job_id]["expert_weights"])}
    dims = {q["dimension"] for q in sim.truth["jobs"][job_id]["questions"] if q["question_id"] in qs}
    for d in dims:
        theta_gap = pop.loc[m, dim_cols[d]].mean() - pop.loc[~m, dim_cols[d]].mean()
        assert abs(theta_gap) < 4 * math.sqrt(1 / m.sum() + 1 / (~m).sum())
    # an untouched question shows no gap beyond the competence noise
    other = next(q["question_id"] for q in sim.truth["jobs"][job_id]["questions"]
                 if q["question_id"] not in qs and q["loading"] > 0)
    assert abs(scores.loc[m, other].mean() - scores.loc[~m, other].mean()) < 4 * se_score
    # the decision shows adverse impact a two-proportion z test detects
    p1, p2 = ai.ai_passed[m].mean(), ai.ai_passed[~m].mean()
    p = ai.ai_passed.mean()
    z = (p1 - p2) / math.sqrt(p * (1 - p) * (1 / m.sum() + 1 / (~m).sum()))
    assert p1 / p2 < 0.85 and z < -2


@pytest.mark.parametrize("job_id", JOBS)
def test_prompting_effect_is_visible(sim, job_id):
    truth = sim.truth["jobs"][job_id]["prompting"]
    qids = {q["question_id"] for q in sim.truth["jobs"][job_id]["questions"]}
    a = sim.tables["answers"]
    a = a[a.question_id.isin(qids)]
    assert 0.47 < a.prompted.mean() < 0.53
    diff = a.score[a.prompted].mean() - a.score[~a.prompted].mean()
    assert diff == pytest.approx(truth["effect"], abs=0.06)
    assert (a.prompt_kind.isna() == ~a.prompted).all()
    assert set(a.prompt_kind.dropna()) <= {"missing_action", "missing_result", "ask_quantify", "praise_quantified"}


# -------------------------------------------------------------------------------------------- answer texts


def test_star_parts_rise_with_competence_and_numbers_mark_quantified(sim):
    at = sim.answer_truth.merge(sim.tables["answers"][["candidate_id", "question_id", "answer_text"]])
    pop = sim.population.set_index("candidate_id")
    q = sim.tables["questions"].set_index("question_id")
    at = at[q.kind.loc[at.question_id].to_numpy() == "behavioral"]
    dims = {d: k for job in sim.truth["jobs"].values() for k, d in enumerate(job["expert_weights"], 1)}
    theta = np.array([pop.at[c, f"theta_{dims[q.at[qid, 'dimension']]}"] for c, qid in zip(at.candidate_id, at.question_id)])
    n_parts = at[["star_s", "star_t", "star_a", "star_r"]].sum(axis=1)
    assert corr(theta, n_parts) > 0.3
    assert corr(theta, at.quantified) > 0.15
    digits = re.compile(r"[0-9%一二三四五六七八九十百千万亿两]")
    has_num = at.answer_text.str.contains(digits)
    assert (has_num == at.quantified).all()
    assert (at.quantified <= at.star_r).all()


@pytest.mark.parametrize("job_id,pattern", [("regional_sales_manager", r"[\u4e00-\u9fff]"), ("product_manager", r"^[ -~]+$")])
def test_answer_language(sim, job_id, pattern):
    qids = [q["question_id"] for q in sim.truth["jobs"][job_id]["questions"]]
    texts = sim.tables["answers"].query("question_id in @qids").answer_text
    assert texts.str.contains(pattern).all()
    assert texts.nunique() > 500  # varied, not one template


def test_fragments_outside_results_carry_no_numbers():
    for lang, frag in _simtext.FRAGMENTS.items():
        for key in ("S", "T", "A", "R_plain", "claim", "company", "metric"):
            for text in frag[key]:
                assert not set(text) & _simtext.NUMERAL_CHARS, (lang, key, text)


# ---------------------------------------------------------------------------------------- contract checks


def check_table(name: str, df: pd.DataFrame) -> None:
    """A small local contract check: columns, non-null, bounds, categories, booleans, dates, keys."""
    table = TABLE_BY_NAME[name]
    assert tuple(df.columns) == tuple(c for c in table.column_names if c in df.columns), name  # contract order
    assert set(table.required_columns) <= set(df.columns), name  # optional columns may be absent
    for col in table.columns:
        if col.name not in df.columns:
            continue
        s = df[col.name]
        present = s.notna() & (s.astype(str) != "")
        if not col.nullable:
            assert present.all(), (name, col.name)
        v = s[present]
        if col.kind in ("float", "int"):
            x = pd.to_numeric(v, errors="raise").astype(float)
            if col.kind == "int":
                assert (x == np.round(x)).all()
            if col.low is not None:
                assert (x >= col.low).all() and (x <= col.high).all(), (name, col.name)
        elif col.kind == "category":
            assert set(v) <= set(col.choices), (name, col.name)
        elif col.kind == "bool":
            assert v.map(parse_bool).notna().all(), (name, col.name)
        elif col.kind == "date":
            pd.to_datetime(v, format="%Y-%m-%d")
    assert not df.duplicated(list(table.key)).any(), name


def test_tables_satisfy_the_contract_in_memory(sim):
    for t in TABLES:
        check_table(t.name, sim.tables[t.name])


def test_written_csvs_satisfy_the_contract(sim, dataset):
    tables = {t.name: pd.read_csv(dataset / f"{t.name}.csv", dtype=str, keep_default_na=False) for t in TABLES}
    for name, df in tables.items():
        check_table(name, df.replace("", None))
        assert len(df) == len(sim.tables[name])
    ids = set(tables["candidates"].candidate_id)
    for name in ("answers", "ai_decisions", "final_rounds", "outcomes"):
        assert set(tables[name].candidate_id) <= ids
    assert set(tables["answers"].question_id) <= set(tables["questions"].question_id)
    passed = set(tables["ai_decisions"].candidate_id[tables["ai_decisions"].ai_passed == "true"])
    assert set(tables["final_rounds"].candidate_id) == passed
    fin_pass = set(tables["final_rounds"].candidate_id[tables["final_rounds"].final_passed == "true"])
    assert set(tables["outcomes"].candidate_id) == fin_pass
    hired = tables["outcomes"].hired == "true"
    assert (tables["outcomes"].performance[~hired] == "").all()
    assert (tables["outcomes"].performance[hired] != "").mean() > 0.9
    # profiles load, job ids match, thresholds on the rubric
    profiles = load_profiles(dataset / "profiles")
    assert set(profiles) == set(tables["candidates"].job_id)
    for cid, path in tables["candidates"].set_index("candidate_id").resume_path.items():
        if path:
            assert (dataset / path).is_file()
    truth = json.loads((dataset / "truth.json").read_text(encoding="utf-8"))
    assert truth["seed"] == SEED and truth["config"]["n_candidates"] == N
    at = pd.read_csv(dataset / "answer_truth.csv")
    assert list(at.columns) == ["candidate_id", "question_id", "star_s", "star_t", "star_a", "star_r", "quantified"]
    assert len(at) == len(tables["answers"])


def test_missing_attributes_are_a_few_percent(sim):
    c = sim.tables["candidates"]
    for col in ("gender", "age", "race_ethnicity", "education"):
        assert 0.01 < c[col].isna().mean() < 0.10, col
    assert 0.005 < (c.gender == "nonbinary").mean() < 0.03


def test_validates_with_the_data_package_when_available(dataset):
    data = pytest.importorskip("workbench.data")
    validate = getattr(data, "validate_dataset", None)
    if validate is None:
        pytest.skip("workbench.data.validate_dataset not available yet")
    report = validate(dataset)
    ok = report["ok"] if isinstance(report, dict) else getattr(report, "ok")
    assert ok, report


# ------------------------------------------------------------------------------------------- determinism


def test_same_seed_gives_byte_identical_files(tmp_path):
    cfg = small_config(n_candidates=240, seed=5)
    a = write_simulation(simulate(cfg), tmp_path / "a")
    b = write_simulation(simulate(cfg), tmp_path / "b")
    assert sorted(a) == sorted(b)
    for rel in a:
        assert a[rel].read_bytes() == b[rel].read_bytes(), rel
    c = simulate(small_config(n_candidates=240, seed=6))
    assert not c.tables["answers"].score.equals(simulate(cfg).tables["answers"].score)


# ------------------------------------------------------------------------------------------------ resumes


def union_years(experience, reference_date):
    ref = tuple(int(x) for x in reference_date.split("-")[:2])
    ref_m = ref[0] * 12 + ref[1] - 1

    def m(text):
        if text == "present":
            return ref_m
        y, mo = text.split("-")
        return int(y) * 12 + int(mo) - 1

    covered, last = 0, -(10**9)
    for s, e in sorted((m(x["start"]), m(x["end"])) for x in experience):
        covered += max(0, e - max(s, last))
        last = max(last, e)
    return round(covered / 12, 2)


def test_years_experience_is_the_union_of_work_intervals(sim):
    records = [json.loads(line) for line in sim.documents["resumes/truth.jsonl"].splitlines()]
    cand = sim.tables["candidates"].set_index("resume_path")
    assert len(records) == 2 * (12 + 3 + 3)
    overlaps = presents = 0
    for rec in records:
        assert union_years(rec["experience"], sim.truth["reference_date"]) == rec["years_experience"]
        assert cand.at[rec["file"], "years_experience"] == pytest.approx(rec["years_experience"])
        exp = sorted(rec["experience"], key=lambda x: x["start"])
        presents += any(x["end"] == "present" for x in exp)
        overlaps += any(b["start"] < a["end"] and a["end"] != "present" for a, b in zip(exp, exp[1:]))
        edu = cand.at[rec["file"], "education"]
        if isinstance(edu, str):
            assert edu == rec["education"][-1]["degree_level"]
    assert presents > len(records) / 2 and overlaps >= 1


def test_chinese_pdf_resume_extracts_back_with_pdfplumber(sim):
    pdfplumber = pytest.importorskip("pdfplumber")
    records = [json.loads(line) for line in sim.documents["resumes/truth.jsonl"].splitlines()]
    zh = [r for r in records if r["file"].endswith(".pdf") and r["language"] == "zh"]
    assert zh
    for rec in zh:
        with pdfplumber.open(io.BytesIO(sim.documents[rec["file"]])) as pdf:
            text = "\n".join(page.extract_text() for page in pdf.pages)
        assert rec["name"] in text and rec["phone"] in text and rec["email"] in text
        assert "工作经历" in text and "教育背景" in text
        for e in rec["experience"]:
            assert e["employer"] in text
        assert rec["education"][-1]["school"] in text and rec["education"][-1]["degree"] in text


def test_docx_resume_has_paragraphs_and_a_table(sim):
    import docx

    records = [json.loads(line) for line in sim.documents["resumes/truth.jsonl"].splitlines()]
    rec = next(r for r in records if r["file"].endswith(".docx"))
    doc = docx.Document(io.BytesIO(sim.documents[rec["file"]]))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert rec["name"] in text and rec["email"] in text
    assert len(doc.tables) == 1
    employers = [row.cells[1].text for row in doc.tables[0].rows[1:]]
    assert sorted(employers) == sorted(e["employer"] for e in rec["experience"])


@pytest.mark.parametrize("lang,style,expected", [
    ("zh", 0, "2019.03-至今"), ("zh", 1, "2019年3月至今"), ("zh", 2, "2019/03-至今"),
    ("en", 0, "Mar 2019 – Present"), ("en", 1, "03/2019 - Present"), ("en", 2, "2019-03 – present"),
])
def test_date_formats(lang, style, expected):
    assert _simtext.format_range(2019 * 12 + 2, None, lang, style) == expected


# ----------------------------------------------------------------------------------------- config checks


@pytest.mark.parametrize("change,field", [
    ({"n_candidates": 5}, "n_candidates"),
    ({"prompt_rate": 1.5}, "prompt_rate"),
    ({"reference_date": "2025-13-01"}, "reference_date"),
    ({"biases": (Bias("gender", "female", "q:nope", -1),)}, "biases"),
    ({"target_validity": 0.95}, "target_validity"),
])
def test_bad_config_is_refused_with_the_field_named(change, field):
    with pytest.raises(SimulationError, match=field):
        simulate(demo_config(**change))


@pytest.mark.parametrize("kwargs,match", [
    ({"attribute": "height", "group": "tall"}, "attribute"),
    ({"attribute": "gender", "group": "other"}, "group"),
    ({"attribute": "age", "group": "old"}, "age band"),
    ({"attribute": "gender", "group": "male", "target": "pm_q01"}, "target"),
])
def test_bad_bias_is_refused(kwargs, match):
    params = {"target": "q:pm_q01", "shift": -1.0, **kwargs}
    with pytest.raises(SimulationError, match=match):
        Bias(**params)


def test_upper_orthant_matches_scipy():
    for a, b, r in [(0.0, 0.0, 0.5), (0.4, -0.3, 0.3), (1.2, 0.8, -0.2)]:
        ref = stats.multivariate_normal([0, 0], [[1, r], [r, 1]]).cdf([-a, -b])
        assert _upper_orthant(a, b, r) == pytest.approx(ref, abs=1e-5)


def test_config_round_trips_to_json():
    cfg = demo_config()
    json.dumps(cfg.to_dict())
    assert dataclasses.replace(cfg, seed=3).seed == 3


def test_simulate_dataset_writes_everything(tmp_path):
    paths = simulate_dataset(tmp_path, 120, 9, resume_files=(1, 1, 1))
    assert {f"{t.name}.csv" for t in TABLES} <= set(paths)
    assert sum(p.startswith("resumes/C") for p in paths) == 6


# ------------------------------------------------------------------------------------------ large sample


@pytest.mark.slow
def test_truth_holds_tightly_in_a_large_population():
    sim = simulate(demo_config(n_candidates=40_000, seed=2024, resume_files=(0, 0, 0), answer_texts=False))
    for job_id in JOBS:
        truth = sim.truth["jobs"][job_id]
        assert 0.32 <= truth["pass_rate"]["observed"] <= 0.38
        assert abs(truth["ai_total"]["validity"]["performance"]["population"] - 0.40) < 0.02
        for q in truth["questions"]:
            for crit in ("final_score", "final_passed", "performance"):
                v = q["validity"][crit]
                assert abs(v["population"] - v["theoretical"]) < 0.035, (q["question_id"], crit)
        for b in truth["biases"]:
            assert abs(b["true_competence_gap_sd"]) < 0.06
            assert b["impact_ratio_vs_others"] < 0.85
        assert 0.40 <= truth["final_pass_rate_among_finalists"]["observed"] <= 0.50


@pytest.mark.slow
def test_committed_demo_dataset_is_what_the_simulator_writes(tmp_path):
    """datasets/demo must be reproducible from its seed: the same bytes, file by file (README aside)."""
    from pathlib import Path

    demo = Path(__file__).resolve().parents[1] / "datasets" / "demo"
    write_simulation(simulate(demo_config()), tmp_path)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(demo) for p in demo.rglob("*") if p.is_file() and p.name != "README.md")
    assert written == committed
    changed = [str(p) for p in written if (tmp_path / p).read_bytes() != (demo / p).read_bytes()]
    assert not changed, f"regenerate with `make demo-data`: {changed}"


@pytest.mark.parametrize("job_id", ["product_manager", "regional_sales_manager"])
def test_job_content_is_written_once(job_id):
    """The simulator's questions are the rubric's; the question bank's texts agree with the rubric's."""
    from workbench.questions import load_bank
    from workbench.scoring import load_rubric
    from workbench.simulate import load_job_spec

    job = load_job_spec(job_id)
    rubric = load_rubric(job_id)["questions"]
    assert [q.question_id for q in job.questions] == list(rubric)
    for q in job.questions:
        assert (q.text, q.dimension, q.kind) == (rubric[q.question_id]["text"][job.language],
                                                 rubric[q.question_id]["dimension"], rubric[q.question_id]["kind"])
    bank = load_bank(job_id)
    for dim in job.dimension_names:
        for kind in ("behavioral", "situational"):
            entry = getattr(bank[dim], kind)
            assert dict(entry.text) == dict(rubric[entry.question_id]["text"]), (dim, kind)
    for entry in bank.general:  # the general questions too, with their dimension and kind
        r = rubric[entry.question_id]
        assert (dict(entry.text), entry.dimension, entry.kind) == (dict(r["text"]), r["dimension"], r["kind"])
    assert {q.question_id for q in bank.questions} == set(rubric)


def test_a_job_file_naming_a_question_outside_the_rubric_is_refused(tmp_path):
    import yaml

    from workbench.simulate import JOB_DIR, SimulationError, load_job_spec

    data = yaml.safe_load((JOB_DIR / "product_manager.yaml").read_text(encoding="utf-8"))
    data["questions"]["pm_q99"] = {"loading": 0.5}
    path = tmp_path / "pm.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SimulationError, match="pm_q99"):
        load_job_spec(path)


# ------------------------------------------------------------------------------------ triggered prompting


@pytest.mark.parametrize("holdout", [0.0, 0.25])
def test_triggered_hints_go_to_incomplete_drafts_and_the_truth_is_recorded(holdout, tmp_path):
    from workbench.data import validate_dataset
    from workbench.simulate import TriggeredPrompting

    sim = simulate(small_config(n_candidates=600, seed=4, answer_texts=False, resume_files=(0, 0, 0),
                                triggered=TriggeredPrompting(holdout)))
    a = sim.tables["answers"]
    el, pr = a["hint_eligible"].to_numpy(bool), a["prompted"].to_numpy(bool)
    assert not (pr & ~el).any() and 0.5 < el.mean() < 0.95
    assert set(a.loc[pr, "prompt_kind"]) <= {"missing_action", "missing_result", "ask_quantify"}
    gain = (a["star_after"] - a["star_before"]).to_numpy()
    assert (gain[~pr] == 0).all() and set(np.unique(gain[pr])) <= {0, 1}
    assert (a["assignment"] == ("random" if holdout else "triggered")).all()
    t = sim.truth["jobs"]["product_manager"]["prompting"]
    assert t["design"] == "triggered" and abs(t["true_effect"]["score"] - 0.25) < 0.03
    assert abs(t["true_effect"]["completeness"] - 0.5 * 0.8) < 0.1  # P(complete) x share missing A or R
    assert t["naive_difference"]["score"] < t["true_effect"]["score"]  # the worse drafts got the hints
    sb = a["star_before"].to_numpy()
    if holdout == 0:  # delivery falls with completeness: worse drafts are prompted more often
        assert pr[el & (sb <= 1)].mean() > pr[el & (sb == 4)].mean() + 0.2
    write_simulation(sim, tmp_path)
    assert validate_dataset(tmp_path).ok
    assert "triggered" in sim.truth["config"]


def test_randomised_design_writes_no_hint_columns():
    sim = simulate(small_config(n_candidates=100, seed=2, answer_texts=False, resume_files=(0, 0, 0)))
    assert "hint_eligible" not in sim.tables["answers"] and "triggered" not in sim.truth["config"]


# ------------------------------------------------------------------------------------ question versions

PM = "product_manager"
REWORDED = "Reworded: what, in your view, makes a product good?"


def _revised(switch_at="2025-01-01", loading=0.0, shift=0.4, n=3000, seed=8, **overrides):
    """One job whose pm_q01 is reworded at ``switch_at`` into a version of ``loading`` and mean ``shift``."""
    from workbench.simulate import QuestionRevision, load_job_spec

    rev = QuestionRevision("pm_q01", "v2", switch_at, loading, REWORDED, shift=shift)
    params = {"jobs": (load_job_spec(PM),), "answer_texts": False, "resume_files": (0, 0, 0), "biases": (),
              "question_revisions": (rev,), **overrides}
    return simulate(small_config(n_candidates=n, seed=seed, **params))


@pytest.fixture(scope="module")
def revised():
    return _revised()


def test_answers_switch_to_the_new_version_on_the_configured_date(revised):
    a = revised.tables["answers"]
    q1 = a[a["question_id"] == "pm_q01"]
    late = pd.to_datetime(q1["interviewed_at"]) >= pd.Timestamp("2025-01-01")
    assert 0.3 < late.mean() < 0.7
    assert (q1["question_version"] == np.where(late, "v2", "v1")).all()
    assert (a.loc[a["question_id"] != "pm_q01", "question_version"] == "v1").all()
    # a candidate answers all questions on one day, so each candidate answered one version of pm_q01
    assert (q1.groupby("candidate_id")["question_version"].nunique() == 1).all()
    assert len(a) == 3000 * 12 and not a.duplicated(["candidate_id", "question_id"]).any()


def test_the_questions_table_has_a_row_per_version_with_its_text(revised):
    q = revised.tables["questions"]
    assert not q.duplicated(["question_id", "version"]).any()
    rows = q[q["question_id"] == "pm_q01"].set_index("version")
    assert list(rows.index) == ["v1", "v2"]
    assert rows.loc["v2", "text"] == REWORDED
    assert rows.loc["v1", "text"] == _original_text("pm_q01")
    assert (rows["active"] == [False, True]).all()
    assert len(q) == 13 and q.loc[q["question_id"] != "pm_q01", "version"].eq("v1").all()


def _original_text(qid):
    from workbench.simulate import load_job_spec

    return next(q.text for q in load_job_spec(PM).questions if q.question_id == qid)


def test_the_truth_gives_each_version_its_loading_and_validity(revised):
    truth = revised.truth["jobs"][PM]
    q = next(q for q in truth["questions"] if q["question_id"] == "pm_q01")
    v1, v2 = q["versions"]
    assert (v1["version"], v1["loading"], v1["switch_date"]) == ("v1", 0.75, None)
    assert (v2["version"], v2["loading"], v2["shift"], v2["switch_date"], v2["text"]) == (
        "v2", 0.0, 0.4, "2025-01-01", REWORDED)
    a = revised.tables["answers"]
    counts = a.loc[a["question_id"] == "pm_q01", "question_version"].value_counts()
    assert (v1["n_answers"], v2["n_answers"]) == (counts["v1"], counts["v2"])
    # the original version's closed form is the question's; the new one predicts nothing
    for crit in ("final_score", "final_passed", "performance"):
        assert v1["validity"][crit]["theoretical"] == q["validity"][crit]["theoretical"] > 0.2
        assert v2["validity"][crit]["theoretical"] == 0.0
    # the empirical validities over the applicants who answered each version agree with the closed forms
    assert abs(v1["validity"]["final_score"]["population"] - v1["validity"]["final_score"]["theoretical"]) < 0.08
    assert abs(v2["validity"]["final_score"]["population"]) < 0.08
    assert abs(v2["mean_score"] - v1["mean_score"] - 0.4) < 0.15  # the new wording's shift
    assert [x["question_id"] for x in truth["questions"] if "versions" in x] == ["pm_q01"]
    assert revised.truth["config"]["question_revisions"][0]["switch_at"] == "2025-01-01"
    json.dumps(revised.truth)


def test_a_fraction_switches_at_that_share_of_the_interview_period():
    sim = _revised(switch_at=0.25, n=400)
    first, last = small_config().interview_period()
    day = first + dt.timedelta(days=round(0.25 * (last - first).days))
    v2 = next(q for q in sim.truth["jobs"][PM]["questions"] if q["question_id"] == "pm_q01")["versions"][1]
    assert v2["switch_date"] == day.isoformat() and first < day < last
    when = pd.to_datetime(sim.tables["answers"]["interviewed_at"])
    assert pd.Timestamp(first) <= when.min() and when.max() <= pd.Timestamp(last)  # the period holds every interview
    q1 = sim.tables["answers"].query("question_id == 'pm_q01'")
    assert (q1["question_version"].eq("v2") == (pd.to_datetime(q1["interviewed_at"]) >= pd.Timestamp(day))).all()


def test_a_revision_that_changes_nothing_changes_no_other_number():
    """A revision draws no random numbers: with the same loading and no shift every score is as without it."""
    base = simulate(small_config(n_candidates=300, seed=8, answer_texts=False, resume_files=(0, 0, 0)))
    same = _revised(loading=0.75, shift=0.0, n=300, seed=8, jobs=demo_config().jobs, biases=demo_config().biases)
    for name in ("candidates", "ai_decisions", "final_rounds", "outcomes"):
        pd.testing.assert_frame_equal(same.tables[name], base.tables[name])
    pd.testing.assert_frame_equal(same.tables["answers"].drop(columns="question_version"), base.tables["answers"])
    assert "question_version" not in base.tables["answers"] and "question_revisions" not in base.truth["config"]


def test_a_dataset_with_question_versions_passes_the_contract(revised, tmp_path):
    from workbench.data import validate_dataset

    from workbench.data import load
    from workbench.engine.validate import validate_at_scale
    from workbench.review import review_dataset

    write_simulation(revised, tmp_path)
    report = validate_dataset(tmp_path)
    assert report.ok, report
    loaded = load(tmp_path)
    assert loaded.table("questions")["question_id"].eq("pm_q01").sum() == 2  # one row per version, both kept
    at_scale = validate_at_scale(tmp_path, engine="duckdb")
    assert at_scale.ok and at_scale.quarantine.empty
    assert at_scale.coverage["questions"]["accepted"] == len(loaded.table("questions"))
    reviewed = review_dataset(loaded, "final_passed", n_boot=100).to_dict()
    pm = [q["question_id"] for q in reviewed["questions"] if q["job_id"] == "product_manager"]
    assert pm.count("pm_q01") == 1 and len(pm) == len(set(pm))


@pytest.mark.parametrize("revisions,match", [
    ((("xx_q01", "v2", 0.5, 0.0),), "no job has question"),
    ((("pm_q01", "v1", 0.5, 0.0),), "need a new version"),
    ((("pm_q01", "v2", 1.5, 0.0),), "switch_at"),
    ((("pm_q01", "v2", "2025-02-30", 0.0),), "switch_at"),
    ((("pm_q01", "v2", 0.5, 0.99),), "presentation_loading"),
    ((("pm_q01", "v2", 0.5, 0.0), ("pm_q01", "v2", 0.7, 0.0)), "share a switch date or a version"),
])
def test_bad_revisions_are_refused(revisions, match):
    from workbench.simulate import QuestionRevision

    with pytest.raises(SimulationError, match=match):
        small_config(question_revisions=tuple(QuestionRevision(*r, text="Reworded?") for r in revisions))


def test_revisions_load_from_a_yaml_file(tmp_path):
    from workbench.simulate import QuestionRevision, load_question_revisions

    path = tmp_path / "revisions.yaml"
    path.write_text("- question_id: pm_q01\n  version: v2\n  switch_at: 2025-01-01\n  loading: 0.1\n"
                    "  text: 请讲一次……\n  shift: -0.2\n", encoding="utf-8")
    (rev,) = load_question_revisions(path)
    assert rev == QuestionRevision("pm_q01", "v2", dt.date(2025, 1, 1), 0.1, "请讲一次……", -0.2)
    path.write_text("- {question_id: pm_q01, version: v2, loading: 0.1, text: x, when: 0.5}\n", encoding="utf-8")
    with pytest.raises(SimulationError, match=r"unknown fields \['when'\], missing \['switch_at'\]"):
        load_question_revisions(path)
