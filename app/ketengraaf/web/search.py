"""Search over labels, alternative labels and definitions, both languages; HTML and JSON.

One in-memory index per store generation: every text normalised (accents
stripped, case folded, punctuation to spaces) and joined into one string per
kind, so a query is a handful of C-speed ``str.find`` calls plus a bisect, not
a SPARQL ``CONTAINS`` per keystroke. Ranking tiers: exact label (0), label
prefix (1), a word of the label starts with every query word (2), the label
contains the query (3), the definition contains every query word (4);
alternative labels rank just below labels of the same tier.
"""
from __future__ import annotations

import bisect
import heapq
import re
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, render_template, request, url_for

from ..diagrams import list_chains
from ..errors import InputError
from ..namespaces import KETEN, RDFS
from .http import HTML, conditional, cors
from .i18n import reader_lang
from .snapshot import Snapshot, snapshot
from .urls import local_url, public_base

bp = Blueprint("search", __name__)

MAX_LIMIT = 100
PAGE_SIZE = 20
K = str(KETEN)
WIKI_PAGE = K + "WikiPagina"
_SPACE = re.compile(r"[^\w]+")


def normalize(text: str) -> str:
    if text.isascii():              # nothing to decompose or strip: the common case, ten times faster
        return " ".join(_SPACE.sub(" ", text.casefold()).split())
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_SPACE.sub(" ", stripped.casefold()).split())


class _Blob:
    """Texts joined by newlines; find every text containing a needle fast.

    Entry ``k`` is (IRI, normalised text, is_alt); its text is kept once, in the blob, and the rest in
    flat arrays (at 1M triples a tuple and a string per entry cost more than the blob itself).
    """

    def __init__(self, entries: Iterable[tuple[str, str, bool]]):
        self.iris: list[str] = []
        self.alt = bytearray()
        self.starts = array("q")
        texts = []
        pos = 0
        for iri, text, alt in entries:
            self.iris.append(iri)
            self.alt.append(alt)
            self.starts.append(pos)
            texts.append(text)
            pos += len(text) + 1
        self.blob = "\n".join(texts)

    def __len__(self) -> int:
        return len(self.iris)

    def entry(self, k: int) -> tuple[str, str, bool]:
        end = self.starts[k + 1] - 1 if k + 1 < len(self.starts) else len(self.blob)
        return self.iris[k], self.blob[self.starts[k]:end], bool(self.alt[k])

    def containing(self, needle: str) -> set[int]:
        hits: set[int] = set()
        i = self.blob.find(needle)
        while i != -1:
            k = bisect.bisect_right(self.starts, i) - 1
            hits.add(k)
            nxt = self.starts[k + 1] if k + 1 < len(self.starts) else len(self.blob)
            i = self.blob.find(needle, max(i + 1, nxt))
        return hits


class SearchIndex:
    def __init__(self, snap: Snapshot):
        self.snap = snap
        labels = snap.labels
        share = snap.strings.setdefault

        def label_entries() -> Iterator[tuple[str, str, bool]]:
            for iri in labels.labels.keys() | labels.alt.keys():
                seen = set()
                for text in labels.labels.get(iri, {}).values():
                    n = normalize(text)
                    if n and n not in seen:
                        seen.add(n)
                        yield iri, n, False
                for text, _lang in labels.alt.get(iri, []):
                    n = normalize(text)
                    if n and n not in seen:
                        seen.add(n)
                        yield iri, n, True

        def def_entries() -> Iterator[tuple[str, str, bool]]:
            for iri, per_lang in labels.definitions.items():
                for text in per_lang.values():
                    n = normalize(text)
                    if n:
                        yield iri, n, False

        self.labels = _Blob(label_entries())
        self.defs = _Blob(def_entries())
        self.subclasses = _subclass_closure(snap)
        owners: dict[str, set[str]] = {}
        for q in snap.store.quads(None, ox.NamedNode(K + "wikiPagina"), None, None):
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
                page, owner = q.object.value, q.subject.value
                owners.setdefault(share(page, page), set()).add(share(owner, owner))
        self.wiki_owners: dict[str, frozenset[str]] = {page: frozenset(o) for page, o in owners.items()}
        self.chains_of = _chains_of(snap)

    def most_specific(self, types: list[str]) -> list[str]:
        """``types`` without those that are a superclass of another one listed (the inferred
        ``keten:Keten`` beside ``keten:Estafetteketen`` says nothing more on a hit)."""
        return [t for t in types if not any(u != t and u in self.subclasses.get(t, ()) for u in types)]

    def search(self, q: str, *, types: Sequence[str] = (), limit: int = 20, offset: int = 0
               ) -> tuple[list[dict], int, dict]:
        """(hits ``offset`` to ``offset + limit``, total hits, {type IRI: hits}) for query ``q``; one hit per
        resource: a wiki page is left out when the resource it describes is a hit too."""
        nq = normalize(q)
        if not nq:
            return [], 0, {}
        words = nq.split()
        longest = max(words, key=len)
        best: dict[str, tuple[float, str]] = {}
        for k in self.labels.containing(longest):
            iri, text, alt = self.labels.entry(k)
            if not all(w in text for w in words):
                continue
            tier = _tier(text, nq, words) + (0.5 if alt else 0)
            if iri not in best or tier < best[iri][0]:
                best[iri] = (tier, text)
        for k in self.defs.containing(longest):
            iri, text, _ = self.defs.entry(k)
            if iri not in best and all(w in text for w in words):
                best[iri] = (4, text)
        for iri in [i for i in best if WIKI_PAGE in self.snap.types.get(i, [])]:
            if self.wiki_owners.get(iri, frozenset()) & best.keys():
                del best[iri]
        wanted = set()
        for t in types:
            wanted |= self.subclasses.get(t, {t})
        facets: dict[str, int] = {}
        hits = []
        for iri, (tier, _text) in best.items():
            its = self.snap.types.get(iri, [])
            for t in its:
                facets[t] = facets.get(t, 0) + 1
            if wanted and not wanted.intersection(its):
                continue
            hits.append((tier, iri))
        lang = reader_lang()
        labels = self.snap.labels
        out = []
        for tier, iri in _window(hits, offset + limit, lambda iri: labels.label(iri, lang))[offset:]:
            d = labels.definition(iri, lang)
            out.append({"iri": iri, "label": labels.label(iri, lang), "href": local_url(iri),
                        "types": [{"iri": t, "label": labels.label(t, lang)}
                                  for t in self.most_specific(self.snap.types.get(iri, []))],
                        "chains": sorted(({"iri": c, "label": labels.label(c, lang), "href": local_url(c)}
                                          for c in self.chains_of.get(iri, ()) if c != iri),
                                         key=lambda c: c["label"].casefold()),
                        "definition": d[0] if d else None, "rank": _TIER_NAMES[int(tier)]})
        return out, len(hits), facets


_TIER_NAMES = ("exact", "prefix", "word", "contains", "definition")


def _window(hits: list[tuple[float, str]], need: int, label: Callable[[str], str]) -> list[tuple[float, str]]:
    """The first ``need`` of ``hits`` (tier, IRI) in ranking order: tier, then a shorter label, then the
    label without case, then the IRI. Labels are looked up only for the tiers that reach the window (a
    common word at 1M triples has 17,000 hits, most of them in tiers no page of 20 gets to)."""
    by_tier: dict[float, list[str]] = {}
    for tier, iri in hits:
        by_tier.setdefault(tier, []).append(iri)
    ordered: list[tuple[float, str]] = []
    for tier in sorted(by_tier):
        left = need - len(ordered)
        if left <= 0:
            break
        keyed = []
        for iri in by_tier[tier]:
            text = label(iri)
            keyed.append((len(text), text.casefold(), iri))
        first = heapq.nsmallest(left, keyed) if left < len(keyed) else sorted(keyed)
        ordered += [(tier, iri) for _, _, iri in first]
    return ordered


def _tier(text: str, nq: str, words: list[str]) -> int:
    if text == nq:
        return 0
    if text.startswith(nq):
        return 1
    tokens = text.split()
    if all(any(tok.startswith(w) for tok in tokens) for w in words):
        return 2
    return 3


def _chains_of(snap: Snapshot) -> dict[str, tuple[str, ...]]:
    """Resource -> the chains it belongs to: their processes (down the sub-processes), goals and
    participations. One tuple per resource (most are in one chain): a set each cost four times as much."""
    known = list_chains(snap.store)       # not chain.chains(): this runs inside snap.extra's lock
    if not known:
        return {}
    share = snap.strings.setdefault
    out: dict[str, tuple[str, ...]] = {}
    for r in snap.store.rows(f"""
        SELECT DISTINCT ?x ?c WHERE {{ VALUES ?c {{ {' '.join(f'<{c}>' for c in known)} }}
          {{ ?c <{K}heeftProces>|<{K}hoofdproces> ?top . ?top <{K}heeftDeelproces>* ?x }}
          UNION {{ ?c <{K}heeftDoel> ?x }} UNION {{ ?x <{K}keten> ?c }} }}"""):
        if isinstance(r["x"], ox.NamedNode):
            x, c = r["x"].value, r["c"].value
            now = out.get(x, ())
            if c not in now:
                out[share(x, x)] = (*now, share(c, c))
    return out


def _subclass_closure(snap: Snapshot) -> dict[str, set[str]]:
    direct: dict[str, set[str]] = {}
    for q in snap.store.quads(None, ox.NamedNode(str(RDFS.subClassOf)), None, None):
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
            direct.setdefault(q.object.value, set()).add(q.subject.value)
    closure: dict[str, set[str]] = {}
    for cls in direct:
        seen, stack = {cls}, [cls]
        while stack:
            for sub in direct.get(stack.pop(), ()):
                if sub not in seen:
                    seen.add(sub)
                    stack.append(sub)
        closure[cls] = seen
    return closure


def index(snap: Snapshot | None = None) -> SearchIndex:
    return (snap or snapshot()).extra("search-index", SearchIndex)


SUGGEST_PER_KEY = 8


def _suggestion_keys(snap: Snapshot) -> dict[str, str | tuple[str, ...]]:
    """Once per generation: key -> up to :data:`SUGGEST_PER_KEY` IRIs (one IRI as itself, more as a tuple:
    most keys name one resource, and at 1M triples there are hundreds of thousands). Keys: each ``/id/``
    path's last segment, normalised and as its sorted letters (catches swapped letters: ``vht`` finds
    ``vth``), and every label normalised, whole and word by word (words of 3 letters or more)."""
    keys: dict[str, str | tuple[str, ...]] = {}

    def add(key: str, iri: str) -> None:
        found = keys.get(key)
        if found is None:
            keys[key] = iri
        elif isinstance(found, str):
            if found != iri:
                keys[key] = (found, iri)
        elif len(found) < SUGGEST_PER_KEY and iri not in found:
            keys[key] = (*found, iri)

    prefix = public_base() + "id/"          # id_path(), without a settings look-up per IRI
    for iri in snap.subjects:
        if iri.startswith(prefix) and len(iri) > len(prefix) and "#" not in iri and "?" not in iri:
            tail = normalize(iri.rsplit("/", 1)[-1])
            if tail:
                add(tail, iri)
                add("\0" + "".join(sorted(tail)), iri)
    labels = snap.labels
    for iri, per_lang in labels.labels.items():
        for text in per_lang.values():
            n = normalize(text)
            add(n, iri)
            for w in n.split():
                if len(w) >= 3:
                    add(w, iri)
    return keys


def suggestions(iri_or_path: str, limit: int = 8) -> list[dict]:
    """Close matches for something that was not found, from keys built once per generation: a handful
    of dictionary look-ups, whatever the store's size (a 404 used to run difflib over every IRI)."""
    snap = snapshot()
    tail = normalize(re.split(r"[/#=?]", iri_or_path.rstrip("/"))[-1][:200])
    if not tail:
        return []
    keys = snap.extra("suggestion-keys", _suggestion_keys)
    words = sorted({w for w in tail.split() if len(w) >= 3}, key=len, reverse=True)[:3]
    found: list[str] = []
    for key in [tail, "\0" + "".join(sorted(tail)), *words]:
        got = keys.get(key, ())
        found += [iri for iri in ((got,) if isinstance(got, str) else got) if iri not in found]
    lang = reader_lang()
    return [{"iri": iri, "label": snap.labels.label(iri, lang), "href": local_url(iri)} for iri in found[:limit]]


def _page() -> int:
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        raise InputError("parameter page: not a number") from None
    if page < 1:
        raise InputError("parameter page: must be 1 or more")
    return page


def _params() -> tuple[str, list[str], int]:
    q = request.args.get("q", "")
    if len(q) > 200:
        raise InputError("parameter q: longer than 200 characters")
    try:
        limit = int(request.args.get("limit", "20"))
    except ValueError:
        raise InputError("parameter limit: not a number") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"parameter limit: must be between 1 and {MAX_LIMIT}")
    return q, [t for t in request.args.getlist("type") if t], limit


@bp.get("/api/search")
def api_search():
    q, types, limit = _params()

    def make():
        hits, total, _ = index().search(q, types=types, limit=limit)
        return cors(jsonify(query=q, total=total, results=hits))
    return conditional("json", make, vary=("Accept-Language", "Cookie"))


@bp.get("/search")
def search_page():
    q, types, _ = _params()
    page = _page()

    def make():
        hits, total, facets = (index().search(q, types=types, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
                               if q else ([], 0, {}))
        pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
        lang = reader_lang()
        labels = snapshot().labels
        facet_list = sorted(((t, labels.label(t, lang), n) for t, n in facets.items()), key=lambda f: (-f[2], f[1]))
        link = lambda n: url_for("search.search_page", q=q, type=types, page=n)  # noqa: E731
        return Response(render_template("search.html", q=q, hits=hits, total=total, facets=facet_list[:20],
                                        types=types, page=page, pages=pages, first=(page - 1) * PAGE_SIZE + 1,
                                        prev=link(page - 1) if page > 1 else None,
                                        next=link(page + 1) if page < pages else None), mimetype="text/html")
    return conditional(HTML, make)
