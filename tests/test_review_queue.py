"""Human review closed: the borderline queue, append-only decisions, their export, the override counts and audit."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from workbench.data import load, validate_dataset
from workbench.fairness.overrides import override_audit_of
from workbench.review import queue as q
from workbench.simulate import simulate, small_config, write_simulation


@pytest.fixture(scope="module")
def sim():
    return simulate(small_config(n_candidates=400, seed=8, answer_texts=False, resume_files=(0, 0, 0), review_rate=0.0))


@pytest.fixture()
def ds(sim, tmp_path):
    write_simulation(sim, tmp_path)
    return load(tmp_path)


def test_queue_holds_exactly_the_candidates_in_the_band(ds):
    queue = q.borderline_queue(ds)
    bands = {b["job_id"]: b for b in queue.attrs["bands"]}
    assert set(bands) == set(ds.profiles) and len(queue) > 10
    for b in bands.values():
        assert b["band_low"] < b["threshold"] < b["band_high"] and 0 < b["reliability"] < 1
    scored = ds.ai_decisions.merge(ds.candidates[["candidate_id", "job_id"]], on="candidate_id")
    inside = scored[[bands[j]["band_low"] - 1e-9 <= s <= bands[j]["band_high"] + 1e-9
                     for s, j in zip(scored["ai_score"], scored["job_id"])]]
    assert set(queue["candidate_id"]) == set(inside["candidate_id"])
    gaps = (queue["ai_score"] - queue["threshold"]).abs().to_numpy()
    assert (gaps[:-1] <= gaps[1:] + 1e-12).all()  # nearest the threshold first
    assert (queue["status"] == "pending").all()


def test_decisions_are_appended_with_utc_time_and_the_last_one_counts(ds):
    queue = q.borderline_queue(ds)
    a, b = queue["candidate_id"].iloc[:2]
    q.record_decision(ds, a, "pass", reviewer="rev-1", note="good\nexamples",
                      now=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    q.record_decision(ds, b, "fail", reviewer="rev-2")
    first = (ds.path / q.DECISIONS_FILE).read_text(encoding="utf-8")
    q.record_decision(ds, a, "fail", reviewer="rev-3", note="second look")
    text = (ds.path / q.DECISIONS_FILE).read_text(encoding="utf-8")
    assert text.startswith(first)  # append-only: earlier lines untouched
    everything = q.decisions(ds, latest=False)
    assert list(everything.columns) == list(q.DECISION_COLUMNS) and len(everything) == 3
    assert everything["decided_at"].iloc[0] == "2026-01-01T19:04:05+00:00" and everything["note"].iloc[0] == "good examples"
    latest = q.decisions(ds).set_index("candidate_id")
    assert latest.loc[a, "decision"] == "fail" and latest.loc[a, "reviewer"] == "rev-3"
    listed = q.borderline_queue(ds).set_index("candidate_id")
    assert listed.loc[a, "status"] == "decided" and listed.loc[a, "reviewer"] == "rev-3"
    assert a not in set(q.borderline_queue(ds, include_decided=False)["candidate_id"])


@pytest.mark.parametrize("args, error, message", [
    (("C000001", "maybe"), ValueError, "decision must be pass or fail"),
    (("NOPE", "pass"), KeyError, "has no AI decision"),
])
def test_bad_decisions_are_refused(ds, args, error, message):
    with pytest.raises(error, match=message):
        q.record_decision(ds, *args, reviewer="rev")
    with pytest.raises(ValueError, match="reviewer is required"):
        q.record_decision(ds, "C000001", "pass", reviewer=" ")


def test_export_writes_human_override_and_the_counts_follow(ds, tmp_path):
    queue = q.borderline_queue(ds)
    ai_pass = queue[queue["ai_decision"] == "pass"]["candidate_id"].iloc[0]
    ai_fail = queue[queue["ai_decision"] == "fail"]["candidate_id"].iloc[0]
    agree = queue[queue["ai_decision"] == "fail"]["candidate_id"].iloc[1]
    q.record_decision(ds, ai_fail, "pass", reviewer="r")   # overturned up
    q.record_decision(ds, agree, "fail", reviewer="r")     # reviewed, agrees
    q.record_decision(ds, ai_pass, "fail", reviewer="r")   # overturned down
    path, frame = q.write_decisions(ds, tmp_path / "ai_decisions.csv")
    assert frame.attrs["applied"] == 3 and frame.attrs["overrides"] == 2
    back = pd.read_csv(path, dtype=str, keep_default_na=False).set_index("candidate_id")
    assert back.loc[ai_fail, ["ai_passed", "human_reviewed", "human_override"]].tolist() == ["true", "true", "true"]
    assert back.loc[agree, ["ai_passed", "human_override"]].tolist() == ["false", "false"]
    assert back.loc[ai_pass, ["ai_passed", "human_override"]].tolist() == ["false", "true"]
    untouched = ds.ai_decisions.set_index("candidate_id").drop(index=[ai_fail, agree, ai_pass])
    assert (back.loc[untouched.index, "human_reviewed"] == "false").all()  # review_rate 0: nobody else reviewed
    counts = q.override_counts(frame, ds.candidates)
    assert (counts["reviewed"], counts["overridden"], counts["overridden_to_pass"]) == (3, 2, 1)
    assert "selection was not on the AI total alone" in counts["note"]
    assert sum(j["overridden"] for j in counts["by_job"].values()) == 2
    assert frame.attrs["final_round_conflicts"] == sorted({ai_pass} & set(ds.final_rounds["candidate_id"]))
    # the dataset's own file: written in place, still valid when nobody was failed after a final round
    q.write_decisions(ds)
    report = validate_dataset(ds.path)
    assert report.ok or frame.attrs["final_round_conflicts"]


def test_audit_reports_the_ai_and_the_final_decision_per_group(ds):
    queue = q.borderline_queue(ds)
    women = set(ds.candidates.loc[ds.candidates["gender"] == "female", "candidate_id"])
    ups = [c for c, d in zip(queue["candidate_id"], queue["ai_decision"]) if d == "fail" and c in women][:3]
    for cid in ups:
        q.record_decision(ds, cid, "pass", reviewer="r")
    tab = override_audit_of(ds, "gender", ai_decisions=q.apply_decisions(ds))
    assert tab.loc["female", "overridden_to_pass"] == len(ups) and tab.loc["male", "overridden_to_pass"] == 0
    assert tab.loc["female", "final_selected"] - tab.loc["female", "ai_selected"] == len(ups)
    assert tab.loc["male", "final_selected"] == tab.loc["male", "ai_selected"]
    assert tab["n"].sum() == len(ds.ai_decisions) and "AI decision" in tab.attrs["note"]
    assert tab.loc["female", "rate_change"] > 0


def test_the_review_counts_the_overrides_of_each_job_and_says_the_correction_is_approximate(ds):
    from workbench.review.loop import review_dataset

    queue = q.borderline_queue(ds)
    flipped = queue[queue["ai_decision"] == "fail"]["candidate_id"].iloc[:2].tolist()
    for cid in flipped:
        q.record_decision(ds, cid, "pass", reviewer="r")
    q.write_decisions(ds)
    reviewed = review_dataset(load(ds.path), "final_score", n_boot=100, weight_boot=10)
    doc = reviewed.to_dict()
    jobs_of = ds.candidates.set_index("candidate_id")["job_id"]
    for job_id, job in doc["jobs"].items():
        mine = sum(jobs_of[c] == job_id for c in flipped)
        assert job["overrides"]["overridden"] == mine and job["overrides"]["overridden_to_pass"] == mine
        assert any("selection was not on the AI total alone" in w for w in job["warnings"]) == (mine > 0)
    assert "human review:" in reviewed.summary()
