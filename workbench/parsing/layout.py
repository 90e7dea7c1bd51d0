"""Page layout before reading order: column detection on character boxes and running header/footer removal.

Columns come from a gap histogram over the word boxes of a page: a candidate gutter is a vertical line in the
middle 20-80% of the width; the words that cross it at the top of the page (up to ``HEADER_SHARE`` of the text
height) form a full-width header, those at the very bottom a full-width footer, and in between words may
cross it on at most ``MAX_CROSSING`` of the text rows (a stray glyph, a drop cap). Among the lines with the fewest
crossings the middle of the widest run wins (the centre of the gutter), provided both sides hold at least
eight text rows and a tenth of the text width, and the rows of the right side do not mostly line up with rows
of the left side (``ALIGNED``: a right-aligned date column shares its rows with the text, a column does not).

Running headers and footers are lines in the top or bottom ``BAND`` of a page that repeat on two or more pages
(digits ignored: "Page 1 of 3", a date and a name), and lines in the top or bottom ``PAGE_NO_BAND`` that are
only a page number.

Examples
--------
>>> words = [(10, 90, float(t)) for t in range(100, 400, 12)] + [(110, 190, float(t)) for t in range(106, 400, 14)]
>>> words += [(10, 190, 50.0)]   # a full-width name line on top
>>> gutter(words, 200)[:2]
(100.0, 50.0)
>>> is_page_number("Page 2 of 3"), is_page_number("2/3"), is_page_number("Sales 2019")
(True, True, False)
"""

from __future__ import annotations

import re
HEADER_SHARE = 0.35
FOOTER_SHARE = 0.06
MAX_CROSSING = 0.05
BAND = 0.08
PAGE_NO_BAND = 0.15
ALIGNED = 0.6
_PAGE_NO = re.compile(r"^\s*(?:[-–—]\s*)?(?:page\s*)?\d{1,3}(?:\s*(?:/|of|／)\s*\d{1,3})?(?:\s*[-–—])?\s*$|^第\s*\d+\s*页",
                      re.IGNORECASE)


def is_page_number(text: str) -> bool:
    """Whether a line is only a page number ("3", "Page 2 of 3", "2/3", "- 2 -", "第 2 页")."""
    return bool(_PAGE_NO.match(text))


def gutter(words: list[tuple], width: float) -> tuple[float, float, float] | None:
    """(gutter x, header bottom, footer top) of a two-column page from its ``(x0, x1, top[, text])`` word boxes,
    or None for a one-column page."""
    if len(words) < 20:
        return None
    tops = [w[2] for w in words]
    lo, hi = min(tops), max(tops)
    head_lim = lo + HEADER_SHARE * (hi - lo)
    foot_lim = hi - FOOTER_SHARE * (hi - lo)
    cands = []
    for gx in range(int(width * 0.2), int(width * 0.8), 2):
        cross = [w[2] for w in words if w[0] < gx < w[1]]
        head = max((t for t in cross if t <= head_lim), default=lo - 1)
        foot = min((t for t in cross if t >= foot_lim), default=hi + 1)
        body = [w for w in words if head < w[2] < foot]
        n_cross = sum(1 for t in cross if head < t < foot)
        n_rows = len({round(w[2]) for w in body})
        if len(body) < 0.6 * len(words) or n_cross > max(1, MAX_CROSSING * n_rows):
            continue
        left = {round(w[2]) for w in body if w[1] <= gx}
        right = {round(w[2]) for w in body if w[0] >= gx}
        w_l = sum(w[1] - w[0] for w in body if w[1] <= gx)
        w_all = sum(w[1] - w[0] for w in body) or 1.0
        if len(left) < 8 or len(right) < 8 or not 0.1 <= w_l / w_all <= 0.9:
            continue
        if _date_column(body, gx, left, right, 1 - w_l / w_all):
            continue
        cands.append((n_cross, gx, head, foot))
    if not cands:
        return None
    best = min(c[0] for c in cands)
    xs = [c for c in cands if c[0] == best]
    runs: list[list[tuple]] = [[xs[0]]]
    for c in xs[1:]:
        (runs[-1].append(c) if c[1] - runs[-1][-1][1] <= 2 else runs.append([c]))
    run = max(runs, key=len)
    mid = run[len(run) // 2]
    return float(mid[1]), float(mid[2]), float(mid[3])


_YEAR = re.compile(r"(?:19|20)\d\d|present|至今", re.IGNORECASE)


def _date_column(body: list[tuple], gx: float, left: set[int], right: set[int], right_share: float) -> bool:
    """Whether the text right of ``gx`` is a right-aligned date/location column of a one-column page: its rows
    mostly line up with rows on the left (``ALIGNED``) and it is narrow (under a quarter of the text width)
    or mostly dates."""
    aligned = sum(1 for t in right if t in left or t - 1 in left or t + 1 in left)
    if aligned <= ALIGNED * len(right):
        return False
    if right_share < 0.25:
        return True
    texts: dict[int, str] = {}
    for w in body:
        if w[0] >= gx and len(w) > 3:
            texts[round(w[2])] = texts.get(round(w[2]), "") + " " + w[3]
    return sum(bool(_YEAR.search(t)) for t in texts.values()) >= 0.4 * max(len(texts), 1)


def running_lines(lines, heights: list[float]) -> set[int]:
    """Indexes of running headers/footers and page numbers among ``lines`` (with ``page`` and ``top``)."""
    n_pages = len(heights)

    def in_band(ln, share: float) -> bool:
        return ln.page < n_pages and (ln.top <= share * heights[ln.page] or ln.top >= (1 - share) * heights[ln.page])

    out = {i for i, ln in enumerate(lines) if in_band(ln, PAGE_NO_BAND) and is_page_number(ln.text)}
    band = {i: ln for i, ln in enumerate(lines) if in_band(ln, BAND)}
    key = {i: re.sub(r"\d+", "#", ln.text.casefold()).strip() for i, ln in band.items()}
    pages_of: dict[str, set[int]] = {}
    for i, k in key.items():
        pages_of.setdefault(k, set()).add(band[i].page)
    if n_pages >= 2:
        out |= {i for i, k in key.items() if len(pages_of[k]) >= 2 and len(k) >= 3}
    return out
