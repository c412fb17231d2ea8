"""The ArchiMate model both readers (coArchi, AMEFF) produce, and the checks on it.

A reader fills a :class:`Model` with folders, elements, relations and views,
and records every item it cannot take as a :class:`Problem` (file, line,
column where known). :func:`resolve` then checks the model as a whole:
duplicate ids, relations whose source or target is missing, views that show
missing items. Nothing here knows RDF.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field

from ..errors import ParseError
from ..sources import decode_utf8

# ArchiMate 3.1 element classes, as Archi and the Exchange Format name them.
ELEMENT_TYPES: frozenset[str] = frozenset("""
Resource Capability ValueStream CourseOfAction
BusinessActor BusinessRole BusinessCollaboration BusinessInterface BusinessProcess BusinessFunction
BusinessInteraction BusinessEvent BusinessService BusinessObject Contract Representation Product
ApplicationComponent ApplicationCollaboration ApplicationInterface ApplicationFunction ApplicationInteraction
ApplicationProcess ApplicationEvent ApplicationService DataObject
Node Device SystemSoftware TechnologyCollaboration TechnologyInterface Path CommunicationNetwork
TechnologyFunction TechnologyProcess TechnologyInteraction TechnologyEvent TechnologyService Artifact
Equipment Facility DistributionNetwork Material
Stakeholder Driver Assessment Goal Outcome Principle Requirement Constraint Meaning Value
WorkPackage Deliverable ImplementationEvent Plateau Gap
Location Grouping Junction AndJunction OrJunction
""".split())

# Relationship class -> the short name used for the direct triple (am:<short>).
RELATION_TYPES: dict[str, str] = {
    f"{name.capitalize()}Relationship": name
    for name in ("aggregation composition assignment realization serving triggering flow "
                 "association specialization access influence").split()
}
# The Exchange Format names relationships without the suffix ("Aggregation").
AMEFF_RELATION_TYPES: dict[str, str] = {k[: -len("Relationship")]: k for k in RELATION_TYPES}

# View classes (Archi) ; the Exchange Format's "Diagram" is an ArchiMate diagram.
VIEW_TYPES: frozenset[str] = frozenset({"ArchimateDiagramModel", "SketchModel", "CanvasModel"})


@dataclass(frozen=True)
class Problem:
    """One item the import could not take, and where it is."""

    file: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


@dataclass
class Folder:
    id: str
    name: str
    parent: str | None            # folder id; None for a top-level folder
    file: str


@dataclass
class Item:
    """An element, a relation or a view."""

    kind: str                     # "element" | "relation" | "view"
    id: str                       # ArchiMate identifier
    type: str                     # ArchiMate class, e.g. BusinessProcess, AggregationRelationship
    file: str
    name: str | None = None
    documentation: str | None = None
    lang: str = "nl"
    properties: list[tuple[str, str]] = field(default_factory=list)
    folder: str | None = None     # folder id
    source: str | None = None     # relations
    target: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)   # accessType, strength, directed
    shows: list[str] = field(default_factory=list)             # views: ids shown, in order

    @property
    def object_id(self) -> str | None:
        for key, value in self.properties:
            if key == "Object ID" and value.strip():
                return value.strip()
        return None


@dataclass
class Model:
    id: str
    name: str
    format: str                   # "coArchi" | "AMEFF"
    file: str
    version: str | None = None
    documentation: str | None = None
    properties: list[tuple[str, str]] = field(default_factory=list)
    folders: dict[str, Folder] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files_read: int = 0
    object_ids: dict[str, str] = field(default_factory=dict)   # item id -> the Object ID it owns
    added: Counter = field(default_factory=Counter)             # items added per kind (for progress)

    @property
    def object_id(self) -> str | None:
        return Item("model", self.id, "Model", self.file, properties=self.properties).object_id

    def add(self, item: Item) -> None:
        """Add an item; a second item with the same id is reported and left out."""
        first = self.items.get(item.id)
        if first is not None:
            self.problems.append(Problem(item.file, f"duplicate id {item.id} (first in {first.file}); left out"))
            return
        self.items[item.id] = item
        self.added[item.kind] += 1

    def count(self, kind: str) -> int:
        return sum(1 for i in self.items.values() if i.kind == kind)

    def folder_path(self, folder_id: str | None) -> list[str]:
        names: list[str] = []
        seen: set[str] = set()
        while folder_id is not None and folder_id in self.folders and folder_id not in seen:
            seen.add(folder_id)
            names.insert(0, self.folders[folder_id].name)
            folder_id = self.folders[folder_id].parent
        return names


def resolve(model: Model) -> Model:
    """Check the model as a whole; drop what cannot stand, reporting each item.

    - relations whose source or target is not in the model (repeated until no
      relation points at a dropped relation);
    - views' references to items not in the model;
    - items sharing one Object ID: the later ones (in file order) keep their
      ArchiMate-id IRI, which the RDF builder decides; reported here.
    """
    changed = True
    while changed:
        changed = False
        for item in list(model.items.values()):
            if item.kind != "relation":
                continue
            for end, ref in (("source", item.source), ("target", item.target)):
                if ref not in model.items:
                    model.problems.append(Problem(
                        item.file, f"{item.type} {item.id}: {end} {ref} is not in the model; relation left out"))
                    del model.items[item.id]
                    changed = True
                    break
    for item in model.items.values():
        if item.kind == "view":
            missing = [ref for ref in item.shows if ref not in model.items]
            for ref in missing:
                model.problems.append(Problem(item.file, f"view {item.id} shows {ref}, which is not in the model"))
            if missing:
                item.shows = [ref for ref in item.shows if ref in model.items]
    seen: dict[str, Item] = {}
    model.object_ids = {}
    for item in model.items.values():
        oid = item.object_id
        if oid is None:
            continue
        if oid in seen:
            model.problems.append(Problem(
                item.file, f"duplicate Object ID {oid} (also {seen[oid].id} in {seen[oid].file}); "
                           f"this {item.kind} gets an IRI from its ArchiMate id {item.id}"))
        else:
            seen[oid] = item
            model.object_ids[item.id] = oid
    return model


_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)")


def parse_xml(data: bytes, file: str) -> ET.Element:
    """Parse one XML document; raise ParseError naming file:line:col.

    A document without an encoding declaration must be UTF-8 (XML 1.0 section
    4.3.3); bytes that are not get a message naming the byte, not expat's
    "invalid token".
    """
    declared = _DECLARED_ENCODING.match(data)
    if declared is None or declared.group(1).lower().replace(b"_", b"-") in {b"utf-8", b"utf8"}:
        decode_utf8(data, file)
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        line, col = exc.position
        reason = re.sub(r":? line \d+, column \d+$", "", str(exc))
        raise ParseError(f"malformed XML: {reason}",
                         path=file, line=line, column=col + 1) from None


def problem(exc: ParseError) -> Problem:
    """A ParseError as a Problem (same file, line, column and reason)."""
    prefix = str(Problem(exc.path or "<input>", "", exc.line, exc.column))
    reason = exc.message[len(prefix):] if exc.message.startswith(prefix) else exc.message
    return Problem(exc.path or "<input>", reason, exc.line, exc.column)


def local(tag: str) -> str:
    """Local name of a tag or attribute: '{ns}BusinessProcess' -> 'BusinessProcess'."""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]
