"""Dates as HR exports write them: explicit formats only, one day/month order per file, local dates kept.

Accepted forms (after NFKC normalisation, so full-width ``２０２４年６月２１日`` and ``２０２４／６／１`` read as
their ASCII forms; surrounding spaces ignored):

- ISO 8601 dates and date-times: ``2024-06-01``, ``2024-6-1``, ``2024-06-01T23:30``, ``2024-06-01 23:30:05.5``,
  with an optional zone (``Z``, ``+08:00``, ``-0500``). A zone is **dropped, not applied**: the value keeps
  its local date and wall-clock time (``2024-06-01 23:30-05:00`` -> 2024-06-01 23:30, not 2024-06-02 in UTC),
  because the date a person applied on is the date on their calendar;
- year first with ``/`` or ``.``: ``2026/1/5``, ``2026.1.5`` (one separator per value), optionally with a time;
- Chinese: ``2026年1月5日``, ``2024年6月21号``, ``2024年 6月 21日 10:30``;
- day and month first, ``dd/mm/yyyy`` or ``mm/dd/yyyy`` (``/``, ``.`` or ``-``), with **one order for the
  whole series**: the ``dayfirst`` argument when given, else detected from the values that are unambiguous (a
  first part above 12 means day first, a second part above 12 month first; the majority wins and the values
  contradicting it are invalid). When nothing tells the order (every value like ``01/06/2024``, or as many
  values of each order) only the values that read the same either way (``05/05/2024``) or are self-evident
  (``13/06/2024``) are converted, the others are invalid, and the order is ``"unambiguous"``;
- Excel serial day numbers of the 1900 date system (``45444`` -> 2024-06-01, fractions are the time of day),
  as numbers or numeric strings, between :data:`EXCEL_SERIAL_MIN` and :data:`EXCEL_SERIAL_MAX` (1920-01-01 to
  2100-12-31): a bare number outside that range is not taken for a date.

Everything else is invalid (NaT): two-digit years (``1/2/3``), month names (``Jun``), decimals (``3.5``), years
outside :data:`YEAR_MIN`-:data:`YEAR_MAX` (``0024-06-01``), impossible days (``2024-02-30``), mixed
separators (``2024-06/01``).

Examples
--------
>>> import pandas as pd
>>> dates, order = parse_dates(pd.Series(["2024-06-01", "2024年6月21日", "45444", "3.5"]))
>>> [str(d) for d in dates], order
(['2024-06-01 00:00:00', '2024-06-21 00:00:00', '2024-06-01 00:00:00', 'NaT'], 'iso')
>>> dates, order = parse_dates(pd.Series(["01/06/2024", "13/06/2024"]))
>>> dates.dt.strftime("%Y-%m-%d").tolist(), order
(['2024-06-01', '2024-06-13'], 'dayfirst')
"""

from __future__ import annotations

import numpy as np
import pandas as pd

YEAR_MIN = 1900
YEAR_MAX = 2100
EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # serial 0 of the 1900 system (past its fictitious 1900-02-29)
EXCEL_SERIAL_MIN = 7306  # 1920-01-01
EXCEL_SERIAL_MAX = 73415  # 2100-12-31
DATE_DTYPE = "datetime64[us]"
ORDERS = ("iso", "dayfirst", "monthfirst", "unambiguous")

_TIME = (
    r"(?:(?:T|\s+)(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?P<fraction>[.,]\d{1,6})?)?"
    r"\s*(?P<zone>Z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_YEAR_FIRST = r"^(?P<year>\d{4})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})" + _TIME + "$"
_CHINESE = r"^(?P<year>\d{4})\s*年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*[日号]?" + _TIME + "$"
_DAY_MONTH = r"^(?P<first>\d{1,2})(?P<sep>[-/.])(?P<second_part>\d{1,2})(?P=sep)(?P<year>\d{4})" + _TIME + "$"
_SERIAL = r"^\d{4,5}(?:\.\d+)?$"
_PLAIN_ISO = r"\d{4}-[01]\d-[0-3]\d(?:[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,6})?)?)?"  # the fast path
_CLOCK = ("hour", "minute", "second")


def _normalise(text: pd.Series) -> pd.Series:
    """Unique cell texts, NFKC-normalised and stripped (missing -> empty)."""
    return text.astype(object).where(text.notna(), "").astype("str").str.normalize("NFKC").str.strip()


def _clock(parts: pd.DataFrame) -> pd.DataFrame:
    """hour, minute, second, microsecond columns (0 where the value has no time)."""
    out = pd.DataFrame(index=parts.index)
    for name in _CLOCK:
        out[name] = pd.to_numeric(parts[name], errors="coerce").fillna(0).astype("int64")
    fraction = parts["fraction"].fillna(".").str[1:].str.ljust(6, "0")
    out["microsecond"] = pd.to_numeric(fraction, errors="coerce").fillna(0).astype("int64")
    return out


def _assemble(year: pd.Series, month: pd.Series, day: pd.Series, clock: pd.DataFrame) -> pd.Series:
    """Timestamps from parts (NaT for impossible dates or times and years outside the range)."""
    year = pd.to_numeric(year, errors="coerce")
    in_range = year.between(YEAR_MIN, YEAR_MAX)
    if not in_range.any():
        return pd.Series(pd.NaT, index=year.index, dtype=DATE_DTYPE)
    parts = pd.DataFrame({"year": year, "month": pd.to_numeric(month), "day": pd.to_numeric(day)}).join(clock)
    in_range &= (parts["hour"] < 24) & (parts["minute"] < 60) & (parts["second"] < 60)
    parts = parts[in_range].astype("int64")
    stamps = pd.to_datetime(parts, errors="coerce").astype(DATE_DTYPE)
    return stamps.reindex(year.index)


def _explicit(values: pd.Series, pattern: str) -> tuple[pd.Series, pd.Series]:
    """(timestamps of the values matching ``pattern`` with year, month, day groups; the match mask)."""
    parts = values.str.extract(pattern)
    matched = parts["year"].notna()
    found = parts[matched]
    return _assemble(found["year"], found["month"], found["day"], _clock(found)), matched


def _day_month_order(first: pd.Series, second: pd.Series, dayfirst: bool | None) -> str:
    """The one day/month order of the ``dd/mm/yyyy`` values: given, or detected from unambiguous ones."""
    if dayfirst is not None:
        return "dayfirst" if dayfirst else "monthfirst"
    day_evidence = int(((first > 12) & (second <= 12)).sum())
    month_evidence = int(((second > 12) & (first <= 12)).sum())
    if day_evidence > month_evidence:
        return "dayfirst"
    if month_evidence > day_evidence:
        return "monthfirst"
    return "unambiguous"


def _day_month(values: pd.Series, dayfirst: bool | None) -> tuple[pd.Series, pd.Series, str | None]:
    """(timestamps of the ``dd/mm/yyyy`` / ``mm/dd/yyyy`` values, their mask, the order used or None)."""
    parts = values.str.extract(_DAY_MONTH)
    matched = parts["year"].notna()
    if not matched.any():
        return pd.Series(dtype=DATE_DTYPE), matched, None
    found = parts[matched]
    first, second = found["first"].astype("int64"), found["second_part"].astype("int64")
    order = _day_month_order(first, second, dayfirst)
    if order == "dayfirst":
        day, month = first, second
    elif order == "monthfirst":
        day, month = second, first
    else:  # read a value only when it is self-evident or the same either way
        evident = (first > 12) | (second > 12) | (first == second)
        day = first.where((first > 12) | (first == second), second).where(evident)
        month = second.where(first > 12, first).where(evident)
        keep = evident
        found, day, month = found[keep], day[keep], month[keep]
    return _assemble(found["year"], month, day, _clock(found)), matched, order


def _serials(values: pd.Series) -> pd.Series:
    """Timestamps of numeric strings that are plausible Excel serials (the rest NaT)."""
    numbers = pd.to_numeric(values.where(values.str.fullmatch(_SERIAL), None), errors="coerce")
    return _from_serial_numbers(numbers)


def _from_serial_numbers(numbers: pd.Series) -> pd.Series:
    numbers = numbers.astype("float64")
    plausible = numbers.between(EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX)
    micros = (numbers.where(plausible) * 86_400_000_000).round()
    stamps = EXCEL_EPOCH + pd.to_timedelta(micros, unit="us")
    return stamps.astype(DATE_DTYPE)


def _plain_iso(values: pd.Series) -> pd.Series:
    """The zone-less ISO values (``2024-06-01``, ``2024-06-01 10:30:00``), parsed fast; the rest NaT."""
    plain = values.str.fullmatch(_PLAIN_ISO).to_numpy(dtype=bool)
    result = pd.Series(pd.NaT, index=values.index, dtype=DATE_DTYPE)
    if plain.any():
        stamps = pd.to_datetime(values[plain], format="ISO8601", errors="coerce").astype(DATE_DTYPE)
        result[plain] = stamps.where(stamps.dt.year.between(YEAR_MIN, YEAR_MAX))
    return result


def _typed_input(text: pd.Series) -> tuple[pd.Series, str] | None:
    """Already-typed input: datetimes keep their local wall time, numbers are Excel serials."""
    if pd.api.types.is_datetime64_any_dtype(text):
        local = text.dt.tz_localize(None) if getattr(text.dt, "tz", None) is not None else text
        return local.astype(DATE_DTYPE), "iso"
    if pd.api.types.is_numeric_dtype(text) and not pd.api.types.is_bool_dtype(text):
        return _from_serial_numbers(text), "iso"
    return None


def parse_dates(text: pd.Series, *, dayfirst: bool | None = None) -> tuple[pd.Series, str]:
    """Parse date cells in the explicit formats of the module docstring, one day/month order per series.

    Parameters
    ----------
    text : pandas.Series
        Cells as text (empty or missing cells give NaT); a numeric series is read as Excel serials and a
        datetime series is returned with its zone dropped (local time kept).
    dayfirst : bool, optional
        The order of ``dd/mm/yyyy``-style values: True day first, False month first; by default detected
        from the values that are unambiguous.

    Returns
    -------
    dates : pandas.Series
        ``datetime64[us]``, same index as ``text``; NaT where a cell is empty or not a date in an accepted
        form (the caller tells the two apart by the cell).
    order : str
        ``"dayfirst"`` or ``"monthfirst"`` when day/month-first values were read in that order (given or
        detected); ``"unambiguous"`` when such values exist but nothing told the order (only self-evident
        ones were read); ``"iso"`` when no value has its day and month first.

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.Series(["２０２４年６月２１日", "2024-06-01 23:30-05:00", "2026.1.5", "", "Jun", "0024-06-01"])
    >>> [str(d) for d in parse_dates(cells)[0]]
    ['2024-06-21 00:00:00', '2024-06-01 23:30:00', '2026-01-05 00:00:00', 'NaT', 'NaT', 'NaT']
    >>> parse_dates(pd.Series(["01/06/2024", "06/13/2024"]))[0].dt.strftime("%m-%d").tolist()
    ['01-06', '06-13']
    >>> parse_dates(pd.Series(["01/06/2024"]), dayfirst=True)[0].dt.strftime("%m-%d").tolist()
    ['06-01']
    >>> dates, order = parse_dates(pd.Series(["01/06/2024", "05/05/2024"]))
    >>> [str(d)[:10] for d in dates], order
    (['NaT', '2024-05-05'], 'unambiguous')
    """
    typed = _typed_input(text)
    if typed is not None:
        return typed
    codes, uniques = pd.factorize(_normalise(text))
    values = pd.Series(uniques, dtype="str")
    result = _plain_iso(values)
    for pattern in (_YEAR_FIRST, _CHINESE):
        todo = result.isna()
        stamps, _ = _explicit(values[todo], pattern)
        result.loc[stamps.index] = stamps
    rest = ~values.str.contains(r"^\d{4}\D", regex=True) & result.isna()
    stamps, matched, order = _day_month(values[rest], dayfirst)
    if order is not None:
        result.loc[stamps.index] = stamps
    serial = rest & ~matched.reindex(values.index, fill_value=False)
    if serial.any():
        result[serial] = _serials(values[serial])
    out = result.to_numpy()[codes] if len(values) else np.array([], dtype=DATE_DTYPE)
    out = np.where(codes < 0, np.datetime64("NaT"), out).astype(DATE_DTYPE)
    return pd.Series(out, index=text.index, dtype=DATE_DTYPE), order or "iso"
