"""Personal data: pseudonymised on the way in (columns and personal-looking ids), redacted in free text."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import TABLES, write_dataset

from workbench.data import load, validate_dataset
from workbench.data.pii import looks_personal, pii_columns, pseudonym, pseudonymise, redact

SECRET = b"test-secret-test-secret-test-sec"


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv("WORKBENCH_PII_KEY", SECRET.decode())


@pytest.mark.parametrize(("header", "kind"), [("姓名", "name"), ("Full Name", "name"), ("手机号码", "phone"),
                                              ("Mobile", "phone"), ("E-mail", "email"), ("邮箱", "email"),
                                              ("身份证号", "id_number"), ("SSN", "id_number"), ("家庭住址", "address"),
                                              ("Address", "address")])
def test_personal_data_headers_are_recognised(header, kind):
    assert pii_columns([header, "score"]) == {header: kind}


@pytest.mark.parametrize(("value", "personal"), [("wang@example.com", True), ("13912345678", True),
                                                 ("+86 139 1234 5678", True), ("11010119900307123X", True),
                                                 ("C000123", False), ("2024-06-01", False), ("cand-17", False)])
def test_ids_that_look_like_personal_data(value, personal):
    assert looks_personal(value) is personal


def test_pseudonyms_are_keyed_and_stable():
    a = pseudonym("Wang Wei", SECRET)
    assert a == pseudonym(" wang wei ", SECRET) and a != pseudonym("Wang Wei", b"another key")
    assert "Wang" not in a


def _with_pii(tmp_path):
    cands = TABLES["candidates"].replace("candidate_id,job_id", "candidate_id,姓名,手机,job_id", 1)
    lines = cands.splitlines()
    people = ["王伟,13912345678", "Li Na,13800001111", "Zhang San,", "Ana Lopez,+1 415 555 0101", "Bo Chen,13700002222"]
    cands = "\n".join([lines[0]] + [ln.replace(",", f",{p},", 1) for ln, p in zip(lines[1:], people)]) + "\n"
    cands = cands.replace("C1,", "c1@example.com,", 1)
    tables = {"candidates": cands, "answers": TABLES["answers"].replace("C1,", "c1@example.com,"),
              "ai_decisions": TABLES["ai_decisions"].replace("C1,", "c1@example.com,"),
              "final_rounds": TABLES["final_rounds"].replace("C1,", "c1@example.com,"),
              "outcomes": TABLES["outcomes"].replace("C1,", "c1@example.com,")}
    return write_dataset(tmp_path / "data", tables)


def test_personal_data_never_reaches_the_dataset_but_records_still_join(tmp_path):
    folder = _with_pii(tmp_path)
    report = validate_dataset(folder)
    assert report.ok, [str(e) for e in report.errors]
    assert any("姓名 (name)" in n and "手机 (phone)" in n for n in report.notes)
    data = load(folder)
    cands = data.candidates
    flat = cands.to_csv()
    assert "王伟" not in flat and "13912345678" not in flat and "c1@example.com" not in flat
    pid = pseudonym("c1@example.com", SECRET)
    assert pid in set(cands["candidate_id"]) and pid in set(data.answers["candidate_id"])
    assert len(data.answers) == 10  # nothing orphaned by the pseudonyms


def test_the_quarantine_holds_no_personal_data(tmp_path):
    folder = _with_pii(tmp_path)
    path = folder / "candidates.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("2026-01-06", "not a date"), encoding="utf-8")
    everything = load(folder).quarantine
    q = everything[everything["table"] == "candidates"]
    assert len(q) == 1  # (its answers and decisions follow it into the quarantine)
    raw = json.loads(q["raw"].iloc[0])
    assert raw["姓名"].startswith("P") and "Li Na" not in everything.to_csv()


def test_keep_pii_keeps_them(tmp_path):
    folder = _with_pii(tmp_path)
    report = validate_dataset(folder, keep_pii=True)
    assert not any("pseudonymised" in n for n in report.notes)


@pytest.mark.parametrize(("text", "hidden", "kept"), [
    ("My name is Wang Xiaoming, call me at 139 1234 5678.", ["Wang Xiaoming", "139 1234 5678"], ["call me at"]),
    ("我叫王小明，电话13912345678，邮箱wxm@example.com", ["王小明", "13912345678", "wxm@example.com"], ["电话"]),
    ("I raised revenue 35% in 2023 across 12 stores.", [], ["35%", "2023", "12 stores"]),
])
def test_redaction_masks_personal_data_and_keeps_the_rest(text, hidden, kept):
    out = redact(text)
    assert all(h not in out for h in hidden) and all(k in out for k in kept)


def test_pseudonymise_leaves_ordinary_ids_alone():
    frame = pd.DataFrame({"candidate_id": ["C1", "C2"], "score": ["3", "4"]})
    out, done = pseudonymise(frame, secret=SECRET)
    assert out.equals(frame) and done == []
