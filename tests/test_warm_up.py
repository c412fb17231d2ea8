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
