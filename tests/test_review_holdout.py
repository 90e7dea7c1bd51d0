"""HoldoutPolicy: deterministic, seeded, the share it promises, independent of the answer's content."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.review.holdout import HoldoutPolicy
from workbench.simulate import TriggeredPrompting, load_job_spec, simulate, small_config


def _keys(policy, n=20_000):
    return [policy.key(f"C{i:06d}", f"q{i % 12:02d}") for i in range(n)]


@pytest.mark.parametrize("share", [0.05, 0.10, 0.5])
def test_holds_out_the_share_asked_for(share):
    p = HoldoutPolicy(share, seed=3)
    held = p.held_out_many(_keys(p))
    assert abs(held.mean() - share) < 3 * np.sqrt(share * (1 - share) / len(held))


def test_deterministic_per_seed_and_independent_across_seeds():
    a, b = HoldoutPolicy(0.3, seed=1), HoldoutPolicy(0.3, seed=2)
    ha, ha2, hb = a.held_out_many(_keys(a)), HoldoutPolicy(0.3, seed=1).held_out_many(_keys(a)), b.held_out_many(_keys(b))
    assert (ha == ha2).all()
    assert abs((ha & hb).mean() - 0.09) < 0.01  # independent: 0.3 x 0.3
    assert [a.held_out(f"C{i:06d}", f"q{i % 12:02d}") for i in range(50)] == ha[:50].tolist()
    assert all(a.show_hint(c, q) != a.held_out(c, q) for c, q in [("C1", "q1"), ("C2", "q9")])


def test_candidate_unit_holds_out_all_answers_of_a_candidate():
    p = HoldoutPolicy(0.5, seed=4, unit="candidate")
    for cid in (f"C{i}" for i in range(30)):
        assert len({p.held_out(cid, q) for q in ("q1", "q2", "q3")}) == 1


@pytest.mark.parametrize("kwargs, message", [({"share": -0.1}, "share must be in"), ({"share": 1.0}, "share must be in"),
                                             ({"unit": "job"}, "unit must be one of")])
def test_bad_policy(kwargs, message):
    with pytest.raises(ValueError, match=message):
        HoldoutPolicy(**kwargs)


def test_no_holdout_shows_every_hint_and_records_triggered():
    p = HoldoutPolicy(0.0)
    assert p.assignment == "triggered" and not p.held_out_many(_keys(p, 100)).any()
    assert p.to_dict() == {"share": 0.0, "seed": 0, "unit": "answer", "assignment": "triggered"}


def test_simulator_uses_the_policy_at_random_among_eligible_answers():
    sim = simulate(small_config(n_candidates=600, seed=2, jobs=(load_job_spec("product_manager"),),
                                answer_texts=False, resume_files=(0, 0, 0), biases=(), triggered=TriggeredPrompting(0.2)))
    a = sim.tables["answers"]
    el = a["hint_eligible"].to_numpy(bool)
    held = el & ~a["prompted"].to_numpy(bool)
    assert not a.loc[~el, "prompted"].any() and (a["assignment"] == "random").all()
    assert abs(held.sum() / el.sum() - 0.2) < 0.03
    # random: held-out and prompted eligible answers had drafts of the same completeness
    sb = a["star_before"].to_numpy(float)
    assert abs(sb[held].mean() - sb[el & ~held].mean()) < 0.1
    truth = sim.truth["jobs"]["product_manager"]["prompting"]
    assert truth["assignment"] == "random" and truth["holdout"]["share"] == 0.2
