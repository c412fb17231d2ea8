"""Proposals: which catalogue resource is about which wiki page, and which NORA and GEMMA pages
are about the same thing. Each proposal has a score in [0, 1] and says why.

Evidence, strongest first (a page must be in a wiki's export: without it there is no evidence
the page exists):

- ``object-id`` 1.0: the resource's GEMMA Object ID (``keten:objectId``, ``am:prop-object-id``)
  names the page ``GEMMA/id-<Object ID>``;
- ``model-url`` 1.0: the ArchiMate model's ``GEMMA URL`` or ``NORA URL`` property names the page;
- ``nora-id`` 0.95: the model's ``NORA ID`` is a property value of the NORA page;
- ``label`` 0.9 (preferred label) / 0.8 (alternative label): the label is the page's title;
  0.85 / 0.75 when it is the last part of a sub page's title (``Ketensturing/Ketenkaart``).
  Labels compare without case, diacritics and punctuation. A label that fits more than one
  resource or page is ambiguous: its score is multiplied by 0.75.

A proposal onto a redirect becomes a proposal onto its target (score x 0.95, the reason says so).
Links that exist already (by hand, accepted or imported) are not proposed again, nor are
rejected proposals.

Page pairs (``pair``): a GEMMA page and a NORA page one resource links to both (closeMatch,
0.6), a page whose property value is the other page's URL (exactMatch, 0.9), or the same last
title part (closeMatch, 0.7).
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Set
from dataclasses import asdict, dataclass

from .catalog import WIKI_WORTHY, Facts
from .titles import GEMMA, NORA, parse_page_iri

AMBIGUOUS = 0.75
VIA_REDIRECT = 0.95


@dataclass
class Proposal:
    id: str
    kind: str                 # link | pair
    subject: str              # resource IRI (link) or first page IRI (pair)
    page: str                 # page IRI
    wiki: str                 # wiki name of ``page``
    score: float
    evidence: str             # object-id | model-url | nora-id | label | redirect | shared-resource | ...
    reason: str
    relation: str = "wikiPagina"   # wikiPagina, or exactMatch / closeMatch for pairs
    status: str = "proposed"       # proposed | accepted | rejected
    decided: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def proposal_id(kind: str, subject: str, page: str) -> str:
    return hashlib.sha1(f"{kind}|{subject}|{page}".encode()).hexdigest()[:8]


def norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def _follow(facts: Facts, page: str) -> tuple[str, str | None]:
    target = facts.final(page)
    return (target, page) if target != page else (page, None)


def propose(facts: Facts, *, min_score: float = 0.5, skip: Set[str] = frozenset()) -> list[Proposal]:
    """Every proposal with a score of at least ``min_score``, best first; ``skip``: ids already decided."""
    linked = {(lk.resource, lk.page) for lk in facts.links}
    linked |= {(lk.resource, facts.final(lk.page)) for lk in facts.links}
    export_pages = {iri: p for iri, p in facts.pages.items() if p.in_export and p.wiki}
    found: dict[tuple[str, str], Proposal] = {}

    def add(resource: str, page: str, score: float, evidence: str, reason: str) -> None:
        page, via = _follow(facts, page)
        if via:
            score *= VIA_REDIRECT
            reason += f"; {facts.pages[via].title!r} redirects to {facts.pages[page].title!r}"
        if (resource, page) in linked or score < min_score:
            return
        pid = proposal_id("link", resource, page)
        if pid in skip:
            return
        wiki = facts.pages[page].wiki
        old = found.get((resource, page))
        if old is None or old.score < score:
            found[(resource, page)] = Proposal(pid, "link", resource, page, wiki.name if wiki else "",
                                               round(score, 3), evidence, reason)

    by_title: dict[tuple[str, str], str] = {}
    for iri, p in export_pages.items():
        assert p.wiki is not None                   # export_pages keeps pages of a wiki only
        by_title[(p.wiki.name, p.title)] = iri
    # 1. identifiers
    for r in facts.resources.values():
        for oid in r.object_ids:
            named = by_title.get((GEMMA, f"GEMMA/id-{oid}"))
            if named:
                add(r.iri, named, 1.0, "object-id", f"Object ID {oid} names the page GEMMA/id-{oid}")
        for url in r.urls:
            ref = parse_page_iri(url, facts.wikis)
            if ref and ref.iri in export_pages:
                add(r.iri, ref.iri, 1.0, "model-url", f"the model's URL property names {url}")
        for nid in r.nora_ids:
            for iri, p in export_pages.items():
                if p.wiki is not None and p.wiki.name == NORA and any(nid in vals for vals in p.properties.values()):
                    add(r.iri, iri, 0.95, "nora-id", f"NORA ID {nid} is a property value of {p.title!r}")
    # 2. labels
    page_keys: dict[str, list[tuple[str, float, str]]] = defaultdict(list)
    for iri, p in export_pages.items():
        if p.title.startswith(("GEMMA/id-", "Category:", "Property:", "Categorie:")):
            continue
        page_keys[norm(p.title)].append((iri, 1.0, "title"))
        if "/" in p.title:
            page_keys[norm(p.title.rsplit("/", 1)[1])].append((iri, 0.85 / 0.9, "last part of the title"))
    candidates = [r for r in facts.resources.values() if any(t in WIKI_WORTHY for t in r.types)]
    hits: dict[str, list[tuple[str, str, float, str]]] = defaultdict(list)    # key -> (resource, page, score, why)
    for r in candidates:
        for labels, base, kind in ((r.labels, 0.9, "preferred label"), (r.alt_labels, 0.8, "alternative label")):
            for text, lang in labels:
                for page, factor, where in page_keys.get(norm(text), ()):
                    hits[norm(text)].append((r.iri, page, base * factor, f"{kind} {text!r}@{lang or '-'} = {where} "
                                                                        f"of {facts.pages[page].title!r}"))
    for items in hits.values():
        resources = {i[0] for i in items}
        pages = {i[1] for i in items}
        for resource, page, score, why in items:
            if len(resources) > 1 or len(pages) > 1:
                score *= AMBIGUOUS
                why += f" (ambiguous: {len(resources)} resources, {len(pages)} pages)"
            add(resource, page, score, "label", why)
    out = list(found.values())
    out += propose_pairs(facts, min_score=min_score, skip=skip)
    out.sort(key=lambda p: (-p.score, p.kind, p.subject, p.page))
    return out


def propose_pairs(facts: Facts, *, min_score: float = 0.5, skip: Set[str] = frozenset()) -> list[Proposal]:
    known = {(a, b) for a, b, _ in facts.pairs} | {(b, a) for a, b, _ in facts.pairs}
    found: dict[tuple[str, str], Proposal] = {}

    def add(a: str, b: str, score: float, relation: str, evidence: str, reason: str) -> None:
        wa, wb = facts.wiki_of(a), facts.wiki_of(b)
        if not wa or not wb or wa == wb:
            return
        if wa.name != GEMMA:       # GEMMA first, NORA second: one id per pair
            a, b, wa, wb = b, a, wb, wa
        if (a, b) in known or score < min_score:
            return
        pid = proposal_id("pair", a, b)
        if pid in skip:
            return
        old = found.get((a, b))
        if old is None or old.score < score:
            found[(a, b)] = Proposal(pid, "pair", a, b, wb.name, score, evidence, reason, relation=relation)

    by_resource: dict[str, set[str]] = defaultdict(set)
    for lk in facts.links:
        by_resource[lk.resource].add(facts.final(lk.page))
    for resource, pages in sorted(by_resource.items()):
        for a in sorted(pages):
            for b in sorted(pages):
                if a < b:
                    label = facts.resources[resource].label() if resource in facts.resources else resource
                    add(a, b, 0.6, "closeMatch", "shared-resource", f"both pages are linked from {label!r}")
    exported = {iri: p for iri, p in facts.pages.items() if p.in_export}
    for iri, p in exported.items():
        for name, values in p.properties.items():
            for v in values:
                ref = parse_page_iri(v, facts.wikis)
                if ref and ref.iri in facts.pages and ref.wiki != p.wiki:
                    add(iri, ref.iri, 0.9, "exactMatch", "page-property", f"property {name!r} of {p.title!r} is {v}")
    last: dict[str, list[str]] = defaultdict(list)
    for iri, p in exported.items():
        if not p.title.startswith("GEMMA/id-") and not p.redirect_to:
            last[norm(p.title.rsplit("/", 1)[-1])].append(iri)
    for same in last.values():
        for a in same:
            for b in same:
                if a < b:
                    add(a, b, 0.7, "closeMatch", "same-title",
                        f"{facts.pages[a].title!r} and {facts.pages[b].title!r} have the same title")
    return list(found.values())
