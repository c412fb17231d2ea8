"""Shared fixtures: real apps on real files, a real HTTP server on loopback.

``make_app_client(tmp_path, **settings)`` builds an app on its own store
folder (Datasette's pattern); ``catalogue`` loads the shipped catalogue once
per session; ``live_server`` serves it with waitress on 127.0.0.1.

Both store backends: a test (or module fixture) that takes the ``backend`` fixture runs twice, once on
the embedded store and once on a real ``oxigraph serve`` on loopback as the external SPARQL store
(``make_app_client(..., backend=backend)`` starts one per app and loads the app's sources into it; it is
stopped by its process id at the end of the session). The shared ``app``/``client``/``live_server`` take
it too. Where the ``oxigraph`` binary is missing (``pip install -e '.[test]'`` brings it) the ``sparql``
runs skip with that reason.
"""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from ketengraaf import create_app
from ketengraaf.settings import Settings
from paths import ROOT, SHARED

pytest_plugins = ["xdist_alone"]          # the tests marked alone run while no other test runs (xdist workers)

_skip_without_shared = pytest.mark.skipif(not SHARED.is_dir(),
                                          reason=f"reference data {SHARED} is not present (CI has it)")


def needs_shared(test):
    """For a test that reads ../shared/: marked ``shared`` (``-m "not shared"`` leaves it out),
    and skipped with a reason where that folder is missing."""
    return pytest.mark.shared(_skip_without_shared(test))


def make_settings(store_dir: Path, **overrides) -> Settings:
    # import_dir inside the test's store folder: a checkout's var/imports never leaks into tests
    return Settings.from_env({"catalogue": str(ROOT), "store_dir": str(store_dir),
                              "import_dir": str(Path(store_dir) / "imports"), **overrides}, environ={})


BACKENDS = ("embedded", "sparql")
_servers: list = []          # oxigraph serve processes started for apps on the sparql backend


def sparql_settings(store_dir: Path, **overrides) -> Settings:
    """Settings for an app on a fresh ``oxigraph serve`` (its database beside ``store_dir``)."""
    from oxigraph_server import OxigraphServer, oxigraph_binary
    if oxigraph_binary() is None:
        pytest.skip("no oxigraph binary for the external-store runs (pip install -e '.[test]' brings it)")
    server = OxigraphServer(Path(store_dir).parent / f"{Path(store_dir).name}-oxigraph").start()
    _servers.append(server)
    return make_settings(store_dir, store_backend="sparql", sparql_query_url=server.query_url,
                         sparql_update_url=server.update_url, sparql_gsp_url=server.gsp_url, **overrides)


def make_app(store_dir: Path, backend: str = "embedded", **overrides):
    settings = (sparql_settings if backend == "sparql" else make_settings)(store_dir, **overrides)
    app = create_app(settings)
    app.testing = True
    return app


def make_app_client(store_dir: Path, backend: str = "embedded", **overrides):
    return make_app(store_dir, backend, **overrides).test_client()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    """``embedded`` or ``sparql``: the store an app of this test runs on."""
    return request.param


@pytest.fixture(scope="session", autouse=True)
def _stop_sparql_servers():
    yield
    while _servers:
        _servers.pop().stop()


@pytest.fixture(scope="session")
def catalogue_dir(tmp_path_factory) -> Path:
    """A store folder holding the shipped catalogue, loaded once."""
    from ketengraaf.loading import load_catalogue
    d = tmp_path_factory.mktemp("store")
    load_catalogue(make_settings(d))
    return d


def writable_copy(catalogue_dir: Path, target: Path, **overrides):
    """A test client on a copy of the shipped catalogue's store (a load costs seconds, a copy does not), to
    write to over HTTP without touching the session's store; ``write_tokens`` etc. in ``overrides``."""
    import shutil
    shutil.copytree(catalogue_dir, target, ignore=shutil.ignore_patterns("head", "LOCK"))
    return make_app_client(target, load_on_start=False, **overrides)


@pytest.fixture(scope="session")
def app(backend, catalogue_dir, tmp_path_factory):
    """The shipped catalogue: on the embedded store loaded once (``catalogue_dir``), or loaded into an
    external ``oxigraph serve``."""
    if backend == "sparql":
        return make_app(tmp_path_factory.mktemp("remote") / "store", "sparql")
    return make_app(catalogue_dir, load_on_start=False)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def embedded_app(catalogue_dir):
    """The shipped catalogue on the embedded store only: for the Chromium crawl and the accessibility
    checks, which check the web layer (the same on both backends) and cost minutes per backend; every page
    on the external store is reached by the backend-parametrised crawl in test_web_prefix.py."""
    return make_app(catalogue_dir, load_on_start=False)


@pytest.fixture(scope="session")
def embedded_live_server(embedded_app):
    srv = LiveServer(embedded_app)
    yield srv
    srv.stop()


class LiveServer:
    def __init__(self, app, host="127.0.0.1"):
        import waitress
        self.server = waitress.create_server(app, host=host, port=0, threads=8, asyncore_use_poll=True,
                                             clear_untrusted_proxy_headers=True)
        self.port = self.server.effective_port
        self.url = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.close()


@pytest.fixture(scope="session")
def live_server(app):
    srv = LiveServer(app)
    yield srv
    srv.stop()
