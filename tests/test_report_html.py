"""HTML audit summary: escaped, offline, no candidate names or contacts, LL144 fields present."""

from __future__ import annotations

import re

import pytest

from workbench import __version__
from workbench.data import load
from workbench.fairness import audit
from workbench.report import dataset_sha256, render, write_audit_report
from workbench.simulate import simulate, small_config, write_simulation

EVIL = "<script>alert('x')</script>"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ds")
    sim = simulate(small_config(n_candidates=400, seed=9, answer_texts=True))
    c = sim.tables["candidates"]
    c = c.assign(name="Zhang Wei Testname", email="zhang.testname@example.com", phone="+86 138 0000 1234")
    c.loc[c.index[:60], "education"] = "doctorate"
    sim.tables["candidates"] = c
    a = sim.tables["answers"]
    a.loc[a.index[0], "answer_text"] = EVIL
    q = sim.tables["questions"]
    q.loc[q["question_id"] == "pm_q05", "text"] = "Tell me <b>about</b> " + EVIL
    write_simulation(sim, folder)
    ds = load(folder)
    # a group label carrying markup (extra category values pass through an in-memory table)
    tables = {n: getattr(ds, n) for n in ("candidates", "questions", "answers", "ai_decisions", "final_rounds",
                                           "outcomes")}
    cand = tables["candidates"].copy()
    cand["team"] = [EVIL if i % 2 else "plain" for i in range(len(cand))]
    tables["candidates"] = cand
    res = audit(tables, by=("gender", "team", "age_band"))
    path = write_audit_report(res, ds, tmp_path_factory.mktemp("out"))
    return path.read_text(encoding="utf-8"), ds


def test_markup_escaped(report):
    html, _ = report
    assert EVIL not in html
    assert "&lt;script&gt;alert(" in html  # the group label, escaped in the tables
    assert "\\u003cscript\\u003e" in html  # and inside the figure JSON


def test_opens_offline_with_plotly_beside_the_page(report, tmp_path):
    html, ds = report
    assert re.findall(r"<script[^>]*\bsrc\s*=\s*\"([^\"]*)\"", html, re.I) == ["plotly.min.js"]
    assert not re.search(r"<link[^>]*href\s*=\s*[\"']https?:", html, re.I)
    assert html.count("Plotly.newPlot") == 1 and len(html.encode("utf-8")) < 1_500_000
    res = audit(ds, by=("gender",), where_from=False)
    path = write_audit_report(res, ds, tmp_path)
    assert (tmp_path / "plotly.min.js").stat().st_size > 1_000_000  # the asset is written beside the page
    inline = write_audit_report(res, ds, tmp_path / "inline", shared_plotly=False).read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc\s*=", inline, re.I) and "plotly.js" in inline.lower()
    assert not (tmp_path / "inline" / "plotly.min.js").exists() and path.exists()


def test_no_candidate_names_or_contacts(report):
    html, _ = report
    for s in ("Zhang Wei Testname", "zhang.testname@example.com", "138 0000 1234"):
        assert s not in html


def test_ll144_fields(report):
    html, ds = report
    assert dataset_sha256(ds) in html and __version__ in html
    assert "Audit date" in html and "Period" in html and "2026Q1" in html
    assert "Unknown category" in html and "Scoring rates" in html
    assert "2000e-2(l)" in html


def test_render_escapes_context():
    assert "&lt;b&gt;" in render("audit.html.j2", result={"decision": "<b>x</b>"})


def test_labels_glossary_and_note_column(report):
    html, _ = report
    body = html.split("</head>")[1]
    assert "Selection rate: Sex/gender" in body and "Age band" in body and ">Female<" in body
    assert '<th class="note">Note</th>' in body and "td.note, th.note { min-width: 16rem" in html
    assert "<dt>shortfall</dt>" in body and "One selection flips 4/5: one more or one fewer" in body


def test_css_has_a_cjk_fallback_and_print_rules(report):
    html, _ = report
    head = html.split("</head>")[0]
    fonts = re.search(r"font-family:([^;]+);", head).group(1)
    assert "Noto Sans CJK SC" in fonts and "PingFang SC" in fonts and fonts.strip().endswith("sans-serif")
    assert "@page { margin: 12mm; }" in head and "@media print" in head


def test_impact_chart_has_a_legend_and_colours_values_under_four_fifths(report):
    html, _ = report
    fig = re.search(r"var f = (\{.*?\}); if \(window.Plotly\)", html, re.S).group(1)
    import json

    data = json.loads(fig)
    names = [t["name"] for t in data["data"]]
    assert names == ["0.80 or above", "below 0.80 (four-fifths rule)"] and data["layout"]["showlegend"] is True
    below = data["data"][1]
    assert all(x < 0.8 for x in below["x"]) and below["marker"]["color"] == "#c0392b"
    assert all(x >= 0.8 for x in data["data"][0]["x"])
