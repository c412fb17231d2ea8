"""The generational store and the loader: atomic, idempotent, errors that say where."""
from __future__ import annotations

import threading

import pyoxigraph as ox
import pytest

from ketengraaf.errors import InputError, ParseError, StoreError
from ketengraaf.loading import load
from ketengraaf.sources import graph_iri
from paths import ROOT
from ketengraaf.store.oxigraph import OxigraphStore, current_generation

GOOD = '@prefix ex: <http://example.org/> .\nex:a ex:p "een" .\nex:a ex:q ex:b .\n'
BROKEN = '@prefix ex: <http://example.org/> .\nex:a ex:p "open string .\nex:b ex:p ex:c .\n'


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_load_creates_one_named_graph_per_file(tmp_path):
    a = write(tmp_path / "a.ttl", GOOD)
    b = write(tmp_path / "b.ttl", '<http://example.org/x> <http://example.org/p> <http://example.org/y> .\n')
    gen, changed = load(tmp_path / "store", [a, b])
    assert changed and gen.triples == 3
    store = OxigraphStore(tmp_path / "store")
    graphs = {r["g"].value: int(r["n"].value) for r in store.select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
    assert graphs == {graph_iri(a): 2, graph_iri(b): 1}
    # the default graph is the union of the named graphs
    assert len(store.select("SELECT * WHERE { ?s ?p ?o }")) == 3


def test_graph_iri_of_a_checkout_file_is_public_and_stable():
    assert graph_iri(ROOT / "data" / "x.ttl", ROOT) == "https://w3id.org/ketengraaf/graph/data/x.ttl"


def test_reload_is_idempotent_and_force_makes_a_new_generation(tmp_path):
    a = write(tmp_path / "a.ttl", GOOD)
    first, changed = load(tmp_path / "store", [a])
    again, changed_again = load(tmp_path / "store", [a])
    assert changed and not changed_again and again.id == first.id
    forced, _ = load(tmp_path / "store", [a], force=True)
    assert forced.id != first.id and forced.version == first.version


def test_broken_file_names_file_line_and_column_and_leaves_store_untouched(tmp_path):
    a = write(tmp_path / "a.ttl", GOOD)
    before, _ = load(tmp_path / "store", [a])
    bad = write(tmp_path / "bad.ttl", BROKEN)
    with pytest.raises(ParseError) as exc:
        load(tmp_path / "store", [a, bad])
    err = exc.value
    assert "bad.ttl" in err.message and err.line == 2 and err.column is not None
    assert err.exit_code == 2 and err.status == 400
    assert current_generation(tmp_path / "store").id == before.id


def test_non_utf8_file_is_reported_with_position(tmp_path):
    bad = tmp_path / "latin1.ttl"
    bad.write_bytes('<http://example.org/a> <http://example.org/p> "caf\u00e9" .\n'.encode("latin-1"))
    with pytest.raises(ParseError) as exc:
        load(tmp_path / "store", [bad])
    assert "not UTF-8" in exc.value.message and exc.value.line == 1


def test_missing_and_unknown_files_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load(tmp_path / "store", [tmp_path / "nope.ttl"])
    odd = write(tmp_path / "x.csv", "a,b\n")
    with pytest.raises(InputError, match="unknown RDF file type"):
        load(tmp_path / "store", [odd])


def test_empty_store_is_a_store_error(tmp_path):
    with pytest.raises(StoreError, match="ketengraaf load"):
        OxigraphStore(tmp_path / "empty").generation()


def test_readers_switch_to_a_new_generation_and_never_see_a_partial_one(tmp_path):
    """A reader polls while generations are swapped: every answer is a complete catalogue."""
    files = []
    for n in (1, 2):
        body = "".join(f"<http://example.org/s{n}-{i}> <http://example.org/p> \"{i}\" .\n" for i in range(2000))
        files.append(write(tmp_path / f"v{n}.nt", body))
    load(tmp_path / "store", [files[0]])
    reader = OxigraphStore(tmp_path / "store")
    seen, stop = set(), threading.Event()

    def poll():
        while not stop.is_set():
            seen.add(int(reader.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"].value))

    t = threading.Thread(target=poll)
    t.start()
    try:
        for _ in range(3):
            load(tmp_path / "store", [files[0], files[1]], force=True)
            load(tmp_path / "store", [files[0]], force=True)
    finally:
        stop.set()
        t.join()
    assert seen <= {2000, 4000}
    assert reader.generation().triples == 2000


def test_small_generations_are_read_from_memory_with_the_same_answers(tmp_path):
    from ketengraaf.store.oxigraph import open_for_reading
    a = write(tmp_path / "a.ttl", GOOD)
    gen, _ = load(tmp_path / "store", [a])
    disk = open_for_reading(gen.path).disk
    copied = open_for_reading(gen.path, memory_max_triples=10)
    too_big = open_for_reading(gen.path, memory_max_triples=1)   # the generation holds 2 triples
    assert too_big.memory is None and copied.memory is not None
    q = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
    memory = copied.for_query(q)[0]
    assert memory is copied.memory
    rows = [[str(t) for t in r] for r in disk.query(q)]
    assert rows == [[str(t) for t in r] for r in memory.query(q)] and len(rows) == 2
    # the copy is writable memory, the others are the read-only generation on disk
    x = ox.NamedNode("http://example.org/x")
    memory.add(ox.Quad(x, x, x))
    for read_only in (disk, too_big.disk, copied.disk):
        with pytest.raises(RuntimeError, match="read-write"):
            read_only.add(ox.Quad(x, x, x))


def test_a_failed_load_leaves_no_half_written_generation_folder(tmp_path):
    a = write(tmp_path / "a.ttl", GOOD)
    bad = write(tmp_path / "z-bad.ttl", BROKEN)
    with pytest.raises(ParseError):
        load(tmp_path / "store", [a, bad])          # a.ttl is written before z-bad.ttl fails
    gens = tmp_path / "store" / "generations"
    assert not any(gens.iterdir()) and not (tmp_path / "store" / "CURRENT").exists()
