"""Bias audit: every rate, ratio and p-value against an independent computation; detection on simulated data.

The NYC DCWP rule (6 RCNY 5-301) illustrates its tables with an example, but its figures could not be
retrieved from the reference material available here, so the hand tables below are our own, built in the
rule's layout (selection rates and scoring rates, unknowns counted apart, a category under 2 %).
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, selection_rate
from scipy import stats
from scipy.stats.contingency import chi2_contingency

from workbench.fairness import (
    UNKNOWN,
    AuditError,
    UnlawfulThresholdWarning,
    audit,
    cmh_test,
    cohens_d,
    dif_table,
    group_labels,
    holm,
    impact_ratio_table,
    katz_ci,
    mitigation_diagnostic,
    score_gap_table,
    screen_high_risk_inputs,
    selection_rate_table,
    threshold_diagnostic,
    two_proportion_z,
)
from workbench.simulate import simulate, small_config

CONTRACT_ROW = {"group", "n", "selected", "rate", "impact_ratio", "four_fifths", "z", "p_value", "p_adjusted",
                "ci_low", "ci_high", "excluded_small"}


def hand_z(a, n1, c, n2):
    p1, p2, p = a / n1, c / n2, (a + c) / (n1 + n2)
    z = (p1 - p2) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    return z, 2 * (1 - stats.norm.cdf(abs(z)))


def hand_katz(a, n1, c, n2):
    rr = (a / n1) / (c / n2)
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    return rr * math.exp(-1.959963984540054 * se), rr * math.exp(1.959963984540054 * se)


def rows_from_counts(counts):
    """Expand {group: (n, selected)} into raw rows (None = unknown)."""
    sel, grp = [], []
    for g, (n, k) in counts.items():
        sel += [True] * k + [False] * (n - k)
        grp += [g] * n
    return pd.Series(sel), pd.Series(grp, dtype=object)


# A hand table in the LL144 layout (sex x race categories, one category under 2 %, unknowns).
HAND = {"white": (800, 400), "asian": (600, 270), "black_or_african_american": (400, 140),
        "hispanic_or_latino": (180, 81), "native_american_or_alaska_native": (20, 4), None: (50, 20)}


@pytest.fixture(scope="module")
def hand_table():
    sel, grp = rows_from_counts(HAND)
    return selection_rate_table(sel, grp), sel, grp


@pytest.mark.parametrize("group", ["asian", "black_or_african_american", "hispanic_or_latino"])
def test_hand_table_rates_ratios_and_tests(hand_table, group):
    tab = hand_table[0]
    n, k = HAND[group]
    ref_n, ref_k = HAND["white"]
    assert tab.loc[group, "n"] == n and tab.loc[group, "selected"] == k
    assert tab.loc[group, "rate"] == pytest.approx(k / n)
    assert tab.loc[group, "impact_ratio"] == pytest.approx((k / n) / (ref_k / ref_n))
    z, p = hand_z(k, n, ref_k, ref_n)
    assert tab.loc[group, "z"] == pytest.approx(z) and tab.loc[group, "p_value"] == pytest.approx(p)
    assert tab.loc[group, "test"] == "z_pooled"
    lo, hi = hand_katz(k, n, ref_k, ref_n)
    assert tab.loc[group, "ci_low"] == pytest.approx(lo) and tab.loc[group, "ci_high"] == pytest.approx(hi)
    assert bool(tab.loc[group, "four_fifths"]) == ((k / n) / (ref_k / ref_n) < 0.8)
    assert tab.loc[group, "shortfall"] == math.ceil(n * ref_k / ref_n - k - 1e-9)


def test_hand_table_reference_small_category_unknown_and_holm(hand_table):
    tab = hand_table[0]
    assert tab.index[0] == "white" and bool(tab.loc["white", "reference"]) and tab.loc["white", "impact_ratio"] == 1
    # 20 of 2,000 known applicants = 1 %: listed with its rate, left out of the ratios, with the reason
    small = tab.loc["native_american_or_alaska_native"]
    assert small["excluded_small"] and np.isnan(small["impact_ratio"]) and small["rate"] == 0.2
    assert "2%" in small["reason"]
    assert tab.index[-1] == UNKNOWN and tab.loc[UNKNOWN, "n"] == 50 and np.isnan(tab.loc[UNKNOWN, "impact_ratio"])
    ps = tab["p_value"].dropna()
    assert tab.loc[ps.index, "p_adjusted"].to_numpy() == pytest.approx(_hand_holm(ps.to_numpy()))
    # black: 0.35 / 0.5 = 0.70 -> flagged and significant
    assert bool(tab.loc["black_or_african_american", "four_fifths"]) and bool(
        tab.loc["black_or_african_american", "significant"])


def _hand_holm(p):
    order = np.argsort(p)
    m = len(p)
    adj = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adj[i] = running
    return adj


def test_rates_equal_fairlearn_metricframe_on_raw_rows(hand_table):
    tab, sel, grp = hand_table
    known = grp.notna()
    mf = MetricFrame(metrics=selection_rate, y_true=sel[known].astype(int), y_pred=sel[known].astype(int),
                     sensitive_features=grp[known])
    for g, rate in mf.by_group.items():
        assert tab.loc[g, "rate"] == pytest.approx(rate)


def test_weighted_cells_equal_raw_rows(hand_table):
    tab = hand_table[0]
    groups, sel, w = [], [], []
    for g, (n, k) in HAND.items():
        groups += [g, g]
        sel += [1, 0]
        w += [k, n - k]
    agg = selection_rate_table(sel, groups, sample_weight=w)
    pd.testing.assert_frame_equal(agg, tab)


def test_fisher_exact_used_for_small_cells():
    # expected count of b's selected cell: 8 * 101 / 208 = 3.9 < 5
    tab = selection_rate_table(*rows_from_counts({"a": (200, 100), "b": (8, 1)}), min_share=0)
    assert tab.loc["b", "test"] == "fisher_exact"
    expected = stats.fisher_exact([[1, 7], [100, 100]]).pvalue
    assert tab.loc["b", "p_value"] == pytest.approx(expected)


def test_zero_selections_group_is_reported_not_dropped():
    tab = selection_rate_table(*rows_from_counts({"a": (100, 50), "b": (40, 0)}))
    assert tab.loc["b", "rate"] == 0 and tab.loc["b", "impact_ratio"] == 0 and bool(tab.loc["b", "four_fifths"])
    lo, hi = katz_ci(0, 40, 50, 100)  # Haldane 0.5: finite interval
    assert np.isfinite(lo) and hi < 0.5 and tab.loc["b", "ci_high"] == pytest.approx(hi)


@pytest.mark.parametrize("counts, flips", [
    ({"a": (100, 50), "b": (100, 39)}, True),    # 0.78 -> 0.80 with one more selection
    ({"a": (100, 50), "b": (100, 30)}, False),   # 0.60 -> 0.62
    ({"a": (100, 50), "b": (100, 40)}, True),    # 0.80 -> 0.78 with one fewer
])
def test_one_selection_flip(counts, flips):
    tab = selection_rate_table(*rows_from_counts(counts))
    assert bool(tab.loc["b", "flips_four_fifths"]) is flips


def test_two_proportion_z_and_holm_functions():
    z, p = two_proportion_z(30, 100, 45, 110)
    hz, hp = hand_z(30, 100, 45, 110)
    assert float(z) == pytest.approx(hz) and float(p) == pytest.approx(hp)
    ps = np.array([0.01, 0.04, 0.03, 0.005])
    assert holm(ps) == pytest.approx(_hand_holm(ps))


def test_scoring_rate_table_by_hand():
    # LL144 scoring rate: share scoring above the median of ALL applicants (unknowns included in the median)
    scores = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], dtype=float)
    grp = ["m", "m", "m", "m", "m", "f", "f", "f", "f", "f", None, None]
    median = np.median(scores)  # 6.5
    tab = selection_rate_table(scores > median, grp, min_share=0)
    assert tab.loc["m", "rate"] == 0 and tab.loc["f", "rate"] == pytest.approx(4 / 5)
    assert tab.loc[UNKNOWN, "selected"] == 2


def test_cmh_against_hand_computation():
    strata = [[[10, 20], [20, 10]], [[15, 15], [25, 5]]]
    # hand: sum a = 25; E = 15 + 20; Var = 30*30*30*30/(60^2*59) + 30*30*40*20/(60^2*59)
    var = 30 * 30 * 30 * 30 / (3600 * 59) + 30 * 30 * 40 * 20 / (3600 * 59)
    r = cmh_test(strata)
    assert r["statistic"] == pytest.approx((abs(25 - 35) - 0.5) ** 2 / var)
    assert r["p_value"] == pytest.approx(stats.chi2.sf((abs(25 - 35) - 0.5) ** 2 / var, 1))
    assert r["mh_odds_ratio"] == pytest.approx((10 * 10 / 60 + 15 * 5 / 60) / (20 * 20 / 60 + 15 * 25 / 60))
    assert r["mh_risk_ratio"] == pytest.approx((10 * 30 / 60 + 15 * 30 / 60) / (20 * 30 / 60 + 25 * 30 / 60))


def test_cmh_one_stratum_is_scaled_pearson():
    t = np.array([[12, 38], [25, 25]])
    chi2 = chi2_contingency(t, correction=False).statistic
    assert cmh_test([t], correction=False)["statistic"] == pytest.approx(chi2 * (t.sum() - 1) / t.sum())


def test_cohens_d_and_gap_table_by_hand():
    g = np.random.default_rng(1)
    a, b = g.normal(3.4, 0.8, 60), g.normal(3.0, 0.7, 80)
    r = cohens_d(60, a.mean(), a.std(ddof=1), 80, b.mean(), b.std(ddof=1))
    sp = math.sqrt((59 * a.var(ddof=1) + 79 * b.var(ddof=1)) / 138)
    assert float(r["d"]) == pytest.approx((a.mean() - b.mean()) / sp)
    assert float(r["p_value"]) == pytest.approx(stats.ttest_ind(a, b).pvalue)
    tab = score_gap_table(pd.DataFrame({"q": np.r_[a, b]}), pd.Series(["a"] * 60 + ["b"] * 80))
    assert tab.set_index("group").loc["a", "d"] == pytest.approx(float(r["d"]))


def test_dif_group_coefficient_matches_lstsq():
    g = np.random.default_rng(3)
    n = 400
    theta = g.normal(size=n)
    grp = pd.Series(np.where(g.random(n) < 0.4, "f", "m"))
    s = pd.DataFrame({f"q{i}": 3 + 0.6 * theta + g.normal(0, 0.5, n) for i in range(4)})
    s["q0"] -= 0.5 * (grp == "f")
    tab = dif_table(s, grp, purify=False)
    rest = s[["q1", "q2", "q3"]].mean(axis=1)
    rc = rest - rest.mean()
    d = (grp == "f").astype(float)
    X = np.column_stack([np.ones(n), rc, d, d * rc])
    beta = np.linalg.lstsq(X, s["q0"], rcond=None)[0]
    row = tab.set_index("question_id").loc["q0"]
    assert row["uniform"] == pytest.approx(beta[2]) and row["nonuniform"] == pytest.approx(beta[3])
    assert row["reference"] == "m" and row["dif"] == "uniform"


def test_group_labels_derived_attributes():
    g = pd.DataFrame({"age": pd.array([23, 27, 45, 61, None], dtype="Int64"),
                      "gender": ["female", "male", " ", None, "male"],
                      "race_ethnicity": ["asian", "white", "white", "asian", None]})
    assert group_labels(g, "age_band_fine").fillna("?").tolist() == ["<25", "25-29", "40-49", "60+", "?"]
    inter = group_labels(g, "gender_x_race_ethnicity").fillna("?").tolist()
    assert inter == ["female × asian", "male × white", "?", "?", "?"]
    assert impact_ratio_table(pd.Series([1.0, 0, 1, 0, 1]), group_labels(g, "gender")).loc["Unknown", "n"] == 2


# ------------------------------------------------------------------------------------- the audit


@pytest.fixture(scope="module")
def biased():
    return simulate(small_config(n_candidates=2000, seed=11, answer_texts=False))


@pytest.fixture(scope="module")
def biased_audit(biased):
    return audit(biased.tables)


def test_contract_keys_and_json(biased_audit):
    d = biased_audit.to_dict()
    assert {"decision", "unknown", "tables", "scoring_rate_tables"} <= set(d)
    json.dumps(d, allow_nan=False)
    for t in d["tables"] + d["scoring_rate_tables"]:
        assert {"attribute", "rows"} <= set(t)
        for row in t["rows"]:
            assert CONTRACT_ROW <= set(row)
    attrs = [t["attribute"] for t in d["tables"]]
    assert attrs == ["gender", "race_ethnicity", "gender_x_race_ethnicity", "age_band", "age_band_fine", "education"]
    assert biased_audit.summary().startswith("Bias audit of ai_passed")


def test_audit_table_equals_independent_computation(biased, biased_audit):
    c = biased.tables["candidates"].set_index("candidate_id")
    ai = biased.tables["ai_decisions"].set_index("candidate_id")
    grp = group_labels(c, "gender_x_race_ethnicity").reindex(ai.index)
    sel = ai["ai_passed"].astype(bool)
    known = grp.notna()
    mf = MetricFrame(metrics={"rate": selection_rate}, y_true=sel[known], y_pred=sel[known],
                     sensitive_features=grp[known])
    tab = biased_audit.table("gender_x_race_ethnicity").rows
    for g, rate in mf.by_group["rate"].items():
        assert tab.loc[g, "rate"] == pytest.approx(rate)
    assert tab.loc[UNKNOWN, "n"] == (~known).sum() == biased_audit.unknown["gender_x_race_ethnicity"]["n"]
    # the scoring-rate table against a hand computation
    above = ai["ai_score"] > ai["ai_score"].median()
    g = group_labels(c, "gender").reindex(ai.index)
    srt = next(t for t in biased_audit.scoring_rate_tables if t.attribute == "gender").rows
    for label in ("female", "male"):
        assert srt.loc[label, "rate"] == pytest.approx(above[g == label].mean())


def test_injected_bias_flagged_and_dif_points_at_the_question(biased, biased_audit):
    truth = biased.truth["jobs"]["regional_sales_manager"]["biases"][0]
    assert truth["questions"] == ["rsm_q01"] and truth["group"] == "40+"
    sales = audit(biased.tables, job_id="regional_sales_manager", by=("age_band",), fine_age=False)
    age = sales.table("age_band").rows
    assert bool(age.loc["40+", "significant"]) and age.loc["40+", "impact_ratio"] < 0.8
    dif = sales.dif[sales.dif["dif"] != "none"]
    assert dif[["question_id", "group"]].values.tolist() == [["rsm_q01", "40+"]]
    # and on the pooled audit, the women / stakeholder_communication bias shows up on its three questions
    women = biased_audit.dif.query("attribute == 'gender' and group == 'female' and dif != 'none'")
    assert set(women["question_id"]) == {"pm_q05", "pm_q06", "pm_q11"}
    gap = biased_audit.gaps.query("level == 'dimension' and attribute == 'gender' and group == 'female' and gap")
    assert set(gap["item"]) == {"stakeholder_communication"}


def test_stages_cmh_and_restriction_note(biased):
    res = audit(biased.tables, decision="final_passed", by=("gender",))
    assert any("range-restricted" in n for n in res.notes)
    stages = {(s["stage"], s["attribute"]) for s in res.stages}
    assert {("ai_passed", "gender"), ("final_passed", "gender"), ("hired", "gender"),
            ("whole_process", "gender")} <= stages
    fin = biased.tables["final_rounds"]
    assert res.table("gender").rows["n"].sum() == len(fin)
    pairs = {frozenset((c["group"], c["reference"])) for c in res.cmh}
    assert frozenset(("female", "male")) in pairs and all(c["strata"] == 2 for c in res.cmh)


def test_stakeholder_view_suppresses_small_cells(biased_audit):
    auditor = biased_audit.to_dict()
    stake = biased_audit.to_dict("stakeholder")
    small = [r for t in auditor["tables"] for r in t["rows"] if min(r["selected"], r["n"] - r["selected"]) < 5]
    assert small, "the intersection has small cells"
    hidden = [r for t in stake["tables"] for r in t["rows"] if r["suppressed"]]
    assert len(hidden) == len(small) and all(r["n"] is None and r["rate"] is None for r in hidden)
    assert not any(r["suppressed"] for t in auditor["tables"] for r in t["rows"])


@pytest.mark.slow
def test_no_injected_impact_flags_at_chance():
    """Six seeds without bias: Holm controls each table's family-wise error at 5 %; DIF flags are rare."""
    families = hits = dif_hits = dif_tests = 0
    for seed in range(6):
        sim = simulate(small_config(n_candidates=1500, seed=100 + seed, answer_texts=False, biases=()))
        res = audit(sim.tables, by=("gender", "age_band", "education"), intersections=False, fine_age=False)
        for t in res.tables + res.scoring_rate_tables:
            families += 1
            hits += bool(t.significant)
        dif_tests += len(res.dif)
        dif_hits += int((res.dif["uniform_p_adjusted"] < 0.05).sum())
    assert families == 36
    assert hits / families <= 0.15  # nominal 0.05; binomial slack for 36 families
    assert dif_hits / dif_tests <= 0.02


# ------------------------------------------------------------------------------------- bad inputs


def _tables(sim, **changes):
    t = {k: v.copy() for k, v in sim.tables.items()}
    for name, fn in changes.items():
        t[name] = fn(t[name])
    return t


@pytest.fixture(scope="module")
def small_sim():
    return simulate(small_config(n_candidates=300, seed=4, answer_texts=False))


@pytest.mark.parametrize("change, by, message", [
    ({"candidates": lambda c: c.assign(gender="female")}, ("gender",), "single known group"),
    ({"candidates": lambda c: c.assign(gender=None)}, ("gender",), "every candidate is unknown"),
    ({"ai_decisions": lambda a: a.assign(ai_passed=a["ai_score"])}, ("gender",), "not boolean"),
    ({"ai_decisions": lambda a: a.assign(ai_passed="maybe")}, ("gender",), "not boolean"),
    ({"ai_decisions": lambda a: a.assign(ai_passed=False)}, ("gender",), "no candidate was selected"),
    ({}, ("religion",), "not a column"),
])
def test_bad_inputs_raise_clear_errors(small_sim, change, by, message):
    with pytest.raises(AuditError, match=message):
        audit(_tables(small_sim, **change), by=by, where_from=False)


def test_bad_decision_and_skip_invalid(small_sim):
    with pytest.raises(AuditError, match="not one of"):
        audit(small_sim.tables, decision="ai_score")
    res = audit(_tables(small_sim, candidates=lambda c: c.assign(gender="female")), by=("gender", "education"),
                where_from=False, skip_invalid=True)
    assert [t.attribute for t in res.tables] == ["education"] and any("single known group" in n for n in res.notes)


def test_group_with_zero_selections_gets_a_note(small_sim):
    def no_women(a):
        c = small_sim.tables["candidates"].set_index("candidate_id")["gender"]
        return a.assign(ai_passed=a["ai_passed"] & (c.reindex(a["candidate_id"]).to_numpy() != "female"))
    res = audit(_tables(small_sim, ai_decisions=no_women), by=("gender",), where_from=False)
    assert res.table("gender").rows.loc["female", "impact_ratio"] == 0
    assert any("gender=female: zero selections" in n for n in res.notes)


def test_emotion_columns_flagged(small_sim):
    t = _tables(small_sim, answers=lambda a: a.assign(facial_emotion_score=0.3, voice_stress=1.0))
    found = screen_high_risk_inputs(t)
    assert {f["column"] for f in found} == {"facial_emotion_score", "voice_stress"}
    assert all("5(1)(f)" in f["reason"] for f in found)
    assert not screen_high_risk_inputs(small_sim.tables)


@pytest.mark.slow
def test_mitigation_and_threshold_diagnostics(biased):
    m = mitigation_diagnostic(biased.tables, "regional_sales_manager", "age_band", ratio_bounds=(0.9,))
    current, constrained = m["rows"]
    assert constrained["min_impact_ratio"] > current["min_impact_ratio"]
    with pytest.warns(UnlawfulThresholdWarning, match="unlawful"):
        r = threshold_diagnostic(biased.tables, "regional_sales_manager", "age_band")
    assert "2000e-2(l)" in r["warning"]
    warnings.simplefilter("default")


def test_stakeholder_json_suppresses_small_cells_in_every_stage_table():
    """No count under 5 survives anywhere in the stakeholder JSON (the stage tables included)."""
    sim = simulate(small_config(n_candidates=600, seed=4, answer_texts=False))
    res = audit(sim.tables, "ai_passed", ("gender", "race_ethnicity"), where_from=False)
    full = res.to_dict("auditor")
    assert any(0 < r["n"] < 5 for s in full["stages"] for r in s["rows"])  # there is something to suppress
    doc = res.to_dict("stakeholder")
    for stage in doc["stages"]:
        for r in stage["rows"]:
            if r["suppressed"]:
                assert r["n"] is None and r["selected"] is None and r["impact_ratio"] is None
            else:
                assert min(r["n"], r["selected"], r["n"] - r["selected"]) >= 5


# ------------------------------------------- the tails are scipy.special's: the same floats as scipy.stats
@pytest.mark.parametrize("seed", range(4))
def test_cmh_p_value_is_scipy_stats_chi2(seed):
    from workbench.fairness import cmh_test

    g = np.random.default_rng(seed)
    tables = g.integers(0, 40, (int(g.integers(1, 6)), 2, 2))
    for correction in (True, False):
        r = cmh_test(tables, correction=correction)
        assert r["p_value"] == float(stats.chi2.sf(r["statistic"], 1))


@pytest.mark.parametrize("level", [0.8, 0.95, 0.99])
def test_cohens_d_p_and_interval_are_scipy_stats(level):
    from workbench.fairness import cohens_d

    g = np.random.default_rng(1)
    n1, n2 = g.integers(1, 80, 30), g.integers(1, 80, 30)  # n1 + n2 = 2 somewhere: df 0, p NaN in both
    n1[0] = n2[0] = 1
    m1, m2, s1, s2 = g.normal(3, 0.5, 30), g.normal(3, 0.5, 30), g.uniform(0.2, 1.5, 30), g.uniform(0.2, 1.5, 30)
    r = cohens_d(n1, m1, s1, n2, m2, s2, level)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = r["d"] * np.sqrt(n1 * n2 / (n1 + n2))
        np.testing.assert_array_equal(r["p_value"], 2 * stats.t.sf(np.abs(t), n1 + n2 - 2))
    z = stats.norm.isf((1 - level) / 2)
    a, b = n1.astype(float), n2.astype(float)
    se = np.sqrt((a + b) / (a * b) + r["d"] ** 2 / (2 * (a + b)))
    np.testing.assert_array_equal(r["ci_low"], r["d"] - z * se)
    np.testing.assert_array_equal(r["ci_high"], r["d"] + z * se)


def test_importing_the_audit_does_not_import_scipy_stats():
    import subprocess
    import sys

    code = ("import sys, workbench.fairness, workbench.metrics; "
            "print('scipy.stats' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
