"""Where the tests find the repository's own catalogue and the reference data.

The repository root is a catalogue (ontology/, shapes/, data/); ``../shared`` beside it
holds the reference data (CI has it; tests that need it skip without it).
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
