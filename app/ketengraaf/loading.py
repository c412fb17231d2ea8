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
"""
from __future__ import annotations

import time
from pathlib import Path
from collections.abc import Callable, Iterable

import pyoxigraph as ox

from .errors import ValidationFailed
from .sources import ParsedSource, collect_sources, content_version, parse_sources
from .store import Generation
from .store.oxigraph import current_generation, export_graph, write_generation, writer_lock
from .validation import Report, render, validate_sources

# A validator takes the parsed sources and returns their SHACL report.
Validator = Callable[[list[ParsedSource]], Report]


def load(store_dir: str | Path, paths: Iterable[str | Path] | list[ParsedSource], *, force: bool = False,
         validator: Validator | None = None, root: Path | None = None, allow_violations: bool = False,
         lang: str = "nl") -> tuple[Generation, bool]:
    """Load sources (paths, or sources already read) into a new generation. Returns (generation, changed).

    ``root``: the catalogue folder, which names the graphs of files inside it. With a
    ``validator``, the load is gated: when the report has violations, nothing changes (the
    current generation goes on being served) and :class:`ValidationFailed` carries the report
    (in ``lang``), unless ``allow_violations``, which the generation then records.
    One load at a time per store (:func:`writer_lock`)."""
    started = time.perf_counter()
    items = list(paths)
    parsed = items if items and all(isinstance(p, ParsedSource) for p in items) else parse_sources(items, root)
    version = content_version(parsed)
    with writer_lock(store_dir):
        current = current_generation(Path(store_dir))
        if (current is not None and current.version == version and not force
                and (validator is None or "validation" in current.extra)):   # same files, validated if asked
            return current, False
        extra_files: dict[str, bytes] = {}
        extra: dict = {}
        if validator is not None:
            report = validator(parsed)
            if report.violations and not allow_violations:
                serving = f"generation {current.id} is still served" if current else "nothing was loaded"
                raise ValidationFailed(
                    f"load refused: the data has {report.violations} violation(s) of the shapes; {serving}. "
                    "Fix the data, or load with --allow-violations to publish it anyway",
                    detail=render(report, "text", lang).rstrip())
            summary = report.summary()
            if report.violations:
                summary["allowed_violations"] = True
            extra_files["validation.ttl"] = render(report, "turtle").encode("utf-8")
            extra["validation"] = summary
        gen = write_generation(Path(store_dir), version, [p.load_into for p in parsed],
                               extra_files=extra_files, extra=extra, started=started)
    return gen, True


def kept_sources(gen: Generation) -> list[ParsedSource]:
    """The sources of generation ``gen``, read back from the store as N-Triples (what a load
    of some paths keeps of the current catalogue; their recorded path and hash stay)."""
    return [ParsedSource(Path(info.path), export_graph(gen, info.graph), ox.RdfFormat.N_TRIPLES, kept=info)
            for info in gen.sources]


def catalogue_paths(settings) -> list[Path]:
    """What a full load reads: the setting ``sources`` (by default the catalogue's ``ontology/``,
    ``shapes/``, ``data/``), plus the files ``ketengraaf import`` wrote into ``import_dir``."""
    paths = list(settings.sources)
    imports = Path(settings.import_dir)
    if imports.is_dir() and any(collect_sources([imports])):
        paths.append(imports)
    return paths


def load_catalogue(settings, *, force: bool = False, paths: Iterable[str | Path] | None = None,
                   replace: bool = False, validate: bool = True,
                   allow_violations: bool | None = None) -> tuple[Generation, bool]:
    """Load the catalogue into a new generation (see the module text for what ``paths`` and
    ``replace`` mean). ``validate=False`` skips SHACL: pages then say the generation was not
    validated. Data with violations is refused unless ``allow_violations`` (default: the setting of
    that name; see :func:`load`)."""
    if allow_violations is None:
        allow_violations = settings.allow_violations
    catalogue = settings.catalogue
    root = catalogue.root
    if paths is None:
        sources = parse_sources(catalogue_paths(settings), root)
    else:
        given = parse_sources(list(paths), root)
        if replace:
            sources = given
        else:
            current = current_generation(Path(settings.store_dir))
            base = (parse_sources(catalogue_paths(settings), root) if current is None
                    else kept_sources(current))
            replaced = {g.graph for g in given}
            sources = [b for b in base if b.graph not in replaced] + given
    validator = None
    if validate:
        def validator(parsed: list[ParsedSource]) -> Report:
            return validate_sources(parsed, shapes_dir=catalogue.shapes_dir, ontology_dir=catalogue.ontology_dir)
    return load(settings.store_dir, sources, force=force, validator=validator, root=root,
                allow_violations=allow_violations, lang=settings.default_lang)
