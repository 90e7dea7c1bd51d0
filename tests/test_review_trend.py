"""workbench.review.trend against simulations of known truth.

Scenarios are built from one simulation and its counterfactual population (``Simulation.population`` has the
final round and performance of every applicant): applicants are split into two quarters by ``applied_at``, and
a quarter's AI decision is re-taken at another threshold (or on shifted scores), the final round and the
outcomes revealed for whoever passes then. The truth of each scenario is therefore known by construction.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from workbench.metrics import holm
from workbench.review.trend import BY, TrendResult, newcombe_ci, trend
from workbench.simulate import simulate, small_config

JOB = "product_manager"
Q1, Q2 = "2025-02-14", "2025-05-14"


@pytest.fixture(scope="module")
def sim():
    return simulate(small_config(n_candidates=8000, seed=11, answer_texts=False, biases=()))


def _rebuild(sim, keep: np.ndarray, period2: np.ndarray, threshold: np.ndarray, score: np.ndarray):
    """Tables for the applicants ``keep``: quarter 2 where ``period2``, passing where ``score >= threshold``."""
    pop = sim.population[keep].reset_index(drop=True)
    cands = sim.tables["candidates"][keep].reset_index(drop=True)
    cands["applied_at"] = pd.to_datetime(np.where(period2, Q2, Q1))
    passed = score >= threshold
    ai = sim.tables["ai_decisions"][keep].reset_index(drop=True)
    ai = ai.assign(ai_score=score, ai_passed=passed, human_reviewed=False, human_override=pd.NA)
    fin = pop.loc[passed, ["candidate_id", "final_score_cf", "final_passed_cf"]]
    fin.columns = ["candidate_id", "final_score", "final_passed"]
    offered = passed & pop["final_passed_cf"].to_numpy()
    out = pd.DataFrame({"candidate_id": pop.loc[offered, "candidate_id"],
                        "hired": pop.loc[offered, "accepts_offer_cf"].to_numpy()})
    out["performance"] = np.where(out["hired"], pop.loc[offered, "performance_cf"].to_numpy(), np.nan)
    return {"candidates": cands, "ai_decisions": ai, "final_rounds": fin.reset_index(drop=True),
            "outcomes": out.reset_index(drop=True), "answers": sim.tables["answers"]}


def _threshold_change(sim, delta: float, seed: int, *, female_shift: float = 0.0):
    """One job, applicants split at random into two quarters; quarter 2 passes at threshold - ``delta`` and
    women's scores in quarter 2 are lowered by ``female_shift``. Returns tables and the true pass-rate change
    (both thresholds applied to the whole job's applicants)."""
    keep = (sim.tables["candidates"]["job_id"] == JOB).to_numpy()
    rng = np.random.default_rng(seed)
    period2 = rng.random(keep.sum()) < 0.5
    t1 = sim.profiles[JOB].threshold
    score = sim.tables["ai_decisions"]["ai_score"].to_numpy(dtype=float)[keep]
    female = (sim.tables["candidates"]["gender"][keep] == "female").to_numpy()
    score = np.round(score - female_shift * (female & period2), 3)
    tables = _rebuild(sim, keep, period2, np.where(period2, t1 - delta, t1), score)
    base = sim.tables["ai_decisions"]["ai_score"].to_numpy(dtype=float)[keep]
    truth = float(np.mean(base >= t1 - delta) - np.mean(base >= t1))
    return tables, truth


def _comparison(res: TrendResult, metric: str):
    (c,) = [c for c in res.comparisons if c.metric == metric]
    return c


# ------------------------------------------------------------------------------ rise of known size


@pytest.mark.parametrize("delta", [0.0, 0.25])
def test_pass_rate_change_is_called_chance_only_when_it_is(sim, delta):
    tables, truth = _threshold_change(sim, delta, seed=0)
    res = trend(tables, by="period", n_boot=300)
    assert [p.period for p in res.periods] == ["2025Q1", "2025Q2"]
    rate, validity = _comparison(res, "ai_pass_rate"), _comparison(res, "validity")
    assert rate.ci_low < truth < rate.ci_high
    assert rate.significant == (delta > 0)
    assert not validity.significant and validity.ci_low < 0 < validity.ci_high  # same validity in both quarters
    (reading,) = res.readings
    first = reading.lines[0]
    assert first.startswith("AI pass rate") and ("chance does not explain it" in first) == (delta > 0)
    assert ("pass_rate_up" in reading.flags) == (delta > 0)
    if delta > 0:
        assert truth > 0.1 and rate.diff > 0


def test_pass_rate_ci_coverage_and_false_alarms_over_splits(sim):
    """Over 20 random splits, the CI of a known rise covers the truth in at least 18 and a null change is
    called real in at most 2 (Holm-adjusted, alpha .05)."""
    covered = alarms = 0
    for seed in range(20):
        tables, truth = _threshold_change(sim, 0.15, seed)
        c = _comparison(trend(tables, by="period", attributes=(), n_boot=20), "ai_pass_rate")
        covered += c.ci_low < truth < c.ci_high
        null, _ = _threshold_change(sim, 0.0, seed)
        alarms += _comparison(trend(null, by="period", attributes=(), n_boot=20), "ai_pass_rate").significant
    assert covered >= 18 and alarms <= 2


def test_a_rise_bought_with_a_lower_final_round_hit_rate_is_reported(sim):
    tables, _ = _threshold_change(sim, 0.35, seed=2)
    res = trend(tables, by="period", n_boot=200)
    hit = _comparison(res, "final_hit_rate")
    assert hit.diff < 0 and hit.significant
    (reading,) = res.readings
    assert {"pass_rate_up", "lower_final_hit_rate"} <= set(reading.flags)
    assert "bought with a lower final-round pass rate of the AI-passed" in res.summary()


# ------------------------------------------------------------------------------------- mix shift


def test_pure_mix_shift_moves_the_raw_rate_not_the_standardised_one(sim):
    """Job shares swap between quarters; within each job the rule (and so the pass rate) is the same."""
    jobs = sim.tables["candidates"]["job_id"].to_numpy()
    rng = np.random.default_rng(3)
    period2 = np.where(jobs == JOB, rng.random(len(jobs)) < 0.2, rng.random(len(jobs)) < 0.8)
    threshold = np.array([sim.profiles[j].threshold - (0.0 if j == JOB else 0.3) for j in jobs])
    score = sim.tables["ai_decisions"]["ai_score"].to_numpy(dtype=float)
    tables = _rebuild(sim, np.ones(len(jobs), dtype=bool), period2, threshold, score)
    res = trend(tables, by="period", attributes=("gender",), n_boot=100)
    raw = _comparison(res, "ai_pass_rate")
    assert raw.significant and raw.diff > 0.08
    by_job = [s for s in res.standardised if s.metric == "ai_pass_rate" and s.strata == "job_id"][0]
    assert by_job.raw_diff == pytest.approx(raw.diff)
    assert abs(by_job.diff) < 0.03 and by_job.ci_low < 0 < by_job.ci_high
    job_gender = [s for s in res.standardised if s.metric == "ai_pass_rate" and s.strata == "job_id x gender"][0]
    assert abs(job_gender.diff) < 0.03 and job_gender.coverage > 0.99
    shares = [m.jobs[JOB] for m in res.mix]
    assert shares[0] > 0.7 and shares[1] < 0.3
    assert {"mix_shift", "mostly_mix"} <= set(res.readings[0].flags)


# ----------------------------------------------------------------------------------- adverse impact


def test_a_rise_with_a_new_adverse_impact_is_flagged(sim):
    tables, _ = _threshold_change(sim, 0.45, seed=4, female_shift=0.5)
    res = trend(tables, by="period", attributes=("gender", "age_band"), n_boot=100)
    before, after = ({i.attribute: i for i in p.min_impact_ratio}["gender"] for p in res.periods)
    assert before.impact_ratio > 0.8 and after.impact_ratio < 0.8 and after.group == "female"
    assert after.ci_high < 1  # the Katz interval of the new ratio excludes parity
    assert {"pass_rate_up", "new_adverse_impact"} <= set(res.readings[0].flags)
    assert "NEW ADVERSE IMPACT" in res.summary()
    record = res.to_dict()["periods"][1]["min_impact_ratio"]["gender"]
    assert record["four_fifths"] is True and record["group"] == "female"


# ------------------------------------------------------------------------------ output and options


def test_to_dict_is_json_and_holm_adjusted(sim):
    tables, _ = _threshold_change(sim, 0.2, seed=5)
    res = trend(tables, by="period", n_boot=100, pairs=[("2025Q2", "2025Q1")])
    d = json.loads(json.dumps(res.to_dict()))
    assert {"by", "periods", "comparisons", "standardised", "mix", "readings", "caveats"} <= set(d)
    assert {"period", "n", "pass_rate", "ci_low", "ci_high", "final_hit_rate", "performance_hit_rate", "validity",
            "min_impact_ratio"} <= set(d["periods"][0])
    assert {"from", "to", "metric", "diff", "ci_low", "ci_high", "p_value", "p_adjusted"} <= set(d["comparisons"][0])
    assert len(res.comparisons) == 8 and len(res.readings) == 2  # the consecutive pair and the one asked for
    p = np.array([c.p_value for c in res.comparisons], dtype=float)
    assert np.allclose([c.p_adjusted for c in res.comparisons], holm(p), equal_nan=True)
    back = [c for c in res.comparisons if c.from_ == "2025Q2" and c.metric == "ai_pass_rate"][0]
    assert back.diff == pytest.approx(-_comparison_pair(res, "2025Q1", "ai_pass_rate").diff)
    assert res.periods_frame().shape[0] == 2 and "range-restricted" in res.summary()


def _comparison_pair(res, start, metric):
    return [c for c in res.comparisons if c.from_ == start and c.metric == metric][0]


def test_profile_version_and_order(sim):
    tables, _ = _threshold_change(sim, 0.2, seed=6)
    q2 = tables["candidates"]["applied_at"] == pd.Timestamp(Q2)
    tables["ai_decisions"] = tables["ai_decisions"].assign(profile_version=np.where(q2, "v10", "v9"))
    res = trend(tables, by="profile_version", order=["v9", "v10"], n_boot=50)
    assert [p.period for p in res.periods] == ["v9", "v10"] and _comparison(res, "ai_pass_rate").diff > 0
    assert res.to_dict()["freq"] is None


def test_question_version(sim):
    tables, _ = _threshold_change(sim, 0.0, seed=7)
    answers = sim.tables["answers"]
    v2 = answers["candidate_id"].isin(tables["candidates"].loc[
        tables["candidates"]["applied_at"] == pd.Timestamp(Q2), "candidate_id"])
    tables["answers"] = answers.assign(question_version=np.where(v2, "2", "1"))
    res = trend(tables, by="question_version", n_boot=50)
    assert [p.period for p in res.periods] == ["1", "2"]
    assert sum(p.n for p in res.periods) == len(tables["candidates"])
    first = tables["candidates"]["candidate_id"].iloc[0]
    unversioned = tables["answers"].assign(question_version=tables["answers"]["question_version"].where(
        tables["answers"]["candidate_id"] != first))
    res = trend({**tables, "answers": unversioned}, by="question_version", n_boot=20)
    assert sum(p.n for p in res.periods) == len(tables["candidates"]) - 1
    assert "1 candidate(s) with an AI decision but no question_version were left out." in res.caveats
    with pytest.raises(ValueError, match="answers have no question_version"):
        trend({**tables, "answers": answers}, by="question_version")


@pytest.mark.parametrize("kwargs, message", [
    ({"by": "month"}, "by must be one of profile_version, question_version, period"),
    ({"by": "period", "pairs": [("2025Q1", "2031Q1")]}, "no such period"),
    ({"by": "profile_version", "order": ["v1"]}, "no candidate in profile_version v1"),
])
def test_bad_input(sim, kwargs, message):
    tables, _ = _threshold_change(sim, 0.0, seed=8)
    with pytest.raises(ValueError, match=message):
        trend(tables, n_boot=10, **kwargs)


def test_reads_a_dataset_folder():
    res = trend("datasets/demo", by="profile_version", job_id=JOB, n_boot=20)
    assert res.job_id == JOB and [p.period for p in res.periods] == ["2026Q1"] and res.periods[0].n > 0
    assert set(BY) == {"profile_version", "question_version", "period"}


@pytest.mark.parametrize("k1, n1, k2, n2", [(48, 80, 56, 70), (5, 10, 5, 10), (0, 20, 3, 20)])
def test_newcombe_interval_contains_the_difference_and_stays_in_range(k1, n1, k2, n2):
    lo, hi = newcombe_ci(k1, n1, k2, n2)
    assert -1 <= lo <= k2 / n2 - k1 / n1 <= hi <= 1


def test_trend_figures_show_every_period_and_the_four_fifths_line():
    from workbench import plots
    from workbench.data.provenance import demo_path

    result = trend(demo_path(), by="period", freq="Q", n_boot=100)
    periods = list(result.periods_frame().index)
    rates = plots.trend_rates_figure(result)
    assert len(rates.data) == 3 and all(list(t.x) == periods for t in rates.data)
    impact = plots.trend_impact_figure(result)
    assert {t.name for t in impact.data} >= {"gender", "race_ethnicity"}
    assert any(s.y0 == 0.8 for s in impact.layout.shapes)


# ------------------------------------------------------------------------- impact-ratio changes, overrides


def _population_ir(sim, threshold, female_shift):
    """Women's vs men's AI pass rate when the rule is applied to every applicant of the job (the truth)."""
    keep = (sim.tables["candidates"]["job_id"] == JOB).to_numpy()
    score = sim.tables["ai_decisions"]["ai_score"].to_numpy(dtype=float)[keep]
    gender = sim.population["gender_true"].to_numpy()[keep]
    passed = np.round(score - female_shift * (gender == "female"), 3) >= threshold
    return passed[gender == "female"].mean() / passed[gender == "male"].mean()


def test_a_change_in_impact_ratio_is_tested_with_a_ci_that_covers_the_truth(sim):
    tables, _ = _threshold_change(sim, 0.45, seed=4, female_shift=0.5)
    res = trend(tables, by="period", attributes=("gender",), n_boot=50)
    (change,) = res.impact_changes
    assert (change.attribute, change.group, change.reference) == ("gender", "female", "male")
    t1 = sim.profiles[JOB].threshold
    truth = _population_ir(sim, t1 - 0.45, 0.5) - _population_ir(sim, t1, 0.0)
    assert change.diff < 0 and change.ci_low < truth < change.ci_high and change.ci_high < 0
    assert change.significant and "impact_ratio_down" in res.readings[0].flags
    assert any(line.startswith("impact ratio female vs male (gender)") and "chance does not explain it" in line
               for line in res.readings[0].lines)
    record = res.to_dict()["impact_changes"][0]
    assert {"from", "to", "attribute", "group", "reference", "before", "after", "diff", "ci_low", "ci_high",
            "p_value", "p_adjusted", "significant"} <= set(record)


def test_an_unchanged_impact_ratio_is_consistent_with_chance(sim):
    tables, _ = _threshold_change(sim, 0.0, seed=9)
    res = trend(tables, by="period", attributes=("gender", "age_band"), n_boot=50)
    assert len(res.impact_changes) == 2 and not any(c.significant for c in res.impact_changes)
    assert all(c.ci_low < 0 < c.ci_high for c in res.impact_changes)
    p = np.array([c.p_value for c in res.impact_changes])
    assert np.allclose([c.p_adjusted for c in res.impact_changes], holm(p))


def test_override_counts_are_in_the_result(sim):
    res = trend(sim.tables, by="profile_version", job_id=JOB, attributes=(), n_boot=20)
    counts = res.overrides
    ai = sim.tables["ai_decisions"]
    mine = ai[ai["candidate_id"].isin(sim.tables["candidates"].query("job_id == @JOB")["candidate_id"])]
    assert counts["overridden"] == int(mine["human_override"].fillna(False).sum()) > 0
    assert "selection was not on the AI total alone" in res.caveats[1] and res.to_dict()["overrides"] == counts


# ------------------------------------------------------------------------ profile change against the truth


def _profile_pair(seed: int, rates=(0.30, 0.40)):
    """Two simulated quarters of one job: profile v1 (target pass rate .30) then v2 (.40), other applicants."""
    import dataclasses

    from workbench.simulate import load_job_spec

    parts, truth = [], []
    for k, (version, rate) in enumerate(zip(("v1", "v2"), rates)):
        job = dataclasses.replace(load_job_spec(JOB), profile_version=version, target_pass_rate=rate)
        s = simulate(small_config(n_candidates=1500, seed=seed * 10 + k, jobs=(job,), answer_texts=False,
                                  resume_files=(0, 0, 0), biases=(), review_rate=0.0))
        prefix = "AB"[k]
        parts.append({name: t.assign(candidate_id=prefix + t["candidate_id"].astype(str)) if "candidate_id" in t
                      else t for name, t in s.tables.items()})
        truth.append(s.truth["jobs"][JOB]["pass_rate"]["theoretical"])
    tables = {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in parts[0]}
    tables["questions"] = parts[0]["questions"]
    return tables, truth[1] - truth[0]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_profile_change_of_known_effect_is_detected_with_the_right_sign_and_a_ci_covering_it(seed):
    tables, truth = _profile_pair(seed)
    res = trend(tables, by="profile_version", job_id=JOB, attributes=("gender",), n_boot=50)
    rate = _comparison(res, "ai_pass_rate")
    assert [p.period for p in res.periods] == ["v1", "v2"] and truth > 0.08
    assert rate.diff > 0 and rate.significant and rate.ci_low < truth < rate.ci_high
    assert "pass_rate_up" in res.readings[0].flags


# ------------------------------------------------------------------------------ question versions (issue 17)


def _reworded_sim(seed: int = 4):
    """pm_q01 reworded half-way through the interview period into a version that predicts nothing."""
    from workbench.simulate import QuestionRevision, load_job_spec

    rev = QuestionRevision(JOB_Q, "v2", 0.5, 0.0, "Reworded: what makes a product good?")
    return simulate(small_config(n_candidates=3000, seed=seed, jobs=(load_job_spec(JOB),), answer_texts=False,
                                 resume_files=(0, 0, 0), biases=(), question_revisions=(rev,)))


JOB_Q = "pm_q01"


@pytest.fixture(scope="module")
def reworded():
    return _reworded_sim()


def test_a_rewording_that_broke_a_question_shows_in_its_validity_per_version(reworded):
    res = trend(reworded, by="question_version", n_boot=300)
    assert [p.period for p in res.periods] == ["v1", "v1+v2"]  # before the switch, and after it
    rows = {q.version: q for q in res.question_versions}
    assert {q.question_id for q in res.question_versions} == {JOB_Q} and list(rows) == ["v1", "v2"]
    assert rows["v1"].n + rows["v2"].n == sum(p.final_hit_rate.n for p in res.periods)  # the AI-passed
    truth = next(q for q in reworded.truth["jobs"][JOB]["questions"] if q["question_id"] == JOB_Q)["versions"]
    true_v1, true_v2 = (v["validity"]["final_passed"]["theoretical"] for v in truth)
    assert rows["v1"].ci_low > 0.1 and rows["v1"].verdict == "keep"  # the original wording predicts
    assert rows["v2"].ci_low < true_v2 == 0 < rows["v2"].ci_high  # the new one's interval covers its truth, 0
    assert rows["v2"].ci_high < rows["v1"].ci_low
    (change,) = res.question_version_changes
    assert (change.from_, change.to) == ("v1", "v2") and change.diff < 0 and change.significant
    assert change.ci_low < true_v2 - true_v1 < change.ci_high < 0  # the right sign, and a CI covering the truth
    doc = json.loads(json.dumps(res.to_dict()))
    assert doc["question_versions"][1]["version"] == "v2" and doc["question_version_changes"][0]["from"] == "v1"
    assert f"{JOB} {JOB_Q} v1 -> v2: corrected validity" in res.summary()


def test_per_version_validity_needs_the_profiles(reworded):
    res = trend(reworded.tables, by="question_version", n_boot=20)
    assert res.question_versions == () and any("no profile" in c for c in res.caveats)
    res = trend(reworded.tables, by="question_version", n_boot=50, profiles=reworded.profiles)
    assert [q.version for q in res.question_versions] == ["v1", "v2"]
    assert trend(reworded, by="period", freq="Y", n_boot=20).question_versions == ()


@pytest.mark.parametrize("level", [0.8, 0.95, 0.99])
@pytest.mark.parametrize("gap", [0.0, 0.05, 0.3, 1.2])
def test_version_change_is_the_scipy_stats_normal_test(level, gap):
    from scipy import stats

    from workbench.review.trend import QuestionVersionValidity, _version_change

    a = QuestionVersionValidity("j", "q1", "v1", 200, 0.2, 0.30, 0.18, 0.41, "keep")
    b = QuestionVersionValidity("j", "q1", "v2", 180, 0.2, 0.30 - gap, 0.15 - gap, 0.44 - gap, "keep")
    c = _version_change(a, b, level)
    zc = stats.norm.isf((1 - level) / 2)
    se = float(np.hypot(a.ci_high - a.ci_low, b.ci_high - b.ci_low)) / (2 * zc)
    diff = b.r_corrected - a.r_corrected
    assert (c.ci_low, c.ci_high) == (float(diff - zc * se), float(diff + zc * se))
    assert c.p_value == float(2 * stats.norm.sf(abs(diff) / se))
