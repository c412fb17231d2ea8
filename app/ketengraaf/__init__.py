"""ketengraaf: knowledge graph and semantic catalogue of chain collaboration.

``create_app(config)`` is the only place the Flask app is built.
"""
from __future__ import annotations

from typing import Any, Mapping

from flask import Flask, jsonify, render_template, request

from .errors import KetengraafError
from .settings import Settings
from .store.oxigraph import OxigraphStore

__version__ = "0.1.0"


def create_app(config: Mapping[str, Any] | Settings | None = None) -> Flask:
    """Build the app. ``config`` maps setting names (see :mod:`ketengraaf.settings`) to values."""
    settings = config if isinstance(config, Settings) else Settings.from_env(config)
    app = Flask(__name__)
    app.config["KETENGRAAF"] = settings
    app.json.sort_keys = False
    app.json.ensure_ascii = False

    if settings.load_on_start:
        from .loading import load_catalogue
        load_catalogue(settings)
    app.extensions["ketengraaf.store"] = OxigraphStore(settings.store_dir,
                                                      memory_max_triples=settings.memory_max_triples)

    from .web import blueprints
    for bp in blueprints():
        app.register_blueprint(bp)

    @app.errorhandler(KetengraafError)
    def _handle(err: KetengraafError):
        return error_response(err)

    @app.get("/healthz")
    def healthz():
        gen = store().generation()
        from .sparql.workers import isolation_status
        return jsonify(status="ok", version=gen.version, generation=gen.id, triples=gen.triples,
                       query_isolation=isolation_status(app.extensions.get("ketengraaf.sparql")))

    return app


def settings() -> Settings:
    from flask import current_app
    return current_app.config["KETENGRAAF"]


def store() -> OxigraphStore:
    from flask import current_app
    return current_app.extensions["ketengraaf.store"]


def wants_html() -> bool:
    # HTML only for a reader that names it (browsers do); werkzeug counts */* as a match for
    # text/html, so comparing qualities would never choose HTML. curl's */* gets JSON.
    return any(value in ("text/html", "application/xhtml+xml") and q > 0 for value, q in request.accept_mimetypes)


def error_response(err: KetengraafError):
    """One handler for every error: HTML for browsers, JSON for everything else; titles in the reader's language."""
    if wants_html():
        body = render_template("error.html", error=err)
        return body, err.status, {"Content-Type": "text/html; charset=utf-8"}
    from .web.i18n import ui_lang
    resp = jsonify(err.to_dict(ui_lang()))
    resp.status_code = err.status
    return resp
