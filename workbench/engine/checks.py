"""The contract checks of :mod:`workbench.data.validate` as SQL text: one CASE expression per check and column.

A raw table registered in an engine (a view ``src`` with a ``_line`` column) is checked in one query of
CTEs: the typed value of every contract column and a flag per check (empty, type, range; in contract order),
the first hard failure of each row, duplicated keys (a window: the first line of each key among the rows
still usable) and the joins (anti-joins against the key tables, in the order of
:attr:`workbench.data.schema.Table.all_conditions`). Rules that need Python (the vocabulary's spellings, the
date formats of :mod:`workbench.data.dates`, resume files on disk) are decided once per *distinct* raw value
in Python and joined in as small mapping tables (:class:`Lookup`), so no rule is re-typed in SQL.

Only the subset of SQL that DuckDB and Spark SQL both parse is written, except for a handful of spellings
:class:`Dialect` holds (identifier quotes, regular-expression match, the timestamp type).

Examples
--------
>>> d = Dialect("duckdb", lambda s: "'" + s + "'")
>>> d.ident("性别"), d.matches("x", "^a$")
('"性别"', "regexp_matches(x, '^a$')")
>>> raw_class("string"), raw_class("int64"), raw_class("timestamp[us, tz=UTC]"), raw_class("list<item: int64>")
('text', 'int', None, None)
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from workbench.data.schema import Column, Condition, Table

__all__ = ["Check", "Dialect", "Lookup", "Plan", "raw_class", "table_plan"]

#: Python's ``str.strip()`` whitespace (every character ``str.isspace`` accepts), as a regex class.
_SPACE = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()) + "]"
#: What ``pandas.to_numeric`` reads as a finite number (infinity and NaN spellings are "not a number" both ways).
NUMBER_PATTERN = r"^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$"
MAX_DOUBLE = "1.7976931348623157e308"  # the largest double, exact in both dialects


def raw_class(arrow_type: str) -> str | None:
    """The class of a stored (Arrow) column type the SQL checks read, or None (checked in memory instead)."""
    t = str(arrow_type)
    if t in ("string", "large_string", "large_utf8", "utf8", "string_view"):
        return "text"
    if t.startswith(("int", "uint")):
        return "int"
    if t in ("float", "double", "halffloat", "float16", "float32", "float64"):
        return "float"
    if t == "bool":
        return "bool"
    if t == "null":  # every cell missing (pandas reads None)
        return "null"
    if t.startswith("timestamp[") and "tz=" not in t:
        return "timestamp"
    if t in ("date32[day]", "date64[ms]"):
        return "date"
    return None


@dataclass(frozen=True)
class Dialect:
    """The few spellings DuckDB and Spark SQL do not share; ``lit`` quotes a string literal."""

    name: str
    lit: Callable[[str], str]

    @property
    def spark(self) -> bool:
        return self.name == "spark"

    def ident(self, name: str) -> str:
        """A quoted identifier."""
        return f"`{name.replace('`', '``')}`" if self.spark else '"' + name.replace('"', '""') + '"'

    def matches(self, expr: str, pattern: str) -> str:
        """True where ``expr`` matches the regular expression ``pattern`` (anywhere; anchor it)."""
        return f"({expr} RLIKE {self.lit(pattern)})" if self.spark else f"regexp_matches({expr}, {self.lit(pattern)})"

    def strip(self, expr: str) -> str:
        """``expr`` without leading and trailing whitespace, as Python's ``str.strip()``."""
        head = f"regexp_replace({expr}, {self.lit(chr(92) + 'A' + _SPACE + '+')}, '')"
        return f"regexp_replace({head}, {self.lit(_SPACE + '+' + chr(92) + 'z')}, '')"

    @property
    def timestamp(self) -> str:
        return "TIMESTAMP_NTZ" if self.spark else "TIMESTAMP"

    def sql_type(self, kind: str) -> str:
        """The SQL type of an accepted column of contract kind ``kind``."""
        return {"float": "DOUBLE", "int": "BIGINT", "bool": "BOOLEAN", "date": self.timestamp}.get(kind, "STRING")


@dataclass(frozen=True)
class Lookup:
    """A mapping table decided in Python per distinct raw value: ``name`` holds ``raw`` plus ``columns``."""

    name: str
    column: str  # the raw column whose distinct values are looked up
    purpose: str  # "vocabulary", "date" or "resume"


@dataclass(frozen=True)
class Check:
    """One row check: ``flag`` (SQL, over CTE ``b``) is true where it fails."""

    index: int
    column: str
    what: str  # "empty", "type", "range", "duplicate" or "condition"
    soft: bool
    flag: str = ""
    condition: Condition | None = None


@dataclass(frozen=True)
class Plan:
    """The SQL of one table's checks: the CTEs (over ``src``) and what the caller needs to word the failures."""

    table: Table
    ctes: str
    checks: tuple[Check, ...]
    lookups: tuple[Lookup, ...]
    accepted_select: str  # SELECT list of the accepted rows (over the last CTE)
    rejected: str  # SQL flag (over the last CTE): the row is left out
    recorded: tuple[str, ...] = field(default=())  # per check: SQL flag "this check is quarantined for the row"


def _base(column: Column, cls: str, src: str, d: Dialect, i: int) -> tuple[str, dict[str, str], list[Lookup]]:
    """Per column: the joined lookup (if any), named base expressions over ``s`` and the lookups used."""
    c = f"s.{d.ident(src)}"
    out: dict[str, str] = {}
    lookups: list[Lookup] = []
    join = ""
    if cls == "text":
        out["t"] = d.strip(c)
        out["e"] = f"({out['t']} IS NULL OR {out['t']} = '')"
    elif cls == "float":
        out["e"] = f"({c} IS NULL OR isnan(CAST({c} AS DOUBLE)))"
    elif cls == "null":
        out["e"] = "TRUE"
    else:
        out["e"] = f"({c} IS NULL)"
    if column.kind in ("bool", "category", "date") and cls == "text":
        purpose = "date" if column.kind == "date" else "vocabulary"
        lookup = Lookup(f"wb_map_{i}", src, purpose)
        lookups.append(lookup)
        join = f"LEFT JOIN {lookup.name} m{i} ON COALESCE(CAST({c} AS STRING), '') = m{i}.raw"
    return join, out, lookups


def _column_exprs(column: Column, cls: str, i: int, d: Dialect) -> tuple[str, str, str | None]:
    """(typed value, type-failure flag, number for the range check) over CTE ``a``'s columns of column ``i``."""
    c, e, t, m = f"a.wb_c{i}", f"a.wb_e{i}", f"a.wb_t{i}", f"m{i}"
    if cls == "null":
        return f"CAST(NULL AS {d.sql_type(column.kind)})", "FALSE", None
    if column.kind in ("float", "int"):
        num = (f"(CASE WHEN {d.matches(t, NUMBER_PATTERN)} THEN TRY_CAST({t} AS DOUBLE) END)" if cls == "text"
               else f"CAST({c} AS DOUBLE)")
        whole = f" WHEN ROUND({num}, 0) <> {num} THEN TRUE" if column.kind == "int" else ""
        bad = (f"(NOT {e} AND CASE WHEN {num} IS NULL OR NOT ABS({num}) <= {MAX_DOUBLE} THEN TRUE{whole} "
               f"ELSE FALSE END)")
        return f"CASE WHEN {e} OR {bad} THEN NULL ELSE {num} END", bad, num
    if column.kind == "id":
        return f"CASE WHEN {e} THEN NULL ELSE {t} END", "FALSE", None
    if column.kind == "str":
        return f"CASE WHEN {e} THEN NULL ELSE {c} END", "FALSE", None
    if column.kind in ("bool", "category") and cls == "text":
        return f"CASE WHEN {m}_bad OR {m}_unk THEN NULL ELSE {m}_val END", f"COALESCE({m}_bad, FALSE)", None
    if column.kind == "date" and cls == "text":
        bad = f"(NOT {e} AND {m}_ts IS NULL)"
        return f"CASE WHEN {bad} THEN NULL ELSE {m}_ts END", bad, None
    if column.kind == "date":
        return f"CAST({c} AS {d.timestamp})", "FALSE", None
    return c, "FALSE", None  # bool stored as bool


def supported(column: Column, cls: str | None) -> bool:
    """Whether the SQL checks read a column of this contract kind stored as ``cls`` exactly as pandas does."""
    allowed = {"id": ("text",), "str": ("text",), "category": ("text",), "float": ("text", "int", "float"),
               "int": ("text", "int", "float"), "bool": ("text", "bool"), "date": ("text", "timestamp", "date")}
    return cls == "null" or cls in allowed[column.kind]


def _column_checks(column: Column, i: int, soft: bool, looked_up: bool) -> list[Check]:
    """The checks of column ``i`` in validate.py's order: empty (not nullable), type, range."""
    vocabulary = looked_up and column.kind in ("bool", "category")
    e = f"(b.wb_e{i} OR COALESCE(b.m{i}_unk, FALSE))" if vocabulary else f"b.wb_e{i}"
    out = []
    if not column.nullable:
        out.append(Check(0, column.name, "empty", soft, e))
    out.append(Check(0, column.name, "type", soft, f"b.wb_bad{i}"))
    if column.low is not None or column.high is not None:
        parts = [f"b.wb_n{i} < {float(column.low)!r}" if column.low is not None else "",
                 f"b.wb_n{i} > {float(column.high)!r}" if column.high is not None else ""]
        span = " OR ".join(p for p in parts if p)
        out.append(Check(0, column.name, "range", soft,
                         f"(NOT b.wb_e{i} AND NOT b.wb_bad{i} AND ({span}))"))
    return out


def _first(checks: Sequence[Check]) -> str:
    """SQL: the index of the first failing hard check (NULL when none)."""
    hard = [c for c in checks if not c.soft]
    return "CASE " + " ".join(f"WHEN {c.flag} THEN {c.index}" for c in hard) + " END" if hard else "CAST(NULL AS INT)"


def _column_part(column: Column, i: int, cls: str, d: Dialect, strict: bool):
    """(join, CTE-a columns, CTE-b columns, checks, lookups) of contract column ``i`` stored as ``cls``."""
    join, exprs, lookups = _base(column, cls, column.name, d, i)
    a_cols = [f"s.{d.ident(column.name)} AS wb_c{i}"] + [f"{expr} AS wb_{k}{i}" for k, expr in exprs.items()]
    if lookups:
        a_cols += [f"m{i}.{col} AS m{i}_{col}" for col in (("ts",) if column.kind == "date" else ("val", "unk", "bad"))]
    if "t" not in exprs:
        a_cols.append(f"CAST(NULL AS STRING) AS wb_t{i}")
    value, bad, num = _column_exprs(column, cls, i, d)
    b_cols = [f"{value} AS wb_v{i}", f"{bad} AS wb_bad{i}", f"{num or 'CAST(NULL AS DOUBLE)'} AS wb_n{i}"]
    return join, a_cols, b_cols, _column_checks(column, i, column.soft and not strict, bool(lookups)), lookups


def table_plan(spec: Table, classes: dict[str, str], extras: Sequence[str], d: Dialect, *,
               strict: bool, keysets: dict[str, tuple[str, tuple[str, ...]]], source: str = "src") -> Plan:
    """The checks of ``spec`` over the view ``source`` (with ``_line``; ``classes``: contract column present -> its raw class).

    ``keysets``: key set name of each checkable condition -> (the registered key table, its columns).
    """
    joins, a_cols, b_cols, lookups, checks = [], [], [], [], []
    for i, column in enumerate(spec.columns):
        if column.name in classes:
            join, a, b, found, used = _column_part(column, i, classes[column.name], d, strict)
            joins += [join] if join else []
            a_cols, b_cols, lookups = a_cols + a, b_cols + b, lookups + used
            checks += [replace(c, index=len(checks) + n) for n, c in enumerate(found)]
    ctes = [f"a AS (SELECT s.*{''.join(', ' + c for c in a_cols)} FROM {source} s {' '.join(joins)})",
            f"b AS (SELECT a.*{''.join(', ' + c for c in b_cols)} FROM a)",
            f"c AS (SELECT b.*, {_first(checks)} AS wb_hard FROM b)"]
    recorded = [f"({c.flag.replace('b.', 'z.')} AND (z.wb_hard IS NULL OR z.wb_hard > {c.index}))" if c.soft
                else f"COALESCE(z.wb_hard = {c.index}, FALSE)" for c in checks]
    key = ", ".join(f"c.wb_v{spec.column_names.index(k)}" for k in spec.key)
    ctes.append(f"k AS (SELECT c.*, MIN(CASE WHEN c.wb_hard IS NULL THEN c._line END) OVER (PARTITION BY {key}) "
                f"AS wb_first FROM c)")
    ctes.append("j AS (SELECT k.*, (k.wb_hard IS NULL AND k._line > k.wb_first) AS wb_dup, "
                "(k.wb_hard IS NULL AND k._line = k.wb_first) AS wb_ok FROM k)")
    checks.append(Check(len(checks), ",".join(spec.key), "duplicate", False, "z.wb_dup"))
    recorded.append("z.wb_dup")
    nulls = {c.column: [] for c in checks}
    for c in checks:
        if c.soft and c.what != "empty":
            nulls[c.column].append(c.flag.replace("b.", "z."))
    prev, ok = "j", "wb_ok"
    for n, condition in enumerate(spec.all_conditions):
        if condition.keyset not in keysets or any(c not in spec.column_names for c in condition.columns):
            continue
        table, cols = keysets[condition.keyset]
        pos = [spec.column_names.index(c) for c in condition.columns]
        present = " AND ".join(f"{prev}.wb_v{p} IS NOT NULL" for p in pos)
        on = " AND ".join(f"q{n}.{d.ident(kc)} = {prev}.wb_v{p}" for kc, p in zip(cols, pos))
        fail = f"COALESCE({prev}.{ok} AND {present} AND q{n}.wb_hit IS NULL, FALSE)"
        new_ok = ok if condition.soft else f"({prev}.{ok} AND NOT {fail})"
        distinct = ", ".join(d.ident(kc) for kc in cols)
        ctes.append(f"j{n} AS (SELECT {prev}.*, {fail} AS wb_f{n}, {new_ok} AS wb_ok{n} FROM {prev} "
                    f"LEFT JOIN (SELECT DISTINCT {distinct}, TRUE AS wb_hit FROM {table}) q{n} ON {on})")
        prev, ok = f"j{n}", f"wb_ok{n}"
        checks.append(Check(len(checks), condition.columns[-1], "condition", condition.soft, f"z.wb_f{n}", condition))
        recorded.append(f"z.wb_f{n}")
        if condition.soft:
            nulls[condition.columns[-1]].append(f"z.wb_f{n}")
    ctes.append(f"z AS (SELECT {prev}.*, {prev}.{ok} AS wb_keep FROM {prev})")
    select = [f"{_out(c, i if c.name in classes else None, nulls.get(c.name, []), d)} AS {d.ident(c.name)}"
              for i, c in enumerate(spec.columns)]
    select += [f"CAST(z.{d.ident(x)} AS STRING) AS {d.ident(x)}" for x in extras]
    return Plan(spec, "WITH " + ", ".join(ctes), tuple(checks), tuple(lookups), ", ".join(select),
                "NOT z.wb_keep", tuple(recorded))


def _out(column: Column, i: int | None, nulls: Sequence[str], d: Dialect) -> str:
    """An accepted value of ``column`` in its contract type; soft checks that failed set it to NULL."""
    if i is None:
        return f"CAST(NULL AS {d.sql_type(column.kind)})"
    value = f"z.wb_v{i}"
    if column.kind == "int":
        value = f"CASE WHEN ABS({value}) < 9.0e18 THEN {value} END"
    if nulls:
        value = f"CASE WHEN {' OR '.join(nulls)} THEN NULL ELSE {value} END"
    return f"CAST({value} AS {d.sql_type(column.kind)})"
