"""Resume parsing: readers (PDF, DOCX, text, CSV/XLSX tables) and field extraction into
:class:`~workbench.records.Resume`, in English and Chinese.

>>> from workbench.parsing import find_ranges
>>> [(r.start, r.end) for r in find_ranges("2019.03-2021.07")]
[('2019-03', '2021-07')]
"""

from .api import (expand_paths, parse_command, parse_file, parse_many, parse_table, parse_with_evidence, redact,
                  resume_text, resume_to_dict)
from .dates import DateRange, find_ranges, years_of_experience
from .errors import ParseError
from .evidence import Evidence, entry_spans, experience_intervals, field_evidence, grounded_employer
from .extract import extract
from .names import drop_proper_names, proper_name_terms
from .readers import MAX_BYTES, MAX_PAGES, Line, pdf_lines, pdf_text, read_lines, sniff, text_lines
from .skills import Taxonomy, find_skills, load_taxonomy

__all__ = ["MAX_BYTES", "MAX_PAGES", "DateRange", "Evidence", "Line", "ParseError", "Taxonomy", "drop_proper_names",
           "entry_spans", "expand_paths", "experience_intervals", "extract", "field_evidence", "find_ranges",
           "find_skills", "grounded_employer", "load_taxonomy", "parse_command", "parse_file", "parse_many",
           "parse_table", "parse_with_evidence", "pdf_lines", "pdf_text", "proper_name_terms", "read_lines", "redact",
           "resume_text", "resume_to_dict", "sniff", "text_lines", "years_of_experience"]
