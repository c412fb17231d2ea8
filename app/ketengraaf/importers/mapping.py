"""Run the declarative mapping (``mapping.rq``) from raw ArchiMate RDF onto keten: terms.

The queries in ``mapping.rq`` run in order over one in-memory Oxigraph store
that holds the raw triples; what each query constructs is added before the
next runs, so later queries can use the keten: classes earlier ones assigned.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import cast

import pyoxigraph as ox

MAPPING = Path(__file__).with_name("mapping.rq")
SEPARATOR = "\n#---"


@lru_cache(maxsize=4)
def queries(path: Path = MAPPING) -> tuple[str, ...]:
    """The CONSTRUCT queries of a mapping file; the PREFIX lines of the first part apply to all."""
    text = path.read_text(encoding="utf-8")
    parts = text.split(SEPARATOR)
    prefixes = "\n".join(line for line in parts[0].splitlines() if line.strip().upper().startswith("PREFIX"))
    out = [parts[0]]
    for part in parts[1:]:
        out.append(prefixes + "\n" + part)
    return tuple(out)


def apply(raw: list[ox.Triple], path: Path = MAPPING) -> list[ox.Triple]:
    """The mapped triples (each once, in the order first constructed)."""
    store = ox.Store()
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in raw)
    produced: dict[ox.Triple, None] = {}
    for query in queries(path):
        triples = cast(ox.QueryTriples, store.query(query))     # a CONSTRUCT (stubs: any result kind)
        new = [t for t in triples if t not in produced]
        for t in new:
            produced[t] = None
        store.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in new)
    return list(produced)
