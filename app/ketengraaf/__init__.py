"""ketengraaf: knowledge graph and semantic catalogue of chain collaboration.

``create_app(config)`` is the only place the Flask app is built.
"""
from __future__ import annotations

from typing import Any
from collections.abc import Mapping

from flask import Flask, jsonify
from flask.json.provider import DefaultJSONProvider

from .errors import ConfigError, WritesWouldBeLost
from .settings import Settings
from .sparql.workers import isolation_status
from .store.backends import open_store

__version__ = "0.1.0"


def create_app(config: Mapping[str, Any] | Settings | None = None) -> Flask:
    """Build the app. ``config`` maps setting names (see :mod:`ketengraaf.settings`) to values."""
    settings = config if isinstance(config, Settings) else Settings.from_env(config)
    app = Flask(__name__)
    app.config["KETENGRAAF"] = settings
    assert isinstance(app.json, DefaultJSONProvider)     # Flask's default provider (typed as the base class)
    app.json.sort_keys = False
    app.json.ensure_ascii = False

    # Every `import ketengraaf.<module>` runs this file (query worker processes, the CLI): the
    # loader (rdflib, pySHACL) and the web layer are imported only when an app is built.
    # the embedded store opens and prepares a new generation in the background (requests keep the old one
    # until then); the remote one reads the server's manifest every sparql_manifest_seconds
    store = open_store(settings, background=True)
    if settings.load_on_start:
        try:
            if store.backend == "sparql":
                from .sparql.remote_load import load_catalogue_remote  # deferred: start-up time
                load_catalogue_remote(settings, store)     # type: ignore[arg-type]
            else:
                from .loading import load_catalogue  # deferred: start-up time
                load_catalogue(settings)
        except WritesWouldBeLost as exc:      # the store holds writes the files lack: serve it as it is
            app.logger.warning("not loading the files at start-up: %s", exc.message)
    app.extensions["ketengraaf.store"] = store
    from .writing import Writer, parse_tokens  # deferred: start-up time (the write path imports the validator)
    try:
        app.extensions["ketengraaf.tokens"] = parse_tokens(settings.write_tokens)
    except ValueError as exc:
        raise ConfigError(f"setting write_tokens: {exc}") from None
    if store.backend == "sparql":       # the writer changes a copy of the server's generation, then sends the change
        from .store.sparql import RemoteHead  # deferred: start-up time
        writer = Writer(inference=settings.inference, head=RemoteHead(store))   # type: ignore[arg-type]
    else:
        writer = Writer(settings.store_dir, inference=settings.inference)
    app.extensions["ketengraaf.writer"] = writer

    from .web import FastQueries, NotModified, blueprints, prepare_generations  # deferred: start-up time
    for bp in blueprints():
        app.register_blueprint(bp)
    prepare_generations(app, store)
    # a plain SPARQL query (GET, or a query POST) is answered before Flask runs (the same answer and headers)
    app.wsgi_app = FastQueries(app.wsgi_app, app)   # type: ignore[method-assign]
    # a repeat of a request the app answered 304 gets that 304 again without Flask, on the same generation
    app.wsgi_app = NotModified(app.wsgi_app, lambda: store.generation().version)   # type: ignore[method-assign]

    @app.get("/healthz")
    def healthz():
        gen = store.generation()
        return jsonify(status="ok", version=gen.version, generation=gen.id, triples=gen.triples,
                       query_isolation=isolation_status(app.extensions.get("ketengraaf.sparql")))

    return app
