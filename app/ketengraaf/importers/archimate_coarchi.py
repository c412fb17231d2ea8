"""Reader of Archi's collaboration layout (coArchi): one XML file per element, relation and view.

Layout (as in VNG-Realisatie/GEMMA-Archi-repository ``model/``)::

    model/folder.xml                        the model: name, id, version, properties
    model/<top>/folder.xml                  a folder: name, id (business, relations, diagrams, ...)
    model/<top>/<folder id>/folder.xml      sub-folders, any depth
    model/<top>/.../<Type>_<id>.xml         an element, relation or view

Each file is parsed on its own, so one broken file is reported (file:line:col)
and the rest is still read.
"""
from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path
from collections.abc import Callable

from ..errors import ImporterError, ParseError
from .archimate_model import (ELEMENT_TYPES, RELATION_TYPES, VIEW_TYPES, Folder, Item, Model, Problem,
                              local, parse_xml, problem)

def looks_like(path: Path) -> bool:
    return path.is_dir() and (path / "folder.xml").is_file()


def _ref(href: str | None) -> str | None:
    """'BusinessProcess_id-1.xml#id-1' -> 'id-1'."""
    if not href:
        return None
    return href.rsplit("#", 1)[-1]


def _properties(root: ET.Element) -> list[tuple[str, str]]:
    return [(p.get("key", ""), p.get("value", "")) for p in root if local(p.tag) == "properties"
            if p.get("key")]


def _documentation(root: ET.Element) -> str | None:
    doc = root.get("documentation")
    if doc is None:
        child = next((c for c in root if local(c.tag) == "documentation"), None)
        doc = child.text if child is not None else None
    return doc if doc and doc.strip() else None


def _item(root: ET.Element, kind: str, file: str, folder: str | None) -> Item:
    return Item(kind=kind, id=root.get("id", ""), type=local(root.tag), file=file, name=root.get("name"),
                documentation=_documentation(root), properties=_properties(root), folder=folder)


def _element(root: ET.Element, file: str, folder: str | None) -> Item:
    return _item(root, "element", file, folder)


def _relation(root: ET.Element, file: str, folder: str | None) -> Item:
    item = _item(root, "relation", file, folder)
    for child in root:
        if local(child.tag) == "source":
            item.source = _ref(child.get("href"))
        elif local(child.tag) == "target":
            item.target = _ref(child.get("href"))
    for attr in ("accessType", "strength", "directed"):
        value = root.get(attr)
        if value is not None:
            item.attributes[attr] = value
    if item.type == "AccessRelationship" and "accessType" not in item.attributes:
        item.attributes["accessType"] = "0"     # Archi leaves out its default, write
    return item


def _view(root: ET.Element, file: str, folder: str | None) -> Item:
    item = _item(root, "view", file, folder)
    seen: set[str] = set()
    for node in root.iter():
        if local(node.tag) in {"archimateElement", "archimateRelationship"}:
            ref = _ref(node.get("href"))
            if ref and ref not in seen:
                seen.add(ref)
                item.shows.append(ref)
    viewpoint = root.get("viewpoint")
    if viewpoint:
        item.attributes["viewpoint"] = viewpoint
    return item


# root tag -> how to read it (a registry, not a chain of ifs)
READERS: dict[str, Callable[[ET.Element, str, str | None], Item]] = {
    **{t: _element for t in ELEMENT_TYPES},
    **{t: _relation for t in RELATION_TYPES},
    **{t: _view for t in VIEW_TYPES},
}


def read(path: Path, *, progress=None) -> Model:
    """Read a coArchi ``model/`` folder. Broken items become problems, not exceptions."""
    path = Path(path)
    if not looks_like(path):
        raise ImporterError(f"{path}: not an Archi collaboration model (no folder.xml)")
    shown = str(path)
    try:
        root = parse_xml((path / "folder.xml").read_bytes(), os.path.join(shown, "folder.xml"))
    except ParseError as exc:
        raise ImporterError(f"cannot read the model: {exc.message}") from None
    if local(root.tag) != "ArchimateModel":
        raise ImporterError(f"{shown}/folder.xml: expected an archimate:ArchimateModel, found {local(root.tag)}")
    model = Model(id=root.get("id", ""), name=root.get("name", path.name), format="coArchi",
                  file=os.path.join(shown, "folder.xml"), version=root.get("version"),
                  documentation=root.get("purpose"), properties=_properties(root))
    model.files_read = 1
    _walk(model, path, shown, None, progress)
    return model


def _walk(model: Model, folder: Path, shown: str, folder_id: str | None, progress) -> None:
    entries = sorted(os.scandir(folder), key=lambda e: e.name)
    for entry in entries:
        if entry.is_file() and entry.name.endswith(".xml") and entry.name != "folder.xml":
            _read_file(model, Path(entry.path), os.path.join(shown, entry.name), folder_id)
            if progress is not None:
                progress.update(files=model.files_read, elements=model.added["element"],
                                relations=model.added["relation"])
    for entry in entries:
        if not entry.is_dir():
            continue
        sub = Path(entry.path)
        sub_shown = os.path.join(shown, entry.name)
        sub_id = folder_id
        meta = sub / "folder.xml"
        if meta.is_file():
            model.files_read += 1
            try:
                froot = parse_xml(meta.read_bytes(), os.path.join(sub_shown, "folder.xml"))
            except ParseError as exc:
                model.problems.append(problem(exc))
                froot = None
            if froot is not None:
                sub_id = froot.get("id") or entry.name
                model.folders[sub_id] = Folder(sub_id, froot.get("name") or entry.name, folder_id,
                                               os.path.join(sub_shown, "folder.xml"))
        _walk(model, sub, sub_shown, sub_id, progress)


def _read_file(model: Model, file: Path, shown: str, folder_id: str | None) -> None:
    model.files_read += 1
    try:
        root = parse_xml(file.read_bytes(), shown)
    except ParseError as exc:
        model.problems.append(problem(exc))
        return
    except OSError as exc:
        model.problems.append(Problem(shown, f"cannot read: {exc.strerror}"))
        return
    reader = READERS.get(local(root.tag))
    if reader is None:
        model.problems.append(Problem(shown, f"unknown ArchiMate type {local(root.tag)!r}; left out"))
        return
    if not root.get("id"):
        model.problems.append(Problem(shown, f"{local(root.tag)} without an id; left out"))
        return
    model.add(reader(root, shown, folder_id))
