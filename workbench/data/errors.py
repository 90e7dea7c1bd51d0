"""The one exception of the data contract."""

from __future__ import annotations


class DataError(ValueError):
    """A file or folder cannot be read as contract data at all; the message is one line naming the file.

    ``line`` and ``column`` are set when the problem sits at a known place (e.g. the header line), and
    ``reason`` is the message without the file and line prefix.

    >>> err = DataError("a.csv: line 1: column 'x' appears more than once", line=1, column="x")
    >>> err.line, err.reason
    (1, "column 'x' appears more than once")
    """

    def __init__(self, message: str, *, line: int | None = None, column: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        rest = message.split(": ", 1)[1] if ": " in message else message
        self.reason = rest.removeprefix(f"line {line}: ") if line is not None else rest
