"""Web layer: the one list of blueprints the app serves (Datasette's "one routes list")."""
from __future__ import annotations

from flask import Blueprint

from . import chain, endpoint, gemma, ontology, overview, quality, resource, search, site, upl, wiki
from .notmodified import NotModified
from .snapshot import prepare_generations

__all__ = ["NotModified", "blueprints", "prepare_generations"]


def blueprints() -> list[Blueprint]:
    """Every blueprint, in registration order. Add a page type by adding a module and a line here."""
    return [site.bp, overview.bp, chain.bp,   # chain.bp before resource.bp: /id/keten/<slug>.svg
            resource.bp, ontology.bp, search.bp, quality.bp,
            upl.bp,
            gemma.bp,       # /gemma, /gemma/processen, /gemma/bouwstenen, /gemma/rollen
            wiki.bp,        # /api/wiki-links (gadget, CORS), /wiki/rapport, /wiki/voorstellen
            endpoint.bp]    # /sparql, /.well-known/void
