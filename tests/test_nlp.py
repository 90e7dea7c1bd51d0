"""workbench.nlp: pattern files, cached pipelines, language detection."""

from __future__ import annotations

import json

import pytest

from workbench.nlp import (PatternError, available_patterns, detect_language, entities, get_pipeline, load_patterns,
                           parse_patterns)


@pytest.mark.parametrize("name", available_patterns())
def test_bundled_pattern_files_are_valid_and_versioned(name):
    ps = load_patterns(name)
    assert ps.version and ps.patterns
    assert {p["label"] for p in ps.patterns} <= set(ps.labels)


@pytest.mark.parametrize(("text", "reason"), [
    ('{"name": "x", "version": "1", "labels": ["A"]}\n{"label": "B", "pattern": "p"}', "not declared"),
    ('{"name": "x", "version": "1", "labels": ["A"]}\n{"label": "A", "pattern": ""}', "empty pattern"),
    ('{"name": "x", "version": "1", "labels": ["A"]}\n{"label": "A", "pattern": "p", "lang": "fr"}', "lang"),
    ('{"name": "x", "version": "1", "labels": ["A"]}\n{"label": "A", "pattern": []}', "token pattern"),
    ('{"name": "x", "version": "1", "labels": ["A"]}\nnot json', "not valid JSON"),
    ('{"name": "x", "labels": ["A"]}', "version"),
    ("", "header line is required"),
])
def test_malformed_pattern_files_name_the_line(text, reason):
    with pytest.raises(PatternError, match=reason):
        parse_patterns(text, "bad.jsonl")


def test_load_patterns_from_a_path(tmp_path):
    f = tmp_path / "extra.jsonl"
    f.write_text(json.dumps({"name": "extra", "version": "3", "labels": ["SKILL"]}) + "\n"
                 + json.dumps({"label": "SKILL", "pattern": "negotiation", "lang": "en"}) + "\n", encoding="utf-8")
    assert load_patterns(f).phrases("en") == ("negotiation",)


def test_pipelines_are_cached_per_language():
    assert get_pipeline("en") is get_pipeline("en")
    assert get_pipeline("en") is not get_pipeline("zh")
    with pytest.raises(ValueError, match="not supported"):
        get_pipeline("fr")


def test_zh_pipeline_uses_jieba():
    nlp = get_pipeline("zh")
    assert nlp.tokenizer.segmenter == "jieba"
    assert "复旦大学" in [t.text for t in nlp("复旦大学工商管理")]


@pytest.mark.parametrize(("text", "lang", "level"), [
    ("PhD in Computer Science", "en", "doctorate"), ("Ph.D., Physics", "en", "doctorate"),
    ("MSc Data Science", "en", "master"), ("MBA", "en", "master"), ("B.S. in Statistics", "en", "bachelor"),
    ("Bachelor of Arts", "en", "bachelor"), ("BS", "en", "bachelor"), ("Associate Degree", "en", "associate"),
    ("High School Diploma", "en", "high_school"),
    ("高中", "zh", "high_school"), ("大专", "zh", "associate"), ("本科", "zh", "bachelor"), ("学士", "zh", "bachelor"),
    ("硕士研究生", "zh", "master"), ("博士", "zh", "doctorate"),
])
def test_degrees_in_both_languages(text, lang, level):
    degs = entities(text, lang, label="DEGREE")
    assert [d.ent_id_ for d in degs][:1] == [level]


@pytest.mark.parametrize(("text", "lang"), [
    ("John Doe, Research Intern", "en"), ("个人简历 姓名：黄强 工作经历", "zh"), ("", "en"),
    ("Skills: Python, SQL, Excel, 数据分析", "en"), ("2019年3月至今 美的集团 大客户经理 CRM", "zh"),
])
def test_detect_language(text, lang):
    assert detect_language(text) == lang
