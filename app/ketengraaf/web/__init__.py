"""Web layer: the one list of blueprints the app serves (Datasette's "one routes list")."""
from __future__ import annotations

from flask import Blueprint

from . import (chain, edit, endpoint, gemma, history, i18n, ontology, overview, quality, resource, search, site, upl,
               wiki, writes)
from .endpoint import FastQueries
from .notmodified import NotModified
from . import snapshot as snapshots
from .snapshot import prepare_generations

__all__ = ["FastQueries", "NotModified", "blueprints", "prepare_generations", "warm_up"]


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
    """Build the current generation's page indexes (labels, class counts, the chains, the search index,
    the wiki facts, the keys of a 404's suggestions, the labels' languages, what changed recently, the
    history, the validation report) before the server takes
    requests, so the first page after a start does not build them (at 1M triples a chain page took
    35 s: the wiki facts). Later generations are prepared in the background, with whatever the served
    one had built."""
    with app.test_request_context("/"):
        snap = snapshots.snapshot()
        chain.chains(snap)
        search.index(snap)
        search.suggestions("warm-up")
        wiki.current_facts()
        i18n.allowed_langs()
        overview.recently_changed(snap)
        history.history(snap)
        quality.report(snap)
