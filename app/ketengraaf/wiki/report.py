"""The link report, the status of one link, and what the gadget API answers.

A link's flags (none: fine):

- ``broken``: the wiki's export is loaded and does not contain the page;
- ``redirect``: the page is a redirect (the report names the target);
- ``outdated``: the page's status is "mogelijk verouderd";
- ``stale``: not modified for more than ``wiki_stale_days`` days;
- ``unchecked``: no export of that wiki is loaded, so nothing is known about the page.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from datetime import date

from .catalog import WIKI_WORTHY, Facts, Link
from .smw import OUTDATED, is_stale
from .titles import normalize_title, page_iri, wiki_by_name


@dataclass
class LinkStatus:
    resource: str
    label: str
    page: str
    title: str
    wiki: str                     # name
    wiki_label: str
    origin: str
    flags: list[str] = field(default_factory=list)
    status: str | None = None     # concept IRI
    modified: str | None = None
    redirect_to: str | None = None

    @property
    def ok(self) -> bool:
        return not self.flags or self.flags == ["unchecked"]


def link_status(facts: Facts, link: Link, stale_days: int, today: date | None = None) -> LinkStatus:
    page = facts.pages.get(link.page)
    wiki = page.wiki if page else None
    res = facts.resources.get(link.resource)
    st = LinkStatus(link.resource, res.label() if res else link.resource, link.page,
                    page.title if page else link.page, wiki.name if wiki else "", wiki.display if wiki else "",
                    link.origin)
    if page is None:
        return st
    st.status, st.modified = page.status, page.modified
    if not facts.has_export(wiki):
        st.flags.append("unchecked")
    elif not page.in_export:
        st.flags.append("broken")
    if page.redirect_to:
        st.flags.append("redirect")
        st.redirect_to = facts.final(link.page)
    if page.status == OUTDATED:
        st.flags.append("outdated")
    if is_stale(page.modified, stale_days, today):
        st.flags.append("stale")
    return st


def statuses(facts: Facts, stale_days: int, today: date | None = None) -> list[LinkStatus]:
    seen, out = set(), []
    for link in facts.links:
        if (link.resource, link.page) in seen:
            continue
        seen.add((link.resource, link.page))
        out.append(link_status(facts, link, stale_days, today))
    return out


def for_resource(facts: Facts, resource: str, stale_days: int, today: date | None = None) -> list[LinkStatus]:
    """The links of one resource for its page: one per page, the hand-made origin first."""
    links = sorted(facts.links_of(resource), key=lambda lk: ["hand", "accepted", "import", "data"].index(lk.origin))
    seen, out = set(), []
    for link in links:
        if link.page not in seen:
            seen.add(link.page)
            out.append(link_status(facts, link, stale_days, today))
    return out


def build_report(facts: Facts, stale_days: int, today: date | None = None) -> dict:
    links = statuses(facts, stale_days, today)
    by_wiki: dict[str, list[dict]] = {}
    for st in sorted(links, key=lambda s: (s.wiki, s.title, s.label)):
        by_wiki.setdefault(st.wiki or "other", []).append(asdict(st))
    linked = {lk.resource for lk in facts.links}
    without = sorted((r.iri for r in facts.resources.values()
                      if r.iri not in linked and any(t in WIKI_WORTHY for t in r.types)),
                     key=lambda i: facts.resources[i].label().casefold())
    flagged = {flag: sorted({(s.page, s.title) for s in links if flag in s.flags}) for flag in
               ("broken", "redirect", "outdated", "stale")}
    return {
        "exports": facts.exports,
        "counts": {"links": len(links), **{f"links_{w}": len(v) for w, v in by_wiki.items()},
                   "resources_without_page": len(without), **{k: len(v) for k, v in flagged.items()},
                   "pairs": len(facts.pairs)},
        "links": by_wiki,
        "without_page": [{"resource": i, "label": facts.resources[i].label()} for i in without],
        "flagged": {k: [{"page": p, "title": t} for p, t in v] for k, v in flagged.items()},
        "pairs": [{"gemma": a, "nora": b, "relation": rel, "gemma_title": facts.pages[a].title,
                   "nora_title": facts.pages[b].title} for a, b, rel in facts.pairs
                  if (a_wiki := facts.pages[a].wiki) and a_wiki.name == "gemma"],
    }


def render(report: dict, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report, ensure_ascii=False, indent=1) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["section", "wiki", "resource", "label", "page", "title", "origin", "flags", "modified", "status"])
        for wiki, rows in report["links"].items():
            for r in rows:
                w.writerow(["link", wiki, r["resource"], r["label"], r["page"], r["title"], r["origin"],
                            " ".join(r["flags"]), r["modified"] or "", r["status"] or ""])
        for r in report["without_page"]:
            w.writerow(["without_page", "", r["resource"], r["label"], "", "", "", "", "", ""])
        for p in report["pairs"]:
            w.writerow(["pair", "gemma nora", "", p["relation"], p["gemma"], p["nora"], "", "", "", ""])
        return buf.getvalue()
    if fmt != "text":
        raise ValueError(f"unknown format {fmt!r}: text, csv or json")
    c = report["counts"]
    out = ["Wiki links", "==========", ""]
    for name, info in sorted(report["exports"].items()):
        out.append(f"export {name}: {info.get('source')} (exported {info.get('created') or 'unknown'})")
    if not report["exports"]:
        out.append("no wiki export loaded (`ketengraaf wiki import`): links are unchecked")
    out.append("")
    for wiki, rows in report["links"].items():
        out.append(f"{wiki}: {len(rows)} link(s)")
        for r in rows:
            flags = f"  [{', '.join(r['flags'])}]" if r["flags"] else ""
            out.append(f"  {r['title']}  <-  {r['label']} ({r['origin']}){flags}")
        out.append("")
    for flag in ("broken", "redirect", "outdated", "stale"):
        out.append(f"{flag}: {c[flag]}")
        for p in report["flagged"][flag]:
            out.append(f"  {p['title']}  {p['page']}")
    out.append("")
    out.append(f"resources without a wiki page: {c['resources_without_page']}")
    for r in report["without_page"]:
        out.append(f"  {r['label']}  {r['resource']}")
    out.append("")
    out.append(f"NORA/GEMMA pairs: {len(report['pairs'])}")
    for p in report["pairs"]:
        out.append(f"  {p['gemma_title']}  {p['relation']}  {p['nora_title']}")
    return "\n".join(out) + "\n"


def resources_for_title(facts: Facts, wiki_name: str, title: str) -> tuple[str, list[str]]:
    """(page IRI, resources about it): linked to the page, to its redirect target, or to pages
    redirecting to it."""
    wiki = wiki_by_name(facts.wikis, wiki_name)
    page = page_iri(wiki, normalize_title(title))
    target = facts.final(page)
    about = {page, target} | {iri for iri, p in facts.pages.items() if p.redirect_to in (page, target)}
    resources = [lk.resource for lk in facts.links if lk.page in about]
    return page, list(dict.fromkeys(resources))
