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
    path.write_text("candidate_id,b\n1,2\n", encoding="utf-8")
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


# ---------------------------------------------------------------------------------------------- exports as they arrive

EXPORT_ROWS = [
    ["候选人编号", "应聘岗位", "投递时间", "性别", "出生日期", "最高学历", "工作年限"],
    ["C1", "sales", "2024年6月21日", "女", "1990-05-01", "本科", "6.5"],
    ["C2", "sales", "45444", "男", "1988/3/2", "硕士", "３"],
    ["C3", "pm", "2024-06-03", "", "", "大专", "20"],
]
TITLE = "钉钉人事导出：2024年6月候选人"


def _csv_text(rows):
    return "\n".join(",".join(r) for r in rows) + "\n"


@pytest.mark.parametrize("totals", [["合计", "", "", "", "", "", "29.5"], ["", "", "", "", "", "", "29.5"],
                                    ["Total:", "3"]])
@pytest.mark.parametrize("above", [f"{TITLE},,,,,,\n\n", f"{TITLE}\n导出人: HR\n"], ids=["title-blank", "two-titles"])
def test_a_csv_export_with_a_title_row_and_a_totals_row(tmp_path, totals, above):
    path = tmp_path / "export.csv"
    path.write_text(above + _csv_text(EXPORT_ROWS + [totals]), encoding="utf-8")
    raw = read_table_file(path, mapping="zh_hr")
    assert (raw.table, raw.header_line, raw.header[0]) == ("candidates", 3, "候选人编号")
    assert list(raw.frame.index) == [4, 5, 6]
    assert [(line, reason[:14]) for line, reason, _ in raw.malformed] == [(7, "a totals row (")]
    assert raw.rows == 4
    assert any("header found on line 3" in note and TITLE in note for note in raw.notes)
    frame = raw.frame
    assert frame["job_id"].tolist() == ["sales", "sales", "pm"]
    assert frame["birth_date"].tolist() == ["1990-05-01", "1988/3/2", ""]
    assert frame["years_experience"].tolist() == ["6.5", "3", "20"]  # full-width digits normalised
    assert frame["applied_at"].tolist() == ["2024年6月21日", "45444", "2024-06-03"]  # dates parsed by validate


def _xlsx(path, sheets):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows, merged in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for cells in merged:
            sheet.merge_cells(cells)
    book.save(path)
    return path


def test_an_xlsx_export_with_a_merged_banner_a_group_header_and_a_totals_row(tmp_path):
    banner = [[TITLE] + [None] * 6, ["基本信息", None, None, None, None, "背景", None]]
    rows = banner + [r[:] for r in EXPORT_ROWS] + [["合计", None, None, None, None, None, 29.5]]
    rows[4][2] = 45444  # an Excel serial date stored as a number
    path = _xlsx(tmp_path / "导出.xlsx", [("说明", [["本文件由系统导出"], ["请勿修改"]], []),
                                          ("候选人", rows, ["A1:G1", "A2:E2", "F2:G2"])])
    raw = read_table_file(path, mapping="zh_hr")
    assert (raw.table, raw.sheet, raw.header_line) == ("candidates", "候选人", 3)
    assert list(raw.frame.index) == [4, 5, 6]
    assert [(line, reason[:14]) for line, reason, _ in raw.malformed] == [(7, "a totals row (")]
    assert any("sheet '候选人' read" in note and "'说明'" in note for note in raw.notes)
    assert raw.frame["applied_at"].tolist() == ["2024年6月21日", "45444", "2024-06-03"]


def test_the_sheet_named_like_the_table_wins(tmp_path):
    rows = [["candidate_id", "final_score", "final_passed"], ["C1", 4, True]]
    path = _xlsx(tmp_path / "book.xlsx", [("notes", [["candidate_id", "final_score"], ["x", 1]], []),
                                          ("final_rounds", rows, [])])
    raw = read_table_file(path, table="final_rounds")
    assert raw.sheet == "final_rounds" and raw.frame["candidate_id"].tolist() == ["C1"]
    assert "named like the table final_rounds" in raw.notes[0]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_no_header_row_names_the_row_that_looks_most_like_one(tmp_path, suffix):
    rows = [["Export 2024"], ["ID", "Nom", "Genre"], ["1", "A", "F"], ["2", "B", "M"]]
    path = tmp_path / f"candidates{suffix}"
    if suffix == ".csv":
        path.write_text(_csv_text(rows), encoding="utf-8")
    else:
        _xlsx(path, [("Sheet1", rows, [])])
    with pytest.raises(DataError, match=r"candidates\.\w+: line 2: no header row: none of the first 10 rows holds a "
                                        r"known column name; line 2 looks most like a header \('ID', 'Nom', 'Genre'\)"):
        read_table_file(path)


def test_a_trailing_row_with_no_id_and_only_numbers_is_a_totals_row_but_a_blank_id_row_with_text_is_data(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text("candidate_id,question_id,score,answer_seconds\nC1,q1,4,60\n,q2,3,50\n,,7,110\n", encoding="utf-8")
    raw = read_table_file(path)
    assert list(raw.frame.index) == [2, 3]  # line 3 is a data row with a missing id: validation rejects it
    assert [(line, reason) for line, reason, _ in raw.malformed] == [
        (4, "a totals row (no id, only numbers), not a data row")]


@pytest.mark.parametrize(
    ("header", "mapping", "expected"),
    [
        ("Candidate ID,Requisition ID,Date Applied,Sex,Date of Birth,Highest Degree,Years of Experience",
         "en_hr", ["candidate_id", "job_id", "applied_at", "gender", "birth_date", "education", "years_experience"]),
        ("candidate id,JOB-ID,Application Date,Gender,DOB,Education Level,Experience (Years)",
         "en_hr", ["candidate_id", "job_id", "applied_at", "gender", "birth_date", "education", "years_experience"]),
        ("应聘者编号,应聘职位,报名时间,性别,出生年月,学历层次,工作经验（年）",
         "zh_hr", ["candidate_id", "job_id", "applied_at", "gender", "birth_date", "education", "years_experience"]),
        ("候选人编号,岗位编号,申请日期,性别,民族,学历,工作经验(年),姓名,手机号,身份证号",
         "zh_hr", ["candidate_id", "job_id", "applied_at", "gender", "race_ethnicity", "education",
                   "years_experience", "name", "phone", "id_number"]),
    ],
)
def test_hr_export_headers_in_english_and_chinese(tmp_path, header, mapping, expected):
    path = tmp_path / "export.csv"
    path.write_text(header + "\n" + ",".join(["x"] * len(expected)) + "\n", encoding="utf-8")
    raw = read_table_file(path, mapping=mapping)
    assert raw.table == "candidates" and list(raw.frame.columns) == expected


def test_full_width_cells_are_normalised_only_in_numeric_date_and_boolean_columns(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text("candidate_id,question_id,score,answer_text,answer_seconds,prompted,interviewed_at\n"
                    "Ｃ１,q1,４．５,我用了１２周。,１２０,ｔｒｕｅ,２０２６年１月５日\n", encoding="utf-8")
    row = read_table_file(path).frame.iloc[0].to_dict()
    assert row == {"candidate_id": "Ｃ１", "question_id": "q1", "score": "4.5", "answer_text": "我用了１２周。",
                   "answer_seconds": "120", "prompted": "true", "interviewed_at": "2026年1月5日"}


# ---------------------------------------------------------------------------------------------- encodings

ZH_ANSWERS = "candidate_id,question_id,answer_text\n" + "".join(
    f"C{i},q1,之后情况明显好转。第{i}次\n" for i in range(1, 7))


def test_a_cp1252_file_is_refused_without_its_encoding_and_read_with_it(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_bytes("candidate_id,question_id,answer_text\nC1,q1,naïve\nC2,q1,café crème\nC3,q1,déjà vu\n"
                     .encode("cp1252"))
    with pytest.raises(DataError, match=r"answers\.csv: cannot tell the text encoding: 3 lines are not UTF-8 "
                                        r"\(first: line 2\) .*give its encoding \(e\.g\. --encoding cp1252\)") as caught:
        read_table_file(path)
    assert caught.value.line == 2
    raw = read_table_file(path, encoding="cp1252")
    assert raw.encoding == "cp1252" and raw.frame["answer_text"].tolist() == ["naïve", "café crème", "déjà vu"]


@pytest.mark.parametrize(
    ("stray", "line"),
    [(b"\xe9", 4), (b"\x93quoted\x94", 2), (b"\xe9", 7)],
    ids=["one-cp1252-byte", "cp1252-quotes", "last-line"],
)
def test_a_utf8_chinese_file_with_one_stray_byte_quarantines_that_line_only(tmp_path, stray, line):
    lines = ZH_ANSWERS.encode("utf-8").split(b"\n")
    lines[line - 1] = lines[line - 1].replace("好转".encode("utf-8"), "好转".encode("utf-8") + stray)
    path = tmp_path / "answers.csv"
    path.write_bytes(b"\n".join(lines))
    raw = read_table_file(path)
    assert raw.encoding == "utf-8"
    assert [m[0] for m in raw.malformed] == [line]
    assert raw.malformed[0][1].startswith(f"line {line} is not valid UTF-8")
    assert "\\x" in raw.malformed[0][2]  # the raw line shows the byte, no replacement character
    assert len(raw.frame) == 5 and raw.rows == 6
    assert set(raw.frame["answer_text"].str[:8]) == {"之后情况明显好转。"[:8]}  # no mojibake anywhere


def test_an_ascii_file_with_one_stray_byte_quarantines_that_line(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_bytes(b"candidate_id,question_id,answer_text\nC1,q1,naive\nC2,q1,na\xefve\nC3,q1,ok\n")
    raw = read_table_file(path)
    assert (raw.encoding, list(raw.frame.index), [m[0] for m in raw.malformed]) == ("utf-8", [2, 4], [3])


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_files_with_a_byte_order_mark(tmp_path, encoding):
    path = tmp_path / "answers.csv"
    path.write_text(ZH_ANSWERS, encoding=encoding)
    raw = read_table_file(path)
    assert raw.encoding == encoding and len(raw.frame) == 6 and raw.frame["answer_text"].iloc[0] == "之后情况明显好转。第1次"


def test_an_unknown_encoding_name_is_a_clear_error(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text(ZH_ANSWERS, encoding="utf-8")
    with pytest.raises(DataError, match=r"answers\.csv: unknown encoding 'klingon'"):
        read_table_file(path, encoding="klingon")
    with pytest.raises(DataError, match=r"answers\.csv: line 2: not valid ascii"):
        read_table_file(path, encoding="ascii")


# ---------------------------------------------------------------------------------------------- quotes and sizes


def test_an_unclosed_quote_is_reported_with_its_line_and_the_records_after_it_are_read(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text('candidate_id,question_id,score,answer_text\nC1,q1,4,fine\nC2,q1,3,"it was, well\n'
                    "C3,q1,4,ok\nC4,q1,2,ok\nC5,q1,5,ok\n", encoding="utf-8")
    raw = read_table_file(path)
    assert list(raw.frame.index) == [2, 4, 5, 6]
    assert raw.frame["candidate_id"].tolist() == ["C1", "C3", "C4", "C5"]
    ((line, reason, text),) = raw.malformed
    assert line == 3 and reason.startswith("unclosed quote: a quoted field opened on line 3 runs to line 6")
    assert text == 'C2,q1,3,"it was, well'


def test_a_quoted_multi_line_answer_with_commas_is_still_one_row(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text('candidate_id,question_id,score,answer_text\nC1,q1,4,"First, I listened.\nThen, I acted."\n'
                    "C2,q1,3,ok\n", encoding="utf-8")
    raw = read_table_file(path)
    assert list(raw.frame.index) == [2, 4] and not raw.malformed


def test_a_field_over_the_size_limit_is_quarantined_with_its_line_and_the_rest_read(tmp_path):
    from workbench.data.read import MAX_FIELD_CHARS

    path = tmp_path / "answers.csv"
    huge = "x" * (MAX_FIELD_CHARS + 10)
    path.write_text(f"candidate_id,question_id,answer_text\nC1,q1,short\nC2,q1,{huge}\nC3,q1,{'y' * 200_000}\n",
                    encoding="utf-8")
    raw = read_table_file(path)
    assert raw.frame["candidate_id"].tolist() == ["C1", "C3"]  # a 200,000-character field is fine (limit 16 MiB)
    ((line, reason, text),) = raw.malformed
    assert line == 3 and reason == "a field is 16.0 MiB of text, over the limit of 16 MiB per cell"
    assert len(text) < 1000


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("候选人编号,得分\nC1,4\nC2,5\n".encode("gbk"), "gbk"),  # Chinese only in the header: still GBK
        ("question_id,text\nq1,之后情况明显好转。\n".encode("utf-8") + "q2,好转\n".encode("gbk"), "utf-8"),
    ],
    ids=["gbk-header-only", "utf8-with-a-gbk-line"],
)
def test_gbk_is_chosen_only_when_the_file_reads_as_chinese_in_it(tmp_path, data, expected):
    path = tmp_path / "questions.csv"
    path.write_bytes(data)
    raw = read_table_file(path)
    assert raw.encoding == expected
    assert raw.header[0] in ("候选人编号", "question_id")


def test_detect_encoding_for_whole_texts_refuses_undecodable_lines():
    from workbench.data.read import detect_encoding

    with pytest.raises(DataError, match=r"notes\.txt: line 2: not valid UTF-8"):
        detect_encoding(b"fine\nna\xefve\n", name="notes.txt")
