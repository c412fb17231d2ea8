"""SHACL validation of the catalogue: shapes (``shapes/``) -> reports.

- :func:`validate_sources` (engine): a full validation, on Oxigraph (:mod:`.native`: each constraint once for
  all focus nodes) when it implements the shapes, else pySHACL; :func:`validate_graph`: pySHACL on rdflib graphs.
- :mod:`.incremental`: a write's report from the old one: ``affected_focus_nodes``, ``validate_focus``, ``merge``.
- :class:`Report` / :class:`Result` (report model), :func:`read_report` for a stored ``validation.ttl``.
- :data:`RENDERERS` / :func:`render`: text, turtle, json-ld.
"""
from __future__ import annotations

from .engine import build_graphs, shapes_graph, validate_graph, validate_sources
from .render import MEDIA_TYPES, RENDERERS, render
from .report import SHAPES_NS, Report, Result, read_report, read_report_bytes

__all__ = ["MEDIA_TYPES", "RENDERERS", "Report", "Result", "SHAPES_NS", "build_graphs", "read_report",
           "read_report_bytes", "render", "shapes_graph", "validate_graph", "validate_sources"]

