"""Incremental validation of a one-resource write against a full validation, on generated catalogues.

    python bench/bench_validate.py                        # 100k and 1M triples
    python bench/bench_validate.py --sizes 100000 --edits 15 --full-runs 3

For each size: a synthetic catalogue (bench/generate.py) is loaded into an in-memory store organised like
a generation (a named graph per source, RDFS entailments, the union in the default graph); the full
validation of that store (validation/incremental.py ``validate_store``, the graph a load validates) is
timed, then one-resource edits of several kinds, each applied to the store, validated incrementally
(``affected_focus_nodes`` + ``validate_focus`` + ``merge``) and undone. Medians; the first edit of a
process (which also builds the shapes' read model, about a second) is not counted.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from generate import generate  # noqa: E402  (bench/ is not a package)

from ketengraaf.loading import infer_into  # noqa: E402
from ketengraaf.sources import parse_sources  # noqa: E402
from ketengraaf.store.oxigraph import materialise_union  # noqa: E402
from ketengraaf.validation.engine import shapes_graph  # noqa: E402
from ketengraaf.validation.incremental import (affected_focus_nodes, data_graphs, merge, model_of,  # noqa: E402
                                               validate_focus, validate_store)

KETEN = "https://w3id.org/ketengraaf/def#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
PREF = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")


def k(name: str) -> ox.NamedNode:
    return ox.NamedNode(KETEN + name)


def generation_store(data: Path) -> ox.Store:
    store = ox.Store()
    for src in parse_sources([ROOT / "ontology", ROOT / "shapes", data], ROOT):
        src.load_into(store)
    infer_into(store)
    materialise_union(store)
    return store


def apply(store: ox.Store, removed: list, added: list) -> list:
    changed = []
    for q in removed:
        if q in store:
            store.remove(q)
            changed.append(q)
            if not any(not isinstance(x.graph_name, ox.DefaultGraph)
                       for x in store.quads_for_pattern(q.subject, q.predicate, q.object, None)):
                store.remove(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()))
    for q in added:
        if q not in store:
            store.add(q)
            store.add(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()))
            changed.append(q)
    return changed


def instances(store: ox.Store, cls: str) -> list:
    return sorted({q.subject for q in store.quads_for_pattern(None, RDF_TYPE, k(cls), ox.DefaultGraph())}, key=str)


def named(store: ox.Store, s=None, p=None, o=None) -> list:
    return [q for q in store.quads_for_pattern(s, p, o, None) if not isinstance(q.graph_name, ox.DefaultGraph)]


def edits(store: ox.Store, rng: random.Random):
    """(kind, removed quads, added quads) of one resource, endlessly."""
    chains, parts = instances(store, "Keten"), instances(store, "Deelname")
    orchestrations, partners = instances(store, "Orkestratieketen"), instances(store, "Ketenpartner")
    graph = named(store, chains[0])[0].graph_name
    kinds = ("label", "steer", "no-role", "date", "two-models", "no-goal", "wiki-link")
    while True:
        for kind in kinds:
            if kind == "label":
                chain = rng.choice(chains)
                old = [q for q in named(store, chain, PREF) if q.object.language == "nl"]
                yield kind, old, [ox.Quad(chain, PREF, ox.Literal("Nieuwe naam", language="nl"), graph)]
            elif kind == "steer":
                yield kind, [], [ox.Quad(rng.choice(parts), k("stuurt"), rng.choice(partners), graph)]
            elif kind == "no-role":
                yield kind, named(store, rng.choice(parts), k("rol")), []
            elif kind == "date":
                part = rng.choice(parts)
                yield kind, named(store, part, k("einddatum")), [
                    ox.Quad(part, k("einddatum"), ox.Literal("2001-01-01", datatype=XSD_DATE), graph)]
            elif kind == "two-models":
                yield kind, [], [ox.Quad(rng.choice(orchestrations), RDF_TYPE, k("Estafetteketen"), graph)]
            elif kind == "no-goal":
                yield kind, named(store, rng.choice(chains), k("heeftDoel")), []
            else:
                bad = ox.NamedNode("https://www.gemmaonline.nl/wiki/Niet_zo")
                yield kind, [], [ox.Quad(rng.choice(partners), k("wikiPagina"), bad, graph)]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(size: int, args) -> dict:
    data = args.workdir / f"cat-{size}.nt"
    if not data.exists():
        generate(size, data, seed=args.seed)
    started = time.perf_counter()
    store = generation_store(data)
    load_s = time.perf_counter() - started
    shapes = shapes_graph(ROOT / "shapes")
    model_of(shapes)
    full_runs = args.full_runs if args.full_runs else (1 if size >= 1_000_000 else 3)
    full_times = []
    report = None
    if args.no_full:                            # the edits only, merged into an empty report
        full_runs = 0
        report = validate_focus(store, shapes, ())
    full_cpu = []
    for _ in range(full_runs):
        t0, c0 = time.perf_counter(), time.process_time()
        report = validate_store(store, shapes)
        full_times.append(time.perf_counter() - t0)
        full_cpu.append(time.process_time() - c0)
    assert report is not None
    full_peak = peak_mb()
    batched = None
    if args.batched:                            # the SPARQL constraints batched on Oxigraph (validation/batch.py)
        t0 = time.perf_counter()
        other = validate_store(store, shapes, batched=True)
        batched = round(time.perf_counter() - t0, 1)
        assert sorted(r.key for r in other.results) == sorted(r.key for r in report.results)
    if args.full_only:
        args.edits = 1
    rng = random.Random(args.seed)
    gen = edits(store, rng)
    rows: list[dict] = []
    for i in range(args.edits + 1):
        kind, removed, added = next(gen)
        changed = apply(store, removed, added)
        t0 = time.perf_counter()
        affected = affected_focus_nodes(store, shapes, changed)
        t1 = time.perf_counter()
        fresh = validate_focus(store, shapes, affected or ())
        merged = merge(report, affected, fresh)
        t2 = time.perf_counter()
        apply(store, added, removed)                          # undo (not timed)
        if i == 0:
            continue
        rows.append({"kind": kind, "affected": None if affected is None else len(affected),
                     "affected_ms": (t1 - t0) * 1000, "validate_ms": (t2 - t1) * 1000,
                     "total_ms": (t2 - t0) * 1000, "results": len(merged.results)})
    incremental = [r for r in rows if r["affected"] is not None]
    med = statistics.median
    return {
        "size": size, "triples": sum(1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph())),
        "data_graphs": len(data_graphs(store) or []), "load_s": round(load_s, 1),
        "full_s": [round(t, 1) for t in full_times],
        "full_median_s": round(med(full_times), 2) if full_times else None,
        "full_cpu_s": [round(t, 1) for t in full_cpu],
        "full_results": len(report.results), "full_peak_mb": round(full_peak), "batched_s": batched,
        "edits": len(rows), "everything": len(rows) - len(incremental),
        "affected_median": med(r["affected"] for r in incremental),
        "affected_ms": round(med(r["affected_ms"] for r in incremental), 1),
        "validate_ms": round(med(r["validate_ms"] for r in incremental), 1),
        "total_ms": round(med(r["total_ms"] for r in incremental), 1),
        "total_max_ms": round(max(r["total_ms"] for r in incremental), 1),
        "per_kind_ms": {kind: round(med(r["total_ms"] for r in incremental if r["kind"] == kind), 1)
                        for kind in sorted({r["kind"] for r in incremental})},
        "peak_mb": round(peak_mb()),
    }


def table(results: list[dict]) -> str:
    lines = ["| triples (union) | full validation | one-resource edit: affected + validate = total (max) "
             "| nodes | full / edit |",
             "|---:|---:|---|---:|---:|"]
    for r in results:
        full = r["full_median_s"] or float("nan")
        ratio = full * 1000 / r["total_ms"] if r["total_ms"] else float("nan")
        lines.append(f"| {r['triples']:,} | {full:.1f} s ({len(r['full_s'])} run(s)) "
                     f"| {r['affected_ms']:.1f} + {r['validate_ms']:.1f} = **{r['total_ms']:.1f} ms** "
                     f"({r['total_max_ms']:.0f}) | {r['affected_median']} | {ratio:,.0f}x |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100000,1000000", help="comma-separated triple counts")
    ap.add_argument("--edits", type=int, default=21, help="one-resource edits per size (median)")
    ap.add_argument("--full-runs", type=int, default=0, help="full validations per size (default 3, 1 at 1M)")
    ap.add_argument("--no-full", action="store_true", help="time the edits only (merged into an empty report)")
    ap.add_argument("--full-only", action="store_true", help="time the full validation only")
    ap.add_argument("--batched", action="store_true",
                    help="also time one full validation with the SPARQL constraints batched on Oxigraph")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "ketengraaf-bench")
    ap.add_argument("--json", type=Path, help="also write the raw results here")
    args = ap.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        r = run(size, args)
        print(json.dumps(r), file=sys.stderr, flush=True)
        results.append(r)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
