"""Text measuring and wrapping without a font: a conservative width estimate.

The diagram never sees the font the reader's browser picks, so every width is an
upper bound: per character at least 0.6 × font size, more for wide letters
(m, w, capitals), bold 10 % wider. Lines are wrapped at spaces, after hyphens and
slashes; a word longer than the line is cut with a hyphen.
"""
from __future__ import annotations

import math

MIN_EM = 0.6
_WIDE = {"m": 0.95, "w": 0.85, "M": 0.95, "W": 1.05, "@": 1.05, "%": 0.95, "&": 0.8, "—": 1.0, "…": 1.0}
BOLD = 1.1


def char_em(ch: str) -> float:
    if ch in _WIDE:
        return _WIDE[ch]
    if ch.isupper():
        return 0.78
    return MIN_EM if ch.isascii() or not ch.isalpha() else 0.66


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Upper bound of the rendered width of ``text`` at font size ``size`` (user units)."""
    return sum(char_em(c) for c in text) * size * (BOLD if bold else 1.0)


def _pieces(text: str) -> list[str]:
    """Break opportunities: after a space (kept with the word before), a slash, or a hyphen inside a word."""
    out: list[str] = []
    cur = ""
    for ch in text:
        cur += ch
        if ch in " /" or (ch == "-" and len(cur) > 1):
            out.append(cur)
            cur = ""
    if cur:
        out.append(cur)
    return out


def wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """``text`` in lines that each fit ``width`` at ``size`` (by :func:`text_width`)."""
    text = " ".join(text.split())
    if not text:
        return []
    lines: list[str] = []
    cur = ""
    for piece in _pieces(text):
        trial = cur + piece
        if text_width(trial.rstrip(), size, bold) <= width:
            cur = trial
            continue
        if text_width(piece.rstrip(), size, bold) > width and cur.strip():
            # a word too long for any line: start it on this line when a fair part fits
            room = width - text_width(cur, size, bold)
            n = _fit(piece, room, size, bold) if room > 0 else 0
            if n >= 4 and _joint(piece, n) and text_width(cur + piece[:n] + "-", size, bold) <= width:
                lines.append(cur + piece[:n] + "-")
                piece, cur = piece[n:], ""
        if cur.strip():
            lines.append(cur.rstrip())
        cur = ""
        # a piece that does not fit on a line of its own is cut, each part ending in a hyphen
        while text_width(piece.rstrip(), size, bold) > width:
            n = _fit(piece, width, size, bold)
            lines.append(piece[:n] + "-")
            piece = piece[n:]
        cur = piece
    if cur.strip():
        lines.append(cur.rstrip())
    return lines


# Dutch compounds with a linking s after these endings: betalings|achterstanden, veiligheids|regio
_JOINTS = ("ings", "heids", "teits", "schaps", "ties")


def _fit(word: str, width: float, size: float, bold: bool) -> int:
    """Where to cut ``word`` so the first part fits ``width`` with a hyphen after it: at a Dutch
    compound joint (after -ings, -heids, ...) when one is near, else as late as fits, keeping at least
    three characters on each side where possible."""
    n = 1
    while n < len(word) and text_width(word[:n + 1] + "-", size, bold) <= width:
        n += 1
    rest = len(word.rstrip()) - n
    if rest < 3 and n > 4:
        n = max(4, n - (3 - rest))
    for i in range(n, max(n - 12, 3), -1):
        if _joint(word, i):
            return i
    return n


def _joint(word: str, i: int) -> bool:
    """Is cutting ``word`` before position ``i`` a cut at a compound joint?"""
    return any(word[:i].endswith(j) for j in _JOINTS) and i + 2 < len(word) and word[i].isalpha()


def fmt(value: float) -> str:
    """Fixed number formatting for SVG attributes: at most one decimal, no trailing zero."""
    v = math.floor(value * 10 + 0.5) / 10
    s = f"{v:.1f}"
    return s[:-2] if s.endswith(".0") else s
