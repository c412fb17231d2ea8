"""The running app's settings and store, for code that answers a request.

``create_app`` puts both on the app (``app.config["KETENGRAAF"]`` and
``app.extensions["ketengraaf.store"]``); these two functions are how the web
layer reads them. They live here, at the bottom of the web layer, so that no
page module has to import the package's ``__init__`` (which imports the web
layer to build the app).
"""
from __future__ import annotations

from flask import current_app

from ..settings import Settings
from ..store import Store


def settings() -> Settings:
    return current_app.config["KETENGRAAF"]


def store() -> Store:
    return current_app.extensions["ketengraaf.store"]
