"""Reviewing proposals: ``data/wiki/proposals.json`` keeps every proposal with its decision,
``data/wiki/links.ttl`` the accepted links (versioned with the data, loaded with the catalogue).

``links.ttl`` is written from the accepted proposals, so it always says exactly what was
accepted, each link with a comment line naming its proposal, score, reason and date. A
hand-made link (``data/ketens/``, ``ontology/``) is never touched: those files are not written
here, and a proposal for a link that already exists is not made.
"""
from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, UTC
from pathlib import Path

from ..errors import InputError, NotFound
from .catalog import Facts
from .match import Proposal

PROPOSALS = Path("data/wiki/proposals.json")
LINKS = Path("data/wiki/links.ttl")

FIELDS = tuple(Proposal.__dataclass_fields__)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def load_proposals(root: Path) -> list[Proposal]:
    path = Path(root) / PROPOSALS
    if not path.is_file():
        return []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(f"{path}: not JSON: {exc}") from None
    return [Proposal(**{k: v for k, v in item.items() if k in FIELDS}) for item in raw.get("proposals", [])]


def save_proposals(root: Path, proposals: list[Proposal]) -> None:
    items = sorted(proposals, key=lambda p: (p.status != "proposed", -p.score, p.id))
    _write(Path(root) / PROPOSALS, json.dumps({"proposals": [p.as_dict() for p in items]}, ensure_ascii=False,
                                              indent=1) + "\n")


def merge(old: list[Proposal], new: list[Proposal]) -> list[Proposal]:
    """Decided proposals stay as they were; open ones are replaced by the new run."""
    decided = {p.id: p for p in old if p.status != "proposed"}
    return list(decided.values()) + [p for p in new if p.id not in decided]


def decide(root: Path, pid: str, status: str, facts: Facts | None = None) -> Proposal:
    """Accept or reject proposal ``pid`` (a unique prefix is enough); rewrite the links file."""
    if status not in ("accepted", "rejected"):
        raise InputError(f"unknown decision {status!r}")
    proposals = load_proposals(root)
    matches = [p for p in proposals if p.id.startswith(pid.strip().lower())] if pid.strip() else []
    if not matches:
        raise NotFound(f"no proposal {pid!r} in {PROPOSALS}; run `ketengraaf wiki match` first")
    if len(matches) > 1:
        raise InputError(f"{pid!r} names {len(matches)} proposals; give more of the id")
    chosen = matches[0]
    chosen.status, chosen.decided = status, datetime.now(UTC).strftime("%Y-%m-%d")
    save_proposals(root, proposals)
    write_links(root, proposals, facts)
    return chosen


def _turtle_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def write_links(root: Path, proposals: list[Proposal], facts: Facts | None = None) -> str:
    accepted = sorted((p for p in proposals if p.status == "accepted"), key=lambda p: (p.kind, p.subject, p.page))
    lines = ["# Links between catalogue resources and wiki pages, accepted with `ketengraaf wiki accept`",
             "# (or the review form on /wiki/voorstellen). Written from data/wiki/proposals.json; do not edit by",
             "# hand: reject the proposal instead. Hand-made links stay in data/ketens/ and ontology/.",
             "", "@prefix keten: <https://w3id.org/ketengraaf/def#> .",
             "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
             "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
             "@prefix dcterms: <http://purl.org/dc/terms/> .", ""]
    pages: set[str] = set()
    evidence: dict[str, list[str]] = {}
    for p in accepted:
        lines.append(f"# {p.id}: {p.evidence}, score {p.score}, accepted {p.decided}: {p.reason}".replace("\n", " "))
        note = f"{p.reason} (evidence {p.evidence}, score {p.score}; proposal {p.id}, accepted {p.decided})"
        if p.kind == "link":
            lines.append(f"<{p.subject}> keten:wikiPagina <{p.page}> ; rdfs:seeAlso <{p.page}> .")
            pages.add(p.page)
            evidence.setdefault(p.page, []).append(f"Linked from <{p.subject}>: {note}")
        else:
            rel = "skos:exactMatch" if p.relation == "exactMatch" else "skos:closeMatch"
            lines.append(f"<{p.subject}> {rel} <{p.page}> .")
            lines.append(f"<{p.page}> {rel} <{p.subject}> .")
            pages.update((p.subject, p.page))
            evidence.setdefault(p.subject, []).append(f"{p.relation} <{p.page}>: {note}")
        lines.append("")
    if facts is not None:
        for page in sorted(pages):
            pf = facts.pages.get(page)
            if pf and pf.wiki:
                parts = [f"<{page}> a keten:WikiPagina", f"dcterms:title {_turtle_string(pf.title)}"]
                if pf.wiki.concept:
                    parts.append(f"keten:wiki <{pf.wiki.concept}>")
                parts += [f"keten:toelichting {_turtle_string(e)}@en" for e in evidence.get(page, [])]
                lines.append(" ;\n    ".join(parts) + " .")
    text = "\n".join(lines).rstrip() + "\n"
    _write(Path(root) / LINKS, text)
    return text
