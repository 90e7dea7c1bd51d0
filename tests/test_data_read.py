"""Reading table files: encodings, delimiters, line numbers, Excel, Parquet, header mappings."""

from __future__ import annotations

import codecs

import openpyxl
import pandas as pd
import pytest

from workbench.data import DataError, load_mapping, read_table_file
from workbench.data.mapping import mapping_from_dict
from workbench.data.validate import check_table

ZH_CANDIDATES = (
    "候选人编号,岗位编号,申请日期,性别,年龄,学历,工作年限\n"
    "C1,sales,2026-01-05,女,31,本科,6.5\n"
    "C2,sales,2026/1/6,男,,硕士,3\n"
    "C3,pm,2026年1月7日,,45,大专,20\n"
)


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", {"utf-8"}), ("utf-8-sig", {"utf-8-sig"}), ("gbk", {"gbk"}), ("gb18030", {"gbk", "gb18030"})],
)
def test_chinese_headers_decode_to_the_same_accepted_frame(tmp_path, encoding, detected):
    reference = tmp_path / "ref" / "candidates.csv"
    reference.parent.mkdir()
    reference.write_text(ZH_CANDIDATES, encoding="utf-8")
    path = tmp_path / "candidates.csv"
    path.write_bytes(ZH_CANDIDATES.encode(encoding))
    raw = read_table_file(path, mapping="zh_hr")
    assert raw.encoding in detected
    assert raw.header[0] == "候选人编号"
    got = check_table(raw).accepted
    want = check_table(read_table_file(reference, mapping="zh_hr")).accepted
    pd.testing.assert_frame_equal(got, want)
    assert list(got["gender"].fillna("")) == ["female", "male", ""]
    assert list(got["education"]) == ["bachelor", "master", "associate"]
    assert list(got["applied_at"].dt.day) == [5, 6, 7]


def test_characters_outside_gbk_are_detected_as_gb18030(tmp_path):
    path = tmp_path / "questions.csv"
    path.write_bytes("question_id,text\nq1,㐀 谈判\n".encode("gb18030"))
    assert read_table_file(path).encoding == "gb18030"


def test_undecodable_bytes_give_one_clear_line(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_bytes(b"candidate_id,score\n" + bytes(range(128, 256)) * 3)
    with pytest.raises(DataError, match=r"answers\.csv: cannot tell the text encoding"):
        read_table_file(path)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(tmp_path, delimiter):
    path = tmp_path / "final_rounds.csv"
    rows = [["candidate_id", "final_score", "final_passed"], ["C1", "4.5", "true"], ["C2", "3", "false"]]
    path.write_text("\n".join(delimiter.join(r) for r in rows) + "\n", encoding="utf-8")
    raw = read_table_file(path)
    assert raw.delimiter == delimiter
    assert raw.frame.to_dict("list") == {"candidate_id": ["C1", "C2"], "final_score": ["4.5", "3"],
                                         "final_passed": ["true", "false"]}


@pytest.mark.parametrize(
    ("text", "kwargs"),
    [
        ('"candidate_id;final_score;final_passed"\n"C1;4;true"\n', {}),
        ("candidate_id\tfinal_score\tfinal_passed\nC1\t4\ttrue\n", {"delimiter": ","}),
    ],
    ids=["quoted-header-line", "explicit-comma-on-tab-file"],
)
def test_a_one_column_header_hiding_a_delimiter_is_a_wrong_delimiter(tmp_path, text, kwargs):
    path = tmp_path / "final_rounds.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=r"final_rounds\.csv: line 1: .*wrong delimiter\?"):
        read_table_file(path, **kwargs)


def test_line_numbers_count_quoted_newlines_and_blank_lines(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text(
        'candidate_id,question_id,answer_text\nC1,q1,"line one\nline two"\n\nC2,q1,plain\r\nC3,q1,"a ""quote"""\n',
        encoding="utf-8",
    )
    raw = read_table_file(path)
    assert list(raw.frame.index) == [2, 5, 6]
    assert raw.frame["answer_text"].tolist() == ["line one\nline two", "plain", 'a "quote"']


def test_fast_path_line_numbers_are_row_position_plus_two(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text("candidate_id,question_id\n" + "".join(f"C{i},q1\n" for i in range(50)), encoding="utf-8")
    raw = read_table_file(path)
    assert list(raw.frame.index) == list(range(2, 52))


def test_ids_keep_their_leading_zeros(tmp_path):
    path = tmp_path / "candidates.csv"
    path.write_text("candidate_id,age\n007,31\n010,40\n", encoding="utf-8")
    assert read_table_file(path).frame["candidate_id"].tolist() == ["007", "010"]


def test_ragged_rows_are_kept_as_malformed_with_their_line(tmp_path):
    path = tmp_path / "final_rounds.csv"
    path.write_text("candidate_id,final_score,final_passed\nC1,4,true\nC2,3,false,extra\nC3,2,false\n", encoding="utf-8")
    raw = read_table_file(path)
    assert list(raw.frame.index) == [2, 4]
    assert [(line, reason) for line, reason, _ in raw.malformed] == [(3, "has 4 fields, the header has 3")]
    assert raw.rows == 3


@pytest.mark.parametrize(
    ("name", "header", "table"),
    [
        ("answers_2026.csv", "candidate_id,question_id", "answers"),
        ("final_rounds-q1.csv", "candidate_id", "final_rounds"),
        ("export.csv", "candidate_id,final_score,final_passed", "final_rounds"),
        ("导出.csv", "候选人编号,AI得分,AI是否通过,画像版本,是否人工复核", "ai_decisions"),
    ],
)
def test_the_table_comes_from_the_file_name_or_the_header(tmp_path, name, header, table):
    path = tmp_path / name
    path.write_text(header + "\n", encoding="utf-8")
    assert read_table_file(path, mapping="zh_hr").table == table


def test_an_unknown_table_is_a_clear_error(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"export\.csv: cannot tell which table"):
        read_table_file(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("candidates.csv", b"", r"candidates\.csv: empty file \(no header line\)$"),
        ("candidates.csv", b"   \n\n", r"candidates\.csv: empty file"),
        ("candidates.csv", codecs.BOM_UTF8 + b"\r\n", r"candidates\.csv: empty file"),
        ("candidates.xlsx", b"not a zip at all", r"candidates\.xlsx: not a readable Excel file \(.+\)$"),
        ("candidates.xlsx", b"PK\x03\x04broken", r"candidates\.xlsx: not a readable Excel file \(.+\)$"),
        ("candidates.xls", b"\xd0\xcf\x11\xe0", r"candidates\.xls: not a readable Excel file \(old \.xls format"),
        ("answers.parquet", b"PAR1 nope", r"answers\.parquet: not a readable Parquet file"),
    ],
)
def test_unreadable_files_are_one_clear_line(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_table_file(path)


def test_duplicated_columns_after_mapping_are_an_error(tmp_path):
    path = tmp_path / "candidates.csv"
    path.write_text("候选人编号,candidate_id\nC1,C1\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"line 1: column '候选人编号' and 'candidate_id' are the same column"):
        read_table_file(path, mapping="zh_hr")


def _write_xlsx(path, rows, sheet="Sheet1", extra_sheet=None):
    book = openpyxl.Workbook()
    if extra_sheet:
        book.active.title = extra_sheet
        book.active.append(["nothing", "here"])
        sheet_obj = book.create_sheet(sheet)
    else:
        sheet_obj = book.active
        sheet_obj.title = sheet
    for row in rows:
        sheet_obj.append(row)
    book.save(path)


def test_xlsx_round_trip_with_chinese_headers_and_typed_cells(tmp_path):
    import datetime as dt

    path = tmp_path / "候选人导出.xlsx"
    _write_xlsx(
        path,
        [
            ["候选人编号", "岗位编号", "申请日期", "性别", "学历", "工作年限", "年龄"],
            ["C1", "sales", dt.datetime(2026, 1, 5), "女", "本科", 6.5, 31],
            [None, None, None, None, None, None, None],
            [1002, "sales", dt.date(2026, 1, 6), "男", "硕士", 3.0, None],
        ],
        sheet="candidates",
        extra_sheet="说明",
    )
    raw = read_table_file(path, table="candidates", mapping="zh_hr")
    assert raw.encoding == "xlsx"
    assert list(raw.frame.index) == [2, 4]
    checked = check_table(raw)
    assert checked.rejected == 0
    frame = checked.accepted
    assert frame["candidate_id"].tolist() == ["C1", "1002"]
    assert frame["years_experience"].tolist() == [6.5, 3.0]
    assert frame["applied_at"].dt.strftime("%Y-%m-%d").tolist() == ["2026-01-05", "2026-01-06"]
    assert frame["gender"].tolist() == ["female", "male"]


def test_parquet_round_trip_keeps_types_and_line_numbers(tmp_path):
    path = tmp_path / "answers.parquet"
    frame = pd.DataFrame({"candidate_id": ["C1", "C2"], "question_id": ["q1", "q1"], "score": [4.0, 2.5],
                          "answer_seconds": [60, 90], "prompted": [True, False],
                          "interviewed_at": pd.to_datetime(["2026-01-05", "2026-01-06"])})
    frame.to_parquet(path, index=False)
    raw = read_table_file(path)
    assert (raw.encoding, raw.table, list(raw.frame.index)) == ("parquet", "answers", [2, 3])
    checked = check_table(raw)
    assert checked.rejected == 0
    assert checked.accepted["score"].tolist() == [4.0, 2.5]
    assert checked.accepted["prompted"].tolist() == [True, False]


def test_the_builtin_mapping_covers_all_six_tables():
    mapping = load_mapping("zh_hr")
    targets = {t: set(mapping.columns_for(t).values()) for t in
               ("candidates", "questions", "answers", "ai_decisions", "final_rounds", "outcomes")}
    assert {"candidate_id", "job_id", "applied_at", "gender", "education", "years_experience"} <= targets["candidates"]
    assert {"question_id", "dimension", "kind", "text", "version", "active"} <= targets["questions"]
    assert {"score", "answer_seconds", "prompted", "interviewed_at"} <= targets["answers"]
    assert {"ai_score", "ai_passed", "profile_version", "human_reviewed"} <= targets["ai_decisions"]
    assert {"final_score", "final_passed"} <= targets["final_rounds"]
    assert {"hired", "performance", "retained_12m"} <= targets["outcomes"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"columns": {"性别": ""}}, "m.yaml: columns.性别: the target must be a non-empty name"),
        ({"colums": {}}, "m.yaml: unknown key(s) colums"),
        ({"values": {"gender": ["男"]}}, "m.yaml: values.gender: expected a mapping"),
        ({"tables": {"people": {}}}, "m.yaml: tables.people: not a table of the contract"),
        ({"tables": {"answers": {"rows": 1}}}, "m.yaml: tables.answers: unknown key(s) rows"),
    ],
)
def test_mapping_mistakes_are_named(data, message):
    with pytest.raises(DataError) as caught:
        mapping_from_dict(data, source="m.yaml")
    assert str(caught.value).startswith(message)


def test_a_mapping_file_that_is_not_yaml_is_named(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("columns: {a: [\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"m\.yaml: not a valid UTF-8 YAML mapping"):
        load_mapping(path)
