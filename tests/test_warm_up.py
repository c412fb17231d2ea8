"""`ketengraaf serve` builds what the first pages need before it takes requests (issue 15: at 1M
triples the first chain page after a start took 35 s, building the wiki facts)."""
from __future__ import annotations

from conftest import make_app
from ketengraaf.web import snapshot as snapshots
from ketengraaf.web import warm_up

HTML = {"Accept": "text/html"}


def _built(app) -> set[str]:
    with app.test_request_context("/"):
        return set(snapshots.snapshot().builders)


def test_after_warm_up_the_first_pages_build_nothing(catalogue_dir):
    app = make_app(catalogue_dir)
    warm_up(app)
    built = _built(app)
    assert {"chains", "search-index", "suggestion-keys", "wiki.facts", "label-langs"} <= built
    client = app.test_client()
    pages = (("/id/keten/vth", 200), ("/id/keten/bestaat-niet", 404), ("/search?q=vergunning", 200),
             ("/api/search?q=verg", 200), ("/?lang=en", 200))
    for path, status in pages:
        assert client.get(path, headers=HTML).status_code == status, path
    assert _built(app) == built           # a new structure built by a page would show up here


def test_the_page_indexes_hold_one_string_per_iri(catalogue_dir):
    """pyoxigraph makes a new str on every read; the indexes of a generation keep its one copy of each IRI
    (``Snapshot.strings``). At 1M triples the web process went from 909 to 455 MB resident when they did."""
    app = make_app(catalogue_dir)
    warm_up(app)
    with app.test_request_context("/"):
        snap = snapshots.snapshot()
        search = snap.extra("search-index", None)
        facts = snap.extra("wiki.facts", None)
        keys = snap.extra("suggestion-keys", None)
        held = {
            "subjects": list(snap.subjects),
            "types": [s for s in snap.types] + [t for ts in snap.types.values() for t in ts],
            "labels": list(snap.labels.labels) + list(snap.labels.definitions),
            "search entries": search.labels.iris + search.defs.iris,
            "chains of": list(search.chains_of) + [c for cs in search.chains_of.values() for c in cs],
            "wiki owners": list(search.wiki_owners) + [o for os in search.wiki_owners.values() for o in os],
            "suggestions": [i for v in keys.values() for i in ((v,) if isinstance(v, str) else v)],
            "wiki resources": [r.iri for r in facts.resources.values()]
                              + [t for r in facts.resources.values() for t in r.types],
        }
    for where, strings in held.items():
        assert len(strings) > 20, where                 # each index holds IRIs of this catalogue
        copies = [s for s in strings if snap.strings.get(s) is not s]
        assert not copies, f"{where}: {len(copies)} IRIs held as their own copy, e.g. {copies[:3]}"
