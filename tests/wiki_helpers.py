"""Shared by the wiki tests: a copy of the shipped catalogue with the SMW export fixtures imported.

The fixtures (tests/fixtures/wiki/, see its README) are hand-made in Semantic MediaWiki's export
format; they are not exports of the live wikis.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from ketengraaf.settings import Settings
from ketengraaf.wiki import service
from paths import ROOT, SHARED

FIXTURES = Path(__file__).parent / "fixtures" / "wiki"
GEMMA_EXPORT = FIXTURES / "gemma-export.rdf"
NORA_EXPORT = FIXTURES / "nora-export.ttl"
LOVE2D = SHARED / "reference" / "smw" / "love2d_ExportRDF_love.graphics.isCreated.rdf"
SMW_TESTS = SHARED / "reference" / "smw"

G = "https://www.gemmaonline.nl/index.php/"
N = "https://www.noraonline.nl/wiki/"
I = "https://w3id.org/ketengraaf/id/"  # noqa: E741
PROCESARCHITECTUUR = G + "Procesarchitectuur_Impact_van_ketensamenwerking"
WERELD = N + "Ketensturing/De_wereld_van_ketens"


def settings_for(root: Path, **overrides) -> Settings:
    return Settings.from_env({"catalogue": str(root), "store_dir": str(root / "var" / "store"),
                              "import_dir": str(root / "var" / "imports"), **overrides}, environ={})


def wiki_catalogue(root: Path) -> Settings:
    """Copy ontology/, shapes/ and data/ into ``root`` and import both export fixtures there."""
    for name in ("ontology", "shapes", "data"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("proposals.json", "links.ttl"))
    settings = settings_for(root)
    service.import_export(settings, str(GEMMA_EXPORT), "gemma")
    service.import_export(settings, str(NORA_EXPORT), "nora")
    return settings
