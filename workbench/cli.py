"""The ``workbench`` command.

Every verb prints a human summary, or with ``--json`` exactly one JSON document on stdout. Errors go to
stderr as one clear line each, with a non-zero exit code; no tracebacks for bad input.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from workbench.apps.serve import CULL_IDLE_SECONDS, MAX_KERNELS, PREHEAT
from workbench.data.provenance import demo_path
from workbench.data.groups import AUDIT_ATTRIBUTES

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Interview Workbench: an open research workbench for AI job interviews.",
)

EXIT_INVALID = 1  # the command ran, the data did not pass
EXIT_ERROR = 2  # the command could not run (bad arguments, unreadable input)

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


default_demo_path = demo_path  # the one home: workbench.data.provenance


StrictOption = Annotated[bool, typer.Option("--strict", help="Reject the whole row for a bad optional demographic "
                                            "value (default: the cell becomes unknown, the row stays).")]
KeepPiiOption = Annotated[bool, typer.Option("--keep-pii", help="Keep name/phone/e-mail/ID/address columns as they "
                                             "are (default: keyed pseudonyms, key outside the dataset).")]
EncodingOption = Annotated[str | None, typer.Option("--encoding", help="The files' encoding when not UTF-8, UTF-16 "
                                                    "with BOM or plausible GBK (e.g. cp1252).")]
DayFirstOption = Annotated[bool | None, typer.Option("--dayfirst/--monthfirst", help="Order of dd/mm/yyyy dates "
                                                     "(default: detected per file).", show_default=False)]


EngineOption = Annotated[str, typer.Option("--engine", help="Who reduces the data: auto (DuckDB reads a Parquet dataset "
                                           "in place, a CSV/XLSX dataset is loaded in memory), duckdb, spark or "
                                           "pandas (in memory).")]
SparkMasterOption = Annotated[str | None, typer.Option("--spark-master", help="Master of the Spark session with "
                                                       "--engine spark (default local[2]; spark://host:7077, "
                                                       "yarn).")]


DataArgument = Annotated[str, typer.Argument(help="Dataset folder, or the URI of a Parquet dataset (s3://, gs://, "
                                            "hdfs://, file://) that the engine reads in place.",
                                            show_default=False)]


def engine_input(data: str | Path, engine: str) -> tuple[Any, str | None]:
    """What an analysis reads (a loaded dataset, or the folder for an engine to read in place) and its engine.

    ``auto``: a folder of Parquet tables (or a dataset URI) is read in place by DuckDB; CSV/XLSX is loaded and
    validated in memory (no engine). A named engine reads Parquet in place (``pandas`` reads it whole into
    memory) and runs its queries on the loaded tables of a CSV/XLSX folder.
    """
    from workbench.engine import ENGINES, is_uri, stored_as_parquet

    if engine not in ("auto", *ENGINES):
        fail(f"--engine must be auto, {', '.join(ENGINES)}; got {engine!r}")
    if is_uri(data):
        return str(data), ("duckdb" if engine == "auto" else engine)
    data = Path(data)
    if not data.is_dir():
        fail(f"{data}: not a folder")
    if not stored_as_parquet(data):
        return load_dataset(data), (None if engine == "auto" else engine)
    return str(data), ("duckdb" if engine == "auto" else engine)


def _pii_warning(keep_pii: bool) -> None:
    if keep_pii:
        typer.echo("warning: --keep-pii: personal data columns are kept as they are; never publish them", err=True)


def fail(message: str, code: int = EXIT_ERROR) -> None:
    """Print one error line to stderr and exit with ``code``."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def emit(document: dict[str, Any], as_json: bool, human: Callable[[], str]) -> None:
    """Print ``document`` as JSON, or the human summary."""
    if as_json:
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2, default=str))
    else:
        typer.echo(human())


def guarded(action: Callable[[], Any]) -> Any:
    """Run ``action``; turn expected input errors into one clean stderr line and exit 2."""
    try:
        return action()
    except (ValueError, OSError, KeyError) as exc:  # DataError and ProfileError are ValueErrors
        fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


def load_dataset(data: Path, *, missing: str = "not a folder") -> Any:
    """The loaded dataset at ``data``, or one clean error line and exit 2."""
    from workbench.data import load

    if not data.is_dir():
        fail(f"{data}: {missing}")
    return guarded(lambda: load(data))


@app.command()
def validate(
    data: Annotated[Path, typer.Argument(help="Dataset folder (tables + profiles/).")],
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="YAML header/value mapping, or a built-in name (zh_hr).")
    ] = None,
    strict: StrictOption = False,
    keep_pii: KeepPiiOption = False,
    encoding: EncodingOption = None,
    dayfirst: DayFirstOption = None,
    engine: EngineOption = "auto",
    spark_master: SparkMasterOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the accepted tables (Parquet), quarantine.csv "
                                             "and profiles/ here (checks with an engine; default duckdb).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Check a dataset folder against the data contract; exit 1 when any row breaks it.

    With ``--engine`` (or a Parquet dataset, or ``--out``) the checks run as engine queries
    (:func:`workbench.engine.validate.validate_at_scale`): same quarantine rows and counts as in memory."""
    from workbench.data import validate_dataset
    from workbench.engine import stored_as_parquet

    if not data.is_dir():
        fail(f"{data}: not a folder")
    _pii_warning(keep_pii)
    options = {"strict": strict, "keep_pii": keep_pii, "dayfirst": dayfirst, "encoding": encoding,
               "mapping": str(mapping) if mapping else None}
    if engine == "auto":
        engine = "duckdb" if out is not None or stored_as_parquet(data) else "memory"
    if engine == "memory":
        report, document = guarded(lambda: validate_dataset(data, **options)), {}
    else:
        report, document = guarded(lambda: _validate_with_engine(data, out, engine, spark_master, options))
    checked_by = f"\nchecked by {document['engine']} (engine queries)" if document else ""
    emit({**report.to_dict(), **document}, as_json, lambda: report.summary() + checked_by)
    if not report.ok:
        raise typer.Exit(EXIT_INVALID)


def _validate_with_engine(data: Path, out: Path | None, engine: str, spark_master: str | None,
                          options: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The report of :func:`workbench.engine.validate.validate_at_scale`, and its engine, coverage, the tables
    checked in memory (with why) and the output folder."""
    from workbench.engine import ENGINES
    from workbench.engine.validate import validate_at_scale

    if engine not in ENGINES:
        fail(f"--engine must be auto, {', '.join(ENGINES)}; got {engine!r}")
    result = validate_at_scale(data, out, engine=engine, spark_master=spark_master, **options)
    if out is not None:
        typer.echo(f"accepted tables and quarantine written to {result.out}", err=True)
    return result.report, {"engine": result.engine, "coverage": result.coverage, "checked_in_memory":
                           result.in_memory, "out": None if result.out is None else str(result.out)}


@app.command("import")
def import_(
    sources: Annotated[list[Path], typer.Argument(help="Files or folders to import (CSV, XLSX, Parquet, profiles).")],
    into: Annotated[Path, typer.Option("--into", help="Dataset folder to import into.")],
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="YAML header/value mapping (e.g. Chinese HR exports).")
    ] = None,
    table: Annotated[
        str | None, typer.Option("--table", help="Contract table of the sources (default: from the file name).")
    ] = None,
    strict: StrictOption = False,
    keep_pii: KeepPiiOption = False,
    encoding: EncodingOption = None,
    dayfirst: DayFirstOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import tables into a dataset: accepted rows are stored, rejected rows go to the quarantine."""
    from workbench.data import import_files

    missing = [str(s) for s in sources if not s.exists()]
    if missing:
        fail(f"no such file or folder: {', '.join(missing)}")
    _pii_warning(keep_pii)
    options = {"strict": strict, "keep_pii": keep_pii, "dayfirst": dayfirst}
    report = guarded(lambda: import_files(sources, into, mapping=mapping, table=table, encoding=encoding,
                                          check_options=options))
    emit(report.to_dict(), as_json, report.summary)
    if not report.ok:
        raise typer.Exit(EXIT_INVALID)


@app.command()
def simulate(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the dataset and truth.json into.")],
    candidates: Annotated[int, typer.Option("--candidates", min=20, help="Number of candidates (at least 10 per "
                                            "job: 20).")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same bytes).")] = 20261127,
    demo: Annotated[bool, typer.Option("--demo", help="Use the demo configuration exactly (ignores --candidates).")] = False,
    hints: Annotated[str, typer.Option("--hints", help="Real-time hints: 'random' (each answer prompted at random, "
                                       "the demo's design) or 'triggered' (by an incomplete first draft, as the "
                                       "live feedback does).")] = "random",
    holdout: Annotated[float, typer.Option("--holdout", min=0.0, max=0.99, help="With --hints triggered: share of "
                                           "hint-eligible answers held out at random (0 = none: observational).")] = 0.0,
    revisions: Annotated[Path | None, typer.Option("--revisions", help="YAML list of question rewordings "
                         "(question_id, version, switch_at, loading, text[, shift]): answers after switch_at are "
                         "to the new version, whose validity is set by loading.")] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")] = True,
    as_json: JsonOption = False,
) -> None:
    """Write a synthetic dataset with known truth (two demo jobs, English and Chinese)."""
    from dataclasses import replace

    from workbench.simulate import TriggeredPrompting, demo_config, load_question_revisions
    from workbench.simulate import simulate as run_simulation, write_simulation

    if hints not in ("random", "triggered"):
        fail(f"--hints must be 'random' or 'triggered', not {hints!r}")
    if holdout and hints != "triggered":
        fail("--holdout needs --hints triggered (a holdout among hint-eligible answers)")
    config = demo_config(seed=seed)
    if not demo:
        config = guarded(lambda: replace(config, n_candidates=candidates))
    if hints == "triggered":
        config = guarded(lambda: replace(config, triggered=TriggeredPrompting(holdout_share=holdout)))
    if revisions is not None:
        config = guarded(lambda: replace(config, question_revisions=load_question_revisions(revisions)))
    sim = guarded(lambda: run_simulation(config, progress=progress and not as_json))
    paths = guarded(lambda: write_simulation(sim, out))
    document = {
        "out": str(out),
        "seed": seed,
        "candidates": int(len(sim.tables["candidates"])),
        "tables": {name: int(len(df)) for name, df in sim.tables.items()},
        "files": len(paths),
        "hints": hints,
        "holdout": holdout,
        "revisions": [f"{r.question_id}@{r.version}" for r in config.question_revisions],
        "truth": str(out / "truth.json"),
    }
    emit(
        document,
        as_json,
        lambda: "\n".join(
            [f"wrote {document['candidates']:,} candidates to {out} (seed {seed})"]
            + [f"  {name:<13} {rows:>9,} rows" for name, rows in document["tables"].items()]
            + [f"  truth: {document['truth']}"]
        ),
    )


@app.command()
def review(
    data: DataArgument,
    criterion: Annotated[
        str, typer.Option("--criterion", help="final_passed, final_score, performance or retained_12m.")
    ] = "final_passed",
    min_validity: Annotated[
        float, typer.Option("--min-validity", help="A question is invalid when its corrected CI lies below this.")
    ] = 0.10,
    job: Annotated[list[str] | None, typer.Option("--job", help="Review only this job (repeatable).")] = None,
    adjust: Annotated[str, typer.Option("--adjust", help="p-value adjustment across questions: holm or bh.")] = "holm",
    n_boot: Annotated[int, typer.Option("--n-boot", min=100, help="Bootstrap resamples of candidates.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap and the CV folds.")] = 0,
    prior_strength: Annotated[
        float, typer.Option("--prior-strength", min=0.0, help="Expert weights count as this many candidates.")
    ] = 150.0,
    engine: EngineOption = "auto",
    spark_master: SparkMasterOption = None,
    as_json: JsonOption = False,
) -> None:
    """The data review: question validity (range-restriction corrected), proposed weights, cross-round checks."""
    from workbench.review.loop import review_dataset

    dataset, eng = engine_input(data, engine)
    result = guarded(
        lambda: review_dataset(
            dataset, criterion, job_ids=tuple(job) if job else None, min_validity=min_validity, adjust=adjust,
            n_boot=n_boot, seed=seed, prior_strength=prior_strength, engine=eng, spark_master=spark_master,
        )
    )
    emit(result.to_dict(), as_json, result.summary)


@app.command()
def parse(
    files: Annotated[list[Path], typer.Argument(help="Resume files or folders (PDF, DOCX, TXT).")],
    redact_output: Annotated[
        bool, typer.Option("--redact", help="Blind version: no name, contact, gender, age or birth date.")
    ] = False,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Processes.")] = 2,
    as_json: JsonOption = False,
) -> None:
    """Parse resumes into the contract's fields; a bad file is reported and the batch goes on (exit 1)."""
    from workbench.parsing import parse_many, redact, resume_to_dict

    missing = [str(f) for f in files if not f.exists()]
    if missing:
        fail(f"no such file: {', '.join(missing)}")
    results, failures = guarded(lambda: parse_many(files, workers=workers, progress=not as_json and len(files) > 1))
    docs = [resume_to_dict(redact(r) if redact_output else r) for r in results]
    docs += [{"file": str(f), "error": reason} for f, reason in failures]
    for f, reason in failures:
        typer.echo(f"error: {f}: {reason}", err=True)
    emit(docs, as_json, lambda: "\n".join(_resume_line(d) for d in docs if "error" not in d)
         + f"\n{len(results)} parsed, {len(failures)} failed")
    if failures:
        raise typer.Exit(EXIT_INVALID)


def _resume_line(doc: dict[str, Any]) -> str:
    employers = ", ".join(e["employer"] for e in doc["experience"] if e["employer"]) or "-"
    return (f"{doc['file']}: {doc['name'] or '?'} <{doc['email'] or '?'}> [{doc['language']}] "
            f"{doc['years_experience']:.1f} y; employers: {employers}")


@app.command()
def feedback(
    text: Annotated[str | None, typer.Option("--text", help="One answer.")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="CSV, JSONL, Parquet or TXT: one result per row.")] = None,
    column: Annotated[str, typer.Option("--column", help="Text column of --file.")] = "answer_text",
    question: Annotated[str | None, typer.Option("--question", help="Question id or text.")] = None,
    profile: Annotated[str | None, typer.Option("--profile", help="Job id of a demo profile or a profile YAML.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="auto, en or zh.")] = "auto",
    as_json: JsonOption = False,
) -> None:
    """Real-time STAR feedback on an answer: parts found, quantified results, keywords, hints, latency."""
    from workbench.feedback import feedback_command

    if (text is None) == (file is None):
        fail("give exactly one of --text or --file")
    if file is not None and not file.is_file():
        fail(f"no such file: {file}")
    result = guarded(
        lambda: feedback_command(text=text, file=file, column=column, question=question, profile=profile, lang=lang)
    )
    emit(result, as_json, lambda: "\n".join(_feedback_line(r) for r in (result if isinstance(result, list) else [result])))


def _feedback_line(result: dict[str, Any]) -> str:
    star = " ".join(part if info["present"] else "-" for part, info in result["star"].items())
    hints = " | ".join(h["text"] if isinstance(h, dict) else str(h) for h in result["hints"]) or "no hint"
    prefix = f"row {result['row']}: " if "row" in result else ""
    return f"{prefix}[{result['language']}] STAR {star}; {len(result['quantified'])} quantified; {hints} ({result['latency_ms']:.1f} ms)"


@app.command()
def explain(
    data: Annotated[Path, typer.Argument(help="Dataset folder.")],
    criterion: Annotated[str, typer.Option("--criterion", help="final_passed (default) or performance ...")] = "final_passed",
    job: Annotated[str | None, typer.Option("--job", help="Job (default: the one with most outcomes).")] = None,
    candidate: Annotated[
        str | None, typer.Option("--candidate", help="Also explain one candidate in plain language.")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of the plain explanation: en or zh.")] = "en",
    as_json: JsonOption = False,
) -> None:
    """The learned scoring model: CV against the weighted-sum baseline, SHAP importances, proxy flags."""
    from workbench.explain import explain_dataset

    dataset = load_dataset(data)
    result = guarded(lambda: explain_dataset(dataset, criterion, job_id=job))
    document = result.to_dict()
    if candidate is not None:
        document["explanation"] = guarded(lambda: result.plain_explanation(candidate, lang=lang))
    emit(document, as_json, lambda: result.summary() + (f"\n\n{document['explanation']}" if candidate else ""))




@app.command()
def audit(
    data: DataArgument,
    more_by: Annotated[list[str] | None, typer.Argument(help="More attributes for --by.", show_default=False)] = None,
    decision: Annotated[str, typer.Option("--decision", help="ai_passed, final_passed or hired.")] = "ai_passed",
    by: Annotated[
        list[str] | None,
        typer.Option("--by", help="Attributes (repeatable, comma- or space-separated): " + ", ".join(AUDIT_ATTRIBUTES)),
    ] = None,
    job: Annotated[str | None, typer.Option("--job", help="Audit one job (default: all, with CMH across jobs).")] = None,
    view: Annotated[str, typer.Option("--view", help="auditor (all cells) or stakeholder (counts < 5 suppressed).")] = "auditor",
    html: Annotated[Path | None, typer.Option("--html", help="Also write the HTML audit into this folder.")] = None,
    engine: EngineOption = "auto",
    spark_master: SparkMasterOption = None,
    as_json: JsonOption = False,
) -> None:
    """Bias audit: LL144 selection- and scoring-rate tables with significance, and where the impact comes from."""
    from workbench.fairness import audit as run_audit

    if view not in ("auditor", "stakeholder"):
        fail(f"--view must be auditor or stakeholder, got {view!r}")
    attributes = tuple(a for item in [*(by or []), *(more_by or [])] for a in item.replace(",", " ").split())
    dataset, eng = engine_input(data, engine)
    if html is not None and not hasattr(dataset, "table"):
        fail("--html needs the dataset in memory: add --engine pandas (the tables are in the JSON without it)")
    result = guarded(lambda: run_audit(dataset, decision, attributes or AUDIT_ATTRIBUTES, job_id=job, engine=eng,
                                       spark_master=spark_master))
    document = result.to_dict(view=view)
    if html is not None:
        from workbench.report import write_audit_report

        document["html"] = str(guarded(lambda: write_audit_report(result, dataset, html, view=view)))
    emit(document, as_json, result.summary)


@app.command()
def trend(
    data: DataArgument,
    by: Annotated[str, typer.Option("--by", help="profile_version, question_version or period.")] = "period",
    freq: Annotated[str, typer.Option("--freq", help="Period length with --by period (pandas: Q, M, Y).")] = "Q",
    job: Annotated[str | None, typer.Option("--job", help="One job (default: all jobs pooled).")] = None,
    pair: Annotated[list[str] | None, typer.Option("--pair", help="Also compare FROM,TO (repeatable).")] = None,
    performance_cut: Annotated[float, typer.Option("--performance-cut", help="Performance that counts as a hit "
                                                   "among hires.")] = 3.0,
    n_boot: Annotated[int, typer.Option("--n-boot", min=100, help="Bootstrap resamples for validities.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the bootstrap.")] = 0,
    engine: EngineOption = "auto",
    spark_master: SparkMasterOption = None,
    as_json: JsonOption = False,
) -> None:
    """Did a change raise the pass rate of the right candidates? Rates, validity and impact ratios per period
    or version, each change with a CI and a Holm-adjusted test, mix shift and a standardised comparison."""
    from workbench.review.trend import trend as run_trend

    pairs = []
    for item in pair or []:
        parts = [p.strip() for p in item.replace(" ", ",").split(",") if p.strip()]
        if len(parts) != 2:
            fail(f"--pair needs FROM,TO, got {item!r}")
        pairs.append((parts[0], parts[1]))
    dataset, eng = engine_input(data, engine)
    profiles = None
    if eng is not None:  # the trend's bootstrap needs the rows: the engine reads them (Parquet) into memory
        from workbench.engine import open_source

        source = guarded(lambda: open_source(dataset, eng, spark_master=spark_master))
        dataset, profiles = guarded(source.frames), dict(source.profiles)  # profiles: validity per version
    result = guarded(lambda: run_trend(dataset, by=by, freq=freq, job_id=job, pairs=tuple(pairs),
                                       performance_cut=performance_cut, n_boot=n_boot, seed=seed,
                                       profiles=profiles))
    emit(result.to_dict(), as_json, result.summary)


@app.command()
def prompting(
    data: Annotated[Path, typer.Argument(help="Dataset folder.")],
    job: Annotated[str | None, typer.Option("--job", help="One job (default: all; strata are per question).")] = None,
    n_boot: Annotated[int, typer.Option("--n-boot", min=100, help="Bootstrap resamples of candidates.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the bootstrap.")] = 0,
    as_json: JsonOption = False,
) -> None:
    """What real-time hints did to completeness and the score, among hint-eligible answers: randomised when the
    data record a holdout (assignment=random), else observational adjusted for completeness before the hint,
    with the naive prompted-vs-unprompted difference beside it."""
    from workbench.review.prompting import prompting as run_prompting

    dataset = load_dataset(data)
    result = guarded(lambda: run_prompting(dataset, job_id=job, n_boot=n_boot, seed=seed))
    emit(result.to_dict(), as_json, result.summary)


@app.command()
def report(
    data: Annotated[Path, typer.Argument(help="Dataset folder.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the HTML reports.")] = Path("reports"),
    criterion: Annotated[str, typer.Option("--criterion", help="Criterion of the review.")] = "final_passed",
    view: Annotated[str, typer.Option("--view", help="auditor or stakeholder.")] = "auditor",
    audit_info: Annotated[Path | None, typer.Option("--audit-info", help="YAML: auditor, organisation, "
                                                    "independence statement, distribution date.")] = None,
    tables: Annotated[Path | None, typer.Option("--tables", help="Folder of the CSV/XLSX/JSON exports "
                                                "(default: <out>/tables).")] = None,
    lang: Annotated[str, typer.Option("--lang", help="Labels and findings: en or zh.")] = "en",
    inline_plotly: Annotated[bool, typer.Option("--inline-plotly", help="Inline plotly.js in every page (about "
                             "5 MB each) instead of one plotly.min.js beside the pages.")] = False,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also print ll144_summary.pdf and auditor_report.pdf with "
                   "the system's headless Chromium (a warning if it is missing).")] = False,
    paper: Annotated[str, typer.Option("--paper", help="Paper of the PDFs: A4 or Letter.")] = "A4",
    progress: Annotated[bool | None, typer.Option("--progress/--no-progress", help="Progress on stderr (default: "
                                                  "when stderr is a terminal).", show_default=False)] = None,
    engine: Annotated[str, typer.Option("--engine", help="Who reduces the review's and the audits' tables: auto "
                                        "(in memory), duckdb, spark or pandas; the dataset is loaded all the same "
                                        "(the report needs its rows).")] = "auto",
    spark_master: SparkMasterOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the self-contained HTML reports (auditor, review, LL144 summary, one audit per stage), the table
    exports, and print their paths."""
    from workbench.report import write_reports

    if view not in ("auditor", "stakeholder"):
        fail(f"--view must be auditor or stakeholder, got {view!r}")
    if lang not in ("en", "zh"):
        fail(f"--lang must be en or zh, got {lang!r}")
    if paper not in ("A4", "Letter"):
        fail(f"--paper must be A4 or Letter, got {paper!r}")
    eng = _report_engine(engine, spark_master)
    dataset = load_dataset(data)
    paths = guarded(lambda: write_reports(dataset, out, criterion=criterion, view=view, audit_info=audit_info,
                                          tables_dir=tables, lang=lang, shared_plotly=not inline_plotly,
                                          pdf=pdf, paper=paper, progress=progress, engine=eng))
    pages = [p for p in paths if p.suffix in (".html", ".pdf")]
    emit({"reports": [str(p) for p in pages], "files": [str(p) for p in paths]}, as_json,
         lambda: "\n".join(str(p) for p in pages) + f"\n(and {len(paths) - len(pages)} export files)")


def _report_engine(engine: str, spark_master: str | None) -> Any:
    """The engine of ``report --engine`` (None: in memory); a Spark session is built once for all its queries."""
    from workbench.engine import ENGINES, get_engine

    if engine not in ("auto", *ENGINES):
        fail(f"--engine must be auto, {', '.join(ENGINES)}; got {engine!r}")
    return None if engine == "auto" else guarded(lambda: get_engine(engine, spark_master=spark_master))


@app.command()
def serve(
    app_name: Annotated[
        str | None, typer.Argument(metavar="[APP]", help="live_feedback, weight_tuner or audit_viewer (default: all).")
    ] = None,
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 8866,
    cull_idle: Annotated[int, typer.Option("--cull-idle", help="Seconds before an idle kernel is shut down "
                                           "(0: never).")] = CULL_IDLE_SECONDS,
    max_kernels: Annotated[int, typer.Option("--max-kernels", help="At most this many app pages (kernels) at once; "
                                             "beyond, a 'busy, try again' page (0: no limit).")] = MAX_KERNELS,
    preheat: Annotated[int, typer.Option("--preheat", help="Kernels kept pre-heated per app, libraries loaded "
                                         "before a visitor comes (faster first paint when few visitors come at "
                                         "once; about 300 MB each; 0: none).")] = PREHEAT,
) -> None:
    """Start Voila on 127.0.0.1 with the apps (the start page lists them); Ctrl-C or SIGTERM stops it and Voila."""
    from workbench.apps.serve import APPS, app_url, run_forwarding, voila_command

    if app_name is not None and app_name not in APPS:
        fail(f"unknown app {app_name!r}; choose one of {', '.join(APPS)}")
    command = voila_command(app_name, port=port, cull_idle=cull_idle, max_kernels=max_kernels, preheat=preheat)
    # A single app is served at the root; the folder's start page lists every app.
    typer.echo(f"Voila on {app_url(None, port=port)} (127.0.0.1 only; idle kernels stopped after {cull_idle} s; "
               f"at most {max_kernels} kernels; Ctrl-C to stop)", err=True)
    code = run_forwarding(command)
    raise typer.Exit(0 if code in (0, -2, -15, 130, 143) else code)


profile_app = typer.Typer(no_args_is_help=True, help="Job profiles: derive a proposal from history, accept it.")
app.add_typer(profile_app, name="profile")


@profile_app.command("derive")
def profile_derive(
    data: Annotated[Path, typer.Argument(help="Dataset folder.")],
    job: Annotated[str, typer.Option("--job", help="Job id (a profile of the dataset).")],
    criterion: Annotated[str, typer.Option("--criterion", help="Criterion the weights are fitted to.")] = "final_passed",
    accept_into: Annotated[
        Path | None,
        typer.Option("--accept-into", help="Also write the proposal as a NEW profile file in this folder."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Propose weights and keywords from history, side by side with the current profile (never overwrites)."""
    from workbench.profile import accept, derive_profile

    dataset = load_dataset(data)
    proposal = guarded(lambda: derive_profile(dataset, job, criterion=criterion))
    document = proposal.to_records()
    if accept_into is not None:
        document["written"] = str(guarded(lambda: accept(proposal, accept_into)))
    emit(document, as_json, lambda: _proposal_summary(proposal, document.get("written")))


def _proposal_summary(proposal: Any, written: str | None) -> str:
    side = proposal.side_by_side()
    changed = side[side["changed"]] if "changed" in side.columns else side
    lines = [
        f"{proposal.job_id}: proposal {proposal.current.version} -> {proposal.proposed.version} "
        f"(criterion {proposal.criterion}); changed fields:",
        changed.to_string(),
    ]
    lines.append(f"written to {written}" if written else "nothing written (use --accept-into DIR to write a new file)")
    return "\n".join(lines)


@app.command()
def queue(
    data: Annotated[Path, typer.Argument(help="Dataset folder.")],
    action: Annotated[list[str] | None, typer.Argument(
        metavar="[decide ID pass|fail | export]", help="Nothing: list the queue. 'decide ID pass|fail': record a "
        "decision. 'export': write ai_decisions.csv with the decisions applied.", show_default=False)] = None,
    reviewer: Annotated[str | None, typer.Option("--reviewer", help="Who decides (with decide).")] = None,
    note: Annotated[str, typer.Option("--note", help="Why (with decide).")] = "",
    job: Annotated[str | None, typer.Option("--job", help="One job (listing).")] = None,
    pending: Annotated[bool, typer.Option("--pending", help="List only candidates without a decision.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="With export: write here instead of the dataset's "
                                             "ai_decisions.csv.")] = None,
    as_json: JsonOption = False,
) -> None:
    """The human-review queue: borderline candidates (threshold ± SEM), reviewers' decisions (append-only, UTC
    time, in review_decisions.csv), and their export to ai_decisions.human_override."""
    from workbench.review import queue as q

    action = list(action or [])
    dataset = load_dataset(data)
    if not action:
        frame = guarded(lambda: q.borderline_queue(dataset, job, include_decided=not pending))
        doc = {"data": str(data), "bands": frame.attrs["bands"], "n": int(len(frame)),
               "pending": int((frame["status"] == "pending").sum()), "candidates": _records(frame)}
        emit(doc, as_json, lambda: _queue_text(doc))
    elif action[0] == "decide":
        if len(action) != 3 or action[2] not in ("pass", "fail"):
            fail("usage: workbench queue DATA decide ID pass|fail --reviewer R [--note N]")
        if not reviewer:
            fail("decide needs --reviewer")
        row = guarded(lambda: q.record_decision(dataset, action[1], action[2], reviewer=reviewer, note=note))
        emit({"recorded": row, "file": str(Path(data) / q.DECISIONS_FILE)}, as_json,
             lambda: f"recorded {row['decision']} for {row['candidate_id']} by {row['reviewer']} at "
                     f"{row['decided_at']} (AI: {row['ai_decision']}, score {row['ai_score']})")
    elif action == ["export"]:
        path, frame = guarded(lambda: q.write_decisions(dataset, out))
        doc = {"written": str(path), "applied": frame.attrs["applied"], "overrides": frame.attrs["overrides"],
               "final_round_conflicts": frame.attrs["final_round_conflicts"],
               "counts": q.override_counts(frame, dataset.candidates)}
        for cid in doc["final_round_conflicts"]:
            typer.echo(f"warning: {cid} was failed on review but has a final round (final_rounds holds AI-passed "
                       "candidates only)", err=True)
        emit(doc, as_json, lambda: f"wrote {path}: {doc['applied']} decision(s) applied, {doc['overrides']} "
                                   "overturn the AI")
    else:
        fail(f"unknown queue action {' '.join(action)!r}; use decide ID pass|fail, or export")


def _records(frame: Any) -> list[dict[str, Any]]:
    from workbench.jsonable import json_ready

    return json_ready(frame.to_dict(orient="records"))


def _queue_text(doc: dict[str, Any]) -> str:
    lines = [f"{doc['n']} borderline candidate(s), {doc['pending']} pending"]
    for b in doc["bands"]:
        lines.append(f"  {b['job_id']}: band [{b['band_low']:.2f}, {b['band_high']:.2f}] around {b['threshold']:.2f}")
    for c in doc["candidates"]:
        status = c["status"] if c["status"] == "pending" else f"{c['decision']} by {c['reviewer']}"
        lines.append(f"  {c['candidate_id']} {c['job_id']}: {c['ai_score']:.2f} (AI {c['ai_decision']}) {status}")
    return "\n".join(lines)


bank_app = typer.Typer(no_args_is_help=True, help="Question banks: versions per question, apply a review's verdicts.")
app.add_typer(bank_app, name="bank")


@bank_app.command("apply-review")
def bank_apply_review(
    data: Annotated[Path, typer.Argument(help="Dataset folder.")],
    job: Annotated[str, typer.Option("--job", help="Job id (a profile of the dataset).")],
    into: Annotated[Path, typer.Option("--into", help="Bank folder: the next version is written here as "
                                       "<job>.<version>.yaml, never over a file; CHANGELOG.md is appended.")],
    base: Annotated[str | None, typer.Option("--from", help="Bank file or job id to start from when the folder has "
                                             "no version of the job yet (default: the packaged bank).")] = None,
    criterion: Annotated[str, typer.Option("--criterion", help="Criterion of the review.")] = "final_passed",
    version: Annotated[str | None, typer.Option("--version", help="Version label of the new bank (default: the "
                                                "next one, v1 -> v2).")] = None,
    min_validity: Annotated[float, typer.Option("--min-validity", help="A question is invalid when its corrected "
                                                "CI lies below this.")] = 0.10,
    n_boot: Annotated[int, typer.Option("--n-boot", min=100, help="Bootstrap resamples of candidates.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the changes, write nothing.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Write the next question-bank version from the review's verdicts: retire invalid questions, mark
    inconclusive ones for rewording, keep the rest (validity per question version where answers record it)."""
    from workbench.review.bank import apply_review
    from workbench.review.validity import ValiditySettings

    dataset = load_dataset(data)
    if job not in dataset.profiles:
        fail(f"job {job!r} has no profile in {data} (have: {', '.join(dataset.profiles) or 'none'})")
    settings = guarded(lambda: ValiditySettings(min_validity=min_validity, n_boot=n_boot, seed=seed))
    revision = guarded(lambda: apply_review(dataset, job, into, base=base, criterion=criterion, version=version,
                                            settings=settings, write=not dry_run))
    emit(revision.to_dict(), as_json, revision.summary)


@app.command()
def demo(
    data: Annotated[Path | None, typer.Option("--data", help="Dataset (default: datasets/demo).")] = None,
    criterion: Annotated[str, typer.Option("--criterion", help="Criterion of the review.")] = "final_passed",
    reports: Annotated[Path, typer.Option("--reports", help="Folder for the HTML reports.")] = Path("reports"),
    as_json: JsonOption = False,
) -> None:
    """The whole loop on the embedded demo data: profile, resumes, feedback, scoring, review, audit, reports."""
    from workbench.demo import json_document, loop_summary, run_loop

    data = data or default_demo_path()
    dataset = load_dataset(data, missing="demo dataset not found (run `make demo-data`)")
    if not dataset.report.ok:
        emit(dataset.report.to_dict(), as_json, dataset.report.summary)
        raise typer.Exit(EXIT_INVALID)
    log = (lambda message: None) if as_json else (lambda message: typer.echo(message, err=True))
    document = guarded(lambda: run_loop(dataset, reports, criterion=criterion, progress=not as_json, log=log))
    objects = document["_objects"]
    document = {"data": str(data), "validation": dataset.report.to_dict(), "summary": dataset_summary(dataset),
                **json_document(document)}
    emit(
        document,
        as_json,
        lambda: "\n\n".join(
            [
                dataset.report.summary(),
                format_summary(document["summary"]),
                loop_summary(document),
                objects["review"].summary(),
                objects["audit"].summary(),
                "reports (open in a browser, offline):\n" + "\n".join(f"  {p}" for p in document["reports"]),
                "apps: `make app` (or `workbench serve`) starts Voila on http://127.0.0.1:8866",
            ]
        ),
    )


def dataset_summary(dataset: Any) -> dict[str, Any]:
    """Per job: candidates, questions, AI pass rate, finalists, final pass rate, hires."""
    cands = dataset.candidates
    decisions = dataset.ai_decisions.merge(cands[["candidate_id", "job_id"]], on="candidate_id", how="left")
    finals = dataset.final_rounds.merge(cands[["candidate_id", "job_id"]], on="candidate_id", how="left")
    hired = dataset.outcomes.merge(cands[["candidate_id", "job_id"]], on="candidate_id", how="left")
    jobs = {}
    for job_id, group in cands.groupby("job_id", sort=True):
        dec = decisions[decisions["job_id"] == job_id]
        fin = finals[finals["job_id"] == job_id]
        out = hired[hired["job_id"] == job_id]
        profile = dataset.profiles.get(job_id)
        jobs[str(job_id)] = {
            "profile_version": profile.version if profile else None,
            "candidates": int(len(group)),
            "questions": int((dataset.questions["job_id"] == job_id).sum()),
            "ai_pass_rate": float(dec["ai_passed"].astype(float).mean()) if len(dec) else None,
            "finalists": int(len(fin)),
            "final_pass_rate": float(fin["final_passed"].astype(float).mean()) if len(fin) else None,
            "hired": int(out["hired"].astype(bool).sum()) if len(out) else 0,
        }
    return {"candidates": int(len(cands)), "answers": int(len(dataset.answers)), "jobs": jobs}


def format_summary(summary: dict[str, Any]) -> str:
    """The human form of :func:`dataset_summary`."""

    def pct(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.1%}"

    lines = [f"{summary['candidates']:,} candidates, {summary['answers']:,} answers"]
    for job_id, job in summary["jobs"].items():
        lines.append(
            f"  {job_id} (profile {job['profile_version']}): {job['candidates']:,} candidates, "
            f"{job['questions']} questions, AI pass rate {pct(job['ai_pass_rate'])}, "
            f"{job['finalists']:,} finalists (final pass rate {pct(job['final_pass_rate'])}), {job['hired']:,} hired"
        )
    return "\n".join(lines)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
