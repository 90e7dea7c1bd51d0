"""Where data comes from: the checkout's demo dataset and the dataset hash every report carries.

The one home of the demo path (``datasets/demo`` of the checkout) and of :func:`dataset_sha256`.

Examples
--------
>>> demo_path().name
'demo'
>>> len(dataset_sha256({"candidates": None}))
64
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench.data.schema import TABLE_NAMES

__all__ = ["repo_root", "demo_path", "dataset_sha256"]


def repo_root() -> Path:
    """The checkout the package was installed from (editable install), where datasets/ and reports/ live."""
    return Path(__file__).resolve().parents[2]


def demo_path() -> Path:
    """``datasets/demo`` of the checkout."""
    return repo_root() / "datasets" / "demo"


def dataset_sha256(dataset: Any) -> str:
    """SHA-256 over the dataset's table files (sorted by name); over CSV dumps for in-memory tables."""
    h = hashlib.sha256()
    folder = getattr(dataset, "path", None)
    files = []
    if folder is not None and Path(folder).is_dir():
        files = sorted(p for p in Path(folder).iterdir()
                       if p.is_file() and p.name.split(".")[0] in TABLE_NAMES)
    if files:
        for p in files:
            h.update(p.name.encode())
            h.update(p.read_bytes())
        return h.hexdigest()
    tables = dataset if isinstance(dataset, Mapping) else {n: getattr(dataset, n, None) for n in TABLE_NAMES}
    for name in sorted(tables):
        frame = tables[name]
        if frame is not None and hasattr(frame, "to_csv"):
            h.update(name.encode())
            h.update(frame.to_csv(index=False).encode())
    return h.hexdigest()
