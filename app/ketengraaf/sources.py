"""Source files -> parsed named graphs (the bottom of the house: no store, no validation).

Every source file becomes one named graph: ``https://w3id.org/ketengraaf/graph/<path>``
for a file inside the catalogue folder (``<path>`` relative to it, so the IRI is the
same on every machine), the file's own ``file:`` IRI otherwise. Errors name
file:line:col.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import cast
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from .errors import InputError, ParseError
from .namespaces import GRAPH
from .store import SourceInfo

# extension -> pyoxigraph format (a registry: add a format by adding a line)
RDF_FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".n3": ox.RdfFormat.N3,
}

_POSITION = re.compile(r"line (\d+) column (\d+)")


class ParsedSource:
    """One source file: read and checked now, parsed into triples only when asked.

    The store is filled straight from the bytes with Oxigraph's ``bulk_load``
    (no Python object per triple); ``triples`` parses on first use, for the
    validator, which needs them anyway.
    """

    def __init__(self, path: Path, data: bytes, fmt: ox.RdfFormat, *, root: Path | None = None,
                 kept: SourceInfo | None = None):
        """``root``: the catalogue folder (names the graph and the shown path). ``kept``: the
        source as an earlier generation recorded it, when ``data`` is that graph read back."""
        self.file, self.data, self.format, self.kept = path, data, fmt, kept
        if kept is None:
            self.shown, self.graph = display_path(path, root), graph_iri(path, root)
            self.sha256 = hashlib.sha256(data).hexdigest()
        else:
            self.shown, self.graph, self.sha256 = kept.path, kept.graph, kept.sha256
        self._triples: list | None = None

    @property
    def base_iri(self) -> str:
        return self.file.resolve().as_uri()

    @property
    def info(self) -> SourceInfo:
        return SourceInfo(path=self.shown, graph=self.graph, sha256=self.sha256,
                          triples=len(self._triples) if self._triples is not None else 0,
                          written=self.kept.written if self.kept is not None else False)

    @property
    def triples(self) -> list:
        if self._triples is None:
            try:
                parsed = ox.parse(self.data, format=self.format, base_iri=self.base_iri)
                self._triples = [ox.Triple(q.subject, q.predicate, q.object) if isinstance(q, ox.Quad) else q
                                 for q in parsed]
            except SyntaxError as exc:
                raise self.error(exc) from None
        return self._triples

    @property
    def is_parsed(self) -> bool:
        """Whether :attr:`triples` has been parsed (and is held) already."""
        return self._triples is not None

    def stream(self) -> Iterator:
        """The triples (or quads) one by one: the parsed list when held, else parsed as they are read,
        without keeping them (for one pass over a large file)."""
        if self._triples is not None:
            yield from self._triples
            return
        try:
            yield from ox.parse(self.data, format=self.format, base_iri=self.base_iri)
        except SyntaxError as exc:
            raise self.error(exc) from None

    def error(self, exc: SyntaxError) -> ParseError:
        line, col = getattr(exc, "lineno", None), getattr(exc, "offset", None)
        msg = str(getattr(exc, "msg", exc))
        if line is None:
            m = _POSITION.search(msg)
            if m:
                line, col = int(m.group(1)), int(m.group(2))
        return ParseError(msg, path=self.shown, line=line, column=col)

    def load_into(self, store: ox.Store) -> SourceInfo:
        """Write this file into ``store`` as its named graph; the info with the stored triple count."""
        graph = ox.NamedNode(self.graph)
        if self.format in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
            # datasets: every quad goes to this file's graph
            store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in self.triples)
        else:
            try:
                store.bulk_load(self.data, format=self.format, to_graph=graph, base_iri=self.base_iri)
            except SyntaxError as exc:
                raise self.error(exc) from None
        count = cast(ox.QuerySolutions,      # a SELECT (stubs: any result kind)
                     store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{self.graph}> {{ ?s ?p ?o }} }}"))
        return SourceInfo(path=self.shown, graph=self.graph, sha256=self.sha256,
                          triples=int(next(iter(count))["n"].value),
                          written=self.kept.written if self.kept is not None else False)


def collect_sources(paths: Iterable[str | Path]) -> list[Path]:
    """RDF files named, or found below folders named, in a stable order."""
    found: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in RDF_FORMATS)
        elif p.is_file():
            if p.suffix.lower() not in RDF_FORMATS:
                raise InputError(f"{p}: unknown RDF file type {p.suffix!r}; known: {', '.join(RDF_FORMATS)}")
            found.append(p)
        else:
            raise InputError(f"{p}: no such file or folder")
    seen: set[Path] = set()
    unique: list[Path] = []
    for f in found:
        if f.resolve() not in seen:
            seen.add(f.resolve())
            unique.append(f)
    return unique


def _relative(path: Path, root: Path | None) -> str | None:
    if root is None:
        return None
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return None


def display_path(path: Path, root: Path | None = None) -> str:
    """``path`` as people see it: relative to the catalogue folder when inside it."""
    return _relative(path, root) or str(path)


def graph_iri(path: Path, root: Path | None = None) -> str:
    """Named graph of a source file: stable, and free of local paths for files in the catalogue."""
    inside = _relative(path, root)
    return str(GRAPH) + inside if inside is not None else Path(path).resolve().as_uri()


def decode_utf8(data: bytes, shown: str, encoding: str = "utf-8") -> str:
    """The text of a file that must be UTF-8; else a ParseError naming the byte, line and column."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ParseError(f"not UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
                         path=shown, line=line, column=col) from None


def read_source(path: Path, root: Path | None = None) -> ParsedSource:
    """Read one file and check it is UTF-8; parsing waits until triples are needed."""
    data = path.read_bytes()
    decode_utf8(data, display_path(path, root))
    return ParsedSource(path, data, RDF_FORMATS[path.suffix.lower()], root=root)


def parse_file(path: Path, root: Path | None = None) -> ParsedSource:
    """Read and parse one file now; errors carry file:line:col."""
    src = read_source(path, root)
    src.triples  # noqa: B018 (parse now, so errors surface here)
    return src


def parse_sources(paths: Iterable[str | Path], root: Path | None = None) -> list[ParsedSource]:
    """Every RDF file named or found below the folders named, read (``root``: the catalogue folder)."""
    paths = list(paths)
    files = collect_sources(paths)
    if not files:
        raise InputError("no RDF files found in " + ", ".join(str(p) for p in paths))
    return [read_source(f, root) for f in files]


def content_version(parsed: list[ParsedSource]) -> str:
    h = hashlib.sha256()
    for p in sorted(parsed, key=lambda p: p.graph):
        h.update(f"{p.graph}\0{p.sha256}\n".encode())
    return h.hexdigest()
