"""Rubrics, answer and candidate scores, the borderline band, the review queue and prompting records."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from workbench.data.profiles import as_profile
from workbench.scoring import (BorderlineBand, ReviewQueue, RubricError, load_rubric, prompting_columns,
                               reliability_from_data, score_answer, score_candidate)

PM = as_profile("product_manager")
QUESTIONS = pd.read_csv("datasets/demo/questions.csv")


@pytest.mark.parametrize("job", ["product_manager", "regional_sales_manager"])
def test_rubrics_cover_every_demo_question_in_both_languages(job):
    rub = load_rubric(job)
    assert set(QUESTIONS.loc[QUESTIONS.job_id == job, "question_id"]) <= set(rub["questions"])
    for q in rub["questions"].values():
        assert sorted(q["levels"]) == [1, 2, 3, 4, 5]
        for lv in q["levels"].values():
            assert lv["anchor"]["en"] and lv["anchor"]["zh"] and lv["example"]["en"] and lv["example"]["zh"]


def test_bad_rubric_is_named(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("questions:\n  q1: {dimension: d, levels: {1: {}}}\n", encoding="utf-8")
    with pytest.raises(RubricError, match="q1"):
        load_rubric(str(p))


@pytest.mark.parametrize("job, qid, lang", [("product_manager", "pm_q01", "en"), ("product_manager", "pm_q01", "zh"),
                                            ("regional_sales_manager", "rsm_q01", "zh"),
                                            ("regional_sales_manager", "rsm_q03", "en")])
def test_rubric_examples_score_in_order(job, qid, lang):
    """The rubric's own example answers must come out (weakly) increasing with the level."""
    rub = load_rubric(job)
    scores = [score_answer(rub["questions"][qid]["levels"][k]["example"][lang], qid, job).score for k in range(1, 6)]
    assert scores == sorted(scores) and scores[0] <= 2 and scores[-1] >= 4, scores


def test_answer_score_has_reasons_and_prompt_record():
    s = score_answer("Last year our team missed every deadline at my job. I had to fix it. I cut the scope.",
                     "pm_q07", PM)
    assert 1 <= s.score <= 5 and any("STAR coverage" in r for r in s.reasons)
    assert s.prompted and s.prompt_kind == "missing_result"


@pytest.mark.parametrize("answers, total, decision", [
    ({"pm_q01": 4, "pm_q03": 3, "pm_q05": 4, "pm_q07": 2}, 3.4, "pass"),
    ({"pm_q01": 2, "pm_q03": 2, "pm_q05": 2, "pm_q07": 2}, 2.0, "fail"),
    ({"pm_q01": 5, "pm_q02": 3, "pm_q03": 5, "pm_q05": 5, "pm_q07": 5}, 4.7, "pass"),
])
def test_candidate_total_and_decision(answers, total, decision):
    s = score_candidate(answers, PM, candidate_id="C1")
    assert s.total == pytest.approx(total) and s.decision == decision and s.profile_version == PM.version
    assert s.passed == (total >= PM.threshold)


def test_candidate_from_text_and_unknown_question():
    s = score_candidate({"pm_q01": "I am good at products."}, PM)
    assert s.dimension_scores["product_sense"] <= 2 and s.dimension_scores["execution"] == 1.0
    with pytest.raises(RubricError, match="pm_q99"):
        score_candidate({"pm_q99": 3}, PM)


@pytest.mark.parametrize("sd, rel, z, sem", [(0.5, 0.84, 1.0, 0.2), (1.0, 0.75, 1.0, 0.5), (0.5, 1.2, 1.0, 0.0),
                                             (0.5, float("nan"), 1.0, 0.5)])
def test_band_from_sem(sd, rel, z, sem):
    b = BorderlineBand.from_sem(3.0, sd, rel, z)
    assert b.sem == pytest.approx(sem) and b.low == pytest.approx(3 - z * sem)


def test_band_sends_borderline_to_review():
    band = BorderlineBand(PM.threshold, 0.2)
    inside = score_candidate({"pm_q01": 3, "pm_q03": 3, "pm_q05": 3.5, "pm_q07": 3.5}, PM, band=band)
    assert inside.decision == "review" and inside.band == (round(band.low, 4), round(band.high, 4))


def test_reliability_from_demo_data():
    ans = pd.read_csv("datasets/demo/answers.csv")
    rel = reliability_from_data(ans, QUESTIONS, PM)
    assert set(rel["alpha"]) == set(PM.dimension_names) and rel["n"] > 100
    assert 0 < rel["reliability"] < 1 and rel["sd_total"] > 0
    band = BorderlineBand.from_sem(PM.threshold, rel["sd_total"], rel["reliability"])
    assert 0 < band.sem < rel["sd_total"]


def test_reliability_matches_alpha_for_parallel_items():
    rng = np.random.default_rng(0)
    true = rng.normal(size=400)
    rows = [{"candidate_id": i, "question_id": q, "score": t + rng.normal(scale=0.5)}
            for i, t in enumerate(true) for q in QUESTIONS.loc[QUESTIONS.job_id == "product_manager", "question_id"]]
    rel = reliability_from_data(pd.DataFrame(rows), QUESTIONS, PM)
    assert all(0.8 < a < 0.95 for a in rel["alpha"].values()) and rel["reliability"] > 0.9


def test_review_queue_records_decisions(tmp_path):
    q = ReviewQueue(tmp_path / "q.csv")
    band = BorderlineBand(PM.threshold, 0.3)
    scores = [score_candidate({"pm_q01": v, "pm_q03": v, "pm_q05": v, "pm_q07": v}, PM, candidate_id=c, band=band)
              for c, v in (("C1", 3.0), ("C2", 4.5), ("C3", 3.5))]
    assert q.add_scores(scores) == 2 and q.add_scores(scores) == 2 and len(q.pending()) == 2
    q.decide("C1", reviewer="ana", decision="fail", note="thin examples")
    again = ReviewQueue(tmp_path / "q.csv").frame().set_index("candidate_id")
    assert again.loc["C1", "decision"] == "fail" and again.loc["C1", "reviewer"] == "ana"
    assert again.loc["C3", "status"] == "pending"
    with pytest.raises(KeyError):
        q.decide("C1", reviewer="ana", decision="pass")
    with pytest.raises(ValueError, match="decision"):
        q.decide("C3", reviewer="ana", decision="maybe")
    with pytest.raises(ValueError, match="reviewer"):
        q.decide("C3", reviewer=" ", decision="pass")


def test_prompting_recorded_per_answer():
    df = pd.DataFrame({"answer_text": ["Last year our sales fell at my job. I had to fix it. I called clients.",
                                       "", "I am a hard worker and a team player in every team I join."],
                       "prompted": [None, None, True], "prompt_kind": [None, None, "missing_action"]})
    out = prompting_columns(df)
    assert out["prompted"].tolist() == [True, False, True]
    assert out["prompt_kind"].tolist()[0] == "missing_result" and out["prompt_kind"].tolist()[2] == "missing_action"
    assert math.isnan(float("nan"))
