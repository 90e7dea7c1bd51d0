"""Personal data on the way in and on the way out: keyed pseudonyms for columns, redaction for free text.

- Columns that hold personal data (name, phone, e-mail, ID-card number, address; headers in English and
  Chinese, listed under ``personal_data_columns`` in ``vocabulary.yaml``) are replaced on validation and import
  by a keyed pseudonym, HMAC-SHA256 with a key kept *outside* the dataset, so that records can still be joined
  but cannot be read back. Candidate ids that look like personal data (an e-mail address, a phone or ID
  number) get the same treatment, consistently across tables.
- :func:`redact` masks phones, e-mails, ID numbers and self-introductions ("My name is ...", 我叫...) in free
  text before a warning, a JSON output or a report quotes it.

The key: ``$WORKBENCH_PII_KEY`` when set, else ``~/.config/workbench/pii.key`` (32 random bytes, created on first
use with mode 600). Keep it out of the dataset: whoever holds key and dataset can test a guess.

Examples
--------
>>> k = b"k" * 32
>>> p = pseudonym("wang.xiaoming@example.com", k)
>>> p == pseudonym(" Wang.Xiaoming@Example.com ", k), p.startswith("P"), len(p)
(True, True, 17)
>>> redact("My name is Wang Xiaoming, call me at 139 1234 5678 or wxm@example.com")
'My name is [name], call me at [phone] or [email]'
>>> redact("我叫王小明，身份证号110101199003071234")
'我叫[name]，身份证号[id]'
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from pathlib import Path

import pandas as pd

from workbench.data.vocabulary import VOCABULARY_FILE, key, load_vocabulary

__all__ = ["KEY_ENV", "looks_personal", "pii_columns", "pii_key", "pseudonym", "pseudonymise", "redact"]

KEY_ENV = "WORKBENCH_PII_KEY"
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_CN_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_PHONE = re.compile(r"(?<![\dA-Za-z+])(?:\+?\d{1,3}[\s\-.]?)?(?:\(?\d{2,4}\)?[\s\-.]?)?\d{3,4}[\s\-.]?\d{4}(?!\d)")
_NAME_EN = re.compile(r"\b([Mm]y name is|I am called|I'm called|[Mm]y name's)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2})")
_NAME_ZH = re.compile(r"(我叫|我的名字是|我是|本人)([\u4e00-\u9fff]{2,3})(?=[，,。.\s]|$)")


def pii_key() -> bytes:
    """The pseudonymisation key (see the module); created outside the dataset on first use."""
    env = os.environ.get(KEY_ENV)
    if env:
        return env.encode("utf-8")
    path = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "workbench" / "pii.key"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(32))
    return path.read_bytes()


def pseudonym(value: str, secret: bytes | None = None) -> str:
    """``P`` + 16 hex digits of HMAC-SHA256 over the value (NFKC, trimmed, case-folded)."""
    text = unicodedata.normalize("NFKC", str(value)).strip().casefold()
    digest = hmac.new(secret if secret is not None else pii_key(), text.encode("utf-8"), hashlib.sha256)
    return "P" + digest.hexdigest()[:16]


def pii_columns(columns, vocabulary_file: Path = VOCABULARY_FILE) -> dict[str, str]:
    """``{column: kind}`` for the headers that name personal data (name, phone, email, id_number, address)."""
    kinds = load_vocabulary(vocabulary_file).personal
    return {c: kinds[key(c)] for c in columns if key(c) in kinds}


def looks_personal(value: object) -> bool:
    """Whether an id looks like personal data: an e-mail address, a phone number or a Chinese ID number."""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return bool(_EMAIL.fullmatch(text) or _CN_ID.fullmatch(text)
                or (_PHONE.fullmatch(text) and sum(ch.isdigit() for ch in text) >= 7))


def _personal_ids(values: pd.Series) -> pd.Series:
    """Which ids look like personal data: a vectorised pre-filter, then :func:`looks_personal` on the few."""
    text = values.astype(object).where(values.notna(), "").astype(str)
    maybe = text.str.contains("@", regex=False) | text.str.fullmatch(r"\+?[\d\s\-().Xx]{7,24}")
    out = pd.Series(False, index=values.index)
    if maybe.any():
        out[maybe] = text[maybe].map(looks_personal).astype(bool)
    return out


def pseudonymise(frame: pd.DataFrame, id_columns=("candidate_id",), secret: bytes | None = None
                 ) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` with personal-data columns and personal-looking ids replaced by pseudonyms, and what was done.

    Examples
    --------
    >>> f = pd.DataFrame({"candidate_id": ["a@b.cn", "C2"], "姓名": ["王伟", ""], "score": ["4", "3"]})
    >>> out, done = pseudonymise(f, secret=b"s" * 32)
    >>> out["姓名"].str.startswith("P").tolist(), out["candidate_id"].tolist()[1], done
    ([True, False], 'C2', ['姓名 (name)', 'candidate_id: 1 value(s) that look like personal data'])
    """
    out = frame.copy()
    done = []
    cols = pii_columns(frame.columns)
    ids = [c for c in id_columns if c in out]
    personal = {c: _personal_ids(out[c]) for c in ids}
    if not cols and not any(p.any() for p in personal.values()):
        return out, done
    k = secret if secret is not None else pii_key()
    for column, kind in cols.items():
        values = out[column]
        filled = values.notna() & (values.astype(str).str.strip() != "")
        out[column] = values.astype(object).where(~filled, values[filled].map(lambda v: pseudonym(v, k)))
        done.append(f"{column} ({kind})")
    for column, mask in personal.items():
        if mask.any():
            out.loc[mask, column] = out.loc[mask, column].map(lambda v: pseudonym(v, k))
            done.append(f"{column}: {int(mask.sum())} value(s) that look like personal data")
    return out, done


def redact(text: str) -> str:
    """Free text with e-mails, ID numbers, phone numbers and self-introduced names masked."""
    if not isinstance(text, str) or not text:
        return text
    out = _EMAIL.sub("[email]", text)
    out = _CN_ID.sub("[id]", out)
    out = _PHONE.sub(lambda m: "[phone]" if sum(ch.isdigit() for ch in m.group(0)) >= 7 else m.group(0), out)
    out = _NAME_EN.sub(lambda m: f"{m.group(1)} [name]", out)
    return _NAME_ZH.sub(lambda m: f"{m.group(1)}[name]", out)
