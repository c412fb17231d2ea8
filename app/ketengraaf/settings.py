"""Every setting of ketengraaf, declared once: name, default, help, environment variable.

A setting is read, in order of precedence, from the mapping given to
``create_app`` / ``Settings.from_env(overrides)``, then from the environment
variable ``KETENGRAAF_<NAME>``, then from its default. ``docs/settings.md`` is
generated from this table (``ketengraaf settings --markdown``) and a test fails
when the two disagree.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from .errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


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
    if isinstance(value, (list, tuple)):
        return [Path(v) for v in value]
    return [Path(p) for p in str(value).split(os.pathsep) if p]


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
    Setting("store_dir", str(ROOT / "var" / "store"),
            "Folder of the embedded Oxigraph store (generations and the CURRENT pointer).", Path),
    Setting("sources", os.pathsep.join(str(ROOT / d) for d in ("ontology", "shapes", "data")),
            "Files or folders loaded by `ketengraaf load` and at start-up, separated by the OS path separator.",
            _paths),
    Setting("load_on_start", True,
            "Load the sources into a new store generation when the server starts and the store is empty "
            "or older than the sources.", _bool),
    Setting("public_base", "https://w3id.org/ketengraaf/",
            "Public base IRI of the data; IRIs under it are served by this app's local routes."),
    Setting("host", "127.0.0.1", "Address `ketengraaf serve` listens on."),
    Setting("port", 8000, "Port `ketengraaf serve` listens on.", int),
    Setting("threads", 8, "Worker threads of the WSGI server (waitress).", int),
    Setting("query_workers", 2,
            "Processes that run SPARQL queries from users; each can be killed on a time-out or crash.", int),
    Setting("query_timeout", 10.0, "Seconds a SPARQL query may run before it is stopped (HTTP 503).", float),
    Setting("memory_max_triples", 500_000,
            "Generations of at most this many triples are copied into memory by each reading process (web app "
            "and query workers): queries run several times faster, at the cost of memory. 0: always on disk.", int),
    Setting("max_results", 100_000, "Most rows (SELECT) or triples (CONSTRUCT/DESCRIBE) an answer may hold.", int),
    Setting("max_result_bytes", 64 * 1024 * 1024, "Largest serialized answer in bytes.", int),
    Setting("max_request_bytes", 1024 * 1024, "Largest request body or query string in bytes (HTTP 413).", int),
    Setting("max_query_depth", 200,
            "Deepest nesting of braces/parentheses, and most FILTERs, a query may have before it is refused.", int),
    Setting("allow_network", False,
            "Allow SERVICE, LOAD and remote FROM to reach the network. Off: such queries are refused (SSRF).",
            _bool),
    Setting("union_default_graph", True,
            "The SPARQL default graph is the union of all named graphs (else: the store's empty default graph).",
            _bool),
    Setting("cors", True, "Send `Access-Control-Allow-Origin: *` on the SPARQL endpoint and data routes.", _bool),
    Setting("cache_entries", 512, "Answers kept in the in-memory result cache (0 turns it off).", int),
    Setting("default_lang", "nl", "Language of labels and interface text when the reader asks for none."),
    Setting("import_dir", str(ROOT / "var" / "imports"),
            "Folder where `ketengraaf import` (without --out) writes its RDF files; loaded with the sources.",
            Path),
    Setting("max_query_chain", 1000,
            "Longest chain a query may hold before it is refused: operators in one expression (`1+1+...`, "
            "`&&`), steps of one property path (`/`, `|`) and items of one collection `( ... )`.", int),
    Setting("max_query_patterns", 1000,
            "Most graph-pattern operations (BIND, OPTIONAL, MINUS, UNION, FILTER, GRAPH, VALUES, groups) "
            "a query may hold before it is refused.", int),
)

_BY_NAME = {s.name: s for s in SETTINGS}


class Settings:
    """Resolved settings; attribute access by name (``settings.query_timeout``)."""

    def __init__(self, values: Mapping[str, Any]):
        self._values = dict(values)

    @classmethod
    def from_env(cls, overrides: Mapping[str, Any] | None = None,
                 environ: Mapping[str, str] | None = None) -> "Settings":
        overrides = dict(overrides or {})
        environ = os.environ if environ is None else environ
        unknown = sorted(set(overrides) - set(_BY_NAME))
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(unknown)}; known: {', '.join(_BY_NAME)}")
        values: dict[str, Any] = {}
        for s in SETTINGS:
            if s.name in overrides:
                raw, origin = overrides[s.name], "configuration"
            elif s.env in environ:
                raw, origin = environ[s.env], f"environment variable {s.env}"
            else:
                raw, origin = s.default, "default"
            try:
                values[s.name] = s.parse(raw)
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"setting {s.name} from {origin}: {exc}") from exc
        return cls(values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def replace(self, **changes: Any) -> "Settings":
        return Settings.from_env({**self._values, **changes}, environ={})


def markdown_table() -> str:
    """The settings table as Markdown (docs/settings.md is this text)."""
    lines = ["# Settings", "",
             "Each setting can be given to `create_app({...})`, or as an environment variable.", "",
             "| setting | environment variable | default | meaning |", "| --- | --- | --- | --- |"]
    for s in SETTINGS:
        default = s.default
        if s.name in {"store_dir", "sources", "import_dir"}:
            default = "(see meaning)"
        lines.append(f"| `{s.name}` | `{s.env}` | `{default}` | {s.help} |")
    lines += ["", "`store_dir` defaults to `var/store` in the checkout; `sources` to its "
              "`ontology`, `shapes` and `data` folders; `import_dir` to `var/imports`.", ""]
    return "\n".join(lines)
