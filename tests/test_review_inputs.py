"""Review inputs: the applicant pool aligned, the criterion only where it exists, clear errors otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.review.inputs import CRITERIA, ReviewInputError, review_inputs_from_tables
from workbench.simulate import simulate, small_config


@pytest.fixture(scope="module")
def sim():
    return simulate(small_config(n_candidates=400, seed=5))


@pytest.mark.parametrize("criterion", list(CRITERIA))
def test_criterion_only_for_those_who_went_on(sim, criterion):
    ri = review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], criterion)
    assert ri.questions.index.equals(ri.ai_score.index) and ri.dimensions.index.equals(ri.selected.index)
    assert ri.criterion_values[~ri.selected].isna().all()
    assert 0 < ri.n_with_criterion <= int(ri.selected.sum())
    assert ri.binary == (criterion in {"final_passed", "retained_12m"})


def test_dimension_score_is_mean_of_its_questions(sim):
    ri = review_inputs_from_tables(sim.tables, sim.profiles["regional_sales_manager"], "final_score")
    dim = ri.profile.dimension_names[0]
    qs = [q for q, d in ri.question_dimension.items() if d == dim]
    np.testing.assert_allclose(ri.dimensions[dim], ri.questions[qs].mean(axis=1))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t | {"final_rounds": t["final_rounds"].iloc[0:0]}, "no final_rounds data"),
        (lambda t: t | {"ai_decisions": t["ai_decisions"].iloc[0:0]}, "no candidate has an AI decision"),
        (lambda t: t | {"answers": t["answers"].iloc[0:0]}, "no answers"),
    ],
)
def test_clear_errors(sim, change, message):
    with pytest.raises(ReviewInputError, match=message):
        review_inputs_from_tables(change(dict(sim.tables)), sim.profiles["product_manager"], "final_passed")


def test_unknown_criterion(sim):
    with pytest.raises(ReviewInputError, match="criterion 'salary' is not one of"):
        review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], "salary")


def test_protected_attributes_kept_apart(sim):
    ri = review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], "final_passed")
    assert "gender" in ri.groups.columns
    features = set(ri.questions.columns) | set(ri.dimensions.columns)
    assert not features & set(ri.groups.columns)
