"""The 304 fast path: a revalidation that would get 304 again gets it before Flask runs.

Every answer is a function of (the generation served, the request), and so is its ETag
(:func:`ketengraaf.web.http.conditional`). So once the app has answered a conditional GET or HEAD
with ``304``, the same request (method, path, query string and every request header but the
validators themselves and the hop-by-hop ones) on the same generation would get the same ``304``
again. This WSGI middleware keeps those answers (status line and headers, per generation version,
bounded) and replays one when a request matches it and its ``If-None-Match`` still names the
ETag: no routing, no guards, no query, no worker (issue 15: a 304 cost as much as a cached 200,
about 1.1 ms of CPU). Anything else goes to the app as before.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.http import parse_etags

# request headers that do not change the answer (only whether it is a 304, or the connection)
IGNORED = frozenset({"HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_CONNECTION", "HTTP_KEEP_ALIVE",
                     "HTTP_TE", "HTTP_CACHE_CONTROL", "HTTP_PRAGMA"})
# response headers the server adds itself
DROPPED = frozenset({"date", "server", "content-length", "connection", "transfer-encoding"})
MAX_ENTRIES = 10_000


def request_key(environ: dict) -> tuple:
    """What identifies a request's answer within a generation (everything but validators and hop-by-hop)."""
    headers = sorted((k, v) for k, v in environ.items()
                     if k.startswith("HTTP_") and k not in IGNORED)
    return (environ.get("REQUEST_METHOD"), environ.get("wsgi.url_scheme"), environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""), environ.get("CONTENT_TYPE", ""),
            tuple(headers))


class NotModified:
    """WSGI middleware around the Flask app; ``version()`` is the served generation's version."""

    def __init__(self, app: Callable, version: Callable[[], str]):
        self.app = app
        self.version = version
        self._version: str | None = None
        self._answers: dict[tuple, tuple[str, str, list[tuple[str, str]]]] = {}   # key -> (etag, status, headers)
        self.replayed = 0

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        inm = environ.get("HTTP_IF_NONE_MATCH")
        if not inm or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.app(environ, start_response)
        try:
            version = self.version()
        except Exception:  # no generation yet: the app answers (and says why)
            return self.app(environ, start_response)
        if version != self._version:
            self._answers, self._version = {}, version
        answers = self._answers
        key = request_key(environ)
        hit = answers.get(key)
        if hit is not None and hit[0] in inm and parse_etags(inm).contains_weak(hit[0]):
            self.replayed += 1
            start_response(hit[1], list(hit[2]))
            return [b""]

        def recording(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            if status.startswith("304"):
                etag = next((v for k, v in headers if k.lower() == "etag"), None)
                if etag is not None and self._answers is answers:
                    try:
                        same = self.version() == version
                    except Exception:  # the store went away meanwhile: do not keep it
                        same = False
                    if same:
                        if len(answers) >= MAX_ENTRIES:
                            answers.clear()
                        answers[key] = (etag.strip('"').removeprefix("W/").strip('"'), status,
                                        [(k, v) for k, v in headers if k.lower() not in DROPPED])
            return start_response(status, headers, exc_info) if exc_info is not None \
                else start_response(status, headers)

        return self.app(environ, recording)
