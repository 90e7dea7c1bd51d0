"""Header mappings: rename the columns and values of foreign exports (e.g. Chinese HR suites) to the contract.

A mapping is a YAML file::

    columns: {候选人编号: candidate_id, 性别: gender}          # header -> contract column
    values:  {gender: {男: male, 女: female}}                 # contract column -> {cell -> contract value}
    tables:                                                  # optional, per table (wins over the above)
      candidates: {columns: {编号: candidate_id}, values: {...}}

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "m.yaml"
>>> _ = path.write_text("columns: {性别: gender}\\nvalues: {gender: {男: male}}\\n", encoding="utf-8")
>>> m = load_mapping(path)
>>> m.columns_for("candidates"), m.values_for("candidates")
({'性别': 'gender'}, {'gender': {'男': 'male'}})
>>> load_mapping(BUILTIN_MAPPINGS / "zh_hr.yaml").columns_for("answers")["得分"]
'score'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from workbench.data.errors import DataError
from workbench.data.schema import TABLE_NAMES
from workbench.data.vocabulary import yaml_load

BUILTIN_MAPPINGS = Path(__file__).parent / "mappings"
_SEPARATORS = re.compile(r"[\s_\-]+")


def header_key(name: str) -> str:
    """A header as compared with mapping entries: NFKC, case-folded, runs of spaces/``_``/``-`` as one space.

    >>> header_key("Candidate_ID"), header_key(" candidate  id "), header_key("工作经验（年）")
    ('candidate id', 'candidate id', '工作经验(年)')
    """
    return _SEPARATORS.sub(" ", unicodedata.normalize("NFKC", str(name)).casefold()).strip()
_TOP_KEYS = {"columns", "values", "tables"}
_PART_KEYS = {"columns", "values"}


@dataclass(frozen=True)
class HeaderMapping:
    """A validated header/value mapping; ``tables`` holds per-table parts that override the global ones."""

    columns: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    tables: Mapping[str, "HeaderMapping"] = field(default_factory=dict)
    source: str = "mapping"

    def columns_for(self, table: str | None) -> dict[str, str]:
        """Header -> contract column for ``table`` (global entries, then the table's own)."""
        part = self.tables.get(table) if table else None
        return {**self.columns, **(part.columns if part else {})}

    def values_for(self, table: str | None) -> dict[str, dict[str, str]]:
        """Contract column -> {cell -> value} for ``table`` (global entries, then the table's own)."""
        out = {col: dict(vals) for col, vals in self.values.items()}
        part = self.tables.get(table) if table else None
        for col, vals in (part.values if part else {}).items():
            out[col] = {**out.get(col, {}), **vals}
        return out

    def rename(self, header: Sequence[str], table: str | None) -> list[str]:
        """The contract names of ``header`` for ``table``: an exact entry first, else one equal by
        :func:`header_key` (so ``Candidate ID``, ``candidate_id`` and ``CANDIDATE-ID`` match one entry);
        unmapped names are kept.

        >>> mapping_from_dict({"columns": {"Date of Birth": "birth_date"}}).rename(["date_of_birth", "x"], None)
        ['birth_date', 'x']
        """
        exact = self.columns_for(table)
        loose = {header_key(k): v for k, v in exact.items()}
        return [exact.get(h) or loose.get(header_key(h), h) for h in header]

    def all_columns(self) -> dict[str, str]:
        """Every header -> column entry, global and per table (used to infer a file's table)."""
        out = dict(self.columns)
        for part in self.tables.values():
            out.update(part.columns)
        return out


def _text_mapping(data: object, where: str, *, allow_empty: bool = False) -> dict[str, str]:
    """``data`` as {str: str}; ``where`` is ``"<file>: <key path>"`` for the messages."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise DataError(f"{where}: expected a mapping of name -> name, not {type(data).__name__}")
    out = {}
    for key, value in data.items():
        if value is None and allow_empty:
            value = ""
        if not isinstance(value, (str, int, float, bool)) or not (allow_empty or str(value).strip()):
            raise DataError(f"{where}.{key}: the target must be a non-empty name, not {value!r}")
        out[str(key).strip()] = str(value).lower() if isinstance(value, bool) else str(value).strip()
    return out


def _part(data: object, source: str, path: str, allowed: set[str]) -> tuple[dict, dict, object]:
    """(columns, values, tables) of one level of the mapping; ``path`` is ``""`` or ``"tables.<name>."``."""
    where = f"{source}: {path.rstrip('.')}" if path else source
    if not isinstance(data, Mapping):
        raise DataError(f"{where}: expected a mapping with keys {', '.join(sorted(allowed))}")
    unknown = set(data) - allowed
    if unknown:
        raise DataError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    columns = _text_mapping(data.get("columns"), f"{source}: {path}columns")
    raw_values = data.get("values") or {}
    if not isinstance(raw_values, Mapping):
        raise DataError(f"{source}: {path}values: expected column -> {{cell: value}}")
    values = {
        str(col): _text_mapping(vals, f"{source}: {path}values.{col}", allow_empty=True)
        for col, vals in raw_values.items()
    }
    return columns, values, data.get("tables")


def mapping_from_dict(data: Any, *, source: str = "mapping") -> HeaderMapping:
    """Build a validated :class:`HeaderMapping` from parsed YAML; errors name ``source`` and the key.

    >>> mapping_from_dict({"tables": {"nope": {}}})
    Traceback (most recent call last):
    ...
    workbench.data.errors.DataError: mapping: tables.nope: not a table of the contract (candidates, questions, answers, ai_decisions, final_rounds, outcomes)
    """
    columns, values, tables = _part(data, source, "", _TOP_KEYS)
    parts: dict[str, HeaderMapping] = {}
    if tables is not None and not isinstance(tables, Mapping):
        raise DataError(f"{source}: tables: must map table names to {{columns, values}}")
    for name, part in (tables or {}).items():
        if name not in TABLE_NAMES:
            raise DataError(f"{source}: tables.{name}: not a table of the contract ({', '.join(TABLE_NAMES)})")
        t_columns, t_values, _ = _part(part or {}, source, f"tables.{name}.", _PART_KEYS)
        parts[name] = HeaderMapping(t_columns, t_values, source=source)
    return HeaderMapping(columns, values, parts, source=source)


def load_mapping(path: str | Path) -> HeaderMapping:
    """Read and validate a mapping YAML file; a bare name like ``zh_hr`` means a built-in mapping.

    Parameters
    ----------
    path : str or Path
        The YAML file, or the name of a file in ``workbench/data/mappings`` (without ``.yaml``).

    Returns
    -------
    HeaderMapping

    Raises
    ------
    DataError
        One line naming the file and the offending key.

    Examples
    --------
    >>> load_mapping("zh_hr").values_for("final_rounds")["final_passed"]["通过"]
    'true'
    """
    path = Path(path)
    if not path.exists() and (BUILTIN_MAPPINGS / f"{path.name}.yaml").exists():
        path = BUILTIN_MAPPINGS / f"{path.name}.yaml"
    try:
        data = yaml_load(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise DataError(f"{path}: cannot read the mapping ({exc.strerror or exc})") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a valid UTF-8 YAML mapping ({str(exc).splitlines()[0]})") from None
    return mapping_from_dict(data or {}, source=str(path))


def as_mapping(mapping: HeaderMapping | str | Path | None) -> HeaderMapping | None:
    """``mapping`` as a :class:`HeaderMapping` (a path is loaded; None stays None)."""
    if mapping is None or isinstance(mapping, HeaderMapping):
        return mapping
    return load_mapping(mapping)
