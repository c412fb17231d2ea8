"""A real SPARQL 1.1 server for tests: ``oxigraph serve`` (the `oxigraph` PyPI package's binary, next to
``sys.executable``), started on a free loopback port and stopped by its process id.

    server = OxigraphServer(tmp_path / "db").start()
    ... server.query_url, server.update_url, server.gsp_url ...
    server.kill()          # SIGKILL, as a crash would
    server.start()         # the same store folder and port again

Also two tiny loopback HTTP servers that misbehave on purpose: :class:`SlowServer` (answers after a
sleep) and :class:`JunkServer` (answers with what it is told to).
"""
from __future__ import annotations

import http.server
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

BINARY = Path(sys.executable).parent / "oxigraph"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_binary() -> str | None:
    if BINARY.exists():
        return str(BINARY)
    return shutil.which("oxigraph")


class OxigraphServer:
    def __init__(self, location: Path, port: int | None = None, *, union_default_graph: bool = False):
        self.location = Path(location)
        self.port = port or free_port()
        self.union_default_graph = union_default_graph
        self.process: subprocess.Popen | None = None
        self.log = self.location.parent / f"oxigraph-{self.port}.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        return self.base + "/query"

    @property
    def update_url(self) -> str:
        return self.base + "/update"

    @property
    def gsp_url(self) -> str:
        return self.base + "/store"

    def start(self, timeout: float = 30.0) -> OxigraphServer:
        binary = oxigraph_binary()
        if binary is None:
            raise RuntimeError("no oxigraph binary (pip install oxigraph)")
        cmd = [binary, "serve", "--location", str(self.location), "--bind", f"127.0.0.1:{self.port}"]
        if self.union_default_graph:
            cmd.append("--union-default-graph")
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"oxigraph serve exited: {self.log.read_text()[-2000:]}")
            try:
                url = self.query_url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
                with urllib.request.urlopen(url, timeout=1) as r:
                    r.read()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("oxigraph serve did not start in time")

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL), by its process id."""
        p, self.process = self.process, None
        if p is None or p.poll() is not None:
            return
        os.kill(p.pid, signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(p.pid, signal.SIGKILL)
            p.wait(10)

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        p, self.process = self.process, None
        if p is not None and p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
            p.wait(10)


class _Quiet(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:       # no noise in the test output
        pass


class LoopbackServer:
    """A threaded HTTP server on a free loopback port, answering every request with ``handler``."""

    def __init__(self, answer):
        outer = self

        class Handler(_Quiet):
            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                outer.requests += 1
                answer(self)

            do_GET = do_POST = _any

        self.requests = 0
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/query"

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def slow_server(seconds: float) -> LoopbackServer:
    """Answers a valid empty SPARQL JSON result after ``seconds``."""
    def answer(h) -> None:
        time.sleep(seconds)
        body = b'{"head":{"vars":["s"]},"results":{"bindings":[]}}'
        try:
            h.send_response(200)
            h.send_header("Content-Type", "application/sparql-results+json")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
        except OSError:
            pass
    return LoopbackServer(answer)


def junk_server(body: bytes, content_type: str, status: int = 200) -> LoopbackServer:
    """Answers every request with ``body`` as ``content_type``."""
    def answer(h) -> None:
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)
    return LoopbackServer(answer)


def cut_server(status_line_only: bool = False) -> LoopbackServer:
    """Starts a long answer and closes the connection half-way (a store killed mid-request)."""
    def answer(h) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/sparql-results+json")
        h.send_header("Content-Length", "100000")
        h.end_headers()
        h.wfile.write(b'{"head":{"vars":["s"]},"results":{"bindings":[')
        h.wfile.flush()
        h.close_connection = True
        h.connection.shutdown(socket.SHUT_RDWR)
    return LoopbackServer(answer)
