"""ArchiMate model -> RDF (the raw graph, vocabulary ``am:`` in ``ontology/archimate.ttl``).

IRIs (stable across runs; never derived from names):
- an element, relation, view or the model with an ``Object ID`` property:
  ``https://w3id.org/ketengraaf/id/gemma/<Object ID>``;
- without one (or when another item already owns that Object ID):
  ``https://w3id.org/ketengraaf/id/archimate/<ArchiMate id>``;
- a folder: ``https://w3id.org/ketengraaf/id/archimate/folder/<folder id>``;
- a property key: ``am:prop-<slug of the key>`` (``Object ID`` -> ``am:prop-object-id``),
  declared in the graph as an ``am:PropertyDefinition`` with its ``am:key``.

Every published element and view links (``keten:wikiPagina`` and ``rdfs:seeAlso``) to
``https://www.gemmaonline.nl/index.php/GEMMA/id-<Object ID>``, and to its
NORA page when it has a ``NORA URL``. Published (:func:`published_items`): a view whose
``Publiceren`` property names GEMMA Online; an element shown on such a view. GEMMA online
has no page for the rest, so a link there would not resolve.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote, unquote

import pyoxigraph as ox

from ..namespaces import AM, ID, KETEN
from .archimate_model import RELATION_TYPES, Item, Model

N = ox.NamedNode
RDF_TYPE = N("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
FOAF = "http://xmlns.com/foaf/0.1/"

GEMMA_ONLINE = "https://www.gemmaonline.nl/index.php/GEMMA/id-"
NORA_ONLINE = "https://www.noraonline.nl/wiki/"
WIKI_GEMMA = N(str(ID) + "wiki/gemma-online")
WIKI_NORA = N(str(ID) + "wiki/nora-online")
EUPL = N("https://spdx.org/licenses/EUPL-1.2")
VNG = N("https://www.vngrealisatie.nl/")
ACCESS = {"0": "write", "1": "read", "2": "access", "3": "readwrite"}
_SAFE_ID = re.compile(r"^[A-Za-z0-9._~-]+$")


def am(local: str) -> ox.NamedNode:
    return N(str(AM) + local)


def keten(local: str) -> ox.NamedNode:
    return N(str(KETEN) + local)


def slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "leeg"


def _id_part(value: str) -> str:
    return value if _SAFE_ID.match(value) else quote(value, safe="")


@dataclass
class Provenance:
    """What the graph says about where its content comes from."""

    title_nl: str
    title_en: str
    source: str                              # IRI of the source (repository, folder or file)
    source_file: str                         # the input's name
    imported: datetime
    commit: str | None = None
    file_date: str | None = None             # newest file modification date, when no commit is known
    extra: dict[str, str] = field(default_factory=dict)


PUBLISH_KEY = "Publiceren"
PUBLISHED_ON = "GEMMA Online"      # values seen: "GEMMA Online en redactie",
                                   # "Softwarecatalogus en GEMMA Online en redactie", "Niet"


def _published_value(item: Item) -> bool | None:
    """What the item's own ``Publiceren`` says: True, False, or None when it has none."""
    values = [v for k, v in item.properties if k == PUBLISH_KEY]
    if not values:
        return None
    return any(PUBLISHED_ON.lower() in v.lower() for v in values)


def published_items(model: Model) -> set[str]:
    """Ids of the views and elements GEMMA online publishes (and so has a page for).

    A view is published when its ``Publiceren`` names GEMMA Online ("Niet" or no value: not).
    Elements carry no ``Publiceren`` in GEMMA's model; an element is published when a
    published view shows it (or, should it have its own value, when that says so).
    A model that uses no ``Publiceren`` at all says nothing about publication: then every
    element and view counts as published. Compute this on the whole model, before a scope
    trims the views."""
    if not any(k == PUBLISH_KEY for it in model.items.values() for k, _ in it.properties):
        return {i for i, it in model.items.items() if it.kind in ("element", "view")}
    views = {i for i, it in model.items.items() if it.kind == "view" and _published_value(it)}
    shown = {ref for v in views for ref in model.items[v].shows}
    out = set(views)
    for i, it in model.items.items():
        if it.kind == "element":
            own = _published_value(it)
            if own or (own is None and i in shown):
                out.add(i)
    return out


class RdfBuilder:
    """Builds the raw triples of one model (or a scoped part of it).

    ``published``: ids of the published items (:func:`published_items` of the whole model);
    only those get a GEMMA online link. None: computed from ``model`` itself."""

    def __init__(self, model: Model, published: set[str] | None = None):
        self.model = model
        self.published = published_items(model) if published is None else published
        self.triples: list[ox.Triple] = []
        self._props: dict[str, ox.NamedNode] = {}
        self._prop_keys: dict[str, str] = {}

    # -- IRIs ------------------------------------------------------------------
    def iri(self, item_id: str) -> ox.NamedNode:
        oid = self.model.object_ids.get(item_id)
        if oid is not None:
            return N(f"{ID}gemma/{_id_part(oid)}")
        return N(f"{ID}archimate/{_id_part(item_id)}")

    def model_iri(self) -> ox.NamedNode:
        oid = self.model.object_id
        return N(f"{ID}gemma/{_id_part(oid)}") if oid else N(f"{ID}archimate/{_id_part(self.model.id)}")

    def folder_iri(self, folder_id: str) -> ox.NamedNode:
        return N(f"{ID}archimate/folder/{_id_part(folder_id)}")

    def prop(self, key: str) -> ox.NamedNode:
        node = self._props.get(key)
        if node is None:
            name = "prop-" + slug(key)
            if self._prop_keys.get(name, key) != key:       # two keys, one slug: keep them apart
                name += "-" + hashlib.sha1(key.encode()).hexdigest()[:6]
            self._prop_keys[name] = key
            node = self._props[key] = am(name)
        return node

    # -- triples -----------------------------------------------------------------
    def add(self, s, p, o) -> None:
        self.triples.append(ox.Triple(s, p, o))

    def text(self, s, p, value: str | None, lang: str = "nl") -> None:
        if value is not None and value.strip():
            self.add(s, p, ox.Literal(value, language=lang))

    def build(self, provenance: Provenance, graph: str) -> list[ox.Triple]:
        m = self.model
        mnode = self.model_iri()
        self.add(mnode, RDF_TYPE, am("Model"))
        self.text(mnode, N(SKOS + "prefLabel"), m.name)
        self.text(mnode, am("documentation"), m.documentation)
        self.add(mnode, am("archimateId"), ox.Literal(m.id))
        self.add(mnode, am("exchangeFormat"), ox.Literal(m.format))
        if m.version:
            self.add(mnode, N(OWL + "versionInfo"), ox.Literal(m.version))
        self._properties(mnode, m.properties)
        for folder in m.folders.values():
            f = self.folder_iri(folder.id)
            self.add(f, RDF_TYPE, am("Folder"))
            self.text(f, N(SKOS + "prefLabel"), folder.name)
            self.add(f, am("archimateId"), ox.Literal(folder.id))
            if folder.parent is not None and folder.parent in m.folders:
                self.add(f, am("parentFolder"), self.folder_iri(folder.parent))
            else:
                self.add(f, am("model"), mnode)
        for item in m.items.values():
            self._item(item, mnode)
        for key, node in self._props.items():
            self.add(node, RDF_TYPE, am("PropertyDefinition"))
            # a predicate of the data too: declared so (OWL 2 punning, legal in DL; see ontology/archimate.ttl)
            self.add(node, RDF_TYPE, ox.NamedNode("http://www.w3.org/2002/07/owl#DatatypeProperty"))
            self.add(node, am("key"), ox.Literal(key))
        self._provenance(N(graph), provenance, mnode)
        return self.triples

    def _properties(self, s, properties: list[tuple[str, str]]) -> None:
        for key, value in properties:
            self.add(s, self.prop(key), ox.Literal(value))

    def _item(self, item: Item, mnode) -> None:
        s = self.iri(item.id)
        self.add(s, RDF_TYPE, am(item.type))
        self.text(s, N(SKOS + "prefLabel"), item.name, item.lang)
        self.text(s, am("documentation"), item.documentation, item.lang)
        self.add(s, am("archimateId"), ox.Literal(item.id))
        self.add(s, am("model"), mnode)
        self._properties(s, item.properties)
        if item.folder is not None and item.folder in self.model.folders:
            self.add(s, am("folder"), self.folder_iri(item.folder))
            self.add(s, am("folderPath"), ox.Literal("/".join(self.model.folder_path(item.folder))))
        if item.kind == "relation":
            self._relation(s, item)
        else:
            if item.kind == "view":
                self.add(s, RDF_TYPE, am("View"))
                for ref in item.shows:
                    shown = self.model.items[ref]
                    self.add(s, am("showsRelation" if shown.kind == "relation" else "showsElement"), self.iri(ref))
                if "viewpoint" in item.attributes:
                    self.add(s, am("viewpoint"), ox.Literal(item.attributes["viewpoint"]))
            self._wiki(s, item)

    def _relation(self, s, item: Item) -> None:
        assert item.source is not None and item.target is not None     # resolve() left out relations without
        src, tgt = self.iri(item.source), self.iri(item.target)
        self.add(s, RDF_TYPE, am("Relationship"))
        self.add(s, am("source"), src)
        self.add(s, am("target"), tgt)
        self.add(src, am(RELATION_TYPES[item.type]), tgt)
        a = item.attributes
        if "accessType" in a:
            self.add(s, am("accessType"), ox.Literal(ACCESS.get(a["accessType"], a["accessType"])))
        if a.get("strength"):
            self.add(s, am("influenceStrength"), ox.Literal(a["strength"]))
        if "directed" in a:
            self.add(s, am("directed"), ox.Literal(str(a["directed"]).lower() == "true"))

    def _wiki(self, s, item: Item) -> None:
        oid = self.model.object_ids.get(item.id)
        if oid is not None and item.id in self.published:
            page = N(GEMMA_ONLINE + _id_part(oid))
            self.add(s, keten("wikiPagina"), page)
            self.add(s, N(RDFS + "seeAlso"), page)
            self.add(page, RDF_TYPE, keten("WikiPagina"))
            self.add(page, keten("wiki"), WIKI_GEMMA)
            self.text(page, N(SKOS + "prefLabel"), item.name or f"GEMMA/id-{oid}", item.lang)
        for key, value in item.properties:
            if key == "NORA URL" and value.strip().startswith(("https://", "http://")):
                url = value.strip().replace(" ", "_")
                try:
                    page = N(url)
                except ValueError:
                    continue
                self.add(s, N(RDFS + "seeAlso"), page)
                if not url.startswith(NORA_ONLINE):      # a wiki page only when it is one on NORA online
                    continue
                self.add(s, keten("wikiPagina"), page)
                self.add(page, RDF_TYPE, keten("WikiPagina"))
                self.add(page, keten("wiki"), WIKI_NORA)
                title = unquote(url[len(NORA_ONLINE):]).replace("_", " ")
                self.add(page, N(SKOS + "prefLabel"), ox.Literal(title, language="nl"))

    def _provenance(self, g, p: Provenance, mnode) -> None:
        add_provenance(self, g, p)
        self.add(g, N(PROV + "wasDerivedFrom"), N(p.source))
        self.add(g, N(DCT + "source"), N(p.source))
        self.add(g, am("sourceFile"), ox.Literal(p.source_file))
        self.add(g, am("describes"), mnode)
        if p.commit:
            self.add(g, am("commit"), ox.Literal(p.commit))
        if p.file_date:
            self.add(g, N(DCT + "modified"), ox.Literal(p.file_date, datatype=N(XSD + "date")))
        for key, value in p.extra.items():
            self.add(g, am(key), ox.Literal(value))


def add_provenance(builder, g, p: Provenance) -> None:
    """The provenance every generated graph carries: title, time, licence, attribution."""
    builder.add(g, RDF_TYPE, N(PROV + "Entity"))
    builder.text(g, N(DCT + "title"), p.title_nl, "nl")
    builder.text(g, N(DCT + "title"), p.title_en, "en")
    builder.add(g, N(PROV + "generatedAtTime"),
                ox.Literal(p.imported.isoformat(timespec="seconds"), datatype=N(XSD + "dateTime")))
    builder.add(g, N(DCT + "license"), EUPL)
    builder.add(g, N(PROV + "wasAttributedTo"), VNG)
    builder.add(g, N(DCT + "rightsHolder"), VNG)
    builder.add(VNG, RDF_TYPE, N(PROV + "Organization"))
    builder.add(VNG, RDF_TYPE, N(FOAF + "Organization"))
    builder.add(VNG, N(SKOS + "prefLabel"), ox.Literal("VNG Realisatie", language="nl"))
