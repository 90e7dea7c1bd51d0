"""Text material for :mod:`workbench.simulate`: answer fragments (STAR parts) and synthetic resumes.

Private helper module: the simulator decides *which* STAR parts an answer has and whether it carries a
quantified result; this module turns those decisions into varied English or Chinese text, and renders
resumes (txt, pdf, docx) whose fields are known. All names, companies and numbers are invented.

Fragments outside the quantified result never contain digits, ``%``, Chinese numerals or 万/亿, so the
``quantified`` ground truth is exactly "a quantified result fragment was generated".

Examples
--------
>>> FRAGMENTS["zh"]["R_quant"][0].format(n=35, m="", k=3)
'最后销售额增长了35%。'
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

import numpy as np

STAR_PARTS = ("S", "T", "A", "R")
NUMERAL_CHARS = frozenset("0123456789%％一二三四五六七八九十百千万亿两")

# {t}: dimension topic, {c}: company; quantified results also use {n}, {m}, {k}.
FRAGMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "S": ("At {c}, {t} kept slipping.", "Customers complained about {t}.", "When I joined {c}, {t} was weak.",
              "Last year we struggled with {t}.", "At {c}, {t} became urgent.", "We had missed our goals on {t}."),
        "T": ("I owned {t}.", "I had to fix {t} before release.", "I had to align everyone on {t}.",
              "My job was to find the root cause.", "I needed a plan the leads accepted."),
        "A": ("I interviewed users and ran a quick test.", "I set weekly check-ins and removed blockers.",
              "I pulled the data and wrote a proposal.", "I split the work into small steps.",
              "I met each stakeholder and agreed priorities.", "I rewrote the spec and cut scope."),
        "R_quant": ("Then {m} improved by {n}%.", "In {k} weeks {m} rose {n}%.", "It added ${n}k in revenue.",
                    "Support tickets fell {n}%.", "That quarter {m} rose {n}%."),
        "R_plain": ("The launch went well.", "The stakeholders were satisfied.", "Things improved after that.",
                    "The customer stayed."),
        "claim": ("I am good at this and always try my best.", "I handle {t} well.", "This is not a problem for me.",
                  "I am a hard worker and a team player."),
        "metric": ("conversion", "retention", "activation", "satisfaction", "on-time delivery"),
        "company": ("Acme", "Northwind", "Globex", "Initech", "Hooli", "Contoso", "Fabrikam", "my last job"),
    },
    "zh": {
        "S": ("去年在{c}，{t}遇到困难。", "我刚到{c}时，{t}没人负责。", "上个季度{t}出了问题。", "当时{t}进展很慢。",
              "在{c}时，{t}是短板。"),
        "T": ("我负责解决{t}。", "我的任务是推进{t}。", "领导让我牵头{t}。", "我要让各方就{t}达成共识。"),
        "A": ("我先拜访客户，再调整方案。", "我每周复盘，逐个沟通。", "我整理数据，提出新报价方案。",
              "我把任务拆分到人，每天跟进。", "我约见决策人，逐条回应顾虑。", "我联合市场部做了促销活动。"),
        "R_quant": ("最后销售额增长了{n}%。", "最终签下{n}万元合同。", "当年回款{n}万元。", "{k}个月内新增客户{n}家。",
                    "区域业绩突破{k}.{n}亿元。"),
        "R_plain": ("最后客户很满意。", "项目顺利推进了。", "之后情况明显好转。", "团队状态越来越好。"),
        "claim": ("我觉得自己做得还不错。", "我做事认真，有责任心。", "这种情况我处理过。", "我会尽力做好{t}。"),
        "metric": ("", "", "", "", ""),
        "company": ("上家公司", "前公司", "某快消公司", "某医药企业", "某家电品牌", "某零售集团"),
    },
}


def render_answers(
    lang: str,
    topics: Sequence[Sequence[str]],
    topic_row: np.ndarray,
    parts: np.ndarray,
    quantified: np.ndarray,
    rng: np.random.Generator,
) -> list[str]:
    """Answer texts for one language: row i gets the STAR parts flagged in ``parts[i]`` (n x 4 bool).

    ``topics[topic_row[i]]`` are the topic phrases for row i; ``quantified[i]`` picks a quantified result
    (only meaningful where the R part is present). Fragment choices come from ``rng`` in one vectorised draw.
    """
    frag = FRAGMENTS[lang]
    n = len(parts)
    sep = " " if lang == "en" else ""
    keys = ("S", "T", "A")
    picks = {k: rng.integers(0, len(frag[k]), n) for k in keys}
    pick_rq = rng.integers(0, len(frag["R_quant"]), n)
    pick_rp = rng.integers(0, len(frag["R_plain"]), n)
    pick_claim = rng.integers(0, len(frag["claim"]), n)
    pick_topic = rng.integers(0, 1 << 30, n)
    pick_company = rng.integers(0, len(frag["company"]), n)
    pick_metric = rng.integers(0, len(frag["metric"]), n)
    nums = rng.integers(5, 90, n)
    ks = rng.integers(2, 10, n)
    s_arr, t_arr, a_arr, r_arr = (parts[:, j].tolist() for j in range(4))
    q_arr = quantified.tolist()
    out: list[str] = []
    append = out.append
    fs, ft, fa = frag["S"], frag["T"], frag["A"]
    frq, frp, fcl, fco, fme = frag["R_quant"], frag["R_plain"], frag["claim"], frag["company"], frag["metric"]
    ps, pt, pa = picks["S"].tolist(), picks["T"].tolist(), picks["A"].tolist()
    prq, prp, pcl, ptp = pick_rq.tolist(), pick_rp.tolist(), pick_claim.tolist(), pick_topic.tolist()
    pco, pme, nl, kl, tr = pick_company.tolist(), pick_metric.tolist(), nums.tolist(), ks.tolist(), topic_row.tolist()
    for i in range(n):
        tl = topics[tr[i]]
        t = tl[ptp[i] % len(tl)]
        bits = []
        if s_arr[i]:
            bits.append(fs[ps[i]].format(t=t, c=fco[pco[i]]))
        if t_arr[i]:
            bits.append(ft[pt[i]].format(t=t))
        if a_arr[i]:
            bits.append(fa[pa[i]])
        if r_arr[i]:
            if q_arr[i]:
                bits.append(frq[prq[i]].format(n=nl[i], m=fme[pme[i]], k=kl[i]))
            else:
                bits.append(frp[prp[i]])
        if not bits:
            bits.append(fcl[pcl[i]].format(t=t))
        text = sep.join(bits)
        if lang == "en" and text[0].islower():
            text = text[0].upper() + text[1:]
        append(text)
    return out


# ----------------------------------------------------------------------------------------------- resumes

ZH_SURNAMES = (("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
               ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
               ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"))
ZH_GIVEN = (("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
            ("强", "qiang"), ("磊", "lei"), ("洋", "yang"), ("艳", "yan"), ("勇", "yong"), ("杰", "jie"),
            ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("志强", "zhiqiang"), ("晓东", "xiaodong"),
            ("海燕", "haiyan"), ("建华", "jianhua"), ("婷婷", "tingting"), ("子涵", "zihan"), ("宇轩", "yuxuan"))
EN_FIRST = ("Emily", "Michael", "Sarah", "David", "Jessica", "James", "Ashley", "Daniel", "Priya", "Wei",
            "Carlos", "Aisha", "Olivia", "Ethan", "Sofia", "Noah", "Maya", "Liam", "Fatima", "Lucas")
EN_LAST = ("Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Martinez", "Chen", "Patel",
           "Nguyen", "Kim", "Lopez", "Wilson", "Anderson", "Taylor", "Okafor", "Rossi")

RESUME_VOCAB = {
    "zh": {
        "degree": {"high_school": ("高中",), "associate": ("大专", "专科"), "bachelor": ("本科", "学士"),
                   "master": ("硕士", "研究生"), "doctorate": ("博士",)},
        "school": {"high_school": ("杭州第二中学", "南京外国语学校", "成都七中"),
                   "associate": ("深圳职业技术学院", "浙江金融职业学院", "广州番禺职业技术学院"),
                   "other": ("复旦大学", "浙江大学", "武汉大学", "中山大学", "南京大学", "四川大学",
                             "华南理工大学", "山东大学", "厦门大学", "湖南大学")},
        "field": ("市场营销", "工商管理", "国际贸易", "经济学", "计算机科学与技术", "统计学"),
        "employer": ("华为技术有限公司", "美的集团", "海尔集团", "顺丰速运", "京东集团", "伊利集团",
                     "蒙牛乳业", "格力电器", "招商银行", "农夫山泉"),
        "title": ("销售代表", "销售主管", "区域销售经理", "大客户经理", "渠道经理", "销售总监助理"),
        "skills": ("大客户销售", "商务谈判", "渠道管理", "CRM", "Excel", "团队管理", "数据分析", "招投标"),
        "achievement": ("{y}年销售额增长{p}%", "签约金额{a}万元", "年度销售冠军，业绩{b}亿元", "新开发经销商{k}家"),
        "email_domain": ("163.com", "qq.com", "126.com", "foxmail.com"),
    },
    "en": {
        "degree": {"high_school": ("High School Diploma",), "associate": ("Associate Degree", "A.A."),
                   "bachelor": ("B.S.", "B.A.", "Bachelor of Science"), "master": ("M.S.", "MSc", "MBA"),
                   "doctorate": ("Ph.D.", "PhD")},
        "school": {"high_school": ("Lincoln High School", "Roosevelt High School"),
                   "associate": ("Santa Monica College", "De Anza College"),
                   "other": ("University of Michigan", "Ohio State University", "University of Texas at Austin",
                             "Boston University", "University of Washington", "Georgia Tech",
                             "Arizona State University", "UC San Diego")},
        "field": ("Computer Science", "Economics", "Business Administration", "Statistics", "Psychology",
                  "Industrial Engineering"),
        "employer": ("Acme Corp", "Globex", "Initech", "Hooli", "Northwind Traders", "Contoso", "Fabrikam",
                     "Wayne Enterprises", "Umbrella Labs", "Stark Retail"),
        "title": ("Associate Product Manager", "Product Manager", "Senior Product Manager", "Business Analyst",
                  "Product Owner", "Data Analyst"),
        "skills": ("SQL", "Python", "A/B testing", "Figma", "Jira", "roadmapping", "user research", "Tableau",
                   "Agile"),
        "achievement": ("Increased conversion by {p}%", "Cut churn by {p}% in {y}", "Grew revenue by ${a}k",
                        "Launched {k} features used by {b}M users"),
        "email_domain": ("gmail.com", "outlook.com", "yahoo.com", "proton.me"),
    },
}
EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
LEVEL_ORDER = ("high_school", "associate", "bachelor", "master", "doctorate")


def month_str(m: int) -> str:
    """Month index (year * 12 + month - 1) -> ``YYYY-MM``.

    >>> month_str(2019 * 12 + 2)
    '2019-03'
    """
    return f"{m // 12:04d}-{m % 12 + 1:02d}"


def format_month(m: int | None, lang: str, style: int) -> str:
    """A month index as printed on a resume; ``None`` is the current job (至今 / Present)."""
    if m is None:
        return ("至今", "至今", "至今")[style % 3] if lang == "zh" else ("Present", "Present", "present")[style % 3]
    y, mo = m // 12, m % 12 + 1
    if lang == "zh":
        return (f"{y}.{mo:02d}", f"{y}年{mo}月", f"{y}/{mo:02d}")[style % 3]
    return (f"{EN_MONTHS[mo - 1]} {y}", f"{mo:02d}/{y}", f"{y}-{mo:02d}")[style % 3]


def format_range(start: int, end: int | None, lang: str, style: int) -> str:
    """A date range as printed, e.g. ``2019.03-2021.07``, ``2019年3月至今``, ``Jan 2020 – Present``."""
    a, b = format_month(start, lang, style), format_month(end, lang, style)
    if lang == "zh":
        return f"{a}{'' if end is None and style % 3 == 1 else '-'}{b}"
    return f"{a} {'–' if style % 3 != 1 else '-'} {b}"


def make_resume(
    rng: np.random.Generator,
    lang: str,
    education: str,
    grad_month: int,
    jobs: Sequence[tuple[int, int | None]],
    reference_month: int,
    years_experience: float,
) -> dict:
    """The known fields of one resume (the truth a parser is scored against)."""
    v = RESUME_VOCAB[lang]
    if lang == "zh":
        sur, sur_py = ZH_SURNAMES[rng.integers(len(ZH_SURNAMES))]
        giv, giv_py = ZH_GIVEN[rng.integers(len(ZH_GIVEN))]
        name = sur + giv
        domain = v["email_domain"][rng.integers(len(v["email_domain"]))]
        local = str(rng.integers(10_000_000, 999_999_999)) if domain == "qq.com" else f"{sur_py}{giv_py}{rng.integers(1, 99)}"
        digits = f"1{rng.choice([3, 5, 7, 8, 9])}{rng.integers(0, 10)}{rng.integers(0, 100_000_000):08d}"
        style = int(rng.integers(3))
        phone = (digits, f"{digits[:3]}-{digits[3:7]}-{digits[7:]}", f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}")[style]
        phone_norm = "+86" + digits
    else:
        first, last = EN_FIRST[rng.integers(len(EN_FIRST))], EN_LAST[rng.integers(len(EN_LAST))]
        name = f"{first} {last}"
        domain = v["email_domain"][rng.integers(len(v["email_domain"]))]
        local = f"{first.lower()}.{last.lower()}" if rng.random() < 0.6 else f"{first[0].lower()}{last.lower()}{rng.integers(1, 99)}"
        area, line = int(rng.integers(201, 990)), int(rng.integers(0, 10_000))
        style = int(rng.integers(3))
        phone = (f"({area}) 555-{line:04d}", f"+1 {area}-555-{line:04d}", f"{area}.555.{line:04d}")[style]
        phone_norm = f"+1{area}555{line:04d}"
    email = f"{local}@{domain}"
    # education: the highest level, plus a bachelor before a master or doctorate
    levels = [education] if education in ("high_school", "associate", "bachelor") else ["bachelor", education]
    # September start to June graduation
    span = {"high_school": 33, "associate": 33, "bachelor": 45, "master": 21, "doctorate": 45}
    edu, end = [], grad_month
    for level in reversed(levels):
        start = end - span[level]
        schools = v["school"].get(level, v["school"]["other"])
        school = schools[rng.integers(len(schools))]
        field = "" if level == "high_school" else v["field"][rng.integers(len(v["field"]))]
        degrees = v["degree"][level]
        edu.append({"degree": degrees[rng.integers(len(degrees))], "degree_level": level, "field": field,
                    "school": school, "start": month_str(start), "end": month_str(end)})
        end = start - 3
    edu.reverse()  # chronological, like the experience entries
    exp = []
    for s, e in jobs:
        exp.append({"employer": v["employer"][rng.integers(len(v["employer"]))],
                    "title": v["title"][rng.integers(len(v["title"]))],
                    "start": month_str(s), "end": "present" if e is None else month_str(e)})
    k = int(rng.integers(3, 6))
    skills = [v["skills"][i] for i in sorted(rng.choice(len(v["skills"]), k, replace=False))]
    achievements = []
    for i in sorted(rng.choice(len(v["achievement"]), int(rng.integers(1, 3)), replace=False)):
        achievements.append(v["achievement"][i].format(
            y=reference_month // 12 - int(rng.integers(1, 4)), p=int(rng.integers(8, 60)),
            a=int(rng.integers(50, 900)), b=f"{rng.integers(1, 5)}.{rng.integers(1, 10)}", k=int(rng.integers(3, 30))))
    return {"name": name, "email": email, "phone": phone, "phone_normalized": phone_norm, "language": lang,
            "education": edu, "experience": exp, "years_experience": years_experience, "skills": skills,
            "quantified_achievements": achievements, "_date_style": int(rng.integers(3)),
            "_jobs": [(s, e) for s, e in jobs], "_reference_month": reference_month}


def _ym(text: str) -> int:
    y, m = text.split("-")
    return int(y) * 12 + int(m) - 1


def resume_lines(r: dict) -> list[tuple[str, str]]:
    """The resume as (kind, text) lines; kind is ``title``, ``heading`` or ``text``."""
    lang, st = r["language"], r["_date_style"]
    lines: list[tuple[str, str]] = []
    if lang == "zh":
        lines += [("title", "个人简历"), ("text", f"姓名：{r['name']}"),
                  ("text", f"{'手机' if st == 1 else '电话'}：{r['phone']}"), ("text", f"邮箱：{r['email']}")]
        lines.append(("heading", "工作经历"))
        for e in reversed(r["experience"]):
            end = None if e["end"] == "present" else _ym(e["end"])
            lines.append(("text", f"{format_range(_ym(e['start']), end, lang, st)}  {e['employer']}  {e['title']}"))
        lines.append(("heading", "教育背景"))
        for d in reversed(r["education"]):
            lines.append(("text", f"{format_range(_ym(d['start']), _ym(d['end']), lang, st)}  {d['school']}  "
                                  f"{d['field']}  {d['degree']}".replace("    ", "  ")))
        lines += [("heading", "专业技能"), ("text", "、".join(r["skills"])), ("heading", "主要业绩")]
        lines += [("text", f"- {a}") for a in r["quantified_achievements"]]
    else:
        lines += [("title", r["name"]), ("text", f"{r['email']} | {r['phone']}"), ("heading", "EXPERIENCE")]
        for e in reversed(r["experience"]):
            end = None if e["end"] == "present" else _ym(e["end"])
            lines.append(("text", f"{e['title']}, {e['employer']} — {format_range(_ym(e['start']), end, lang, st)}"))
        lines.append(("heading", "EDUCATION"))
        for d in reversed(r["education"]):
            what = f"{d['degree']} in {d['field']}" if d["field"] else d["degree"]
            lines.append(("text", f"{what}, {d['school']}, {format_range(_ym(d['start']), _ym(d['end']), lang, st)}"))
        lines += [("heading", "SKILLS"), ("text", ", ".join(r["skills"])), ("heading", "ACHIEVEMENTS")]
        lines += [("text", f"- {a}") for a in r["quantified_achievements"]]
    return lines


def resume_text(r: dict) -> str:
    """Plain-text resume (UTF-8 file content)."""
    out = []
    for kind, text in resume_lines(r):
        if kind == "heading":
            out.append("")
        out.append(text)
    return "\n".join(out) + "\n"


_CID_FONT = "STSong-Light"


def resume_pdf(r: dict) -> bytes:
    """A one-page PDF (reportlab, deterministic ``invariant`` mode); Chinese uses the built-in CID font
    STSong-Light, whose text pdfplumber extracts back unchanged."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if _CID_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_CID_FONT))
    zh = r["language"] == "zh"
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle("Resume")
    c.setAuthor("workbench.simulate (synthetic)")
    y = A4[1] - 60
    for kind, text in resume_lines(r):
        size = {"title": 16, "heading": 12, "text": 10}[kind]
        font = _CID_FONT if zh else ("Helvetica-Bold" if kind != "text" else "Helvetica")
        if kind == "heading":
            y -= 8
        c.setFont(font, size)
        c.drawString(50, y, text)
        y -= size + 6
    c.showPage()
    c.save()
    return buf.getvalue()


def resume_docx(r: dict) -> bytes:
    """A DOCX resume (python-docx): paragraphs plus a table of the work history; zip entries get fixed
    timestamps and core properties fixed dates, so the bytes are reproducible."""
    import datetime as dt

    import docx

    doc = docx.Document()
    props = doc.core_properties
    fixed = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    props.author, props.title, props.created, props.modified, props.last_modified_by = (
        "workbench.simulate (synthetic)", "Resume", fixed, fixed, "workbench.simulate")
    props.revision = 1
    lang = r["language"]
    lines = resume_lines(r)
    exp_heading = "工作经历" if lang == "zh" else "EXPERIENCE"
    skip = False
    for kind, text in lines:
        if kind == "heading" and skip:
            skip = False
        if skip:
            continue
        if kind == "title":
            doc.add_heading(text, level=1)
        elif kind == "heading":
            doc.add_heading(text, level=2)
            if text == exp_heading:
                header = ("时间", "公司", "职位") if lang == "zh" else ("Dates", "Employer", "Title")
                table = doc.add_table(rows=1, cols=3)
                for cell, h in zip(table.rows[0].cells, header):
                    cell.text = h
                for e in reversed(r["experience"]):
                    end = None if e["end"] == "present" else _ym(e["end"])
                    row = table.add_row().cells
                    row[0].text = format_range(_ym(e["start"]), end, lang, r["_date_style"])
                    row[1].text, row[2].text = e["employer"], e["title"]
                skip = True
        else:
            doc.add_paragraph(text)
    raw = io.BytesIO()
    doc.save(raw)
    src = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


def resume_truth(r: dict, file: str) -> dict:
    """The public truth record of a resume file (private keys dropped)."""
    return {"file": file, **{k: v for k, v in r.items() if not k.startswith("_")}}
