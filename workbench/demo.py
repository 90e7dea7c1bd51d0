"""The whole loop on one dataset, as ``workbench demo`` runs it on ``datasets/demo``.

profile -> resume parsing and adaptive plans -> real-time feedback on the answers -> scoring (borderline band)
-> data review -> bias audit -> reports (the auditor report carries the model card of the explanations).
Each step is a small function returning a JSON-ready dict; :func:`run_loop` chains them and
:func:`loop_summary` prints them for people.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.jsonable import json_ready

STAR_COLUMNS = {"S": "star_s", "T": "star_t", "A": "star_a", "R": "star_r"}


def reference_date(dataset: Any) -> dt.date | None:
    """The simulation's reference date (``truth.json``) for "present" in resumes, or None (today)."""
    truth = Path(dataset.path) / "truth.json"
    if truth.is_file():
        value = json.loads(truth.read_text(encoding="utf-8")).get("reference_date")
        return dt.date.fromisoformat(value) if value else None
    return None


def profile_step(dataset: Any, criterion: str) -> dict[str, Any]:
    """Per job: the profile proposal from history (weights and keywords), never written."""
    from workbench.profile import derive_profile

    out = {}
    for job_id in dataset.job_ids:
        proposal = derive_profile(dataset, job_id, criterion=criterion)
        weights = proposal.weights
        out[job_id] = {
            "current_version": proposal.current.version,
            "proposed_version": proposal.proposed.version,
            "weights": {d: {"current": float(weights.loc[d, "current"]), "proposed": float(weights.loc[d, "proposed"])}
                        for d in weights.index},
            "added_keywords": {d: dict(v) for d, v in proposal.added_keywords.items()},
        }
    return out


def parsing_step(dataset: Any, *, progress: bool) -> dict[str, Any]:
    """Parse the dataset's resume files; match them to the job profile and plan one interview per job."""
    from workbench.parsing import parse_many
    from workbench.questions import plan_interview

    cands = dataset.candidates
    with_files = cands[cands["resume_path"].fillna("").astype(str) != ""]
    paths = [Path(dataset.path) / p for p in with_files["resume_path"]]
    if not paths:
        return {"files": 0, "parsed": 0, "failures": [], "plans": {}}
    results, failures = parse_many(paths, workers=2, progress=progress, reference_date=reference_date(dataset))
    by_file = {Path(r.source).name: r for r in results}
    plans = {}
    for job_id, group in with_files.groupby("job_id"):
        profile = dataset.profiles.get(job_id)
        resume = next((by_file[Path(p).name] for p in group["resume_path"] if Path(p).name in by_file), None)
        if profile is None or resume is None:
            continue
        plan = plan_interview(profile, resume)
        cid = group.loc[group["resume_path"].map(lambda p: Path(p).name) == Path(resume.source).name,
                        "candidate_id"].iloc[0]
        plans[job_id] = {"candidate_id": cid, "core": len(plan.core), "adaptive": len(plan.adaptive),
                         "probes": [item.text for item in plan.adaptive if getattr(item, "kind", "") == "probe"][:2]}
    return {"files": len(paths), "parsed": len(results), "failures": [{"file": f, "reason": r} for f, r in failures],
            "plans": plans}


def feedback_step(dataset: Any, *, progress: bool) -> dict[str, Any]:
    """Analyse every answer text; where the simulator's truth exists, agreement per STAR part (F1)."""
    from tqdm import tqdm

    from workbench.feedback import analyze

    answers = dataset.answers[dataset.answers["answer_text"].fillna("").astype(str).str.strip() != ""]
    found = {part: np.zeros(len(answers), bool) for part in STAR_COLUMNS}
    quantified = np.zeros(len(answers), bool)
    texts = answers["answer_text"].astype(str).tolist()
    kind_of = dict(zip(dataset.questions["question_id"], dataset.questions["kind"]))
    kinds = [kind_of.get(q) or "behavioral" for q in answers["question_id"]]
    for i, (text, kind) in enumerate(tqdm(list(zip(texts, kinds)), desc="feedback on answers", unit="answer",
                                          disable=not progress)):
        result = analyze(text, question_kind=kind)  # situational answers: hypothetical steps are actions
        for part in STAR_COLUMNS:
            found[part][i] = result.star[part].present
        quantified[i] = bool(result.quantified)
    out: dict[str, Any] = {"answers": len(answers),
                           "share_present": {p: float(v.mean()) if len(v) else None for p, v in found.items()},
                           "share_quantified": float(quantified.mean()) if len(answers) else None}
    truth_file = Path(dataset.path) / "answer_truth.csv"
    if truth_file.is_file() and len(answers):
        truth = pd.read_csv(truth_file, dtype={"candidate_id": str, "question_id": str})
        keyed = answers[["candidate_id", "question_id"]].reset_index(drop=True)
        merged = keyed.merge(truth, on=["candidate_id", "question_id"], how="left")
        out["f1_vs_simulated_truth"] = {
            p: _f1(merged[col].to_numpy(float) == 1, found[p]) for p, col in STAR_COLUMNS.items()
        } | {"quantified": _f1(merged["quantified"].to_numpy(float) == 1, quantified)}
    return out


def _f1(truth: np.ndarray, predicted: np.ndarray) -> float | None:
    tp = float((truth & predicted).sum())
    denom = float(truth.sum() + predicted.sum())
    return 2 * tp / denom if denom else None


def scoring_step(dataset: Any) -> dict[str, Any]:
    """Per job: score reliability (alpha within dimension), the SEM borderline band, candidates inside it."""
    from workbench.scoring import BorderlineBand, reliability_from_data

    out = {}
    for job_id, profile in dataset.profiles.items():
        job_cands = dataset.candidates_for(job_id)["candidate_id"]
        answers = dataset.answers[dataset.answers["candidate_id"].isin(job_cands)]
        rel = reliability_from_data(answers, dataset.questions_for(job_id), profile)
        band = BorderlineBand.from_sem(profile.threshold, rel["sd_total"], rel["reliability"])
        scores = dataset.ai_decisions[dataset.ai_decisions["candidate_id"].isin(job_cands)]["ai_score"]
        inside = int(((scores >= band.low) & (scores <= band.high)).sum())
        out[job_id] = {"reliability": rel["reliability"], "alpha": rel["alpha"], "sem": band.sem,
                       "band": [band.low, band.high], "in_band": inside, "applicants": int(len(scores))}
    return out


def run_loop(dataset: Any, reports_dir: str | Path, *, criterion: str = "final_passed", progress: bool = True,
             log: Callable[[str], None] = lambda message: None) -> dict[str, Any]:
    """Run every step on a loaded, valid dataset and write the reports; returns one JSON-ready document."""
    from workbench.fairness import audit
    from workbench.report import write_reports
    from workbench.review.loop import review_dataset

    document: dict[str, Any] = {}
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("profile", lambda: profile_step(dataset, criterion)),
        ("parsing", lambda: parsing_step(dataset, progress=progress)),
        ("feedback", lambda: feedback_step(dataset, progress=progress)),
        ("scoring", lambda: scoring_step(dataset)),
        ("review", lambda: review_dataset(dataset, criterion)),
        ("audits", lambda: {d: audit(dataset, d, skip_invalid=True) for d in ("ai_passed", "final_passed", "hired")}),
    ]
    results: dict[str, Any] = {}
    for name, step in steps:
        log(f"[{name}] ...")
        results[name] = step()
    log("[reports] writing (the auditor report includes the model card of the explanations) ...")
    paths = write_reports(dataset, reports_dir, criterion=criterion, review=results["review"], audits=results["audits"])
    document.update({k: v for k, v in results.items() if k not in ("review", "audits")})
    document["review"] = results["review"].to_dict()
    document["audit"] = results["audits"]["ai_passed"].to_dict()
    document["reports"] = [str(p) for p in paths if Path(p).suffix == ".html" and Path(p).parent == Path(reports_dir)]
    document["exports"] = [str(p) for p in paths if str(p) not in document["reports"]]
    document["_objects"] = {"review": results["review"], "audit": results["audits"]["ai_passed"]}
    return document


def loop_summary(document: dict[str, Any]) -> str:
    """Human text of :func:`run_loop`'s document (review and audit keep their own summaries)."""
    lines = ["Profile proposals (weights current -> proposed; never written):"]
    for job_id, p in document["profile"].items():
        lines.append(f"  {job_id} {p['current_version']} -> {p['proposed_version']}: " + ", ".join(
            f"{d} {w['current']:.2f}->{w['proposed']:.2f}" for d, w in p["weights"].items()))
    parsing = document["parsing"]
    lines.append(f"Resumes: {parsing['parsed']} of {parsing['files']} files parsed, {len(parsing['failures'])} failed")
    for job_id, plan in parsing["plans"].items():
        lines.append(f"  plan for {plan['candidate_id']} ({job_id}): {plan['core']} core questions, "
                     f"{plan['adaptive']} adaptive items")
    fb = document["feedback"]
    lines.append(f"Feedback on {fb['answers']:,} answers: STAR parts present " + ", ".join(
        f"{p} {v:.0%}" for p, v in fb["share_present"].items() if v is not None))
    if "f1_vs_simulated_truth" in fb:
        lines.append("  agreement with the simulator's truth (F1): " + ", ".join(
            f"{p} {v:.2f}" for p, v in fb["f1_vs_simulated_truth"].items() if v is not None))
    lines.append("Scoring: borderline band = threshold ± SEM (reliability from the data)")
    for job_id, s in document["scoring"].items():
        lines.append(f"  {job_id}: reliability {s['reliability']:.2f}, band [{s['band'][0]:.2f}, {s['band'][1]:.2f}], "
                     f"{s['in_band']} of {s['applicants']} applicants would go to human review")
    return "\n".join(lines)


def json_document(document: dict[str, Any]) -> dict[str, Any]:
    """The document without the live objects, JSON-ready."""
    return json_ready({k: v for k, v in document.items() if k != "_objects"})
