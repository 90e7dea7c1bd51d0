"""The auditor and review reports: escaped, offline, no names or contacts, byte-identical apart from the date."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from workbench.report import write_reports
from workbench.report.pages import DATE_LINE_PREFIX, redact_text
from workbench.simulate import simulate, small_config, write_simulation
from workbench.data import load

PAYLOAD = "<script>alert('x')</script> call me at jane.doe@example.com or +1 555 123 4567"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reportdata")
    sim = simulate(small_config(n_candidates=700, seed=7))
    answers = sim.tables["answers"]
    first = sorted(answers["candidate_id"])[0]
    answers.loc[answers["candidate_id"] == first, "answer_text"] = PAYLOAD
    write_simulation(sim, folder)
    return load(folder)


@pytest.fixture(scope="module")
def pages(dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    paths = write_reports(dataset, out, n_boot=100, weight_boot=20, detailed_audits=False)
    return {p.name: p.read_text(encoding="utf-8") for p in paths}


def test_both_reports_written(pages):
    assert set(pages) == {"auditor_report.html", "review_report.html"}
    auditor = pages["auditor_report.html"]
    for needle in ("SHA-256", "Period", "Profiles", "numpy", "Bias audit", "Validity evidence",
                   "Questions proposed for removal", "Weight proposal", "Model card", DATE_LINE_PREFIX):
        assert needle in auditor


def test_candidate_text_is_escaped_and_redacted(pages):
    review = pages["review_report.html"]
    assert "&lt;script&gt;alert(" in review  # the answer is shown, escaped
    for page in pages.values():
        assert "<script>alert(" not in page
        assert "jane.doe@example.com" not in page and "555 123 4567" not in page
        assert not re.search(r"[\w.+-]+@[\w-]+\.(com|org|net|cn)\b", page.split("</head>")[1])


def test_offline_and_plotly_inlined_once(pages):
    for page in pages.values():
        assert page.count("plotly.js v") <= 1 and "Plotly.newPlot" in page
        assert page.count("<script>/**\n* plotly.js") + page.count("<script>") >= 1
        assert not re.search(r"<(script|link|img)[^>]+(src|href)=[\"']?https?://", page)
        assert page.count('data-figure="fig-') >= 2


def test_plotly_library_appears_once(pages):
    import plotly

    for page in pages.values():
        assert page.count("plotly.js v" + plotly.offline.get_plotlyjs_version()) == 1


def test_same_bytes_apart_from_the_date_line(dataset, pages, tmp_path):
    again = write_reports(dataset, tmp_path, n_boot=100, weight_boot=20, detailed_audits=False,
                          today=dt.date(2000, 1, 2))
    for path in again:
        new, old = path.read_text(encoding="utf-8").splitlines(), pages[path.name].splitlines()
        diff = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
        assert len(diff) == 1 and all(x.startswith(DATE_LINE_PREFIX) for x in diff[0])
        assert "2000-01-02" in diff[0][1]


def test_redact_text():
    assert redact_text("see https://x.example/p and a@b.co") == "see [link] and [email]"
    assert redact_text("x" * 500, limit=10).endswith("…")
