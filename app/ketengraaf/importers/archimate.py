"""``ketengraaf import archimate``: an ArchiMate model -> two Turtle files (raw and mapped).

read (coArchi folder or AMEFF file, by a registry of readers) -> resolve (ids,
endpoints) -> select a scope -> raw RDF (``archimate_rdf``) -> mapping onto
keten: (``mapping.rq``) -> ``archimate-<name>.ttl`` and ``<name>.ttl``, one
named graph each. Items the import cannot take are reported, never silently
dropped; with ``strict`` any of them fails the import before anything is written.
"""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field, replace
from datetime import datetime, UTC
from pathlib import Path
from typing import cast
from collections.abc import Callable

import pyoxigraph as ox

from ..errors import ImporterError
from ..sources import graph_iri
from ..namespaces import PREFIXES
from . import archimate_ameff, archimate_coarchi, mapping
from .archimate_model import Model, Problem, resolve
from .archimate_rdf import N, Provenance, RdfBuilder, add_provenance, published_items, slug

GEMMA_REPOSITORY = "https://github.com/VNG-Realisatie/GEMMA-Archi-repository"


@dataclass(frozen=True)
class Reader:
    name: str
    looks_like: Callable[[Path], bool]
    read: Callable[..., Model]


# input formats, tried in order (a registry: add a format by adding a line)
READERS: dict[str, Reader] = {
    "coarchi": Reader("coarchi", archimate_coarchi.looks_like, archimate_coarchi.read),
    "ameff": Reader("ameff", archimate_ameff.looks_like, archimate_ameff.read),
}


@dataclass(frozen=True)
class Scope:
    """Which part of a model to import: elements in these folders (a folder path matches when it
    contains one of the name sequences), relations between them, and views in ``view_folders``
    that show at least one of them (a scoped view shows only what is in the scope)."""

    name: str
    description: str
    element_folders: tuple[tuple[str, ...], ...] | None = None     # None: everything
    view_folders: tuple[tuple[str, ...], ...] | None = None


SCOPES: dict[str, Scope] = {
    "all": Scope("all", "the whole model"),
    "procesarchitectuur": Scope(
        "procesarchitectuur", "GEMMA's process architecture: landscape, chain collaboration, actors "
                              "and roles, process building blocks",
        element_folders=tuple(("Procesarchitectuur", f) for f in (
            "Processenlandschap", "Ketensamenwerking", "Actoren en rollen", "Procesbouwstenencatalogus")),
        view_folders=(("Procesarchitectuur",),)),
}


@dataclass
class ImportResult:
    model: Model
    scope: Scope
    name: str
    files: dict[str, bytes] = field(default_factory=dict)       # file name -> Turtle
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def problems(self) -> list[Problem]:
        return self.model.problems


def detect(path: Path, fmt: str = "auto") -> Reader:
    if fmt != "auto":
        try:
            return READERS[fmt]
        except KeyError:
            raise ImporterError(f"unknown format {fmt!r}; known: auto, {', '.join(READERS)}") from None
    if not path.exists():
        raise ImporterError(f"{path}: no such file or folder")
    for reader in READERS.values():
        if reader.looks_like(path):
            return reader
    raise ImporterError(f"{path}: neither an Archi collaboration folder (with folder.xml) "
                       f"nor an ArchiMate exchange file (AMEFF)")


def _matches(path: list[str], patterns) -> bool:
    return any(path[i:i + len(p)] == list(p) for p in patterns for i in range(len(path) - len(p) + 1))


def select(model: Model, scope: Scope) -> Model:
    """The part of ``model`` in ``scope`` (the model itself for scope "all")."""
    if scope.element_folders is None:
        return model
    keep = {i for i, it in model.items.items()
            if it.kind == "element" and _matches(model.folder_path(it.folder), scope.element_folders)}
    changed = True
    while changed:                       # relations between kept items (also relations on relations)
        changed = False
        for i, it in model.items.items():
            if it.kind == "relation" and i not in keep and it.source in keep and it.target in keep:
                keep.add(i)
                changed = True
    trimmed: dict = {}
    for i, it in model.items.items():
        if it.kind == "view" and _matches(model.folder_path(it.folder), scope.view_folders or ()):
            shown = [ref for ref in it.shows if ref in keep]
            if any(model.items[ref].kind == "element" for ref in shown):
                trimmed[i] = replace(it, shows=shown)     # the full model keeps its own views
                keep.add(i)
    part = Model(id=model.id, name=model.name, format=model.format, file=model.file, version=model.version,
                 documentation=model.documentation, properties=model.properties, problems=model.problems,
                 files_read=model.files_read)
    part.items = {i: trimmed.get(i, it) for i, it in model.items.items() if i in keep}
    part.object_ids = {i: oid for i, oid in model.object_ids.items() if i in keep}
    used: set[str] = set()
    for it in part.items.values():
        f = it.folder
        while f is not None and f in model.folders and f not in used:
            used.add(f)
            f = model.folders[f].parent
    part.folders = {f: model.folders[f] for f in model.folders if f in used}
    return part


def source_commit(path: Path) -> str | None:
    """The git commit of the checkout ``path`` is in, if it is in one."""
    for parent in [path.resolve(), *path.resolve().parents]:
        if (parent / ".git").exists():
            try:
                out = subprocess.run(["git", "-C", str(parent), "rev-parse", "--short", "HEAD"],
                                     capture_output=True, text=True, timeout=10)
            except (OSError, subprocess.SubprocessError):
                return None
            return (out.stdout.strip() or None) if out.returncode == 0 else None
    return None


def newest_file_date(path: Path) -> str:
    if path.is_file():
        newest = path.stat().st_mtime
    else:
        newest = max((e.stat().st_mtime for e in _scan(path)), default=path.stat().st_mtime)
    return datetime.fromtimestamp(newest, UTC).date().isoformat()


def _scan(path: Path):
    for entry in os.scandir(path):
        if entry.is_dir():
            yield from _scan(Path(entry.path))
        else:
            yield entry


TURTLE_PREFIXES = {
    **{p: PREFIXES[p] for p in ("am", "dcterms", "foaf", "keten", "owl", "prov", "rdf", "rdfs", "skos", "xsd")},
    "gemma": "https://w3id.org/ketengraaf/id/gemma/",
    "archimate": "https://w3id.org/ketengraaf/id/archimate/",
}

HEADER = """# {title}
# Generated by `ketengraaf import archimate`; do not edit by hand. Regenerate with:
#   {command}
# Source: {source}{commit} (model "{model}"{version}, {fmt})
# Licence: EUPL-1.2. Content (c) VNG Realisatie; this derived version is published under the EUPL.
"""


def turtle(triples: list[ox.Triple], header: str, first: ox.NamedNode) -> bytes:
    """Turtle in a stable order (the graph's own description first), with the usual prefixes."""
    key = lambda t: (t.subject != first, str(t.subject), str(t.predicate), str(t.object))  # noqa: E731
    ordered = sorted(set(triples), key=key)
    # without an output file, serialize returns the bytes (stubs: bytes | None)
    body = cast(bytes, ox.serialize(ordered, format=ox.RdfFormat.TURTLE, prefixes=TURTLE_PREFIXES)).decode()
    lines = body.split("\n")
    while lines and lines[0].startswith("@prefix"):      # the engine's prefix order is not stable
        lines.pop(0)
    prefixes = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(TURTLE_PREFIXES.items()))
    return (header + "\n" + prefixes + "\n".join(lines)).encode()


def run(path: str | Path, *, out_dir: str | Path, scope: str = "all", fmt: str = "auto",
        name: str | None = None, commit: str | None = None, source_url: str | None = None,
        strict: bool = False, command: str | None = None, progress=None,
        now: datetime | None = None, root: Path | None = None) -> ImportResult:
    """Read, check, convert and map; return the files to write (nothing is written here).

    ``root``: the catalogue folder, which names the files' graphs (see :func:`graph_iri`)."""
    path = Path(path)
    try:
        chosen = SCOPES[scope]
    except KeyError:
        raise ImporterError(f"unknown scope {scope!r}; known: {', '.join(SCOPES)}") from None
    reader = detect(path, fmt)
    model = resolve(reader.read(path, progress=progress))
    if strict and model.problems:
        raise ImporterError(f"{len(model.problems)} problem(s) in {path}; nothing imported (--strict)",
                           detail="\n".join(str(p) for p in model.problems))
    part = select(model, chosen)
    published = published_items(model)          # on the whole model: a scope trims the views
    name = name or (slug(model.name) if chosen.name == "all" else chosen.name)
    out_dir = Path(out_dir)
    raw_file, mapped_file = out_dir / f"archimate-{name}.ttl", out_dir / f"{name}.ttl"
    raw_graph, mapped_graph = graph_iri(raw_file, root), graph_iri(mapped_file, root)
    commit = commit or source_commit(path)
    if source_url is None:
        source_url = GEMMA_REPOSITORY + (f"/tree/{commit}" if commit else "")
    now = now or datetime.now(UTC)
    label = f"{model.name} {model.version or ''}".strip()
    prov = Provenance(
        title_nl=f"ArchiMate-model {label}: {chosen.name} (ruwe inhoud)",
        title_en=f"ArchiMate model {label}: {chosen.name} (raw content)",
        source=source_url, source_file=path.name, imported=now, commit=commit,
        file_date=None if commit else newest_file_date(path),
        extra={"scope": chosen.name})
    raw = RdfBuilder(part, published).build(prov, raw_graph)
    mapped = mapping.apply(raw)
    mapped_prov = Provenance(
        title_nl=f"{label}: {chosen.name}, afgebeeld op het ketengraaf-model",
        title_en=f"{label}: {chosen.name}, mapped onto the ketengraaf model",
        source=source_url, source_file=path.name, imported=now)
    builder = RdfBuilder(part, published)
    add_provenance(builder, N(mapped_graph), mapped_prov)
    builder.add(N(mapped_graph), N("http://www.w3.org/ns/prov#wasDerivedFrom"), N(raw_graph))
    builder.add(N(mapped_graph), N("http://purl.org/dc/terms/source"), N(raw_graph))
    mapped += builder.triples
    head = dict(command=command or f"ketengraaf import archimate {path} --scope {chosen.name} --out {out_dir}",
                source=source_url, commit=f", commit {commit}" if commit else "", model=model.name,
                version=f" {model.version}" if model.version else "", fmt=model.format)
    result = ImportResult(model=model, scope=chosen, name=name)
    result.files[raw_file.name] = turtle(raw, HEADER.format(title=prov.title_en, **head), N(raw_graph))
    result.files[mapped_file.name] = turtle(mapped, HEADER.format(title=mapped_prov.title_en, **head),
                                            N(mapped_graph))
    result.counts = {
        "files": model.files_read, "elements": part.count("element"), "relations": part.count("relation"),
        "views": part.count("view"), "raw triples": len(set(raw)), "mapped triples": len(set(mapped)),
        "problems": len(model.problems)}
    return result
