"""Job profiles: YAML I/O with validation, resume matching, and proposals derived from history.

- :func:`load_profile` / :func:`save_profile` / :func:`profile_from_dict`: the contract's profile YAML
  (implemented in :mod:`workbench.data.profiles`, re-exported here);
- :func:`match_resume` (:mod:`.match`): per dimension, which keyword is on which resume line;
- :func:`derive_profile` (:mod:`.derive`): weights (via :mod:`workbench.review.weights`) and keywords (:func:`log_odds_dirichlet`)
  from past hires, as a :class:`ProfileProposal` that only :func:`accept` writes, to a new file.

Examples
--------
>>> from workbench.data.provenance import demo_path
>>> p = load_profile(demo_path() / "profiles" / "product_manager.yaml")
>>> p.job_id, round(sum(p.weights.values()), 6)
('product_manager', 1.0)
"""

from __future__ import annotations

from workbench.data.profiles import load_profile, load_profiles, profile_from_dict, profile_to_dict, save_profile
from workbench.nlp.terms import NUMBER_TOKEN, ZH_STOP_WORDS, term_language, tokenize, informative_prior, log_odds_dirichlet
from workbench.profile.derive import (DerivationError, ProfileProposal, accept, derive_profile, next_version,
                                      write_profile_version)
from workbench.profile.match import Evidence, DimensionMatch, MatchResult, resume_lines, keyword_pattern, match_resume

__all__ = [
    "DerivationError",
    "DimensionMatch",
    "Evidence",
    "MatchResult",
    "NUMBER_TOKEN",
    "ProfileProposal",
    "ZH_STOP_WORDS",
    "accept",
    "derive_profile",
    "informative_prior",
    "keyword_pattern",
    "load_profile",
    "load_profiles",
    "log_odds_dirichlet",
    "match_resume",
    "next_version",
    "profile_from_dict",
    "profile_to_dict",
    "resume_lines",
    "save_profile",
    "term_language",
    "tokenize",
    "write_profile_version",
]
