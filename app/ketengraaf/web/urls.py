"""Public IRIs <-> local URLs, and the RDF formats the browser serves.

The data keeps its public IRIs (setting ``public_base``, by default
``https://w3id.org/ketengraaf/``); only links in HTML pages point to this server:

=========================================  =====================================
public IRI                                 local URL (``local_url``)
=========================================  =====================================
``<base>id/<path>``                        ``/id/<path>`` (HTML or RDF by Accept)
``<base>def``                              ``/def`` (the ontology documentation)
``<base>def#<Term>``                       ``/def/<Term>`` (one term)
``<base>wijzigingen/<id>``                 ``/wijzigingen/<id>`` (a write, HTML or PROV-O)
any other IRI with data in the store       ``/resource?iri=<IRI>``
any other ``http(s)`` IRI                  the IRI itself (an external link)
any other IRI (``javascript:``, ``data:``)  ``/resource?iri=<IRI>`` (never a link to it)
=========================================  =====================================

Stable documents per resource: ``/page/<path>`` (always HTML) and
``/data/<path>.<ext>`` (always that RDF format); every other resource route
takes ``?format=<ext>``. Other modules (SPARQL result tables, GEMMA pages)
import :func:`local_url` from here.
"""
from __future__ import annotations

from urllib.parse import quote, urlencode

import pyoxigraph as ox
from flask import has_request_context, request

from ..errors import InputError
from ..sparql.formats import BY_EXTENSION, Format
from ..writing import CHANGE_BASE
from .context import settings
from .snapshot import snapshot

# the RDF formats pages offer (downloads, ``Link`` alternates, ``/data/<path>.<ext>``), in this order, by
# extension; taken from the one registry of formats (ketengraaf.sparql.formats)
MAX_IRI_LENGTH = 4096          # longer IRIs in a URL are refused (400) before any lookup

PAGE_FORMATS: dict[str, Format] = {ext: BY_EXTENSION[ext] for ext in ("ttl", "nt", "jsonld", "rdf", "trig", "nq")}


def public_base() -> str:
    return settings().public_base


def _root() -> str:
    return request.script_root if has_request_context() else ""


def id_path(iri: str) -> str | None:
    """``keten/vth`` for ``<base>id/keten/vth``, else None."""
    prefix = public_base() + "id/"
    if iri.startswith(prefix) and len(iri) > len(prefix) and "#" not in iri and "?" not in iri:
        return iri[len(prefix):]
    return None


def def_term(iri: str) -> str | None:
    """``Keten`` for ``<base>def#Keten``, ``""`` for the ontology ``<base>def`` itself, else None."""
    base = public_base() + "def"
    if iri == base or iri == base + "#":
        return ""
    if iri.startswith(base + "#") and "/" not in iri[len(base) + 1:]:
        return iri[len(base) + 1:]
    return None


def change_id(iri: str) -> str | None:
    """``<id>`` for a write's IRI ``<base>wijzigingen/<id>`` (:mod:`ketengraaf.web.history`), else None."""
    for base in dict.fromkeys((public_base() + "wijzigingen/", CHANGE_BASE)):
        rest = iri[len(base):]
        if iri.startswith(base) and rest and "/" not in rest and "#" not in rest and "?" not in rest:
            return rest
    return None


def checked_iri(iri: str, what: str) -> str:
    """``iri`` if it is a valid absolute IRI (as the store reads one), else a 400 saying what is wrong."""
    if len(iri) > MAX_IRI_LENGTH:
        raise InputError(f"{what}: longer than {MAX_IRI_LENGTH:,} characters")
    try:
        ox.NamedNode(iri)
    except ValueError as exc:
        raise InputError(f"{what}: {iri[:200]!r} is not a valid IRI ({exc})") from None
    return iri


def iri_for_id(path: str) -> str:
    return checked_iri(public_base() + "id/" + path, "the path after /id/")


def iri_for_term(term: str) -> str:
    return checked_iri(public_base() + "def" + ("#" + term if term else ""), "the term after /def/")


def local_url(iri: str, *, external_if_unknown: bool = True, known: set[str] | None = None) -> str:
    """Where a public IRI is shown on this server (see the table in the module docstring).

    ``known``: the subjects of the current generation, when the caller already holds them
    (a long table of links); otherwise they come from the snapshot."""
    root = _root()
    path = id_path(iri)
    if path is not None:
        return f"{root}/id/{quote(path, safe='/-_.~()')}"
    term = def_term(iri)
    if term is not None:
        return f"{root}/def/{quote(term, safe='-_.~')}" if term else f"{root}/def"
    change = change_id(iri)
    if change is not None:
        return f"{root}/wijzigingen/{quote(change, safe='-_.~')}"
    if external_if_unknown:
        if known is None:
            known = snapshot().subjects
        if iri not in known and is_web_iri(iri):
            return iri
    return f"{root}/resource?{urlencode({'iri': iri})}"


def is_web_iri(iri: str) -> bool:
    """An ``http:`` or ``https:`` IRI: the only kind a page links to as it is (``javascript:``, ``data:`` and
    the like would run or render in the reader's browser)."""
    return iri[:8].lower().startswith(("http://", "https://"))


def data_url(iri: str, ext: str) -> str:
    """Stable URL of the resource's description in one RDF format."""
    path = id_path(iri)
    if path is not None:
        return f"{_root()}/data/{quote(path, safe='/-_.~()')}.{ext}"
    base = local_url(iri, external_if_unknown=False)
    return base + ("&" if "?" in base else "?") + "format=" + ext


def page_url(iri: str) -> str:
    """Stable URL of the resource's HTML page."""
    path = id_path(iri)
    if path is not None:
        return f"{_root()}/page/{quote(path, safe='/-_.~()')}"
    return local_url(iri, external_if_unknown=False)


def alternates(iri: str) -> list[tuple[str, str, str]]:
    """(url, rel, media type) of every representation of ``iri``: its page, then its data in each format."""
    links = [(page_url(iri), "alternate", "text/html")]
    links += [(data_url(iri, f.extension), "alternate", f.media_type) for f in PAGE_FORMATS.values()]
    return links
