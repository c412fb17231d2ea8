"""Shared by the browser's tests: an app on the small fixture catalogue in tests/web_fixtures/."""
from __future__ import annotations

from pathlib import Path

# The fixture catalogue holds violations on purpose (pages must show them): apps on it are built with
# allow_violations=True, since a load with violations is refused otherwise.
FIXTURES = Path(__file__).parent / "web_fixtures"
ID = "https://w3id.org/ketengraaf/id/"
DEF = "https://w3id.org/ketengraaf/def#"
HTML = {"Accept": "text/html"}
