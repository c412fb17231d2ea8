"""UPL products as candidate chains: ``/upl/ketenkandidaten`` (HTML, or JSON with ``?format=json``)
and ``/api/upl/ketenkandidaten`` (JSON).

The list comes from the example query ``app/queries/upl-ketenkandidaten.rq``
(the same query a reader can run on the SPARQL page), so the page and the query
never disagree. The ranking itself is made by the importer
(:func:`ketengraaf.importers.upl.rank_candidates`) and stored as ``keten:rang``, with
``keten:score`` and the reasons behind it (``keten:reden``, each with a ``keten:gewicht``).
Products a chain already realises (``keten:realiseert``) are left out by the query.
``?laag=gemeente`` (repeatable) keeps the candidates that involve all the given layers.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, jsonify, render_template, request

from ..errors import InputError
from ..importers.upl import LAYERS, REASONS, VINDEN_EN_VERKENNEN
from ..sparql.examples import parse_example
from .http import cors
from .i18n import reader_lang, ui_lang
from .snapshot import snapshot
from .urls import local_url

bp = Blueprint("upl", __name__)

QUERY_FILE = Path(__file__).resolve().parent.parent / "queries" / "upl-ketenkandidaten.rq"
LAYER_SLUGS = tuple(LAYERS.values())
LAYER_BASE = "https://w3id.org/ketengraaf/id/bestuurslaag/"
REASON_BASE = "https://w3id.org/ketengraaf/id/kandidaatreden/"

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
        redenen = []
        for pair in (row["redenen"].value.split() if row["redenen"] is not None else []):
            reden, _, gewicht = pair.rpartition("=")
            redenen.append({"iri": reden, "label": labels.label(reden, lang), "gewicht": int(gewicht),
                            "url": local_url(reden)})
        redenen.sort(key=lambda r: (-r["gewicht"], r["iri"]))
        out.append({
            "rang": int(row["rang"].value),
            "score": int(row["score"].value),
            "iri": iri,
            "naam": row["naam"].value,
            "url": local_url(iri),
            "aantalLagen": int(row["aantalLagen"].value),
            "bestuurslagen": [{"iri": i, "label": labels.label(i, lang), "url": local_url(i)} for i in lagen],
            "doelgroepen": [{"iri": i, "label": labels.label(i, lang), "url": local_url(i)}
                            for i in doelgroepen],
            "medebewind": row["medebewind"].value == "true",
            "redenen": redenen,
        })
    return out


def _layer_order(iri: str) -> int:
    slug = iri.rsplit("/", 1)[-1]
    return LAYER_SLUGS.index(slug) if slug in LAYER_SLUGS else len(LAYER_SLUGS)


def _json(items: list[dict], layers: list[str]):
    resp = jsonify(ketenproces=str(VINDEN_EN_VERKENNEN), filter={"laag": layers}, count=len(items),
                   ranking=["score: som van de gewichten van de redenen (aflopend)",
                            "gewicht van de redenen vóór (aflopend)", "aantal sectorwetten (aflopend)",
                            "aantal bestuurslagen (aflopend)"],
                   redenen=[{"iri": str(REASON_BASE + slug), "gewicht": v[0]} for slug, v in REASONS.items()],
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
    proces = snapshot().labels.label(str(VINDEN_EN_VERKENNEN), lang)
    return render_template("upl_ketenkandidaten.html", items=items,
                           layers=[(s, snapshot().labels.label(LAYER_BASE + s, lang)) for s in LAYER_SLUGS],
                           selected=layers, proces=proces, proces_url=local_url(str(VINDEN_EN_VERKENNEN)),
                           reasons=[{"label": v[1] if ui_lang() == "nl" else v[2],
                                     "definition": v[3] if ui_lang() == "nl" else v[4],
                                     "gewicht": v[0], "url": local_url(REASON_BASE + slug)}
                                    for slug, v in REASONS.items()],
                           query=query_text())


@bp.get("/api/upl/ketenkandidaten")
def api_ketenkandidaten():
    layers = _layers_param()
    return _json(candidates(reader_lang(), layers), layers)
