"""Cross-round checks: funnel shares, score tables, utility closed forms, prompting, versions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from workbench.data import load
from workbench.data.schema import TABLE_NAMES
from workbench.review.inputs import review_inputs_from_tables
from workbench.review.rounds import (
    brogden_utility,
    calibration_table,
    compare_versions,
    expectancy_table,
    funnel_frame,
    group_labels,
    impact_ratio_table,
    lift_by_decile,
    predictive_accuracy,
    prompting_design,
    prompting_effect,
    prompting_group_gaps,
    prompting_matched,
    prompting_validity,
    taylor_russell,
    wilson_ci,
)
from workbench.simulate import simulate, small_config


def _sim(**kw):
    return simulate(small_config(n_candidates=2000, seed=3, answer_texts=False, resume_files=(0, 0, 0), **kw))


@pytest.fixture(scope="module")
def sim():
    return _sim()


@pytest.fixture
def tiny(dataset):
    ds = load(dataset)
    return {name: ds.table(name) for name in TABLE_NAMES}


# ----------------------------------------------------------------------------------- closed forms


def _tr_quadrature(r, sr, br):
    xc, yc = stats.norm.isf(sr), stats.norm.isf(br)
    s = np.sqrt(1 - r * r)
    joint, _ = integrate.quad(lambda x: stats.norm.pdf(x) * stats.norm.sf((yc - r * x) / s), xc, np.inf)
    return joint / sr


@pytest.mark.parametrize(("r", "sr", "br", "published"), [(0.40, 0.30, 0.50, 0.69), (0.0, 0.30, 0.50, 0.50)])
def test_taylor_russell_published_values(r, sr, br, published):
    assert round(taylor_russell(r, sr, br), 2) == published


@pytest.mark.parametrize(("r", "sr", "br"), [(0.4, 0.3, 0.5), (0.2, 0.05, 0.6), (0.65, 0.7, 0.3), (-0.3, 0.2, 0.4)])
def test_taylor_russell_is_the_bivariate_normal_success_ratio(r, sr, br):
    assert taylor_russell(r, sr, br) == pytest.approx(_tr_quadrature(r, sr, br), abs=1e-6)


def test_taylor_russell_limits_and_monotone():
    assert taylor_russell(0.999, 0.3, 0.5) == pytest.approx(1.0, abs=1e-3)  # perfect validity: all succeed
    values = [taylor_russell(r, 0.3, 0.5) for r in (0.1, 0.3, 0.5, 0.7)]
    assert values == sorted(values)


def test_brogden_utility_closed_form():
    lam_over_sr = stats.norm.pdf(stats.norm.isf(0.3)) / 0.3
    assert lam_over_sr == pytest.approx(1.158975, abs=1e-6)
    expected = 30 * 0.40 * 10_000 * lam_over_sr - 100 * 50
    assert brogden_utility(0.40, 0.30, 10_000, 30, 50, 100) == pytest.approx(expected)
    assert brogden_utility(0.40, 0.30, 10_000, 30, 50) == pytest.approx(expected)  # N_a = N_s / SR
    assert brogden_utility(0.40, 0.30, 10_000, 30, tenure=2.0) == pytest.approx(2 * (expected + 5000))


def test_brogden_mean_z_of_the_selected_matches_simulation():
    z = np.sort(np.random.default_rng(0).standard_normal(1_000_000))[::-1]
    sr = 0.2
    top = z[: int(sr * z.size)].mean()
    assert brogden_utility(1.0, sr, 1.0, 1.0) == pytest.approx(top, abs=0.005)


@pytest.mark.parametrize("func", [lambda sr: taylor_russell(0.3, sr, 0.5), lambda sr: brogden_utility(0.3, sr, 1, 1)])
def test_every_candidate_passing_is_no_selection(func):
    with pytest.raises(ValueError, match="every candidate passing means there is no selection"):
        func(1.0)


def test_wilson_matches_scipy():
    low, high = wilson_ci(np.array([3, 40]), np.array([20, 50]))
    for k, n, lo, hi in zip((3, 40), (20, 50), low, high):
        ref = stats.binomtest(k, n).proportion_ci(method="wilson")
        assert (lo, hi) == pytest.approx((ref.low, ref.high))


# ----------------------------------------------------------------------------------- score tables


@pytest.fixture(scope="module")
def scores():
    g = np.random.default_rng(4)
    s = g.normal(3.6, 0.3, 500)
    passed = pd.array(s + g.normal(0, 0.3, 500) > 3.7, dtype="boolean")
    passed[:40] = pd.NA  # never reached the final round
    return s, passed


@pytest.mark.parametrize("bands", [3, 5, 10, [2.0, 3.5, 3.7, 5.0]])
def test_expectancy_counts_sum_to_n(scores, bands):
    s, passed = scores
    tab = expectancy_table(s, passed, bands)
    assert tab["n"].sum() == 460 and tab["passed"].sum() == int(np.nansum(passed.astype(float)))
    assert (tab["ci_low"] <= tab["rate"]).all() and (tab["rate"] <= tab["ci_high"]).all()
    assert tab["rate"].iloc[-1] > tab["rate"].iloc[0]
    assert "range-restricted" in tab.attrs["caveat"]


def test_lift_by_decile(scores):
    s, passed = scores
    tab = lift_by_decile(passed, s)
    assert tab["n"].sum() == 460 and list(tab["decile"]) == list(range(1, 11))
    assert tab["score_min"].is_monotonic_decreasing and tab["capture"].iloc[-1] == pytest.approx(1.0)
    assert tab["cumulative_lift"].iloc[-1] == pytest.approx(1.0) and tab["lift"].iloc[0] > 1.5


@pytest.mark.parametrize("strategy", ["quantile", "uniform"])
def test_calibration(strategy):
    g = np.random.default_rng(5)
    p = g.uniform(0.05, 0.95, 4000)
    good = calibration_table(g.uniform(size=4000) < p, p, strategy=strategy)
    bad = calibration_table(g.uniform(size=4000) < p, p**3, strategy=strategy)
    assert good["n"].sum() == 4000 and good.attrs["ece"] < 0.03 < bad.attrs["ece"]
    assert good.attrs["brier"] < bad.attrs["brier"]


@pytest.mark.parametrize(("call", "message"), [
    (lambda: expectancy_table([3.0, 4.0], [None, None]), "no candidate has both a score and an outcome"),
    (lambda: lift_by_decile([0, 0, 0], [1.0, 2.0, 3.0]), "no positive outcome"),
    (lambda: calibration_table([0, 1], [0.5, 1.5]), "probabilities in"),
])
def test_score_table_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------------------- groups


def test_impact_ratio_table_unknown_counted_and_small_excluded():
    sel = pd.Series([1, 1, 0, 0] * 25 + [1, 0] * 10 + [1], dtype=float)
    grp = pd.Series(["a"] * 100 + ["b"] * 20 + [None])
    tab = impact_ratio_table(sel, grp)
    assert list(tab.index) == ["a", "b", "Unknown"] and tab["n"].sum() == 121
    assert tab.loc["Unknown", "selected"] == 1 and np.isnan(tab.loc["Unknown", "impact_ratio"])
    assert tab["impact_ratio"].max() == 1.0
    small = impact_ratio_table(sel, grp, min_share=0.25)
    assert small.loc["b", "excluded_small"] and np.isnan(small.loc["b", "impact_ratio"])


def test_age_bands():
    g = pd.DataFrame({"age": pd.array([22, 29, 30, 39, 40, 61, None], dtype="Int64")})
    assert group_labels(g, "age_band").fillna("?").tolist() == ["<30", "<30", "30-39", "30-39", "40+", "40+", "?"]


# ------------------------------------------------------------------------------------ funnel


def test_predictive_accuracy_by_hand(tiny):
    # sales: C1, C2 AI-passed; C1 passed the final and was hired. pm: C4 passed, hired.
    sales = predictive_accuracy(tiny, "sales")
    assert (sales["n_ai_passed"], sales["n_final_passed"], sales["n_hired"]) == (2, 1, 1)
    assert sales["final_pass_share"] == 0.5 and sales["hired_share"] == 0.5 and sales["ai_pass_rate"] == 2 / 3
    both = predictive_accuracy(tiny)
    assert both["final_pass_share"] == pytest.approx(2 / 3) and both["hired_share"] == pytest.approx(2 / 3)
    lo, hi = both["final_pass_share_ci"]
    assert lo < 2 / 3 < hi


def test_predictive_accuracy_matches_the_simulation(sim):
    acc = predictive_accuracy(sim.tables, "product_manager")
    truth = sim.truth["jobs"]["product_manager"]
    assert acc["final_pass_share"] == pytest.approx(truth["final_pass_rate_among_finalists"]["observed"], abs=1e-4)
    assert acc["n_hired"] == truth["hired"]


def test_unknown_job(tiny):
    with pytest.raises(ValueError, match="job 'nurse': no candidate has an AI decision"):
        predictive_accuracy(tiny, "nurse")


@pytest.mark.parametrize("by", ["profile_version", "period"])
def test_compare_versions(sim, by):
    tables = dict(sim.tables)
    ai = tables["ai_decisions"].copy()
    ai["profile_version"] = np.where(np.arange(len(ai)) % 2 == 0, "v1", "v2")
    tables["ai_decisions"] = ai
    tab = compare_versions(tables, by, job_id="product_manager", freq="Q")
    assert tab["n_applicants"].sum() == sim.truth["jobs"]["product_manager"]["n_candidates"]
    if by == "profile_version":
        assert list(tab.index) == ["v1", "v2"]
    assert ((tab["validity_corrected"] > tab["validity_observed"]) | tab["validity_observed"].isna()).all()
    assert (tab["impact_ratio_min"] <= 1).all() and "impact_ratio[female]" in tab.columns


def test_funnel_frame_has_the_performance_of_hires_only(sim):
    f = funnel_frame(sim.tables)
    outcomes = sim.tables["outcomes"].set_index("candidate_id")
    hires = outcomes.index[outcomes["hired"].astype(bool)]
    assert f.loc[f["performance"].notna()].index.isin(hires).all()
    assert f.loc[hires, "performance"].to_numpy(dtype=float) == pytest.approx(
        outcomes.loc[hires, "performance"].to_numpy(dtype=float), nan_ok=True)


def test_compare_versions_bad_by(sim):
    with pytest.raises(ValueError, match="by must be 'profile_version' or 'period'"):
        compare_versions(sim.tables, "month")


# ---------------------------------------------------------------------------------------- prompting


@pytest.mark.parametrize("effect", [0.0, 0.25, 0.5])
def test_prompting_effect_recovers_the_simulated_delta(effect):
    s = _sim(prompt_effect=effect, biases=())
    tab = prompting_effect(s.tables["answers"], n_boot=300)
    overall = tab.loc["overall"]
    delta = s.truth["config"]["prompt_effect"]
    assert overall.ci_low < delta < overall.ci_high
    assert overall.difference == pytest.approx(delta, abs=0.03)
    assert len(tab) == 25 and (tab["n_prompted"] + tab["n_unprompted"]).iloc[:-1].eq(1000).all()
    if effect == 0.5:
        assert (tab["p_adjusted"].iloc[:-1] < 0.05).all()


def test_prompting_does_not_change_validity_or_gaps_when_it_adds_a_constant(sim):
    ri = review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], "final_score")
    val = prompting_validity(sim.tables["answers"], ri.criterion_values, n_boot=300)
    assert val.loc["overall", "ci_low"] < 0 < val.loc["overall", "ci_high"]
    assert set(val.index) - {"overall"} == set(ri.questions.columns)
    gaps = prompting_group_gaps(sim.tables["answers"], group_labels(ri.groups, "gender"), n_boot=300)
    big = gaps[gaps["n_candidates"] > 100]
    assert ((big["ci_low"] < 0) & (0 < big["ci_high"])).all()


def test_prompting_bad_input(sim):
    answers = sim.tables["answers"].assign(prompted=False)
    with pytest.raises(ValueError, match="every answer has the same prompted flag"):
        prompting_effect(answers)
    with pytest.raises(ValueError, match="lack column"):
        prompting_effect(sim.tables["answers"].drop(columns="prompted"))


def _triggered(effect: float, seed: int, n: int = 1500, *, random: bool = False) -> tuple[pd.DataFrame, float]:
    """Answers where the hint is triggered by incompleteness: the fewer STAR parts before the hint, the likelier
    a prompt (``random``: prompted with probability .5 among eligible answers, recorded as assignment=random)."""
    g = np.random.default_rng(seed)
    cand = np.repeat([f"C{i:05d}" for i in range(n)], 4)
    ques = np.tile(["q1", "q2", "q3", "q4"], n)
    star = g.binomial(4, 0.6, 4 * n)
    eligible = star < 4
    p = np.full(4 * n, 0.5) if random else 0.95 - 0.22 * star
    prompted = eligible & (g.random(4 * n) < p)
    score = 2.0 + 0.5 * star + effect * prompted + g.normal(0, 0.5, 4 * n)
    frame = pd.DataFrame({"candidate_id": cand, "question_id": ques, "score": score, "prompted": prompted,
                          "hint_eligible": eligible, "star_before": star})
    if random:
        frame["assignment"] = "random"
    return frame, effect


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_triggered_hints_bias_the_naive_difference_and_matching_recovers_the_effect(seed):
    answers, effect = _triggered(0.3, seed)
    tab = prompting_effect(answers, n_boot=200)
    naive = tab.loc["overall", "difference"]
    assert naive < 0  # the worse answers got the hints: the naive difference even has the wrong sign
    assert tab.attrs["design"] == "observational" and "confounded" in tab.attrs["caveat"]
    matched = tab.attrs["matched"]
    assert matched["available"] and matched["design"] == "observational"
    assert matched["ci_low"] < effect < matched["ci_high"]
    assert matched["n_answers"] == int(answers["hint_eligible"].sum()) and 12 <= matched["n_strata"] <= 16


def test_randomised_hints_are_recognised():
    answers, effect = _triggered(0.3, 3, random=True)
    assert prompting_design(answers) == "randomised"
    tab = prompting_effect(answers[answers["hint_eligible"]], n_boot=200)
    assert tab.attrs["caveat"] is None
    overall = tab.loc["overall"]
    assert overall.ci_low < effect < overall.ci_high


def test_matched_comparison_says_why_not_without_star_before(sim):
    tab = prompting_effect(sim.tables["answers"], n_boot=50)
    assert tab.attrs["matched"]["available"] is False
    assert "star_before" in tab.attrs["matched"]["reason"] and "confounded" in tab.attrs["caveat"]
    one_arm = _triggered(0.3, 4)[0].assign(prompted=False)
    assert prompting_matched(one_arm)["available"] is False


@pytest.mark.parametrize("sr", [0.001, 0.05, 0.3, 0.5, 0.77, 0.999])
def test_brogden_utility_is_the_scipy_stats_formula(sr):
    validity, n_sel = 0.35, 120
    mean_z = float(stats.norm.pdf(stats.norm.isf(sr)) / sr)
    expected = float(3 * n_sel * validity * 20_000 * mean_z - (n_sel / sr) * 40)
    assert brogden_utility(validity, sr, 20_000, n_sel, 40, tenure=3) == expected


@pytest.mark.parametrize("level", [0.8, 0.95])
def test_stratified_difference_p_is_the_scipy_stats_normal_p(level):
    from workbench.review.rounds import stratified_difference

    g = np.random.default_rng(7)
    n = 400
    cid, stratum, treated = np.repeat(np.arange(100), 4), g.integers(0, 3, n), g.integers(0, 2, n)
    outcome = g.normal(3 + 0.2 * treated, 1.0)
    r = stratified_difference(cid, stratum, treated, outcome, level=level, n_boot=200, random_state=1)
    se = (r["ci_high"] - r["ci_low"]) / (2 * stats.norm.isf((1 - level) / 2))
    assert r["p_value"] == float(2 * stats.norm.sf(abs(r["effect"]) / se))
