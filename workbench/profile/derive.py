"""Profile proposals derived from history: weights from the review, keywords from what top performers say."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from workbench.data.questions import current_questions
from workbench.data.schema import TABLE_NAMES
from workbench.records import Dimension, JobProfile, ProfileError
from workbench.data.profiles import profile_from_dict, profile_to_dict
from workbench.nlp.terms import NUMBER_TOKEN, informative_prior, log_odds_dirichlet, term_language, tokenize
from workbench.profile.match import resume_lines


# ========================================================================================== derivation


class DerivationError(ProfileError):
    """History cannot support a profile proposal; the message says why."""


def next_version(version: str) -> str:
    """The version string of a proposal: ``2026Q1`` -> ``2026Q1-r1``, ``2026Q1-r1`` -> ``2026Q1-r2``.

    >>> next_version("2026Q1"), next_version("2026Q1-r9")
    ('2026Q1-r1', '2026Q1-r10')
    """
    m = re.fullmatch(r"(.*)-r(\d+)", version)
    return f"{m.group(1)}-r{int(m.group(2)) + 1}" if m else f"{version}-r1"


def _rounded_weights(weights: Mapping[str, float], digits: int = 4) -> dict[str, float]:
    """Round weights to ``digits`` and put the rounding residue on the largest, so they sum to 1."""
    total = sum(weights.values())
    out = {k: round(float(v) / total, digits) for k, v in weights.items()}
    top = max(out, key=out.get)
    out[top] = round(out[top] + 1.0 - sum(out.values()), digits)
    return out


def _covered(term: str, keywords: tuple[str, ...]) -> bool:
    """Whether an existing keyword already finds ``term`` (English stems by prefix, Chinese by substring)."""
    if term_language(term) == "zh":
        return any(k in term or term in k for k in keywords)
    return any(term.startswith(k.lower()) for k in keywords)


@dataclass(frozen=True, eq=False)
class ProfileProposal:
    """A profile derived from history, next to the current one, for a person to accept or reject.

    Nothing is written until :func:`accept` is called with it.

    Attributes
    ----------
    job_id, criterion : str
    current, proposed : JobProfile
        ``proposed`` has a new version (:func:`next_version`), the proposed weights (rounded to 4 decimals),
        the threshold chosen by ``threshold=`` of :func:`derive_profile`, and the current keywords plus
        :attr:`added_keywords`.
    weights : DataFrame
        Per dimension: ``current``, ``proposed``, ``change`` and the review module's bootstrap stability of
        the proposed weight (``sd``, ``ci_low``, ``ci_high``, ``share_zero``).
    cv : dict
        Cross-validated validity of current vs proposed weights (``baseline_auc``, ``tuned_auc``,
        ``baseline_r``, ``tuned_r``, their Case III corrections, ``n``, ``folds``, ``caveat``).
    keywords : DataFrame
        Log-odds tables: ``source`` (``answers``: top performers vs the rest; ``resumes``: the same on resume
        texts; ``dimension_specificity``: a dimension's answers vs the other dimensions'), ``dimension`` ("*" = all), ``language``, ``term``,
        ``count_a`` (top performers / this dimension), ``count_b`` (the rest / other dimensions), ``alpha``, ``delta``, ``var``, ``z``.
    added_keywords : mapping of dimension -> mapping of language -> tuple of str
    flagged_keywords : mapping of dimension -> mapping of language -> tuple of str
        Current keywords that find a term top performers use significantly LESS than the rest (all answers,
        ``z <= -z_min``): for a person to review; the proposal keeps them.
    groups : dict
        How "top performers" were defined and how many candidates, answers and resumes each side had.
    weight_proposal : workbench.review.weights.WeightProposal
        The review module's full proposal (pass rates, impact ratios).
    caveats : tuple of str
    """

    job_id: str
    criterion: str
    current: JobProfile
    proposed: JobProfile
    weights: Any
    cv: dict[str, Any]
    keywords: Any
    added_keywords: Mapping[str, Mapping[str, tuple[str, ...]]]
    groups: dict[str, Any]
    weight_proposal: Any
    caveats: tuple[str, ...] = ()
    flagged_keywords: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)

    def to_frame(self):
        """One row per dimension: weights current/proposed/change with stability, keywords added per language."""
        frame = self.weights.copy()
        for lang in ("en", "zh"):
            frame[f"keywords_added_{lang}"] = [", ".join(self.added_keywords.get(d, {}).get(lang, ()))
                                               for d in frame.index]
        for lang in ("en", "zh"):
            frame[f"keywords_flagged_{lang}"] = [", ".join(self.flagged_keywords.get(d, {}).get(lang, ()))
                                                 for d in frame.index]
        return frame

    def side_by_side(self):
        """Every field of the two profiles, one row each: ``current``, ``proposed``, ``changed``."""
        import pandas as pd

        def flat(p: JobProfile) -> dict[str, Any]:
            out: dict[str, Any] = {"version": p.version, "threshold": p.threshold}
            for d in p.dimensions:
                out[f"{d.name}.weight"] = d.weight
                for lang in ("en", "zh"):
                    out[f"{d.name}.keywords.{lang}"] = ", ".join(d.keywords.get(lang, ()))
            return out

        cur, new = flat(self.current), flat(self.proposed)
        frame = pd.DataFrame({"current": pd.Series(cur, dtype=object), "proposed": pd.Series(new, dtype=object)})
        frame["changed"] = [cur.get(k) != new.get(k) for k in frame.index]
        frame.index.name = "field"
        return frame

    def to_records(self) -> dict[str, Any]:
        """JSON-ready summary (NaN as None)."""
        from workbench.jsonable import json_ready

        top = self.keywords.sort_values("z", ascending=False).groupby(["source", "dimension", "language"]).head(10)
        return json_ready({
            "job_id": self.job_id, "criterion": self.criterion, "current_version": self.current.version,
            "proposed_version": self.proposed.version, "current": profile_to_dict(self.current),
            "proposed": profile_to_dict(self.proposed),
            "weights": [{"dimension": d, **row} for d, row in self.weights.to_dict(orient="index").items()],
            "cv": self.cv, "groups": self.groups,
            "added_keywords": {d: dict(v) for d, v in self.added_keywords.items()},
            "flagged_keywords": {d: dict(v) for d, v in self.flagged_keywords.items()},
            "keywords": top.to_dict(orient="records"), "caveats": list(self.caveats),
        })


def accept(proposal: ProfileProposal, path: str | Path) -> Path:
    """Write the proposed profile to a NEW file; never overwrites anything.

    Parameters
    ----------
    proposal : ProfileProposal
    path : str or Path
        A ``.yaml`` file path, or a folder, where the file is ``<job_id>@<version>.yaml``. Keep proposals
        out of a dataset's ``profiles/`` folder (its loader reads ``<job_id>.yaml`` files only and reports
        others), e.g. in ``profiles/proposed/``; adopting a profile means a person replaces
        ``profiles/<job_id>.yaml`` on purpose.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    FileExistsError
        The file exists already (a version is written once).
    """
    return write_profile_version(proposal.proposed, path)


def write_profile_version(profile: JobProfile, path: str | Path) -> Path:
    """Write ``profile`` to a NEW file (``<job_id>@<version>.yaml`` in a folder); never overwrites anything.

    The one writer of proposed profiles: :func:`accept` (the review's proposals) and the weight tuner's "save as
    new profile version" both use it.
    """
    path = Path(path)
    if path.is_dir() or not path.suffix:
        path = path / f"{profile.job_id}@{profile.version}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(profile_to_dict(profile), allow_unicode=True, sort_keys=False)
    profile_from_dict(yaml.safe_load(text), source=str(path))  # what is written must load back
    with open(path, "x", encoding="utf-8") as fh:  # "x": fail rather than overwrite
        fh.write(text)
    return path


def _resume_texts(dataset: Any, candidates: Any, resumes: Mapping[str, Any] | None) -> tuple[dict[str, Any], int]:
    """candidate_id -> resume (a :class:`Resume` or its text): from ``resumes`` or the dataset's resume files in
    any format the parser reads (PDF, DOCX, TXT/MD); files that cannot be read are counted as skipped."""
    from workbench.parsing import ParseError, resume_text

    texts: dict[str, Any] = {}
    skipped = 0
    if resumes is not None:
        return {str(cid): r for cid, r in resumes.items()}, skipped
    root = getattr(dataset, "path", None)
    if root is None or "resume_path" not in candidates.columns:
        return texts, skipped
    for cid, rel in zip(candidates["candidate_id"], candidates["resume_path"]):
        if not isinstance(rel, str) or not rel:
            continue
        try:
            texts[str(cid)] = resume_text(Path(root) / rel)
        except (ParseError, OSError):
            skipped += 1
    return texts, skipped


def _resume_term_lists(resumes: Mapping[str, Any]) -> dict[str, list[str]]:
    """candidate_id -> terms of the resume, without contact details and without any person, employer or school
    name found in any of the resumes (nor stop-list names): keywords must say what candidates did, not who they
    are or where they worked."""
    from workbench.data.pii import redact
    from workbench.parsing import extract, proper_name_terms, text_lines
    from workbench.parsing.names import is_stop_name

    texts, parsed = {}, {}
    for cid, r in resumes.items():
        text = r if isinstance(r, str) else "\n".join(resume_lines(r))
        texts[cid], parsed[cid] = text, extract(text_lines(text)) if isinstance(r, str) else r
    names = set().union(*(proper_name_terms(p) for p in parsed.values())) if parsed else set()
    masks = {"email", "phone", "id", "name", "link"}
    return {cid: [t for t in tokenize(redact(text)) if t not in names and t not in masks and not is_stop_name(t)]
            for cid, text in texts.items()}


def _counts(token_lists) -> Any:
    import pandas as pd

    flat = [t for toks in token_lists for t in toks]
    return pd.Series(flat, dtype="object").value_counts() if flat else pd.Series(dtype="float64")


def _log_odds_by_language(tokens_a, tokens_b, prior_weight: float, min_total: int = 1) -> list[Any]:
    """One log-odds table per language; the prior is the pooled counts, alpha_0 = prior_weight * tokens.

    ``<num>`` counts in every language that has words of its own; terms used fewer than ``min_total`` times
    on both sides together are left out of the table (after the computation).
    """
    a, b = _counts(tokens_a), _counts(tokens_b)
    frames = []
    for lang in ("en", "zh"):
        def keep(s):
            return s[[t == NUMBER_TOKEN or term_language(t) == lang for t in s.index]] if len(s) else s

        ka, kb = keep(a), keep(b)
        pooled = ka.add(kb, fill_value=0)
        if ka.sum() == 0 or kb.sum() == 0 or len(pooled.index.difference([NUMBER_TOKEN])) < 2:
            continue
        table = log_odds_dirichlet(ka, kb, informative_prior(pooled, prior_weight * float(pooled.sum())))
        table = table[table["count_a"] + table["count_b"] >= min_total].reset_index(drop=True)
        table.insert(0, "language", lang)
        frames.append(table)
    return frames


def _top_performers(outcomes: Any, cands: Any, job_id: str, top_quantile: float) -> tuple[set, str]:
    """The hires at or above the ``top_quantile`` of performance (all hires before any rating), and in words."""
    import pandas as pd

    hires = outcomes[outcomes["candidate_id"].isin(cands["candidate_id"])
                     & outcomes["hired"].astype("boolean").fillna(False).astype(bool)]
    if hires.empty:
        raise DerivationError(f"{job_id}: no hired candidate in outcomes, so there are no top performers to learn "
                              "keywords from")
    perf = pd.to_numeric(hires["performance"], errors="coerce")
    if not perf.notna().any():
        return set(hires["candidate_id"]), "hired (no performance ratings yet)"
    cut = float(perf.quantile(top_quantile))
    return (set(hires.loc[perf >= cut, "candidate_id"]),
            f"hired with performance >= {cut:g} (quantile {top_quantile:g} of {int(perf.notna().sum())} rated hires)")


def _answer_keyword_tables(ans: Any, dimensions: Sequence[str], prior_weight: float, min_total: int) -> list:
    """Log-odds tables of the answers: top performers vs the rest (overall and per dimension), and each
    dimension's answers vs the other dimensions' (specificity)."""
    frames = []

    def add(tables, source: str, dim: str) -> None:
        for table in tables:
            table.insert(0, "dimension", dim)
            table.insert(0, "source", source)
            frames.append(table)

    for dim, group in [("*", ans), *((d, ans[ans["dimension"] == d]) for d in dimensions)]:
        add(_log_odds_by_language(group.loc[group["top"], "tokens"], group.loc[~group["top"], "tokens"],
                                  prior_weight, min_total), "answers", dim)
        if dim != "*":
            inside = ans["dimension"] == dim
            add(_log_odds_by_language(ans.loc[inside, "tokens"], ans.loc[~inside, "tokens"], prior_weight,
                                      min_total), "dimension_specificity", dim)
    return frames


def _keywords_to_add(keywords: Any, current: JobProfile, z_min: float, min_count: int,
                     max_new: int) -> dict[str, dict[str, tuple[str, ...]]]:
    """Significant, frequent, specific terms not yet covered, each in its best dimension."""
    import pandas as pd

    per_dim = keywords[(keywords["source"] == "answers") & (keywords["dimension"] != "*")]
    spec = keywords[keywords["source"] == "dimension_specificity"].set_index(["dimension", "language", "term"])["z"]
    z_spec = spec.reindex(pd.MultiIndex.from_frame(per_dim[["dimension", "language", "term"]])).to_numpy()
    cand = per_dim[(per_dim["z"] >= z_min) & (z_spec >= z_min) & (per_dim["count_a"] >= min_count)
                   & (per_dim["term"] != NUMBER_TOKEN)]
    cand = cand.sort_values("z", ascending=False).drop_duplicates(["language", "term"])
    current_kw = {d.name: d.keywords for d in current.dimensions}
    added: dict[str, dict[str, tuple[str, ...]]] = {}
    for (dim, lang), rows in cand.groupby(["dimension", "language"], sort=False):
        terms = [t for t in rows["term"] if not _covered(t, current_kw[dim].get(lang, ()))][:max_new]
        if terms:
            added.setdefault(dim, {})[lang] = tuple(terms)
    return added


def _keywords_used_less(keywords: Any, current: JobProfile, z_min: float) -> dict[str, dict[str, tuple[str, ...]]]:
    """Current keywords that top performers use significantly less (shown, never removed automatically)."""
    overall = keywords[(keywords["source"] == "answers") & (keywords["dimension"] == "*")]
    flagged: dict[str, dict[str, tuple[str, ...]]] = {}
    for d in current.dimensions:
        for lang, kws in d.keywords.items():
            low = overall[(overall["language"] == lang) & (overall["z"] <= -z_min)]
            hit = tuple(kw for kw in kws if any(_covered(t, (kw,)) for t in low["term"]))
            if hit:
                flagged.setdefault(d.name, {})[lang] = hit
    return flagged


def _derivation_caveats(review_caveats: Sequence[str], n_terms: int, z_min: float, min_count: int, skipped: int,
                        n_top_resumes: int) -> list[str]:
    caveats = [*review_caveats,
               f"Keyword z-scores screen {n_terms} term comparisons without a multiplicity correction; "
               f"terms were added at z >= {z_min:g} with at least {min_count} uses by top performers.",
               "Top performers are hires, who passed the AI interview and the final round: their words reflect "
               "what the current process selected as well as what predicts performance."]
    if skipped:
        caveats.append(f"{skipped} resume file(s) could not be read and were left out; pass parsed resumes via "
                       "resumes= to include them.")
    if n_top_resumes < 10:
        caveats.append(f"only {n_top_resumes} top performers have a resume text: resume keywords are unreliable.")
    return caveats


def derive_profile(
    dataset: Any,
    job_id: str,
    *,
    criterion: str = "final_passed",
    shrinkage: float | str = "auto",
    threshold: str | float = "matched",
    top_quantile: float = 0.5,
    kinds: tuple[str, ...] = ("behavioral", "situational"),
    resumes: Mapping[str, Any] | None = None,
    prior_weight: float = 0.1,
    z_min: float = 2.58,
    min_count: int = 10,
    min_total: int = 3,
    max_new_keywords: int = 5,
    n_boot: int = 200,
    folds: int = 5,
    random_state: int | None = 0,
    version: str | None = None,
) -> ProfileProposal:
    """Propose a new profile for ``job_id`` from its history: dimension weights and keywords.

    Weights come from the review module (:func:`workbench.review.weights.weight_proposal`): non-negative
    weights fitted on the AI-passed candidates who have the criterion, shrunk toward the current (expert)
    weights, with bootstrap stability and cross-validated validity of current vs proposed weights.

    Keywords: the "top performers" are the hires whose performance is at or above the ``top_quantile`` of
    the rated hires (all hires when nobody is rated yet); "the rest" is every other applicant of the job.
    Answer texts (of questions of ``kinds``) and resume texts are tokenised (:func:`tokenize`) and compared
    with :func:`log_odds_dirichlet`, per dimension (answers to that dimension's questions), over all
    answers (dimension ``"*"``), and over resumes, separately per language. The prior is the pooled counts
    of the two sides scaled to alpha_0 = ``prior_weight`` x (their number of tokens). A term is added to a
    dimension's keywords when ``z >= z_min``, the top performers used it at least ``min_count`` times, it
    is not a number and no current keyword finds it; a term goes to the one dimension where its z is
    largest, at most ``max_new_keywords`` per dimension and language. A term must also be specific to the
    dimension: over-represented (``z >= z_min``) in that dimension's answers against the other dimensions'
    answers (source ``dimension_specificity``); so words every good answer uses (numbers, "revenue", "rose")
    stay in the all-answers table (dimension ``"*"``) rather than being filed under one dimension. Current
    keywords are never removed. Terms used fewer than ``min_total`` times in a comparison are left out of
    its table (this also keeps most names and e-mail fragments of resumes out of it).

    Parameters
    ----------
    dataset : workbench.data.Dataset or str or Path
        A loaded dataset or its folder.
    job_id : str
    criterion : {"final_passed", "final_score", "performance", "retained_12m"}
        What the weights should predict (range-restricted: only AI-passed candidates have it).
    shrinkage : float or "auto"
        Toward the current weights; "auto" uses the review loop's rule (150 / (150 + n with criterion)).
    threshold : "matched", "current" or float
        Threshold of the proposed profile: "matched" keeps the current projected AI pass rate (rounded to
        2 decimals), "current" keeps the current threshold.
    top_quantile, kinds, resumes, prior_weight, z_min, min_count, min_total, max_new_keywords
        Keyword settings (see above). ``resumes`` maps candidate_id to a :class:`Resume` or text; by
        default the dataset's ``.txt`` resume files are read (other formats need parsing first and are
        counted in ``groups["resumes_skipped"]``).
    n_boot, folds, random_state
        Bootstrap resamples, cross-validation folds and seed of the weight proposal.
    version : str, optional
        Version of the proposed profile; default :func:`next_version` of the current one.

    Returns
    -------
    ProfileProposal

    Raises
    ------
    DerivationError
        Unknown job, no hires, no answer texts; the review module's errors (too few candidates, constant
        criterion) pass through with their messages.

    Examples
    --------
    >>> from workbench.simulate import simulate, small_config
    >>> sim = simulate(small_config(n_candidates=600, seed=3))
    >>> from types import SimpleNamespace
    >>> ds = SimpleNamespace(profiles=sim.profiles, table=sim.tables.__getitem__, path=None)
    >>> prop = derive_profile(ds, "product_manager", n_boot=0, folds=3)
    >>> prop.proposed.version, round(sum(prop.proposed.weights.values()), 6), prop.current is sim.profiles["product_manager"]
    ('2026Q1-r1', 1.0, True)
    """
    import pandas as pd

    from workbench.review.inputs import review_inputs_from_tables
    from workbench.review.loop import shrinkage_for
    from workbench.review.weights import weight_proposal

    if isinstance(dataset, str | Path):
        from workbench.data import load

        dataset = load(dataset)
    profiles = dataset.profiles
    if job_id not in profiles:
        raise DerivationError(f"job {job_id!r} has no profile (profiles: {', '.join(sorted(profiles)) or 'none'})")
    current = profiles[job_id]
    tables = {name: dataset.table(name) for name in TABLE_NAMES}

    # ---- weights (the review module)
    inputs = review_inputs_from_tables(tables, current, criterion)
    shrink = shrinkage_for(inputs.n_with_criterion) if shrinkage == "auto" else float(shrinkage)
    wp = weight_proposal(inputs, shrinkage=shrink, n_boot=n_boot, folds=folds, random_state=random_state)
    weights = wp.weights.copy()
    weights.insert(2, "change", weights["proposed"] - weights["current"])
    new_weights = _rounded_weights(weights["proposed"].to_dict())

    # ---- top performers vs the rest
    cands = tables["candidates"]
    cands = cands[cands["job_id"] == job_id]
    top, definition = _top_performers(tables["outcomes"], cands, job_id, top_quantile)

    # ---- answers: per dimension and overall
    bank = current_questions(tables["questions"])
    bank = bank[(bank["job_id"] == job_id) & bank["kind"].isin(kinds)][["question_id", "dimension"]]
    ans = tables["answers"]
    ans = ans[ans["candidate_id"].isin(cands["candidate_id"])].merge(bank, on="question_id")
    ans = ans[ans["answer_text"].notna() & (ans["answer_text"].astype(str).str.strip() != "")]
    if ans.empty:
        raise DerivationError(f"{job_id}: no answer texts for questions of kind {', '.join(kinds)}")
    ans = ans.assign(tokens=[tokenize(str(t)) for t in ans["answer_text"]],
                     top=ans["candidate_id"].isin(top).to_numpy())
    frames = _answer_keyword_tables(ans, current.dimension_names, prior_weight, min_total)

    # ---- resumes (where text is available)
    texts, skipped = _resume_texts(dataset, cands, resumes)
    terms = _resume_term_lists(texts)
    res_top = [t for c, t in terms.items() if c in top]
    res_rest = [t for c, t in terms.items() if c not in top]
    if res_top and res_rest:
        for table in _log_odds_by_language(res_top, res_rest, prior_weight):
            table.insert(0, "dimension", "*")
            table.insert(0, "source", "resumes")
            frames.append(table)
    keywords = pd.concat(frames, ignore_index=True)

    # ---- keywords to add: significant, frequent, new, each term in its best dimension
    added = _keywords_to_add(keywords, current, z_min, min_count, max_new_keywords)
    # ---- current keywords that top performers use LESS (shown, never removed automatically)
    flagged = _keywords_used_less(keywords, current, z_min)

    # ---- the proposed profile
    new_threshold = (round(float(wp.matched_threshold), 2) if threshold == "matched"
                     else current.threshold if threshold == "current" else float(threshold))
    dims = tuple(
        Dimension(d.name, new_weights[d.name],
                  {lang: tuple(d.keywords.get(lang, ())) + added.get(d.name, {}).get(lang, ())
                   for lang in dict.fromkeys([*d.keywords, *added.get(d.name, {})])},
                  d.description)
        for d in current.dimensions)
    proposed = JobProfile(job_id, version or next_version(current.version), new_threshold, dims, current.title,
                          current.language)
    n_top = int(ans.loc[ans["top"], "candidate_id"].nunique())
    groups = {"top_performers": definition, "n_top": n_top,
              "n_rest": int(ans.loc[~ans["top"], "candidate_id"].nunique()),
              "answers_top": int(ans["top"].sum()), "answers_rest": int((~ans["top"]).sum()),
              "resumes_top": len(res_top), "resumes_rest": len(res_rest), "resumes_skipped": skipped,
              "shrinkage": shrink}
    caveats = _derivation_caveats(wp.caveats, len(keywords), z_min, min_count, skipped, len(res_top))
    return ProfileProposal(job_id, criterion, current, proposed, weights, wp.cv, keywords,
                           {d: dict(v) for d, v in added.items()}, groups, wp, tuple(caveats), flagged)
