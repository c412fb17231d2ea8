"""Web layer: the one list of blueprints the app serves (Datasette's "one routes list")."""
from __future__ import annotations

from flask import Blueprint

from . import (chain, edit, endpoint, gemma, history, ontology, overview, quality, resource, search, site, upl, wiki,
               writes)
from .notmodified import NotModified
from . import snapshot as snapshots
from .snapshot import prepare_generations

__all__ = ["NotModified", "blueprints", "prepare_generations", "warm_up"]


def blueprints() -> list[Blueprint]:
    """Every blueprint, in registration order. Add a page type by adding a module and a line here."""
    return [site.bp, overview.bp, chain.bp,   # chain.bp before resource.bp: /id/keten/<slug>.svg
            resource.bp, ontology.bp, search.bp, quality.bp,
            upl.bp,
            gemma.bp,       # /gemma, /gemma/processen, /gemma/bouwstenen, /gemma/rollen
            wiki.bp,        # /api/wiki-links (gadget, CORS), /wiki/rapport, /wiki/voorstellen
            endpoint.bp,    # /sparql (queries and updates), /.well-known/void
            history.bp,     # /wijzigingen, /wijzigingen/<id>, /wijzigingen.json, /wijzigingen.atom
            edit.bp,        # /bewerken?iri=
            writes.bp]      # /graph-store, /validate


def warm_up(app) -> None:
    """Build the current generation's page indexes (labels, class counts, the chains, the search index)
    before the server takes requests, so the first page after a start does not build them (at 1M
    triples the first page took over 30 s). Later generations are prepared in the background."""
    with app.test_request_context("/"):
        snap = snapshots.snapshot()
        chain.chains(snap)
        search.index(snap)
