"""Question bank history: versions in the bank file, validity per answered version, apply-review's new version."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from workbench.questions import BankError, bank_from_dict, load_bank
from workbench.review.bank import apply_review, apply_verdicts, latest_bank, next_version, validity_by_version, \
    verdicts_of, write_revision
from workbench.review.validity import ValiditySettings
from workbench.simulate import load_job_spec, simulate, small_config

JOB = "product_manager"
SETTINGS = ValiditySettings(n_boot=200)


@pytest.fixture(scope="module")
def sim():
    return simulate(small_config(n_candidates=3000, seed=21, jobs=(load_job_spec(JOB),), answer_texts=False,
                                 resume_files=(0, 0, 0), biases=()))


class _Data:
    """A dataset-like object (tables + profiles) for the review functions."""

    def __init__(self, tables, profiles, path="sim"):
        self.tables, self.profiles, self.path = tables, profiles, path


def _reworded(sim, qid="pm_q01"):
    """Half the candidates answered version v2 of ``qid``, a rewording that broke it: its scores are shuffled."""
    answers = sim.tables["answers"].copy()
    rng = np.random.default_rng(0)
    cands = answers["candidate_id"].unique()
    late = set(cands[rng.random(len(cands)) < 0.5])
    answers["question_version"] = "v1"
    hit = answers["candidate_id"].isin(late) & (answers["question_id"] == qid)
    answers.loc[hit, "question_version"] = "v2"
    answers.loc[hit, "score"] = rng.permutation(answers.loc[hit, "score"].to_numpy())
    return _Data({**sim.tables, "answers": answers}, sim.profiles)


def test_validity_is_given_per_answered_version(sim):
    table = validity_by_version(_reworded(sim), JOB, "final_score", settings=SETTINGS)
    q1 = table[table["question_id"] == "pm_q01"].set_index("version")
    assert list(q1.index) == ["v1", "v2"] and table.attrs["split"] == ["pm_q01"]
    assert q1.loc["v1", "ci_low"] > 0.1 and q1.loc["v1", "verdict"] == "keep"  # the original wording predicts
    assert q1.loc["v2", "ci_low"] < 0 < q1.loc["v2", "ci_high"]  # the broken rewording does not
    assert q1["n"].sum() == pytest.approx(table.set_index("question_id").loc["pm_q02", "n"], rel=0.02)
    assert (table.loc[table["question_id"] != "pm_q01", "version"] == "v1").all()


def test_the_current_versions_verdict_decides(sim):
    table = validity_by_version(_reworded(sim), JOB, "final_score", settings=SETTINGS)
    bank = load_bank(JOB)
    v2 = bank_from_dict({**bank.to_dict(), "dimensions": {**bank.to_dict()["dimensions"], "product_sense": {
        **bank.to_dict()["dimensions"]["product_sense"],
        "behavioral": {"id": "pm_q01", "version": "v2", "text": {"en": "Reworded."},
                       "history": [{"version": "v1", "text": dict(bank.question("pm_q01").text)}]}}}})
    assert verdicts_of(table, bank)["pm_q01"][0] == "keep"
    verdict, reason = verdicts_of(table, v2)["pm_q01"]
    assert verdict in ("inconclusive", "invalid") and reason.startswith("version v2:")


def test_apply_review_retires_invalid_marks_inconclusive_and_keeps_the_rest(sim, tmp_path):
    rev = apply_review(_Data(sim.tables, sim.profiles), JOB, tmp_path / "banks", criterion="final_score",
                       settings=SETTINGS)
    verdicts = validity_by_version(_Data(sim.tables, sim.profiles), JOB, "final_score",
                                   settings=SETTINGS).set_index("question_id")["verdict"]
    truth_invalid = set(sim.truth["jobs"][JOB]["invalid_questions"])
    for q in rev.bank.questions:
        expected = {"invalid": "retired", "inconclusive": "reword"}.get(verdicts[q.question_id], "active")
        assert q.status == expected, q.question_id
        if q.status == "retired":
            assert q.question_id in truth_invalid  # only questions that truly predict nothing are retired
    assert {c.action for c in rev.changes} <= {"retire", "reword"} and rev.changes
    assert rev.bank.version == "v2" and rev.bank.revision == 1
    written = load_bank(rev.path)
    assert written == rev.bank and written.changelog[-1]["from"] == "v1"
    log = (tmp_path / "banks" / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## product_manager v2" in log and all(c.question_id in log for c in rev.changes)
    json.dumps(rev.to_dict())


def test_never_overwrites_and_continues_from_the_latest_version(tmp_path):
    bank = load_bank(JOB)
    first = write_revision(apply_verdicts(bank, {"pm_q09": ("invalid", "x")}, source="t"), tmp_path)
    before = (tmp_path / f"{JOB}.v2.yaml").read_bytes()
    with pytest.raises(FileExistsError, match="never overwritten"):
        write_revision(apply_verdicts(bank, {}, source="t"), tmp_path)
    assert (tmp_path / f"{JOB}.v2.yaml").read_bytes() == before
    assert latest_bank(tmp_path, JOB) == first.bank
    second = write_revision(apply_verdicts(latest_bank(tmp_path, JOB), {"pm_q09": ("keep", "")}, source="t"), tmp_path)
    assert second.bank.version == "v3" and second.bank.question("pm_q09").status == "retired"  # stays retired
    assert (tmp_path / "CHANGELOG.md").read_text(encoding="utf-8").count("## product_manager") == 2


def test_a_retired_question_is_not_asked(tmp_path):
    from workbench.questions import plan_interview
    from workbench.records import Dimension, JobProfile, Resume

    bank = apply_verdicts(load_bank(JOB), {"pm_q02": ("invalid", "x")}, source="t").bank
    profile = JobProfile(JOB, "v1", 3.0, tuple(Dimension(d.name, 0.25) for d in bank.dimensions))
    plan = plan_interview(profile, Resume(lines=("nothing",)), bank)
    assert "pm_q02" not in [i.question_id for i in plan.items] and "pm_q04" in [i.question_id for i in plan.items]
    assert not bank.questions_frame("en").set_index("question_id").loc["pm_q02", "active"]


@pytest.mark.parametrize("version, expected", [("v1", "v2"), ("2026.1", "2026.2"), ("v9", "v10"), ("x", "x.1")])
def test_next_version(version, expected):
    assert next_version(version) == expected


@pytest.mark.parametrize("change, message", [
    ({"status": "gone"}, "status: 'gone' is not one of active, reword, retired"),
    ({"history": [{"text": {"en": "old"}}]}, r"history\[0\]: needs version and text"),
    ({"version": "v1", "history": [{"version": "v1", "text": {"en": "old"}}]}, "appears twice"),
])
def test_bad_question_history_is_refused(change, message):
    data = load_bank(JOB).to_dict()
    data["dimensions"]["product_sense"]["behavioral"].update(change)
    with pytest.raises(BankError, match=message):
        bank_from_dict(data)


def test_old_bank_files_still_load_and_round_trip():
    data = yaml.safe_load((load_bank.__globals__["BANK_DIR"] / f"{JOB}.yaml").read_text(encoding="utf-8"))
    data.pop("general")
    bank = bank_from_dict(data)
    assert bank.revision == 0 and bank.general == () and all(q.version == "v1" for q in bank.questions)
    assert bank_from_dict(bank.to_dict()) == bank
