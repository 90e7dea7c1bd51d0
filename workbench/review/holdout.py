"""A randomised holdout for real-time hints, so a team can measure what the hints do.

Real-time hints are triggered by incomplete answers, so prompted answers were worse before the hint and a
prompted-vs-unprompted comparison is confounded (:data:`workbench.review.rounds.PROMPTING_CAVEAT`). A
:class:`HoldoutPolicy` withholds the hint from a fixed share of the answers whose trigger fired, chosen by a
keyed hash of the answer (or candidate) id: the choice is random with respect to everything about the
answer, reproducible from the seed, and needs no state (the live app and a later analysis agree on who was
held out without a shared table). Answers recorded with ``assignment=random`` are then analysed as a
randomised experiment by ``workbench prompting``.

Use in the live-feedback app (the app shows a hint only when ``policy.show_hint(...)`` is True)::

    policy = HoldoutPolicy(share=0.10, seed=2026)
    if trigger_fired and policy.show_hint(candidate_id, question_id):
        show(hint)
    record(..., hint_eligible=trigger_fired, prompted=trigger_fired and policy.show_hint(candidate_id, question_id),
           assignment=policy.assignment)

Examples
--------
>>> policy = HoldoutPolicy(share=0.10, seed=7)
>>> policy.held_out("C000001", "pm_q01") == policy.held_out("C000001", "pm_q01")  # deterministic
True
>>> keys = [policy.key(f"C{i:06d}", "pm_q01") for i in range(20_000)]
>>> round(float(policy.held_out_many(keys).mean()), 2)
0.1
>>> policy.assignment, HoldoutPolicy(share=0.0).assignment
('random', 'triggered')
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = ["HoldoutPolicy", "UNITS"]

UNITS = ("answer", "candidate")
_SCALE = float(2**64)


@dataclass(frozen=True)
class HoldoutPolicy:
    """Withhold the hint from a share of hint-eligible answers, by a seeded hash of their id.

    Parameters
    ----------
    share : float in [0, 1)
        Share of eligible answers that get no hint (e.g. 0.10). 0 = no holdout (every triggered hint is
        shown; the data are then observational, ``assignment`` = ``triggered``).
    seed : int
        Key of the hash: another seed gives another, independent holdout.
    unit : {"answer", "candidate"}
        ``answer`` holds out single answers (hash of candidate_id and question_id); ``candidate`` holds out
        every answer of a candidate together (no spill-over of a hint to the candidate's later answers, at
        the price of fewer independent units).

    Examples
    --------
    >>> p = HoldoutPolicy(0.5, seed=1, unit="candidate")
    >>> p.key("C1", "q1") == p.key("C1", "q2")
    True
    >>> HoldoutPolicy(1.0)
    Traceback (most recent call last):
    ...
    ValueError: share must be in [0, 1), got 1.0
    """

    share: float = 0.10
    seed: int = 0
    unit: str = "answer"

    def __post_init__(self) -> None:
        if not 0.0 <= float(self.share) < 1.0:
            raise ValueError(f"share must be in [0, 1), got {self.share!r}")
        if self.unit not in UNITS:
            raise ValueError(f"unit must be one of {', '.join(UNITS)}, got {self.unit!r}")

    @property
    def assignment(self) -> str:
        """What to record in ``answers.assignment``: ``random`` with a holdout, ``triggered`` without."""
        return "random" if self.share > 0 else "triggered"

    def key(self, candidate_id: Any, question_id: Any = "") -> str:
        """The id that is hashed: ``candidate_id/question_id`` (unit answer) or ``candidate_id`` (unit candidate)."""
        return str(candidate_id) if self.unit == "candidate" else f"{candidate_id}/{question_id}"

    def uniform(self, key: str) -> float:
        """The key's pseudo-random number in [0, 1) (BLAKE2b keyed by the seed).

        Examples
        --------
        >>> 0 <= HoldoutPolicy(seed=3).uniform("C1/q1") < 1
        True
        """
        digest = hashlib.blake2b(str(key).encode("utf-8"), digest_size=8,
                                 key=str(int(self.seed)).encode("ascii")).digest()
        return int.from_bytes(digest, "big") / _SCALE

    def held_out(self, candidate_id: Any, question_id: Any = "") -> bool:
        """True when this answer gets no hint."""
        return self.share > 0 and self.uniform(self.key(candidate_id, question_id)) < self.share

    def show_hint(self, candidate_id: Any, question_id: Any = "") -> bool:
        """True when a triggered hint may be shown (the answer is not held out)."""
        return not self.held_out(candidate_id, question_id)

    def held_out_many(self, keys: Iterable[str]) -> np.ndarray:
        """Boolean array: which of ``keys`` (from :meth:`key`) are held out."""
        keys = list(keys)
        if self.share <= 0:
            return np.zeros(len(keys), dtype=bool)
        return np.fromiter((self.uniform(k) < self.share for k in keys), dtype=bool, count=len(keys))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (for a dataset's provenance or truth.json)."""
        return {**asdict(self), "assignment": self.assignment}
