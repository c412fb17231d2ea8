"""Every setting of ketengraaf, declared once: name, default, help, environment variable.

A setting is read, in order of precedence, from the mapping given to
``create_app`` / ``Settings.from_env(overrides)`` (the CLI's options go there), then
from the environment variable ``KETENGRAAF_<NAME>``, then from the catalogue's
``ketengraaf.toml`` (see :mod:`ketengraaf.catalogue`), then from its default.
``docs/settings.md`` is generated from this table (``ketengraaf settings --markdown``)
and a test fails when the two disagree.

The catalogue is resolved first: ``store_dir``, ``sources`` and ``import_dir`` default
to places in it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Callable, Mapping

from .catalogue import Catalogue, locate
from .errors import ConfigError


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on", "ja"}:
        return True
    if text in {"0", "false", "no", "off", "nee", ""}:
        return False
    raise ValueError(f"not a boolean: {value!r} (use true or false)")


def _paths(value: Any) -> list[Path]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [Path(v) for v in value]
    return [Path(p) for p in str(value).split(os.pathsep) if p]


def _optional_path(value: Any) -> Path | None:
    return Path(value) if value is not None and str(value).strip() else None


def _choice(*allowed: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = str(value).strip().lower()
        if text not in allowed:
            raise ValueError(f"{value!r} is not one of: " + ", ".join(repr(a) for a in allowed))
        return text
    return parse


def _url(value: Any) -> str:
    text = str(value or "").strip()
    if text and not text.startswith(("http://", "https://")):
        raise ValueError(f"{text!r} is not an http:// or https:// URL")
    return text


def _catalogue(value: Any) -> Catalogue:
    return value if isinstance(value, Catalogue) else locate(value)


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    parse: Callable[[Any], Any] = str

    @property
    def env(self) -> str:
        return "KETENGRAAF_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("catalogue", "",
            "Catalogue folder (with ontology/, shapes/, data/). Empty: the current folder when it holds a "
            "catalogue, else the catalogue shipped with ketengraaf.", _catalogue),
    Setting("store_dir", "",
            "Folder of the embedded Oxigraph store (generations and the CURRENT pointer). Empty: var/store in "
            "the catalogue (for the shipped catalogue: under ~/.local/state/ketengraaf/).", _optional_path),
    Setting("sources", "",
            "Files or folders a full `ketengraaf load` reads, separated by the OS path separator. Empty: the "
            "catalogue's ontology/, shapes/ and data/.", _paths),
    Setting("load_on_start", True,
            "Load the sources into a new store generation when the server starts and the store is empty "
            "or older than the sources.", _bool),
    Setting("allow_violations", False,
            "Publish data with SHACL violations (`ketengraaf load` and the load at start-up). Off: such a load "
            "is refused and the catalogue goes on serving the generation it had.", _bool),
    Setting("inference", True,
            "Add the RDFS entailments a reader expects (rdfs:subClassOf, rdfs:subPropertyOf, transitively) to "
            "each generation as the named graph graph/inferentie, part of the default graph: `?s a keten:Keten` "
            "finds every chain. Off: only what the sources state.", _bool),
    Setting("public_base", "https://w3id.org/ketengraaf/",
            "Public base IRI of the data; IRIs under it are served by this app's local routes."),
    Setting("host", "127.0.0.1", "Address `ketengraaf serve` listens on."),
    Setting("port", 8000, "Port `ketengraaf serve` listens on.", int),
    Setting("threads", 8, "Worker threads of the WSGI server (waitress).", int),
    Setting("query_workers", 2,
            "Processes that run SPARQL queries from users; each can be killed on a time-out or crash.", int),
    Setting("query_threads", 4,
            "Most server threads that handle SPARQL queries at once (running, or waiting for a query worker); "
            "at most `threads` - 2, so pages and /healthz keep threads of their own. A query past them gets "
            "HTTP 503 with Retry-After at once. Answers from the cache need no thread of these.", int),
    Setting("query_memory_mb", 1024,
            "Most memory (MiB) one query may take in its worker process, beyond what an idle worker holds "
            "(address space, RLIMIT_AS). A query past it gets HTTP 503 and the worker is replaced. 0: no cap.",
            int),
    Setting("query_timeout", 10.0, "Seconds a SPARQL query may run before it is stopped (HTTP 503).", float),
    Setting("memory_max_triples", 500_000,
            "Generations of at most this many triples have their default graph (the merge of the sources) copied "
            "into memory by each reading process (web app and query workers): queries on it run several times "
            "faster, at the cost of memory; queries that name graphs (GRAPH, FROM) read the disk. 0: always on "
            "disk.", int),
    Setting("max_results", 100_000, "Most rows (SELECT) or triples (CONSTRUCT/DESCRIBE) an answer may hold.", int),
    Setting("max_result_bytes", 64 * 1024 * 1024, "Largest serialized answer in bytes.", int),
    Setting("max_request_bytes", 1024 * 1024, "Largest request body or query string in bytes (HTTP 413).", int),
    Setting("max_query_depth", 200,
            "Deepest nesting of braces/parentheses, and most FILTERs, a query may have before it is refused.", int),
    Setting("write_tokens", "",
            "Who may write over HTTP (SPARQL Update, Graph Store Protocol, the edit form): entries "
            "`name:token:graphs` separated by spaces, graphs separated by commas; a graph may end in `*` (a "
            "prefix) and `*` alone is every graph. Tokens of at least 16 characters. Empty: no writes. Set it "
            "in the environment, not in a file under version control."),
    Setting("write_visible_timeout", 60.0,
            "Seconds a write waits, after it is committed, until this server answers from the generation it "
            "made (so a read that follows the write sees it) before it is acknowledged anyway. 0: acknowledge "
            "at commit; reads may then show the previous state while the server prepares the new one.", float),
    Setting("max_write_bytes", 16 * 1024 * 1024,
            "Largest body of a write (SPARQL Update, Graph Store Protocol) in bytes (HTTP 413).", int),
    Setting("allow_network", False,
            "Allow SERVICE, LOAD and remote FROM to reach the network. Off: such queries are refused (SSRF).",
            _bool),
    Setting("union_default_graph", True,
            "The SPARQL default graph is the union of all named graphs (else: the store's empty default graph).",
            _bool),
    Setting("cors", True, "Send `Access-Control-Allow-Origin: *` on the SPARQL endpoint and data routes.", _bool),
    Setting("cache_entries", 512, "Answers kept in the in-memory result cache (0 turns it off).", int),
    Setting("cache_mb", 64,
            "Most memory (MiB) the answers in the result cache may take together; the least recently used "
            "go first. An answer larger than an eighth of it is not kept. 0 turns the cache off.", int),
    Setting("default_lang", "nl", "Language of labels and interface text when the reader asks for none."),
    Setting("import_dir", "",
            "Folder where `ketengraaf import` (without --out) writes its RDF files; loaded with the sources. "
            "Empty: var/imports in the catalogue (beside the store).", _optional_path),
    Setting("wikis", "gemma=https://www.gemmaonline.nl/index.php/ nora=https://www.noraonline.nl/wiki/",
            "The wikis pages link to, as `name=base` pairs (base: the page URL without the title), or a JSON "
            "object `{\"name\": \"base\"}`. Their hosts are the only origins the gadget API answers (CORS)."),
    Setting("wiki_stale_days", 1095,
            "A linked wiki page not modified for more than this many days is flagged as stale (0: never).", int),
    Setting("wiki_match_min_score", 0.5,
            "Lowest score (0 to 1) of a link `ketengraaf wiki match` proposes.", float),
    Setting("wiki_review_in_browser", False,
            "Allow accepting and rejecting wiki link proposals from the browser (/wiki/voorstellen); writes "
            "data/wiki/ in the catalogue. Off: the page shows the proposals and the commands.", _bool),
    Setting("max_query_chain", 1000,
            "Longest chain a query may hold before it is refused: operators in one expression (`1+1+...`, "
            "`&&`), steps of one property path (`/`, `|`) and items of one collection `( ... )`.", int),
    Setting("max_query_patterns", 1000,
            "Most graph-pattern operations (BIND, OPTIONAL, MINUS, UNION, FILTER, GRAPH, VALUES, groups) "
            "a query may hold before it is refused.", int),
    Setting("store_backend", "embedded",
            "Where the catalogue is stored: `embedded` (an Oxigraph store in `store_dir`) or `sparql` (an existing "
            "SPARQL 1.1 server: the `sparql_*` settings; see docs/operations.md). Every command, page and write works "
            "on both.", _choice("embedded", "sparql")),
    Setting("sparql_query_url", "",
            "Query endpoint of the SPARQL server (store_backend `sparql`), e.g. http://localhost:7878/query.",
            _url),
    Setting("sparql_update_url", "",
            "Update endpoint of the SPARQL server (loads write through it), e.g. http://localhost:7878/update.", _url),
    Setting("sparql_gsp_url", "",
            "Graph Store Protocol endpoint of the SPARQL server (optional; loads send the graphs there in chunks, "
            "else as INSERT DATA through the update endpoint), e.g. http://localhost:7878/store.", _url),
    Setting("sparql_auth", "",
            "How ketengraaf authenticates to the SPARQL server: `basic` (KETENGRAAF_SPARQL_USER and "
            "KETENGRAAF_SPARQL_PASSWORD), `bearer` (KETENGRAAF_SPARQL_TOKEN) or empty (none). The credentials are "
            "read from the environment only and never logged.", _choice("", "basic", "bearer")),
    Setting("sparql_timeout", 30.0,
            "Seconds any one call to the SPARQL server may take (connect, answer, each chunk of a load); a user "
            "query gets the smaller of this and `query_timeout`.", float),
    Setting("sparql_union_default_graph", False,
            "The SPARQL server's default graph is already the union of its named graphs (e.g. Fuseki with "
            "tdb2:unionDefaultGraph). Off (recommended): ketengraaf writes the set union of the source graphs into "
            "the server's default graph at each load, as the embedded store does, so no triple counts twice.",
            _bool),
    Setting("sparql_manifest_seconds", 2.0,
            "Most seconds a ketengraaf process keeps the remote store's generation (its manifest) before asking "
            "the server again (one small SELECT); a load elsewhere is seen within this time. 0: ask on every "
            "request.", float),
)

_BY_NAME = {s.name: s for s in SETTINGS}


class Settings:
    """Resolved settings; attribute access by name (``settings.query_timeout``)."""

    def __init__(self, values: Mapping[str, Any]):
        self._values = dict(values)

    @classmethod
    def from_env(cls, overrides: Mapping[str, Any] | None = None,
                 environ: Mapping[str, str] | None = None) -> Settings:
        overrides = dict(overrides or {})
        environ = os.environ if environ is None else environ
        unknown = sorted(set(overrides) - set(_BY_NAME))
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(unknown)}; known: {', '.join(_BY_NAME)}")
        values: dict[str, Any] = {}
        from_file: dict[str, Any] = {}
        for s in SETTINGS:
            if s.name in overrides:
                raw, origin = overrides[s.name], "configuration"
            elif s.env in environ:
                raw, origin = environ[s.env], f"environment variable {s.env}"
            elif s.name in from_file:
                raw, origin = from_file[s.name], f"{values['catalogue'].settings_file}"
            else:
                raw, origin = s.default, "default"
            try:
                values[s.name] = s.parse(raw)
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"setting {s.name} from {origin}: {exc}") from exc
            if s.name == "catalogue":
                from_file = _file_settings(values["catalogue"])
        return cls(_derived(values))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def replace(self, **changes: Any) -> Settings:
        values = {**self._values, **changes}
        if "catalogue" in changes:      # places derived from the old catalogue follow the new one
            for name in _DERIVED:
                if name not in changes:
                    values[name] = None
        return Settings.from_env(values, environ={})


_DERIVED = ("store_dir", "sources", "import_dir")


def _file_settings(catalogue: Catalogue) -> dict[str, Any]:
    """Settings from the catalogue's ``ketengraaf.toml``; relative paths there are relative to it."""
    found = catalogue.file_settings()
    unknown = sorted(set(found) - set(_BY_NAME) - {"catalogue"})
    if unknown or "catalogue" in found:
        bad = unknown or ["catalogue"]
        raise ConfigError(f"{catalogue.settings_file}: unknown or misplaced setting(s): {', '.join(bad)}; "
                          f"known: {', '.join(n for n in _BY_NAME if n != 'catalogue')}")
    for name in ("store_dir", "import_dir"):
        if name in found and str(found[name]).strip():
            found[name] = str(catalogue.root / Path(str(found[name])).expanduser())
    if "sources" in found:
        raw = found["sources"]
        items = raw if isinstance(raw, list) else str(raw).split(os.pathsep)
        found["sources"] = [str(catalogue.root / Path(str(p)).expanduser()) for p in items if str(p)]
    return found


def _derived(values: dict[str, Any]) -> dict[str, Any]:
    """Fill the places that default to the catalogue's own."""
    catalogue: Catalogue = values["catalogue"]
    if values.get("store_dir") is None:
        values["store_dir"] = catalogue.var_dir / "store"
    if not values.get("sources"):
        values["sources"] = catalogue.sources
    if values.get("import_dir") is None:
        values["import_dir"] = catalogue.var_dir / "imports"
    return values


def markdown_table() -> str:
    """The settings table as Markdown (docs/settings.md is this text)."""
    lines = ["# Settings", "",
             "Each setting can be given to `create_app({...})`, or as an environment variable.", "",
             "| setting | environment variable | default | meaning |", "| --- | --- | --- | --- |"]
    for s in SETTINGS:
        default = s.default
        shown = f"`{default}`" if str(default) != "" else "(empty)"
        lines.append(f"| `{s.name}` | `{s.env}` | {shown} | {s.help} |")
    lines += ["", "Settings can also stand in the catalogue's `ketengraaf.toml` (one `name = value` a line; "
              "relative paths are relative to the catalogue folder); the command line and environment "
              "variables win over it.", ""]
    return "\n".join(lines)
