"""The store interface ketengraaf reads through, and how to open one.

Two backends (setting ``store_backend``; :func:`ketengraaf.store.backends.open_store`):

- ``embedded``: the Oxigraph store on disk (:mod:`ketengraaf.store.oxigraph`), organised in
  *generations*: every load writes a complete new store folder, then swaps a ``CURRENT`` pointer with
  an atomic rename. Readers therefore never see a half-loaded catalogue, and a generation never
  changes once written, so any number of processes (the web app, the query workers) may open it
  read-only at the same time.
- ``sparql``: an existing SPARQL 1.1 server (:mod:`ketengraaf.store.sparql`), the generation's
  manifest in a graph of its own, loads made current by one update request.

Code above this package reaches data only through :class:`Store` (``tests/test_architecture.py``
fails when it opens generation folders itself). The folders are the embedded backend's business.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from collections.abc import Iterator


@dataclass(frozen=True)
class SourceInfo:
    path: str          # as given (relative to the checkout where possible)
    graph: str         # named graph IRI
    sha256: str
    triples: int
    derived: bool = False   # made by the load (inference, validation report), not read from a file
    written: bool = False   # changed over HTTP since the load (the store, not the file, holds it now)


@dataclass(frozen=True)
class Generation:
    """One immutable, fully loaded version of the catalogue."""

    id: str
    version: str                  # content hash: same sources -> same version (ETags)
    created: datetime
    path: str
    sources: tuple[SourceInfo, ...]
    triples: int
    load_seconds: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def graphs(self) -> list[str]:
        return [s.graph for s in self.sources]

    @property
    def files(self) -> tuple[SourceInfo, ...]:
        """The sources read from files (not the graphs the load derives)."""
        return tuple(s for s in self.sources if not s.derived)

    @property
    def source_triples(self) -> int:
        return sum(s.triples for s in self.files)


class Store(ABC):
    """What the rest of ketengraaf needs from a store."""

    #: ``embedded`` or ``sparql`` (the setting ``store_backend``)
    backend: str = "embedded"

    @property
    def key(self) -> str:
        """Names this store in per-process caches (its folder, or its server's query URL)."""
        return f"memory:{id(self)}"

    def pinned(self) -> Store:
        """This store fixed at its current generation (a page reads one generation throughout). A store
        that never changes (in memory, for a diagram or a test) is its own."""
        return self

    def generation_file(self, name: str) -> bytes | None:
        """A file a load kept beside the current generation (``validation.ttl``), or None."""
        return None

    @abstractmethod
    def generation(self) -> Generation:
        """The generation readers see now (raises StoreError when there is none)."""

    @abstractmethod
    def query(self, sparql: str, *, union: bool = True, default_graph: list[str] | None = None,
              named_graphs: list[str] | None = None) -> Any:
        """Run a trusted query (ketengraaf's own) in this process. Queries from users go
        through :mod:`ketengraaf.sparql.workers`, which can stop them."""

    def select(self, sparql: str, **kw: Any) -> list[dict[str, Any]]:
        """SELECT results as a list of {variable: pyoxigraph term or None}."""
        return list(self.rows(sparql, **kw))

    def rows(self, sparql: str, **kw: Any) -> Iterator[dict[str, Any]]:
        """SELECT results one at a time, as :meth:`select` lists them: for answers with many rows that are
        folded into something smaller as they come (a list of them all costs more than the result)."""
        res = self.query(sparql, **kw)
        names = [v.value for v in res.variables]
        for row in res:
            yield {n: row[n] for n in names}

    @abstractmethod
    def quads(self, subject=None, predicate=None, obj=None, graph=None) -> Iterator[Any]:
        """Quads matching a pattern (pyoxigraph terms; None is a wildcard). Without ``graph``: the
        default graph, the merge of all sources, where a triple held by two files comes once."""

    def source_quads(self, subject=None, predicate=None, obj=None) -> Iterator[Any]:
        """Quads matching a pattern in the sources' named graphs, each with the graph that holds it
        (a triple in two files comes twice, once per graph): for TriG and N-Quads answers."""
        return self.quads(subject, predicate, obj, None)

