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


# --- the modules' sentences in Chinese (messages.yaml) -------------------------------------------------------

# one example a module writes (its f-string with sample values) for every entry of the catalogue
FIGURE_EXAMPLES = (  # the words of workbench.plots' figures on the pages
    "Validity per question: corrected r with 95% CI (open circle: observed, range-restricted)",
    "correlation with the criterion", "verdict", "keep", "inconclusive", "validity needed (0.10)", "proposed",
    "weight (sums to 1)", "Funnel of product_manager", "passed the AI interview",
    "Chance of passing the final round by AI-score band", "AI score band (AI-passed candidates only)",
    "passed the final round", "Rates by period (95% CIs)", "final-round pass rate of the AI-passed",
    "hires performing >= 3", "Lowest impact ratio of the AI decision per attribute, by period", "four-fifths (0.80)",
)
MESSAGE_EXAMPLES = FIGURE_EXAMPLES + (
    "corrected r = .29, 95% CI [.18, .38] does not lie below .10 and lies above 0 (n = 360): the question predicts",
    "corrected r = .12, 95% CI [-.02, .23] does not lie below .10 but spans 0 (n = 1,360): no evidence either way "
    "that the dimension predicts",
    "corrected r = -.12, 95% CI [-.25, .02] lies below .10 with n = 480; Holm-adjusted p = 0.0031",
    "corrected r = -.12, 90% CI [-.25, .02] lies below .10 with n = 480",
    "no selected candidate has both this question and the criterion; at least 30 needed",
    "only 1 selected candidate has both this AI total and the criterion; at least 30 needed",
    "the dimension or the criterion does not vary among the 45 selected candidates who have both: the correlation "
    "is undefined",
    "Case IV needs the applicant-pool reliability of this question; none was given (ValiditySettings.reliabilities) "
    "and none can be estimated",
    "Case IV is undefined: u² = 0.20 of this question is not above 1 - reliability = 0.35 (its spread among the "
    "selected is smaller than its error variance allows); use Case III",
    "the corrected validity is undefined here or in too many bootstrap resamples (observed r = .05, n = 31): no "
    "interval",
    "the criterion hired is constant among the 40 selected candidates who have it (all passed): no correlation with "
    "it can be computed",
    "Range restriction: final_passed is known only for 360 AI-passed finalists of 1,000 applicants (360 passed the "
    "AI interview; u = SD of the AI total among them / among all = 0.49). Correlations among them (r_observed) "
    "understate validity in the applicant pool, and a useless question looks harmful (negative r) among candidates "
    "selected on the total, so verdicts use r_corrected.",
    "r_corrected: Thorndike Case III through the AI total for questions and dimensions, Case II for the AI total "
    "itself (Pearson-Lawley: assumes linear, homoscedastic relations with the AI total and selection on it alone).",
    "r_corrected: Hunter-Schmidt-Le Case IV (indirect selection on an unknown variable) for questions and "
    "dimensions, with the applicant-pool reliability given in ValiditySettings.reliabilities or, for a dimension, "
    "coefficient alpha of its questions among all applicants; questions without a given reliability get "
    "insufficient_data. Case II for the AI total. Intervals: Fisher-z bounds of r_observed, corrected.",
    "r_corrected = r_observed: no range-restriction correction was asked for (correction='none'); these are "
    "validities among the selected only. Intervals: Fisher z.",
    "retained_12m is pass/fail: r_observed is point-biserial. Both stages run on the latent scale (biserials among "
    "hires, assuming a normal latent criterion; latent means and variance carried through both stages) and "
    "r_corrected is a point-biserial at the estimated applicant-pool retention rate.",
    "final_passed is pass/fail: r_observed is point-biserial. The correction runs on the latent scale (biserial, "
    "assuming a normal latent criterion) and returns a point-biserial at the estimated applicant-pool pass rate "
    "(27%; 44% among the selected), since a point-biserial depends on the pass rate.",
    "hired is pass/fail: r_observed is a point-biserial correlation.",
    "performance exists only for hires: two-stage selection (AI interview, then final round and offer acceptance), "
    "but no final_score is available for the hires who have it, so the second stage (final round) cannot be "
    "corrected. The correction through the AI total removes only the first stage, so r_corrected still "
    "understates applicant-pool validity; read it as a lower bound for valid questions.",
    "performance exists only for hires: two-stage selection (AI interview, then final round and offer acceptance), "
    "but the two-stage correction is used only with correction='case_iii' (here 'none'). The correction through "
    "the AI total removes only the first stage, so r_corrected still understates applicant-pool validity; read it "
    "as a lower bound for valid questions.",
    "p_value: one-sided bootstrap test of H0 'corrected validity >= .10' (small p = evidence the question is below "
    "the minimum; the observed-r t test is not used). p_adjusted: Holm (family-wise error rate) across the 12 "
    "questions with a p-value; dimensions are adjusted among themselves; the total is one test. Verdicts: invalid "
    "when the 95% interval of r_corrected lies below .10 with n >= 30; insufficient_data below n = 30.",
    "p_value and intervals: analytic (this pool is large: 250,000 applicants). Fisher z of r_corrected with its "
    "delta-method standard error through the correction (the first-order variance of the same estimate over a "
    "resampling of all applicants, computed by the engine from per-applicant influence values); one-sided test of "
    "H0 'corrected validity >= .10'. p_adjusted: Benjamini-Hochberg (false discovery rate) across the 12 questions "
    "with a p-value; dimensions among themselves. Verdicts: invalid when the 95% interval lies below .10 with "
    "n >= 30.",
    "p_value: one-sided Fisher-z test of H0 'corrected validity >= .10' (small p = evidence the question is below "
    "the minimum). p_adjusted: Holm (family-wise error rate) across the 12 questions with a p-value; dimensions "
    "among themselves. Verdicts: invalid when the 95% interval lies below .10 with n >= 30.",
    "Every applicant passed the AI interview: there is no range restriction, so r_corrected equals r_observed.",
    "u = 0.93: almost no range restriction, so r_corrected is close to r_observed.",
    "The criterion hired is constant among the 40 selected candidates who have it (all failed): no correlation "
    "with it can be computed; every verdict is insufficient_data.",
    "Only 12 selected candidates have hired; at least 30 are needed for a verdict, so every verdict is "
    "insufficient_data.",
    "7 applicants who did not pass the AI interview have a value for final_passed; they are left out (the "
    "correction assumes the criterion is seen only for the selected).",
    "6 AI decisions differ from 'AI total >= threshold 3.21' (human overrides or another profile version): "
    "selection was not on the total alone, which the correction assumes.",
    "Too few answers for a verdict: pm_q03, pm_q11.",
    "6 AI decision(s) were overturned by human review: selection was not on the AI total alone, so a "
    "range-restriction correction that assumes selection on the total is approximate.",
    "range-restricted: only candidates who passed the AI interview reach the final round, so these figures "
    "describe the AI-passed, not the applicant pool",
    "Observed validities are range-restricted: the criterion exists only for AI-passed candidates, so r among them "
    "understates the applicant-pool validity; r_corrected applies the correction of the validity table (Thorndike "
    "Case III through the AI total, dichotomous for pass/fail, two-stage for performance and retention). Weights "
    "fitted on the selected are unbiased only under linearity.",
    "Projections re-score past applicants with the proposed weights; the proposed weights are projected at the "
    "matched threshold (same pass rate as now) unless stated otherwise.",
    "the current weights pass 100% of applicants at the threshold: the matched threshold is the profile threshold",
    "final-round pass rate of the AI-passed: 66.7% -> 48.1% (-18.6 points, 95% CI -34.2 points to +0.5 points; "
    "Holm-adjusted p = 0.797: consistent with chance)",
    "corrected validity of the AI total (final_passed): 0.30 -> 0.52 (+0.22, 95% CI +0.02 to +0.41; Holm-adjusted "
    "p = 0.012: chance does not explain it)",
    "AI pass rate: 35.0% -> 41.0% (+6.0 points, 95% CI -1.0 points to +13.0 points; no test: no variation)",
    "share of hires performing at or above the cut: n/a -> 94.1% (too little data to compare)",
    "the higher pass rate was bought with a lower final-round pass rate of the AI-passed",
    "the share of hires performing at or above the cut fell too, though within chance",
    "lowest impact ratio by education: 0.86 (associate) -> 0.74 (bachelor vs associate, 0.54-1.03): NEW ADVERSE "
    "IMPACT, below the four-fifths line 0.8 (its CI reaches 1: the sample cannot rule out chance)",
    "job mix shifted (total variation distance 0.06): compare the standardised figures",
    "AI pass rate reweighted to 2025Q1's mix by job: -4.4 points (95% CI -10.4 points to +1.6 points, p = 0.148) "
    "beside the raw -4.4 points",
    "  and by job x gender -8.9 points; race_ethnicity -9.7 points; age_band -9.0 points",
    "within jobs the pass rate did not change beyond chance: the raw change is the job mix",
    "impact ratio female vs male (gender): 0.84 -> 0.75 (-0.09, 95% CI -0.37 to +0.19; Holm-adjusted p = 1: "
    "consistent with chance)",
    "no AI decision records a human override; the corrected validity assumes selection on the AI total alone "
    "(dichotomous Case II).",
    "3 candidate(s) with an AI decision but no period were left out.",
    "all jobs pooled: the validity mixes AI totals of jobs with different thresholds; pass --job for one job.",
    "job pm: no profile, so the validity of its reworded questions per version was not computed",
    "gender=nonbinary: zero selections of 3: impact ratio 0; Fisher's exact test and a 0.5-corrected Katz "
    "interval are used",
    "scoring rate = share of applicants with ai_score above the median of all 2000 applicants in scope (3.081); "
    "2 jobs pooled (audit each job for per-job medians)",
    "scoring rate = share of applicants with ai_score above the median of all 600 applicants in scope (3.066)",
    "Unknown groups are counted and reported but left out of impact ratios; known categories under 2% are listed "
    "and left out of ratios (6 RCNY 5-301(d)); Holm adjustment per table; z = pooled two-proportion test against "
    "the top group, Fisher's exact test where an expected cell count is under 5; CI = Katz log interval of the "
    "impact ratio",
    "CMH: Cochran-Mantel-Haenszel test (continuity-corrected) of each group against the reference across jobs, "
    "with Mantel-Haenszel common risk ratio; Holm-adjusted per attribute",
    "DIF: linear regression of each question score (continuous 1-5) on the rest score (mean of the job's other "
    "questions, purified once) and the group; uniform DIF = group coefficient, non-uniform = group x rest "
    "interaction; Holm-adjusted; flagged at p_adj < 0.05 and |effect| >= 0.2 rubric points; reference = the group "
    "with the highest selection rate",
    "hired: range-restricted: only candidates who passed the AI interview reach the final round, so final-round "
    "and hire figures describe those selected before, not the applicant pool",
    "range-restricted: only candidates who passed the AI interview reach the final round, so final-round and hire "
    "figures describe those selected before, not the applicant pool",
    "diagnostic only: shows what a parity constraint would cost in validity (validity_observed is range-restricted: "
    "only candidates who passed the AI interview reach the final round, so final-round and hire figures describe "
    "those selected before, not the applicant pool)",
    "candidate row quarantined (breaks the data contract)",
    "230 of 2,230 applicants (10.3%) are left out of this audit: 230 no AI decision. The tables describe the 2,000 "
    "in scope only.",
    "gender=female: 120 of 1,010 (11.9%) left out (no AI decision)",
    "race_ethnicity: 4 applicant(s) with an unrecognised value are counted as Unknown (in the Unknown row, not in "
    "the ratios); add the spelling to the vocabulary if it names a category",
    "under 2% of known applicants (1.4%): listed, left out of impact ratios (6 RCNY 5-301(d))",
    "emotion / facial-expression feature: emotion recognition in the workplace is prohibited under EU AI Act "
    "Art. 5(1)(f); remove it from any decision",
    "workbench scoring model (product_manager, final_passed)",
    "ridge regression (L-BFGS-B, non-negative weights on rubric scores) on standardised interview, text, resume "
    "and process features",
    "exact interventional SHAP of a linear model (w_j (x_j - E[x_j])), additive in log-odds",
    "question and dimension scores have non-negative weights (a higher score never counts against a candidate)",
    "Research and decision support: learn from past interviews which answers and scores go with later success, "
    "compare with the profile's weighted sum, and explain both to recruiters and candidates.",
    "HR analytics researchers, recruiters (with the explanations), auditors",
    "Automated rejection without human review, Use for another job or population without re-validation, Any use "
    "of protected attributes or their proxies",
    "AI-passed candidates only (range-restricted)",
    "Range restriction: the criterion exists only for candidates who passed the AI interview, so the model is "
    "trained and cross-validated among them. Its AUC (and the baseline's) describe how well candidates are "
    "ordered within that selected group, not among all applicants, and say nothing direct about applicants the "
    "AI interview rejected. Observed validities are range-restricted: the criterion exists only for AI-passed "
    "candidates, so r among them understates the applicant-pool validity; r_corrected applies the correction of "
    "the validity table (Thorndike Case III through the AI total, dichotomous for pass/fail, two-stage for "
    "performance and retention). Weights fitted on the selected are unbiased only under linearity.",
    "Associations, not causes: a term or score that goes with success is not a reason to coach it.",
    "Trained on past decisions: it can learn the biases of past final-round interviewers.",
    "Proxy screening is univariate per feature plus a joint check per feature block; combinations across blocks "
    "can still carry protected information.",
    "Group metrics on small groups are unstable; groups under the minimum size are not reported.",
    "Protected attributes are used only to audit (proxy screen, metrics by group), never as features.",
    "Candidates may request an explanation and human review (PIPL Art. 24, GDPR Art. 22).",
    "resume files parsed for 80 of 1000 applicants; skill coverage is imputed (median) for the others",
    "proxy of age_band: alone it separates age_band=40+ from the others with AUC 0.98 (>= 0.70); excluded by default",
)
# words a Chinese text keeps as they are: method names, acronyms, the verdict codes it quotes
KEPT_IN_ZH = {"Thorndike", "Case", "III", "II", "IV", "Pearson-Lawley", "Hunter-Schmidt-Le", "Holm",
              "Benjamini-Hochberg", "Fisher", "Fisher-z", "Katz", "Cochran-Mantel-Haenszel", "Mantel-Haenszel",
              "CMH", "DIF", "AUC", "SHAP", "L-BFGS-B", "L2", "GDPR", "RCNY", "AI", "HR", "CI", "SD", "H0",
              "bootstrap", "delta", "alpha", "invalid", "workbench", "ValiditySettings.reliabilities"}


def _message_entries():
    from workbench.report.messages import catalogue

    return list(enumerate(catalogue()[0]))


def _untranslated(zh, carried):
    """English words left in a Chinese rendering: the values the sentence carries (``carried``: its groups; ids,
    codes, numbers; a value the catalogue's terms translate is not kept), quoted codes and the words of
    :data:`KEPT_IN_ZH` aside."""
    from workbench.report.messages import catalogue

    word = r"[A-Za-z][A-Za-z0-9_.+-]*"
    terms = catalogue()[1]
    values = [terms.get(k, {}).get(v, v) for k, v in carried.items() if v]  # a value with a term is translated
    kept = KEPT_IN_ZH | {w for value in values for w in re.findall(word, value)}
    zh = re.sub(r"[\w=]*'[^']*'|--\w+", " ", zh)  # a quoted code or setting (correction='none'), an option
    return [w for w in re.findall(word, zh) if w.strip(".") not in kept and not re.search(r"[_\d]", w) and len(w) > 1]


@pytest.mark.parametrize("index, entry", _message_entries(), ids=lambda v: str(v) if isinstance(v, int) else "")
def test_every_message_entry_matches_a_module_sentence_and_reads_chinese(index, entry):
    from workbench.report.messages import match_message, translate_message

    examples = [s for s in MESSAGE_EXAMPLES if entry.pattern.fullmatch(s)]
    assert examples, f"no example sentence for entry {index} ({entry.source})"
    assert entry.pattern.pattern.startswith("^") and entry.pattern.pattern.endswith("$")
    assert set(re.findall(r"\{(\w+)\}", entry.templates["zh"])) <= set(entry.pattern.groupindex), entry.source
    for s in examples:
        assert match_message(s) is entry, (s, "shadowed by an earlier entry")
        zh = translate_message(s, "zh")
        assert zh != s and _cjk(zh)
        assert _untranslated(zh, entry.pattern.fullmatch(s).groupdict()) == [], (entry.source, zh)
        assert "{" not in zh.replace("{x_j", "").replace("E[x_j]", "")  # every field filled


def test_translate_message_leaves_english_and_unknown_sentences_alone():
    from workbench.report.messages import translate_message

    for s in MESSAGE_EXAMPLES:
        assert translate_message(s, "en") == s
    odd = "a sentence no module writes (n = 3)"
    assert translate_message(odd, "zh") == odd
    assert translate_message(MESSAGE_EXAMPLES[0] + " and more", "zh").endswith(" and more")  # anchored
    assert translate_message(None, "zh") is None and translate_message(0.5, "zh") == 0.5
    with pytest.raises(ValueError):
        translate_message("x", "fr")


def test_a_translated_message_keeps_its_numbers_and_is_escaped_in_a_page():
    from workbench.report.messages import translate_message

    zh = translate_message("only 7 selected candidates have both this dimension and the criterion; at least 30 "
                           "needed", "zh")
    assert "7" in zh and "30" in zh and "维度" in zh and "dimension" not in zh
    note = "u = 0.93: almost no range restriction, so r_corrected is close to r_observed."
    page = render("audit.html.j2", lang="zh", result={"decision": "ai_passed", "notes": [EVIL, note]})
    assert "u = 0.93：几乎没有范围限制" in page and note not in page
    assert EVIL not in page and "&lt;script&gt;alert(" in page  # an unknown sentence: as written, escaped
    assert note in render("audit.html.j2", lang="en", result={"decision": "ai_passed", "notes": [note]})


def _review_messages(review):
    """Every module sentence of a review that a page shows."""
    out = []
    for j in review["jobs"].values():
        v = j["validity"]
        out += [r["reason"] for r in v["questions"] + v["dimensions"]] + [v["total"]["reason"]] + list(v["notes"])
        out += [j["funnel"]["caveat"], *j["warnings"], *((j["weights"] or {}).get("caveats") or [])]
    return out


def _audit_messages(result):
    out = list(result["notes"])
    for t in result["tables"]:
        out += [r["reason"] for r in t["rows"] if r.get("reason") and r["group"] != "Unknown"]
    return out


def _card_messages(card):
    from workbench.report.card import cell

    d, use = card["model_details"], card["intended_use"]
    return [d["name"], d["type"], d["explanations"], d["monotone"], use["primary"], cell(use["users"]),
            cell(use["out_of_scope"]), card["criterion"]["observed_for"], *card["limitations"],
            *card["ethical_considerations"], *[e["reason"] for e in card["data"]["excluded"]]]


@pytest.mark.slow
def test_the_catalogue_matches_what_the_modules_write_now(tmp_path):
    """Drift guard: the sentences a review, an audit and a model card of a small simulation write are all in the
    catalogue (a reworded f-string fails here, not silently in English on a Chinese page)."""
    from workbench.explain import explain_dataset
    from workbench.report.messages import match_message
    from workbench.review import review_dataset

    write_simulation(simulate(small_config(n_candidates=300, seed=3)), tmp_path)
    ds = load(tmp_path)
    review = review_dataset(ds, "final_passed", n_boot=100, weight_boot=5).to_dict()
    sentences = {"review": _review_messages(review)}
    for decision in ("ai_passed", "final_passed"):
        sentences[decision] = _audit_messages(audit(ds, decision).to_dict())
    card = explain_dataset(ds, "final_passed", job_id=next(iter(review["jobs"]))).model_card()
    sentences["card"] = _card_messages(card)
    assert min(len(v) for v in sentences.values()) >= 5
    missing = [(k, s) for k, v in sentences.items() for s in v if s and match_message(s) is None]
    assert missing == []


def _english_sentences(html):
    """Visible pieces of text that hold an English sentence: four English words in a row."""
    return [t for t in _chunks(html) if re.search(r"[A-Za-z][a-z'-]+(?:[ ,;:()]+[A-Za-z][a-z'-]*){3,}", t)]


@pytest.fixture(scope="module")
def demo_zh(tmp_path_factory):
    """The Chinese pages of the demo dataset, with and without the module sentences translated, and the dataset's
    own texts (question texts and answers, shown as written in every language)."""
    from pathlib import Path

    from workbench.data.groups import AUDIT_ATTRIBUTES
    from workbench.report import html as report_html, write_reports
    from workbench.review import review_dataset

    ds = load(Path(__file__).resolve().parents[1] / "datasets" / "demo")
    review = review_dataset(ds, "final_passed", n_boot=100, weight_boot=5)
    audits = {d: audit(ds, d, AUDIT_ATTRIBUTES, skip_invalid=True) for d in ("ai_passed", "final_passed", "hired")}
    out = tmp_path_factory.mktemp("demo_zh")
    kw = {"review": review, "audits": audits, "n_boot": 100, "progress": False}
    write_reports(ds, out / "after", lang="zh", **kw)
    with pytest.MonkeyPatch.context() as mp:
        env = report_html._env()  # the catalogue off: templates bind their filters when loaded, so reload them
        mp.setitem(env.filters, "msg", lambda text, lang="en": text)
        mp.setattr(env, "cache", None)
        mp.setattr(env, "bytecode_cache", None)
        write_reports(ds, out / "before", lang="zh", **kw)
    data = (set(ds.questions["text"].dropna().astype(str)), set(ds.answers["answer_text"].dropna().astype(str)))
    return out, data


def _is_data(chunk, data):
    questions, answers = data
    return any(q in chunk for q in questions) or chunk.split("：", 1)[-1] in answers


@pytest.mark.slow
def test_chinese_demo_pages_show_fewer_english_sentences(demo_zh):
    """The English sentences of the Chinese demo pages before and after the catalogue: those the modules write
    are gone; what is left is the dataset's own text (question texts, answers)."""
    out, data = demo_zh
    count = {}
    for k in ("before", "after"):
        found = {n: _english_sentences((out / k / n).read_text(encoding="utf-8")) for n in ZH_PAGES}
        count[k] = {n: len(v) for n, v in found.items()}
        count[k + "_modules"] = [t for v in found.values() for t in v if not _is_data(t, data)]
    before, after = sum(count["before"].values()), sum(count["after"].values())
    print(f"English sentences in the zh demo pages: {before} before, {after} after; written by the modules: "
          f"{len(count['before_modules'])} before, {len(count['after_modules'])} after ({count['before']}, "
          f"{count['after']})")
    assert after < before and all(count["after"][n] <= count["before"][n] for n in ZH_PAGES)
    assert len(count["before_modules"]) > 50 and count["after_modules"] == []
    review = " ".join(_chunks((out / "after" / "review_report.html").read_text(encoding="utf-8")))
    assert "range-restricted" not in review and "存在范围限制" in review and "校正后 r = " in review


def test_the_figures_of_the_review_report_read_chinese_in_zh():
    """Every word a figure of the review page carries (title, axes, legend, lines, trace and stage names) is
    given in Chinese by the catalogue: the real figures of workbench.plots, not examples."""
    from workbench.plots import expectancy_figure, funnel_figure, validity_figure, weights_figure
    from workbench.report.messages import localise_figure

    rows = [{"question_id": "q1", "dimension": "d", "r_observed": .2, "r_corrected": .3, "ci_low": .1,
             "ci_high": .5, "verdict": v} for v in ("keep", "inconclusive", "invalid", "insufficient_data")]
    figures = [validity_figure(rows, min_validity=0.1),
               funnel_figure({"job_id": "pm", "n_applicants": 10, "n_ai_passed": 4, "n_final_passed": 2, "n_hired": 1}),
               expectancy_figure([{"low": 1.0, "high": 2.0, "rate": .5, "n": 10, "ci_low": .2, "ci_high": .8}]),
               weights_figure({"d": .5, "e": .5}, {"d": .6, "e": .4}, title="x")]
    for fig in figures:
        fig = localise_figure(fig, "zh")
        texts = [fig.layout.title.text, *(fig.layout[k].title.text for k in ("xaxis", "yaxis")),
                 fig.layout.legend.title.text, *(a.text for a in fig.layout.annotations),
                 *(t.name for t in fig.data if t.name), *(y for t in fig.data if t.type == "funnel" for y in t.y)]
        english = [t for t in texts if t and t != "x" and re.search(r"[A-Za-z]{3,}", re.sub(r"AI|CI|pm", "", t))]
        assert english == [], english
