"""SHACL validation of the catalogue: shapes (``shapes/``) -> reports.

- :func:`validate_sources` / :func:`validate_graph` (engine): run pySHACL on rdflib graphs.
- :class:`Report` / :class:`Result` (report model), :func:`read_report` for a stored ``validation.ttl``.
- :data:`RENDERERS` / :func:`render`: text, turtle, json-ld.
- :func:`validator_for_load`: what :mod:`ketengraaf.loading` calls for a new store generation.
"""
from __future__ import annotations

from .engine import build_graphs, shapes_graph, validate_graph, validate_sources
from .render import MEDIA_TYPES, RENDERERS, render
from .report import SHAPES_NS, Report, Result, read_report

__all__ = ["MEDIA_TYPES", "RENDERERS", "Report", "Result", "SHAPES_NS", "build_graphs", "read_report",
           "render", "shapes_graph", "validate_graph", "validate_sources", "validator_for_load"]


def validator_for_load(parsed, catalogue=None) -> tuple[bytes, dict]:
    """Validate the sources of a load of ``catalogue`` (default: the current one): (report as Turtle,
    summary) for the new generation."""
    dirs = {} if catalogue is None else {"shapes_dir": catalogue.shapes_dir, "ontology_dir": catalogue.ontology_dir}
    report = validate_sources(parsed, **dirs)
    return render(report, "turtle").encode("utf-8"), report.summary()
