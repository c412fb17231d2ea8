"""The history of writes in the browser: the change list, one change (HTML and PROV-O), the feeds, a resource's
changes and the home page's "recently changed", after two real writes through the Graph Store Protocol on a copy
of the shipped catalogue. Expected values are written out by hand."""
from __future__ import annotations

import json
import re
import threading
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pyoxigraph as ox
import pytest

from conftest import writable_copy
from web_helpers import HTML, ID

TOKEN = "redactie-0123456789abcdef"
G = "https://w3id.org/ketengraaf/graph/proef"
VTH, TOEZICHT = ID + "keten/vth", ID + "proces/vth-toezicht"
VTH_LABEL = "Vergunningverlening, toezicht en handhaving (VTH)"
PROV = "http://www.w3.org/ns/prov#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
ATOM = "{http://www.w3.org/2005/Atom}"
AUTH = {"Authorization": "Bearer " + TOKEN, "Content-Type": "text/turtle"}
FIRST = f'<{VTH}> <http://www.w3.org/2000/01/rdf-schema#comment> "Eerste versie"@nl .'
SECOND = (f'<{VTH}> <http://www.w3.org/2000/01/rdf-schema#comment> "Tweede versie"@nl .\n'
          f'<{TOEZICHT}> <http://www.w3.org/2000/01/rdf-schema#seeAlso> <{VTH}> .')


@pytest.fixture(scope="module")
def written(catalogue_dir, tmp_path_factory):
    """(client, [id of the first write, id of the second], the day they were made): a POST that makes the graph
    G with one triple, then a PUT that replaces it with two."""
    client = writable_copy(catalogue_dir, tmp_path_factory.mktemp("history") / "store",
                           write_tokens=f"redactie:{TOKEN}:https://w3id.org/ketengraaf/graph/*")
    day = datetime.now(UTC).date().isoformat()
    assert client.post("/graph-store?graph=" + G, data=FIRST, headers=AUTH).status_code == 201
    assert client.put("/graph-store?graph=" + G, data=SECOND, headers=AUTH).status_code == 204
    # a write refused before anything is done (no token): not in the history
    assert client.put("/graph-store?graph=" + G, data=FIRST, headers={"Content-Type": "text/turtle"}).status_code == 401
    feed = client.get("/wijzigingen.json").get_json()
    ids = [item["id"].rsplit("/", 1)[1] for item in reversed(feed["items"])]
    return client, ids, day


def _change_links(html: str) -> list[str]:
    return re.findall(r'<a href="/wijzigingen/([^"?]+)">', html)


def test_change_list_newest_first_with_who_what_and_counts(written):
    client, (first, second), day = written
    r = client.get("/wijzigingen", headers=HTML)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert _change_links(html) == [second, first]
    items = re.findall(r"<li>(.*?)</li>", html.split('<ol class="changes">')[1], re.S)
    assert len(items) == 2
    assert f"Graph Store PUT &lt;{G}&gt;" in items[0] and "door redactie" in items[0]
    assert ">+2</span>" in items[0] and ">−1</span>" in items[0] and f"<code>{G}</code>" in items[0]
    assert f"Graph Store POST &lt;{G}&gt;" in items[1] and ">+1</span>" in items[1] and ">−0</span>" in items[1]
    assert f'<time datetime="{day}' in items[0]
    # the feeds are announced to feed readers
    assert '<link rel="alternate" type="application/atom+xml" href="/wijzigingen.atom"' in html
    assert '<link rel="alternate" type="application/feed+json" href="/wijzigingen.json"' in html
    assert client.get("/wijzigingen?page=2", headers=HTML).status_code == 404
    assert client.get("/wijzigingen?page=x", headers=HTML).status_code == 400


def _rows(html: str, section: str) -> list[tuple[str, ...]]:
    part = html.split(f'id="{section}-h"')[1].split("</section>")[0]
    rows = re.findall(r"<tr><td.*?</tr>", part, re.S)
    return [tuple(re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S))
            for row in rows]


def test_change_page_shows_exactly_the_triples_added_and_removed(written):
    client, (first, second), _ = written
    r = client.get(f"/wijzigingen/{second}", headers=HTML)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert _rows(html, "added") == [
        (VTH_LABEL, "omschrijving", "Tweede versie nl", G),
        ("Toezicht", "zie ook", VTH_LABEL, G),
    ]
    assert _rows(html, "removed") == [(VTH_LABEL, "omschrijving", "Eerste versie nl", G)]
    assert "<dd>redactie</dd>" in html
    assert '<a href="/id/keten/vth" title="https://w3id.org/ketengraaf/id/keten/vth">' in html
    assert _rows(client.get(f"/wijzigingen/{first}", headers=HTML).get_data(as_text=True), "added") == [
        (VTH_LABEL, "omschrijving", "Eerste versie nl", G)]
    assert client.get("/wijzigingen/20000101T000000000000-00000000", headers=HTML).status_code == 404


def test_change_as_prov_o_by_accept(written):
    client, (_, second), _ = written
    iri = "https://w3id.org/ketengraaf/wijzigingen/" + second
    act = ox.NamedNode(iri)
    r = client.get(f"/wijzigingen/{second}", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(r.data, format=ox.RdfFormat.TURTLE)}
    objects = lambda p: {t.object for t in triples if t.subject == act and t.predicate.value == PROV + p}  # noqa: E731
    assert objects("used") == {ox.NamedNode(G)}
    assert objects("wasAssociatedWith") == {ox.NamedNode("https://w3id.org/ketengraaf/id/agent/redactie")}
    assert ox.Triple(act, ox.NamedNode(RDF + "type"), ox.NamedNode(PROV + "Activity")) in triples

    def statements(p):
        out = set()
        for st in objects(p):
            v = {t.predicate.value: t.object for t in triples if t.subject == st}
            out.add((v[RDF + "subject"].value, v[RDF + "predicate"].value, str(v[RDF + "object"]),
                     v[PROV + "atLocation"].value))
        return out
    comment, see_also = "http://www.w3.org/2000/01/rdf-schema#comment", "http://www.w3.org/2000/01/rdf-schema#seeAlso"
    assert statements("generated") == {(VTH, comment, '"Tweede versie"@nl', G), (TOEZICHT, see_also, f"<{VTH}>", G)}
    assert statements("invalidated") == {(VTH, comment, '"Eerste versie"@nl', G)}
    r = client.get(f"/wijzigingen/{second}", headers={"Accept": "application/ld+json"})
    assert r.mimetype == "application/ld+json"
    assert len(list(ox.parse(r.data, format=ox.RdfFormat.JSON_LD))) == len(triples)


def test_the_activity_iri_dereferences_to_its_page(written):
    client, (_, second), _ = written
    iri = "https://w3id.org/ketengraaf/wijzigingen/" + second
    r = client.get("/resource", query_string={"iri": iri}, headers=HTML)
    assert r.status_code == 303 and r.headers["Location"] == f"/wijzigingen/{second}"
    with client.application.test_request_context("/"):
        from ketengraaf.web.urls import local_url
        assert local_url(iri) == f"/wijzigingen/{second}"


def test_json_feed(written):
    client, (first, second), day = written
    r = client.get("/wijzigingen.json")
    assert r.status_code == 200 and r.mimetype == "application/feed+json"
    feed = json.loads(r.data)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == "ketengraaf: wijzigingen"
    assert [i["id"] for i in feed["items"]] == ["https://w3id.org/ketengraaf/wijzigingen/" + second,
                                                "https://w3id.org/ketengraaf/wijzigingen/" + first]
    assert [i["url"] for i in feed["items"]] == [f"http://localhost/wijzigingen/{second}",
                                                 f"http://localhost/wijzigingen/{first}"]
    assert [i["title"] for i in feed["items"]] == [f"Graph Store PUT <{G}>", f"Graph Store POST <{G}>"]
    assert feed["items"][0]["content_text"] == f"2 triple(s) toegevoegd, 1 verwijderd, door redactie, in: {G}"
    assert all(i["date_published"].startswith(day) for i in feed["items"])


def test_atom_feed(written):
    client, (first, second), day = written
    r = client.get("/wijzigingen.atom")
    assert r.status_code == 200 and r.mimetype == "application/atom+xml"
    feed = ET.fromstring(r.data)
    assert feed.tag == ATOM + "feed"
    for required in ("id", "title", "updated"):
        assert feed.find(ATOM + required).text
    assert feed.find(f"{ATOM}author/{ATOM}name").text == "ketengraaf"
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == "http://localhost/wijzigingen.atom"
    entries = feed.findall(ATOM + "entry")
    assert [e.find(ATOM + "id").text for e in entries] == ["https://w3id.org/ketengraaf/wijzigingen/" + second,
                                                           "https://w3id.org/ketengraaf/wijzigingen/" + first]
    for e in entries:
        assert e.find(ATOM + "title").text.startswith("Graph Store P")
        assert e.find(ATOM + "updated").text.startswith(day)
        assert e.find(f"{ATOM}author/{ATOM}name").text == "redactie"
        assert e.find(f"{ATOM}link[@rel='alternate']").get("href").startswith("http://localhost/wijzigingen/")
    assert feed.find(ATOM + "updated").text == entries[0].find(ATOM + "updated").text


def _history_links(html: str) -> list[str]:
    return _change_links(html.split('id="history-h"')[1].split("</section>")[0]) if 'id="history-h"' in html else []


def test_a_resource_lists_the_changes_that_touched_it(written):
    client, (first, second), _ = written
    # the chain: subject of both writes (and object of the second)
    assert _history_links(client.get("/id/keten/vth", headers=HTML).get_data(as_text=True)) == [second, first]
    assert _history_links(client.get("/id/keten/vth?view=eigenschappen", headers=HTML)
                          .get_data(as_text=True)) == [second, first]
    # the process: only in the second
    assert _history_links(client.get("/id/proces/vth-toezicht", headers=HTML).get_data(as_text=True)) == [second]
    # untouched: no section
    assert _history_links(client.get("/id/proces/vth-handhaving", headers=HTML).get_data(as_text=True)) == []


def test_recently_changed_includes_the_written_resources_first(written):
    client, _, day = written
    html = client.get("/", headers=HTML).get_data(as_text=True)
    recent = re.findall(r'<li><time datetime="([^"]+)">[^<]*</time> <a href="([^"]+)">',
                        html.split('id="recent-h"')[1].split("</ul>")[0])
    assert recent[:2] == [(day, "/id/proces/vth-toezicht"), (day, "/id/keten/vth")]


def test_the_home_page_first_in_a_generation_builds_the_history_too(written):
    """recently_changed reads the history index: built first, not from inside another snapshot extra (its lock
    is not re-entrant: the home page hung when it was the first page of a generation with writes)."""
    from ketengraaf.web import snapshot as snapshots
    client, _, _ = written
    snapshots._snapshots.clear()
    got: dict = {}
    worker = threading.Thread(target=lambda: got.update(r=client.get("/", headers=HTML)), daemon=True)
    worker.start()
    worker.join(120)
    assert "r" in got, "the home page did not answer within 120 s"
    assert got["r"].status_code == 200
