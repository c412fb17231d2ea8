"""Where does ketengraaf's time go under load? py-spy over the server (and its query workers).

    python bench/profile_http.py [--triples 100000] [--what lookup|join|search|page] [--seconds 15]

Starts ketengraaf on a generated catalogue (as bench_http.py does), drives it with
varied (uncached) requests of one kind at concurrency 1, samples the server and its
child processes with ``py-spy record --subprocesses --format raw``, and prints the
functions with the largest inclusive share of samples, per process. Needs py-spy
(``pip install py-spy``). The collapsed stacks are kept for flame graphs.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from bench_http import HTML, ID, cells, html_path_for, resources, start_servers  # noqa: E402
from loadgen import drive  # noqa: E402


def summarize(raw: Path, top: int) -> str:
    """Per process: the functions with the largest inclusive share of its samples (a function
    counted once per sample), and the largest self share (the sampled leaf frame)."""
    inclusive: dict[str, Counter] = defaultdict(Counter)
    leaf: dict[str, Counter] = defaultdict(Counter)
    totals: Counter = Counter()
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        frames = stack.split(";")
        proc = "process"
        if frames[0].startswith("process "):
            head = frames.pop(0)
            proc = head.split(":", 1)[0] + (" (query worker)" if "spawn_main" in head or "multiprocessing" in head
                                            else " (server)")
        if not frames:
            continue
        totals[proc] += int(n)
        leaf[proc][frames[-1]] += int(n)
        for f in set(frames):
            inclusive[proc][f] += int(n)
    out = []
    for proc, total in totals.most_common():
        out.append(f"\n{proc}: {total} samples\n  inclusive:")
        out += [f"  {100 * n / total:5.1f}%  {f}" for f, n in inclusive[proc].most_common(top)]
        out.append("  self:")
        out += [f"  {100 * n / total:5.1f}%  {f}" for f, n in leaf[proc].most_common(top // 2)]
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--what", choices=["lookup", "join", "search", "page"], default="lookup")
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--summarize", type=Path, help="only summarize an existing collapsed-stack file")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "ketengraaf-bench")
    a = ap.parse_args(argv)
    if a.summarize:
        print(summarize(a.summarize, a.top))
        return 0
    if not shutil.which("py-spy") and not (Path(sys.executable).parent / "py-spy").exists():
        ap.error("py-spy is not installed (pip install py-spy)")
    pyspy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    a.workdir.mkdir(parents=True, exist_ok=True)
    data = a.workdir / f"catalogue-{a.triples}-s{a.seed}.ttl"
    generate.generate(a.triples, data, seed=a.seed)
    iris, words = resources(data, a.seed)
    work = Path(tempfile.mkdtemp(prefix="kg-profile-", dir=a.workdir))
    targets = {}
    try:
        targets = start_servers(["ketengraaf"], data, work)
        kg = targets["ketengraaf"]
        if a.what == "page":
            pattern = html_path_for(kg, iris[0])
            make = lambda i: (pattern.replace("{}", quote(iris[i % len(iris)][len(ID):], safe="/")), HTML)  # noqa
        else:
            name = {"lookup": "lookup", "join": "join LIMIT 100", "search": "label search"}[a.what]
            make = next(m for q, mode, m in cells(iris, words) if q == name and mode == "varied")(kg, 1)
        raw = a.workdir / f"profile-{a.what}.txt"
        load = threading.Thread(target=drive, args=("127.0.0.1", kg.server.port, make),
                                kwargs={"requests": 1_000_000, "concurrency": 1, "time_cap": a.seconds + 3},
                                daemon=True)
        load.start()
        subprocess.run([pyspy, "record", "--pid", str(kg.server.proc.pid), "--subprocesses", "--format", "raw",
                        "--duration", str(a.seconds), "--rate", "200", "--output", str(raw), "--nonblocking"],
                       check=True, capture_output=True)
        load.join()
        print(f"collapsed stacks: {raw}")
        print(summarize(raw, a.top))
    finally:
        for t in targets.values():
            t.server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
