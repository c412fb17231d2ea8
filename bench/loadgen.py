"""A small bounded HTTP load generator and server supervision for the benchmarks.

``drive`` sends a fixed number of GET requests (or fewer, when the time cap is
reached first) from ``concurrency`` threads, each on its own keep-alive
``http.client`` connection, and returns requests/s and latency percentiles.
Only loopback addresses are accepted. ``Server`` starts a process in its own
session and always kills that process group on ``stop()``.
"""
from __future__ import annotations

import http.client
import itertools
import os
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
OK_STATUSES = {200, 304}

# a request: (path with query string, headers)
RequestMaker = Callable[[int], tuple[str, dict]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[k]


@dataclass
class Result:
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: Counter = field(default_factory=Counter)
    capped: bool = False

    @property
    def ok(self) -> int:
        return sum(n for s, n in self.statuses.items() if s in OK_STATUSES)

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    @property
    def p50(self) -> float:
        return percentile(sorted(self.latencies_ms), 0.50)

    @property
    def p95(self) -> float:
        return percentile(sorted(self.latencies_ms), 0.95)

    def as_dict(self) -> dict:
        return {"requests": self.requests, "ok": self.ok, "seconds": round(self.seconds, 3),
                "rps": round(self.rps, 1), "p50_ms": round(self.p50, 2), "p95_ms": round(self.p95, 2),
                "statuses": dict(self.statuses), "capped": self.capped}


def drive(host: str, port: int, make: RequestMaker, *, requests: int, concurrency: int,
          time_cap: float, timeout: float = 60.0) -> Result:
    """Send ``requests`` GETs (bounded by ``time_cap`` seconds) from ``concurrency`` threads."""
    if host not in LOOPBACK:
        raise ValueError(f"load is only sent to loopback, not {host}")
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: Counter = Counter()
    deadline = time.perf_counter() + time_cap
    capped = threading.Event()

    def worker():
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        mine, codes = [], Counter()
        try:
            while True:
                i = next(counter)
                if i >= requests:
                    break
                if time.perf_counter() > deadline:
                    capped.set()
                    break
                path, headers = make(i)
                t0 = time.perf_counter()
                try:
                    conn.request("GET", path, headers=headers)
                    resp = conn.getresponse()
                    resp.read()
                    code = resp.status
                    if resp.getheader("Connection", "").lower() == "close":
                        conn.close()
                except (OSError, http.client.HTTPException) as exc:
                    code = type(exc).__name__
                    conn.close()
                    conn = http.client.HTTPConnection(host, port, timeout=timeout)
                mine.append((time.perf_counter() - t0) * 1000)
                codes[code] += 1
        finally:
            conn.close()
            with lock:
                latencies.extend(mine)
                statuses.update(codes)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(time_cap + timeout + 5)
    took = time.perf_counter() - started
    return Result(len(latencies), took, latencies, statuses, capped.is_set())


def get(host: str, port: int, path: str, headers: dict | None = None, timeout: float = 30.0):
    """One GET: (status, headers dict (lower-case names), body bytes)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def peak_rss_mb(pid: int) -> float:
    """Sum of VmHWM (peak resident set) of ``pid`` and all its descendants, in MB."""
    return tree_status_mb(pid, "VmHWM")


def tree_status_mb(pid: int, field: str) -> float:
    """Sum of a /proc status field in kB (``VmHWM``: peak resident set, ``VmRSS``: resident now) over ``pid``
    and all its descendants, in MB."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


class Server:
    """A server process started in its own session; ``stop()`` kills its whole process group."""

    def __init__(self, name: str, cmd: list[str], port: int, log_dir: Path, env: dict | None = None,
                 cwd: Path | None = None):
        self.name, self.cmd, self.port = name, cmd, port
        self.log = (log_dir / f"{name}.log").open("wb")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
                                     env={**os.environ, **(env or {})}, cwd=cwd)

    def wait_ready(self, path: str, headers: dict | None = None, timeout: float = 180.0) -> float:
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                status, _, _ = get("127.0.0.1", self.port, path, headers, timeout=10)
                if status == 200:
                    return time.perf_counter() - started
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 15) -> str:
        self.log.flush()
        text = Path(self.log.name).read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def peak_rss_mb(self) -> float:
        return peak_rss_mb(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
            except ProcessLookupError:
                pass
        else:
            try:   # children left behind by a parent that already exited
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log.close()
