"""Reader of the ArchiMate Model Exchange File Format (AMEFF, The Open Group, 3.0/3.1).

One XML file holds the model: ``elements``, ``relationships``,
``propertyDefinitions`` (properties refer to them by ``propertyDefinitionRef``),
``organizations`` (the folder tree: nested ``item``s with a ``label``) and
``views/diagrams`` (``node elementRef`` and ``connection relationshipRef``).
The result has the same shape as the coArchi reader's.
"""
from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from pathlib import Path

from ..errors import ImporterError
from .archimate_model import (AMEFF_RELATION_TYPES, ELEMENT_TYPES, Folder, Item, Model, Problem, local,
                              parse_xml)

NS = "{http://www.opengroup.org/xsd/archimate/3.0/}"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# AMEFF access types -> Archi's numbers, so both formats give the same RDF
ACCESS_TYPES = {"Write": "0", "Read": "1", "Access": "2", "ReadWrite": "3"}


def looks_like(path: Path) -> bool:
    if not path.is_file():
        return False
    with open(path, "rb") as fh:
        head = fh.read(2048)
    return b"opengroup.org/xsd/archimate" in head


def _text(parent: ET.Element, tag: str, prefer: str = "nl") -> tuple[str | None, str]:
    """Text of the child ``tag`` in the preferred language (else the first), and its language."""
    found = parent.findall(NS + tag)
    if not found:
        return None, prefer
    best = next((f for f in found if f.get(XML_LANG) == prefer), found[0])
    text = best.text or ""
    return (text if text.strip() else None), best.get(XML_LANG) or prefer


def _properties(node: ET.Element, names: dict[str, str]) -> list[tuple[str, str]]:
    props: list[tuple[str, str]] = []
    container = node.find(NS + "properties")
    if container is None:
        return props
    for prop in container.findall(NS + "property"):
        ref = prop.get("propertyDefinitionRef", "")
        value, _ = _text(prop, "value")
        props.append((names.get(ref, ref), value or ""))
    return props


def read(path: Path, *, progress=None) -> Model:
    path = Path(path)
    shown = str(path)
    try:
        root = parse_xml(path.read_bytes(), shown)      # malformed or not UTF-8: ParseError, file:line:col
    except OSError as exc:
        raise ImporterError(f"{shown}: cannot read: {exc.strerror}") from None
    if local(root.tag) != "model" or not root.tag.startswith(NS):
        raise ImporterError(f"{shown}: not an ArchiMate exchange file (root element {root.tag})")
    names: dict[str, str] = {}
    for pd in root.iterfind(f"{NS}propertyDefinitions/{NS}propertyDefinition"):
        name, _ = _text(pd, "name")
        ident = pd.get("identifier", "")
        names[ident] = name or ident
    name, _ = _text(root, "name")
    doc, _ = _text(root, "documentation")
    model = Model(id=root.get("identifier", ""), name=name or path.stem, format="AMEFF", file=shown,
                  version=root.get("version"), documentation=doc, properties=_properties(root, names))
    model.files_read = 1

    def add(node: ET.Element, kind: str, type_: str) -> Item:
        name, lang = _text(node, "name")
        doc, _ = _text(node, "documentation")
        item = Item(kind=kind, id=node.get("identifier", ""), type=type_, file=shown, name=name,
                    documentation=doc, lang=lang, properties=_properties(node, names))
        if not item.id:
            model.problems.append(Problem(shown, f"{kind} {type_} {name!r} without an identifier; left out"))
        else:
            model.add(item)
        if progress is not None:
            progress.update(files=1, elements=model.added["element"], relations=model.added["relation"])
        return item

    for node in root.iterfind(f"{NS}elements/{NS}element"):
        type_ = node.get(XSI_TYPE, "")
        if type_ not in ELEMENT_TYPES:
            model.problems.append(Problem(shown, f"element {node.get('identifier')}: unknown ArchiMate type "
                                                 f"{type_!r}; left out"))
            continue
        add(node, "element", type_)
    for node in root.iterfind(f"{NS}relationships/{NS}relationship"):
        rel_type = AMEFF_RELATION_TYPES.get(node.get(XSI_TYPE, ""))
        if rel_type is None:
            model.problems.append(Problem(shown, f"relationship {node.get('identifier')}: unknown type "
                                                 f"{node.get(XSI_TYPE)!r}; left out"))
            continue
        item = add(node, "relation", rel_type)
        item.source, item.target = node.get("source"), node.get("target")
        access, modifier, directed = node.get("accessType"), node.get("modifier"), node.get("isDirected")
        if access is not None:
            item.attributes["accessType"] = ACCESS_TYPES.get(access, access)
        elif rel_type == "AccessRelationship":
            item.attributes["accessType"] = "0"      # the standard's default is Write
        if modifier is not None:
            item.attributes["strength"] = modifier
        if directed is not None:
            item.attributes["directed"] = directed
    for view in root.iterfind(f"{NS}views/{NS}diagrams/{NS}view"):
        item = add(view, "view", "ArchimateDiagramModel")
        seen: set[str] = set()
        for node in view.iter():
            ref = node.get("elementRef") or node.get("relationshipRef")
            if ref and ref not in seen:
                seen.add(ref)
                item.shows.append(ref)
        viewpoint = view.get("viewpoint")
        if viewpoint:
            item.attributes["viewpoint"] = viewpoint
    orgs = root.find(NS + "organizations")
    if orgs is not None:
        _organize(model, orgs, None, [])
    return model


def _organize(model: Model, node: ET.Element, folder_id: str | None, path: list[str]) -> None:
    """Nested ``item``s: with a label a folder, with an identifierRef a member of the folder."""
    for child in node.findall(NS + "item"):
        ref = child.get("identifierRef")
        if ref is not None:
            if ref in model.items:
                model.items[ref].folder = folder_id
            else:
                model.problems.append(Problem(model.file, f"organizations: {ref} is not in the model"))
            continue
        label, _ = _text(child, "label")
        label = label or "(zonder naam)"
        sub_path = path + [label]
        key = hashlib.sha1(("\0".join([model.id, *sub_path])).encode()).hexdigest()[:16]
        sub_id = child.get("identifier") or f"{model.id}-{key}"
        model.folders[sub_id] = Folder(sub_id, label, folder_id, model.file)
        _organize(model, child, sub_id, sub_path)
