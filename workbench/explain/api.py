"""The entry point: train and cross-validate the model on a dataset, next to the profile baseline."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import KFold, StratifiedKFold

from workbench.data.coverage import LEFT_OUT_WARN_SHARE, coverage_warnings, table_coverage
from workbench.data.groups import group_labels
from workbench.data.questions import current_questions
from workbench import composite
from workbench.metrics import auc
from workbench.review.inputs import BINARY_CRITERIA, ReviewInputError, ReviewInputs, review_inputs_from_tables
from workbench.review.stats import pearson
from workbench.review.validity import corrected_validity
from workbench.review.weights import cross_validated_validity
from workbench.explain.common import ExplainError, RESTRICTION, SCREEN_ATTRIBUTES
from workbench.explain.card import ExplainResult
from workbench.explain.model import ScoringModel
from workbench.explain.proxy import _joint_screen, proxy_screen
from workbench.explain.features import candidate_features


# ------------------------------------------------------------------------------------------ entry point


def _source(dataset: Any) -> tuple[dict[str, pd.DataFrame], Mapping[str, Any], Path | None]:
    """Tables, profiles and folder of a Dataset, a dataset folder, or a Simulation."""
    from workbench.data.schema import TABLE_NAMES

    if isinstance(dataset, (str, Path)):
        from workbench.data import load

        dataset = load(dataset)
    if hasattr(dataset, "table") and hasattr(dataset, "profiles"):
        return {n: dataset.table(n) for n in TABLE_NAMES}, dataset.profiles, getattr(dataset, "path", None)
    if hasattr(dataset, "tables") and hasattr(dataset, "profiles"):
        return dict(dataset.tables), dataset.profiles, None
    raise ExplainError("dataset must be a Dataset, a dataset folder or a Simulation")


def _choose_job(tables, profiles, criterion: str, job_id: str | None) -> tuple[str, list[str]]:
    if job_id is not None:
        if job_id not in profiles:
            raise ExplainError(f"job {job_id!r} has no profile (profiles: {', '.join(sorted(profiles)) or 'none'})")
        return job_id, []
    if not profiles:
        raise ExplainError("the dataset has no job profile")
    if len(profiles) == 1:
        return next(iter(profiles)), []
    from workbench.review.inputs import CRITERIA

    table, column = CRITERIA.get(criterion, ("final_rounds", "final_passed"))
    src = tables.get(table)
    have = set(src.loc[src[column].notna(), "candidate_id"]) if src is not None and column in src else set()
    cands = tables["candidates"]
    counts = {j: int(cands.loc[cands["job_id"] == j, "candidate_id"].isin(have).sum()) for j in sorted(profiles)}
    best = max(counts, key=lambda j: (counts[j], j))
    return best, [f"job {best!r} chosen (most candidates with {criterion}: {counts}); pass job_id for another"]


def baseline_total(inputs: ReviewInputs, ids: Any = None) -> np.ndarray:
    """The baseline the model is compared with: the profile's weighted total (:mod:`workbench.composite`).

    Examples
    --------
    >>> from workbench.simulate import simulate, small_config
    >>> sim = simulate(small_config(n_candidates=200, seed=2, answer_texts=False))
    >>> ri = review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], "final_score")
    >>> bool(np.array_equal(baseline_total(ri), ri.ai_score.to_numpy()))
    True
    """
    dims = inputs.dimensions if ids is None else inputs.dimensions.loc[ids]
    return composite.weighted_total(dims, inputs.profile.weights).to_numpy()


def _model_corrected(inputs: ReviewInputs, frame: pd.DataFrame, train_ids: pd.Index, oof: np.ndarray,
                     final: Any) -> float:
    """The model's corrected validity by the validity table's rule (:func:`corrected_validity`).

    Out-of-fold scores on the training rows; the final model's scores on the other applicants (they enter only
    the finalists' moments of a two-stage correction, never a correlation with the criterion); NaN for
    selected candidates with the criterion outside the training rows (as in the baseline's cross-validation).
    """
    idx = inputs.ai_score.index
    x = pd.Series(np.nan, index=idx, dtype=float)
    rest = idx[~idx.isin(train_ids) & idx.isin(frame.index)]
    if len(rest):
        x[rest] = final.decision_function(frame.loc[rest])
    x[(inputs.selected & inputs.criterion_values.notna()).reindex(idx).to_numpy()] = np.nan
    x[train_ids] = oof
    return float(corrected_validity(inputs, x.to_numpy())[0])


def _by_group(inputs: ReviewInputs, ids: pd.Index, y: np.ndarray, model_oof: np.ndarray, base: np.ndarray,
              binary: bool, min_n: int = 20) -> pd.DataFrame:
    rows = []
    groups = inputs.groups.reindex(ids)
    for attr in SCREEN_ATTRIBUTES:
        try:
            labels = group_labels(groups, attr).to_numpy()
        except ValueError:
            continue
        for g in sorted({x for x in labels if isinstance(x, str)}):
            m = labels == g
            if m.sum() < min_n:
                continue
            both = binary and 0 < y[m].sum() < m.sum()
            rows.append({"attribute": attr, "group": g, "n": int(m.sum()), "criterion_mean": float(y[m].mean()),
                         "model_auc": auc(y[m], model_oof[m]) if both else None,
                         "baseline_auc": auc(y[m], base[m]) if both else None,
                         "model_r": None if binary else pearson(model_oof[m], y[m]).r,
                         "baseline_r": None if binary else pearson(base[m], y[m]).r})
    return pd.DataFrame(rows, columns=["attribute", "group", "n", "criterion_mean", "model_auc", "baseline_auc",
                                       "model_r", "baseline_r"])


def _cross_validate(inputs: ReviewInputs, frame: pd.DataFrame, train_ids: pd.Index, y: np.ndarray, template: Any,
                    binary: bool, folds: int, random_state: Any) -> tuple[dict[str, Any], np.ndarray, Any]:
    """The model against the profile's baseline on the folds of :func:`cross_validated_validity`.

    Returns the ``cv`` summary, the model's out-of-fold scores and the model refitted on all training rows.
    """
    # cross-validation on the folds of cross_validated_validity
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            base_cv = cross_validated_validity(inputs, {"current": inputs.profile.weights}, folds=folds,
                                               random_state=random_state)
        except ReviewInputError as exc:
            raise ExplainError(str(exc)) from exc
    splitter = (StratifiedKFold(int(folds), shuffle=True, random_state=random_state) if binary
                else KFold(int(folds), shuffle=True, random_state=random_state))
    X = frame.loc[train_ids]
    oof = np.full(len(y), np.nan)
    per_fold = []
    for k, (tr, te) in enumerate(splitter.split(np.zeros(len(y)), y if binary else None)):
        fitted = clone(template).fit(X.iloc[tr], y[tr])
        oof[te] = fitted.decision_function(X.iloc[te])
        base_fold = base_cv["weights"]["current"]["per_fold"][k]
        if base_fold["n"] != len(te):
            raise RuntimeError("fold mismatch with cross_validated_validity")  # pragma: no cover
        per_fold.append({"n": int(len(te)),
                         "model_auc": auc(y[te], oof[te]) if binary else None,
                         "baseline_auc": base_fold["auc"],
                         "model_r": pearson(oof[te], y[te]).r, "baseline_r": base_fold["r_observed"]})
    final = clone(template).fit(X, y)
    r_model = pearson(oof, y).r
    r_model_c = _model_corrected(inputs, frame, train_ids, oof, final)
    bw = base_cv["weights"]["current"]
    key = "auc" if binary else "r"
    wins = sum(1 for f in per_fold if (f[f"model_{key}"] or 0) > (f[f"baseline_{key}"] or 0))
    cv = {"baseline_auc": bw["auc"], "model_auc": auc(y, oof) if binary else None,
          "baseline_auc_fold_mean": float(np.mean([f["baseline_auc"] for f in per_fold])) if binary else None,
          "model_auc_fold_mean": float(np.mean([f["model_auc"] for f in per_fold])) if binary else None,
          "baseline_r_observed": bw["r_observed"], "model_r_observed": r_model,
          "baseline_r_corrected": bw["r_corrected"], "model_r_corrected": r_model_c,
          "model_wins": wins, "n": int(len(y)), "folds": int(folds), "per_fold": per_fold,
          "same_folds_as": "workbench.review.weights.cross_validated_validity", "caveat": RESTRICTION}
    return cv, oof, final


def _coverage(dataset: Any, tables: Mapping[str, pd.DataFrame], inputs: ReviewInputs, feats: Any) -> dict[str, Any]:
    """Rows read/accepted/quarantined, applicants of the job, those left out (no answers), and the warnings."""
    source = dataset if getattr(dataset, "report", None) is not None else tables
    counts = table_coverage(source)
    n, missing = int(inputs.n_applicants), len(feats.no_answers)
    warnings = coverage_warnings(counts)
    if n and missing / n > LEFT_OUT_WARN_SHARE:
        warnings.append(f"{missing:,} of {n:,} applicants ({missing / n:.1%}) have no answers and are left out of "
                        "the model")
    return {"tables": counts, "applicants": n, "left_out": {"no answers": missing}, "warnings": warnings}


def explain_dataset(
    dataset: Any,
    criterion: str = "final_passed",
    *,
    job_id: str | None = None,
    folds: int = 5,
    random_state: int | None = 0,
    text: bool = True,
    resumes: bool = True,
    proxy_threshold: float = 0.70,
    exclude_proxies: bool = True,
    allow_features: Iterable[str] = (),
    joint_screen: bool = True,
    min_group: int = 30,
    model: ScoringModel | None = None,
    max_unexpected_text: float = 0.2,
) -> ExplainResult:
    """Fit the scoring model of one job, screen proxies, compare with the profile by CV and explain with SHAP.

    Parameters
    ----------
    dataset : Dataset, path or Simulation
        A loaded :class:`workbench.data.Dataset`, a dataset folder, or a :class:`workbench.simulate.Simulation`.
    criterion : str, default "final_passed"
        ``final_passed``, ``final_score``, ``performance`` or ``retained_12m``.
    job_id : str, optional
        Default: the only job, or the job with the most candidates having the criterion (noted).
    folds, random_state
        Cross-validation (the folds of :func:`workbench.review.weights.cross_validated_validity`).
    text, resumes : bool
        Use answer-text terms; parse resume files (``candidates.resume_path``; datasets on disk only).
    proxy_threshold : float, default 0.70
        Proxy strength (oriented AUC) at which a feature is flagged.
    exclude_proxies : bool, default True
        Leave flagged features out of the model (with the reason).
    allow_features : iterable of str
        Flagged features to keep anyway (e.g. job-related with a documented business necessity); still reported.
    joint_screen : bool, default True
        Also screen feature blocks jointly (cross-validated; reported, not excluded).
    min_group : int, default 30
        Smallest group screened.
    model : ScoringModel, optional
        A configured model (default ``ScoringModel()``); its ``drop`` is extended by the exclusions.
    max_unexpected_text : float, default 0.2
        See :func:`candidate_features`.

    Returns
    -------
    ExplainResult

    Raises
    ------
    ExplainError
        Unknown job or criterion, a criterion with a single value, no answers, too few candidates for the
        folds, text in an unexpected language.
    """
    tables, profiles, folder = _source(dataset)
    job_id, notes = _choose_job(tables, profiles, criterion, job_id)
    try:
        inputs = review_inputs_from_tables(tables, profiles[job_id], criterion)
    except ReviewInputError as exc:
        raise ExplainError(str(exc)) from exc
    binary = criterion in BINARY_CRITERIA
    feats = candidate_features(inputs, tables, text=text, resume_root=folder if resumes else None,
                               max_unexpected_text=max_unexpected_text)
    notes += list(feats.notes)
    frame = feats.frame
    # training rows: exactly the rows of cross_validated_validity (selected, criterion, every dimension scored)
    ok = inputs.selected & inputs.criterion_values.notna() & inputs.dimensions.notna().all(axis=1)
    train_ids = inputs.dimensions.index[ok.to_numpy()]
    y = inputs.criterion_values[train_ids].to_numpy(dtype=float)
    if len(y) == 0:
        raise ExplainError(f"{job_id}: no AI-passed candidate has {criterion!r} and every dimension scored")
    values = np.unique(y)
    if values.size < 2:
        what = ("passed" if values[0] == 1 else "failed") if binary else f"have the value {values[0]:g}"
        raise ExplainError(f"{job_id}: all {len(y)} candidates with {criterion!r} {what}: a criterion with a single "
                           "value cannot train or evaluate a model; choose another criterion or add data")
    template = model if model is not None else ScoringModel()
    # proxy screen over the applicant pool (design matrix fitted without the criterion)
    design = clone(template).set_params(drop=())
    Zpool = design._fit_design(design._check_X(frame))
    names = [str(n) for n in design.get_feature_names_out()]
    n_numeric = len(design.numeric_features_)
    groups = inputs.groups.reindex(frame.index)
    proxy = proxy_screen(Zpool, names, groups, threshold=proxy_threshold, min_group=min_group, binary_from=n_numeric)
    blocks = (_joint_screen(Zpool, names, groups, SCREEN_ATTRIBUTES, proxy_threshold, min_group, random_state)
              if joint_screen else pd.DataFrame(columns=["block", "n_features", "attribute", "group", "n_group",
                                                         "cv_auc", "flag"]))
    allow = {str(a) for a in allow_features}
    excluded = list(feats.excluded)
    drop = set(template.drop)
    if exclude_proxies:
        for feat, rows in proxy[proxy["flag"]].groupby("feature", sort=False):
            if feat in allow:
                continue
            r = rows.iloc[0]
            drop.add(feat)
            excluded.append({"feature": feat, "reason": (
                f"proxy of {r.attribute}: alone it separates {r.attribute}={r.group} from the others with AUC "
                f"{r.strength:.2f} (>= {proxy_threshold:.2f}); excluded by default")})
    template = clone(template).set_params(drop=tuple(sorted(drop)))
    cv, oof, final = _cross_validate(inputs, frame, train_ids, y, template, binary, folds, random_state)
    X = frame.loc[train_ids]
    base_total = baseline_total(inputs, train_ids)
    shap_train = final.shap_values(X)
    by_group = _by_group(inputs, train_ids, y, oof, base_total, binary)
    if feats.no_answers:
        notes.append(f"{len(feats.no_answers)} applicant(s) have no answers and were left out (e.g. "
                     f"{feats.no_answers[0]})")
    try:
        from workbench.data.provenance import dataset_sha256

        digest = dataset_sha256(dataset if not isinstance(dataset, (str, Path)) and hasattr(dataset, "table")
                                else tables)
    except Exception:  # noqa: BLE001 - provenance is best effort
        digest = ""
    bank = current_questions(tables["questions"])
    qtext = dict(zip(bank["question_id"], bank["text"].fillna(""))) if "text" in bank else {}
    return ExplainResult(
        job_id=job_id, criterion=criterion, binary=binary, model=final, features=feats, train_index=train_ids,
        shap=shap_train, cv=cv, proxy=proxy, proxy_blocks=blocks, excluded=tuple(excluded), by_group=by_group,
        inputs=inputs, question_text=qtext, notes=tuple(notes), dataset_sha256=digest, proxy_threshold=proxy_threshold,
        coverage=_coverage(dataset, tables, inputs, feats))
