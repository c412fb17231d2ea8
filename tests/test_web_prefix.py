"""The site under a path prefix: waitress serves the shipped catalogue at /catalogus/ (SCRIPT_NAME),
and a plain HTTP crawler follows every link, stylesheet, script, image and GET form from the home page.

Zero broken links: no 4xx/5xx, and no local link that leaves the prefix (a link written as ``/def``
instead of built with ``url_for`` would). Each URL is fetched once; the crawl stops at MAX_URLS.
"""
from __future__ import annotations

import re
import threading
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlencode, urljoin, urlsplit

import pytest

PREFIX = "/catalogus"
MAX_URLS = 1200            # fetched in all (pages, data documents, static files, example queries)
MAX_SECONDS = 60


class _Links(HTMLParser):
    """Every URL a page makes a browser fetch or offers to follow, with where it was found."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []          # (url, what)
        self._form: dict | None = None
        self._select: tuple[str, list[str], list[str]] | None = None     # name, options, selected
        self._option: dict | None = None
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        for t, attr in (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src")):
            if tag == t and attr in a:
                self.links.append((a[attr], f"<{tag} {attr}>"))
        for attr, value in a.items():            # URLs handed to scripts (<body data-search-api>)
            if attr.startswith("data-") and value.startswith("/"):
                self.links.append((value, f"<{tag} {attr}>"))
        if tag == "form":
            self._form = {"action": a.get("action"), "method": a.get("method", "get").lower(), "fields": []}
        elif self._form is not None:
            name = a.get("name")
            if tag == "input" and name and a.get("type", "text") not in ("submit", "button", "image", "reset",
                                                                              "file"):
                if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                    default = "on" if a.get("type") in ("checkbox", "radio") else ""
                    self._form["fields"].append((name, a.get("value", default)))
            elif tag == "select" and name:
                self._select = (name, [], [])
            elif tag == "option" and self._select is not None:
                value = a.get("value")
                self._option = {"value": value, "text": []}
                if "selected" in a:
                    self._select[2].append(value if value is not None else "")
                self._select[1].append(value if value is not None else "")
            elif tag == "textarea" and name:
                self._textarea = (name, [])

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None and self._form is not None:
            name, options, selected = self._select
            chosen = selected[:1] or options[:1]
            self._form["fields"] += [(name, v) for v in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, parts = self._textarea
            self._form["fields"].append((name, "".join(parts).removeprefix("\n")))
            self._textarea = None
        elif tag == "form" and self._form is not None:
            form, self._form = self._form, None
            if form["method"] == "get" and form["action"] is not None:
                query = urlencode(form["fields"])
                self.links.append((form["action"] + ("?" + query if query else ""), "<form action> (GET)"))


@pytest.fixture(scope="module")
def prefixed_server(app):
    """The shipped catalogue (tests/conftest.py ``app``) behind waitress's url_prefix."""
    import waitress
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4, asyncore_use_poll=True, url_prefix=PREFIX,
                                    clear_untrusted_proxy_headers=True)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


def _fetch(url: str) -> tuple[int, str, bytes]:
    req = urllib.request.Request(url, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
                                               "Accept-Language": "nl"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", ""), b""
    except OSError as err:                  # a time-out or a dropped connection is broken too
        return 599, f"{type(err).__name__}: {err}", b""


def crawl(base: str) -> tuple[int, list[str]]:
    """(URLs fetched, problems) for everything reachable from ``base + PREFIX + "/"``."""
    origin = urlsplit(base).netloc
    start = base + PREFIX + "/"
    todo: list[tuple[str, str]] = [(start, "start")]
    seen = {start}
    problems: list[str] = []
    fetched = 0
    deadline = time.monotonic() + MAX_SECONDS
    while todo and fetched < MAX_URLS and time.monotonic() < deadline:
        url, found_on = todo.pop(0)
        status, ctype, body = _fetch(url)
        fetched += 1
        if status >= 400:
            problems.append(f"{status} {url} (linked from {found_on})" + (f": {ctype}" if status == 599 else ""))
            continue
        if not ctype.startswith("text/html"):
            continue
        parser = _Links()
        parser.feed(body.decode("utf-8"))
        for href, what in parser.links:
            if href.startswith(("data:", "mailto:", "javascript:")):
                continue
            link, _ = urldefrag(urljoin(url, href))
            parts = urlsplit(link)
            if parts.netloc != origin:
                continue                                    # an external host: not ours to check
            if not (parts.path == PREFIX or parts.path.startswith(PREFIX + "/")):
                problems.append(f"{what} {href!r} on {url} leaves the prefix {PREFIX}")
                continue
            if link not in seen:
                seen.add(link)
                todo.append((link, url))
    return fetched, problems


def test_every_link_under_a_path_prefix_works_and_stays_under_it(prefixed_server):
    fetched, problems = crawl(prefixed_server)
    assert not problems, f"{len(problems)} broken links, e.g.:\n" + "\n".join(problems[:15])
    assert fetched >= 200, f"only {fetched} URLs reached from {PREFIX}/"


def test_local_urls_of_public_iris_carry_the_script_root(app):
    from ketengraaf.web.urls import data_url, local_url, page_url
    from web_helpers import DEF, ID
    with app.test_request_context("/", base_url="http://example.org" + PREFIX):
        assert local_url(ID + "keten/vth") == PREFIX + "/id/keten/vth"
        assert local_url(DEF + "Keten") == PREFIX + "/def/Keten"
        assert local_url(DEF.rstrip("#")) == PREFIX + "/def"
        assert page_url(ID + "keten/vth") == PREFIX + "/page/keten/vth"
        assert data_url(ID + "keten/vth", "ttl") == PREFIX + "/data/keten/vth.ttl"
        assert local_url("https://example.com/x") == "https://example.com/x"       # external stays external


def test_the_prefix_reaches_pages_the_crawl_must_cover(prefixed_server):
    """The crawl starts at home; these pages show it goes where the links are built."""
    status, _, body = _fetch(prefixed_server + PREFIX + "/")
    page = body.decode()
    assert status == 200
    for path in ("/def", "/schemes", "/quality", "/search", "/sparql", "/gemma", "/upl/ketenkandidaten",
                 "/static/style.css", "/api/search"):
        assert f'"{PREFIX}{path}' in page, f"home page has no link or form to {PREFIX}{path}"
    outside = re.findall(r'(?:href|src|action|data-[a-z-]+)="/(?!/|%s[/"?])[^"]*"' % PREFIX.strip("/"), page)
    assert not outside, outside
