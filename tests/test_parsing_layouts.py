"""Resume parsing on real layouts (issue 16): date forms, years as a union of intervals, entry lines in any
order, two columns and running footers, unbulleted lines (Chinese and English), structured tables, evidence and
grounded probes, proper-name terms, the text of any resume format."""

from __future__ import annotations

import io

import pytest

from workbench.parsing import (entry_spans, experience_intervals, find_ranges, grounded_employer, parse_file,
                               parse_table, parse_with_evidence, proper_name_terms, read_lines, resume_text,
                               text_lines)
from workbench.parsing.extract import extract
from workbench.parsing.layout import gutter, is_page_number
from workbench.parsing.names import drop_proper_names
from workbench.parsing.orgs import is_sentence, org_score
from workbench.parsing.table import map_headers, parse_years
from workbench.records import Dimension, Job, JobProfile, Resume

REF = "2026-03-01"


# ------------------------------------------------------------------------------------------------ dates

@pytest.mark.parametrize("text, want", [
    ("Mar 2019 – Present", ("2019-03", "present")),
    ("March 2019 - present", ("2019-03", "present")),
    ("2019.03-至今", ("2019-03", "present")),
    ("2019.3 - 2020.12", ("2019-03", "2020-12")),
    ("2019年3月—2021年6月", ("2019-03", "2021-06")),
    ("2019年3月-至今", ("2019-03", "present")),
    ("2017年12月‑2018年06月", ("2017-12", "2018-06")),   # U+2011 non-breaking hyphen
    ("03/2019 - 06/2021", ("2019-03", "2021-06")),
    ("03/2019 – now", ("2019-03", "present")),
    ("2019 - now", ("2019", "present")),
    ("2019/03 ~ 2021/06", ("2019-03", "2021-06")),
    ("2018/07/‑present", ("2018-07", "present")),
    ("Sep. 2023 Mar. 2024", ("2023-09", "2024-03")),     # the dash lost by the PDF font
    ("Jan. 2020 to Dec. 2021", ("2020-01", "2021-12")),
    ("since 2019", ("2019", "present")),
    ("2018年至2020年", ("2018", "2020")),
])
def test_every_common_date_range_form(text, want):
    assert [(r.start, r.end) for r in find_ranges(text)] == [want]


def test_years_are_the_union_of_the_dated_intervals_and_come_with_them():
    r = Resume(experience=(Job("A Inc.", "x", "2019-01", "2020-01"), Job("B Ltd.", "y", "2019-06", "2021-01"),
                           Job("C GmbH", "z", "", "2015"), Job("D Co.", "w", "2022-01", "present")))
    years, intervals = experience_intervals(r, reference_date="2023-01-01")
    assert years == 3.0  # 2019-01..2021-01 (overlap counted once) + 2022-01..2023-01; C has no start
    assert intervals == (("2019-01", "2020-01"), ("2019-06", "2021-01"), ("2022-01", "present"))


def test_a_range_split_over_two_lines_with_present_on_the_second():
    r = extract(text_lines("Barry Allen\nEXPERIENCE\nJune 2022 – Software Engineer, Google, Mountain View, CA\n"
                           "Present Developing user interfaces with React.\n"), reference_date=REF)
    assert [(j.employer, j.start, j.end) for j in r.experience] == [("Google", "2022-06", "present")]
    assert r.years_experience == 3.75


# ------------------------------------------------------------------------------------------------ entry lines

@pytest.mark.parametrize("line", [
    "Regional Sales Manager, Acme Beverages Inc. — March 2019 – Present",
    "Acme Beverages Inc. | Regional Sales Manager | 03/2019 - now",
    "March 2019 – Present  Acme Beverages Inc.  Regional Sales Manager",
    "Regional Sales Manager at Acme Beverages Inc., 2019.03 - 至今",
    "Acme Beverages Inc. — Regional Sales Manager (Mar 2019 – Present)",
    "Regional Sales Manager\nAcme Beverages Inc.\nMar 2019 – Present",
])
def test_employer_title_and_dates_in_either_order_and_with_either_separator(line):
    r = extract(text_lines(f"Jane Roe\nEXPERIENCE\n{line}\nGrew revenue by 40% in two years\n"), reference_date=REF)
    assert [(j.employer, j.title, j.start, j.end) for j in r.experience] == [
        ("Acme Beverages Inc.", "Regional Sales Manager", "2019-03", "present")]


def test_degree_then_bare_field_then_school_is_not_swapped():
    r = extract(text_lines("Jane Roe\nEDUCATION\nB.A. Economics, San Diego State University, 2010 - 2014\n"))
    e = r.education[0]
    assert (e.degree_level, e.field, e.school) == ("bachelor", "Economics", "San Diego State University")


@pytest.mark.parametrize("text, lang, score", [
    ("Acme Beverages Inc.", "en", 3), ("上海星辰科技有限公司", "zh", 3), ("Siemens", "en", 2), ("美的集团", "zh", 3),
    ("Regional Sales Manager", "en", 0), ("与大客户谈判签约年度框架合同", "zh", 0), ("Grew revenue by 40%", "en", 0),
])
def test_an_employer_must_look_like_an_organisation(text, lang, score):
    assert org_score(text, lang) == score


@pytest.mark.parametrize("text, lang, sentence", [
    ("与大客户谈判签约年度框架合同", "zh", True), ("负责华东区渠道管理", "zh", True), ("页面国际化，使网站支持中英文一键切换", "zh", True),
    ("北京远航集团", "zh", False), ("销售经理", "zh", False),
    ("Negotiated a $4.2M contract", "en", True), ("Senior Software Engineer", "en", False),
])
def test_sentences_are_told_from_names(text, lang, sentence):
    assert is_sentence(text, lang) is sentence


# ------------------------------------------------------------------------------------------------ unbulleted

ZH_UNBULLETED = """王芳
工作经历
2019年3月—2021年6月 上海星辰科技有限公司 销售经理
与大客户谈判签约年度框架合同
带领5人团队完成年度销售额1200万元，同比增长35%
负责华东区渠道管理
2016.07-2019.02 北京远航集团 销售代表
教育背景
2012.09-2016.06 复旦大学 经济学 本科
"""


def test_unbulleted_chinese_resume():
    r = extract(text_lines(ZH_UNBULLETED), reference_date=REF)
    assert [(j.employer, j.title) for j in r.experience] == [("上海星辰科技有限公司", "销售经理"), ("北京远航集团", "销售代表")]
    assert r.quantified_achievements == ("带领5人团队完成年度销售额1200万元，同比增长35%",)
    assert r.years_experience == round((2021 * 12 + 5 - 2019 * 12 - 2 + 2019 * 12 + 1 - 2016 * 12 - 6) / 12, 2)


def test_unbulleted_english_docx_without_list_markers(tmp_path):
    import docx

    d = docx.Document()
    for text in ["Tomas Berg", "Work Experience", "Logistics Coordinator, Fabrikam Ltd., Oslo — 2018 – 2023",
                 "Planned 300 shipments a month for the northern region.",
                 "Reduced late deliveries by 20% in one year.", "Trained new planners and wrote the handbook.",
                 "Education", "Bachelor of Science in Logistics, University of Bergen, 2011 – 2014"]:
        d.add_paragraph(text)
    p = tmp_path / "cv.docx"
    d.save(p)
    r = parse_file(p, reference_date=REF)
    assert [(j.employer, j.title, j.start, j.end) for j in r.experience] == [
        ("Fabrikam Ltd.", "Logistics Coordinator", "2018", "2023")]
    assert r.quantified_achievements == ("Reduced late deliveries by 20% in one year.",)
    assert r.education[0].school == "University of Bergen"


# ------------------------------------------------------------------------------------------------ PDF layout

def _canvas_pdf(draw) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    draw(c)
    c.save()
    return buf.getvalue()


def _two_column(c) -> None:
    c.setFont("Helvetica-Bold", 24)
    c.drawString(50, 800, "Lee Chen")
    left = ["#EXPERIENCE", "Data Analyst, Globex Inc.", "2020-01 – 2022-01"] + [
        f"- Built report number {i} for the finance team" for i in range(10)]
    right = ["#EDUCATION", "PhD", "Ohio State University", "2014 – 2019", "#SKILLS", "SQL", "Python", "Excel",
             "Tableau", "Figma", "Jira"]
    for x, col, step in ((50, left, 16), (360, right, 21)):   # different leading: rows do not line up
        y = 760
        for ln in col:
            c.setFont("Helvetica-Bold" if ln.startswith("#") else "Helvetica", 14 if ln.startswith("#") else 10)
            c.drawString(x, y, ln.lstrip("#"))
            y -= step
    c.showPage()


def test_two_column_pdf_is_read_column_by_column(tmp_path):
    p = tmp_path / "two.pdf"
    p.write_bytes(_canvas_pdf(_two_column))
    texts = [ln.text for ln in read_lines(p)]
    assert texts.index("- Built report number 9 for the finance team") < texts.index("EDUCATION")
    assert not any("Built report" in t and "Ohio" in t for t in texts)
    r = parse_file(p)
    assert [(j.employer, j.start) for j in r.experience] == [("Globex Inc.", "2020-01")]
    assert (r.education[0].degree_level, r.education[0].school) == ("doctorate", "Ohio State University")


def test_a_right_aligned_date_column_is_not_a_second_column(tmp_path):
    def draw(c):
        c.setFont("Helvetica", 10)
        y = 780
        for i in range(12):
            c.drawString(50, y, f"Analyst {i}, Company {i} Inc.")
            c.drawRightString(545, y, f"{2000 + i} – {2001 + i}")
            c.drawString(60, y - 14, f"- Wrote {i} reports for the sales team in the region")
            y -= 40
        c.showPage()

    p = tmp_path / "one.pdf"
    p.write_bytes(_canvas_pdf(draw))
    texts = [ln.text for ln in read_lines(p)]
    assert "Analyst 3, Company 3 Inc. 2003 – 2004" in texts


def test_running_footers_and_page_numbers_are_removed(tmp_path):
    def draw(c):
        for page in (1, 2):
            c.setFont("Helvetica", 10)
            y = 780
            for i in range(20):
                c.drawString(50, y, f"Body line {page}.{i} about the work done")
                y -= 14
            c.setFont("Helvetica", 8)
            c.drawString(50, 30, f"Jane Roe · Résumé · February {page}, 2026")
            c.drawString(290, 60, f"{page}/2")
            c.showPage()

    p = tmp_path / "footer.pdf"
    p.write_bytes(_canvas_pdf(draw))
    texts = [ln.text for ln in read_lines(p)]
    assert "Body line 2.19 about the work done" in texts
    assert not any("Résumé" in t for t in texts) and "1/2" not in texts and "2/2" not in texts


def test_gutter_on_word_boxes():
    left = [(10.0, 90.0, float(t)) for t in range(100, 400, 12)]
    right = [(110.0, 190.0, float(t)) for t in range(106, 400, 14)]
    assert gutter(left + right, 200)[0] == 100.0
    assert gutter(left, 200) is None
    assert is_page_number("Page 2 of 3") and not is_page_number("Sales 2019")


# ------------------------------------------------------------------------------------------------ tables

def test_structured_xlsx_with_chinese_headers(tmp_path):
    import pandas as pd

    p = tmp_path / "hr.xlsx"
    pd.DataFrame({
        "候选人编号": ["C1", "C2"], "姓名": ["黄强", "李娜"], "最高学历": ["硕士", "本科"], "毕业院校": ["复旦大学", "南京大学"],
        "工作年限": ["6年", "三年"], "技能": ["Python、SQL", "谈判；Excel"],
        "工作经历": ["2019.03-至今 美的集团 大客户经理\n带领5人团队完成销售额1200万元", "2021.07-至今 格力电器股份有限公司 销售代表"],
    }).to_excel(p, index=False)
    a, b = parse_table(p, reference_date=REF)
    assert (a.source.endswith("#C1"), a.name, a.language) == (True, "黄强", "zh")
    assert (a.education[0].degree_level, a.education[0].school, a.years_experience) == ("master", "复旦大学", 6.0)
    assert (a.experience[0].employer, a.experience[0].title) == ("美的集团", "大客户经理")
    assert a.quantified_achievements == ("带领5人团队完成销售额1200万元",) and "SQL" in a.skills
    assert (b.education[0].degree_level, b.years_experience, b.experience[0].employer) == (
        "bachelor", 3.0, "格力电器股份有限公司")


def test_structured_csv_with_english_headers_and_derived_years(tmp_path):
    p = tmp_path / "hr.csv"
    p.write_text("Name,Highest Degree,School,Skills,Work Experience\n"
                 'Ana Lima,Master,Ohio State University,"SQL, Tableau","Data Analyst, Globex Inc. — 2020-01 – 2022-01"\n',
                 encoding="utf-8")
    (r,) = parse_table(p, reference_date=REF)
    assert (r.name, r.education[0].degree_level, r.experience[0].employer, r.years_experience) == (
        "Ana Lima", "master", "Globex Inc.", 2.0)


def test_free_text_tables_still_use_the_text_column(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("candidate_id,resume_text\nC9,\"Ana Lima\\nEXPERIENCE\\nAnalyst, Globex Inc. — 2020 – 2021\"\n",
                 encoding="utf-8")
    (r,) = parse_table(p)
    assert r.experience[0].employer == "Globex Inc." and r.source.endswith("#C9")


@pytest.mark.parametrize("cell, years", [("6", 6.0), ("5+ years", 5.0), ("3.5年", 3.5), ("十二年", 12.0), ("", None)])
def test_years_cells(cell, years):
    assert parse_years(cell) == years


def test_header_mapping_in_both_languages():
    fields = map_headers(["姓名", "Highest education", "SKILLS:", "工作经历", "unrelated"])
    assert fields == {"name": "姓名", "degree_level": "Highest education", "skills": "SKILLS:", "experience": "工作经历"}


# ------------------------------------------------------------------------------------------------ evidence, probes

TWO_JOBS = Resume(
    lines=("Jane Roe", "Summary: 10 years in sales, 3 regions", "EXPERIENCE",
           "Sales Manager, Acme Beverages Inc. — 2019 – Present", "- Negotiated a $4.2M contract using SQL reports",
           "Sales Rep, Globex Foods — 2015 – 2019", "- Won 12 new accounts", "EDUCATION", "B.A. Economics, 2014"),
    experience=(Job("Acme Beverages Inc.", "Sales Manager", "2019", "present"), Job("Globex Foods", "Sales Rep", "2015", "2019")),
    quantified_achievements=("Negotiated a $4.2M contract using SQL reports", "Won 12 new accounts",
                             "Summary: 10 years in sales, 3 regions"))


def test_facts_are_grounded_to_their_entry():
    assert [(e.employer, e.first, e.last) for e in entry_spans(TWO_JOBS)] == [
        ("Acme Beverages Inc.", 3, 4), ("Globex Foods", 5, 6)]
    assert grounded_employer(TWO_JOBS, "Negotiated a $4.2M contract using SQL reports") == "Acme Beverages Inc."
    assert grounded_employer(TWO_JOBS, "Won 12 new accounts") == "Globex Foods"
    assert grounded_employer(TWO_JOBS, "Summary: 10 years in sales, 3 regions") == ""


def _plan(resume: Resume, language: str = "en"):
    from workbench.questions import load_bank, plan_interview

    bank = load_bank("product_manager")
    profile = JobProfile("product_manager", "v1", 3.0, tuple(
        Dimension(d.name, 0.25, {"en": ("sql",), "zh": ("sql",)} if d.name == "data_analysis" else {})
        for d in bank.dimensions))
    return plan_interview(profile, resume, bank, language=language)


def test_probe_names_the_employer_of_the_same_entry():
    probe = [i for i in _plan(TWO_JOBS).adaptive if i.kind == "probe" and i.dimension == "data_analysis"][0]
    assert "Acme Beverages Inc." in probe.text and "Globex" not in probe.text


@pytest.mark.parametrize("language", ["en", "zh"])
def test_probe_must_not_cite_an_employer_it_cannot_ground(language):
    # a parsing error: the parsed employer (Globex Foods) is printed nowhere; the resume says Acme
    wrong = Resume(lines=("Jane Roe", "EXPERIENCE", "Sales Manager, Acme Beverages Inc. — 2019 – Present",
                          "- Negotiated a $4.2M contract using SQL reports"),
                   experience=(Job("Globex Foods", "Sales Manager", "2019", "present"),),
                   quantified_achievements=("Negotiated a $4.2M contract using SQL reports",))
    probe = [i for i in _plan(wrong, language).adaptive if i.kind == "probe" and i.dimension == "data_analysis"][0]
    assert "$4.2M" in probe.text and "Globex" not in probe.text and probe.cites.employer == ""


def test_parse_with_evidence_gives_page_and_line(tmp_path):
    def draw(c):
        c.setFont("Helvetica", 10)
        c.drawString(50, 780, "Lee Chen")
        c.drawString(50, 760, "EXPERIENCE")
        c.showPage()
        c.setFont("Helvetica", 10)
        c.drawString(50, 780, "Data Analyst, Globex Inc.   2020-01 – 2022-01")
        c.drawString(50, 764, "- Cut churn by 12% in 2021")
        c.showPage()

    p = tmp_path / "ev.pdf"
    p.write_bytes(_canvas_pdf(draw))
    r, ev = parse_with_evidence(p)
    got = {e.field: (e.page, e.line, e.entry) for e in ev}
    assert got["experience[0].employer"] == (1, 2, 0)
    assert got["quantified_achievements[0]"] == (1, 3, 0)
    assert r.lines[got["experience[0].employer"][1]].startswith("Data Analyst, Globex Inc.")


# ------------------------------------------------------------------------------------------------ keywords, text

def test_proper_name_terms_exclude_people_employers_and_schools_not_generic_words():
    from workbench.records import Education

    r = Resume(name="Daniel Smith", experience=(Job("Globex Foods Inc.", "Sales Manager"),),
               education=(Education("B.A.", "bachelor", "Economics", "San Diego State University"),))
    terms = proper_name_terms(r)
    assert {"daniel", "smith", "globex"} <= terms
    assert not terms & {"inc", "university", "state", "foods", "sales", "manager", "economics"}
    assert drop_proper_names(["negotiation", "globex", "jennifer", "sql"], r) == ["negotiation", "sql"]


def test_resume_text_reads_every_format_the_parser_reads(tmp_path):
    import docx

    txt = tmp_path / "a.txt"
    txt.write_text("Ana Lima\nGrew sales 40%\n", encoding="utf-8")
    d = docx.Document()
    d.add_paragraph("Ana Lima")
    d.add_paragraph("Grew sales 40%")
    d.save(tmp_path / "a.docx")
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(_canvas_pdf(lambda c: (c.setFont("Helvetica", 10), c.drawString(50, 780, "Ana Lima"),
                                           c.drawString(50, 760, "Grew sales 40%"), c.showPage())))
    for p in (txt, tmp_path / "a.docx", pdf):
        assert resume_text(p).splitlines() == ["Ana Lima", "Grew sales 40%"], p.suffix
