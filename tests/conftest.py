"""Shared fixtures: real apps on real files, a real HTTP server on loopback.

``make_app_client(tmp_path, **settings)`` builds an app on its own store
folder (Datasette's pattern); ``catalogue`` loads the shipped catalogue once
per session; ``live_server`` serves it with waitress on 127.0.0.1.
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


def make_app_client(store_dir: Path, **overrides):
    app = create_app(make_settings(store_dir, **overrides))
    app.testing = True
    return app.test_client()


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
def app(catalogue_dir):
    a = create_app(make_settings(catalogue_dir, load_on_start=False))
    a.testing = True
    return a


@pytest.fixture()
def client(app):
    return app.test_client()


class LiveServer:
    def __init__(self, app, host="127.0.0.1"):
        import waitress
        self.server = waitress.create_server(app, host=host, port=0, threads=8,
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
