"""An on-disk cache of what the model derives from the resume files (parsing them takes seconds; the result is
fixed by the files' bytes and the parser).

Where: ``$WORKBENCH_CACHE_DIR`` when set (``off`` or an empty value turns the cache off), else
``$XDG_CACHE_HOME/interview-workbench``, else ``~/.cache/interview-workbench``. An entry is one JSON file
named by the SHA-256 of its key: the key holds the SHA-256 of every input file's bytes and
:func:`parser_version` (a digest of the parser's code and data files and of the versions of the libraries it
calls), so a changed file or a changed parser gives a new key and the old entry is simply not read again. A
damaged entry is recomputed; a cache folder that cannot be written is skipped silently (the result is the same,
only slower). Nothing personal is written in clear: names are kept as keyed digests (:class:`NameDigests`).

Examples
--------
>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> store("example", {"files": ["ab12"]}, {"value": 1.5}, folder=folder)
>>> load("example", {"files": ["ab12"]}, folder=folder), load("example", {"files": ["cd34"]}, folder=folder)
({'value': 1.5}, None)
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import secrets
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["CACHE_ENV", "NameDigests", "cache_dir", "file_sha256", "load", "parser_version", "store"]

CACHE_ENV = "WORKBENCH_CACHE_DIR"
_OFF = ("", "0", "off", "none", "false", "no")
#: what the parser's output depends on besides the file: its code and data, the text models it calls
_PARSER_SOURCES = ("parsing", "nlp", "records.py")
_PARSER_LIBRARIES = ("spacy", "jieba", "pypdfium2", "pdfplumber", "pdfminer.six", "python-docx")


def cache_dir(environ: Mapping[str, str] | None = None) -> Path | None:
    """The cache folder (see the module) from ``environ`` (default ``os.environ``), or None when
    ``$WORKBENCH_CACHE_DIR`` turns the cache off.

    >>> cache_dir({"WORKBENCH_CACHE_DIR": "off"}) is None, cache_dir({"WORKBENCH_CACHE_DIR": "/data/c"}).as_posix()
    (True, '/data/c')
    >>> cache_dir({"XDG_CACHE_HOME": "/var/cache"}).as_posix()
    '/var/cache/interview-workbench'
    """
    env = os.environ if environ is None else environ
    value = env.get(CACHE_ENV)
    if value is not None:
        return None if value.strip().lower() in _OFF else Path(value).expanduser()
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "interview-workbench"


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (hex); raises OSError like reading it would."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def parser_version() -> str:
    """Digest of everything the resume parser's output depends on besides the file (see the module).

    >>> len(parser_version()), parser_version() == parser_version()
    (64, True)
    """
    from importlib.metadata import PackageNotFoundError, version

    import workbench

    root = Path(workbench.__file__).resolve().parent
    h = hashlib.sha256(f"workbench {workbench.__version__}\n".encode())
    files: list[Path] = []
    for name in _PARSER_SOURCES:
        p = root / name
        files += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix in (".py", ".yaml", ".yml", ".json",
                                                                               ".jsonl", ".txt")) \
            if p.is_dir() else [p]
    for f in files:
        h.update(f"{f.relative_to(root).as_posix()}\n".encode())
        h.update(f.read_bytes())
    for lib in _PARSER_LIBRARIES:
        try:
            h.update(f"{lib} {version(lib)}\n".encode())
        except PackageNotFoundError:
            h.update(f"{lib} absent\n".encode())
    return h.hexdigest()


def _entry(kind: str, key: Any, folder: Path | None) -> Path | None:
    folder = cache_dir() if folder is None else Path(folder)
    if folder is None:
        return None
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return folder / kind / f"{digest}.json"


def load(kind: str, key: Any, *, folder: str | Path | None = None) -> Any:
    """The value stored under ``key`` (a JSON-able object) in ``folder`` (default :func:`cache_dir`), or None
    when absent, damaged or the cache is off."""
    path = _entry(kind, key, folder)
    if path is None:
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc.get("value") if isinstance(doc, dict) and doc.get("key") == key else None


def store(kind: str, key: Any, value: Any, *, folder: str | Path | None = None) -> None:
    """Write ``value`` under ``key`` in ``folder`` (default :func:`cache_dir`), atomically (a reader sees the
    whole entry or none); errors are ignored (the cache is an optimisation)."""
    path = _entry(kind, key, folder)
    if path is None:
        return
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")  # readable by the user only
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"key": key, "value": value}, fh, ensure_ascii=False)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


class NameDigests:
    """A set of terms kept as keyed BLAKE2b digests: ``term in names`` as for a set, without the terms in clear.

    >>> names = NameDigests(["globex", "ana"])
    >>> "globex" in names, "sales" in names, len(names)
    (True, False, 2)
    >>> again = NameDigests.from_dict(names.to_dict()); "ana" in again
    True
    """

    def __init__(self, terms: Iterable[str] = (), *, salt: str | None = None, digests: Iterable[str] = ()):
        self.salt = salt or secrets.token_hex(16)
        self._key = bytes.fromhex(self.salt)
        self.digests = frozenset(digests) | {self._digest(t) for t in terms}

    def _digest(self, term: str) -> str:
        return hashlib.blake2b(str(term).encode(), digest_size=16, key=self._key).hexdigest()

    def __contains__(self, term: object) -> bool:
        return self._digest(str(term)) in self.digests

    def __len__(self) -> int:
        return len(self.digests)

    def to_dict(self) -> dict[str, Any]:
        return {"salt": self.salt, "digests": sorted(self.digests)}

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> "NameDigests":
        return cls(salt=doc["salt"], digests=doc["digests"])
