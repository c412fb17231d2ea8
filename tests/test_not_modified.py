"""The 304 fast path (issue 15, item 3): a repeat of a request answered 304 gets the same 304 without
Flask, as long as the generation is the same; anything that changes the answer goes to the app."""
from __future__ import annotations

from urllib.parse import quote

from ketengraaf.loading import load
from ketengraaf.web.notmodified import NotModified

from conftest import make_app_client

A = '<https://w3id.org/ketengraaf/id/x/a> <http://www.w3.org/2004/02/skos/core#prefLabel> "a"@nl .\n'
B = '<https://w3id.org/ketengraaf/id/x/b> <http://www.w3.org/2004/02/skos/core#prefLabel> "b"@nl .\n'
QUERY = "/sparql?query=" + quote("SELECT ?o WHERE { <https://w3id.org/ketengraaf/id/x/a> ?p ?o }")


def _fast(client) -> NotModified:
    return client.application.wsgi_app


def _headers(resp) -> dict:
    return {k: v for k, v in resp.headers.items() if k.lower() not in ("date", "content-length")}


def test_a_repeated_304_is_replayed_with_the_same_headers(tmp_path):
    src = tmp_path / "data.nt"
    src.write_text(A)
    store = tmp_path / "store"
    load(store, [src])
    client = make_app_client(store, load_on_start=False, query_workers=1)
    try:
        for path, accept in ((QUERY, "text/csv"), ("/id/x/a", "text/html")):
            first = client.get(path, headers={"Accept": accept})
            assert first.status_code == 200
            tag = first.headers["ETag"]
            slow = client.get(path, headers={"Accept": accept, "If-None-Match": tag})
            assert slow.status_code == 304
            before = _fast(client).replayed
            fast = client.get(path, headers={"Accept": accept, "If-None-Match": f'W/"x", {tag}'})
            assert fast.status_code == 304 and fast.data == b""
            assert _fast(client).replayed == before + 1
            assert _headers(fast) == _headers(slow)
            # another representation, or a validator the client does not hold: the app answers
            other = client.get(path, headers={"Accept": "application/json", "If-None-Match": tag})
            assert other.status_code in (200, 406) and _fast(client).replayed == before + 1
            stale = client.get(path, headers={"Accept": accept, "If-None-Match": '"old"'})
            assert stale.status_code == 200 and _fast(client).replayed == before + 1

        # a new generation: the old ETag no longer matches, and nothing recorded for the old one is replayed
        tag = client.get(QUERY, headers={"Accept": "text/csv"}).headers["ETag"]
        src.write_text(A + B)
        load(store, [src])
        assert client.application.extensions["ketengraaf.store"].wait_current(30)
        before = _fast(client).replayed
        again = client.get(QUERY, headers={"Accept": "text/csv", "If-None-Match": tag})
        assert again.status_code == 200 and again.headers["ETag"] != tag
        assert _fast(client).replayed == before
    finally:
        client.application.extensions["ketengraaf.sparql"].close()
