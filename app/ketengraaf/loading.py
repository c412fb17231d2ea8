"""Sources -> a new store generation, atomically, validated on the way.

Every source file becomes one named graph (see :mod:`ketengraaf.sources`). All
sources are written into a new generation folder that only becomes current when
every one has loaded, so a file that does not parse leaves the store as it was;
the error names file:line:col. Loading the same sources again is a no-op (same
content hash), unless forced.

What a load holds (:func:`load_catalogue`):

- no paths: the catalogue's ``ontology/``, ``shapes/`` and ``data/`` (plus what
  ``ketengraaf import`` wrote), the whole catalogue rebuilt;
- paths: those sources added to the current catalogue, or replacing the sources
  with the same graph; every other graph of the current generation is kept;
- paths with ``replace``: a catalogue of only those sources.

Besides the sources, a generation holds two graphs the load makes (``derived`` sources):

- ``graph/inferentie``: the RDFS entailments of the sources that a reader expects
  (``rdfs:subClassOf`` and ``rdfs:subPropertyOf``, transitively: a ``keten:Orkestratieketen`` is
  also a ``keten:Keten``), part of the default graph like every source; setting ``inference``;
- ``graph/validatie``: the SHACL report of this generation, with the load's time, the shapes'
  version and, per result, since when the catalogue has had it (``dcterms:created``: the load in
  which it first appeared).
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from datetime import datetime, UTC
from pathlib import Path
from typing import cast

import pyoxigraph as ox

from .errors import ConfigError, InputError, ValidationFailed, WritesWouldBeLost
from .namespaces import GRAPH
from .sources import ParsedSource, collect_sources, content_version, parse_sources
from .store import Generation, SourceInfo
from .store.oxigraph import (current_generation, dump_generation, export_graphs, generation_file, write_generation,
                             writer_lock)
from .validation import Report, read_report_bytes, render, validate_sources
from .validation.engine import is_shapes_source

INFERENCE_GRAPH = str(GRAPH) + "inferentie"
REPORT_GRAPH = str(GRAPH) + "validatie"
HISTORY_GRAPH = str(GRAPH) + "geschiedenis"      # the writes' history (ketengraaf.writing), kept by loads
DERIVED_GRAPHS = frozenset({INFERENCE_GRAPH, REPORT_GRAPH})
OUTSIDE_UNION = frozenset({REPORT_GRAPH, HISTORY_GRAPH})   # data about the data: not in the default graph

RDFS = "http://www.w3.org/2000/01/rdf-schema#"


def entailments(subjects: str | None = None) -> tuple[str, str]:
    """The CONSTRUCT queries of the RDFS entailments a reader expects, over the default graph; the FILTERs
    keep what the sources state already out. ``subjects``: a VALUES list (``<a> <b>``) to limit them to."""
    x = f"VALUES ?x {{ {subjects} }}" if subjects is not None else ""
    s = f"VALUES ?s {{ {subjects} }}" if subjects is not None else ""
    return (
        f"""CONSTRUCT {{ ?x a ?super }} WHERE {{ {x}
              ?x a ?class . ?class <{RDFS}subClassOf>+ ?super .
              FILTER(isIRI(?super) && ?super != ?class) FILTER NOT EXISTS {{ ?x a ?super }} }}""",
        f"""CONSTRUCT {{ ?s ?super ?o }} WHERE {{ {s}
              ?s ?p ?o . ?p <{RDFS}subPropertyOf>+ ?super .
              FILTER(isIRI(?super) && ?super != ?p) FILTER NOT EXISTS {{ ?s ?super ?o }} }}""",
    )


def infer_into(store: ox.Store) -> SourceInfo:
    """Write the RDFS entailments of every named graph in ``store`` into :data:`INFERENCE_GRAPH`
    (a filler for :func:`write_generation`, run after the sources)."""
    graph = ox.NamedNode(INFERENCE_GRAPH)
    found: set = set()
    for query in entailments():
        found.update(cast(ox.QueryTriples,          # a CONSTRUCT (stubs: any result kind)
                          store.query(query, use_default_graph_as_union=True)))
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in sorted(found, key=str))
    return SourceInfo(path="(inferentie: RDFS)", graph=INFERENCE_GRAPH, sha256="", triples=len(found),
                      derived=True)


def report_filler(turtle: bytes) -> Callable[[ox.Store], SourceInfo]:
    """A filler that stores the validation report (Turtle) as :data:`REPORT_GRAPH`."""
    def fill(store: ox.Store) -> SourceInfo:
        graph = ox.NamedNode(REPORT_GRAPH)
        store.bulk_load(turtle, format=ox.RdfFormat.TURTLE, to_graph=graph)
        count = sum(1 for _ in store.quads_for_pattern(None, None, None, graph))
        return SourceInfo(path="(validatie: SHACL)", graph=REPORT_GRAPH,
                          sha256=hashlib.sha256(turtle).hexdigest(), triples=count, derived=True)
    return fill


def gate(report: Report, serving: str | None, allow_violations: bool, lang: str) -> dict:
    """The gate of a load: :class:`ValidationFailed` with the report (in ``lang``) when it has violations,
    unless ``allow_violations``; else the summary the generation records. ``serving``: the generation that
    goes on being served when the load is refused."""
    if report.violations and not allow_violations:
        still = f"generation {serving} is still served" if serving else "nothing was loaded"
        raise ValidationFailed(
            f"load refused: the data has {report.violations} violation(s) of the shapes; {still}. "
            "Fix the data, or load with --allow-violations to publish it anyway",
            detail=render(report, "text", lang).rstrip())
    summary = report.summary()
    if report.violations:
        summary["allowed_violations"] = True
    return summary


def history_filler(ntriples: bytes) -> Callable[[ox.Store], SourceInfo]:
    """A filler that carries the history of writes (:data:`HISTORY_GRAPH`, N-Triples) into a new generation."""
    def fill(store: ox.Store) -> SourceInfo:
        graph = ox.NamedNode(HISTORY_GRAPH)
        store.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
        count = sum(1 for _ in store.quads_for_pattern(None, None, None, graph))
        return SourceInfo(path="(geschiedenis: PROV-O)", graph=HISTORY_GRAPH, sha256="", triples=count, derived=True)
    return fill


def shapes_version(parsed: list[ParsedSource]) -> str:
    """Content hash of the shapes among the sources (what a report's results depend on, with the data)."""
    h = hashlib.sha256()
    for p in sorted((p for p in parsed if is_shapes_source(p)), key=lambda p: p.graph):
        h.update(f"{p.graph}\0{p.sha256}\n".encode())
    return "sha256:" + h.hexdigest()[:16]


def previous_report(gen: Generation | None) -> Report | None:
    """The stored report of generation ``gen`` (to carry each result's first appearance over)."""
    data = generation_file(gen, "validation.ttl") if gen is not None else None
    if data is None:
        return None
    try:
        return read_report_bytes(data)
    except InputError:
        return None

# A validator takes the parsed sources and returns their SHACL report.
Validator = Callable[[list[ParsedSource]], Report]


def load(store_dir: str | Path, paths: Iterable[str | Path] | list[ParsedSource], *, force: bool = False,
         validator: Validator | None = None, root: Path | None = None, allow_violations: bool = False,
         lang: str = "nl", inference: bool = True, discard_writes: bool = False,
         history: bytes | None = None) -> tuple[Generation, bool]:
    """Load sources (paths, or sources already read) into a new generation. Returns (generation, changed).

    ``root``: the catalogue folder, which names the graphs of files inside it. With a
    ``validator``, the load is gated: when the report has violations, nothing changes (the
    current generation goes on being served) and :class:`ValidationFailed` carries the report
    (in ``lang``), unless ``allow_violations``, which the generation then records.
    One load at a time per store (:func:`writer_lock`). ``inference``: add :data:`INFERENCE_GRAPH`.
    Graphs written over HTTP since the last load (``ketengraaf.writing``) are not replaced by files unless
    ``discard_writes``: the load is refused, naming them. The history of writes is kept (``history``:
    N-Triples to use instead, from a restored dump)."""
    started = time.perf_counter()
    items = list(paths)
    parsed: list[ParsedSource]
    if items and all(isinstance(p, ParsedSource) for p in items):
        parsed = cast(list[ParsedSource], items)
    else:
        parsed = parse_sources(cast(list[str | Path], items), root)     # not sources already read: paths
    version = content_version(parsed)
    with writer_lock(store_dir):
        current = current_generation(Path(store_dir))
        if (current is not None and version in (current.version, current.extra.get("files_version")) and not force
                and (validator is None or "validation" in current.extra)   # same files, validated if asked
                and inference == bool(current.extra.get("inference"))):
            return current, False
        if current is not None and not discard_writes:
            kept_written = {p.graph for p in parsed if p.kept is not None and p.kept.written}
            lost = sorted(s.graph for s in current.sources if s.written and s.graph not in kept_written)
            if lost:
                raise WritesWouldBeLost(
                    f"load refused: {len(lost)} graph(s) were changed over HTTP since the last load, and this "
                    "load would replace them with the files: " + ", ".join(f"<{g}>" for g in lost[:5])
                    + ("…" if len(lost) > 5 else "") + ". Run `ketengraaf dump` to keep them (and copy the "
                    "changes into the files), then load with --discard-writes")
        extra_files: dict[str, bytes] = {}
        extra: dict = {"inference": inference}
        fillers: list[Callable[[ox.Store], SourceInfo]] = [p.load_into for p in parsed]
        fillers += [infer_into] if inference else []
        if history is not None:
            fillers.append(history_filler(history))
        elif current is not None and any(s.graph == HISTORY_GRAPH for s in current.sources):
            fillers.append(history_filler(export_graphs(current, [HISTORY_GRAPH])[HISTORY_GRAPH]))
        if validator is not None:
            report = validator(parsed)
            summary = gate(report, current.id if current else None, allow_violations, lang)
            now = datetime.now(UTC).isoformat(timespec="seconds")
            report.mark_since(previous_report(current), now, shapes_version(parsed))
            turtle = render(report, "turtle").encode("utf-8")
            extra_files["validation.ttl"] = turtle
            extra["validation"] = summary
            extra["shapes_version"] = shapes_version(parsed)
            fillers.append(report_filler(turtle))
        gen = write_generation(Path(store_dir), version, fillers, extra_files=extra_files, extra=extra,
                               started=started, outside_union=OUTSIDE_UNION)
    return gen, True


def kept_sources(gen: Generation) -> list[ParsedSource]:
    """The sources of generation ``gen``, read back from the store as N-Triples (what a load
    of some paths keeps of the current catalogue; their recorded path and hash stay)."""
    files = gen.files
    data = export_graphs(gen, [info.graph for info in files])
    return [ParsedSource(Path(info.path), data[info.graph], ox.RdfFormat.N_TRIPLES, kept=info) for info in files]


def catalogue_paths(settings) -> list[Path]:
    """What a full load reads: the setting ``sources`` (by default the catalogue's ``ontology/``,
    ``shapes/``, ``data/``), plus the files ``ketengraaf import`` wrote into ``import_dir``."""
    paths = list(settings.sources)
    imports = Path(settings.import_dir)
    if imports.is_dir() and any(collect_sources([imports])):
        paths.append(imports)
    return paths


def chosen_sources(settings, paths: Iterable[str | Path] | None, replace: bool,
                   current: Callable[[], list[ParsedSource] | None]) -> list[ParsedSource]:
    """What a load reads: the whole catalogue (setting ``sources`` and the imports) when ``paths`` is None;
    else ``paths`` alone (``replace``), or the current catalogue's sources (``current()``, None when there is
    none: then the catalogue's files) with those of ``paths`` replacing the ones of the same graph."""
    root = settings.catalogue.root
    if paths is None:
        return parse_sources(catalogue_paths(settings), root)
    given = parse_sources(list(paths), root)
    if replace:
        return given
    base = current()
    if base is None:
        base = parse_sources(catalogue_paths(settings), root)
    replaced = {g.graph for g in given}
    return [b for b in base if b.graph not in replaced] + given


def catalogue_validator(settings) -> Validator:
    """The SHACL validation a load runs: the sources against the catalogue's shapes and ontology."""
    catalogue = settings.catalogue

    def validator(parsed: list[ParsedSource]) -> Report:
        return validate_sources(parsed, shapes_dir=catalogue.shapes_dir, ontology_dir=catalogue.ontology_dir)
    return validator


def load_catalogue(settings, *, force: bool = False, paths: Iterable[str | Path] | None = None,
                   replace: bool = False, validate: bool = True,
                   allow_violations: bool | None = None, discard_writes: bool = False) -> tuple[Generation, bool]:
    """Load the catalogue into a new generation (see the module text for what ``paths`` and
    ``replace`` mean). ``validate=False`` skips SHACL: pages then say the generation was not
    validated. Data with violations is refused unless ``allow_violations`` (default: the setting of
    that name; see :func:`load`)."""
    if settings.store_backend != "embedded":
        raise ConfigError(f"setting store_backend = {settings.store_backend}: `ketengraaf load` writes the embedded "
                          "store only; a remote store is loaded with ketengraaf.sparql.remote_load "
                          "(docs/operations.md)")
    if allow_violations is None:
        allow_violations = settings.allow_violations
    root = settings.catalogue.root

    def current() -> list[ParsedSource] | None:
        gen = current_generation(Path(settings.store_dir))
        return None if gen is None else kept_sources(gen)
    sources = chosen_sources(settings, paths, replace, current)
    validator = catalogue_validator(settings) if validate else None
    return load(settings.store_dir, sources, force=force, validator=validator, root=root,
                allow_violations=allow_violations, lang=settings.default_lang, inference=settings.inference,
                discard_writes=discard_writes)


def dump(settings, fmt: ox.RdfFormat = ox.RdfFormat.TRIG) -> bytes:
    """The current catalogue as TriG or N-Quads: every source graph (also those written over HTTP) and the
    history; not the two graphs a load derives (inferences, the report), which a restore recomputes."""
    current = current_generation(Path(settings.store_dir))
    if current is None:
        raise InputError(f"nothing to dump: no catalogue loaded in {settings.store_dir}")
    return dump_generation(current, fmt, leave_out=DERIVED_GRAPHS)


def restore(settings, path: str | Path, *, allow_violations: bool | None = None) -> Generation:
    """A new generation of exactly the graphs in the dump at ``path`` (TriG or N-Quads), validated like a
    load and made current atomically: refused with its report when it has violations, and then the current
    generation goes on being served. The restored graphs count as written (not from files), so a later
    load from files refuses to replace them unless ``--discard-writes``."""
    parsed, history_nt = read_dump(path)
    gen, _ = load(settings.store_dir, parsed, force=True, validator=catalogue_validator(settings),
                  root=settings.catalogue.root,
                  allow_violations=settings.allow_violations if allow_violations is None else allow_violations,
                  lang=settings.default_lang, inference=settings.inference, discard_writes=True,
                  history=history_nt)
    return gen


def read_dump(path: str | Path) -> tuple[list[ParsedSource], bytes | None]:
    """The source graphs of a dump (TriG, or N-Quads for .nq), each as a source that counts as written, and
    its history graph as N-Triples (None when it has none)."""
    path = Path(path)
    fmt = ox.RdfFormat.N_QUADS if path.suffix.lower() in (".nq", ".nquads") else ox.RdfFormat.TRIG
    try:
        data = path.read_bytes()
        quads = list(ox.parse(data, format=fmt))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the dump: {exc.strerror}") from None
    except SyntaxError as exc:
        raise InputError(f"{path}: the dump does not parse as {fmt.name}: {exc}") from None
    graphs: dict[str, list] = {}
    history: list = []
    for q in quads:
        if isinstance(q.graph_name, ox.DefaultGraph):
            raise InputError(f"{path}: the dump has triples in the default graph ({q.subject} …); a dump holds "
                             "named graphs only")
        if q.graph_name.value == HISTORY_GRAPH:
            history.append(q)
        elif q.graph_name.value not in DERIVED_GRAPHS:
            graphs.setdefault(q.graph_name.value, []).append(ox.Triple(q.subject, q.predicate, q.object))
    parsed = []
    for graph, triples in sorted(graphs.items()):
        nt = cast(bytes, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
        info = SourceInfo(path=f"(restore: {path.name})", graph=graph, sha256=hashlib.sha256(nt).hexdigest(),
                          triples=len(triples), written=True)
        parsed.append(ParsedSource(path, nt, ox.RdfFormat.N_TRIPLES, kept=info))
    history_nt = cast(bytes, ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in history],
                                          format=ox.RdfFormat.N_TRIPLES))
    return parsed, history_nt if history else None
