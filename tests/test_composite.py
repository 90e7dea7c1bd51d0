"""One total, one decision: live scoring, the review, the weight tuner and the model's baseline agree.

Every demo candidate's total and pass decision is computed by each consumer through its own public entry
point, and all of them equal ``ai_decisions.ai_score`` (written by the simulator through the same rule).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from workbench import composite
from workbench.apps.weight_tuner import tuner_state, tuner_update
from workbench.data.profiles import load_profiles
from workbench.data.provenance import demo_path
from workbench.explain import baseline_total
from workbench.review.inputs import review_inputs_from_tables
from workbench.review.weights import weighted_total
from workbench.scoring import score_candidate

DEMO = demo_path()


@pytest.fixture(scope="module")
def tables():
    return {name: pd.read_csv(DEMO / f"{name}.csv") for name in
            ("candidates", "questions", "answers", "ai_decisions", "final_rounds", "outcomes")}


@pytest.fixture(scope="module")
def profiles():
    return load_profiles(DEMO / "profiles")


def _live(tables, profile, ids):
    """score_candidate on each candidate's recorded question scores (what live scoring would give)."""
    answers = tables["answers"].dropna(subset=["score"])
    by_cand = {c: dict(zip(g["question_id"], g["score"].astype(float))) for c, g in answers.groupby("candidate_id")}
    out = {}
    for cid in ids:
        s = score_candidate(by_cand.get(cid, {}), profile, candidate_id=cid)
        out[cid] = (s.total, s.passed)
    return out


@pytest.mark.parametrize("job_id", ["product_manager", "regional_sales_manager"])
def test_every_consumer_gives_the_same_total_and_decision(tables, profiles, job_id):
    if job_id not in profiles:
        pytest.skip(f"demo has no {job_id}")
    profile = profiles[job_id]
    ri = review_inputs_from_tables(tables, profile, "final_passed")
    ids = list(ri.dimensions.index)
    t = profile.threshold
    review = weighted_total(ri, profile.weights)
    review_pass = composite.passes(review, t)
    n = len(ids)
    ranked = tuner_update(tuner_state(ri), dict(profile.weights), t, top_n=n)["ranked"]
    tuner = {r["candidate_id"]: (r["total"], r["passes"]) for r in ranked}
    base = dict(zip(ids, baseline_total(ri)))
    live = _live(tables, profile, ids)
    ai = tables["ai_decisions"].set_index("candidate_id")["ai_score"].astype(float)
    assert len(tuner) == len(live) == len(base) == n > 100
    for cid in ids:
        total = float(review[cid])
        assert live[cid] == (total, bool(review_pass[cid])), cid
        assert tuner[cid] == (total, bool(review_pass[cid])), cid
        assert base[cid] == total, cid
        assert math.isclose(ai[cid], total, abs_tol=1e-9), cid


def test_a_missing_dimension_counts_at_the_floor_everywhere(profiles):
    profile = profiles["product_manager"]
    dims = list(profile.dimension_names)
    frame = pd.DataFrame([[4.0] * (len(dims) - 1) + [np.nan]], columns=dims, index=["c1"])
    review_total = float(composite.weighted_total(frame, profile.weights).iloc[0])
    expected = round(sum(profile.weights[d] * (4.0 if d != dims[-1] else composite.MISSING_DIMENSION_SCORE)
                         for d in dims) / sum(profile.weights.values()), 3)
    assert review_total == expected
    _, live_total = composite.candidate_total({d: [4.0] for d in dims[:-1]}, profile.weights)
    assert live_total == expected


@pytest.mark.parametrize("total,threshold,expected", [
    (3.21, 3.2100000000000004, True), (3.21, 3.21, True), (3.209, 3.21, False), (3.20999, 3.21, False),
    (float("nan"), 3.0, False),
])
def test_pass_decision_is_on_a_rounded_grid(total, threshold, expected):
    assert composite.passes(np.array([total]), threshold).tolist() == [expected]
