"""Question banks and adaptive interview plans: standardised core, adaptive items that cite the resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.data import load
from workbench.profile import load_profile
from workbench.questions import BankError, bank_from_dict, bank_from_questions, load_bank, plan_interview
from workbench.records import Dimension, Education, Job, JobProfile, Resume

DEMO = Path(__file__).resolve().parents[1] / "datasets" / "demo"
JOBS = {"en": "product_manager", "zh": "regional_sales_manager"}


def demo_resumes() -> list[Resume]:
    """The simulator's resumes: fields from truth.jsonl, lines from the .txt files (others: from the fields)."""
    out = []
    for line in (DEMO / "resumes" / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        path = DEMO / r["file"]
        lines = tuple(path.read_text(encoding="utf-8").splitlines()) if path.suffix == ".txt" else ()
        out.append(Resume(source=r["file"], language=r["language"], name=r["name"],
                          education=tuple(Education(**e) for e in r["education"]),
                          experience=tuple(Job(**e) for e in r["experience"]), skills=tuple(r["skills"]),
                          quantified_achievements=tuple(r["quantified_achievements"]), lines=lines))
    return out


@pytest.fixture(scope="module")
def resumes():
    return demo_resumes()


@pytest.mark.parametrize("job", sorted(JOBS.values()))
def test_packaged_banks_cover_the_demo_profiles_in_both_languages(job):
    bank = load_bank(job)
    profile = load_profile(DEMO / "profiles" / f"{job}.yaml")
    bank.covers(profile)
    questions = load(DEMO).questions_for(job).set_index("question_id")
    for d in bank.dimensions:
        for q in (d.behavioral, d.situational):
            assert set(q.text) == {"en", "zh"} and set(d.probe) == {"en", "zh"}
            assert questions.loc[q.question_id, "dimension"] == d.name
            assert questions.loc[q.question_id, "kind"] == q.kind
            assert q.text_in(profile.language) == questions.loc[q.question_id, "text"]


@pytest.mark.parametrize("lang, job", sorted(JOBS.items()))
def test_same_core_questions_for_everyone(resumes, lang, job):
    profile = load_profile(DEMO / "profiles" / f"{job}.yaml")
    plans = [plan_interview(profile, r) for r in resumes if r.language == lang]
    assert len(plans) >= 20
    cores = {tuple((i.question_id, i.text) for i in p.core) for p in plans}
    assert len(cores) == 1
    core = next(iter(cores))
    assert [q for q, _ in core] == [load_bank(job)[d].situational.question_id for d in profile.dimension_names]
    # the resumes differ in evidence, so the adaptive part differs between candidates
    assert len({tuple(i.text for i in p.adaptive) for p in plans}) > 1
    assert any(not p.adaptive for p in plans) or any(len(p.match.with_evidence) < len(profile.dimensions) for p in plans)


@pytest.mark.parametrize("lang, job", sorted(JOBS.items()))
def test_adaptive_items_follow_the_evidence_and_cite_the_resume(resumes, lang, job):
    profile = load_profile(DEMO / "profiles" / f"{job}.yaml")
    for r in (r for r in resumes if r.language == lang):
        plan = plan_interview(profile, r)
        for d in profile.dimension_names:
            items = [i for i in plan.items if i.dimension == d]
            kinds = [(i.kind, i.adaptive) for i in items]
            if plan.match[d].has_evidence:
                assert kinds == [("situational", False), ("behavioral", True), ("probe", True)]
                probe = items[-1]
                fact = probe.cites
                assert fact.line_no is not None and fact.text.lstrip("- ") in plan.match.lines[fact.line_no - 1]
                if fact.kind == "achievement":
                    assert fact.text in r.quantified_achievements
                    quoted = fact.text if lang == "zh" else fact.text.split(" ", 1)[1]
                    assert quoted in probe.text
                    if fact.employer:
                        assert fact.employer in probe.text and fact.employer in {j.employer for j in r.experience}
                else:
                    assert fact.kind == "keyword"
            else:
                assert kinds == [("situational", False)]
            assert all(i.language == profile.language for i in items)


HAND = Resume(
    source="hand.txt",
    lines=("Alex Kim", "EXPERIENCE", "Sales Manager, Acme Corp — 2020-01 – present",
           "- Grew revenue by 40% through new distributors", "Sales Rep, Globex — 2017-01 – 2019-12",
           "- Led a team of 5", "SKILLS", "negotiation, CRM"),
    experience=(Job("Acme Corp", "Sales Manager", "2020-01", "present"), Job("Globex", "Sales Rep", "2017-01", "2019-12")),
    quantified_achievements=("Grew revenue by 40% through new distributors",),
)
HAND_ZH = Resume(
    source="hand_zh.txt", language="zh",
    lines=("个人简历", "工作经历", "2020/01-至今  美的集团  区域销售经理", "- 销售额提升40%，新开发经销商12家",
           "专业技能", "商务谈判、团队管理"),
    experience=(Job("美的集团", "区域销售经理", "2020-01", "present"),),
    quantified_achievements=("销售额提升40%，新开发经销商12家",),
)


@pytest.mark.parametrize(
    ("resume", "language", "dimension", "expected_probe", "line_no"),
    [
        (HAND, "en", "market_development",
         "You grew revenue by 40% through new distributors at Acme Corp: how did you find the first customers?", 4),
        (HAND, "zh", "market_development",
         "你的简历写到你在Acme Corp期间取得了“Grew revenue by 40% through new distributors”的成绩：你是怎么找到第一批客户的？", 4),
        (HAND, "en", "client_negotiation",
         "Your resume mentions “negotiation, CRM”: what was the hardest obstacle in the negotiation, and how did you get past it?", 8),
        (HAND_ZH, "zh", "market_development",
         "你的简历写到你在美的集团期间取得了“销售额提升40%，新开发经销商12家”的成绩：你是怎么找到第一批客户的？", 4),
        (HAND_ZH, "zh", "client_negotiation", "你的简历提到“商务谈判、团队管理”：谈判中最难的障碍是什么？你是怎么突破的？", 6),
        (HAND_ZH, "en", "market_development",
         "Your resume says “销售额提升40%，新开发经销商12家” at 美的集团: how did you find the first customers?", 4),
    ],
)
def test_probe_wording_en_and_zh(resume, language, dimension, expected_probe, line_no):
    profile = load_profile(DEMO / "profiles" / "regional_sales_manager.yaml")
    plan = plan_interview(profile, resume, language=language)
    probe = [i for i in plan.adaptive if i.dimension == dimension and i.kind == "probe"]
    assert [p.text for p in probe] == [expected_probe]
    assert probe[0].cites.line_no == line_no
    assert probe[0].question_id == load_bank("regional_sales_manager")[dimension].behavioral.question_id + ".probe"


def test_achievement_under_an_older_job_cites_that_employer():
    resume = Resume(lines=("PM, Acme Corp — 2022-01 – present", "- Ran discovery", "PM, Hooli — 2019-01 – 2021-12",
                           "- Cut churn by 20% with a new metric"),
                    experience=(Job("Acme Corp", "PM"), Job("Hooli", "PM")),
                    quantified_achievements=("Cut churn by 20% with a new metric",))
    names = ("product_sense", "data_analysis", "stakeholder_communication", "execution")
    profile = JobProfile("product_manager", "v1", 3.0, tuple(
        Dimension(d, 0.25, {"en": ("metric",)} if d == "data_analysis" else {}) for d in names))
    probe = plan_interview(profile, resume).adaptive[-1]
    assert probe.cites.employer == "Hooli" and "at Hooli" in probe.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"job_id": "j", "version": "v"}, "missing required key 'dimensions'"),
        ({"job_id": "j", "version": "v", "dimensions": {"d": {"behavioral": {"id": "q1", "text": {"en": "a"}}}}},
         "dimensions.d.situational: missing"),
        ({"job_id": "j", "version": "v", "dimensions": {"d": {
            "behavioral": {"id": "q1", "text": {"fr": "a"}}, "situational": {"id": "q2", "text": {"en": "b"}}}}},
         "unknown language 'fr'"),
        ({"job_id": "j", "version": "v", "dimensions": {"d": {
            "behavioral": {"id": "q1", "text": "a"}, "situational": {"id": "q2", "text": {"en": "b"}}}}},
         "give the text per language"),
        ({"job_id": "j", "version": "v", "dimensions": {"d": {
            "behavioral": {"id": "q1", "text": {"en": "a"}}, "situational": {"id": "q1", "text": {"en": "b"}}}}},
         "duplicated question id(s) q1"),
        ({"job_id": "j", "version": "v", "dimensions": {"d": {
            "behavioral": {"id": "q1", "text": {"en": "a"}}, "situational": {"id": "q2", "text": {"en": "b"}},
            "followup": {"en": "c"}}}}, "unknown key(s) followup"),
    ],
)
def test_bank_mistakes_have_clear_messages(data, message):
    with pytest.raises(BankError) as err:
        bank_from_dict(data, source="b.yaml")
    assert message in str(err.value) and str(err.value).startswith("b.yaml")


def test_bank_must_cover_profile_and_language():
    bank = bank_from_dict({"job_id": "j", "version": "v", "dimensions": {"d": {
        "behavioral": {"id": "q1", "text": {"en": "a"}}, "situational": {"id": "q2", "text": {"en": "b"}}}}})
    two = JobProfile("j", "v", 3.0, (Dimension("d", 0.5), Dimension("e", 0.5)))
    with pytest.raises(BankError, match="no questions for dimension"):
        plan_interview(two, Resume(), bank)
    one = JobProfile("j", "v", 3.0, (Dimension("d", 1.0),))
    with pytest.raises(BankError, match="question q2 has no 'zh' text"):
        plan_interview(one, Resume(), bank, language="zh")


def test_bank_from_the_contract_questions_table():
    ds = load(DEMO)
    bank = bank_from_questions(ds.questions, "regional_sales_manager", language="zh")
    packaged = load_bank("regional_sales_manager")
    for d in packaged.dimensions:
        assert bank[d.name].behavioral.question_id == d.behavioral.question_id
        assert bank[d.name].situational.text["zh"] == d.situational.text["zh"]
    with pytest.raises(BankError, match="no active question of job 'nope'"):
        bank_from_questions(ds.questions, "nope", language="en")
