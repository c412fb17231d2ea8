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
from .store.oxigraph import OxigraphStore

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
    if settings.load_on_start:
        from .loading import load_catalogue  # deferred: start-up time
        try:
            load_catalogue(settings)
        except WritesWouldBeLost as exc:      # the store holds writes the files lack: serve it as it is
            app.logger.warning("not loading the files at start-up: %s", exc.message)
    store = OxigraphStore(settings.store_dir, memory_max_triples=settings.memory_max_triples)
    app.extensions["ketengraaf.store"] = store
    from .writing import Writer, parse_tokens  # deferred: start-up time (the write path imports the validator)
    try:
        app.extensions["ketengraaf.tokens"] = parse_tokens(settings.write_tokens)
    except ValueError as exc:
        raise ConfigError(f"setting write_tokens: {exc}") from None
    app.extensions["ketengraaf.writer"] = Writer(settings.store_dir, inference=settings.inference,
                                                 lang=settings.default_lang)

    from .web import blueprints  # deferred: start-up time
    for bp in blueprints():
        app.register_blueprint(bp)

    @app.get("/healthz")
    def healthz():
        gen = store.generation()
        return jsonify(status="ok", version=gen.version, generation=gen.id, triples=gen.triples,
                       query_isolation=isolation_status(app.extensions.get("ketengraaf.sparql")))

    return app
