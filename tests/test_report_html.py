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


# --- every label in English and Chinese; the Chinese pages show none of the English ones -----------------------

LABEL_SECTIONS = ("attributes", "groups", "stages", "scopes", "columns", "card", "ui")
ZH_PAGES = ("auditor_report.html", "review_report.html", "ll144_summary.html", "audit_ai_passed.html",
            "audit_final_passed.html", "audit_hired.html")
# method names a Chinese text keeps as they are
SAME_IN_ZH = {("ui", "cmh_chi2"), ("ui", "adjust_holm"), ("ui", "adjust_bh")}


def _entries():
    from workbench.report.labels import labels

    return [(section, key, entry) for section in LABEL_SECTIONS for key, entry in labels()[section].items()]


def _cjk(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("section", LABEL_SECTIONS)
def test_every_label_has_english_and_chinese_with_the_same_fields(section):
    from workbench.report.labels import labels

    entries = labels()[section]
    assert entries
    for key, entry in entries.items():
        assert isinstance(key, str) and set(entry) == {"en", "zh"}, (section, key)
        en, zh = entry["en"], entry["zh"]
        assert isinstance(en, str) and isinstance(zh, str) and en != "" and zh.strip(" ") != "", key
        assert set(re.findall(r"\{(\w+)\}", en)) >= set(re.findall(r"\{(\w+)\}", zh)), (key, "field only in zh")
        # words are translated: a Chinese label of English words has Chinese in it (method names aside)
        if re.search(r"[A-Za-z]{3,}", re.sub(r"\{\w+\}", "", en)) and (section, key) not in SAME_IN_ZH:
            assert _cjk(zh), (section, key, zh)


def test_a_label_field_fills_each_language():
    from workbench.report.labels import ui_label

    assert ui_label("validity_job", "en", job="pm", n=3, applicants=9, u="0.50") == \
        "pm: 3 candidates with the criterion of 9 applicants (u = 0.50)"
    assert ui_label("validity_job", "zh", job="pm", n=3, applicants=9, u="0.50") == "pm：9 名申请人中有 3 名具有效标数据（u = 0.50）"
    with pytest.raises(KeyError):
        ui_label("no_such_label")


def _chunks(html):
    """The pieces of text a reader sees (scripts, styles and code left out), whitespace collapsed."""
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.skip, self.parts = 0, []

        def handle_starttag(self, tag, attrs):
            self.skip += tag in ("script", "style", "code")

        def handle_endtag(self, tag):
            self.skip -= tag in ("script", "style", "code")

        def handle_data(self, data):
            if not self.skip and data.strip():
                self.parts.append(re.sub(r"\s+", " ", data.strip()))

    p = Text()
    p.feed(html)
    return p.parts


PRODUCT = "Interview Workbench"  # a name, the same in every language
BLANK = "§"


def _english(en):
    """An English label as a whole piece of text (a label with fields: only when two words or more surround
    them), and its runs of two or more English words between the fields (codes such as ``ai_decisions`` and the
    product name aside)."""
    parts = re.split(r"\{\w+\}", re.sub(r"\s+", " ", en.replace(PRODUCT, "{product}")).strip())
    words = lambda t: re.findall(r"(?<![\w])[A-Za-z][A-Za-z'-]+(?![\w])", t)  # noqa: E731
    literal = len(words("".join(parts)))
    whole = None
    if (len(parts) == 1 and literal) or literal >= 2:
        whole = re.compile(".+?".join(re.escape(x) for x in parts))
    return whole, [x.strip(" ,;:.()") for x in parts if len(words(x)) >= 2]


@pytest.fixture(scope="module")
def zh_reports(tmp_path_factory):
    """The Chinese pages, and the same pages with every label blanked (what is left there is written by the
    analysis modules or is data: language-independent text the label checks leave aside)."""
    from workbench.data.groups import AUDIT_ATTRIBUTES
    from workbench.report import labels as labels_module
    from workbench.report import write_reports
    from workbench.report.scope import audit_scopes
    from workbench.review import review_dataset

    folder = tmp_path_factory.mktemp("zhds")
    write_simulation(simulate(small_config(n_candidates=500, seed=5)), folder)
    out = tmp_path_factory.mktemp("zh")
    ds = load(folder)
    review = review_dataset(ds, "final_passed", n_boot=100, weight_boot=10)
    audits = {d: audit(ds, d, AUDIT_ATTRIBUTES, skip_invalid=True) for d in ("ai_passed", "final_passed", "hired")}
    jobs = {k: v for k, v in audit_scopes(ds, audits, AUDIT_ATTRIBUTES)[0].items() if k != "pooled"}
    kw = {"review": review, "audits": audits, "job_audits": jobs, "n_boot": 100, "progress": False}
    write_reports(ds, out, lang="zh", **kw)
    table = labels_module.labels()
    blank = {k: {c: {"en": BLANK, "zh": BLANK} for c in v} if isinstance(v, dict) else v for k, v in table.items()}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(labels_module, "labels", lambda: blank)
        write_reports(ds, out / "blank", lang="zh", **kw)
    return out


def _without_foreign(chunks, blank_chunks, labels_en):
    """``chunks`` with the language-independent text cut out: every piece of the blanked page, except the pieces
    that are an English label (a label written into a template, not looked up)."""
    pieces = {p.strip(" ,;:.()（）：；、") for c in blank_chunks for p in c.split(BLANK)}
    pieces = sorted((p for p in pieces if re.search(r"[A-Za-z]{2}", p)
                     and not any(w is not None and w.fullmatch(p) for w in labels_en)), key=len, reverse=True)
    if not pieces:
        return chunks
    return re.sub("|".join(map(re.escape, pieces)), "\x00", "\n".join(chunks)).split("\n")


@pytest.mark.slow
@pytest.mark.parametrize("name", ZH_PAGES)
def test_chinese_page_shows_no_english_label(zh_reports, name):
    """No heading, column or note of the Chinese page is an English label or holds English label words."""
    html = (zh_reports / name).read_text(encoding="utf-8")
    assert '<html lang="zh-Hans">' in html and BLANK not in html
    chunks = _chunks(html)
    assert sum(_cjk(t) for t in chunks) > 20
    english = {(section, key): _english(entry["en"])
               for section, key, entry in _entries() if entry["en"] != entry["zh"]}
    own = _without_foreign(chunks, _chunks((zh_reports / "blank" / name).read_text(encoding="utf-8")),
                           [w for w, _ in english.values()])
    assert len(own) == len(chunks)
    left = []
    for (section, key), (whole, runs) in english.items():
        left += [(section, key, t) for t in own if whole is not None and whole.fullmatch(t)]
        left += [(section, key, r, t) for t in own for r in runs if r in t]
    assert left == []


@pytest.mark.slow
def test_chinese_pages_word_headings_notes_and_the_model_card(zh_reports):
    pages = {n: " ".join(_chunks((zh_reports / n).read_text(encoding="utf-8"))) for n in ZH_PAGES}
    auditor, review, detail = pages["auditor_report.html"], pages["review_report.html"], pages["audit_ai_passed.html"]
    assert "审计报告：AI 面试" in auditor and "结论说明：" in auditor and "校正效度的置信区间整体高于 0" in auditor
    assert "从不按群体设置不同的通过门槛" in auditor and "数据覆盖情况。" in auditor
    assert "模型详情" in auditor and "局限性" in auditor and "正则化参数 C" in auditor  # the model card's keys
    assert "招聘漏斗" in review and "各题的效度" in review and "权重调整建议" in review and "交叉验证" in review
    assert "偏见审计：AI 面试（ai_passed）" in detail and "缺口人数" in detail and "类别未知：计入并报告人数" in detail
    head = (zh_reports / "auditor_report.html").read_text(encoding="utf-8").split("</head>")[0]
    assert "<title>审计报告：Interview Workbench</title>" in head
