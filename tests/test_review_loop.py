"""The whole review of a dataset: contract keys, per-job isolation of failures, shrinkage by evidence."""

from __future__ import annotations

import json

import pytest

from workbench.data import load
from workbench.review.inputs import ReviewInputError
from workbench.review.loop import review_dataset, shrinkage_for
from workbench.simulate import simulate, small_config, write_simulation

CONTRACT_QUESTION_KEYS = {
    "question_id", "dimension", "n", "r_observed", "r_corrected", "ci_low", "ci_high", "p_adjusted", "verdict",
}


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sim")
    sim = simulate(small_config(n_candidates=1200, seed=11, answer_texts=False))
    write_simulation(sim, folder)
    return load(folder), sim.truth


@pytest.fixture(scope="module")
def reviewed(simulated):
    dataset, _ = simulated
    return review_dataset(dataset, "final_score", n_boot=300, weight_boot=30)


def test_contract_keys_and_json(reviewed, simulated):
    dataset, _ = simulated
    doc = json.loads(json.dumps(reviewed.to_dict()))
    assert doc["criterion"] == "final_score"
    assert doc["n"] == sum(int(dataset.final_rounds["candidate_id"].isin(dataset.candidates_for(j)["candidate_id"]).sum())
                           for j in dataset.job_ids)
    assert len(doc["questions"]) == len(dataset.questions)
    for row in doc["questions"]:
        assert CONTRACT_QUESTION_KEYS <= set(row)
        assert row["verdict"] in {"keep", "inconclusive", "invalid", "insufficient_data"}
    assert set(doc["cv"]) >= {"baseline_auc", "tuned_auc"}
    dims = {d["dimension"] for d in doc["dimensions"]}
    assert set(doc["suggested_weights"]) == dims


def test_suggested_weights_sum_to_one_per_job(reviewed):
    for job in reviewed.jobs:
        assert sum(job.weights.suggested_weights.values()) == pytest.approx(1.0, abs=1e-3)


def test_no_valid_question_called_invalid(reviewed, simulated):
    _, truth = simulated
    valid = {q["question_id"] for job in truth["jobs"].values() for q in job["questions"] if q["valid"]}
    flagged = {q["question_id"] for q in reviewed.to_dict()["questions"] if q["verdict"] == "invalid"}
    assert not flagged & valid


def test_corrected_total_closer_to_truth_than_observed(reviewed, simulated):
    _, truth = simulated
    for job in reviewed.jobs:
        target = truth["jobs"][job.job_id]["ai_total"]["validity"]["final_score"]["population"]
        total = job.validity.total
        assert abs(total["r_corrected"] - target) < abs(total["r_observed"] - target)


def test_a_job_without_final_rounds_is_skipped_with_reason(simulated, tmp_path):
    dataset, _ = simulated
    keep = dataset.candidates_for("product_manager")["candidate_id"]
    import dataclasses

    thinned = dataclasses.replace(dataset, final_rounds=dataset.final_rounds[dataset.final_rounds["candidate_id"].isin(keep)],
                                  outcomes=dataset.outcomes.iloc[0:0])
    result = review_dataset(thinned, "final_passed", n_boot=200, weight_boot=0)
    assert [j.job_id for j in result.jobs] == ["product_manager"]
    assert "regional_sales_manager" in result.skipped
    assert "final_passed" in result.skipped["regional_sales_manager"]
    with pytest.raises(ReviewInputError, match="no outcomes data"):
        review_dataset(thinned, "performance", n_boot=200)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"criterion": "salary"}, "criterion 'salary' is not one of"),
    ({"job_ids": ("nurse",)}, "unknown job"),
])
def test_bad_requests(simulated, kwargs, message):
    dataset, _ = simulated
    with pytest.raises(ReviewInputError, match=message):
        review_dataset(dataset, **{"criterion": "final_passed", **kwargs})


@pytest.mark.parametrize(("n", "k", "expected"), [(0, 150, 1.0), (150, 150, 0.5), (450, 150, 0.25), (10, 0, 0.0)])
def test_shrinkage_by_evidence(n, k, expected):
    assert shrinkage_for(n, k) == pytest.approx(expected)


def test_the_review_states_its_coverage_first(reviewed):
    doc = reviewed.to_dict()
    cands = doc["coverage"]["tables"]["candidates"]
    assert cands["read"] == cands["accepted"] + cands["quarantined"] > 0
    assert sum(doc["coverage"]["applicants"].values()) == cands["accepted"]
    assert reviewed.summary().splitlines()[1].startswith("  coverage:")
    assert doc["warnings"] == []  # nothing left out of a clean simulated dataset
