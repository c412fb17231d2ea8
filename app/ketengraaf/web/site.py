"""What the whole site shares: template helpers, the language switch, and the error answers
(every :class:`~ketengraaf.errors.KetengraafError`, and 404 pages with suggestions)."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, current_app, request, url_for
from werkzeug.exceptions import NotFound as WerkzeugNotFound

from ..errors import KetengraafError, NotFound
from ..labels import valid_lang
from ..messages import text
from ..namespaces import qname
from .context import settings
from .http import error_response, safe_ui_lang, secure
from .i18n import UI_LANGS, choose_lang, reader_lang
from .search import suggestions
from .snapshot import snapshot
from .urls import local_url

bp = Blueprint("site", __name__)

# pages other parts of the app may add (endpoint, message key); shown in the header when they exist
OPTIONAL_NAV = (("sparql.endpoint", "nav.sparql"), ("gemma.index", "nav.gemma"))

bp.before_app_request(choose_lang)          # ?lang= is checked once per request, before any view


def switch_lang_url(code: str) -> str:
    args = request.args.to_dict(flat=False)
    args["lang"] = [code]
    return request.script_root + request.path + "?" + urlencode(args, doseq=True)


def label(iri: str) -> str:
    return snapshot().labels.label(iri, reader_lang())


def _nav() -> list[tuple[str, str]]:
    endpoints = current_app.view_functions
    return [(url_for(endpoint), _safe_t(key)) for endpoint, key in OPTIONAL_NAV if endpoint in endpoints]


@bp.app_context_processor
def helpers():
    def lang_or_default():
        try:
            return reader_lang()
        except Exception:       # a bad ?lang= on an error page: still render the page
            return settings().default_lang
    return {"t": _safe_t, "reader_lang": lang_or_default, "ui_lang": safe_ui_lang, "local_url": local_url,
            "label": label, "qname": qname, "switch_lang_url": switch_lang_url, "ui_langs": UI_LANGS,
            "nav_extra": _nav}


def _safe_t(key: str, **params) -> str:
    return text(key, safe_ui_lang(), **params)      # an unknown key is a KeyError, never a blank


@bp.after_app_request
def remember_lang(resp):
    """A reader who switches language keeps it on the next pages (cookie ``lang``)."""
    lang = request.args.get("lang")
    if lang and resp.status_code < 400 and resp.mimetype == "text/html":
        if valid_lang(lang) and request.cookies.get("lang") != lang.lower():
            resp.set_cookie("lang", lang.lower(), max_age=365 * 24 * 3600, samesite="Lax")
    return resp


@bp.after_app_request
def security_headers(resp):
    return secure(resp)


@bp.app_errorhandler(WerkzeugNotFound)
def not_found(_err):
    """Unknown routes get the same 404 as unknown resources, with close matches."""
    err = NotFound(f"no page at {request.path}")
    try:
        err.suggestions = suggestions(request.path)
    except Exception:       # no store yet: a plain 404
        err.suggestions = []
    return error_response(err)


@bp.app_errorhandler(KetengraafError)
def ketengraaf_error(err: KetengraafError):
    return error_response(err)
