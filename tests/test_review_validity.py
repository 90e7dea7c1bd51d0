"""Validity tables (workbench.review.validity): verdict rule, bad inputs, and recovery of simulated truth."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from workbench.records import Dimension, JobProfile
from workbench.review.inputs import ReviewInputError, ReviewInputs, review_inputs_from_tables
from workbench.review.validity import COLUMNS, ValiditySettings, validity_table
from workbench.simulate import simulate, small_config

FAST = ValiditySettings(n_boot=200)


def make_inputs(
    n: int = 6000,
    *,
    criterion: str = "final_score",
    seed: int = 0,
    pass_share: float = 0.35,
    loadings: tuple[float, ...] = (0.8, 0.8, 0.0),
    answered: dict[str, int] | None = None,
) -> ReviewInputs:
    """A hand-built applicant pool: questions load on one competency that drives the criterion.

    ``loadings`` of 0 make a useless question (it enters the total, so among the selected it correlates
    negatively with the criterion). ``answered`` keeps only the first k selected answers of a question.
    """
    g = np.random.default_rng(seed)
    theta = g.normal(size=n)
    cols = {f"q{i + 1}": 3.0 + 0.5 * (lam * theta + math.sqrt(1 - lam**2) * g.normal(size=n))
            for i, lam in enumerate(loadings)}  # rubric-like scores, unclipped
    idx = pd.Index([f"C{i:05d}" for i in range(n)], name="candidate_id")
    questions = pd.DataFrame(cols, index=idx)
    z = questions.mean(axis=1)
    selected = z >= z.quantile(1 - pass_share) if pass_share < 1 else pd.Series(True, index=idx)
    latent = 0.6 * theta + 0.8 * g.normal(size=n)
    y = pd.Series((latent > 0.3).astype(float) if criterion == "final_passed" else latent, index=idx)
    for q, k in (answered or {}).items():
        keep = np.flatnonzero(selected.to_numpy())[:k]
        mask = np.ones(n, dtype=bool)
        mask[keep] = False
        questions.loc[mask, q] = np.nan
    dims = {"a": [q for q in questions.columns]}
    profile = JobProfile("job", "v1", float(z.quantile(1 - pass_share)) if pass_share < 1 else 1.0,
                         (Dimension("a", 1.0),))
    return ReviewInputs(
        job_id="job", criterion=criterion, profile=profile, questions=questions,
        question_dimension={q: "a" for q in dims["a"]}, dimensions=questions.mean(axis=1).to_frame("a"),
        ai_score=z, selected=selected.astype(bool), criterion_values=y.where(selected),
        groups=pd.DataFrame(index=idx),
    )


def by_question(result) -> pd.DataFrame:
    return result.questions.set_index("question_id")


# ------------------------------------------------------------------------------------------- verdicts


@pytest.mark.parametrize("criterion", ["final_score", "final_passed"])
def test_a_useless_question_is_invalid_and_a_strong_one_kept(criterion):
    res = validity_table(make_inputs(criterion=criterion), FAST)
    q = by_question(res)
    assert q.loc["q3", "r_observed"] < -0.05  # looks harmful among the selected
    assert q.loc["q3", "verdict"] == "invalid"
    assert q.loc["q3", "ci_high"] < 0.10
    assert "lies below .10 with n = 2,100" in q.loc["q3", "reason"]
    assert q.loc["q3", "p_value"] < 0.025 and q.loc["q3", "p_adjusted"] >= q.loc["q3", "p_value"]
    assert (q.loc[["q1", "q2"], "verdict"] == "keep").all()
    assert (q.loc[["q1", "q2"], "r_corrected"] > q.loc[["q1", "q2"], "r_observed"]).all()
    assert q.loc["q1", "reason"].startswith("corrected r = .") and "does not lie below .10" in q.loc["q1", "reason"]


def test_columns_and_total_use_case_ii():
    res = validity_table(make_inputs(), FAST)
    assert tuple(res.questions.columns[: len(COLUMNS)]) == COLUMNS
    assert tuple(res.dimensions.columns[:10]) == ("dimension",) + COLUMNS[2:]
    assert res.total["correction"] == "case_ii"
    assert res.total["r_xz"] == pytest.approx(1.0)
    from workbench.review.stats import correct_case_ii

    assert res.total["r_corrected"] == pytest.approx(correct_case_ii(res.total["r_observed"], res.u))


@pytest.mark.parametrize("min_validity, expected", [(0.10, "invalid"), (-0.30, "inconclusive")])
def test_the_verdict_follows_min_validity(min_validity, expected):
    res = validity_table(make_inputs(), ValiditySettings(n_boot=200, min_validity=min_validity))
    assert by_question(res).loc["q3", "verdict"] == expected


def test_a_question_near_the_minimum_is_not_called_invalid_on_thin_evidence():
    # q3 is weakly valid (population r about .15); with 700 selected its interval straddles .10
    res = validity_table(make_inputs(2000, loadings=(0.8, 0.8, 0.25), seed=3), FAST)
    q = by_question(res).loc["q3"]
    assert q["ci_low"] < 0.10 < q["ci_high"] and q["verdict"] != "invalid"
    assert q["verdict"] == ("keep" if q["ci_low"] > 0 else "inconclusive")


def test_every_verdict_follows_the_interval_rule():
    # invalid: wholly below the minimum; keep: lower bound above 0; inconclusive: neither (spans 0)
    res = validity_table(make_inputs(), ValiditySettings(n_boot=200, min_validity=-0.30))
    for _, q in pd.concat([res.questions, res.dimensions]).iterrows():
        if q["verdict"] == "insufficient_data":
            continue
        expected = ("invalid" if q["ci_high"] < -0.30 else "keep" if q["ci_low"] > 0 else "inconclusive")
        assert q["verdict"] == expected, (q["verdict"], q["ci_low"], q["ci_high"])
    q3 = by_question(res).loc["q3"]
    assert q3["ci_low"] < 0 < q3["ci_high"] and q3["verdict"] == "inconclusive"
    assert "spans 0" in q3["reason"]


@pytest.mark.parametrize("adjust, name", [("holm", "Holm"), ("bh", "Benjamini-Hochberg")])
def test_the_adjustment_is_stated(adjust, name):
    res = validity_table(make_inputs(), ValiditySettings(n_boot=200, adjust=adjust))
    assert any(f"p_adjusted: {name}" in note for note in res.notes)
    assert any("Range restriction" in note for note in res.notes)
    q = res.questions
    assert (q.p_adjusted >= q.p_value - 1e-12).all()


def test_same_seed_same_table():
    a = validity_table(make_inputs(), FAST)
    b = validity_table(make_inputs(), FAST)
    pd.testing.assert_frame_equal(a.questions, b.questions)


def test_to_records_is_json_ready():
    res = validity_table(make_inputs(criterion="final_passed", answered={"q2": 3}), FAST)
    text = json.dumps(res.to_records(), allow_nan=False)
    rec = json.loads(text)
    assert {"criterion", "n", "questions", "dimensions", "total", "notes"} <= set(rec)
    q2 = next(q for q in rec["questions"] if q["question_id"] == "q2")
    assert q2["ci_low"] is None and q2["verdict"] == "insufficient_data"


# ---------------------------------------------------------------------------------------- bad input


def test_a_question_answered_by_three_people_gets_insufficient_data_with_a_reason():
    res = validity_table(make_inputs(answered={"q2": 3}), FAST)
    q2 = by_question(res).loc["q2"]
    assert q2["n"] == 3 and q2["verdict"] == "insufficient_data"
    assert q2["reason"] == ("only 3 selected candidates have both this question and the criterion; "
                            "at least 30 needed")
    assert by_question(res).loc["q3", "verdict"] == "invalid"  # the others are unaffected
    assert any("Too few answers for a verdict: q2" in note for note in res.notes)


@pytest.mark.parametrize("value", [1.0, 0.0])
def test_a_constant_criterion_explains_itself(value):
    ri = make_inputs(criterion="final_passed")
    ri = ReviewInputs(**{**ri.__dict__, "criterion_values": ri.criterion_values.where(ri.criterion_values.isna(), value)})
    res = validity_table(ri, FAST)
    for frame in (res.questions, res.dimensions):
        assert (frame.verdict == "insufficient_data").all()
        assert frame.reason.str.contains("constant among the 2,100 selected candidates").all()
    assert any("constant" in note for note in res.notes)
    json.dumps(res.to_records(), allow_nan=False)


def test_every_row_with_a_missing_number_says_why():
    ri = make_inputs(400, answered={"q2": 3})
    ri.questions["q1"] = np.where(ri.selected, 3.0, ri.questions["q1"])  # q1 constant among the selected
    res = validity_table(ri, FAST)
    rows = pd.concat([res.questions, res.dimensions])
    undefined = rows[rows[["r_corrected", "ci_low", "ci_high"]].isna().any(axis=1)]
    assert len(undefined) >= 2
    assert (undefined.verdict == "insufficient_data").all() and (undefined.reason.str.len() > 20).all()
    assert "does not vary" in by_question(res).loc["q1", "reason"]


def test_every_candidate_passing_means_no_correction():
    res = validity_table(make_inputs(3000, pass_share=1.0), FAST)
    assert res.u == pytest.approx(1.0)
    q = res.questions
    np.testing.assert_allclose(q.r_corrected, q.r_observed, atol=1e-12)
    assert any("Every applicant passed" in note for note in res.notes)


def test_no_criterion_among_the_selected_is_an_error():
    ri = make_inputs(500)
    ri = ReviewInputs(**{**ri.__dict__, "criterion_values": ri.criterion_values * np.nan})
    with pytest.raises(ReviewInputError, match="no AI-passed candidate has a value for 'final_score'"):
        validity_table(ri, FAST)


def test_no_final_round_data_is_an_error():
    sim = simulate(small_config(n_candidates=200, seed=2, answer_texts=False, resume_files=(0, 0, 0)))
    tables = {**sim.tables, "final_rounds": sim.tables["final_rounds"].iloc[0:0]}
    with pytest.raises(ReviewInputError, match="final_rounds"):
        review_inputs_from_tables(tables, sim.profiles["product_manager"], "final_passed")


def test_few_candidates_with_the_criterion_are_noted():
    res = validity_table(make_inputs(60), FAST)
    assert (res.questions.verdict == "insufficient_data").all()
    assert any("at least 30 are needed" in note for note in res.notes)


@pytest.mark.parametrize(
    "kwargs, message",
    [({"min_validity": 1.5}, "min_validity"), ({"min_n": 2}, "min_n"), ({"n_boot": 10}, "n_boot"),
     ({"level": 1.0}, "level"), ({"adjust": "bonferroni"}, "adjust"), ({"correction": "case_v"}, "correction"),
     ({"reliabilities": {"q1": 0.0}}, "reliabilities")],
)
def test_bad_settings_say_which(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ValiditySettings(**kwargs)


# ----------------------------------------------------------------------------------- other corrections


def test_no_correction_reports_the_observed_validity():
    res = validity_table(make_inputs(), ValiditySettings(n_boot=200, correction="none"))
    q = res.questions
    np.testing.assert_array_equal(q.r_corrected, q.r_observed)
    assert by_question(res).loc["q3", "verdict"] == "invalid"  # negative among the selected: misleading
    assert any("no range-restriction correction" in note for note in res.notes)


def test_case_iv_needs_question_reliabilities_and_estimates_dimension_alpha():
    ri = make_inputs()
    res = validity_table(ri, ValiditySettings(n_boot=200, correction="case_iv"))
    q = by_question(res)
    assert (q.verdict == "insufficient_data").all() and q.reason.str.contains("Case IV needs").all()
    dim = res.dimensions.iloc[0]  # alpha of three questions, one useless: too low for Case IV at this u
    assert 0 < dim["reliability"] < 1 - dim["u"] ** 2 and dim["correction"] == "case_iv"
    assert dim["verdict"] == "insufficient_data" and dim["reason"].startswith("Case IV is undefined")
    given = validity_table(ri, ValiditySettings(n_boot=200, correction="case_iv",
                                                reliabilities={"q1": 0.8, "q2": 0.8, "q3": 0.8, "a": 0.9}))
    q = by_question(given)
    assert np.isfinite(q.r_corrected).all() and np.isfinite(given.dimensions.r_corrected).all()
    assert q.loc["q1", "ci_low"] < q.loc["q1", "r_corrected"] < q.loc["q1", "ci_high"]
    assert given.total["correction"] == "case_ii"


# ----------------------------------------------------------------------------------- simulated truth


def _truth_of(sim, job_id: str, criterion: str) -> dict[str, float]:
    job = sim.truth["jobs"][job_id]
    out = {q["question_id"]: q["validity"][criterion]["population"] for q in job["questions"]}
    out.update({d["dimension"]: d["validity"][criterion]["population"] for d in job["dimensions"]})
    return out


def _check_against_truth(sim, criterion: str, *, flag_all_invalid: bool) -> None:
    for job_id, job in sim.truth["jobs"].items():
        res = validity_table(review_inputs_from_tables(sim.tables, sim.profiles[job_id], criterion), FAST)
        q = by_question(res)
        truth = _truth_of(sim, job_id, criterion)
        pop = q.index.map(truth).to_numpy(dtype=float)
        err_c = np.abs(q.r_corrected.to_numpy() - pop).mean()
        err_o = np.abs(q.r_observed.to_numpy() - pop).mean()
        assert err_c < 0.6 * err_o, (job_id, err_c, err_o)
        invalid = set(job["invalid_questions"])
        strong = {t["question_id"] for t in job["questions"] if t["loading"] >= 0.7}
        assert (q.loc[sorted(strong), "verdict"] == "keep").all()
        flagged = set(q.index[q.verdict == "invalid"])
        assert flagged <= invalid, (job_id, flagged - invalid)  # no valid question is flagged
        if flag_all_invalid:
            assert len(flagged & invalid) >= len(invalid) - 1, (job_id, flagged)
        d = res.dimensions.set_index("dimension")
        dpop = d.index.map(truth).to_numpy(dtype=float)
        assert np.abs(d.r_corrected - dpop).mean() < np.abs(d.r_observed - dpop).mean()


@pytest.mark.parametrize("criterion", ["final_score", "final_passed"])
def test_simulated_truth_is_recovered_better_than_uncorrected(criterion):
    sim = simulate(small_config(n_candidates=6000, seed=11, answer_texts=False, resume_files=(0, 0, 0)))
    _check_against_truth(sim, criterion, flag_all_invalid=False)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [21, 22])
def test_simulated_invalid_questions_are_flagged(seed):
    sim = simulate(small_config(n_candidates=20000, seed=seed, answer_texts=False, resume_files=(0, 0, 0)))
    for criterion in ("final_score", "final_passed"):
        _check_against_truth(sim, criterion, flag_all_invalid=True)


@pytest.mark.slow
def test_the_dichotomous_correction_beats_plain_case_iii_on_pass_fail():
    """Plain Case III on a point-biserial overstates it (the pass rate among the selected is nearer .5)."""
    from workbench.review.stats import bootstrap_corrected_validity

    errs_latent, errs_plain = [], []
    for seed in (31, 32, 33):
        sim = simulate(small_config(n_candidates=20000, seed=seed, answer_texts=False, resume_files=(0, 0, 0)))
        for job_id in sim.truth["jobs"]:
            ri = review_inputs_from_tables(sim.tables, sim.profiles[job_id], "final_passed")
            truth = _truth_of(sim, job_id, "final_passed")
            pop = np.array([truth[c] for c in ri.questions.columns])
            args = (ri.questions, ri.ai_score, ri.selected, ri.criterion_values)
            plain = bootstrap_corrected_validity(*args, n_boot=1, rng=0).r_corrected
            latent = bootstrap_corrected_validity(*args, n_boot=1, rng=0, dichotomous=True).r_corrected
            errs_plain.append(np.mean(plain - pop))
            errs_latent.append(np.mean(latent - pop))
    assert np.mean(errs_plain) > 0.01  # the bias the latent-scale correction removes
    assert abs(np.mean(errs_latent)) < 0.5 * np.mean(errs_plain)


# ------------------------------------------------------------------------------------ two selection stages


@pytest.fixture(scope="module")
def sim_two_stage():
    return simulate(small_config(n_candidates=12000, seed=13, answer_texts=False, resume_files=(0, 0, 0)))


@pytest.mark.parametrize("criterion", ["performance", "retained_12m"])
def test_hires_only_criteria_are_corrected_for_both_stages(sim_two_stage, criterion):
    import dataclasses

    ri = review_inputs_from_tables(sim_two_stage.tables, sim_two_stage.profiles["product_manager"], criterion)
    assert ri.final_score is not None and ri.hired is not None
    res = validity_table(ri, FAST)
    method = "two_stage_case_iii_dichotomous" if criterion == "retained_12m" else "two_stage_case_iii"
    assert set(res.questions.correction) == {method} and res.total["correction"] == "two_stage_case_ii"
    assert any("two-stage sequential Pearson-Lawley" in note for note in res.notes)
    assert not any("removes only the first stage" in note for note in res.notes)
    one = validity_table(dataclasses.replace(ri, final_score=None), FAST)  # fall back: one stage, with the caveat
    assert set(one.questions.correction) == {"case_iii_dichotomous" if criterion == "retained_12m" else "case_iii"}
    assert any("removes only the first stage" in note and "no final_score" in note for note in one.notes)
    np.testing.assert_allclose(one.questions.r_observed, res.questions.r_observed, atol=1e-10)
    json.dumps(res.to_records())


def test_two_stage_recovers_simulated_performance_validity_better_than_one_stage(sim_two_stage):
    import dataclasses

    errs_two, errs_one = [], []
    for job_id in sim_two_stage.truth["jobs"]:
        ri = review_inputs_from_tables(sim_two_stage.tables, sim_two_stage.profiles[job_id], "performance")
        truth = _truth_of(sim_two_stage, job_id, "performance")
        pop = np.array([truth[c] for c in ri.questions.columns])
        two = by_question(validity_table(ri, FAST)).r_corrected.to_numpy()
        one = by_question(validity_table(dataclasses.replace(ri, final_score=None), FAST)).r_corrected.to_numpy()
        errs_two.append(np.abs(two - pop).mean())
        errs_one.append(np.abs(one - pop).mean())
    assert np.mean(errs_two) < 0.75 * np.mean(errs_one), (errs_two, errs_one)
