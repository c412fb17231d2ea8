"""The catalogue on an existing SPARQL 1.1 server (Fuseki, GraphDB, Virtuoso, QLever, ``oxigraph serve``).

:class:`SparqlStore` implements :class:`~ketengraaf.store.Store` over the SPARQL 1.1 Protocol
(SPARQLWrapper) and, for loads, the Graph Store Protocol (plain ``urllib``). What the embedded store
keeps in folders lives in the server's graphs:

- each source is its named graph, as in the embedded store;
- the default graph holds the set union of the source graphs (not those in ``outside_union``),
  written by the load, unless the server's default graph is the union already (setting
  ``sparql_union_default_graph``; then the report, the history and this module's graphs are part of it);
- :data:`META_GRAPH` holds the manifest of the current generation (the JSON of the embedded
  ``manifest.json``, one literal), its id, and the files a load keeps beside a generation
  (``validation.ttl``), one literal each.

A load (:func:`publish_generation`) runs the fillers into an in-memory Oxigraph store, sends every graph
in chunks into a *staging* graph (:func:`staging_graph`: the final name and the generation id), then
makes it current with ONE SPARQL Update request that moves every staging graph onto its real name,
drops the graphs the new generation no longer has, and writes the new manifest. On a server that runs
one update request as one transaction (Oxigraph, Fuseki/TDB2) readers never see half a load. Staging
graphs a killed load left are dropped by the next load.

Blank nodes cannot be named in a later request, so the load stores them as skolem IRIs under
:data:`GENID` (RDF 1.1 §3.5), and this module turns them back into blank nodes in every answer: a page
can follow ``quads(bnode, ...)`` as on the embedded store. A query sees IRIs there (``isBlank`` is false).
"""
from __future__ import annotations

import base64
import copy
import csv
import io
import json
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.client import HTTPException
from typing import Any, NoReturn, cast

import pyoxigraph as ox
from SPARQLWrapper import POST, POSTDIRECTLY, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (EndPointInternalError, EndPointNotFound, QueryBadFormed,
                                            SPARQLWrapperException, Unauthorized, URITooLong)

from ..errors import ConfigError, Conflict, QueryError, QueryTimeout, StoreBadAnswer, StoreError, StoreUnavailable
from ..namespaces import BASE, GRAPH
from . import Generation, SourceInfo, Store
from .oxigraph import materialise_union

META_GRAPH = str(GRAPH) + "meta"                     # the manifest of the current generation (outside the union)
STAGING = str(GRAPH) + "staging/"                    # staging graphs: STAGING + <generation id> + ?g=<final>
EMPTY_GRAPH = str(GRAPH) + "leeg"                    # never written: an empty default graph for a query
GENID = BASE + ".well-known/genid/"                  # skolem IRIs of blank nodes
META = BASE + "meta#"
DEFAULT_STAGING = "default"                          # staging name of the materialised default graph
CHUNK_TRIPLES = 50_000
DELTA_TRIPLES = 20_000                               # most triples a load changes in place (inside the swap)
SWAP_TIMEOUT = 3600.0                                # seconds the one swap request may take
READ_CHUNK = 64 * 1024
CACHE_ANSWER_BYTES = 256 * 1024                      # largest answer to one of ketengraaf's own queries kept
RESULTS_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"


# -- the connection ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Endpoint:
    """Where the server is and how to reach it. Credentials come from the environment only and are
    never part of ``repr`` (logs)."""

    query_url: str
    update_url: str = ""
    gsp_url: str = ""
    auth: str = ""                                  # "", "basic", "bearer"
    timeout: float = 30.0
    user: str = field(default="", repr=False)
    password: str = field(default="", repr=False)
    token: str = field(default="", repr=False)

    @classmethod
    def from_settings(cls, settings, environ: Mapping[str, str] | None = None) -> Endpoint:
        env = os.environ if environ is None else environ
        if not settings.sparql_query_url:
            raise ConfigError("store_backend is sparql but sparql_query_url is empty: set KETENGRAAF_SPARQL_QUERY_URL "
                              "(e.g. http://localhost:7878/query)")
        auth = settings.sparql_auth
        user, password, token = (env.get("KETENGRAAF_SPARQL_USER", ""), env.get("KETENGRAAF_SPARQL_PASSWORD", ""),
                                 env.get("KETENGRAAF_SPARQL_TOKEN", ""))
        if auth == "basic" and not (user and password):
            raise ConfigError("sparql_auth is basic: set KETENGRAAF_SPARQL_USER and KETENGRAAF_SPARQL_PASSWORD "
                              "in the environment")
        if auth == "bearer" and not token:
            raise ConfigError("sparql_auth is bearer: set KETENGRAAF_SPARQL_TOKEN in the environment")
        return cls(settings.sparql_query_url, settings.sparql_update_url, settings.sparql_gsp_url, auth,
                   float(settings.sparql_timeout), user, password, token)

    def headers(self) -> dict[str, str]:
        if self.auth == "bearer":
            return {"Authorization": f"Bearer {self.token}"}
        return {}

    def wrapper(self, url: str, timeout: float) -> SPARQLWrapper:
        sw = SPARQLWrapper(url)
        sw.setOnlyConneg(True)                          # Accept only: no format=/output= parameters
        sw.setMethod(POST)
        sw.timeout = timeout                            # type: ignore[assignment]  # setTimeout() rounds down to int
        if self.auth == "basic":
            sw.setHTTPAuth("BASIC")
            sw.setCredentials(self.user, self.password)
        for name, value in self.headers().items():
            sw.addCustomHttpHeader(name, value)
        return sw


@dataclass(frozen=True)
class Answer:
    body: bytes
    media_type: str                                 # the Content-Type without parameters, lower case


_TERM_TEST = re.compile(r"\b(isIRI|isURI|isBlank)\(\s*(\?\w+)\s*\)", re.IGNORECASE)


def widened_test(name: str, arg: str) -> str:
    """The SPARQL term test ``name(arg)`` (isIRI, isURI, isBlank) seeing a skolem IRI as the blank node it
    stands for: the one rewrite for ketengraaf's own queries (:func:`own_query`) and its users'
    (``sparql.remote.blank_tests``)."""
    genid = ox.Literal(GENID)
    if name.lower() == "isblank":
        return f"(isBlank({arg}) || (isIRI({arg}) && STRSTARTS(STR({arg}), {genid})))"
    return f"(isIRI({arg}) && !STRSTARTS(STR({arg}), {genid}))"


def own_query(sparql: str) -> str:
    """One of ketengraaf's own queries, made to see blank nodes as the embedded store does (the form with a
    variable, the only one ketengraaf's queries use; users' queries are read token by token instead:
    ``sparql.remote.blank_tests``)."""
    return _TERM_TEST.sub(lambda m: widened_test(m.group(1), m.group(2)), sparql)


def _first_line(data: bytes | str, most: int = 300) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
    line = next((x.strip() for x in text.splitlines() if x.strip()), "")
    return line[:most] + ("…" if len(line) > most else "")


def _error_body(exc: SPARQLWrapperException) -> str:
    """The server's own message in a SPARQLWrapper error (it wraps it in text of its own)."""
    msg = str(exc.args[0]) if exc.args else str(exc)
    msg = msg.split("Response:", 1)[-1].strip()
    if msg.startswith(("b'", 'b"')):
        msg = msg[2:-1].encode().decode("unicode_escape", "replace")
    return _first_line(msg)


def _read(response, url: str, deadline: float, timeout: float, max_bytes: int | None,
          too_large: Callable[[], Exception] | None) -> bytes:
    """The body, read in chunks: never past ``max_bytes`` nor past ``deadline``."""
    out = bytearray()
    while True:
        if time.monotonic() > deadline:
            raise _timed_out(url, timeout)
        chunk = response.read(READ_CHUNK)
        if not chunk:
            return bytes(out)
        out += chunk
        if max_bytes is not None and len(out) > max_bytes:
            response.close()
            raise too_large() if too_large is not None else StoreBadAnswer(
                f"the SPARQL store at {url} sent more than {max_bytes:,} bytes")


class _TimedOut(Exception):
    pass


def _timed_out(url: str, timeout: float) -> _TimedOut:
    return _TimedOut(f"the SPARQL store at {url} did not answer within {timeout:g} s (setting sparql_timeout)")


def call(endpoint: Endpoint, sw: SPARQLWrapper, url: str, timeout: float, *, max_bytes: int | None = None,
         too_large: Callable[[], Exception] | None = None, user_query: bool = False) -> Answer:
    """Send the request ``sw`` holds; the answer, or a ketengraaf error. A time-out is a
    :class:`QueryTimeout` for a user query, a :class:`StoreUnavailable` otherwise."""
    deadline = time.monotonic() + timeout
    try:
        try:
            result = sw.query()
            response = result.response
            media = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            body = _read(response, url, deadline, timeout, max_bytes, too_large)
            length = response.headers.get("Content-Length")
            if length is not None and length.strip().isdigit() and len(body) < int(length):
                raise StoreUnavailable(f"the SPARQL store at {url} broke off the connection mid-answer "
                                       f"({len(body):,} of {int(length):,} bytes)")
            return Answer(body, media)
        except TimeoutError as exc:
            raise _timed_out(url, timeout) from exc
        except urllib.error.URLError as exc:
            if isinstance(exc, urllib.error.HTTPError):
                raise
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise _timed_out(url, timeout) from exc
            raise StoreUnavailable(f"the SPARQL store at {url} does not answer: {_reason(exc.reason)}") from None
    except _TimedOut as exc:
        if user_query:
            raise QueryTimeout(str(exc).replace("(setting sparql_timeout)", "(settings query_timeout, "
                                                "sparql_timeout)")) from None
        raise StoreUnavailable(str(exc)) from None
    except (ConnectionError, HTTPException, OSError) as exc:
        if isinstance(exc, urllib.error.HTTPError):
            return _http_error(exc, url, user_query)
        raise StoreUnavailable(f"the SPARQL store at {url} broke off the connection: {_reason(exc)}") from None
    except QueryBadFormed as exc:
        if user_query:
            raise QueryError(f"the SPARQL store refused the query: {_error_body(exc)}") from None
        raise StoreBadAnswer(f"the SPARQL store at {url} refused ketengraaf's own query: {_error_body(exc)}") from None
    except Unauthorized:
        raise StoreError(f"the SPARQL store at {url} refused ketengraaf's credentials (HTTP 401; settings "
                         "sparql_auth and KETENGRAAF_SPARQL_*)") from None
    except EndPointNotFound:
        raise StoreError(f"no SPARQL endpoint at {url} (HTTP 404; check the sparql_*_url settings)") from None
    except (EndPointInternalError, URITooLong) as exc:
        raise StoreBadAnswer(f"the SPARQL store at {url} failed: {_error_body(exc)}") from None


def _http_error(exc: urllib.error.HTTPError, url: str, user_query: bool) -> NoReturn:
    try:
        text = _first_line(exc.read())
    except OSError:
        text = ""
    if exc.code in (502, 503, 504):
        raise StoreUnavailable(f"the SPARQL store at {url} is unavailable (HTTP {exc.code}) {text}".rstrip())
    if exc.code == 403:
        raise StoreError(f"the SPARQL store at {url} refused ketengraaf (HTTP 403; settings sparql_auth and "
                         "KETENGRAAF_SPARQL_*)")
    if exc.code in (406, 415) and user_query:
        raise StoreBadAnswer(f"the SPARQL store at {url} cannot answer in the format asked (HTTP {exc.code}) "
                             f"{text}".rstrip())
    raise StoreBadAnswer(f"the SPARQL store at {url} answered HTTP {exc.code} {text}".rstrip())


def _reason(reason: Any) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return str(reason) or type(reason).__name__


# -- blank nodes as skolem IRIs -------------------------------------------------------------------
def skolem(term):
    """A blank node as its skolem IRI (anything else as it is)."""
    if isinstance(term, ox.BlankNode):
        return ox.NamedNode(GENID + term.value)
    if isinstance(term, ox.Triple):
        return ox.Triple(skolem(term.subject), term.predicate, skolem(term.object))
    return term


def unskolem(term):
    """A skolem IRI of :data:`GENID` as its blank node again."""
    if isinstance(term, ox.NamedNode) and term.value.startswith(GENID):
        return ox.BlankNode(term.value[len(GENID):])
    if isinstance(term, ox.Triple):
        return ox.Triple(unskolem(term.subject), term.predicate, unskolem(term.object))
    return term


def _unskolem_json(data: Any) -> Any:
    if isinstance(data, dict):
        if data.get("type") == "uri" and str(data.get("value", "")).startswith(GENID):
            return {"type": "bnode", "value": data["value"][len(GENID):]}
        return {k: _unskolem_json(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_unskolem_json(v) for v in data]
    return data


_GENID_B = GENID.encode()
_XML_URI = re.compile(rb"<uri>" + re.escape(_GENID_B) + rb"([^<]*)</uri>")
_TSV_URI = re.compile(rb"<" + re.escape(_GENID_B) + rb"([^>]*)>")
_CSV_URI = re.compile(re.escape(_GENID_B))


def unskolem_answer(body: bytes, fmt_name: str, engine_format: str | None) -> bytes:
    """A serialized answer (a format of :mod:`ketengraaf.sparql.formats`) with skolem IRIs as blank nodes."""
    if _GENID_B not in body:
        return body
    if fmt_name == "json":
        return json.dumps(_unskolem_json(json.loads(body)), ensure_ascii=False).encode()
    if fmt_name == "xml":
        return _XML_URI.sub(rb"<bnode>\1</bnode>", body)
    if fmt_name == "tsv":
        return _TSV_URI.sub(rb"_:\1", body)
    if fmt_name == "csv":
        return _CSV_URI.sub(b"_:", body)
    fmt = getattr(ox.RdfFormat, engine_format or "N_TRIPLES")
    items = [unskolem_quad(t) for t in ox.parse(body, format=fmt)]
    if not fmt.supports_datasets:
        items = [ox.Triple(q.subject, q.predicate, q.object) for q in items]
    return cast(bytes, ox.serialize(items, format=fmt))


def unskolem_quad(q):
    if isinstance(q, ox.Quad):
        return ox.Quad(unskolem(q.subject), q.predicate, unskolem(q.object), q.graph_name)
    return ox.Triple(unskolem(q.subject), q.predicate, unskolem(q.object))


# -- results --------------------------------------------------------------------------------------
def parse_answer(answer: Answer) -> Any:
    """A SPARQL answer as the pyoxigraph object the embedded store returns (QuerySolutions, QueryBoolean, or
    QueryTriples), skolem IRIs back as blank nodes."""
    try:
        if answer.media_type in (RESULTS_JSON, "application/json"):
            body = answer.body
            data = json.loads(body)         # all of it now: pyoxigraph would parse as the caller iterates
            if _GENID_B in body:
                body = json.dumps(_unskolem_json(data)).encode()
            return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
        if answer.media_type in (NTRIPLES, "text/plain"):
            triples = [unskolem_quad(t) for t in ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES)]
            holder = ox.Store()
            holder.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
            return holder.query("CONSTRUCT WHERE { ?s ?p ?o }")
    except (SyntaxError, ValueError) as exc:
        raise StoreBadAnswer(f"the SPARQL store's answer does not parse as {answer.media_type}: "
                             f"{_first_line(str(exc))}") from None
    raise StoreBadAnswer(f"the SPARQL store answered {answer.media_type or 'without a Content-Type'}, not SPARQL "
                         "results (JSON) or N-Triples")


def _solutions(answer: Answer) -> list[dict[str, Any]]:
    """SELECT rows as plain dicts. A pyoxigraph QuerySolutions must be dropped on the thread that made it
    (pyo3 "unsendable"); one kept alive by an exception's traceback is collected on any thread, so ketengraaf's
    own reads never hold one longer than this function."""
    res = parse_answer(answer)
    try:
        names = [v.value for v in res.variables]
        return [{n: row[n] for n in names} for row in res]
    finally:
        del res


def _term(term) -> str:
    """A term in SPARQL syntax (blank nodes as their skolem IRIs)."""
    return str(skolem(term))


def _pattern(s, p, o) -> tuple[str, str, str]:
    return (_term(s) if s is not None else "?s", _term(p) if p is not None else "?p",
            _term(o) if o is not None else "?o")


def _quad(s, p, o, row, graph) -> ox.Quad:
    return ox.Quad(s if s is not None else row["s"], p if p is not None else row["p"],
                   o if o is not None else row["o"], graph)


def _node(t):
    return ox.NamedNode(t) if isinstance(t, str) else t


# -- the store ------------------------------------------------------------------------------------
class SparqlStore(Store):
    """The catalogue on a remote SPARQL 1.1 server.

    Per request a page costs: its :meth:`generation` (from memory; one small SELECT at most every
    ``manifest_seconds``), and one round trip per :meth:`query`, :meth:`quads` or :meth:`source_quads`
    call that is not in the small answer cache (answers of the current generation, dropped when it changes).
    """

    backend = "sparql"

    def __init__(self, endpoint: Endpoint, *, union_default_graph: bool = False, manifest_seconds: float = 2.0,
                 cache_entries: int = 256, cache_max_quads: int = 5_000):
        self.endpoint = endpoint
        self.union_default_graph = union_default_graph
        self.manifest_seconds = manifest_seconds
        self._lock = threading.Lock()
        self._gen: Generation | None = None
        self._checked = 0.0
        self._cache: OrderedDict[tuple, list] = OrderedDict()
        self._cache_entries, self._cache_max_quads = cache_entries, cache_max_quads

    @classmethod
    def from_settings(cls, settings, environ: Mapping[str, str] | None = None) -> SparqlStore:
        return cls(Endpoint.from_settings(settings, environ), union_default_graph=settings.sparql_union_default_graph,
                   manifest_seconds=settings.sparql_manifest_seconds)

    @property
    def key(self) -> str:
        return self.endpoint.query_url

    # -- talking to the server -------------------------------------------------------------------
    def _ask(self, sparql: str, *, accept: str = f"{RESULTS_JSON}, {NTRIPLES};q=0.9",
             params: Iterable[tuple[str, str]] = (), timeout: float | None = None) -> Answer:
        e = self.endpoint
        timeout = e.timeout if timeout is None else timeout
        sw = e.wrapper(e.query_url, timeout)
        sw.setQuery(sparql)
        sw.queryType = "SELECT"                     # never taken for an update, whatever the text says
        for name, value in params:
            sw.addParameter(name, value)
        sw.addCustomHttpHeader("Accept", accept)
        return call(e, sw, e.query_url, timeout)

    def update(self, sparql: str, timeout: float | None = None) -> None:
        """Run one SPARQL Update request (the loader's); ``timeout`` instead of ``sparql_timeout``."""
        e = self.endpoint
        if not e.update_url:
            raise ConfigError("loading into the SPARQL store needs its update endpoint: set sparql_update_url")
        timeout = e.timeout if timeout is None else timeout
        sw = e.wrapper(e.update_url, timeout)
        sw.setQuery(sparql)
        sw.queryType = "INSERT"                     # an update, whatever its first keyword
        sw.setRequestMethod(POSTDIRECTLY)           # application/sparql-update: the body as it is
        call(e, sw, e.update_url, timeout)

    def post_graph(self, graph: str, ntriples: bytes) -> None:
        """Add N-Triples to ``graph`` with the Graph Store Protocol (POST: merge into the graph)."""
        e = self.endpoint
        url = e.gsp_url + ("&" if "?" in e.gsp_url else "?") + urllib.parse.urlencode({"graph": graph})
        headers = {"Content-Type": NTRIPLES, **e.headers()}
        if e.auth == "basic":
            headers["Authorization"] = "Basic " + base64.b64encode(f"{e.user}:{e.password}".encode()).decode()
        request = urllib.request.Request(url, data=ntriples, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=e.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            _http_error(exc, e.gsp_url, False)
        except TimeoutError:
            raise StoreUnavailable(str(_timed_out(e.gsp_url, e.timeout))) from None
        except urllib.error.URLError as exc:
            raise StoreUnavailable(f"the SPARQL store at {e.gsp_url} does not answer: {_reason(exc.reason)}") from None
        except (ConnectionError, HTTPException, OSError) as exc:
            raise StoreUnavailable(f"the SPARQL store at {e.gsp_url} broke off the connection: "
                                   f"{_reason(exc)}") from None

    # -- generations -----------------------------------------------------------------------------
    def generation(self) -> Generation:
        now = time.monotonic()
        gen = self._gen
        if gen is not None and now - self._checked < self.manifest_seconds:
            return gen
        known = gen.id if gen is not None else ""
        rows = _solutions(self._ask(
            f"""SELECT ?id (IF(?id = {ox.Literal(known)}, "", ?m) AS ?manifest) WHERE {{
                  GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> <{META}generation> ?id ; <{META}manifest> ?m }} }}"""))
        row = next(iter(rows), None)
        if row is None:
            raise StoreError(f"no catalogue loaded in the SPARQL store at {self.endpoint.query_url} (no manifest in "
                             f"<{META_GRAPH}>): load the catalogue into it first (docs/operations.md)")
        with self._lock:
            if row["id"].value != known or gen is None:
                gen = manifest_generation(json.loads(row["manifest"].value), self.endpoint.query_url)
                self._gen = gen
                self._cache.clear()
            self._checked = now
        return gen

    def generation_file(self, name: str) -> bytes | None:
        """A file a load kept beside the current generation (``validation.ttl``), or None."""
        rows = _solutions(self._ask(f"""SELECT ?c WHERE {{ GRAPH <{META_GRAPH}> {{
            <{META_GRAPH}> <{META}file> ?f . ?f <{META}name> {ox.Literal(name)} ; <{META}content> ?c }} }}"""))
        row = next(iter(rows), None)
        return None if row is None else row["c"].value.encode("utf-8")

    def pinned(self) -> SparqlStore:
        """This store with its generation fixed (no new manifest read). The server's data is not pinned: a page
        built while a load publishes may read the new graphs (loads are rare; see docs/operations.md)."""
        gen = self.generation()
        pinned = copy.copy(self)                # shares the answer cache (keyed by generation) and its lock
        pinned._gen, pinned.manifest_seconds = gen, float("inf")
        return pinned

    # -- reading ---------------------------------------------------------------------------------
    def dataset_params(self, gen: Generation, *, union: bool = True, default_graph: Iterable[str] | None = None,
                       named_graphs: Iterable[str] | None = None) -> list[tuple[str, str]]:
        """Protocol parameters for the dataset the embedded store would use (:func:`store.oxigraph.dataset`):
        none for the default graph (the union); else ``default-graph-uri`` / ``named-graph-uri``, the named
        graphs being the generation's when not given (the protocol leaves them out otherwise)."""
        if default_graph is None and named_graphs is None and union:
            return []
        outside = frozenset(gen.extra.get("outside_union", ()))
        if default_graph is not None:
            defaults = list(dict.fromkeys(default_graph)) or [EMPTY_GRAPH]
        elif union:         # the real default graph has no name in the protocol: the source graphs instead
            defaults = [g for g in gen.graphs if g not in outside]
        else:
            defaults = [EMPTY_GRAPH]
        named = list(dict.fromkeys(named_graphs)) if named_graphs is not None else gen.graphs
        return [("default-graph-uri", g) for g in defaults] + [("named-graph-uri", g) for g in named]

    def query(self, sparql: str, *, union: bool = True, default_graph: list[str] | None = None,
              named_graphs: list[str] | None = None) -> Any:
        gen = self.generation()
        params: list[tuple[str, str]] = []
        if not (union and default_graph is None and named_graphs is None):
            params = self.dataset_params(gen, union=union, default_graph=default_graph, named_graphs=named_graphs)
        text = own_query(sparql)
        # ketengraaf's own queries give the same answer for the same generation: a page shown again, or a query
        # two parts of one page run, costs no round trip (answers up to CACHE_ANSWER_BYTES)
        key = ("query", gen.id, text, tuple(params))
        answer = self._cached(key, lambda: [self._ask(text, params=params)],
                              keep=lambda found: len(found[0].body) <= CACHE_ANSWER_BYTES)[0]
        return parse_answer(answer)

    def _cached(self, key: tuple, fetch: Callable[[], list], keep: Callable[[list], bool] | None = None) -> list:
        if self._cache_entries <= 0:
            return fetch()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        found = fetch()
        if keep(found) if keep is not None else len(found) <= self._cache_max_quads:
            with self._lock:
                self._cache[key] = found
                while len(self._cache) > self._cache_entries:
                    self._cache.popitem(last=False)
        return found

    def quads(self, subject=None, predicate=None, obj=None, graph=None) -> Iterator[Any]:
        s, p, o, g = (_node(t) for t in (subject, predicate, obj, graph))
        gen = self.generation()
        key = ("quads", gen.id, s, p, o, g)
        return iter(self._cached(key, lambda: self._fetch_quads(gen, s, p, o, g)))

    def _fetch_quads(self, gen: Generation, s, p, o, g) -> list:
        ps, pp, po = _pattern(s, p, o)
        if g is None or isinstance(g, ox.DefaultGraph):
            where, graph_name = f"{ps} {pp} {po}", ox.DefaultGraph()
        else:
            where, graph_name = f"GRAPH {_term(g)} {{ {ps} {pp} {po} }}", g
        distinct = "DISTINCT " if self.union_default_graph and isinstance(graph_name, ox.DefaultGraph) else ""
        rows = _solutions(self._ask(f"SELECT {distinct}* WHERE {{ {where} }}"))
        return [_quad(s, p, o, row, graph_name) for row in rows]

    def source_quads(self, subject=None, predicate=None, obj=None) -> Iterator[Any]:
        s, p, o = (_node(t) for t in (subject, predicate, obj))
        gen = self.generation()
        key = ("source", gen.id, s, p, o)
        return iter(self._cached(key, lambda: self._fetch_source_quads(gen, s, p, o)))

    def _fetch_source_quads(self, gen: Generation, s, p, o) -> list:
        outside = frozenset(gen.extra.get("outside_union", ()))
        graphs = " ".join(f"<{g}>" for g in gen.graphs if g not in outside)
        if not graphs:
            return []
        ps, pp, po = _pattern(s, p, o)
        rows = _solutions(self._ask(f"SELECT * WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{ {ps} {pp} {po} }} }}"))
        return [_quad(s, p, o, row, row["g"]) for row in rows]

    # -- what a load reads ------------------------------------------------------------------------
    def graph_ntriples(self, graph: str) -> bytes:
        """One named graph as N-Triples (blank nodes back from their skolem IRIs). A whole graph of a large
        catalogue takes the server a while: bounded by the loader's limit (one hour), not ``sparql_timeout``."""
        answer = self._ask(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", accept=NTRIPLES,
                           timeout=max(self.endpoint.timeout, SWAP_TIMEOUT))
        triples = [ox.Triple(unskolem(q.subject), q.predicate, unskolem(q.object))
                   for q in ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES)]
        return cast(bytes, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))

    def staging_graphs(self) -> list[str]:
        rows = _solutions(self._ask(
            f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ }} FILTER(STRSTARTS(STR(?g), {ox.Literal(STAGING)})) }}"))
        return sorted(row["g"].value for row in rows)

    def current_manifest(self) -> dict | None:
        rows = _solutions(self._ask(
            f"SELECT ?m WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> <{META}manifest> ?m }} }}"))
        row = next(iter(rows), None)
        return None if row is None else json.loads(row["m"].value)

    def forget(self) -> None:
        """Drop what this process remembers of the server (after a load from this process)."""
        with self._lock:
            self._gen, self._checked = None, 0.0
            self._cache.clear()


def manifest_generation(meta: dict, where: str) -> Generation:
    return Generation(
        id=meta["id"], version=meta["version"], created=datetime.fromisoformat(meta["created"]),
        path=f"sparql:{where}#{meta['id']}", sources=tuple(SourceInfo(**s) for s in meta["sources"]),
        triples=meta["triples"], load_seconds=meta["load_seconds"], extra=meta.get("extra", {}))


# -- writing (the loader) -------------------------------------------------------------------------
def staging_graph(gen_id: str, graph: str) -> str:
    """Where a load puts ``graph`` of generation ``gen_id`` before it is made current."""
    return f"{STAGING}{gen_id}?g={urllib.parse.quote(graph, safe='')}"


def _chunks(store: ox.Store, graph, size: int) -> Iterator[bytes]:
    batch: list = []
    for q in store.quads_for_pattern(None, None, None, graph):
        batch.append(ox.Triple(skolem(q.subject), q.predicate, skolem(q.object)))
        if len(batch) >= size:
            yield cast(bytes, ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES))
            batch = []
    if batch:
        yield cast(bytes, ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES))


def remove_staging(store: SparqlStore) -> list[str]:
    """Drop the staging graphs killed loads left (call before a load; one load at a time per server)."""
    stale = store.staging_graphs()
    if stale:
        store.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in stale),
                     timeout=max(store.endpoint.timeout, SWAP_TIMEOUT))
    return stale


def publish_generation(store: SparqlStore, version: str, fillers: list[Callable[[ox.Store], SourceInfo]], *,
                       extra_files: dict[str, bytes] | None = None, extra: dict[str, Any] | None = None,
                       started: float | None = None, outside_union: frozenset[str] = frozenset(),
                       chunk_triples: int = CHUNK_TRIPLES, delta_triples: int = DELTA_TRIPLES,
                       before_swap: Callable[[str], None] | None = None) -> Generation:
    """Write a complete new generation into the SPARQL store and make it current in one update request.

    The fillers are those of :func:`ketengraaf.store.oxigraph.write_generation`; they run into an in-memory
    store first (the catalogue is parsed, inferred and validated before anything is sent). Then every graph
    goes to its staging graph in chunks of ``chunk_triples`` (Graph Store Protocol when ``sparql_gsp_url`` is
    set, else ``INSERT DATA``), and one update request moves them onto their names, drops graphs the new
    generation does not have, rewrites the default graph (unless the server's is the union) and the
    manifest. A graph the server holds already and that changes by at most ``delta_triples`` (all such
    graphs together) is not staged: the swap deletes and inserts the difference in place.
    ``before_swap(gen_id)``: a hook for tests (a load killed there leaves only staging graphs)."""
    started = time.perf_counter() if started is None else started
    memory = ox.Store()
    infos = [fill(memory) for fill in fillers]
    total = sum(i.triples for i in infos)
    union_started = time.perf_counter()
    distinct = materialise_union(memory, outside_union)
    union_seconds = time.perf_counter() - union_started
    now = datetime.now(UTC)
    gen_id = now.strftime("%Y%m%dT%H%M%S%fZ") + "-" + version.split(":")[-1][:12]
    previous = store.current_manifest()
    remove_staging(store)
    before = {src["graph"]: src for src in (previous or {}).get("sources", ())}
    graphs = [g for g in memory.named_graphs() if not isinstance(g, ox.DefaultGraph)]
    by_graph = {i.graph: i for i in infos}
    kept: set[str] = set()
    targets: list[tuple[Any, str]] = []
    for g in graphs:
        if _unchanged(memory, g, by_graph.get(g.value), before.get(g.value)):
            kept.add(g.value)
        else:
            targets.append((g, g.value))
    if not store.union_default_graph:
        targets.append((ox.DefaultGraph(), DEFAULT_STAGING))
    staged_names: list[tuple[str, str]] = []
    deltas: list[tuple[str, list, list]] = []
    budget = delta_triples if previous is not None else 0
    send_started = time.perf_counter()
    for graph, name in targets:
        if budget > 0 and (name == DEFAULT_STAGING or name in before):
            delta = _delta(store, memory, graph, name, budget)
            if delta is not None:
                deltas.append((name, *delta))
                budget -= len(delta[0]) + len(delta[1])
                continue
        staged = staging_graph(gen_id, name)
        sent = False
        for chunk in _chunks(memory, graph, chunk_triples):
            if store.endpoint.gsp_url:
                store.post_graph(staged, chunk)
            else:
                store.update(f"INSERT DATA {{ GRAPH <{staged}> {{\n{chunk.decode('utf-8')}\n}} }}")
            sent = True
        if sent:
            staged_names.append((staged, name))
    files = extra_files or {}
    meta = {
        "id": gen_id, "version": version, "created": now.isoformat(),
        "sources": [vars(info) for info in infos], "triples": total,
        "default_graph": {"union_of_sources": not store.union_default_graph, "triples": distinct,
                          "seconds": round(union_seconds, 3)},
        "load_seconds": 0.0,
        "extra": {**(extra or {}), **({"outside_union": sorted(outside_union)} if outside_union else {}),
                  "graphs_sent": len(staged_names), "graphs_kept": len(kept), "graphs_changed_in_place": len(deltas),
                  "triples_changed_in_place": sum(len(r) + len(a) for _, r, a in deltas),
                  "send_seconds": round(time.perf_counter() - send_started, 3)},
    }
    if before_swap is not None:
        before_swap(gen_id)
    meta["load_seconds"] = round(time.perf_counter() - started, 3)
    swap_started = time.perf_counter()
    try:        # copying a large catalogue takes the server a while: not bounded by sparql_timeout
        store.update(swap_update(meta, staged_names, previous, files, kept=kept, deltas=deltas,
                                 materialised=not store.union_default_graph),
                     timeout=max(store.endpoint.timeout, SWAP_TIMEOUT))
    except StoreUnavailable:
        # the connection broke or timed out: the server may still have committed the swap
        now_current = _current_id(store)
        if now_current != gen_id:
            raise
    swapped = time.perf_counter()
    store.forget()
    try:                    # the staging graphs are copies now; a failure here leaves them to the next load
        remove_staging(store)
    except StoreError:
        pass
    gen = manifest_generation(meta, store.endpoint.query_url)
    gen.extra["swap_seconds"] = round(swapped - swap_started, 3)      # this process's copy only
    gen.extra["cleanup_seconds"] = round(time.perf_counter() - swapped, 3)
    return gen


def _delta(store: SparqlStore, memory: ox.Store, graph, name: str, most: int) -> tuple[list, list] | None:
    """(triples to delete, triples to insert) that turn the server's copy of a graph into the new one, when
    they are at most ``most`` together; else None (the graph is sent whole). Triples as stored: blank nodes
    as skolem IRIs; a server graph with blank nodes of its own (not written by ketengraaf) is sent whole."""
    where = "?s ?p ?o" if name == DEFAULT_STAGING else f"GRAPH <{name}> {{ ?s ?p ?o }}"
    answer = store._ask(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {where} }}", accept=NTRIPLES)
    try:
        old = {ox.Triple(q.subject, q.predicate, q.object)          # parse() gives quads: compare triples
               for q in ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES)}
    except SyntaxError:
        return None
    new = {ox.Triple(skolem(q.subject), q.predicate, skolem(q.object))
           for q in memory.quads_for_pattern(None, None, None, graph)}
    removed, added = old - new, new - old
    if len(removed) + len(added) > most or any(
            isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in removed):
        return None
    return sorted(removed, key=str), sorted(added, key=str)


def _current_id(store: SparqlStore, tries: int = 3) -> str | None:
    for attempt in range(tries):
        try:
            manifest = store.current_manifest()
            return None if manifest is None else manifest.get("id")
        except StoreUnavailable:
            time.sleep(1.0 + attempt)
    return None


def _unchanged(memory: ox.Store, graph, info: SourceInfo | None, before: dict | None) -> bool:
    """Whether the server holds this graph already: the same file (hash, size) and no blank nodes (whose
    skolem IRIs are new at each parse, and must match those in the new default graph)."""
    if info is None or before is None or not info.sha256 or info.derived:
        return False
    if (before.get("sha256"), before.get("triples")) != (info.sha256, info.triples):
        return False
    return not any(isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
                   for q in memory.quads_for_pattern(None, None, None, graph))


def swap_update(meta: dict, staged: list[tuple[str, str]], previous: dict | None, files: dict[str, bytes], *,
                kept: set[str] | frozenset[str] = frozenset(), deltas: list[tuple[str, list, list]] | None = None,
                materialised: bool) -> str:
    """The one update request that makes a loaded generation current: every graph the new generation sends
    replaced by a copy of its staging graph (ADD: the staging graphs are dropped after, outside it), the
    graphs it no longer has dropped, the manifest rewritten."""
    new = {s["graph"] for s in meta["sources"]}
    deltas = deltas or []
    ops = []
    for old in sorted({s["graph"] for s in (previous or {}).get("sources", ())} - new):
        ops.append(f"DROP SILENT GRAPH <{old}>")
    sent = {name for _, name in staged} | {name for name, _, _ in deltas}
    for graph in sorted(new - sent - set(kept)):          # empty in the new generation
        ops.append(f"DROP SILENT GRAPH <{graph}>")
    if materialised and DEFAULT_STAGING not in {name for name, _, _ in deltas}:
        ops.append("DROP SILENT DEFAULT")
    for name, removed, added in deltas:                 # small changes in place: no copy, no staging
        for verb, triples in (("DELETE", removed), ("INSERT", added)):
            if triples:
                body = cast(bytes, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)).decode("utf-8")
                inner = body if name == DEFAULT_STAGING else f"GRAPH <{name}> {{\n{body}}}"
                ops.append(f"{verb} DATA {{\n{inner}\n}}")
    for source, name in staged:
        target = "DEFAULT" if name == DEFAULT_STAGING else f"GRAPH <{name}>"
        if name != DEFAULT_STAGING:
            ops.append(f"DROP SILENT {target}")
        ops.append(f"ADD SILENT GRAPH <{source}> TO {target}")
    ops.append(f"DROP SILENT GRAPH <{META_GRAPH}>")
    m = META_GRAPH
    data = [f"<{m}> <{META}generation> {ox.Literal(meta['id'])} .",
            f"<{m}> <{META}manifest> {ox.Literal(json.dumps(meta, indent=2))} ."]
    for i, (name, content) in enumerate(sorted(files.items())):
        f = f"<{m}/file/{i}>"
        data += [f"<{m}> <{META}file> {f} .", f"{f} <{META}name> {ox.Literal(name)} .",
                 f"{f} <{META}content> {ox.Literal(content.decode('utf-8'))} ."]
    ops.append(f"INSERT DATA {{ GRAPH <{m}> {{\n" + "\n".join(data) + "\n} }")
    return " ;\n".join(ops)


def count_rows(body: bytes, most: int) -> int:
    """Rows of a CSV answer, counting stops past ``most`` (CSV cannot be parsed back into terms)."""
    csv.field_size_limit(max(csv.field_size_limit(), len(body)))
    rows = csv.reader(io.StringIO(body.decode("utf-8"), newline=""))
    n = -1
    for n, _ in enumerate(rows):
        if n > most:
            break
    return max(0, n)


# -- writes ---------------------------------------------------------------------------------------
class RemoteHead:
    """The writer's copy of the remote store's current generation, for :class:`ketengraaf.writing.Writer`
    (the embedded store's :class:`~ketengraaf.store.oxigraph.WriterHead` does the same on disk).

    :meth:`ensure` reads every graph of the current generation from the server into an in-memory Oxigraph
    store (blank nodes back from their skolem IRIs, the default graph the union of the sources, as in the
    embedded store), once per generation. The writer changes and validates that copy; :meth:`publish` sends
    exactly what changed (the writer's steps) in ONE update request: ``DELETE DATA`` / ``INSERT DATA`` per
    graph, the default graph too, and the new manifest (:func:`swap_update`, as a load's small changes in
    place). Readers see the old generation or the new one.

    One writing ketengraaf instance per server: a write checks just before it sends that the server's
    generation is still the one it changed (else 409 and nothing is sent), but SPARQL 1.1 cannot make the
    whole request conditional, so two instances writing at the same moment could overwrite each other's
    manifest. A load from elsewhere is noticed at the next write (the copy is read again)."""

    def __init__(self, store: SparqlStore):
        self.remote = store
        self.store: ox.Store | None = None
        self.base: str | None = None
        self._manifest: dict | None = None
        self._dirty = False

    def ensure(self) -> tuple[Generation, ox.Store]:
        manifest = self.remote.current_manifest()
        if manifest is None:
            raise StoreError(f"no catalogue loaded in the SPARQL store at {self.remote.endpoint.query_url}: "
                             "load the catalogue into it first (docs/operations.md)")
        gen = manifest_generation(manifest, self.remote.endpoint.query_url)
        if self.store is not None and self.base == gen.id and not self._dirty:
            return gen, self.store
        copy_ = ox.Store()
        for graph in gen.graphs:
            node = ox.NamedNode(graph)
            copy_.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, node)
                              for t in ox.parse(self.remote.graph_ntriples(graph), format=ox.RdfFormat.N_TRIPLES))
        materialise_union(copy_, frozenset(gen.extra.get("outside_union", ())))
        self.store, self.base, self._manifest, self._dirty = copy_, gen.id, manifest, False
        return gen, copy_

    def begin(self) -> None:
        self._dirty = True          # until published or rolled back: a failure in between reads the copy again

    def clean(self) -> None:
        self._dirty = False

    def close(self) -> None:
        self.store = self.base = self._manifest = None

    def publish(self, version: str, sources: list[SourceInfo], *, triples: int, default_delta: int,
                extra: dict[str, Any], extra_files: dict[str, bytes], started: float,
                steps: Any = None) -> Generation:
        """Send the change (``steps``: the writer's undo log, in order) and the new manifest in one request."""
        assert self._manifest is not None
        previous = self._manifest
        net: dict[Any, int] = {}
        created: set[str] = set()
        for kind, item in steps or ():
            if kind in ("add", "remove"):
                net[item] = net.get(item, 0) + (1 if kind == "add" else -1)
            elif kind == "add_graph":
                created.add(cast(ox.NamedNode, item).value)
        changes: dict[str, tuple[list, list]] = {DEFAULT_STAGING: ([], [])}      # always: no DROP DEFAULT
        for q, n in net.items():
            if n == 0:
                continue
            name = DEFAULT_STAGING if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value
            removed, added = changes.setdefault(name, ([], []))
            (added if n > 0 else removed).append(ox.Triple(skolem(q.subject), q.predicate, skolem(q.object)))
        for g in created:
            changes.setdefault(g, ([], []))
        if self.remote.union_default_graph:
            changes[DEFAULT_STAGING] = ([], [])     # the server's default graph is the union already
        now = datetime.now(UTC)
        gen_id = now.strftime("%Y%m%dT%H%M%S%fZ") + "-" + version.split(":")[-1][:12]
        default_before = int(previous.get("default_graph", {}).get("triples", 0))
        meta = {"id": gen_id, "version": version, "created": now.isoformat(),
                "sources": [vars(s) for s in sources], "triples": triples,
                "default_graph": {"union_of_sources": not self.remote.union_default_graph,
                                  "triples": default_before + default_delta},
                "load_seconds": round(time.perf_counter() - started, 3), "extra": extra}
        deltas = [(name, sorted(r, key=str), sorted(a, key=str)) for name, (r, a) in sorted(changes.items())]
        kept = {s.graph for s in sources} - set(changes)
        if _current_id(self.remote) != self.base:
            raise Conflict("the catalogue in the SPARQL store changed since this write began (a load or another "
                           "ketengraaf instance); nothing was sent: send the write again")
        try:
            self.remote.update(swap_update(meta, [], previous, extra_files, kept=kept, deltas=deltas,
                                           materialised=not self.remote.union_default_graph),
                               timeout=max(self.remote.endpoint.timeout, SWAP_TIMEOUT))
        except StoreUnavailable:
            if _current_id(self.remote) != gen_id:      # the connection broke before the server committed it
                raise
        self.remote.forget()
        self.base, self._manifest, self._dirty = gen_id, meta, False
        return manifest_generation(meta, self.remote.endpoint.query_url)
