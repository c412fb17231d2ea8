"""Files -> named graphs -> a new store generation.

Every source file becomes one named graph
(``https://w3id.org/ketengraaf/graph/<path in the checkout>``). All files are
written into a new generation folder that only becomes current when every
file has loaded, so a file that does not parse leaves the store as it was; the
error names file:line:col. Loading the same files again
is a no-op (same content hash), unless forced.
"""
from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox

from .errors import InputError, ParseError
from .namespaces import GRAPH
from .settings import ROOT
from .store import Generation, SourceInfo
from .store.oxigraph import current_generation, write_generation

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

    def __init__(self, path: Path, data: bytes, fmt: ox.RdfFormat):
        self.file, self.data, self.format = path, data, fmt
        self.shown = display_path(path)
        self.graph = graph_iri(path)
        self.sha256 = hashlib.sha256(data).hexdigest()
        self._triples: list | None = None

    @property
    def base_iri(self) -> str:
        return self.file.resolve().as_uri()

    @property
    def info(self) -> SourceInfo:
        return SourceInfo(path=self.shown, graph=self.graph, sha256=self.sha256,
                          triples=len(self._triples) if self._triples is not None else 0)

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
        count = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{self.graph}> {{ ?s ?p ?o }} }}")
        return SourceInfo(path=self.shown, graph=self.graph, sha256=self.sha256,
                          triples=int(next(iter(count))["n"].value))


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
    return [f for f in found if not (f.resolve() in seen or seen.add(f.resolve()))]


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def graph_iri(path: Path) -> str:
    """Named graph of a source file: stable, and free of local paths for files in the checkout."""
    try:
        return str(GRAPH) + path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path.resolve().as_uri()


def decode_utf8(data: bytes, shown: str, encoding: str = "utf-8") -> str:
    """The text of a file that must be UTF-8; else a ParseError naming the byte, line and column."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ParseError(f"not UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
                         path=shown, line=line, column=col) from None


def read_source(path: Path) -> ParsedSource:
    """Read one file and check it is UTF-8; parsing waits until triples are needed."""
    data = path.read_bytes()
    decode_utf8(data, display_path(path))
    return ParsedSource(path, data, RDF_FORMATS[path.suffix.lower()])


def parse_file(path: Path) -> ParsedSource:
    """Read and parse one file now; errors carry file:line:col."""
    src = read_source(path)
    src.triples  # noqa: B018 (parse now, so errors surface here)
    return src


def parse_sources(paths: Iterable[str | Path]) -> list[ParsedSource]:
    files = collect_sources(paths)
    if not files:
        raise InputError("no RDF files found in " + ", ".join(str(p) for p in paths))
    return [read_source(f) for f in files]


def content_version(parsed: list[ParsedSource]) -> str:
    h = hashlib.sha256()
    for p in sorted(parsed, key=lambda p: p.graph):
        h.update(f"{p.graph}\0{p.sha256}\n".encode())
    return h.hexdigest()


# A validator takes the parsed sources and returns (report Turtle bytes, summary dict).
Validator = Callable[[list[ParsedSource]], tuple[bytes, dict]]


def load(store_dir: str | Path, paths: Iterable[str | Path], *, force: bool = False,
         validator: Validator | None = None) -> tuple[Generation, bool]:
    """Load sources into a new generation. Returns (generation, changed)."""
    started = time.perf_counter()
    parsed = parse_sources(list(paths))
    version = content_version(parsed)
    current = current_generation(Path(store_dir))
    if (current is not None and current.version == version and not force
            and (validator is None or "validation" in current.extra)):   # same files, and validated if asked
        return current, False
    extra_files, extra = {}, {}
    if validator is not None:
        report, summary = validator(parsed)
        extra_files["validation.ttl"] = report
        extra["validation"] = summary
    gen = write_generation(Path(store_dir), version, [p.load_into for p in parsed],
                           extra_files=extra_files, extra=extra, started=started)
    return gen, True


def load_catalogue(settings, *, force: bool = False, paths: Iterable[str | Path] | None = None,
                   validate: bool = True) -> tuple[Generation, bool]:
    """Load the configured sources (or ``paths``), validating them into the generation's report
    (``validate=False`` skips SHACL: pages then say the generation was not validated)."""
    from .validation import validator_for_load
    if paths is None:
        paths = list(settings.sources)
        raw = getattr(settings, "import_dir", "") or ""
        imports = Path(raw)
        if str(raw).strip() and imports.is_dir() and any(collect_sources([imports])):
            paths.append(imports)      # what `ketengraaf import` wrote (an additional source)
    return load(settings.store_dir, list(paths), force=force,
                validator=validator_for_load if validate else None)
