"""Loading the catalogue into a remote SPARQL store (store_backend ``sparql``): :func:`load_remote`.

The same load as :func:`ketengraaf.loading.load` (sources parsed, the RDFS entailments, the SHACL report as
``graph/validatie``, the writes' history kept, refused on violations unless allowed), published with
:func:`ketengraaf.store.sparql.publish_generation`: graphs into staging graphs, then one update request
makes them current. One load at a time per server: a second loader would drop the first one's staging
graphs (run loads from one place, e.g. one CI job).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pyoxigraph as ox

from ..loading import (DERIVED_GRAPHS, HISTORY_GRAPH, OUTSIDE_UNION, Validator, catalogue_validator, chosen_sources,
                       gate, history_filler, infer_into, read_dump, report_filler, shapes_version)
from ..sources import ParsedSource, content_version, parse_sources
from ..store import Generation, SourceInfo
from ..store.sparql import SparqlStore, publish_generation
from ..errors import InputError
from ..validation import Report, read_report_bytes, render


def load_remote(store: SparqlStore, sources: Iterable[str | Path] | list[ParsedSource], *, force: bool = False,
                validator: Validator | None = None, root: Path | None = None, allow_violations: bool = False,
                lang: str = "nl", inference: bool = True, chunk_triples: int = 50_000, delta_triples: int = 20_000,
                before_swap: Callable[[str], None] | None = None,
                history: bytes | None = None) -> tuple[Generation, bool]:
    """Load every source (paths, or sources already read) as the remote store's new generation; (generation,
    changed). The same sources again are a no-op unless ``force``. A load always sends every graph (it
    is the whole catalogue); the history graph on the server is kept, or replaced by ``history`` (N-Triples:
    a restore)."""
    started = time.perf_counter()
    items = list(sources)
    if items and all(isinstance(p, ParsedSource) for p in items):
        parsed = cast(list[ParsedSource], items)
    else:
        parsed = parse_sources(cast(list[str | Path], items), root)
    version = content_version(parsed)
    current = store.current_manifest()
    extra_now = (current or {}).get("extra", {})
    if (current is not None and current.get("version") == version and not force
            and (validator is None or "validation" in extra_now) and inference == bool(extra_now.get("inference"))):
        return store.generation(), False
    extra: dict = {"inference": inference}
    extra_files: dict[str, bytes] = {}
    fillers: list[Callable[[ox.Store], SourceInfo]] = [p.load_into for p in parsed]
    fillers += [infer_into] if inference else []
    if history is not None:
        fillers.append(history_filler(history))
    elif current is not None and any(s["graph"] == HISTORY_GRAPH for s in current.get("sources", ())):
        fillers.append(history_filler(store.graph_ntriples(HISTORY_GRAPH)))
    if validator is not None:
        report = validator(parsed)
        summary = gate(report, current["id"] if current else None, allow_violations, lang)
        previous = _previous_report(store) if current is not None else None
        report.mark_since(previous, datetime.now(UTC).isoformat(timespec="seconds"), shapes_version(parsed))
        turtle = render(report, "turtle").encode("utf-8")
        extra_files["validation.ttl"] = turtle
        extra["validation"] = summary
        extra["shapes_version"] = shapes_version(parsed)
        fillers.append(report_filler(turtle))
    gen = publish_generation(store, version, fillers, extra_files=extra_files, extra=extra, started=started,
                             outside_union=OUTSIDE_UNION, chunk_triples=chunk_triples,
                             delta_triples=delta_triples, before_swap=before_swap)
    return gen, True


def _previous_report(store: SparqlStore) -> Report | None:
    """The report of the current generation (each result's first appearance is carried over)."""
    data = store.generation_file("validation.ttl")
    try:
        return read_report_bytes(data) if data is not None else None
    except InputError:
        return None


def load_catalogue_remote(settings, store: SparqlStore | None = None, *, force: bool = False,
                          validate: bool = True, paths: Iterable[str | Path] | None = None, replace: bool = False,
                          allow_violations: bool | None = None, **kw) -> tuple[Generation, bool]:
    """The catalogue into the SPARQL store the settings name, as :func:`ketengraaf.loading.load_catalogue` does
    for the embedded store: the whole catalogue (setting ``sources`` and the imports), or ``paths`` added to
    (replacing the sources with the same graph) or, with ``replace``, instead of the current catalogue."""
    store = store or SparqlStore.from_settings(settings)
    sources = chosen_sources(settings, paths, replace,
                             lambda: kept_sources(store) if store.current_manifest() is not None else None)
    return load_remote(store, sources, force=force, validator=catalogue_validator(settings) if validate else None,
                       root=settings.catalogue.root, allow_violations=settings.allow_violations
                       if allow_violations is None else allow_violations, lang=settings.default_lang,
                       inference=settings.inference, **kw)


def kept_sources(store: SparqlStore) -> list[ParsedSource]:
    """The current generation's sources, read back from the server (what a load of some paths keeps)."""
    return [ParsedSource(Path(info.path), store.graph_ntriples(info.graph), ox.RdfFormat.N_TRIPLES, kept=info)
            for info in store.generation().files]


def dump_remote(store: SparqlStore, fmt: ox.RdfFormat = ox.RdfFormat.TRIG) -> bytes:
    """What :func:`ketengraaf.loading.dump` writes, from the server: every source graph and the history, not
    the derived graphs; quads sorted, so the same catalogue dumps the same bytes."""
    gen = store.generation()
    quads = []
    for graph in sorted(g for g in gen.graphs if g not in DERIVED_GRAPHS):
        node = ox.NamedNode(graph)
        quads += [ox.Quad(t.subject, t.predicate, t.object, node)
                  for t in ox.parse(store.graph_ntriples(graph), format=ox.RdfFormat.N_TRIPLES)]
    quads.sort(key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))
    return cast(bytes, ox.serialize(quads, format=fmt))


def restore_remote(settings, path: str | Path, store: SparqlStore | None = None, *,
                   allow_violations: bool | None = None) -> Generation:
    """:func:`ketengraaf.loading.restore` on the SPARQL store: exactly the graphs of the dump, validated like
    a load, published with one swap (with violations nothing changes)."""
    store = store or SparqlStore.from_settings(settings)
    parsed, history = read_dump(path)
    gen, _ = load_remote(store, parsed, force=True, validator=catalogue_validator(settings),
                         root=settings.catalogue.root,
                         allow_violations=settings.allow_violations if allow_violations is None else allow_violations,
                         lang=settings.default_lang, inference=settings.inference, history=history)
    return gen
