"""Terms that name people and organisations, so that keyword derivation and the model's word features can
leave them out: a resume's own name, employers and schools (its parsed fields), and a stop list of common given
names and surnames (``name_stoplist.yaml``).

Terms are produced by the same tokenizer as keyword derivation (:func:`workbench.nlp.terms.tokenize`), so they
can be removed from its output as they are. Generic organisation words (Inc, Group, University, 大学, 公司...
from ``organisations.yaml``) are kept: "university" in a school name is not a proper name.

Examples
--------
>>> from workbench.records import Education, Job, Resume
>>> r = Resume(name="Daniel Smith", experience=(Job("Globex Foods Inc.", "Sales Manager"),),
...            education=(Education("B.A.", "bachelor", "Economics", "San Diego State University"),))
>>> sorted(proper_name_terms(r))
['daniel', 'diego', 'globex', 'san', 'smith']
>>> sorted(proper_name_terms(Resume(name="黄强", experience=(Job("美的集团", "大客户经理"),))))
['美的', '黄强']
>>> drop_proper_names(["grew", "sales", "daniel", "globex", "smith"], r)
['grew', 'sales']
>>> is_stop_name("johnson"), is_stop_name("negotiation")
(True, False)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml

from ..records import Resume
from .orgs import _data as _org_data

STOPLIST_FILE = Path(__file__).resolve().parent / "name_stoplist.yaml"
_GENERIC_EN = frozenset("state of the and for at in de la le".split())


@lru_cache(maxsize=1)
def _stoplist() -> frozenset[str]:
    d = yaml.safe_load(STOPLIST_FILE.read_text(encoding="utf-8"))
    return frozenset(str(w).lower() for k in ("en_given", "en_surnames") for w in d.get(k, ()))


@lru_cache(maxsize=1)
def _generic() -> frozenset[str]:
    """Organisation words and legal forms (lower case, punctuation stripped) that are not proper names."""
    out = set(_GENERIC_EN)
    for lang in ("en", "zh"):
        d = _org_data()[lang]
        for key in ("legal_suffixes", "org_words"):
            for w in d.get(key, ()):
                out.add(re.sub(r"[.\s]", "", str(w)).lower())
    return frozenset(out)


def is_stop_name(term: str) -> bool:
    """Whether ``term`` is a common given name or surname of the stop list."""
    return term.lower() in _stoplist()


def _tokens(text: str) -> list[str]:
    from ..nlp.terms import tokenize

    return [t for t in tokenize(text) if not t.startswith("<")]


def proper_name_terms(resume: Resume) -> set[str]:
    """Terms of the resume's person name, employers and schools (generic organisation words left out)."""
    out: set[str] = set()
    if resume.name:
        out.update(_tokens(resume.name))
        if re.fullmatch(r"[\u4e00-\u9fff·]{2,5}", resume.name.strip()):
            out.add(resume.name.strip())
    orgs = [j.employer for j in resume.experience] + [e.school for e in resume.education]
    for org in filter(None, orgs):
        for t in _tokens(org):
            if re.sub(r"[.\s]", "", t).lower() not in _generic() and not _generic_zh(t):
                out.add(t)
    return out


def _generic_zh(term: str) -> bool:
    """A Chinese term made only of generic organisation words (集团, 有限公司, 科技...)."""
    if not re.search(r"[\u4e00-\u9fff]", term):
        return False
    rest = term
    for w in sorted(_generic(), key=len, reverse=True):
        if re.search(r"[\u4e00-\u9fff]", w):
            rest = rest.replace(w, "")
    return not rest


def drop_proper_names(terms: Iterable[str], resume: Resume | None = None) -> list[str]:
    """``terms`` without the resume's proper-name terms and without stop-list names (order kept)."""
    own = proper_name_terms(resume) if resume is not None else set()
    return [t for t in terms if t not in own and not is_stop_name(t)]
