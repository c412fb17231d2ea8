"""Example queries: ``app/queries/*.rq``, each with a header of comments::

    # title: <Dutch title>
    # title@en: <English title>
    # description: <Dutch description>
    # description@en: <English description>

The query page lists them; a test runs each one on the shipped catalogue and
expects results. A query without its own ``PREFIX`` lines gets the standard
prefixes it uses (:func:`ketengraaf.namespaces.sparql_prefixes`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..errors import InputError
from ..namespaces import PREFIXES, sparql_prefixes

QUERIES = Path(__file__).resolve().parent.parent / "queries"
_HEADER = re.compile(r"^#\s*(title|description)(?:@([a-z]{2}))?\s*:\s*(.*?)\s*$")
_PREFIX_DECL = re.compile(r"^\s*PREFIX\s", re.I | re.M)
_USED = re.compile(r"(?<![\w:?$-])([A-Za-z][\w.-]*):")
_IRI_OR_STRING = re.compile(r"<[^<>\s]*>|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|#[^\n]*")


@dataclass(frozen=True)
class Example:
    slug: str
    path: Path
    query: str
    title: dict[str, str] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)

    def text(self, what: str, lang: str) -> str:
        values = getattr(self, what)
        return values.get(lang) or values.get("nl") or values.get("en") or ""


def with_prefixes(body: str) -> str:
    """``body`` preceded by the PREFIX lines of the standard prefixes it uses (unless it declares its own).
    The example's text on the query page shows them: nothing is added unseen."""
    if _PREFIX_DECL.search(body):
        return body
    bare = _IRI_OR_STRING.sub(" ", body)            # a colon inside <...> or "..." names no prefix
    used = [p for p in PREFIXES if p in set(_USED.findall(bare))]
    return (sparql_prefixes(used) + "\n" if used else "") + body


def parse_example(path: Path) -> Example:
    title: dict[str, str] = {}
    description: dict[str, str] = {}
    body: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _HEADER.match(line)
        if m and not body:
            (title if m.group(1) == "title" else description)[m.group(2) or "nl"] = m.group(3)
        elif body or line.strip():
            body.append(line)
    if "nl" not in title:
        raise InputError(f"{path}:1: example query has no '# title:' line")
    return Example(path.stem, path, with_prefixes("\n".join(body).strip() + "\n"), title, description)


@lru_cache(maxsize=4)
def _load(folder: str, stamp: tuple) -> tuple[Example, ...]:
    return tuple(parse_example(p) for p in sorted(Path(folder).glob("*.rq")))


def examples(folder: Path = QUERIES) -> tuple[Example, ...]:
    """All example queries, sorted by file name (reread when a file changes)."""
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.rq")))
    return _load(str(folder), stamp)
