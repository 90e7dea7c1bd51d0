"""The data contract: schemas, load / validate / import, store and quarantine.

- :func:`read_table_file` reads one CSV / XLSX / Parquet file (encoding and delimiter detected);
- :func:`validate_dataset` checks a dataset folder and returns a :class:`Report`;
- :func:`import_files` adds files to a dataset folder atomically, quarantining what breaks the contract;
- :func:`load` returns a :class:`Dataset` of typed frames for the analysis modules.
"""

from workbench.data.errors import DataError
from workbench.data.load import Dataset, load
from workbench.data.mapping import HeaderMapping, load_mapping
from workbench.data.read import RawTable, read_table_file
from workbench.data.report import Issue, Report, TableCount
from workbench.data.store import import_files
from workbench.data.validate import CheckedTable, check_table, validate_dataset

__all__ = [
    "CheckedTable",
    "DataError",
    "Dataset",
    "HeaderMapping",
    "Issue",
    "RawTable",
    "Report",
    "TableCount",
    "check_table",
    "import_files",
    "load",
    "load_mapping",
    "read_table_file",
    "validate_dataset",
]
