"""Editing a resource in the browser: ``/bewerken?iri=<IRI>``.

The form shows the resource's description (its triples as subject, with the blank nodes they lead to) as
Turtle, from the one named graph that holds most of them, and says which graph. Saving replaces exactly
that description in that graph with the parsed text: the change is the old description minus the new and
the reverse (a :class:`~ketengraaf.writing.Delta`), written by the one writer, so it passes the same
authorisation (the token's graphs) and SHACL gate as the Graph Store Protocol and SPARQL Update
(``docs/writes.md``).

- Refused by the shapes: ``422``, the form again with the text as edited and the results the edit would
  add, in the reader's language. A Turtle syntax error: ``400`` with its line:column. A missing or unknown
  token: ``401``; a graph the token may not write: ``403``. Nothing is written in any of these cases.
- Lost updates: the form carries the dataset version it was built from and a digest of the description
  it showed. Saving checks the digest against the description in the writer's head, under the writer's
  lock, and refuses (``409``, naming both versions) when it changed since; writes to other resources in
  between (a newer version, the same description) do not count.
- CSRF: no cookie or session grants a write; the bearer token is typed into the form on every save (never
  echoed back, logged or stored), so a page on another site cannot make a reader's browser write.
"""
from __future__ import annotations

import hashlib

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, redirect, render_template, request

from ..errors import Conflict, Forbidden, InputError, KetengraafError, NotFound
from ..writing import DEFAULT_WRITE_GRAPH, NOT_WRITABLE, Delta, Grant, WriteRefused, grant_for
from .describe import exists
from .http import prefixes
from .i18n import reader_lang
from .snapshot import snapshot
from .urls import checked_iri, page_url
from .writes import writer

bp = Blueprint("edit", __name__)

DESCRIPTION = "bewerkt in de browser"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


class EditConflict(Conflict):
    """The resource's description changed since the form was built (HTTP 409): nothing was written."""

class EditUnauthorized(KetengraafError):
    status = 401
    title_key = "error.unauthorized"


def chosen_graph(snap, iri: str) -> tuple[str, int]:
    """(the named graph that holds most of ``iri``'s triples as subject, how many of its triples are elsewhere);
    :data:`~ketengraaf.writing.DEFAULT_WRITE_GRAPH` when no writable graph holds any."""
    counts: dict[str, int] = {}
    for q in snap.store.source_quads(ox.NamedNode(iri), None, None):
        g = q.graph_name.value
        if g not in NOT_WRITABLE:
            counts[g] = counts.get(g, 0) + 1
    if not counts:
        return DEFAULT_WRITE_GRAPH, 0
    best = min(counts, key=lambda g: (-counts[g], g))
    return best, sum(counts.values()) - counts[best]


def description(quads_for, iri: str) -> set:
    """The triples with ``iri`` as subject and, recursively, those of the blank nodes they lead to
    (``quads_for(subject)``: the quads of one subject in the graph)."""
    out: set = set()
    todo: list = [ox.NamedNode(iri)]
    seen: set = set()
    while todo:
        s = todo.pop()
        if s in seen:
            continue
        seen.add(s)
        for q in quads_for(s):
            out.add(q)
            if isinstance(q.object, ox.BlankNode):
                todo.append(q.object)
    return out


def digest(quads) -> str:
    return hashlib.sha256("\n".join(sorted(str(q) for q in quads)).encode()).hexdigest()[:32]


def to_turtle(quads: set, iri: str) -> str:
    """The description as Turtle: the resource first (``rdf:type`` first), then its blank nodes; only the
    prefixes it uses."""
    def key(q):
        return (not isinstance(q.subject, ox.NamedNode), str(q.subject), q.predicate.value != RDF_TYPE,
                str(q.predicate), str(q.object))
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in sorted(quads, key=key)]
    used = {t.value for q in quads for t in (q.subject, q.predicate, q.object) if isinstance(t, ox.NamedNode)}
    used |= {q.object.datatype.value for q in quads if isinstance(q.object, ox.Literal) and q.object.datatype}
    # a prefix only where every name under it is a plain local name: ``id:keten\/vth`` is no help to an editor
    pfx = {name: ns for name, ns in prefixes().items()
           if any(u.startswith(ns) for u in used)
           and all(u[len(ns):] and not set("/#?.:") & set(u[len(ns):]) for u in used if u.startswith(ns))}
    data = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=pfx)
    return (data or b"").decode("utf-8")


def parse_turtle(text: str, iri: str, graph: str) -> set:
    """The edited text as quads in ``graph``; a syntax error says its line:column; every triple must be about
    ``iri`` or one of its blank nodes (the form edits one resource)."""
    try:
        parsed = list(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE, base_iri=iri))
    except SyntaxError as exc:
        where = f"{exc.lineno}:{exc.offset}" if exc.lineno else "?"
        err = InputError(f"{where}: {exc.msg}")
        err.where = where               # type: ignore[attr-defined]
        raise err from None
    others = sorted({t.subject.value for t in parsed if isinstance(t.subject, ox.NamedNode) and t.subject.value != iri})
    if others:
        err = InputError(f"<{others[0]}>")
        err.other_subject = others[0]   # type: ignore[attr-defined]
        raise err
    node = ox.NamedNode(graph)
    return {ox.Quad(t.subject, t.predicate, t.object, node) for t in parsed}


def _blocked() -> str:
    """"" when the form can save, else the key of the message that says why not."""
    return "" if current_app.extensions["ketengraaf.tokens"] else "no_tokens"


def _grant(presented: str) -> Grant:
    tokens = current_app.extensions["ketengraaf.tokens"]
    if not tokens:
        raise EditUnauthorized("no_tokens")
    grant = grant_for(tokens, presented.strip()) if presented.strip() else None
    if grant is None:
        raise EditUnauthorized("unknown_token" if presented.strip() else "no_token")
    return grant


def _page(status: int, **ctx) -> Response:
    resp = Response(render_template("edit.html", lang=reader_lang(), **ctx), status=status, mimetype="text/html")
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/bewerken", methods=["GET", "POST"])
def edit_page():
    iri = checked_iri(request.values.get("iri", "").strip(), "parameter iri")
    snap = snapshot()
    if request.method == "GET":
        if not exists(snap, iri):
            raise NotFound(f"nothing is known about {iri}")
        graph, elsewhere = chosen_graph(snap, iri)
        quads = description(lambda s: snap.store.quads(s, None, None, graph), iri)
        return _page(200, iri=iri, graph=graph, elsewhere=elsewhere, turtle=to_turtle(quads, iri),
                     version=snap.gen.version, digest=digest(quads), back=page_url(iri),
                     blocked=_blocked())
    form = request.form
    graph = checked_iri(form.get("graph", ""), "field graph")
    text = form.get("turtle", "").replace("\r\n", "\n")
    ctx = {"iri": iri, "graph": graph, "elsewhere": 0, "turtle": text, "version": form.get("version", ""),
           "digest": form.get("digest", ""), "back": page_url(iri),
           "blocked": _blocked()}
    try:
        grant = _grant(form.get("token", ""))
        new = parse_turtle(text, iri, graph)
    except EditUnauthorized as err:
        return _page(401, error={"kind": err.message}, **ctx)
    except InputError as err:
        if hasattr(err, "where"):
            return _page(400, error={"kind": "syntax", "where": err.where, "message": err.message}, **ctx)
        return _page(400, error={"kind": "other_subject", "subject": getattr(err, "other_subject", "")}, **ctx)

    def plan(head: ox.Store, apply) -> None:
        node = ox.NamedNode(graph)
        old = description(lambda s: head.quads_for_pattern(s, None, None, node), iri)
        if digest(old) != ctx["digest"]:
            raise EditConflict(f"the description of <{iri}> in <{graph}> changed since the form was built")
        delta = Delta(removed=old - new, added=new - old)
        if not head.contains_named_graph(node):
            delta.created.add(graph)
        apply(delta)
    try:
        writer().write(plan, grant=grant, description=DESCRIPTION)
    except WriteRefused as err:
        return _page(422, error={"kind": "refused"}, results=err.new, **ctx)
    except EditConflict:
        return _page(409, error={"kind": "conflict", "now": snapshot().gen.version}, **ctx)
    except Forbidden as err:
        return _page(403, error={"kind": "forbidden", "message": err.message}, **ctx)
    return redirect(page_url(iri), code=303)
