"""Fuzz the query guard against the engine for a bounded time; report canary hits and crashes.

    python bench/fuzz_guards.py --seconds 120 [--seed N]

Three streams, round robin, until the time is up:

* mutants of forbidden queries (tests/guard_mutants.py: SERVICE/FROM with escapes, odd white space,
  case, comments, glued keywords, wrappers); whatever the guard lets through is run by pyoxigraph in a
  child process WITH the host network against a loopback canary (a real TCP listener);
* their allowed twins: the guard must let through every twin the engine parses;
* random byte-level mutations (insert/delete/duplicate characters) of both, for reader crashes:
  the guard must answer every input with a verdict or a KetengraafError, never another exception.

The engine runs in a child process so a SIGSEGV is counted, not fatal. Exit status 1 when the
canary was called, a twin was refused, or the guard raised anything but a KetengraafError.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import socket
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from guard_mutants import one

KNOWN = "http://example.org/g2"


class Canary:
    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self._stop = False
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.hits += 1
            conn.close()

    def close(self) -> None:
        self._stop = True


def _engine_worker(conn) -> None:
    import pyoxigraph as ox
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("o"), ox.NamedNode(KNOWN)))
    while True:
        try:
            q = conn.recv()
        except (EOFError, OSError):
            return
        try:
            list(store.query(q, use_default_graph_as_union=True))
            conn.send("ok")
        except SyntaxError:
            conn.send("syntax")
        except Exception:  # noqa: BLE001 - a failed SERVICE, an unknown function
            conn.send("error")


class Engine:
    """pyoxigraph in a child process (host network); restarted after a crash or a time-out."""

    def __init__(self) -> None:
        self.ctx = mp.get_context("spawn")
        self.crashes = 0
        self.timeouts = 0
        self._start()

    def _start(self) -> None:
        self.conn, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=_engine_worker, args=(child,), daemon=True)
        self.proc.start()

    def run(self, q: str, timeout: float = 5.0) -> str:
        try:
            self.conn.send(q)
            if self.conn.poll(timeout):
                return self.conn.recv()
            self.timeouts += 1
            outcome = "timeout"
        except (EOFError, OSError):
            self.proc.join(1)
            self.crashes += 1
            outcome = f"crash ({self.proc.exitcode})"
        self.proc.kill()
        self.proc.join(2)
        self._start()
        return outcome


def _mangle(rng: random.Random, q: str) -> str:
    chars = list(q)
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(chars) + 1)
        op = rng.random()
        if op < 0.4 and chars:
            del chars[min(i, len(chars) - 1)]
        elif op < 0.8:
            chars.insert(i, rng.choice(['"', "'", "<", ">", "#", "\\", "\\u0022", "\\u003E", "{", "}", "(", ")",
                                        "\n", "\r", " ", "?", ":", "SERVICE", "FROM", "true", "1", "@", "_:"]))
        elif chars:
            j = rng.randrange(len(chars))
            chars[i:i] = chars[j:j + rng.randint(1, 8)]
    return "".join(chars)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="how long to fuzz (default 60)")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args(argv)

    from ketengraaf.errors import KetengraafError
    from ketengraaf.settings import Settings
    from ketengraaf.sparql import guards

    settings = Settings.from_env({}, environ={})
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    canary = Canary()
    url = f"http://127.0.0.1:{canary.port}/"
    engine = Engine()
    counts = {"mutants": 0, "refused": 0, "passed": 0, "passed_engine_parsed": 0, "twins": 0,
              "twins_refused_but_parsed": 0, "mangled": 0, "mangled_passed": 0, "mangled_passed_parsed": 0,
              "guard_exceptions": 0}
    problems: list[str] = []
    guard_time = 0.0
    guard_calls = 0
    deadline = time.monotonic() + args.seconds

    def guard(q: str):
        nonlocal guard_time, guard_calls
        t0 = time.perf_counter()
        try:
            guards.check(q, settings, frozenset({KNOWN}))
            return None
        except KetengraafError as err:
            return err
        except Exception as exc:  # noqa: BLE001 - a reader bug: report it
            counts["guard_exceptions"] += 1
            problems.append(f"guard raised {type(exc).__name__}: {exc} on {q!r}")
            return exc
        finally:
            guard_time += time.perf_counter() - t0
            guard_calls += 1

    while time.monotonic() < deadline:
        m = one(rng, url, KNOWN)
        counts["mutants"] += 1
        if guard(m.query) is None:
            counts["passed"] += 1
            if engine.run(m.query) != "syntax":
                counts["passed_engine_parsed"] += 1
                problems.append(f"guard passed a mutant the engine runs: {m.label} {m.query!r}")
        else:
            counts["refused"] += 1
        counts["twins"] += 1
        if guard(m.twin) is not None and engine.run(m.twin) != "syntax":
            counts["twins_refused_but_parsed"] += 1
            problems.append(f"guard refused an allowed twin: {m.label} {m.twin!r}")
        for base in (m.query, m.twin):
            q = _mangle(rng, base)
            counts["mangled"] += 1
            if guard(q) is None:
                counts["mangled_passed"] += 1
                if base is m.query and engine.run(q) != "syntax":
                    # a mangled forbidden query the engine runs: fine only if it lost its SERVICE/FROM
                    counts["mangled_passed_parsed"] += 1
    time.sleep(0.5)
    canary.close()
    print(f"seed {seed}, {args.seconds:g} s")
    for k, v in counts.items():
        print(f"  {k:28} {v:,}")
    print(f"  {'canary hits':28} {canary.hits:,}")
    print(f"  {'engine crashes (SIGSEGV..)':28} {engine.crashes:,}")
    print(f"  {'engine time-outs':28} {engine.timeouts:,}")
    print(f"  {'guard time per query':28} {guard_time / max(1, guard_calls) * 1e6:,.0f} us")
    for p in problems[:20]:
        print("PROBLEM", p[:400])
    bad = canary.hits or counts["twins_refused_but_parsed"] or counts["guard_exceptions"] \
        or counts["passed_engine_parsed"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
