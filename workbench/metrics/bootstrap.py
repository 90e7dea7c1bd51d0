"""The one bootstrap resampler: resamples of n rows drawn with replacement, and percentile intervals.

Every bootstrap of the workbench (corrected validities, the rounds' cluster bootstrap, the weight tuner's
stability) draws its resamples here, so one seed gives one stream: resample ``b`` is
``rng.integers(0, n, n)``, whatever the chunking. Count-weighted statistics use :func:`resample_counts`
(a block of multinomial counts a row, so a chunk of resamples costs one matrix product); estimators that
refit use :func:`resample_indices`.

Examples
--------
>>> import numpy as np
>>> x = np.arange(10.0)
>>> reps = np.array([x[i].mean() for i in resample_indices(10, 200, rng=0)])
>>> low, high = percentile_interval(reps, 0.95)
>>> bool(low < x.mean() < high)
True
>>> W = np.vstack([w.copy() for _, w in resample_counts(10, 200, rng=0, chunk_size=64)])
>>> bool(np.allclose(W @ x / 10, reps))
True
"""
from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["percentile_interval", "resample_counts", "resample_indices"]

#: Counts per chunk of :func:`resample_counts` by default (about 32 MB of float64).
CHUNK_ELEMENTS = 4_000_000


def resample_indices(n: int, n_boot: int, rng: Any = None) -> Iterator[np.ndarray]:
    """``n_boot`` arrays of ``n`` row indices drawn with replacement (``rng``: Generator, seed or None).

    Examples
    --------
    >>> [len(i) for i in resample_indices(5, 3, rng=1)]
    [5, 5, 5]
    """
    gen = np.random.default_rng(rng)
    for _ in range(int(n_boot)):
        yield gen.integers(0, n, size=n)


def resample_counts(n: int, n_boot: int, rng: Any = None, chunk_size: int | None = None
                    ) -> Iterator[tuple[int, np.ndarray]]:
    """Blocks ``(start, W)`` of resamples as multinomial counts: ``W[i, j]`` = times row j is drawn.

    The rows of all blocks together are the resamples of :func:`resample_indices` with the same ``rng``;
    ``chunk_size`` (default: about :data:`CHUNK_ELEMENTS` counts a block) changes only the blocking. The
    array ``W`` is reused between blocks: use it before asking for the next one.

    Examples
    --------
    >>> [(s, w.shape, int(w.sum(axis=1)[0])) for s, w in resample_counts(4, 5, rng=0, chunk_size=2)]
    [(0, (2, 4), 4), (2, (2, 4), 4), (4, (1, 4), 4)]
    """
    n_boot = int(n_boot)
    chunk = max(1, min(n_boot, int(chunk_size) if chunk_size else CHUNK_ELEMENTS // max(n, 1)))
    W = np.empty((chunk, n))
    draws = resample_indices(n, n_boot, rng)
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        for i in range(b):
            W[i] = np.bincount(next(draws), minlength=n)
        yield start, W[:b]


def percentile_interval(replicates: Any, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of bootstrap replicates (rows = resamples), ignoring NaN; NaN when there are none.

    Examples
    --------
    >>> percentile_interval(np.array([[1.0], [2.0], [3.0], [np.nan]]), 0.5)
    (array([1.5]), array([2.5]))
    """
    reps = np.asarray(replicates, dtype=float)
    if reps.shape[0] == 0:
        nan = np.full(reps.shape[1:], np.nan)
        return nan, nan.copy()
    alpha = 1.0 - float(level)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        low, high = np.nanquantile(reps, [alpha / 2.0, 1.0 - alpha / 2.0], axis=0)
    return low, high
