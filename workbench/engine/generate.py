"""Simulated datasets too large for memory: :func:`workbench.simulate.simulate` in chunks, written as Parquet parts.

Chunk ``c`` is a simulation of ``chunk`` candidates with seed ``seed + c``; its candidate ids ``C000001...`` are
shifted by the candidates before it and re-padded to the width of the total, so ids are unique and sort in
chunk order. Every table but ``questions`` (written once) goes to ``<table>/part-<c>.parquet``; the profiles
(the same for every chunk) to ``profiles/``. Memory is one chunk's, whatever the total: 10 million candidates
(120 million answers) are generated on a laptop. DuckDB and Spark read the folder in place
(:func:`workbench.engine.open_source`).

Examples
--------
>>> import tempfile
>>> from workbench.engine import open_source
>>> folder = write_chunked(tempfile.mkdtemp(), 1200, chunk=600, seed=3)
>>> src = open_source(folder, "duckdb")
>>> src.count("candidates"), src.count("answers"), sorted(src.profiles)
(1200, 14400, ['product_manager', 'regional_sales_manager'])
>>> int(src.engine.query("SELECT COUNT(DISTINCT candidate_id) AS n FROM candidates")["n"][0])
1200
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["write_chunked"]

_ID_TABLES = ("candidates", "answers", "ai_decisions", "final_rounds", "outcomes")


def _shift_ids(ids: pd.Series, offset: int, width: int) -> pd.Series:
    """``C000123`` -> ``C{123 + offset:0{width}d}``."""
    numbers = ids.astype(str).str.slice(1).astype("int64") + offset
    return "C" + numbers.astype(str).str.zfill(width)


def write_chunked(folder: str | Path, n_candidates: int, *, chunk: int = 500_000, seed: int = 7,
                  progress: bool = False) -> Path:
    """Simulate ``n_candidates`` in chunks of ``chunk`` into the dataset folder ``folder`` (see the module).

    Answer texts and resume files are left out (a scale dataset: scores, decisions, outcomes).
    """
    from workbench.data.profiles import save_profile
    from workbench.simulate import simulate, small_config

    if chunk < 300:
        raise ValueError(f"chunk must be at least 300 candidates, got {chunk}")
    folder = Path(folder)
    (folder / "profiles").mkdir(parents=True, exist_ok=True)
    width = max(6, len(str(n_candidates)))
    done, part = 0, 0
    while done < n_candidates:
        n = min(chunk, n_candidates - done)
        sim = simulate(small_config(n_candidates=max(n, 300), seed=seed + part, answer_texts=False,
                                    resume_files=(0, 0, 0)))
        if part == 0:
            sim.tables["questions"].to_parquet(folder / "questions.parquet", index=False)
            for job, profile in sim.profiles.items():
                save_profile(profile, folder / "profiles" / f"{job}.yaml")
        keep = set(sim.tables["candidates"]["candidate_id"].iloc[:n])
        for name in _ID_TABLES:
            frame = sim.tables[name]
            frame = frame[frame["candidate_id"].isin(keep)].copy()
            frame["candidate_id"] = _shift_ids(frame["candidate_id"], done, width)
            (folder / name).mkdir(exist_ok=True)
            frame.to_parquet(folder / name / f"part-{part:05d}.parquet", index=False)
        if progress:
            print(f"chunk {part}: {done + n:,} of {n_candidates:,} candidates", flush=True)
        done, part = done + n, part + 1
    return folder
