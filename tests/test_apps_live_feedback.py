"""The live-feedback app: widget behaviour (fast) and a real browser run under Voila (marked browser)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.apps import build_live_feedback
from workbench.apps.live_feedback import render_hints, render_star, render_text
from workbench.feedback import analyze

NO_RESULT = "Last year our onboarding was confusing. I had to fix it. I interviewed users and rewrote the guide."
WITH_RESULT = NO_RESULT + " Activation rose 20% in a month."


def test_builder_is_lazy_registry_entry():
    app = build_live_feedback()
    assert app.job.value in app.job.options
    assert app.question.options, "the demo job has rubric questions"
    assert app.answer.continuous_update


@pytest.mark.parametrize("text, present_kind, absent_kind", [
    (NO_RESULT, "missing_result", "praise_quantified"),
    (WITH_RESULT, "praise_quantified", "missing_result"),
    ("I am a hard worker.", None, "missing_result"),
])
def test_hints_follow_the_text(text, present_kind, absent_kind):
    app = build_live_feedback("product_manager")
    app.answer.value = text
    if present_kind:
        assert f'data-kind="{present_kind}"' in app.hints.value
    assert f'data-kind="{absent_kind}"' not in app.hints.value


def test_switching_question_resets_session_and_records_prompting():
    app = build_live_feedback("product_manager")
    app.answer.value = NO_RESULT
    assert app.prompt_log()["prompt_kind"] == "missing_result"
    app.question.value = app.question.options[-1][1]
    assert app.prompt_log()["prompted"] in (True, False)


@pytest.mark.parametrize("evil", ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "\"'><b>x</b>"])
def test_everything_shown_is_escaped(evil):
    text = f"Last year I had to fix {evil} at my job. I rewrote it. Sales rose 10%."
    a = analyze(text, profile="product_manager")
    for html_out in (render_text(a, text), render_hints(a), render_star(a)):
        assert "<script>" not in html_out and "<img" not in html_out and "<b>x" not in html_out
    assert "&lt;script&gt;" in render_text(a, text) or "&lt;img" in render_text(a, text) or "&lt;b&gt;" in render_text(a, text)


def test_keywords_highlighted():
    a = analyze("I shipped the release before the deadline with a smaller scope.", profile="product_manager")
    out = render_text(a, "I shipped the release before the deadline with a smaller scope.")
    assert '<mark class="wb-kw"' in out and ">shipped</mark>" in out


# ------------------------------------------------------------------------------------------------ browser
# Server and browser plumbing is shared with the other app tests (tests/voila_support.py); the notebook is
# written to tmp_path so that this test does not depend on notebooks/ (written concurrently by others).
from tests.voila_support import chromium_browser, chromium_page, free_port, stop_process, wait_http  # noqa: E402,F401

NOTEBOOK = {
    "cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
               "source": ["from workbench.apps import build_live_feedback\n", "build_live_feedback('product_manager')"]}],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                 "language_info": {"name": "python"}},
    "nbformat": 4, "nbformat_minor": 5,
}


@pytest.mark.browser
@pytest.mark.slow
def test_voila_live_feedback_in_headless_chromium(tmp_path, chromium_page):
    pytest.importorskip("voila", reason="browser test skipped: voila is not installed")
    nb = tmp_path / "live.ipynb"
    nb.write_text(json.dumps(NOTEBOOK), encoding="utf-8")
    port = free_port()
    # the jupytext lab extension fails to load under Voila (module federation error in the console)
    cmd = [sys.executable, "-m", "voila", str(nb), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
           "--VoilaConfiguration.extension_denylist=jupyterlab-jupytext"]
    proc = subprocess.Popen(cmd,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            cwd=str(Path(__file__).resolve().parents[1]))
    page = chromium_page
    try:
        wait_http(f"http://127.0.0.1:{port}/", proc=proc)
        page.goto(f"http://127.0.0.1:{port}/", timeout=60_000)
        box = page.locator(".wb-answer textarea")
        box.wait_for(timeout=60_000)
        box.click()
        box.type(NO_RESULT, delay=2)
        page.locator('[data-kind="missing_result"]').wait_for(timeout=20_000)
        assert page.locator('[data-part="R"][data-present="0"]').count() == 1
        box.type(" Activation rose 20% in a month.", delay=2)
        page.locator('[data-kind="missing_result"]').wait_for(state="detached", timeout=20_000)
        assert page.locator('[data-part="R"][data-present="1"]').count() == 1
    finally:
        stop_process(proc)
    assert not page.errors, f"browser console errors: {page.errors}"


def test_live_feedback_starts_with_a_question_in_the_jobs_language_and_honours_parameters():
    from workbench.apps.live_feedback import build_live_feedback
    from workbench.data.provenance import demo_path

    app = build_live_feedback("regional_sales_manager", demo_path())
    assert app.job.value == "regional_sales_manager" and app.question.value is not None
    label = app.question.label
    assert any("\u4e00" <= ch <= "\u9fff" for ch in label)  # the Chinese job's questions in Chinese
    app.answer.value = "去年在某快消公司，我负责华东区的大客户续约。我先拜访了客户，然后重新谈了价格。最后续约率提升了20%。"
    assert app.analysis is not None and app.analysis.question_kind in ("behavioral", "situational")
    assert "关键词" in app.highlighted.value  # the legend
    pm = build_live_feedback("product_manager")
    assert pm.question.value["question_id"].startswith("pm_")


def test_the_language_switch_changes_every_label_hint_and_question():
    app = build_live_feedback("product_manager")
    assert app.lang.value == "en" and app.question.description == "Question"
    app.answer.value = NO_RESULT
    en_hint, en_question = app.hints.value, app.question.label
    app.lang.value = "zh"
    assert app.question.description == "问题" and app.job.description == "岗位" and "请" in app.answer.placeholder
    assert any("\u4e00" <= ch <= "\u9fff" for ch in app.question.label) and app.question.label != en_question
    assert app.question.value["question_id"] in en_question  # the same question, reworded
    assert "结果" in app.meter.value and "Result" not in app.meter.value
    assert 'data-kind="missing_result"' in app.hints.value and app.hints.value != en_hint
    assert "关键词" in app.highlighted.value and "keyword of the job profile" not in app.highlighted.value
    app.lang.value = "en"
    assert app.question.label == en_question and app.hints.value == en_hint


def test_the_chinese_job_starts_in_chinese_with_its_bank_questions():
    from workbench.questions import load_bank

    app = build_live_feedback("regional_sales_manager")
    bank = load_bank("regional_sales_manager")
    assert app.lang.value == "zh"
    assert [q["question_id"] for _, q in app.question.options] == [q.question_id for q in bank.questions if q.active]
    assert bank.questions[0].text["zh"] in app.question.label


def test_praise_stays_while_its_reason_holds_and_goes_when_an_edit_removes_it():
    app = build_live_feedback("product_manager")
    app.answer.value = WITH_RESULT
    assert 'data-kind="praise_quantified"' in app.hints.value
    for extra in (" The team", " The team liked", " The team liked it."):  # keystrokes that keep the number
        app.answer.value = WITH_RESULT + extra
        assert 'data-kind="praise_quantified"' in app.hints.value, extra
    app.answer.value = NO_RESULT + " Activation rose in a month."  # the number deleted
    assert 'data-kind="praise_quantified"' not in app.hints.value


def test_holdout_withholds_every_hint_and_tells_the_researcher_only():
    from workbench.review.holdout import HoldoutPolicy

    policy = HoldoutPolicy(share=0.5, seed=0)
    ids = [f"C{i:06d}" for i in range(40)]
    held = next(c for c in ids if not policy.show_hint(c, "pm_q01"))
    shown = next(c for c in ids if policy.show_hint(c, "pm_q01"))
    for cid, arm in ((held, "holdout"), (shown, "hint")):
        app = build_live_feedback("product_manager", holdout=policy, candidate_id=cid, researcher=True)
        assert app.question_id == "pm_q01"
        app.answer.value = NO_RESULT
        log = app.prompt_log()
        assert log["hint_eligible"] and log["assignment"] == "random" and log["held_out"] == (arm == "holdout")
        assert (app.hints.value.count("data-kind=") == 0) == (arm == "holdout") and log["prompted"] == (arm == "hint")
        assert f'data-arm="{arm}"' in app.researcher.value and app.researcher in app.children
    candidate_view = build_live_feedback("product_manager", holdout=policy, candidate_id=held)
    assert candidate_view.researcher not in candidate_view.children  # the candidate never sees the arm


def test_the_dataset_parameter_chooses_the_jobs(tmp_path):
    import shutil

    from workbench.data.provenance import demo_path

    (tmp_path / "profiles").mkdir()
    shutil.copy(demo_path() / "profiles" / "regional_sales_manager.yaml", tmp_path / "profiles")
    app = build_live_feedback(None, tmp_path)
    assert list(app.job.options) == ["regional_sales_manager"] and app.job.value == "regional_sales_manager"


# ----------------------------------------------------------------------------------------------- warm-up
WARM_UP_PROBE = """
import json, threading, spacy
builds = []
blank = spacy.blank
def recording_blank(lang, *args, **kwargs):
    builds.append([lang, threading.current_thread().name])
    return blank(lang, *args, **kwargs)
spacy.blank = recording_blank
from workbench.apps.live_feedback import build_live_feedback
app = build_live_feedback({job!r})
at_paint = [b for b in builds if b[1] == "MainThread"]
n = len(builds)
app.answer.value = {first!r}
first = [b for b in builds[n:] if b[1] == "MainThread"]
app.warming.join(120)
n = len(builds)
app.lang.value = {other_lang!r}
app.answer.value = {other!r}
print(json.dumps({{"at_paint": at_paint, "first": first, "background": [b for b in builds if b[1] != "MainThread"],
                  "after": builds[n:], "analysed": app.analysis is not None and app.analysis.language}}))
"""


@pytest.mark.parametrize("job,first,other_lang,other", [
    ("product_manager", "Last year our churn kept rising. I had to fix it.", "zh", "去年我负责华东区的大客户续约。"),
    ("regional_sales_manager", "去年我负责华东区的大客户续约。", "en", "Last year our churn kept rising. I had to fix it."),
])
def test_the_jobs_language_is_warm_at_paint_and_the_other_in_the_background(job, first, other_lang, other):
    """Fresh process: building the app loads the job's language pipeline only, so the first keystroke (in that
    language) builds nothing; the other language's pipeline is built by the warming thread, so switching
    language and typing builds nothing either."""
    lang = "en" if other_lang == "zh" else "zh"
    code = WARM_UP_PROBE.format(job=job, first=first, other_lang=other_lang, other=other)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=str(Path(__file__).resolve().parents[1]))
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert [b[0] for b in got["at_paint"]] == [lang]  # the other language is not loaded before the paint
    assert got["first"] == [] and got["after"] == []
    assert [b for b in got["background"]] == [[other_lang, "live-feedback-warm-up"]]
    assert got["analysed"] == other_lang


def test_under_ipython_the_warming_starts_after_the_cell(monkeypatch):
    import IPython

    from workbench.apps import live_feedback as lf

    class Events:
        def __init__(self):
            self.callbacks = []

        def register(self, event, fn):
            assert event == "post_run_cell"
            self.callbacks.append(fn)

        def unregister(self, event, fn):
            self.callbacks.remove(fn)

    shell = type("Shell", (), {"events": Events()})()
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    warmed = []
    monkeypatch.setattr(lf, "_warm", warmed.append)
    app = build_live_feedback("product_manager")
    assert app.warming is not None and len(shell.events.callbacks) == 1
    app.warming.join(0.5)
    assert app.warming.is_alive() and warmed == ["en"]  # the job's language only, while the cell runs
    for fn in list(shell.events.callbacks):
        fn(None)  # the cell has finished
    app.warming.join(120)
    assert not app.warming.is_alive() and warmed == ["en", "zh"] and shell.events.callbacks == []
    assert lf.build_live_feedback("product_manager", warm=False).warming is None
