"""Weights learned from history: a scikit-learn estimator, projections, and the simulated truth."""

from __future__ import annotations

import dataclasses
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.validation import check_is_fitted

from workbench.review.inputs import review_inputs_from_tables
from workbench.review.weights import (
    WeightError,
    WeightTuner,
    cross_validated_validity,
    matched_threshold,
    projected_impact_ratios,
    projected_pass_rate,
    weight_proposal,
    weighted_total,
)
from workbench.simulate import simulate, small_config

NAMES = ["a", "b", "c", "d"]


def linear_data(n=400, seed=0, binary=False):
    g = np.random.default_rng(seed)
    X = pd.DataFrame(g.normal(3, 0.7, (n, 4)), columns=NAMES)
    signal = X @ np.array([0.5, 0.3, 0.2, 0.0])
    if binary:
        return X, (signal + g.normal(0, 0.3, n) > signal.median()).astype(int)
    return X, signal + g.normal(0, 0.4, n)


@pytest.fixture(scope="module")
def sim():
    return simulate(small_config(n_candidates=1200, seed=5, answer_texts=False, resume_files=(0, 0, 0)))


@pytest.fixture(scope="module")
def ri_score(sim):
    return review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], "final_score")


@pytest.fixture(scope="module")
def ri_pass(sim):
    return review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], "final_passed")


# ------------------------------------------------------------------------------------- estimator


@parametrize_with_checks([WeightTuner(n_boot=5, random_state=0)])
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # random data: "no dimension is positively related"
        check(estimator)


def test_estimator_basics():
    X, y = linear_data()
    tuner = WeightTuner(shrinkage=0.2, expert_weights=dict.fromkeys(NAMES, 0.25), n_boot=10, random_state=1)
    with pytest.raises(NotFittedError):
        check_is_fitted(tuner)
    assert tuner.get_params()["shrinkage"] == 0.2
    twin = clone(tuner)
    assert twin.get_params() == tuner.get_params() and not hasattr(twin, "weights_")
    assert tuner.fit(X, y) is tuner
    check_is_fitted(tuner)
    assert list(tuner.weights_.index) == NAMES and tuner.n_features_in_ == 4


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("shrinkage", [0.0, 0.3, 1.0])
def test_weights_non_negative_sum_to_one(binary, shrinkage):
    X, y = linear_data(binary=binary)
    tuner = WeightTuner(shrinkage=shrinkage, expert_weights=[0.1, 0.2, 0.3, 0.4], n_boot=0).fit(X, y)
    assert tuner.method_ == ("logistic" if binary else "nnls")
    assert (tuner.weights_ >= 0).all() and tuner.weights_.sum() == pytest.approx(1.0)
    assert (tuner.coef_ >= 0).all()


@pytest.mark.parametrize("binary", [False, True])
def test_recovers_the_direction(binary):
    X, y = linear_data(n=4000, seed=2, binary=binary)
    w = WeightTuner(n_boot=0).fit(X, y).weights_
    np.testing.assert_allclose(w.to_numpy(), [0.5, 0.3, 0.2, 0.0], atol=0.05)


def test_shrinkage_one_returns_expert_weights_by_name():
    X, y = linear_data()
    expert = {"d": 0.4, "c": 0.3, "b": 0.2, "a": 0.1}  # any order: matched by name
    w = WeightTuner(shrinkage=1.0, expert_weights=expert, n_boot=0).fit(X, y).weights_
    assert w.to_dict() == pytest.approx(expert)


def test_shrinkage_is_a_convex_combination():
    X, y = linear_data()
    expert = np.full(4, 0.25)
    t = WeightTuner(shrinkage=0.4, expert_weights=expert, n_boot=0).fit(X, y)
    np.testing.assert_allclose(t.weights_, 0.6 * t.raw_weights_ + 0.4 * expert)


def test_stability_bootstrap():
    X, y = linear_data(n=300)
    t = WeightTuner(n_boot=60, random_state=3).fit(X, y)
    st = t.stability_
    assert list(st.columns) == ["weight", "sd", "ci_low", "ci_high", "share_zero"]
    assert (st["sd"] >= 0).all() and (st["ci_low"] <= st["ci_high"]).all()
    assert st.loc["a", "share_zero"] == 0 and st.loc["d", "share_zero"] > 0.2  # d predicts nothing
    assert st.attrs["n_boot"] == 60
    again = WeightTuner(n_boot=60, random_state=3).fit(X, y).stability_
    pd.testing.assert_frame_equal(st, again)
    assert WeightTuner(n_boot=0).fit(X, y).stability_ is None


def test_transform_and_set_output():
    X, y = linear_data()
    t = WeightTuner(n_boot=0).set_output(transform="pandas").fit(X, y)
    out = t.transform(X)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["weighted_total"]
    np.testing.assert_allclose(out["weighted_total"], X.to_numpy() @ t.weights_.to_numpy())
    np.testing.assert_allclose(t.predict(X), out["weighted_total"])
    assert 0.5 < t.score(X, y) < 1  # validity: the correlation of the total with y


def test_rows_with_missing_values_are_left_out():
    X, y = linear_data(n=200)
    X.iloc[:10, 0] = np.nan
    y = y.copy()
    y.iloc[10:15] = np.nan
    t = WeightTuner(n_boot=0).fit(X, y)
    assert t.n_fit_ == 185
    assert np.isnan(t.predict(X.iloc[:1])[0])


@pytest.mark.parametrize(
    ("y", "message"),
    [
        (np.full(50, 3.2), r"constant \(3.2\) among the 50 candidates"),
        (np.ones(50), "every one of the 50 candidates with the criterion passed it"),
        (np.zeros(50), "every one of the 50 candidates with the criterion failed it"),
    ],
)
def test_criterion_without_contrast(y, message):
    X, _ = linear_data(n=50)
    with pytest.raises(WeightError, match=message):
        WeightTuner(n_boot=0).fit(X, y)


def test_too_few_to_fit():
    X, y = linear_data(n=8)
    with pytest.raises(WeightError, match="too few candidates to fit weights: n_samples=8 .* at least 10"):
        WeightTuner(n_boot=0).fit(X, y)


@pytest.mark.parametrize(
    ("params", "message"),
    [({"shrinkage": 1.5}, "shrinkage must be in"), ({"shrinkage": 0.5}, "needs expert_weights"),
     ({"method": "ridge"}, "method must be"), ({"expert_weights": {"a": 1.0}}, "no value for b, c, d")],
)
def test_bad_parameters(params, message):
    X, y = linear_data()
    with pytest.raises(ValueError, match=message):
        WeightTuner(n_boot=0, **params).fit(X, y)


# ----------------------------------------------------------------------------- on review inputs


def test_current_weights_reproduce_the_ai_total_and_pass_rate(ri_score):
    total = weighted_total(ri_score, ri_score.profile.weights)
    np.testing.assert_allclose(total, ri_score.ai_score, atol=1e-9)
    assert projected_pass_rate(ri_score, ri_score.profile.weights) == pytest.approx(
        (ri_score.ai_score >= ri_score.profile.threshold).mean())


@pytest.mark.parametrize("rate", [0.2, 0.35, 0.6])
def test_matched_threshold_keeps_the_pass_rate(ri_score, rate):
    w = {"product_sense": 0.1, "data_analysis": 0.6, "stakeholder_communication": 0.1, "execution": 0.2}
    t = matched_threshold(ri_score, w, rate)
    assert projected_pass_rate(ri_score, w, t) == pytest.approx(rate, abs=0.02)  # ties at the cut


@pytest.mark.parametrize("attribute", ["gender", "race_ethnicity", "age_band", "education"])
def test_projected_impact_ratios(ri_score, attribute):
    tab = projected_impact_ratios(ri_score, ri_score.profile.weights, attribute=attribute)
    assert tab["n"].sum() == ri_score.n_applicants
    assert tab["impact_ratio"].max() == pytest.approx(1.0)
    if "unknown" in tab.index:
        assert np.isnan(tab.loc["Unknown", "impact_ratio"])


def test_cross_validation_uses_the_same_folds(ri_pass):
    cv = cross_validated_validity(ri_pass, {"current": ri_pass.profile.weights, "again": ri_pass.profile.weights,
                                            "proposed": WeightTuner(n_boot=0)}, folds=4, random_state=7)
    w = cv["weights"]
    assert w["current"]["per_fold"] == w["again"]["per_fold"]
    assert [f["n"] for f in w["current"]["per_fold"]] == [f["n"] for f in w["proposed"]["per_fold"]]
    assert sum(f["n"] for f in w["proposed"]["per_fold"]) == cv["n"] == int(ri_pass.criterion_values.notna().sum())
    assert cv["binary"] and 0.5 < w["current"]["auc"] < 1 and "range-restricted" in cv["caveat"]
    # selection shrinks correlations: the correction raises them
    assert w["current"]["r_corrected"] > w["current"]["r_observed"] > 0


@pytest.mark.parametrize("criterion", ["final_score", "final_passed"])
def test_weight_proposal_side_by_side(sim, criterion):
    ri = review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], criterion)
    prop = weight_proposal(ri, n_boot=20, folds=3)
    assert list(prop.weights.columns[:2]) == ["current", "proposed"]
    assert prop.weights["proposed"].sum() == pytest.approx(1.0)
    assert prop.pass_rate["proposed_matched_threshold"] == pytest.approx(prop.pass_rate["current"], abs=0.02)
    assert set(prop.impact_ratios["attribute"]) == {"gender", "race_ethnicity", "age_band", "education"}
    rec = prop.to_records()
    json.dumps(rec, allow_nan=False)
    assert {"baseline_auc", "tuned_auc"} <= set(rec["cv"])
    assert (rec["cv"]["tuned_auc"] is None) == (criterion == "final_score")
    with pytest.raises(dataclasses.FrozenInstanceError):
        prop.threshold = 1.0


def _with_criterion(ri, values):
    return dataclasses.replace(ri, criterion_values=values)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda ri: ri.criterion_values.where(ri.criterion_values.isna(), 3.0), r"'final_score' is constant \(3\)"),
        (lambda ri: ri.criterion_values.where(ri.criterion_values.index.isin(ri.criterion_values.dropna().index[:6])),
         "too few selected candidates"),
    ],
)
def test_proposal_bad_input(ri_score, make, message):
    with pytest.raises(WeightError, match=message):
        weight_proposal(_with_criterion(ri_score, make(ri_score)), n_boot=0)


def test_proposal_every_finalist_passing(ri_pass):
    allpass = ri_pass.criterion_values.where(ri_pass.criterion_values.isna(), 1.0)
    with pytest.raises(WeightError, match="candidates with 'final_passed' passed it"):
        weight_proposal(_with_criterion(ri_pass, allpass), n_boot=0)


def test_every_applicant_passing_warns(ri_score):
    everyone = dataclasses.replace(ri_score, selected=pd.Series(True, index=ri_score.selected.index))
    with pytest.warns(UserWarning, match="every applicant passed the AI interview"):
        cross_validated_validity(everyone, folds=3)


# ----------------------------------------------------------------------------- simulated truth


@pytest.mark.slow
@pytest.mark.parametrize("criterion", ["final_score", "final_passed"])
def test_proposed_weights_reach_the_oracle_validity_in_the_population(criterion):
    """Fitted on the selected only, the proposed weights do (nearly) as well as the oracle for everyone."""
    sim = simulate(small_config(n_candidates=4000, seed=11, answer_texts=False, resume_files=(0, 0, 0)))
    pop = sim.population.set_index("candidate_id")
    for job_id, profile in sim.profiles.items():
        ri = review_inputs_from_tables(sim.tables, profile, criterion)
        fit = ri.selected & ri.criterion_values.notna()
        proposed = WeightTuner(n_boot=0).fit(ri.dimensions[fit], ri.criterion_values[fit]).weights_
        cf = pop.loc[ri.dimensions.index, f"{criterion}_cf"].astype(float)

        def validity(w):
            return np.corrcoef(weighted_total(ri, w), cf)[0, 1]

        oracle = validity(sim.truth["jobs"][job_id]["oracle_weights"])
        assert validity(proposed) >= oracle - 0.02, job_id


@pytest.mark.parametrize("criterion", ["final_passed", "final_score", "performance"])
def test_cv_corrected_validity_of_current_weights_equals_validity_table(sim, criterion):
    """The review's cv figures and its validity table use one correction (dichotomous, one-stage, two-stage)."""
    from workbench.review.validity import ValiditySettings, validity_table

    ri = review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], criterion)
    table = validity_table(ri, ValiditySettings(n_boot=100))
    cv = cross_validated_validity(ri, {"current": ri.profile.weights}, folds=3)["weights"]["current"]
    # the profile's weights give back ai_score exactly (3 decimals), so the figures are the table's
    assert cv["r_corrected"] == pytest.approx(float(table.total["r_corrected"]), abs=1e-9)
    assert cv["r_observed"] == pytest.approx(float(table.total["r_observed"]), abs=1e-9)
    if ri.binary:
        y = ri.criterion_values[ri.selected].dropna()
        assert cv["auc"] == pytest.approx(roc_auc_score(y, ri.ai_score.reindex(y.index)), abs=1e-12)
