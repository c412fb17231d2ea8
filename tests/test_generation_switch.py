"""The web app's store switches generations in the background (issue 15): the old generation is
served until the new one is prepared, one switch at a time, and the newest generation wins."""
from __future__ import annotations

import threading

from ketengraaf.loading import load
from ketengraaf.store.oxigraph import OxigraphStore

TRIPLE = '<https://w3id.org/ketengraaf/id/x/{n}> <http://www.w3.org/2004/02/skos/core#prefLabel> "{n}"@nl .\n'


def _write(store_dir, src, n: int):
    src.write_text("".join(TRIPLE.format(n=i) for i in range(n + 1)))
    gen, changed = load(store_dir, [src], inference=False)
    assert changed
    return gen


def test_old_generation_served_until_prepared_and_newest_wins(tmp_path):
    src, store_dir = tmp_path / "data.nt", tmp_path / "store"
    first = _write(store_dir, src, 1)
    store = OxigraphStore(store_dir, background=True)
    assert store.generation().id == first.id           # the first open is made at once

    release, started = threading.Event(), threading.Event()
    prepared: list[tuple[str, str | None]] = []

    def prepare(new, old) -> None:
        prepared.append((new.generation().id, old.generation().id if old is not None else None))
        started.set()
        assert release.wait(30)

    store.preparers.append(prepare)
    second = _write(store_dir, src, 2)
    assert store.generation().id == first.id           # starts the switch, answers from the old one
    assert started.wait(30)
    third = _write(store_dir, src, 3)
    fourth = _write(store_dir, src, 4)
    for _ in range(3):                                  # requests meanwhile: still the old generation
        assert store.generation().id == first.id
        assert sum(1 for _ in store.quads(None, None, None)) == 2
    release.set()
    assert store.wait_current(30)
    assert store.generation().id == fourth.id
    assert sum(1 for _ in store.quads(None, None, None)) == 5
    # the one being prepared when the others came was finished; of those written meanwhile only the newest
    assert prepared == [(second.id, first.id), (fourth.id, second.id)]
    assert third.id not in [p[0] for p in prepared]


def test_a_failing_preparer_does_not_stop_the_switch(tmp_path):
    src, store_dir = tmp_path / "data.nt", tmp_path / "store"
    _write(store_dir, src, 1)
    store = OxigraphStore(store_dir, background=True)
    store.generation()

    def broken(new, old) -> None:
        raise RuntimeError("boom")

    store.preparers.append(broken)
    second = _write(store_dir, src, 2)
    assert store.wait_current(30)
    assert store.generation().id == second.id
