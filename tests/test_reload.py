"""A running app follows a reload: new generation, same answers path, no restart needed."""
from __future__ import annotations

from ketengraaf.loading import load

from conftest import make_app_client

A = '<https://w3id.org/ketengraaf/id/x/a> <http://www.w3.org/2004/02/skos/core#prefLabel> "a"@nl .\n'
B = '<https://w3id.org/ketengraaf/id/x/b> <http://www.w3.org/2004/02/skos/core#prefLabel> "b"@nl .\n'
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def test_running_app_serves_the_new_generation_after_a_load(tmp_path):
    src = tmp_path / "data.nt"
    src.write_text(A)
    store = tmp_path / "store"
    first, _ = load(store, [src])
    client = make_app_client(store, load_on_start=False, query_workers=1)
    try:
        assert client.get("/healthz").json["generation"] == first.id
        ask = {"query": COUNT}, {"Accept": "text/csv"}
        assert client.get("/sparql", query_string=ask[0], headers=ask[1]).data.decode().split() == ["n", "1"]
        src.write_text(A + B)
        second, changed = load(store, [src])
        assert changed and second.id != first.id
        # the app switches in the background, once the new generation's indexes are built and the
        # workers have it open; until then it answers from the old one (issue 15)
        assert client.get("/healthz").json["generation"] in (first.id, second.id)
        assert client.application.extensions["ketengraaf.store"].wait_current(30)
        assert client.get("/healthz").json["generation"] == second.id
        # the pages' indexes were built before the switch, and the old generation's are gone
        from ketengraaf.web import snapshot as snapshots
        mine = [k for k in snapshots._snapshots if k.startswith(f"{store}\0")]
        assert mine == [f"{store}\0{second.id}"]
        # the query workers reopen the new generation; the answer cache is keyed by version
        assert client.get("/sparql", query_string=ask[0], headers=ask[1]).data.decode().split() == ["n", "2"]
        page = client.get("/id/x/b", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "b" in page.data.decode()
    finally:
        client.application.extensions["ketengraaf.sparql"].close()
