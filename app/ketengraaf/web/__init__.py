"""Web layer: the one list of blueprints the app serves (Datasette's "one routes list")."""
from __future__ import annotations


def blueprints() -> list:
    """Every blueprint, in registration order. Add a page type by adding a module and a line here."""
    bps: list = []
    from . import common, ontology, overview, quality, resource, search
    bps += [common.bp, overview.bp, resource.bp, ontology.bp, search.bp, quality.bp]
    from .upl import bp as upl_bp
    bps.append(upl_bp)
    from .gemma import bp as gemma_bp  # /gemma, /gemma/processen, /gemma/bouwstenen, /gemma/rollen
    bps.append(gemma_bp)
    from .wiki import bp as wiki_bp  # /api/wiki-links (gadget, CORS), /wiki/rapport, /wiki/voorstellen
    bps.append(wiki_bp)
    from ..sparql.views import bp as sparql_bp  # /sparql, /.well-known/void
    bps.append(sparql_bp)
    return bps
