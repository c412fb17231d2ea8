"""GEMMA's process architecture in the browser.

- ``/gemma``: what was imported from GEMMA, with counts and links;
- ``/gemma/processen``: the process landscape as a nested tree (``keten:GemmaProces``
  and ``keten:onderdeelVan``), each node linking to its resource page and to GEMMA online;
- ``/gemma/bouwstenen``: the process building blocks (``keten:Procesbouwsteen``) with
  their GEMMA online links; ``/gemma/rollen``: GEMMA's actors and roles.

The data comes from ``data/gemma/`` (``ketengraaf import archimate``).
"""
from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, render_template

from ..namespaces import DCTERMS, KETEN, sparql_prefixes
from .context import store
from .i18n import reader_lang, t
from .snapshot import snapshot
from .urls import local_url

bp = Blueprint("gemma", __name__)

GEMMA_ONLINE = "https://www.gemmaonline.nl/"

_NODES = sparql_prefixes(["keten", "skos", "rdfs"]) + """
SELECT ?node ?parent ?page (GROUP_CONCAT(DISTINCT STR(?kp); separator=" ") AS ?kps) WHERE {
  ?node a <%(cls)s> .
  OPTIONAL { ?node <%(up)s> ?parent . ?parent a <%(cls)s> }
  OPTIONAL { ?node keten:wikiPagina ?page FILTER(STRSTARTS(STR(?page), "https://www.gemmaonline.nl/")) }
  OPTIONAL { ?node keten:ketenproces ?kp }
} GROUP BY ?node ?parent ?page
"""


def _tree(cls: str, up: str) -> tuple[list[dict], int]:
    """Nodes of class ``cls`` as a forest along ``up`` (child -> parent), sorted by label."""
    labels, lang = snapshot().labels, reader_lang()
    nodes: dict[str, dict] = {}
    children: dict[str | None, list[str]] = defaultdict(list)
    for row in store().query(_NODES % {"cls": cls, "up": up}):
        iri = row["node"].value
        node = nodes.get(iri)
        if node is None:
            node = nodes[iri] = {
                "iri": iri, "label": labels.label(iri, lang), "url": local_url(iri),
                "gemma": row["page"].value if row["page"] is not None else None,
                "ketenprocessen": [{"iri": k, "label": labels.label(k, lang), "url": local_url(k)}
                                   for k in sorted(row["kps"].value.split())] if row["kps"] else [],
                "children": []}
            nodes[iri]["parents"] = set()
        parent = row["parent"].value if row["parent"] is not None else None
        if parent is not None and parent not in node["parents"]:
            node["parents"].add(parent)
            children[parent].append(iri)
    for parent, kids in children.items():
        if parent in nodes:
            nodes[parent]["children"] = sorted((nodes[k] for k in set(kids)), key=lambda n: n["label"].lower())
    roots = [n for n in nodes.values() if not (n["parents"] & nodes.keys())]
    return sorted(roots, key=lambda n: n["label"].lower()), len(nodes)


@bp.get("/gemma")
def index():
    by_class = snapshot().by_class          # counted once per generation
    counts = {key: len(by_class.get(str(KETEN) + cls, ()))
              for key, cls in (("processen", "GemmaProces"), ("bouwstenen", "Procesbouwsteen"), ("rollen", "GemmaRol"))}
    return render_template("gemma.html", counts=counts)


_USED = sparql_prefixes(["keten"]) + """
SELECT DISTINCT ?lp ?p ?c WHERE {
  ?p keten:landschapsproces ?lp .
  OPTIONAL { ?c keten:heeftProces|keten:hoofdproces ?top . ?top keten:heeftDeelproces* ?p }
}"""


def _mark_used(nodes: list[dict]) -> int:
    """Put on every landscape node the chain processes placed in it (``keten:landschapsproces``), with
    their chains; the number of nodes used."""
    labels, lang = snapshot().labels, reader_lang()
    used: dict[str, dict[str, dict]] = defaultdict(dict)
    for row in store().query(_USED):
        p = row["p"].value
        entry = used[row["lp"].value].setdefault(p, {"label": labels.label(p, lang), "url": local_url(p),
                                                     "chains": []})
        if row["c"] is not None:
            entry["chains"].append({"label": labels.label(row["c"].value, lang), "url": local_url(row["c"].value)})
    count = 0

    def walk(ns: list[dict]) -> None:
        nonlocal count
        for n in ns:
            n["used_by"] = sorted(used.get(n["iri"], {}).values(), key=lambda e: e["label"].casefold())
            count += bool(n["used_by"])
            walk(n["children"])
    walk(nodes)
    return count


@bp.get("/gemma/processen")
def processen():
    roots, total = _tree(str(KETEN.GemmaProces), str(KETEN.onderdeelVan))
    used = _mark_used(roots)
    return render_template("gemma_processen.html", heading=t("gemma.processen.title"), intro=t("gemma.processen.intro"),
                           roots=roots, total=total, used=used)


@bp.get("/gemma/rollen")
def rollen():
    roots, total = _tree(str(KETEN.GemmaRol), str(DCTERMS.isPartOf))
    return render_template("gemma_processen.html", heading=t("gemma.rollen.title"), intro=t("gemma.rollen.intro"),
                           roots=roots, total=total)


@bp.get("/gemma/bouwstenen")
def bouwstenen():
    labels, lang = snapshot().labels, reader_lang()
    query = sparql_prefixes(["keten", "skos"]) + """
SELECT ?b (SAMPLE(?page) AS ?gemma) WHERE {
  ?b a keten:Procesbouwsteen .
  OPTIONAL { ?b keten:wikiPagina ?page FILTER(STRSTARTS(STR(?page), "%s")) }
} GROUP BY ?b""" % GEMMA_ONLINE
    items = []
    for r in store().query(query):
        iri = r["b"].value
        definition = labels.definition(iri, lang)          # in the reader's language, with fallback
        items.append({"iri": iri, "label": labels.label(iri, lang), "url": local_url(iri),
                      "gemma": r["gemma"].value if r["gemma"] is not None else None,
                      "definition": definition[0] if definition else ""})
    items.sort(key=lambda i: i["label"].lower())
    return render_template("gemma_bouwstenen.html", items=items)
