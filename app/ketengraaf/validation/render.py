"""Report renderers, a registry: ``RENDERERS[name](report, lang) -> str``.

Add a format by decorating a function with ``@renderer("name", media_type)``.
"""
from __future__ import annotations

from collections.abc import Callable

from rdflib import Literal, URIRef

from ..errors import InputError
from ..messages import LANGS, text
from ..namespaces import PREFIXES, qname
from .report import SHAPES_NS, Report, Result

Renderer = Callable[[Report, str], str]
RENDERERS: dict[str, Renderer] = {}
MEDIA_TYPES: dict[str, str] = {}

def _words(lang: str) -> dict:
    """The text report's words in ``lang`` (from :mod:`ketengraaf.messages`; English for other languages)."""
    lang = lang if lang in LANGS else "en"
    words: dict = {k: text("report." + k, lang)
                   for k in ("path", "value", "file", "conforms", "fails", "no_violations", "took", "none")}
    for s in ("Violation", "Warning", "Info"):
        words[s] = (text(f"report.{s}.one", lang), text(f"report.{s}.many", lang))
    return words


def renderer(name: str, media_type: str):
    def register(fn: Renderer) -> Renderer:
        RENDERERS[name] = fn
        MEDIA_TYPES[name] = media_type
        return fn
    return register


def render(report: Report, fmt: str = "text", lang: str = "nl") -> str:
    try:
        fn = RENDERERS[fmt]
    except KeyError:
        raise InputError(f"unknown report format {fmt!r}; known: {', '.join(RENDERERS)}") from None
    return fn(report, lang)


def _term(node) -> str:
    if isinstance(node, URIRef):
        return qname(str(node)) or f"<{node}>"
    if isinstance(node, Literal):
        if node.datatype is not None:
            return f'"{node}"^^' + (qname(str(node.datatype)) or f"<{node.datatype}>")
        return node.n3()
    return f"_:{node}" if node is not None else ""


def _iri_text(text: str | None) -> str:
    if text is None:
        return ""
    prefix = "^" if text.startswith("^") else ""
    bare = text[len(prefix):]
    return prefix + (qname(bare) or bare)


def _line(r: Result, lang: str, words: dict) -> list[str]:
    severity = words[r.severity][0] if r.severity in words else r.severity
    out = [f"  [{severity}] {r.shape_id}: {r.message(lang)}"]
    details = []
    if r.path:
        details.append(f"{words['path']}: {_iri_text(r.path)}")
    if r.value is not None:
        details.append(f"{words['value']}: {_term(r.value)}")
    if details:
        out.append("      " + "; ".join(details))
    return out


@renderer("text", "text/plain; charset=utf-8")
def render_text(report: Report, lang: str = "nl") -> str:
    """For a person: results grouped by focus node (with its label and file), then the counts."""
    words = _words(lang)
    lines: list[str] = []
    for focus, results in report.by_focus().items():
        label = results[0].label(lang)
        head = _term(focus) + (f' "{label}"' if label else "")
        if results[0].source:
            head += f"  ({words['file']} {results[0].source})"
        lines.append(head)
        for r in results:
            lines += _line(r, lang, words)
        lines.append("")
    if not report.results:
        lines += [words["none"], ""]
    counts = ", ".join(f"{report.count(s)} {words[s][0 if report.count(s) == 1 else 1]}"
                       for s in ("Violation", "Warning", "Info"))
    took = f"; {words['took']} {report.took:.2f} s" if report.took is not None else ""
    lines.append(counts + took)
    lines.append(verdict(report, lang))
    return "\n".join(lines) + "\n"


def _count(report: Report, severity: str, words: dict) -> str:
    n = report.count(severity)
    return f"{n} {words[severity][0 if n == 1 else 1]}"


def verdict(report: Report, lang: str = "nl") -> str:
    """One sentence that says what ``sh:conforms`` says: conforms only when there are no results at
    all; else the violations, or (none) the warnings and infos there are. The same with or without
    ``--strict``, which only changes the exit code."""
    words = _words(lang)
    if report.conforms:
        return words["conforms"]
    if report.violations:
        kinds = ("Violation", "Warning", "Info")
        return words["fails"].format(counts=", ".join(_count(report, s, words) for s in kinds if report.count(s)))
    return words["no_violations"].format(
        counts=", ".join(_count(report, s, words) for s in ("Warning", "Info") if report.count(s)))


def _bind(graph) -> None:
    graph.bind("sh", PREFIXES["sh"])
    graph.bind("kgs", SHAPES_NS)
    for name in ("keten", "skos", "rdfs", "dcterms", "xsd"):
        graph.bind(name, PREFIXES[name])


@renderer("turtle", "text/turtle; charset=utf-8")
def render_turtle(report: Report, lang: str = "nl") -> str:
    """The SHACL report graph (messages in every language)."""
    _bind(report.graph)
    return report.graph.serialize(format="turtle")


@renderer("json-ld", "application/ld+json")
def render_jsonld(report: Report, lang: str = "nl") -> str:
    """The SHACL report graph as JSON-LD, with a context for the prefixes used."""
    context = {"sh": PREFIXES["sh"], "kgs": SHAPES_NS, "keten": PREFIXES["keten"], "skos": PREFIXES["skos"],
               "rdfs": PREFIXES["rdfs"], "dcterms": PREFIXES["dcterms"], "xsd": PREFIXES["xsd"]}
    return report.graph.serialize(format="json-ld", context=context, indent=2)
