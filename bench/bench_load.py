"""Load and validation benchmark: ketengraaf against plain rdflib + pySHACL, in one run.

    python bench/bench_load.py [--sizes 10000,100000] [--full] [--repeat 3] [--workdir DIR]

For each size, a synthetic catalogue is generated (bench/generate.py, fixed seed)
and each measurement runs in a fresh Python subprocess, so its peak RSS
(``getrusage(RUSAGE_SELF).ru_maxrss`` of that child) is its own:

- ketengraaf load: ``ketengraaf.loading.load`` of ontology/ + shapes/ + the file into a
  temporary store, without validation and with ``ketengraaf.validation.validate_sources``
  (as ``ketengraaf load`` runs it);
- ketengraaf validate: the validator alone, on the parsed sources;
- baseline: rdflib ``Graph().parse`` of the same files, then ``pyshacl.validate``
  with the repository's shapes/ and ontology/.

Times are medians of ``--repeat`` runs (one run at 1M). Prints Markdown tables
and the ratios. ``--full`` adds 1M triples.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "app"))


def _rdf_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix in {".ttl", ".nt", ".trig", ".rdf", ".jsonld"})


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _cpu:
    """CPU seconds (user + system) of this process spent inside the block: steadier than wall
    time on a machine shared with other work."""

    def __enter__(self):
        u = resource.getrusage(resource.RUSAGE_SELF)
        self.start, self.seconds = u.ru_utime + u.ru_stime, 0.0
        return self

    def __exit__(self, *exc):
        u = resource.getrusage(resource.RUSAGE_SELF)
        self.seconds = u.ru_utime + u.ru_stime - self.start


# -- children: one measurement each, in a fresh process ----------------------------------------
def _kg_paths(data: Path) -> list[Path]:
    return [p for p in (ROOT / "ontology", ROOT / "shapes") if _rdf_files(p)] + [data]


def child_kg_load(data: Path, validate: bool) -> dict:
    from ketengraaf.catalogue import Catalogue
    from ketengraaf.loading import load
    from ketengraaf.validation import validate_sources
    cat = Catalogue(ROOT)
    validator = (lambda parsed: validate_sources(parsed, shapes_dir=cat.shapes_dir, ontology_dir=cat.ontology_dir)
                 ) if validate else None
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as store:
        t = time.perf_counter()
        with _cpu() as cpu:
            gen, _ = load(store, _kg_paths(data), validator=validator)
        seconds = time.perf_counter() - t
    out = {"seconds": seconds, "cpu": cpu.seconds, "triples": gen.triples}
    if validate:
        out["validation"] = gen.extra.get("validation")
    return out


def child_kg_validate(data: Path) -> dict:
    from ketengraaf.catalogue import Catalogue
    from ketengraaf.sources import parse_sources
    from ketengraaf.validation import render, validate_sources
    cat = Catalogue(ROOT)
    parsed = parse_sources(_kg_paths(data))
    t = time.perf_counter()
    with _cpu() as cpu:
        report = validate_sources(parsed, shapes_dir=cat.shapes_dir, ontology_dir=cat.ontology_dir)
        render(report, "turtle")        # what a load stores
        summary = report.summary()
    return {"seconds": time.perf_counter() - t, "cpu": cpu.seconds, "summary": summary}


def _rdflib_graph(files: list[Path]):
    import rdflib
    g = rdflib.Graph()
    for f in files:
        g.parse(f)
    return g


def child_rdflib_parse(data: Path) -> dict:
    t = time.perf_counter()
    with _cpu() as cpu:
        g = _rdflib_graph([data])
    return {"seconds": time.perf_counter() - t, "cpu": cpu.seconds, "triples": len(g)}


def child_pyshacl(data: Path) -> dict:
    """The plain way: rdflib parses data + ontology into one graph, pySHACL validates it
    (same options as ketengraaf's engine: no inference, warnings allowed, SHACL core)."""
    import pyshacl
    from rdflib.namespace import SH
    t = time.perf_counter()
    g = _rdflib_graph([data, *_rdf_files(ROOT / "ontology")])
    parsed = time.perf_counter() - t
    shapes = _rdflib_graph(_rdf_files(ROOT / "shapes"))
    if not len(shapes):
        raise SystemExit("no shapes in shapes/ yet: nothing for pySHACL to validate")
    t = time.perf_counter()
    with _cpu() as cpu:
        conforms, report, _text = pyshacl.validate(g, shacl_graph=shapes, inference="none", advanced=False,
                                                   allow_warnings=True, inplace=True)
    validated = time.perf_counter() - t
    if not hasattr(report, "subjects"):
        raise SystemExit(f"pySHACL could not validate: {report}")
    severities = {}
    for sev in report.objects(None, SH.resultSeverity):
        name = str(sev).rsplit("#", 1)[-1]
        severities[name] = severities.get(name, 0) + 1
    return {"seconds": validated, "cpu": cpu.seconds, "parse_seconds": parsed, "conforms": conforms,
            "results": severities,
            "shapes_triples": len(shapes)}


CHILDREN = {
    "kg-load": lambda f: child_kg_load(f, validate=False),
    "kg-load-validate": lambda f: child_kg_load(f, validate=True),
    "kg-validate": child_kg_validate,
    "rdflib-parse": child_rdflib_parse,
    "rdflib-pyshacl": child_pyshacl,
}


def run_child(task: str, data: Path, timeout: float) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", task, str(data)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": f"exit {p.returncode}: {last[:200]}"}
    return json.loads(p.stdout.strip().splitlines()[-1])


# -- the parent: sizes x tasks, tables ------------------------------------------------------------
def measure(task: str, data: Path, repeat: int, timeout: float) -> dict:
    runs = [run_child(task, data, timeout) for _ in range(repeat)]
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return runs[0]
    best = dict(ok[0])
    best["seconds"] = statistics.median(r["seconds"] for r in ok)
    best["cpu"] = statistics.median(r["cpu"] for r in ok)
    best["rss_mb"] = max(r["rss_mb"] for r in ok)
    if "parse_seconds" in best:
        best["parse_seconds"] = statistics.median(r["parse_seconds"] for r in ok)
    return best


def _secs(v: float) -> str:
    return f"{v:.2f} s" if v >= 0.1 else f"{v * 1000:.0f} ms"


def fmt_s(r: dict, key: str = "seconds") -> str:
    """Wall time (CPU time of the process in brackets)."""
    if "error" in r:
        return "n/a"
    return f"{_secs(r[key])} ({_secs(r['cpu'])})"


def fmt_mb(r: dict) -> str:
    return "n/a" if "error" in r else f"{r['rss_mb']:.0f} MB"


def ratio(a: dict, b: dict, ka: str = "seconds", kb: str = "seconds") -> str:
    if "error" in a or "error" in b or not a.get(ka) or not b.get(kb):
        return "n/a"
    return f"{b[kb] / a[ka]:.1f}x"


def versions() -> str:
    from importlib.metadata import version
    names = ["pyoxigraph", "rdflib", "pyshacl"]
    return f"Python {platform.python_version()}, " + ", ".join(f"{n} {version(n)}" for n in names)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000", help="comma-separated triple counts")
    ap.add_argument("--full", action="store_true", help="add 1,000,000 triples")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement below 1M (median)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=900, help="seconds one measurement may take")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "ketengraaf-bench")
    ap.add_argument("--tasks", default=",".join(CHILDREN),
                    help=f"comma-separated measurements to run (default all: {','.join(CHILDREN)})")
    ap.add_argument("--json", type=Path, help="also write the raw results here")
    ap.add_argument("--child", nargs=2, metavar=("TASK", "FILE"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        task, data = a.child
        out = CHILDREN[task](Path(data))
        out["rss_mb"] = _peak_mb()
        print(json.dumps(out, default=str))
        return 0

    import generate
    try:
        sizes = [int(s) for s in a.sizes.split(",") if s]
    except ValueError:
        ap.error(f"--sizes {a.sizes!r}: give triple counts such as 10000,100000")
    if a.full and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    tasks = [t for t in a.tasks.split(",") if t]
    unknown = sorted(set(tasks) - set(CHILDREN))
    if unknown:
        ap.error(f"--tasks: unknown {', '.join(unknown)}; known: {', '.join(CHILDREN)}")
    a.workdir.mkdir(parents=True, exist_ok=True)
    if not _rdf_files(ROOT / "shapes"):
        print("note: shapes/ holds no shapes yet: validation does little work", file=sys.stderr)
    results = {}
    for n in sizes:
        data = a.workdir / f"catalogue-{n}-s{a.seed}.ttl"
        generate.generate(n, data, seed=a.seed)          # always anew: fast, and never stale
        repeat = a.repeat if n < 1_000_000 else 1
        row = {}
        for task in CHILDREN:
            if task not in tasks:
                row[task] = {"error": "not measured (--tasks)"}
                continue
            print(f"{n:>9,} triples: {task} x{repeat} ...", file=sys.stderr, flush=True)
            row[task] = measure(task, data, repeat, a.timeout)
        results[n] = row
    if a.json:
        a.json.write_text(json.dumps(results, indent=1, default=str))
    print(f"\nMachine: {os.cpu_count()} cores, {platform.machine()}; {versions()}; "
          f"{time.strftime('%Y-%m-%d')}; medians of {a.repeat} runs (1 at 1M); each run a fresh process.\n")
    print("Wall time (CPU time of that process in brackets); speed-ups compare CPU time.\n")
    print("| triples | ketengraaf load | + validation | validation alone | rdflib parse | pySHACL validate "
          "| load speed-up | validation speed-up |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for n, r in results.items():
        print(f"| {n:,} | {fmt_s(r['kg-load'])} | {fmt_s(r['kg-load-validate'])} | {fmt_s(r['kg-validate'])} "
              f"| {fmt_s(r['rdflib-parse'])} | {fmt_s(r['rdflib-pyshacl'])} "
              f"| {ratio(r['kg-load'], r['rdflib-parse'], 'cpu', 'cpu')} "
              f"| {ratio(r['kg-validate'], r['rdflib-pyshacl'], 'cpu', 'cpu')} |")
    print("\nPeak RSS of the process doing the work (includes the Python libraries it imports):\n")
    print("| triples | ketengraaf load | ketengraaf load + validation | rdflib parse | rdflib + pySHACL "
          "| rdflib / ketengraaf (load) |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for n, r in results.items():
        print(f"| {n:,} | {fmt_mb(r['kg-load'])} | {fmt_mb(r['kg-load-validate'])} | {fmt_mb(r['rdflib-parse'])} "
              f"| {fmt_mb(r['rdflib-pyshacl'])} | {ratio(r['kg-load'], r['rdflib-parse'], 'rss_mb', 'rss_mb')} |")
    print("\nValidation outcome (ketengraaf summary / pySHACL conforms, result count):")
    for n, r in results.items():
        kg = r["kg-validate"].get("summary", r["kg-validate"].get("error"))
        ps = r["rdflib-pyshacl"]
        base = ps.get("error") or f"conforms={ps['conforms']}, {ps['results']} results"
        print(f"- {n:,}: ketengraaf {kg}; pySHACL {base}")
    errors = [(n, t, r["error"]) for n, row in results.items() for t, r in row.items()
              if "error" in r and t in tasks]
    for n, t, e in errors:
        print(f"- {n:,} {t}: {e}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
