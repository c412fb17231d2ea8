"""The store the settings name: :func:`open_store`."""
from __future__ import annotations

from . import Store
from .oxigraph import OxigraphStore


def open_store(settings, *, background: bool = False) -> Store:
    """The store the settings name (``store_backend``): the embedded one in ``store_dir``, or the SPARQL
    server at ``sparql_query_url``. ``background``: the embedded store opens new generations on a thread
    of its own (the web app); the remote one reads the manifest every ``sparql_manifest_seconds``."""
    if settings.store_backend == "sparql":
        from .sparql import SparqlStore  # deferred: SPARQLWrapper only for this backend
        return SparqlStore.from_settings(settings)
    return OxigraphStore(settings.store_dir, memory_max_triples=settings.memory_max_triples, background=background)
