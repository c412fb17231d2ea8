"""UPL products as candidate chains: ``/upl/ketenkandidaten`` (HTML, or JSON with ``?format=json``)
and ``/api/upl/ketenkandidaten`` (JSON).

The list comes from the example query ``app/queries/upl-ketenkandidaten.rq``
(the same query a reader can run on the SPARQL page), so the page and the query
never disagree. The ranking itself is made by the importer
(:func:`ketengraaf.importers.upl.rank_candidates`) and stored as ``keten:rang``.
``?laag=gemeente`` (repeatable) keeps the candidates that involve all the given layers.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, jsonify, render_template, request

from ..errors import InputError
from ..importers.upl import LAYERS, VINDEN_EN_VERKENNEN
from ..sparql.examples import parse_example
from .http import cors
from .i18n import reader_lang, ui_lang
from .snapshot import snapshot
from .urls import local_url

bp = Blueprint("upl", __name__)

QUERY_FILE = Path(__file__).resolve().parent.parent / "queries" / "upl-ketenkandidaten.rq"
LAYER_SLUGS = tuple(LAYERS.values())
LAYER_BASE = "https://w3id.org/ketengraaf/id/bestuurslaag/"

TEXT: dict[str, dict[str, str]] = {
    "title": {"nl": "UPL-producten als kandidaat-ketens", "en": "UPL products as candidate chains"},
    "intro": {"nl": "Producten uit de Uniforme Productnamenlijst (UPL) waarbij meer dan één bestuurslaag "
                    "betrokken is. Elk is een kandidaat voor ketensamenwerking, om te vinden en te verkennen "
                    "in het eerste ketensamenwerkingsproces:",
              "en": "Products of the Uniform Product Names List (UPL) that involve more than one government "
                    "layer. Each is a candidate for chain collaboration, to be found and explored in the first "
                    "chain-collaboration process:"},
    "ranking": {"nl": "Zo is gerangschikt", "en": "How the list is ranked"},
    "rank_1": {"nl": "Eerst het aantal betrokken bestuurslagen: meer lagen betekent meer partners die "
                     "samen één product leveren.",
               "en": "First the number of government layers involved: more layers means more partners "
                     "delivering one product together."},
    "rank_2": {"nl": "Dan de breedte van de doelgroep: voor burgers én bedrijven gaat voor één van beide.",
               "en": "Then the breadth of the audience: citizens and businesses both before one of them."},
    "rank_3": {"nl": "Dan medebewind: een laag voert regels van een hogere overheid uit, dus de lagen "
                     "hangen al bij wet van elkaar af.",
               "en": "Then co-governance (medebewind): one layer carries out rules of a higher government, "
                     "so the layers already depend on each other by law."},
    "rank_4": {"nl": "Gelijke producten delen een rang (1, 2, 2, 4); binnen een rang staan ze op naam. "
                     "De placeholder ‘UPL-naam nog niet beschikbaar’ is geen product en staat er niet in.",
               "en": "Products that score the same share a rank (1, 2, 2, 4); within a rank they are listed "
                     "by name. The placeholder ‘UPL-naam nog niet beschikbaar’ is not a product and is left out."},
    "count": {"nl": "{n} kandidaten", "en": "{n} candidates"},
    "filter": {"nl": "Alleen met bestuurslaag", "en": "Only with government layer"},
    "apply": {"nl": "Toon", "en": "Show"},
    "all": {"nl": "alle", "en": "all"},
    "rank": {"nl": "Rang", "en": "Rank"},
    "product": {"nl": "Product", "en": "Product"},
    "partners": {"nl": "Partners (bestuurslagen)", "en": "Partners (government layers)"},
    "audience": {"nl": "Doelgroep", "en": "Audience"},
    "medebewind": {"nl": "Medebewind", "en": "Co-governance"},
    "yes": {"nl": "ja", "en": "yes"},
    "query": {"nl": "De vraag achter deze lijst (SPARQL)", "en": "The query behind this list (SPARQL)"},
    "json": {"nl": "Deze lijst als JSON", "en": "This list as JSON"},
    "none": {"nl": "Geen kandidaten: is de UPL geïmporteerd (data/upl/upl.ttl)?",
             "en": "No candidates: has the UPL been imported (data/upl/upl.ttl)?"},
}


def query_text() -> str:
    """The example query with the standard prefixes it uses (the query page's own reading of it)."""
    return parse_example(QUERY_FILE).query


def _layers_param() -> list[str]:
    wanted = request.args.getlist("laag")
    for slug in wanted:
        if slug not in LAYER_SLUGS:
            raise InputError(f"parameter laag: unknown government layer {slug!r}; known: {', '.join(LAYER_SLUGS)}")
    return wanted


def candidates(lang: str, layers: list[str] | None = None) -> list[dict]:
    """The ranked candidates from the example query, with labels in ``lang`` and local links."""
    snap = snapshot()
    labels = snap.labels
    out = []
    # the query runs once per generation; filters and labels per request
    for row in snap.extra("upl-candidates", lambda s: s.store.select(query_text())):
        lagen = sorted(row["lagen"].value.split(), key=_layer_order)
        if layers and not all(LAYER_BASE + s in lagen for s in layers):
            continue
        iri = row["product"].value
        # GROUP_CONCAT over no audience is unbound (an error in the aggregate), not ""
        doelgroepen = sorted(row["doelgroepen"].value.split()) if row["doelgroepen"] is not None else []
        out.append({
            "rang": int(row["rang"].value),
            "iri": iri,
            "naam": row["naam"].value,
            "url": local_url(iri),
            "aantalLagen": int(row["aantalLagen"].value),
            "bestuurslagen": [{"iri": i, "label": labels.label(i, lang), "url": local_url(i)} for i in lagen],
            "doelgroepen": [{"iri": i, "label": labels.label(i, lang), "url": local_url(i)}
                            for i in doelgroepen],
            "medebewind": row["medebewind"].value == "true",
        })
    return out


def _layer_order(iri: str) -> int:
    slug = iri.rsplit("/", 1)[-1]
    return LAYER_SLUGS.index(slug) if slug in LAYER_SLUGS else len(LAYER_SLUGS)


def _json(items: list[dict], layers: list[str]):
    resp = jsonify(ketenproces=str(VINDEN_EN_VERKENNEN), filter={"laag": layers}, count=len(items),
                   ranking=["aantal bestuurslagen (aflopend)", "aantal doelgroepen (aflopend)",
                            "medebewind (eerst)"],
                   candidates=items)
    return cors(resp)


@bp.get("/upl/ketenkandidaten")
def ketenkandidaten():
    fmt = request.args.get("format", "html")
    if fmt not in ("html", "json"):
        raise InputError(f"parameter format: unknown format {fmt!r}; known: html, json")
    layers = _layers_param()
    lang = reader_lang()
    items = candidates(lang, layers)
    if fmt == "json":
        return _json(items, layers)
    ui = ui_lang()
    text = {k: v[ui] for k, v in TEXT.items()}
    proces = snapshot().labels.label(str(VINDEN_EN_VERKENNEN), lang)
    return render_template("upl_ketenkandidaten.html", items=items, text=text,
                           layers=[(s, snapshot().labels.label(LAYER_BASE + s, lang)) for s in LAYER_SLUGS],
                           selected=layers, proces=proces, proces_url=local_url(str(VINDEN_EN_VERKENNEN)),
                           query=query_text())


@bp.get("/api/upl/ketenkandidaten")
def api_ketenkandidaten():
    layers = _layers_param()
    return _json(candidates(reader_lang(), layers), layers)
