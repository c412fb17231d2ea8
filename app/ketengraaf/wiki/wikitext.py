"""Wikitext for the wikis: per page, a table of the catalogue resources about it, ready to paste;
and reading such a table back (the tests check the round trip).

    <!-- ketengraaf: Procesarchitectuur Impact van ketensamenwerking -->
    == In de ketengraaf ==
    {| class="wikitable sortable"
    ! Bron !! Soort
    |-
    | [https://w3id.org/ketengraaf/id/keten/vth Vergunningverlening, toezicht en handhaving (VTH)] || Estafetteketen
    |}

Labels are escaped so they cannot break the table or the link (``|``, ``[``, ``]``, ``{{``,
``<`` become HTML entities, which MediaWiki shows as the characters).
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

from ..messages import text

MARK = "<!-- ketengraaf: {title} -->"


@dataclass(frozen=True)
class Row:
    iri: str
    label: str
    types: tuple[str, ...]


def escape(text: str) -> str:
    text = text.replace("&", "&amp;")
    for ch, ent in (("|", "&#124;"), ("[", "&#91;"), ("]", "&#93;"), ("{", "&#123;"), ("}", "&#125;"),
                    ("<", "&lt;"), (">", "&gt;"), ("\n", " ")):
        text = text.replace(ch, ent)
    return text.strip()


def page_wikitext(title: str, rows: list[Row], lang: str = "nl") -> str:
    first, second = text("wiki.export.resource", lang), text("wiki.export.type", lang)
    heading = "== " + text("wiki.export.heading", lang) + " =="
    out = [MARK.format(title=escape(title).replace("--", "&#45;&#45;")), heading,
           '{| class="wikitable sortable"', f"! {first} !! {second}"]
    for r in sorted(rows, key=lambda r: (r.label.casefold(), r.iri)):
        out += ["|-", f"| [{r.iri} {escape(r.label)}] || {', '.join(escape(t).replace(',', '&#44;') for t in r.types)}"]
    out.append("|}")
    return "\n".join(out) + "\n"


_MARK = re.compile(r"^<!-- ketengraaf: (.*) -->$")
_ROW = re.compile(r"^\| \[(\S+) (.*)\] \|\| (.*)$")


def parse(text: str) -> dict[str, list[Row]]:
    """Page title -> rows, from text made by :func:`page_wikitext` (one page or many)."""
    pages: dict[str, list[Row]] = {}
    current: list[Row] | None = None
    for line in text.splitlines():
        m = _MARK.match(line)
        if m:
            current = pages.setdefault(html.unescape(m.group(1)), [])
            continue
        m = _ROW.match(line)
        if m and current is not None:
            types = tuple(html.unescape(t).strip() for t in m.group(3).split(", ") if t.strip())
            current.append(Row(m.group(1), html.unescape(m.group(2)), types))
    return pages
