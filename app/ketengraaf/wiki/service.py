"""The wiki work the CLI and the web app share: settings -> wikis, facts, import, match, export."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from ..labels import LabelIndex
from ..settings import Settings
from ..sources import display_path
from ..store import Store
from . import review
from .catalog import Facts, SourceStore, read_facts
from .match import Proposal, propose
from .smw import Export, read_export, to_turtle
from .titles import Wiki, parse_wikis, wiki_by_name
from .wikitext import Row, page_wikitext


def wikis(settings: Settings) -> tuple[Wiki, ...]:
    try:
        return parse_wikis(getattr(settings, "wikis", ""))
    except ValueError as exc:
        raise ConfigError(f"setting wikis: {exc}") from None


def source_store(settings: Settings) -> SourceStore:
    """The catalogue's files as they are now (not the loaded generation): what the CLI works on."""
    return SourceStore(settings.sources, settings.catalogue.root)


def facts(settings: Settings, store: Store | None = None) -> Facts:
    return read_facts(store or source_store(settings), wikis(settings))


def import_export(settings: Settings, path: str, wiki_name: str, *, out: str | None = None,
                  source_url: str | None = None, note: str | None = None) -> tuple[Export, Path]:
    """Read the SMW export at ``path`` and write ``data/wiki/<wiki>.ttl`` (or ``out``)."""
    wiki = wiki_by_name(wikis(settings), wiki_name)
    export = read_export(path, wiki)
    target = Path(out) if out else settings.catalogue.data_dir / "wiki" / f"{wiki.name}.ttl"
    target.parent.mkdir(parents=True, exist_ok=True)
    shown = display_path(Path(path), settings.catalogue.root)
    if Path(shown).is_absolute():          # outside the catalogue: no local paths in published data
        shown = Path(path).name
    target.write_text(to_turtle(export, source_url=source_url, note=note, shown_source=shown), encoding="utf-8")
    return export, target


def match(settings: Settings, store: Store | None = None, *, write: bool = True) -> list[Proposal]:
    """Propose links, keep earlier decisions, write ``data/wiki/proposals.json``; the open proposals."""
    root = settings.catalogue.root
    old = review.load_proposals(root)
    decided = {p.id for p in old if p.status != "proposed"}
    new = propose(facts(settings, store), min_score=settings.wiki_match_min_score, skip=decided)
    if write:
        review.save_proposals(root, review.merge(old, new))
    return new


def decide(settings: Settings, pid: str, status: str) -> Proposal:
    return review.decide(settings.catalogue.root, pid, status, facts(settings))


@dataclass
class Described:
    iri: str
    label: str
    types: list[tuple[str, str]]       # (type IRI, label)


def describe(labels: LabelIndex, fx: Facts, resources: list[str], lang: str) -> list[Described]:
    out = []
    for iri in resources:
        r = fx.resources.get(iri)
        types = r.types if r else []
        out.append(Described(iri, labels.label(iri, lang), [(t, labels.label(t, lang)) for t in types]))
    return out


def wikitext_pages(store: Store, fx: Facts, wiki_name: str, lang: str = "nl") -> dict[str, str]:
    """Title -> wikitext, for every page of ``wiki_name`` that catalogue resources link to."""
    wiki = wiki_by_name(fx.wikis, wiki_name)
    labels = LabelIndex(store)
    out: dict[str, str] = {}
    for iri, page in sorted(fx.pages.items(), key=lambda kv: kv[1].title):
        if page.wiki != wiki:
            continue
        resources = fx.resources_of(iri)
        if not resources:
            continue
        rows = [Row(d.iri, d.label, tuple(t[1] for t in d.types)) for d in describe(labels, fx, resources, lang)]
        out[page.title] = page_wikitext(page.title, rows, lang)
    return out
