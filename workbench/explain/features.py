"""Per-candidate features of the model: interview scores, answer terms, resume coverage, process."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.data.pii import redact
from workbench.nlp.language import text_language
from workbench.nlp.terms import tokenize
from workbench.review.inputs import ReviewInputs, review_inputs_from_tables
from workbench.explain import cache
from workbench.explain.cache import NameDigests
from workbench.explain.common import CONTRACT_CANDIDATE_COLUMNS, ExplainError, SEGMENT, TEXT_COLUMN, _NUMBER, _PROTECTED_NAME, _SENTENCE_END


# ------------------------------------------------------------------------------------------ features


@dataclass(frozen=True, eq=False)
class CandidateFeatures:
    """Model inputs for one job's applicant pool (indexed by candidate_id).

    Attributes
    ----------
    frame : DataFrame
        Numeric feature columns (``q:``, ``dim:``, ``resume:``, ``process:``, ``extra:``) and the text column
        ``answer_terms`` (the candidate's terms, space-separated). Candidates without answers are left out.
    no_answers : tuple of str
        Applicants of the pool with no interview answer (cannot be scored or explained).
    excluded : tuple of dict
        ``{feature, reason}`` for columns never used (protected attributes, non-numeric extra columns).
    notes : tuple of str
    """

    frame: pd.DataFrame
    no_answers: tuple[str, ...]
    excluded: tuple[dict[str, str], ...]
    notes: tuple[str, ...] = ()

    @property
    def numeric_columns(self) -> list[str]:
        return [c for c in self.frame.columns if c != TEXT_COLUMN]


def _number_key(text: str) -> str:
    """``text`` with every number replaced by ``0``: the cache key of :func:`_distinct_terms`.

    :func:`workbench.profile.tokenize` turns every number into ``<num>`` and numbers never join a word or a
    Chinese run, so texts that differ only in their numbers have the same terms (and the same script-based
    language: digits are not letters).

    >>> _number_key("In 4 weeks churn fell 20%, saving $1,250.50")
    'In 0 weeks churn fell 0, saving $0'
    """
    return _NUMBER.sub("0", text)


def _distinct_terms(keys: Sequence[str]) -> list[str]:
    """Space-joined terms of each key (spaces inside terms removed); call once per distinct key.

    >>> _distinct_terms(["I grew revenue 0%", "销售额增长了0%"])
    ['grew revenue <num>', '销售额 增长 <num>']
    """
    cache: dict[str, str] = {}
    out = []
    for k in keys:
        parts = []
        for sent in _SENTENCE_END.split(k):  # template sentences repeat across answers: each tokenised once
            terms = cache.get(sent)
            if terms is None:
                terms = cache[sent] = " ".join(w.replace(" ", "") for w in tokenize(sent))
            if terms:
                parts.append(terms)
        out.append(" ".join(parts))
    return out


def _terms(texts: pd.Series) -> pd.Series:
    """Space-joined terms of each text; each distinct text (up to its numbers) is tokenised once.

    >>> _terms(pd.Series(["Grew sales 40%", "Grew sales 35%"])).tolist()
    ['grew sales <num>', 'grew sales <num>']
    """
    codes, uniq = pd.factorize(texts.astype(str), sort=False)
    kcodes, kuniq = pd.factorize(pd.Series([_number_key(t) for t in uniq], dtype=object), sort=False)
    terms = np.asarray(_distinct_terms(list(kuniq)), dtype=object)
    return pd.Series(terms[kcodes][codes], index=texts.index, dtype=object)


#: what :func:`_resume_coverage` keeps of a parsed resume; change it when that changes (cache entries of another
#: version are not read)
RESUME_FEATURES_VERSION = 1


def _resume_coverage(paths: pd.Series, root: Path, profile) -> tuple[pd.Series, list[str], NameDigests]:
    """Share of the profile's keywords each parsed resume mentions (NaN where no file or it cannot be read),
    notes, and the person, employer and school names of all the resumes (never word features; as digests).

    The result is cached on disk (:mod:`workbench.explain.cache`) under the SHA-256 of every resume file, the
    parser version and the keywords: a report run on the same files parses nothing.
    """
    keywords = {lang: [k.lower() for d in profile.dimensions for k in d.keywords.get(lang, ())]
                for lang in ("en", "zh")}
    listed = [(cid, str(rel)) for cid, rel in paths.dropna().items() if str(rel).strip()]
    key = _resume_key(listed, root, keywords)
    hit = _cached_coverage(cache.load("resume_coverage", key), listed, paths.index) if key is not None else None
    if hit is not None:
        return hit
    out, failed, names = _parse_resumes(listed, paths.index, root, keywords)
    if key is not None and not failed:  # a failure's message names the file where it is now: never cached
        cache.store("resume_coverage", key, {"coverage": [None if np.isnan(out[c]) else float(out[c])
                                                          for c, _ in listed], "names": names.to_dict()})
    notes = [f"{len(failed)} resume file(s) could not be read and count as missing (e.g. {failed[0]})"] if failed else []
    return out, notes, names


def _cached_coverage(cached: Any, listed: Sequence[tuple[str, str]],
                     index: pd.Index) -> tuple[pd.Series, list[str], NameDigests] | None:
    """The result of :func:`_resume_coverage` from its cache entry (None when there is none or it is damaged)."""
    try:
        values = [np.nan if v is None else float(v) for v in cached["coverage"]]
        names = NameDigests.from_dict(cached["names"])
    except (KeyError, TypeError, ValueError):
        return None
    if len(values) != len(listed):
        return None
    out = pd.Series(np.nan, index=index, dtype="float64")
    for (cid, _), value in zip(listed, values):
        out[cid] = value
    return out, [], names


def _resume_key(listed: Sequence[tuple[str, str]], root: Path, keywords: Mapping[str, list[str]]) -> list | None:
    """The cache key of :func:`_resume_coverage` (None when a file cannot be read: parsing reports it)."""
    try:
        files = [[str(cid), rel, Path(rel).suffix.lower(), cache.file_sha256(root / rel)] for cid, rel in listed]
    except OSError:
        return None
    return [RESUME_FEATURES_VERSION, cache.parser_version(), {k: list(v) for k, v in keywords.items()}, files]


def _parse_resumes(listed: Sequence[tuple[str, str]], index: pd.Index, root: Path,
                   keywords: Mapping[str, list[str]]) -> tuple[pd.Series, list[str], NameDigests]:
    """Keyword coverage per parsed resume, the failures (``"cid: reason"``) and the names of all resumes."""
    from workbench.parsing import ParseError, parse_file, proper_name_terms

    out = pd.Series(np.nan, index=index, dtype="float64")
    failed = []
    names: set[str] = set()
    for cid, rel in listed:
        try:
            resume = parse_file(root / rel)
        except (ParseError, OSError) as exc:
            failed.append(f"{cid}: {exc}")
            continue
        names |= proper_name_terms(resume)
        kws = keywords.get(resume.language) or keywords["en"] + keywords["zh"]
        if not kws:
            continue
        text = " ".join(resume.lines).lower() + " " + " ".join(resume.skills).lower()
        out[cid] = sum(k in text for k in kws) / len(kws)
    return out, failed, NameDigests(names)


def candidate_features(
    inputs: ReviewInputs,
    tables: Mapping[str, pd.DataFrame],
    *,
    text: bool = True,
    resume_root: str | Path | None = None,
    extra_columns: bool = True,
    max_unexpected_text: float = 0.2,
) -> CandidateFeatures:
    """Build the model inputs of one job's applicant pool (the rows of ``inputs``).

    Parameters
    ----------
    inputs : ReviewInputs
        The pool, question and dimension scores (:func:`workbench.review.inputs.review_inputs`).
    tables : mapping of str -> DataFrame
        The contract tables (``candidates`` and ``answers`` are read).
    text : bool, default True
        Build the ``answer_terms`` text column.
    resume_root : path, optional
        Folder ``candidates.resume_path`` is relative to; None = no resume parsing.
    extra_columns : bool, default True
        Use numeric or boolean candidate columns beyond the contract as ``extra:`` features (protected-looking
        names are excluded).
    max_unexpected_text : float, default 0.2
        Largest share of answer texts not in the job's language (``profile.language``) that is tolerated:
        those texts are left out with a warning; above it, :class:`ExplainError`.

    Returns
    -------
    CandidateFeatures

    Raises
    ------
    ExplainError
        No applicant answered; too many answer texts in an unexpected language.

    Examples
    --------
    >>> from workbench.simulate import simulate, small_config
    >>> from workbench.review.inputs import review_inputs_from_tables
    >>> sim = simulate(small_config(n_candidates=100, seed=2))
    >>> ri = review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], "final_passed")
    >>> cf = candidate_features(ri, sim.tables)
    >>> cf.frame.columns[:2].tolist(), "process:prompted_share" in cf.frame, cf.frame.shape[0] == ri.n_applicants
    (['q:pm_q01', 'q:pm_q02'], True, True)
    """
    pool = inputs.questions.index
    answered = inputs.questions.notna().any(axis=1)
    no_answers = tuple(str(c) for c in pool[~answered.to_numpy()])
    if not answered.any():
        raise ExplainError(f"{inputs.job_id}: no applicant has an interview answer; there is nothing to model")
    ids = pool[answered.to_numpy()]
    cols: dict[str, pd.Series] = {}
    for q in inputs.questions.columns:
        cols[f"q:{q}"] = inputs.questions.loc[ids, q]
    for d in inputs.dimensions.columns:
        cols[f"dim:{d}"] = inputs.dimensions.loc[ids, d]
    cands = tables["candidates"].drop_duplicates("candidate_id").set_index("candidate_id").reindex(ids)
    notes: list[str] = []
    excluded: list[dict[str, str]] = []
    names: Any = frozenset()
    if "years_experience" in cands.columns:
        cols["resume:years_experience"] = pd.to_numeric(cands["years_experience"], errors="coerce").astype("float64")
    if resume_root is not None and "resume_path" in cands.columns and cands["resume_path"].notna().any():
        cov, more, names = _resume_coverage(cands["resume_path"], Path(resume_root), inputs.profile)
        notes += more
        if cov.notna().any():
            cols["resume:skill_coverage"] = cov
            cols["resume:has_resume"] = cov.notna().astype("float64")
            notes.append(f"resume files parsed for {int(cov.notna().sum())} of {len(ids)} applicants; skill "
                         "coverage is imputed (median) for the others")
    answers = tables["answers"]
    answers = answers[answers["candidate_id"].isin(ids) & answers["question_id"].isin(inputs.question_dimension)]
    by = answers.groupby("candidate_id", sort=False)
    if "answer_seconds" in answers.columns:
        cols["process:answer_seconds"] = by["answer_seconds"].mean().astype("float64").reindex(ids)
    if "prompted" in answers.columns:
        prompted = answers["prompted"].astype("boolean").astype("Float64").astype("float64")
        cols["process:prompted_share"] = prompted.groupby(answers["candidate_id"]).mean().reindex(ids)
    for col in cands.columns:
        if col in CONTRACT_CANDIDATE_COLUMNS or not extra_columns:
            continue
        if _PROTECTED_NAME.search(col):
            excluded.append({"feature": f"extra:{col}",
                             "reason": "named like a protected attribute: protected attributes are never features"})
            continue
        values = cands[col]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            cols[f"extra:{col}"] = pd.to_numeric(values.astype("Float64"), errors="coerce").astype("float64")
        else:
            excluded.append({"feature": f"extra:{col}", "reason": "not numeric (only numeric extra columns are used)"})
    frame = pd.DataFrame(cols, index=ids)
    if text:
        frame[TEXT_COLUMN] = _answer_terms(answers, ids, inputs, max_unexpected_text, notes, names)
    frame.index.name = "candidate_id"
    return CandidateFeatures(frame, no_answers, tuple(excluded), tuple(notes))


def _answer_terms(answers: pd.DataFrame, ids: pd.Index, inputs: ReviewInputs, max_unexpected: float,
                  notes: list[str], names: Any = frozenset()) -> pd.Series:
    """Per candidate, the terms of all answers in the job's language (checked; see :func:`candidate_features`),
    without ``names`` (people, employers, schools of the resumes) and stop-list given names and surnames."""
    empty = pd.Series("", index=ids, dtype=object)
    if "answer_text" not in answers.columns:
        return empty
    texts = answers.loc[answers["answer_text"].notna(), ["candidate_id", "question_id", "answer_text"]]
    texts = texts[texts["answer_text"].astype(str).str.strip() != ""]
    if texts.empty:
        return empty
    raw = texts["answer_text"].astype(str)
    # each distinct text, and then each distinct text up to its numbers (templated answers repeat a lot), is
    # language-checked and tokenised once
    codes, uniq = pd.factorize(raw, sort=False)
    kcodes, kuniq = pd.factorize(pd.Series([_number_key(t) for t in uniq], dtype=object), sort=False)
    key_of = kcodes[codes]
    key_lang = np.asarray([text_language(k) for k in kuniq], dtype=object)
    langs = pd.Series(key_lang[key_of], index=raw.index, dtype=object)
    expected = inputs.profile.language
    bad = langs.notna() & (langs != expected)
    if bad.any():
        share = float(bad.mean())
        found = ", ".join(f"{k} {v}" for k, v in langs[bad].value_counts().items())
        first = texts[bad].iloc[0]
        example = f"{first['candidate_id']}/{first['question_id']}: {redact(str(first['answer_text']))[:40]!r}"
        what = (f"{int(bad.sum())} of {len(texts)} answer texts of job {inputs.job_id!r} ({share:.0%}) are not in the "
                f"job's language {expected!r} (found: {found}; e.g. {example})")
        if share > max_unexpected:
            raise ExplainError(f"{what}. Correct the texts or the profile's language, or leave answer texts out "
                               "(text=False).")
        warnings.warn(f"{what}: those texts are left out of the text features", UserWarning, stacklevel=4)
        notes.append(f"{what}; left out of the text features")
    good = ~bad.to_numpy()
    key_terms = np.full(len(kuniq), "", dtype=object)
    needed = np.unique(key_of[good])
    keep: dict[str, bool] = {}
    key_terms[needed] = [_without_names(t, names, keep) for t in _distinct_terms([kuniq[k] for k in needed])]
    terms = key_terms[key_of[good]]
    cand = texts["candidate_id"].to_numpy()[good]
    return _join_by_candidate(cand, terms, ids)


def _without_names(terms: str, names: Any, keep: dict[str, bool] | None = None) -> str:
    """Space-separated ``terms`` without proper names (see :func:`_answer_terms`); ``keep`` remembers the verdict
    on each term across calls (the same terms recur in every answer).

    >>> _without_names("grew sales at globex john", {"globex"})
    'grew sales at'
    """
    from workbench.parsing.names import is_stop_name

    keep = {} if keep is None else keep
    out = []
    for t in terms.split():
        verdict = keep.get(t)
        if verdict is None:
            verdict = keep[t] = t not in names and not is_stop_name(t)
        if verdict:
            out.append(t)
    return " ".join(out)


def _join_by_candidate(cand: np.ndarray, terms: np.ndarray, ids: pd.Index) -> pd.Series:
    """``SEGMENT``-joined terms per candidate (answers in row order), ``""`` for candidates without text.

    >>> _join_by_candidate(np.array(["b", "a", "b"]), np.array(["x y", "z", "w"]), pd.Index(["a", "b", "c"])).tolist()
    ['z', 'x y | w', '']
    """
    if len(cand) == 0:
        return pd.Series("", index=ids, dtype=object)
    ccodes, cuniq = pd.factorize(cand, sort=False)
    order = np.argsort(ccodes, kind="stable")
    sorted_terms = terms[order].tolist()
    starts = np.flatnonzero(np.r_[True, np.diff(ccodes[order]) != 0])
    ends = np.r_[starts[1:], len(order)]
    docs = [SEGMENT.join(sorted_terms[i:j]) for i, j in zip(starts.tolist(), ends.tolist())]
    joined = pd.Series(docs, index=pd.Index(cuniq)[ccodes[order][starts]], dtype=object)
    return joined.reindex(ids).fillna("").astype(object)


