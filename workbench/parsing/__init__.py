"""Resume parsing: readers (PDF, DOCX, text, CSV/XLSX tables) and field extraction into
:class:`~workbench.records.Resume`, in English and Chinese.

>>> from workbench.parsing import find_ranges
>>> [(r.start, r.end) for r in find_ranges("2019.03-2021.07")]
[('2019-03', '2021-07')]
"""

from .api import expand_paths, parse_command, parse_file, parse_many, parse_table, redact, resume_to_dict
from .dates import DateRange, find_ranges, years_of_experience
from .errors import ParseError
from .extract import extract
from .readers import MAX_BYTES, MAX_PAGES, Line, pdf_lines, pdf_text, read_lines, sniff, text_lines
from .skills import Taxonomy, find_skills, load_taxonomy

__all__ = ["MAX_BYTES", "MAX_PAGES", "DateRange", "Line", "ParseError", "Taxonomy", "expand_paths", "extract",
           "find_ranges", "find_skills", "load_taxonomy", "parse_command", "parse_file", "parse_many", "parse_table",
           "pdf_lines", "pdf_text", "read_lines", "redact", "resume_to_dict", "sniff", "text_lines",
           "years_of_experience"]
