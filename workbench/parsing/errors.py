"""Errors of the resume parser."""

from __future__ import annotations


class ParseError(ValueError):
    """A resume file cannot be parsed; the message names the file and the reason.

    >>> str(ParseError("cv.pdf", "empty file"))
    'cv.pdf: empty file'
    """

    def __init__(self, file: str, reason: str) -> None:
        self.file = str(file)
        self.reason = reason
        super().__init__(f"{self.file}: {reason}")

    def __reduce__(self):  # picklable across the process pool
        return (type(self), (self.file, self.reason))
