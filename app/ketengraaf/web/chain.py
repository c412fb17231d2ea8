"""The chain view: a chain (any ``keten:Keten``) as an architect reads it.

``/id/keten/<slug>`` shows this page to browsers instead of the generic property view;
``?view=eigenschappen`` (or ``/resource?iri=...&view=eigenschappen``) still gives that.
The page holds the model and what it means, the shared goals, a table of participation,
the processes in flow order (a relay by dependency, an orchestration from its main process
down through the sub-processes), the steering building blocks, where each process sits in
GEMMA's landscape, the wiki pages once, the SHACL result, and the diagram (wide, and a
narrow one for phones). ``/diagram?iri=`` and ``/id/keten/<slug>.svg`` serve the diagram
as ``image/svg+xml``. Also ``/ketens/matrix``: chains x partners with the role in each cell.

Everything is read with SPARQL from the snapshot's store (the diagram model of
:mod:`ketengraaf.diagrams` for partners, roles, goals and the process order); nothing
names a particular chain.
"""
from __future__ import annotations

import re

from flask import Blueprint, Response, render_template, request, url_for

from ..diagrams import build_model, chain_iri, list_chains, render_svg
from ..errors import InputError, NotFound
from ..namespaces import KETEN
from ..sparql.formats import HTML
from .describe import Viewer, description_quads
from .history import RESOURCE_SHOWN, changes_for, summary
from .http import conditional, serialize
from .i18n import reader_lang
from .quality import report
from .snapshot import Snapshot, snapshot
from .urls import PAGE_FORMATS, data_url, iri_for_id, local_url

bp = Blueprint("chain", __name__)

K = str(KETEN)
PROPERTY_VIEW = "eigenschappen"     # ?view=eigenschappen: the generic property page
SVG = "image/svg+xml"
NETWORK = K + "Netwerk"
MODEL_CLASS = {"orkestratie": K + "Orkestratieketen", "estafette": K + "Estafetteketen", "doel": K + "Doelketen",
               "keten": K + "Keten"}


def chains(snap: Snapshot) -> set[str]:
    """IRIs of every chain in this generation (built once)."""
    return snap.extra("chains", lambda s: set(list_chains(s.store)))


def is_chain_page(iri: str) -> bool:
    """True when ``iri`` is a chain and the reader did not ask for the property view."""
    return request.args.get("view") != PROPERTY_VIEW and iri in chains(snapshot())


def _rows(snap: Snapshot, query: str) -> list[dict]:
    return snap.store.select(query)


def _val(term) -> str | None:
    return None if term is None else term.value


def participations(snap: Snapshot, iri: str, lang: str) -> list[dict]:
    """One row per ``keten:Deelname`` of the chain: partner, role, role kind (``keten:rolsoort``: leading,
    asking/steering, delivering or none), period, whom it steers."""
    rows = _rows(snap, f"""
        SELECT ?d ?p ?r ?kind ?b ?e ?s WHERE {{
          ?d <{K}keten> <{iri}> ; <{K}partner> ?p .
          OPTIONAL {{ ?d <{K}rol> ?r . OPTIONAL {{ ?r <{K}rolsoort> ?kind }} }}
          OPTIONAL {{ ?d <{K}begindatum> ?b }} OPTIONAL {{ ?d <{K}einddatum> ?e }}
          OPTIONAL {{ ?d <{K}stuurt> ?s }} }}""")
    by: dict[str, dict] = {}
    for r in rows:
        d = r["d"].value
        row = by.setdefault(d, {"iri": d, "partner": r["p"].value, "roles": set(), "kinds": set(),
                                "begin": _val(r["b"]), "end": _val(r["e"]), "steers": set()})
        if r["r"] is not None:
            row["roles"].add(r["r"].value)
        if r["kind"] is not None:
            row["kinds"].add(r["kind"].value)
        if r["s"] is not None:
            row["steers"].add(r["s"].value)
    lab = lambda i: snap.labels.label(i, lang)  # noqa: E731
    links = lambda iris: sorted(({"label": lab(i), "href": local_url(i)} for i in iris),  # noqa: E731
                                key=lambda x: x["label"].casefold())
    out = [{"href": local_url(row["iri"]), "partner": {"label": lab(row["partner"]), "href": local_url(row["partner"])},
            "partner_iri": row["partner"], "roles": links(row["roles"]), "kinds": links(row["kinds"]),
            "begin": row["begin"], "end": row["end"], "steers": links(row["steers"])} for row in by.values()]
    return out


def _facts(snap: Snapshot, iris: list[str], props: list[str]) -> dict[str, dict[str, list[str]]]:
    if not iris:
        return {}
    values = " ".join(f"<{i}>" for i in iris)
    pvalues = " ".join(f"<{K}{p}>" for p in props)
    out: dict[str, dict[str, list[str]]] = {}
    for r in _rows(snap, f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} VALUES ?p {{ {pvalues} }} ?s ?p ?o . "
                         f"FILTER(isIRI(?o)) }}"):
        out.setdefault(r["s"].value, {}).setdefault(r["p"].value[len(K):], []).append(r["o"].value)
    return out


def chain_page_data(snap: Snapshot, iri: str, lang: str) -> dict:
    model = build_model(snap.store, iri, lang)
    lab = lambda i: snap.labels.label(i, lang)  # noqa: E731
    link = lambda i: {"label": lab(i), "href": local_url(i), "iri": i}  # noqa: E731

    def links(iris) -> list[dict]:
        return sorted((link(i) for i in set(iris)), key=lambda x: x["label"].casefold())

    facts = _facts(snap, [p.iri for p in model.processes], ["landschapsproces", "ketenproces"])
    number = {p.iri: n for n, p in enumerate(model.processes, 1)}
    processes = []
    for p in model.processes:
        f = facts.get(p.iri, {})
        d = snap.labels.definition(p.iri, lang)
        processes.append({
            **link(p.iri), "n": number[p.iri], "depth": p.depth, "main": p.main, "sub": p.sub,
            "definition": d[0] if d else None, "definition_lang": d[1] if d else None,
            "responsible": links(p.responsible), "executors": links(p.executors),
            "on_behalf_of": links(p.on_behalf_of),
            "depends_on": [dict(link(x), n=number[x]) for x in p.depends_on if x in number],
            "parent": dict(link(p.parent), n=number[p.parent]) if p.parent in number else None,
            "landscape": links(f.get("landschapsproces", [])), "chain_process": links(f.get("ketenproces", []))})
    goal_rows = []
    for g in model.goals:
        d = snap.labels.definition(g.iri, lang)
        goal_rows.append({**link(g.iri), "kind": link(g.kind) if g.kind else None,
                          "definition": d[0] if d else None, "definition_lang": d[1] if d else None})
    own = _facts(snap, [iri], ["sturingsbouwsteen"]).get(iri, {})
    parts = participations(snap, iri, lang)
    lead = model.lead
    order = {p.iri: i for i, p in enumerate(model.partners)}
    parts.sort(key=lambda r: (order.get(r["partner_iri"], len(order)), r["partner"]["label"].casefold()))
    # partners the processes name without a participation of their own
    named = [link(p.iri) for p in model.partners if not p.participates]
    note = snap.store.select(f"SELECT ?n WHERE {{ <{iri}> <{K}toelichting> ?n }}")
    notes = {(r["n"].language or ""): r["n"].value for r in note}
    note_lang = next((code for code in (lang, "nl", "en") if code in notes), next(iter(notes), None))
    note_text = notes.get(note_lang) if note_lang is not None else None
    return {"model": model.model, "model_label": model.model_label,
            "model_href": local_url(MODEL_CLASS[model.model]), "horizontal": model.horizontal,
            "lead": link(lead.iri) if lead else None, "goals": goal_rows, "participations": parts,
            "named_partners": named, "processes": processes, "building_blocks": links(own.get("sturingsbouwsteen", [])),
            "note": note_text, "note_lang": note_lang or None}


def diagrams(snap: Snapshot, iri: str, lang: str) -> tuple[str, str]:
    """The wide and the narrow diagram of chain ``iri``, boxes linking to this server."""
    model = build_model(snap.store, iri, lang)
    href = lambda i: local_url(i)  # noqa: E731
    # inline, the boxes are links: an element with role img may not hold interactive content (its
    # children are presentational), so the inline picture is a labelled group
    return (interactive(render_svg(model, href, id_prefix="kd")),
            interactive(render_svg(model, href, id_prefix="kdn", narrow=True)))


def interactive(svg: str) -> str:
    return svg.replace(' role="img" ', ' role="group" ', 1)


def render_chain(iri: str) -> str:
    """The chain page of ``iri``."""
    snap = snapshot()
    lang = reader_lang()
    view_title, title_lang = snap.labels.label_lang(iri, lang)
    d = snap.labels.definition(iri, lang)
    wide, narrow = diagrams(snap, iri, lang)
    rep = report(snap)
    view = Viewer(snap, lang)
    jsonld = serialize(description_quads(snap.store, iri), PAGE_FORMATS["jsonld"]).decode()  # as the page's .jsonld
    changes = changes_for(snap, iri)
    return render_template(
        "chain.html", iri=iri, title=view_title, title_lang=title_lang, definition=d,
        jsonld=jsonld.replace("<", "\\u003c"), claims=view.claims(iri), illustration=view.illustration(iri),
        chain=chain_page_data(snap, iri, lang), svg_wide=wide, svg_narrow=narrow, svg_url=diagram_url(iri),
        properties_url=property_view_url(iri),
        downloads=[(f, data_url(iri, f.extension)) for f in PAGE_FORMATS.values()],
        shacl=rep.for_focus(iri), report_available=rep.available, lang=lang,
        changes=[summary(c) for c in changes[:RESOURCE_SHOWN]], changes_count=len(changes))


def property_view_url(iri: str) -> str:
    """The generic property page of ``iri``: its own URL with ``view=eigenschappen``."""
    url = local_url(iri)
    return url + ("&" if "?" in url else "?") + "view=" + PROPERTY_VIEW


def diagram_url(iri: str) -> str:
    return url_for("chain.diagram", iri=iri)


def _svg_response(iri: str) -> Response:
    snap = snapshot()
    if iri not in chains(snap):
        raise NotFound(f"{iri} is not a chain (keten:Keten) in the catalogue")
    lang = reader_lang()
    narrow = request.args.get("smal") == "1"

    def make() -> Response:
        body = render_svg(build_model(snap.store, iri, lang), lambda i: request.host_url.rstrip("/") + local_url(i),
                          narrow=narrow)
        return Response('<?xml version="1.0" encoding="UTF-8"?>\n' + standalone(body), mimetype=SVG)
    return conditional(SVG, make, vary=("Accept-Language", "Cookie"))


def standalone(svg: str) -> str:
    """The diagram as a file or ``<img>``: its natural width and height instead of ``width="100%"`` and the
    page style (a percentage has no natural size, so an ``<img>`` of it would not scale)."""
    m = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    if not m:
        return svg
    head, rest = svg.split(">", 1)
    head = re.sub(r' style="[^"]*"', "", head.replace('width="100%"', f'width="{m.group(1)}" height="{m.group(2)}"', 1))
    return head + ">" + rest


@bp.get("/diagram")
def diagram():
    """The diagram of chain ``?iri=`` (a full IRI or a slug of ``id/keten/``); ``&smal=1``: the narrow one."""
    ref = request.args.get("iri", "").strip()
    if not ref:
        raise InputError("parameter iri is missing: /diagram?iri=<IRI of a chain>")
    return _svg_response(chain_iri(snapshot().store, ref))


@bp.get("/id/keten/<slug>.svg")
def diagram_file(slug: str):
    return _svg_response(iri_for_id("keten/" + slug))


@bp.get("/ketens/matrix")
def matrix():
    """Chains x partners: the role(s) each partner has in each chain."""
    def make() -> Response:
        snap = snapshot()
        lang = reader_lang()
        lab = lambda i: snap.labels.label(i, lang)  # noqa: E731
        rows = snap.store.select(f"""
            SELECT ?c ?p ?r WHERE {{ ?d <{K}keten> ?c ; <{K}partner> ?p . OPTIONAL {{ ?d <{K}rol> ?r }} }}""")
        known = chains(snap)
        cells: dict[tuple[str, str], set[str]] = {}
        for r in rows:
            if r["c"].value in known:
                roles = cells.setdefault((r["c"].value, r["p"].value), set())
                if r["r"] is not None:
                    roles.add(r["r"].value)
        chain_list = sorted({c for c, _ in cells}, key=lambda c: lab(c).casefold())
        partner_count: dict[str, int] = {}
        for _, p in cells:
            partner_count[p] = partner_count.get(p, 0) + 1
        partners = sorted(partner_count, key=lambda p: (-partner_count[p], lab(p).casefold()))
        table = [{"label": lab(p), "href": local_url(p), "count": partner_count[p],
                  "cells": [sorted((({"label": lab(r), "href": local_url(r)}) for r in cells[(c, p)]),
                                   key=lambda x: x["label"].casefold()) if (c, p) in cells else None
                            for c in chain_list]} for p in partners]
        return Response(render_template(
            "chain_matrix.html", chains=[{"label": lab(c), "href": local_url(c)} for c in chain_list], rows=table,
            networks=networks(snap, lang)), mimetype="text/html")
    return conditional(HTML, make)


def networks(snap: Snapshot, lang: str) -> list[dict]:
    """Every ``keten:Netwerk`` with its participants (``keten:heeftDeelnemer``)."""
    out = []
    lab = lambda i: snap.labels.label(i, lang)  # noqa: E731
    for n in sorted(snap.instances(NETWORK), key=lambda i: lab(i).casefold()):
        members = [r["m"].value for r in snap.store.select(f"SELECT ?m WHERE {{ <{n}> <{K}heeftDeelnemer> ?m }}")]
        d = snap.labels.definition(n, lang)
        out.append({"label": lab(n), "href": local_url(n), "definition": d[0] if d else None,
                    "members": sorted(({"label": lab(m), "href": local_url(m)} for m in members),
                                      key=lambda x: x["label"].casefold())})
    return out

