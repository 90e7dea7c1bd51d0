"""What validation and import found: one :class:`Issue` per problem, counts per table, and the report.

Examples
--------
>>> issue = Issue("answers", "answers.csv", 7, "score", "score: 7 is outside 1-5", "7")
>>> str(issue)
'answers.csv, line 7, column score: score: 7 is outside 1-5'
>>> report = Report(False, {"answers": TableCount("answers.csv", "utf-8", 10, 9, 1)}, (issue,))
>>> report.to_dict()["tables"]["answers"]["rejected"], report.to_dict()["errors"][0]["line"]
(1, 7)
>>> print(report.summary())
FAILED: 1 problem
  answers (answers.csv, utf-8): accepted 9 + quarantined 1 = read 10
  answers.csv, line 7, column score: score: 7 is outside 1-5
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from types import MappingProxyType

MAX_ERRORS = 200  # errors listed by Report.to_dict (errors_total gives the full count)
MAX_SUMMARY_ERRORS = 20  # errors listed by Report.summary


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem: a rejected row (``line`` set) or a file-level error (``line`` of the header or None).

    ``reason`` reads on its own (it names the column and the value), e.g. ``score: 7 is outside 1-5``.
    """

    table: str
    file: str
    line: int | None
    column: str | None
    reason: str
    value: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.reason}"

    def to_dict(self) -> dict:
        """The command-contract form: table, line, column, reason, file, value."""
        return {k: getattr(self, k) for k in ("table", "line", "column", "reason", "file", "value")}


@dataclass(frozen=True, slots=True)
class TableCount:
    """Rows of one table: ``accepted + rejected + duplicates_skipped == rows`` (rows read).

    ``cells_quarantined`` counts cells of accepted rows set to unknown (an unrecognised value in an optional
    field): the row is kept, the cell is in the quarantine.
    """

    file: str
    encoding: str
    rows: int
    accepted: int
    rejected: int
    duplicates_skipped: int = 0
    cells_quarantined: int = 0

    def __add__(self, other: TableCount) -> TableCount:
        files = self.file if other.file in self.file.split(", ") else f"{self.file}, {other.file}"
        encodings = self.encoding if other.encoding in self.encoding.split(", ") else f"{self.encoding}, {other.encoding}"
        return TableCount(
            files,
            encodings,
            self.rows + other.rows,
            self.accepted + other.accepted,
            self.rejected + other.rejected,
            self.duplicates_skipped + other.duplicates_skipped,
            self.cells_quarantined + other.cells_quarantined,
        )

    def line(self, name: str) -> str:
        """``name (file, encoding): accepted A + quarantined Q [+ duplicates skipped D] = read R``."""
        dupes = f" + duplicates skipped {self.duplicates_skipped:,}" if self.duplicates_skipped else ""
        source = f" ({self.file}, {self.encoding})" if self.file else " (no file)"
        cells = (f"; {self.cells_quarantined:,} cell{'s' * (self.cells_quarantined != 1)} set to unknown "
                 "(rows kept)") if self.cells_quarantined else ""
        return (f"{name}{source}: accepted {self.accepted:,} + quarantined {self.rejected:,}{dupes} = read "
                f"{self.rows:,}{cells}")


@dataclass(frozen=True)
class Report:
    """The outcome of validating or importing a dataset.

    Attributes
    ----------
    ok : bool
        True when nothing was rejected and no file-level error was found.
    tables : mapping of str -> TableCount
        Counts per table, in contract order.
    errors : tuple of Issue
        File-level errors, then one issue per rejected row (the first problem of the row). When a whole
        file is rejected (e.g. a missing column) only the file-level error is listed.
    notes : tuple of str
        Things the reader should know that are not errors (e.g. a check that could not run).
    path : str
        The dataset folder.
    """

    ok: bool
    tables: Mapping[str, TableCount]
    errors: tuple[Issue, ...] = ()
    notes: tuple[str, ...] = ()
    path: str = ""
    profiles: tuple[str, ...] = field(default=())
    cells: tuple[Issue, ...] = ()
    mapped_values: tuple[Mapping[str, object], ...] = ()
    unknown_values: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    vocabulary_version: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", MappingProxyType(dict(self.tables)))
        object.__setattr__(self, "errors", tuple(self.errors))
        object.__setattr__(self, "notes", tuple(self.notes))
        object.__setattr__(self, "cells", tuple(self.cells))

    @property
    def warnings(self) -> tuple[str, ...]:
        """Plain-words warnings: cells set to unknown, per table and column."""
        by: dict[tuple[str, str], int] = {}
        for issue in self.cells:
            by[(issue.table, issue.column or "")] = by.get((issue.table, issue.column or ""), 0) + 1
        return tuple(f"{table}.{column}: {n:,} unrecognised value{'s' * (n != 1)} set to unknown (rows kept; "
                     "see the quarantine and the vocabulary)" for (table, column), n in by.items())

    def to_dict(self, *, max_errors: int = MAX_ERRORS) -> dict:
        """The command-contract JSON: ``{ok, path, tables: {name: {rows, accepted, rejected, ...}}, errors,
        errors_total, notes, profiles}``; ``errors`` holds the first ``max_errors``."""
        return {
            "ok": self.ok,
            "path": self.path,
            "tables": {name: asdict(count) for name, count in self.tables.items()},
            "errors": [issue.to_dict() for issue in self.errors[:max_errors]],
            "errors_total": len(self.errors),
            "notes": list(self.notes),
            "profiles": list(self.profiles),
            "warnings": list(self.warnings),
            "cells": [issue.to_dict() for issue in self.cells[:max_errors]],
            "cells_total": len(self.cells),
            "mapped_values": [dict(m) for m in self.mapped_values],
            "unknown_values": {t: dict(v) for t, v in self.unknown_values.items()},
            "vocabulary_version": self.vocabulary_version,
        }

    def summary(self, *, max_errors: int = MAX_SUMMARY_ERRORS) -> str:
        """A human summary: the verdict, ``accepted + quarantined = read`` per table, the first errors."""
        head = "OK" if self.ok else f"FAILED: {len(self.errors):,} problem{'s' * (len(self.errors) != 1)}"
        lines = [f"{head}{f' ({self.path})' if self.path else ''}"]
        lines += [f"  {count.line(name)}" for name, count in self.tables.items()]
        lines += [f"  warning: {w}" for w in self.warnings]
        if self.mapped_values:
            n = sum(int(m["count"]) for m in self.mapped_values)
            lines.append(f"  mapped: {n:,} value{'s' * (n != 1)} in {len(self.mapped_values)} spelling"
                         f"{'s' * (len(self.mapped_values) != 1)} read as contract values (listed in --json)")
        lines += [f"  note: {note}" for note in self.notes]
        lines += [f"  {issue}" for issue in self.errors[:max_errors]]
        if len(self.errors) > max_errors:
            lines.append(f"  ... and {len(self.errors) - max_errors:,} more (see the quarantine)")
        return "\n".join(lines)
