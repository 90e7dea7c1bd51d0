"""The review-queue app (notebooks/09_review_queue): the widget shows what workbench.review.queue computes, writes
through record_decision (append-only, to the chosen decisions file), escapes what it shows; one real browser run
under Voila (marked browser)."""

from __future__ import annotations

import csv
import dataclasses
import html
import os
import re
import subprocess

import pytest

from tests.voila_support import ROOT, chromium_browser, chromium_page, free_port, stop_process, wait_http  # noqa: F401
from workbench.apps.review_queue import DEMO_DECISIONS, build_review_queue, decisions_dataset
from workbench.apps.serve import APPS, landing_page
from workbench.data.load import load
from workbench.review import queue as rq
from workbench.review.overrides import override_counts
from workbench.simulate import simulate, small_config, write_simulation

JOB = "product_manager"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    write_simulation(simulate(small_config(n_candidates=300, seed=4, answer_texts=False)), folder)
    return folder


@pytest.fixture()
def app_and_file(data_dir, tmp_path):
    """An app on the simulated data whose decisions go to a fresh folder (the dataset's own stays untouched)."""
    app = build_review_queue(data_dir, JOB, "rev-1", tmp_path / "decisions")
    return app, tmp_path / "decisions" / rq.DECISIONS_FILE


def _rows(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr[^>]*data-candidate="([^"]+)" data-status="([^"]+)"', html)


def _read(path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_queue_shown_is_borderline_queue_of_the_job(data_dir, app_and_file):
    app, _ = app_and_file
    direct = rq.borderline_queue(load(data_dir), JOB)
    assert [c for c, _ in _rows(app.queue_box.value)] == list(direct["candidate_id"])
    assert [v for _, v in app.candidate.options] == list(direct["candidate_id"])
    assert all(re.fullmatch(r"C\d+", c) for c in direct["candidate_id"])  # pseudonymous ids only
    band = direct.attrs["bands"][0]
    assert f"{band['band_low']:.2f}" in app.band_box.value and f"{len(direct)} candidates" in app.band_box.value
    app.job.value = "regional_sales_manager"
    other = rq.borderline_queue(load(data_dir), "regional_sales_manager")
    assert [c for c, _ in _rows(app.queue_box.value)] == list(other["candidate_id"])


def test_recording_appends_to_the_decisions_file_and_updates_the_page(data_dir, app_and_file):
    app, path = app_and_file
    first = app.candidate.value
    app.decision.value, app.note.value = "fail", "thin examples"
    app.record.click()
    assert not (data_dir / rq.DECISIONS_FILE).exists()  # written to decisions_path, not the dataset
    lines = _read(path)
    assert [(r["candidate_id"], r["decision"], r["reviewer"], r["note"]) for r in lines] == \
        [(first, "fail", "rev-1", "thin examples")]
    assert dict(_rows(app.queue_box.value))[first] == "decided"
    assert f'data-candidate="{first}" data-decision="fail"' in app.decisions_box.value
    assert app.candidate.value != first and app.decision.value is None and app.note.value == ""  # next pending
    # a second decision for the same candidate is appended; the first line stays as it was and is superseded
    before = path.read_text(encoding="utf-8")
    app.candidate.value = first
    app.decision.value = "pass"
    app.record.click()
    assert path.read_text(encoding="utf-8").startswith(before) and len(_read(path)) == 2
    assert app.decisions_box.value.count("superseded") == 1
    assert rq.decisions(app.dataset).set_index("candidate_id").loc[first, "decision"] == "pass"


def test_override_counts_are_those_of_the_decisions_applied(data_dir, app_and_file):
    app, _ = app_and_file
    frame = app.frame.set_index("candidate_id")
    cid = frame.index[0]
    overturn = "fail" if frame.loc[cid, "ai_decision"] == "pass" else "pass"
    before = override_counts(rq.apply_decisions(app.dataset), app.dataset.candidates)["by_job"][JOB]["overridden"]
    app.candidate.value, app.decision.value = cid, overturn
    app.record.click()
    applied = rq.apply_decisions(app.dataset)
    counts = override_counts(applied, app.dataset.candidates)["by_job"][JOB]
    assert counts["overridden"] == before + 1
    job_row = re.search(r'<tr data-scope="job">(.*?)</tr>', app.overrides_box.value).group(1)
    shown = dict(re.findall(r'data-key="(\w+)">([\d,]+)<', job_row))
    assert {k: int(v.replace(",", "")) for k, v in shown.items()} == \
        {k: counts[k] for k in ("decisions", "reviewed", "overridden", "overridden_to_pass", "overridden_to_fail")}
    assert f"holds {applied.attrs['applied']} decision(s)" in app.overrides_box.value


def test_nothing_is_written_without_a_decision_or_a_reviewer(data_dir, tmp_path):
    app = build_review_queue(data_dir, JOB, "", tmp_path)
    app.record.click()
    assert 'data-testid="status"' in app.status.value and "pass or fail" in app.status.value
    app.decision.value = "pass"
    app.record.click()
    assert "reviewer" in app.status.value and not (tmp_path / rq.DECISIONS_FILE).exists()
    app.reviewer.value = "rev-2"
    app.record.click()
    assert len(_read(tmp_path / rq.DECISIONS_FILE)) == 1 and app.recorded["reviewer"] == "rev-2"


@pytest.mark.parametrize("evil", ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "\"'><b>x</b>"])
def test_answers_and_notes_are_escaped(data_dir, tmp_path, evil):
    ds = load(data_dir)
    first = rq.borderline_queue(ds, JOB)["candidate_id"].iloc[0]
    answers = ds.answers.copy()
    answers.loc[answers["candidate_id"] == first, "answer_text"] = evil
    app = build_review_queue(dataclasses.replace(ds, answers=answers), JOB, "rev-1", tmp_path)
    assert app.candidate.value == first
    assert evil not in app.answers_box.value and html.escape(evil, quote=True) in app.answers_box.value
    app.decision.value, app.note.value = "pass", evil
    app.record.click()
    assert evil not in app.decisions_box.value and html.escape(evil, quote=True) in app.decisions_box.value
    assert _read(tmp_path / rq.DECISIONS_FILE)[0]["note"] == " ".join(evil.split())  # the file keeps the text


def test_pending_only_and_chinese_labels(data_dir, app_and_file):
    app, _ = app_and_file
    assert app.lang.value == "en" and app.record.description == "Record decision"
    first = app.candidate.value
    app.decision.value = "pass"
    app.record.click()
    app.pending_only.value = True
    shown = dict(_rows(app.queue_box.value))
    assert first not in shown and set(shown.values()) == {"pending"}
    app.lang.value = "zh"
    assert app.record.description == "记录决定" and "待复核" in app.queue_box.value
    assert [label for label, _ in app.decision.options] == ["通过", "不通过"]
    assert "已作出的决定" in app.decisions_box.value and "人工复核与推翻" in app.overrides_box.value


def test_decisions_path_forms(data_dir, tmp_path):
    ds = load(data_dir)
    assert decisions_dataset(ds).path == ds.path
    as_file = decisions_dataset(ds, tmp_path / "x" / rq.DECISIONS_FILE)
    assert as_file.path == tmp_path / "x" and as_file.answers is ds.answers
    with pytest.raises(ValueError, match="review_decisions.csv"):
        decisions_dataset(ds, tmp_path / "other.csv")
    assert decisions_dataset(ds, demo=True).path == DEMO_DECISIONS  # the committed demo data is never written
    with pytest.raises(ValueError, match="no profile"):
        build_review_queue(ds, "no_such_job", "r", tmp_path)


def test_registered_as_an_app_on_the_start_page():
    assert APPS["review_queue"] == "09_review_queue.ipynb"
    entry = next(e for s in landing_page(["09_review_queue.ipynb"])["sections"] for e in s["entries"])
    assert entry["name"]["zh"] == "人工复核队列" and entry["for"]["en"] and entry["shows"]["zh"]


# ------------------------------------------------------------------------------------------- browser (Voila)

@pytest.fixture(scope="module")
def review_page(tmp_path_factory, data_dir):
    """Voila serving a copy of 09_review_queue with its parameters set (the simulated data, decisions into a
    temporary folder, as papermill injects them), on a free 127.0.0.1 port; yields (url, decisions file)."""
    pytest.importorskip("voila", reason="browser test skipped: voila is not installed")
    nbformat = pytest.importorskip("nbformat")
    from workbench.apps.serve import voila_command

    root = tmp_path_factory.mktemp("review_nb")
    decisions = root / "decisions"
    nb = nbformat.read(ROOT / "notebooks" / APPS["review_queue"], as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell(
        f"dataset_path = {str(data_dir)!r}\njob_id = {JOB!r}\nreviewer = 'rev-browser'\n"
        f"decisions_path = {str(decisions)!r}", metadata={"tags": ["injected-parameters"]}))
    (root / "nb").mkdir()
    nbformat.write(nb, root / "nb" / APPS["review_queue"])
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(voila_command(port=port, notebooks_dir=root / "nb", show_tracebacks=True), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_http(base, proc=proc)
        yield base + "voila/render/" + APPS["review_queue"], decisions / rq.DECISIONS_FILE
    finally:
        stop_process(proc)


@pytest.mark.browser
def test_browser_records_a_decision_lists_it_and_writes_the_file(review_page, chromium_page):
    url, path = review_page
    page = chromium_page
    page.goto(url)
    page.locator("[data-testid=queue] tr[data-candidate]").first.wait_for(timeout=90_000)
    first = page.locator("[data-testid=queue] tr.sel").get_attribute("data-candidate")  # the one chosen
    assert re.fullmatch(r"C\d+", first) and page.locator(".wb-rq-candidate select").input_value().startswith(first)
    page.locator(".wb-rq-decision button", has_text="fail").click()
    page.locator(".wb-rq-note textarea").fill("needs <b>evidence</b>")
    page.locator("button.wb-rq-record").click()
    row = page.locator(f"[data-testid=decisions] tr[data-candidate='{first}']")
    row.wait_for(timeout=30_000)
    assert "needs <b>evidence</b>" in row.inner_text() and row.get_attribute("data-decision") == "fail"
    assert page.locator(f"[data-testid=queue] tr[data-candidate='{first}']").get_attribute("data-status") == "decided"
    lines = _read(path)
    assert [(r["candidate_id"], r["decision"], r["reviewer"], r["note"]) for r in lines] == \
        [(first, "fail", "rev-browser", "needs <b>evidence</b>")]
    assert page.errors == [] and page.external == []
