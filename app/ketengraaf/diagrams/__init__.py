"""Chain diagrams: a chain read from the store as a small model, drawn as SVG.

:mod:`.model` reads one chain (partners and roles, goals, processes and their
sub-processes, who is responsible, who executes, on whose behalf, dependencies)
through SPARQL into frozen dataclasses; :mod:`.layout` places it on a grid of
lanes (one per partner) and columns, and routes the arrows through the gaps;
:mod:`.svg` writes the SVG text. Everything is deterministic: the same data
gives the same bytes.
"""
from __future__ import annotations

from .model import (ChainModel, Goal, MemoryStore, Partner, Process, Role, build_model, chain_iri, list_chains,
                    model_from_files)
from .svg import chain_svg, describe, render_svg

__all__ = ["ChainModel", "Goal", "MemoryStore", "Partner", "Process", "Role", "build_model", "chain_iri",
           "chain_svg", "describe", "list_chains", "model_from_files", "render_svg"]
