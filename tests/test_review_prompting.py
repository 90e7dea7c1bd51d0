"""workbench.review.prompting against the simulator's truth: triggered hints, with and without a holdout."""

from __future__ import annotations

import json

import numpy as np
import pytest

from workbench.review.prompting import METHODS, prompting
from workbench.simulate import TriggeredPrompting, load_job_spec, simulate, small_config

JOB = "product_manager"


def _sim(seed: int, holdout: float, n: int = 400, **kw):
    return simulate(small_config(n_candidates=n, seed=seed, jobs=(load_job_spec(JOB),), answer_texts=False,
                                 resume_files=(0, 0, 0), biases=(), triggered=TriggeredPrompting(holdout), **kw))


@pytest.fixture(scope="module")
def observational():
    return _sim(5, 0.0, n=800)


@pytest.fixture(scope="module")
def randomised():
    return _sim(6, 0.25, n=800)


def _truth(sim):
    return sim.truth["jobs"][JOB]["prompting"]["true_effect"]


@pytest.mark.parametrize("holdout, method", [(0.0, "adjusted"), (0.3, "randomised")])
def test_estimates_cover_the_true_effect_in_at_least_18_of_20_seeds_and_naive_is_biased(holdout, method):
    covered = {"score": 0, "completeness": 0}
    naive_covers, naive_below = 0, 0
    for seed in range(20):
        sim = _sim(seed, holdout)
        truth = _truth(sim)
        res = prompting(sim.tables, n_boot=200, seed=seed)
        for outcome in covered:
            e = res.estimate(outcome)
            assert e.method == method and e.primary
            covered[outcome] += e.ci_low < truth[outcome] < e.ci_high
            naive = res.estimate(outcome, "naive")
            naive_covers += naive.ci_low < truth[outcome] < naive.ci_high
            naive_below += naive.effect < truth[outcome]
    assert min(covered.values()) >= 18, covered
    assert naive_covers <= 2 and naive_below == 40  # the hints went to the worse drafts: naive understates


def test_observational_data_are_labelled_and_adjusted(observational):
    res = prompting(observational.tables, n_boot=200)
    truth = _truth(observational)
    assert res.design == "observational"
    assert [(e.outcome, e.method) for e in res.estimates] == [
        ("completeness", "adjusted"), ("completeness", "naive"), ("score", "adjusted"), ("score", "naive")]
    for outcome in ("score", "completeness"):
        adj, naive = res.estimate(outcome), res.estimate(outcome, "naive")
        assert adj.ci_low < truth[outcome] < adj.ci_high
        assert naive.effect < 0 < truth[outcome]  # the naive difference has the wrong sign
    assert res.n_eligible == int(observational.tables["answers"]["hint_eligible"].sum())
    assert any(c.startswith("observational estimate") for c in res.caveats)
    text = res.summary()
    assert "observational (hints were triggered, not randomised)" in text and "adjusted [primary]" in text


def test_randomised_holdout_is_read_from_the_data(randomised):
    res = prompting(randomised.tables, n_boot=200)
    assert res.design == "randomised"
    prim = res.estimate("score")
    assert prim.method == "randomised" and prim.ci_low < _truth(randomised)["score"] < prim.ci_high
    assert res.estimate("score", "adjusted").primary is False  # shown beside it, as a check
    assert not any(c.startswith("observational") for c in res.caveats)
    doc = json.loads(json.dumps(res.to_dict()))
    assert doc["primary"] == {"completeness": "randomised", "score": "randomised"}
    assert {"outcome", "method", "label", "effect", "ci_low", "ci_high", "p_value", "n_prompted", "n_unprompted",
            "primary", "available"} <= set(doc["estimates"][0])
    assert doc["estimates"][0]["label"] == METHODS["randomised"]


def test_one_unrandomised_eligible_answer_makes_the_design_observational(randomised):
    answers = randomised.tables["answers"].copy()
    first = int(np.flatnonzero(answers["hint_eligible"].to_numpy())[0])
    answers.loc[first, "assignment"] = "triggered"
    assert prompting({**randomised.tables, "answers": answers}, n_boot=50).design == "observational"


def test_without_the_new_columns_only_the_naive_difference_is_given():
    sim = simulate(small_config(n_candidates=200, seed=1, answer_texts=False, resume_files=(0, 0, 0)))
    res = prompting(sim.tables, job_id=JOB, n_boot=50)
    assert res.design == "observational" and not res.eligible_column
    adj = res.estimate("score")
    assert adj.method == "adjusted" and not adj.available and "star_before" in adj.reason
    assert res.estimate("completeness", "naive").available is False  # no star_after either
    assert res.estimate("score", "naive").available
    assert any("no hint_eligible column" in c for c in res.caveats)


@pytest.mark.parametrize("change, message", [
    ({"job_id": "nope"}, "no candidate applied to job 'nope'"),
])
def test_bad_input(observational, change, message):
    with pytest.raises(ValueError, match=message):
        prompting(observational.tables, n_boot=20, **change)


def test_missing_columns_are_named(observational):
    answers = observational.tables["answers"].drop(columns="prompted")
    with pytest.raises(ValueError, match="answers lack column"):
        prompting({**observational.tables, "answers": answers})
