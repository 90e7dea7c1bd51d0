"""Dates as exports write them: explicit forms, one day/month order per series, local dates, Excel serials."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.data.dates import DATE_DTYPE, parse_dates


def _one(cell, **kwargs):
    dates, _ = parse_dates(pd.Series([cell], dtype=object), **kwargs)
    return None if pd.isna(dates.iloc[0]) else dates.iloc[0].isoformat(sep=" ")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2024-06-01", "2024-06-01 00:00:00"),
        ("2024-6-1", "2024-06-01 00:00:00"),
        ("2024-06-01T09:15", "2024-06-01 09:15:00"),
        ("2024-06-01 09:15:30.25", "2024-06-01 09:15:30.250000"),
        ("2024-06-01 23:30-05:00", "2024-06-01 23:30:00"),  # the local date, not 2024-06-02 in UTC
        ("2024-06-01T23:30:00Z", "2024-06-01 23:30:00"),
        ("2024-06-01T07:30:00+0800", "2024-06-01 07:30:00"),  # not 2024-05-31 in UTC
        ("2026/1/5", "2026-01-05 00:00:00"),
        ("2026.1.5", "2026-01-05 00:00:00"),
        ("2026/01/05 18:00", "2026-01-05 18:00:00"),
        ("2026年1月5日", "2026-01-05 00:00:00"),
        ("2024年6月21日", "2024-06-21 00:00:00"),
        ("2024年6月21号", "2024-06-21 00:00:00"),
        ("2024年 6月 21日 10:30", "2024-06-21 10:30:00"),
        ("２０２４年６月２１日", "2024-06-21 00:00:00"),  # full-width digits (NFKC)
        ("２０２４－０６－０１", "2024-06-01 00:00:00"),
        ("  2024-06-01 ", "2024-06-01 00:00:00"),
        ("45444", "2024-06-01 00:00:00"),  # Excel serial, 1900 system
        ("45444.5", "2024-06-01 12:00:00"),
        ("１９００-01-01", "1900-01-01 00:00:00"),
        ("2100-12-31", "2100-12-31 00:00:00"),
    ],
)
def test_accepted_forms(cell, expected):
    assert _one(cell) == expected


@pytest.mark.parametrize(
    "cell",
    ["3.5", "Jun", "June 1, 2024", "1/2/3", "01/02/24", "0024-06-01", "1899-12-31", "2101-01-01", "2024-02-30",
     "2024-13-01", "2024-06-01 24:00", "2024-06/01", "2024", "20240601", "12", "-45444", "99999", "today", "",
     "2024年6月", "13/13/2024"],
)
def test_rejected_forms(cell):
    assert _one(cell) is None


def test_excel_serials_as_numbers_and_typed_datetimes_keep_local_time():
    dates, order = parse_dates(pd.Series([45444, 45444.75, 3.5, np.nan]))
    assert [str(d) for d in dates] == ["2024-06-01 00:00:00", "2024-06-01 18:00:00", "NaT", "NaT"]
    assert order == "iso"
    zoned = pd.Series(pd.to_datetime(["2024-06-01 23:30"]).tz_localize("America/Chicago"))
    assert str(parse_dates(zoned)[0].iloc[0]) == "2024-06-01 23:30:00"


@pytest.mark.parametrize(
    ("cells", "dayfirst", "expected", "order"),
    [
        # one unambiguous value sets the order for the whole series (the issue: 01-06 and 13/6 in one file)
        (["01-06-2024", "13/6/2024"], None, ["2024-06-01", "2024-06-13"], "dayfirst"),
        (["01/06/2024", "06/13/2024"], None, ["2024-01-06", "2024-06-13"], "monthfirst"),
        # the majority of unambiguous values wins; a value contradicting it is invalid, not read the other way
        (["13/01/2024", "14/01/2024", "01/13/2024", "02/03/2024"], None,
         ["2024-01-13", "2024-01-14", "NaT", "2024-03-02"], "dayfirst"),
        # the caller's order wins over detection
        (["01/06/2024", "02/07/2024"], True, ["2024-06-01", "2024-07-02"], "dayfirst"),
        (["01/06/2024", "13/06/2024"], False, ["2024-01-06", "NaT"], "monthfirst"),
        # nothing tells the order: only values that read the same either way are converted
        (["01/06/2024", "05/05/2024"], None, ["NaT", "2024-05-05"], "unambiguous"),
        (["13/01/2024", "01/13/2024", "02/03/2024"], None, ["2024-01-13", "2024-01-13", "NaT"], "unambiguous"),
        (["2024-06-01", "2024年6月2日", "45444"], None, ["2024-06-01", "2024-06-02", "2024-06-01"], "iso"),
        (["01.06.2024 10:30", "25.12.2024"], None, ["2024-06-01", "2024-12-25"], "dayfirst"),
    ],
)
def test_one_day_month_order_per_series(cells, dayfirst, expected, order):
    dates, used = parse_dates(pd.Series(cells), dayfirst=dayfirst)
    assert [str(d)[:10] for d in dates] == expected
    assert used == order


def test_result_keeps_the_index_dtype_and_missing_cells():
    text = pd.Series(["2024-06-01", None, "", "2024-06-01", "nope"], index=[10, 11, 12, 13, 14], dtype="str")
    dates, _ = parse_dates(text)
    assert str(dates.dtype) == DATE_DTYPE
    assert list(dates.index) == [10, 11, 12, 13, 14]
    assert dates.isna().tolist() == [False, True, True, False, True]
    empty, order = parse_dates(pd.Series([], dtype="str"))
    assert empty.empty and str(empty.dtype) == DATE_DTYPE and order == "iso"
