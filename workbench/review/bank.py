"""Question bank history: validity per question version, and applying a review's verdicts as a new bank version.

A question keeps its id across rewordings (``version`` and ``text`` per version in the bank, see
:class:`workbench.questions.BankQuestion`); the answers say which version they answered
(``answers.question_version``). :func:`validity_by_version` gives each version of a reworded question its own
validity row (the other questions as in the review), and :func:`apply_review` turns the verdicts into the next
bank version:

- ``invalid`` -> the question is **retired** (kept in the file with its history, no longer asked);
- ``inconclusive`` -> marked **reword** (still asked; a person writes the new wording, which becomes the next
  ``version`` of the same id);
- ``keep`` and ``insufficient_data`` -> unchanged (a retired question stays retired).

The new bank is written as a new file ``<job_id>.<version>.yaml`` in a bank folder, never over an existing
file, and a line per change is appended to the folder's ``CHANGELOG.md`` (and recorded in the file's
``changelog``).

Examples
--------
>>> from workbench.questions import load_bank
>>> rev = apply_verdicts(load_bank("product_manager"), {"pm_q09": ("invalid", "CI below .10"),
...                                                     "pm_q02": ("inconclusive", "CI spans .10")}, source="test")
>>> rev.bank.version, rev.bank.question("pm_q09").status, rev.bank.question("pm_q02").status
('v2', 'retired', 'reword')
>>> [c.action for c in rev.changes]
['reword', 'retire']
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from workbench.data.load import tables_of
from workbench.data.questions import current_questions
from workbench.jsonable import json_ready
from workbench.questions import BankDimension, BankQuestion, QuestionBank, load_bank

__all__ = ["ACTIONS", "BankChange", "BankRevision", "apply_review", "apply_verdicts", "latest_bank", "next_version",
           "validity_by_version", "verdicts_of", "write_revision"]

#: verdict -> (action, new status); None = leave the question as it is
ACTIONS: dict[str, tuple[str, str] | None] = {"invalid": ("retire", "retired"), "inconclusive": ("reword", "reword"),
                                              "keep": None, "insufficient_data": None}
VERSION_SEP = "@"


@dataclass(frozen=True)
class BankChange:
    """What one verdict did to one question (``action``: retire, reword or keep)."""

    question_id: str
    version: str
    verdict: str
    action: str
    status_before: str
    status_after: str
    reason: str


@dataclass(frozen=True)
class BankRevision:
    """A new bank version made from a review: the bank, the changes, and where it was written."""

    job_id: str
    base_version: str
    bank: QuestionBank
    changes: tuple[BankChange, ...]
    unchanged: tuple[str, ...]
    not_in_bank: tuple[str, ...]
    source: str
    date: str
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return json_ready({"job_id": self.job_id, "base_version": self.base_version, "version": self.bank.version,
                           "revision": self.bank.revision, "path": self.path, "source": self.source,
                           "date": self.date, "changes": [asdict(c) for c in self.changes],
                           "unchanged": list(self.unchanged), "not_in_bank": list(self.not_in_bank)})

    def changelog_lines(self) -> list[str]:
        """Markdown lines for ``CHANGELOG.md``."""
        head = f"## {self.job_id} {self.bank.version} ({self.date}, from {self.base_version}; {self.source})"
        body = [f"- {c.question_id} ({c.version}): {c.action} ({c.status_before} -> {c.status_after}); verdict "
                f"{c.verdict}: {c.reason}" for c in self.changes if c.action != "keep"]
        if not body:
            body = ["- no change: every question kept"]
        if self.not_in_bank:
            body.append(f"- reviewed but not in the bank (nothing changed): {', '.join(self.not_in_bank)}")
        return [head, *body, ""]

    def summary(self) -> str:
        lines = [f"{self.job_id}: bank {self.base_version} -> {self.bank.version}"
                 + (f" written to {self.path}" if self.path else " (not written)")]
        lines += [f"  {line}" for line in self.changelog_lines()[1:] if line]
        return "\n".join(lines)


def next_version(version: str) -> str:
    """The next version label: the trailing number + 1 (``v1`` -> ``v2``, ``2026.1`` -> ``2026.2``), else ``.1``.

    Examples
    --------
    >>> next_version("v1"), next_version("2026.9"), next_version("draft")
    ('v2', '2026.10', 'draft.1')
    """
    m = re.match(r"^(.*?)(\d+)$", str(version))
    return f"{m.group(1)}{int(m.group(2)) + 1}" if m else f"{version}.1"


def _changed(q: BankQuestion, verdict: str, reason: str, changes: list[BankChange]) -> BankQuestion:
    action = ACTIONS.get(verdict)
    if action is None or q.status in ("retired", action[1]):
        changes.append(BankChange(q.question_id, q.version, verdict, "keep", q.status, q.status, reason))
        return q
    name, status = action
    changes.append(BankChange(q.question_id, q.version, verdict, name, q.status, status, reason))
    return replace(q, status=status, note=f"{verdict}: {reason}" if reason else verdict)


def apply_verdicts(bank: QuestionBank, verdicts: Mapping[str, tuple[str, str]], *, source: str = "review",
                   date: str | None = None, version: str | None = None) -> BankRevision:
    """The next version of ``bank`` under ``verdicts`` (question_id -> (verdict, reason)); nothing is written.

    Questions without a verdict are unchanged; verdicts for ids outside the bank are listed in
    ``not_in_bank``. ``version`` defaults to :func:`next_version` of the bank's version.
    """
    date = date or dt.datetime.now(dt.timezone.utc).date().isoformat()
    changes: list[BankChange] = []
    known = {q.question_id for q in bank.questions}

    def new(q: BankQuestion) -> BankQuestion:
        return _changed(q, *verdicts[q.question_id], changes) if q.question_id in verdicts else q

    dims = tuple(BankDimension(d.name, new(d.behavioral), new(d.situational), d.probe) for d in bank.dimensions)
    general = tuple(new(q) for q in bank.general)
    order = [q.question_id for q in bank.questions]
    changes.sort(key=lambda c: order.index(c.question_id))
    acted = tuple(c for c in changes if c.action != "keep")
    entry = {"version": version or next_version(bank.version), "date": date, "from": bank.version,
             "source": source, "changes": [f"{c.question_id}: {c.action} ({c.verdict})" for c in acted]}
    out = QuestionBank(bank.job_id, entry["version"], dims, general, bank.revision + 1, (*bank.changelog, entry))
    unchanged = tuple(q for q in order if q not in {c.question_id for c in acted})
    return BankRevision(bank.job_id, bank.version, out, tuple(acted), unchanged,
                        tuple(sorted(set(verdicts) - known)), source, date)


def _revision_files(folder: Path, job_id: str) -> list[Path]:
    return sorted(p for p in folder.glob(f"{job_id}.*.yaml") if p.is_file())


def latest_bank(folder: str | Path, job_id: str) -> QuestionBank | None:
    """The bank of ``job_id`` with the highest ``revision`` among ``<job_id>.*.yaml`` in ``folder`` (None: none)."""
    banks = [load_bank(p) for p in _revision_files(Path(folder), job_id)]
    banks = [b for b in banks if b.job_id == job_id]
    return max(banks, key=lambda b: b.revision) if banks else None


def write_revision(revision: BankRevision, into: str | Path) -> BankRevision:
    """Write ``revision.bank`` as ``<into>/<job_id>.<version>.yaml`` (never over an existing file) and append its
    lines to ``<into>/CHANGELOG.md``; returns the revision with its ``path``."""
    folder = Path(into)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{revision.job_id}.{revision.bank.version}.yaml"
    if path.exists():
        raise FileExistsError(f"{path} exists: a bank version is never overwritten (pass another --version)")
    text = (f"# Question bank {revision.job_id} {revision.bank.version}, written by workbench bank apply-review "
            f"from {revision.base_version} on {revision.date}.\n")
    text += yaml.safe_dump(revision.bank.to_dict(), allow_unicode=True, sort_keys=False, width=110)
    with path.open("x", encoding="utf-8") as f:  # "x": fails if someone wrote it meanwhile
        f.write(text)
    log = folder / "CHANGELOG.md"
    with log.open("a", encoding="utf-8") as f:
        if log.stat().st_size == 0:
            f.write("# Question bank changelog (append-only; one section per bank version)\n\n")
        f.write("\n".join(revision.changelog_lines()) + "\n")
    return replace(revision, path=str(path))


# ---------------------------------------------------------------------------------------------- review


def validity_by_version(dataset: Any, job_id: str, criterion: str = "final_passed", *, settings: Any = None,
                        profile: Any = None) -> pd.DataFrame:
    """The review's question validity table with one row per answered version of each reworded question.

    A question whose answers record more than one ``question_version`` is split into ``<id>@<version>``
    columns before :func:`workbench.review.validity.validity_table` runs (a candidate answered one version, so
    each version's row has only its own candidates; the verdicts of the split rows are on fewer answers).
    Other questions are reviewed as usual.

    Returns
    -------
    DataFrame
        The validity columns (``question_id``, ``dimension``, ``n``, ``r_corrected``, ``ci_low``, ``ci_high``,
        ``verdict``, ``reason``, ...) with ``version`` (the answered version; the questions table's
        version where the answers record none) beside ``question_id``.
    """
    from workbench.review.inputs import review_inputs_from_tables
    from workbench.review.validity import ValiditySettings, validity_table

    tables = dict(tables_of(dataset))
    if profile is None:
        profiles = getattr(dataset, "profiles", None) or {}
        if job_id not in profiles:
            raise ValueError(f"job {job_id!r} has no profile in the dataset")
        profile = profiles[job_id]
    questions, answers = tables["questions"], tables["answers"].copy()
    questions = current_questions(questions)
    own = questions[questions["job_id"] == job_id]
    table_version = dict(zip(own["question_id"], own["version"].astype(str)))
    if "question_version" in answers.columns:
        ver = answers["question_version"].astype("string")
    else:
        ver = pd.Series(pd.NA, index=answers.index, dtype="string")
    mine = answers["question_id"].isin(own["question_id"]) & ver.notna()
    counts = ver[mine].groupby(answers.loc[mine, "question_id"]).nunique()
    split = set(counts[counts > 1].index)
    hit = answers["question_id"].isin(split) & ver.notna()
    answers.loc[hit, "question_id"] = answers.loc[hit, "question_id"] + VERSION_SEP + ver[hit].astype(str)
    extra = [{**row, "question_id": f"{row['question_id']}{VERSION_SEP}{v}", "version": v}
             for row in own[own["question_id"].isin(split)].to_dict("records")
             for v in sorted(ver[answers["question_id"].str.startswith(row["question_id"] + VERSION_SEP)
                                 & hit].astype(str).unique())]
    relabelled = pd.concat([questions[~questions["question_id"].isin(split)], pd.DataFrame(extra)], ignore_index=True)
    inputs = review_inputs_from_tables({**tables, "questions": relabelled, "answers": answers}, profile, criterion)
    res = validity_table(inputs, settings or ValiditySettings())
    out = res.questions.copy()
    parts = out["question_id"].astype(str).str.split(VERSION_SEP, n=1, expand=True)
    answered = ver[mine].groupby(answers.loc[mine, "question_id"]).first()
    out["question_id"] = parts[0]
    out.insert(1, "version", parts[1] if parts.shape[1] > 1 else None)
    fill = out["question_id"].map(lambda q: answered.get(q, table_version.get(q)))
    out["version"] = out["version"].where(out["version"].notna(), fill)
    out.attrs["split"] = sorted(split)
    return out


def verdicts_of(table: pd.DataFrame, bank: QuestionBank) -> dict[str, tuple[str, str]]:
    """question_id -> (verdict, reason) for ``bank``: the row of the question's current bank version when the
    table has one per version (:func:`validity_by_version`), else the question's row."""
    out: dict[str, tuple[str, str]] = {}
    current = {q.question_id: q.version for q in bank.questions}
    for qid, rows in table.groupby("question_id", sort=False):
        if "version" in rows.columns and len(rows) > 1:
            exact = rows[rows["version"].astype(str) == current.get(qid, "")]
            rows = exact if len(exact) else rows.iloc[[-1]]
        row = rows.iloc[0]
        reason = str(row.get("reason") or "")
        if "version" in rows.columns and len(table[table["question_id"] == qid]) > 1:
            reason = f"version {row['version']}: {reason}"
        out[str(qid)] = (str(row["verdict"]), reason)
    return out


def apply_review(dataset: Any, job_id: str, into: str | Path, *, base: str | Path | None = None,
                 criterion: str = "final_passed", version: str | None = None, settings: Any = None,
                 write: bool = True) -> BankRevision:
    """Review ``job_id`` (validity per question version) and write the next bank version into the folder ``into``.

    The base bank is the latest version already in ``into`` (highest ``revision``), else ``base`` (a bank
    file or job id), else the packaged bank of the job. Returns the :class:`BankRevision` (``path`` set when
    written).
    """
    bank = latest_bank(into, job_id) if Path(into).is_dir() else None
    if bank is None:
        bank = load_bank(base if base is not None else job_id)
    if bank.job_id != job_id:
        raise ValueError(f"bank {bank.job_id!r} is not the bank of job {job_id!r}")
    table = validity_by_version(dataset, job_id, criterion, settings=settings)
    source = f"review of {getattr(dataset, 'path', 'the data')} against {criterion}"
    if table.attrs.get("split"):
        source += f"; per version: {', '.join(table.attrs['split'])}"
    revision = apply_verdicts(bank, verdicts_of(table, bank), source=source, version=version)
    return write_revision(revision, into) if write else revision
